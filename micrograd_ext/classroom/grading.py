"""Grading a whole class: every notebook in a process of its own, a gradebook (CSV) and a class summary.

Student code never runs in the grading process: each file goes to ``python -m
micrograd_ext.classroom.submission`` (see there), with a time limit per cell, a memory limit, and a time limit
for the whole notebook after which its process and kernel are killed. Whatever a submission does (loop,
crash, ``os._exit``, a corrupt file), grading goes on and that file gets its row. A notebook is scored against
the student named in its metadata, so answers copied from a classmate fail; the feedback says whose numbers
they fit. Untrusted code still belongs in a container: these limits stop accidents, not a determined attacker.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..nn import write_atomically
from .bank import BANK
from .exercise import first_difference
from .submission import Unreadable, read_submission

TIMEOUT = 10  # seconds per cell
NOTEBOOK_TIMEOUT = 300  # seconds per notebook
MEMORY = 2048  # megabytes per kernel


@dataclass
class Graded:
    """One file's grades: points and feedback per exercise, and what went wrong with the file as a whole."""
    file: str
    student: str | None = None
    points: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)  # exercise -> the checker's words on a wrong answer
    notes: dict[str, list[str]] = field(default_factory=dict)  # exercise (or 'other cells') -> what its cell did
    given: dict[str, dict] = field(default_factory=dict)  # exercise -> the numbers given for a wrong answer
    problem: str | None = None

    @property
    def score(self) -> int:
        return sum(self.points.values())

    @property
    def max_score(self) -> int:
        return sum(entry.points for entry in BANK.values())

    def feedback_text(self) -> str:
        """Everything to tell the student on one line: the file's problem, then each exercise not passed."""
        lines = [self.problem] if self.problem else []
        for name in [*BANK, 'other cells']:
            words = [f'your cell {note}.' for note in self.notes.get(name, [])] + [self.feedback.get(name, '')]
            if self.points.get(name) == 0 or name == 'other cells':
                lines += [f"{name}: {' '.join(' '.join(words).split())}"] if ''.join(words) else []
        return ' | '.join(lines)


def grade_file(path: str, timeout: int = TIMEOUT, memory: int = MEMORY,
               notebook_timeout: int = NOTEBOOK_TIMEOUT) -> Graded:
    """Grade one notebook in its own process (see the module docstring)."""
    graded = Graded(os.path.basename(path), points=dict.fromkeys(BANK, 0))
    try:
        graded.student = read_submission(path)[1]
    except Unreadable as error:
        graded.problem = f'this file {error}'
        return graded
    command = [sys.executable, '-m', 'micrograd_ext.classroom.submission', path, '--timeout', str(timeout),
               '--memory', str(memory), '--cpu', str(notebook_timeout)]
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                              text=True, start_new_session=True)
    kernels: list[int] = []
    out_of_time = threading.Event()
    timer = threading.Timer(notebook_timeout, lambda: (out_of_time.set(), stop(worker, kernels)))
    timer.start()
    done = False
    try:
        for line in worker.stdout:
            event = parsed(line)
            done |= event.get('event') == 'done'
            record(graded, event, kernels)
    finally:
        timer.cancel()
        worker.wait()
        stop(worker, kernels)  # a kernel that outlived its worker
    if not done and graded.problem is None:
        graded.problem = (f'grading stopped: the notebook ran longer than {notebook_timeout} s in all'
                          if out_of_time.is_set() else f'grading stopped (exit status {worker.returncode})')
    return graded


def parsed(line: str) -> dict:
    """One event line of the worker as a dict ({} for anything else)."""
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def record(graded: Graded, event: dict, kernels: list[int]) -> None:
    """Add one event of the worker to ``graded``."""
    kind, name = event.get('event'), event.get('exercise')
    if kind == 'kernel' and isinstance(event.get('pid'), int):
        kernels.append(event['pid'])
    elif kind == 'error':
        graded.problem = str(event.get('message'))
    elif kind == 'verdict' and name in BANK:  # a later pass (after a cell stopped the kernel) has the last word
        passed = event.get('passed') is True
        graded.points[name] = BANK[name].points if passed else 0
        graded.feedback[name] = '' if passed else str(event.get('message'))
        graded.given.pop(name, None)
        if not passed and isinstance(event.get('given'), dict):
            graded.given[name] = event['given']
    elif kind == 'cell':
        notes = graded.notes.setdefault(name if name in BANK else 'other cells', [])
        if event.get('problem') not in notes:
            notes.append(str(event.get('problem')))


def stop(worker: subprocess.Popen, kernels: list[int]) -> None:
    """Kill the worker's process group and every kernel it started (each is a group of its own)."""
    for group in [worker.pid, *kernels]:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def grade(paths: Sequence[str], timeout: int = TIMEOUT, memory: int = MEMORY, notebook_timeout: int = NOTEBOOK_TIMEOUT,
          jobs: int | None = None) -> list[Graded]:
    """Grade every file, ``jobs`` at a time (default: the number of CPUs), then note copied answers."""
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda path: grade_file(path, timeout, memory, notebook_timeout), paths))
    note_copies(results)
    note_shared_students(results)
    return results


def note_copies(results: list[Graded]) -> None:
    """Say so where a wrong answer is exactly right for another student of the class."""
    students = {graded.student for graded in results if graded.student}
    for graded in results:
        for name, given in graded.given.items():
            entry = BANK[name]
            fits = [other for other in sorted(students - {graded.student})
                    if all(key in given and first_difference(given[key], value) is None
                           for key, value in entry.expected(entry.numbers_for(other)).items())]
            if fits:
                graded.feedback[name] += (f" These answers are right for {fits[0]}'s numbers, not for yours "
                                          f"({graded.student}): work with the numbers in your own notebook.")


def note_shared_students(results: list[Graded]) -> None:
    """Flag files that name the same student (a notebook copied whole, metadata included)."""
    files = Counter(graded.student for graded in results if graded.student)
    for graded in results:
        notes = []
        if graded.student and files[graded.student] > 1:
            notes.append(f'{files[graded.student]} files name the student {graded.student}')
        if notes:
            graded.problem = '; '.join(filter(None, [graded.problem, *notes]))


def gradebook(results: list[Graded]) -> str:
    """The CSV text: file, student, score, max_score, one column per exercise, feedback."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['file', 'student', 'score', 'max_score', *BANK, 'feedback'])
    for graded in results:
        writer.writerow([graded.file, graded.student or '', graded.score, graded.max_score,
                         *(graded.points.get(name, 0) for name in BANK), graded.feedback_text()])
    return out.getvalue()


def write_gradebook(results: list[Graded], path: str) -> None:
    write_atomically(path, gradebook(results).encode())


NOT_DONE = 'not done yet'  # in the verdict on an exercise left as it was handed out


def hint_of(message: str) -> str:
    """The hint of a verdict (the typical mistake it names), or the verdict itself."""
    return message.split('Hint: ', 1)[1].split('\n')[0].strip() if 'Hint: ' in message else message


def summary(results: list[Graded], mistakes: int = 5) -> str:
    """The class at a glance: scores, each exercise's pass rate, the most common mistakes, unreadable files."""
    if not results:
        return 'no notebooks were graded'
    scores = [graded.score for graded in results]
    total = results[0].max_score
    lines = [f'graded {len(results)} notebooks: mean {statistics.mean(scores):.1f}/{total}, median '
             f'{statistics.median(scores):g}, {scores.count(total)} with full marks']
    for name in BANK:
        passed = sum(graded.points.get(name) == BANK[name].points for graded in results)
        blank = sum(NOT_DONE in graded.feedback.get(name, '') for graded in results)
        lines.append(f"  {name:<24} {passed:>4}/{len(results)} right{f', {blank} not attempted' if blank else ''}")
    hints = Counter(hint_of(message) for graded in results for message in graded.feedback.values()
                    if message and NOT_DONE not in message)
    if hints:
        lines.append('most common mistakes:')
        lines += [f'  {count:>4} x {hint[:110]}' for hint, count in hints.most_common(mistakes)]
    problems = [f'  {graded.file}: {graded.problem}' for graded in results if graded.problem]
    if problems:
        lines += ['files with problems:', *problems]
    return '\n'.join(lines)
