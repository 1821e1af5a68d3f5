"""Grading a whole class: every notebook in a process of its own, a gradebook (CSV) and a class summary.

Student code never runs in the grading process: each file goes to ``python -m
micrograd_ext.teach.classroom.submission`` (see there), with a time limit per cell, a memory limit, and a time limit
for the whole notebook after which its process and kernel are killed. Whatever a submission does (loop,
crash, ``os._exit``, a corrupt file), grading goes on and that file gets its row. A notebook is scored against
the student named in its metadata, so answers copied from a classmate fail; the feedback says whose numbers
they fit. Untrusted code still belongs in a container: these limits stop accidents, not a determined attacker.
"""
from __future__ import annotations

import csv
import functools
import hmac
import io
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, cast

from ...learn.model_files import write_atomically
from .bank import BANK
from .exercise import Answer, Numbers, first_difference
from .submission import Unreadable, read_submission, signed

TIMEOUT = 10  # seconds per cell
NOTEBOOK_TIMEOUT = 300  # seconds per notebook
MEMORY = 2048  # megabytes per kernel
MARK = 'MICROGRAD_EXT_GRADING'


@dataclass
class Graded:
    """One file's grades: points and feedback per exercise, and what went wrong with the file as a whole."""
    file: str
    exercises: list[str] = field(default_factory=lambda: list(BANK))  # as handed out (the metadata's list)
    student: str | None = None
    points: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)  # exercise -> the checker's words on a wrong answer
    notes: dict[str, list[str]] = field(default_factory=dict)  # exercise (or 'other cells') -> what its cell did
    given: dict[str, dict] = field(default_factory=dict)  # exercise -> the numbers given for a wrong answer
    copied_from: dict[str, int] = field(default_factory=dict)  # student -> exercises whose answers fit their numbers
    problem: str | None = None

    @property
    def score(self) -> int:
        return sum(self.points.values())

    @property
    def max_score(self) -> int:
        return sum(BANK[name].points for name in self.exercises)

    def feedback_text(self) -> str:
        """Everything to tell the student on one line: the file's problem, then each exercise not passed."""
        lines = [self.problem] if self.problem else []
        for name in [*BANK, 'other cells']:
            words = [f'your cell {note}.' for note in self.notes.get(name, [])] + [self.feedback.get(name, '')]
            if self.points.get(name) == 0 or name == 'other cells':
                lines += [f"{name}: {' '.join(' '.join(words).split())}"] if ''.join(words) else []
        return ' | '.join(lines)


def grade_file(path: str, timeout: int = TIMEOUT, memory: int = MEMORY, notebook_timeout: int = NOTEBOOK_TIMEOUT,
               exercises: Sequence[str] | None = None) -> Graded:
    """Grade one notebook in its own process (see the module docstring), on ``exercises`` (default: those its
    metadata lists)."""
    graded = Graded(path, points=dict.fromkeys(BANK, 0))
    try:
        submission = read_submission(path)
    except Unreadable as error:
        graded.problem = f'this file {error}'
        return graded
    graded.student, graded.exercises = submission.student, list(exercises or submission.exercises)
    graded.points = dict.fromkeys(graded.exercises, 0)
    if exercises and submission.exercises != graded.exercises:
        add_problem(graded, 'its metadata lists other exercises than those handed out')
    if submission.solutions:
        graded.problem = "this is a key, made by `micrograd-ext exercises key`, not a student's notebook"
    with tempfile.TemporaryDirectory(prefix='micrograd-ext-grading-') as scratch:  # all its files, removed after
        done, stopped = run_worker(graded, path, scratch, timeout, memory, notebook_timeout)
    if not done and graded.problem is None:
        graded.problem = (f'grading stopped: the notebook ran longer than {notebook_timeout} s in all'
                          if stopped is None else f'grading stopped (exit status {stopped})')
    return graded


def run_worker(graded: Graded, path: str, scratch: str, timeout: int, memory: int,
               notebook_timeout: int) -> tuple[bool, int | None]:
    """Run the worker on ``path``, its temporary files (and its kernel's) in ``scratch``, adding its events to
    ``graded``; returns (whether it finished, its exit status, or None when it ran out of time)."""
    command = [sys.executable, '-m', 'micrograd_ext.teach.classroom.submission', path, '--timeout', str(timeout),
               '--memory', str(memory), '--cpu', str(notebook_timeout), '--exercises', ','.join(graded.exercises)]
    mark, key = secrets.token_hex(16), secrets.token_hex(32)  # the mark is in the environment of all it starts
    env = {**os.environ, MARK: mark, 'TMPDIR': scratch, 'JUPYTER_RUNTIME_DIR': scratch}
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE,
                              text=True, start_new_session=True, env=env)
    stdin, stdout = cast(IO[str], worker.stdin), cast(IO[str], worker.stdout)  # both are pipes: PIPE was asked for
    stdin.write(key + '\n')
    stdin.close()
    out_of_time = threading.Event()

    def time_up() -> None:
        out_of_time.set()
        stop(worker, mark)

    timer = threading.Timer(notebook_timeout, time_up)
    timer.start()
    done = False
    try:
        for line in stdout:
            event = parsed(line, key)
            done |= event.get('event') == 'done'
            record(graded, event)
    finally:
        timer.cancel()
        worker.wait()
        stop(worker, mark)  # a kernel, or a process the student's code started, that outlived the worker
    return done, None if out_of_time.is_set() else worker.returncode


def parsed(line: str, key: str) -> dict:
    """One event line of the worker as a dict; {} for anything else, or a line whose HMAC is not the worker's."""
    mac, _, text = line.rstrip('\n').partition(' ')
    if not hmac.compare_digest(signed(key.encode(), text), f'{mac} {text}'):
        return {}
    try:
        event = json.loads(text)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def record(graded: Graded, event: dict) -> None:
    """Add one event of the worker to ``graded``."""
    kind, name = event.get('event'), event.get('exercise')
    if kind == 'error':
        graded.problem = str(event.get('message'))
    elif kind == 'verdict' and name in graded.points:  # a later pass (after a cell stopped the kernel) has the last word
        passed = event.get('passed') is True
        graded.points[name] = BANK[name].points if passed else 0
        graded.feedback[name] = '' if passed else str(event.get('message'))
        graded.given.pop(name, None)
        if not passed and isinstance(event.get('given'), dict):
            graded.given[name] = event['given']
    elif kind == 'cell':
        notes = graded.notes.setdefault(name if name in graded.points else 'other cells', [])
        if event.get('problem') not in notes:
            notes.append(str(event.get('problem')))


def stop(worker: subprocess.Popen, mark: str) -> None:
    """Kill the worker's process group and, on Linux, every process whose environment carries the notebook's
    ``mark``: its kernels (each a process group of its own) and anything the student's code started."""
    try:
        if hasattr(os, 'killpg'):
            os.killpg(worker.pid, signal.SIGKILL)
        else:  # Windows: no process groups to kill
            worker.kill()
    except (ProcessLookupError, PermissionError):
        pass
    for pid in marked_processes(mark):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def marked_processes(mark: str) -> list[int]:
    """The processes (read from /proc, where there is one) whose environment has ``MARK=mark``."""
    entry = f'{MARK}={mark}'.encode()
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc') if os.path.isdir('/proc') else ()):
        try:
            with open(f'/proc/{pid}/environ', 'rb') as environ:
                if entry in environ.read().split(b'\0'):
                    found.append(int(pid))
        except OSError:  # gone, or not ours
            continue
    return found


def grade(paths: Sequence[str], timeout: int = TIMEOUT, memory: int = MEMORY, notebook_timeout: int = NOTEBOOK_TIMEOUT,
          jobs: int | None = None, exercises: Sequence[str] | None = None) -> list[Graded]:
    """Grade every file, ``jobs`` at a time (default: the number of CPUs), on ``exercises`` (default: those
    each notebook's metadata lists), then note copied answers and notebooks unlike the others."""
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda path: grade_file(path, timeout, memory, notebook_timeout, exercises), paths))
    note_copies(results)
    note_shared_students(results)
    if not exercises:
        note_other_exercises(results)
    return results


def note_other_exercises(results: list[Graded]) -> None:
    """Flag notebooks whose metadata lists other exercises than most of the class's (edited, or another handout)."""
    lists = Counter(tuple(graded.exercises) for graded in results if graded.student)
    if len(lists) > 1:
        usual = list(lists.most_common(1)[0][0])
        for graded in results:
            if graded.student and graded.exercises != usual:
                add_problem(graded, f'its metadata lists {len(graded.exercises)} exercises, most notebooks '
                                    f'{len(usual)}: grade with --exercise to say which were handed out')


def note_copies(results: list[Graded]) -> None:
    """Say so where a wrong answer is exactly right for another student of the class."""
    students = {graded.student for graded in results if graded.student}

    @functools.cache
    def right_answers(student: str, name: str) -> Mapping[str, Answer]:  # once per student and exercise
        entry = BANK[name]  # only numeric exercises, which have expected answers, report the numbers given
        return cast(Callable[[Numbers], Mapping[str, Answer]], entry.expected)(entry.numbers_for(student))

    for graded in results:
        for name, given in graded.given.items():
            fits = [other for other in sorted(students - {graded.student})
                    if all(key in given and first_difference(given[key], value) is None
                           for key, value in right_answers(other, name).items())]
            if fits:  # said before the hint, which stays the last line
                problem, hint = graded.feedback[name].partition('\nHint: ')[::2]
                graded.feedback[name] = (f"{problem} These answers are right for {fits[0]}'s numbers, not for "
                                         f"yours ({graded.student}): work with the numbers in your own notebook."
                                         f"\nHint: {hint}")
                graded.copied_from[fits[0]] = graded.copied_from.get(fits[0], 0) + 1
        for other, count in graded.copied_from.items():
            add_problem(graded, f"the answers to {count} exercise{'s' if count != 1 else ''} fit {other}'s numbers")


def add_problem(graded: Graded, note: str) -> None:
    graded.problem = f'{graded.problem}; {note}' if graded.problem else note


def note_shared_students(results: list[Graded]) -> None:
    """Flag files that name the same student, or whose path does not contain the student in their metadata
    (a notebook copied whole, metadata included)."""
    files = Counter(graded.student for graded in results if graded.student)
    for graded in results:
        notes = []
        if graded.student and files[graded.student] > 1:
            notes.append(f'{files[graded.student]} files name the student {graded.student}')
        if graded.student and graded.student.lower() not in graded.file.lower():
            notes.append(f'its metadata names the student {graded.student}, whom its file name does not mention')
        for note in notes:
            add_problem(graded, note)


def note_roster(results: list[Graded], roster: Sequence[str]) -> list[Graded]:
    """``results``, flagging students who are not on the ``roster``, plus a row for each student on it who
    handed in no notebook."""
    handed_in = {graded.student for graded in results} | {
        os.path.splitext(os.path.basename(graded.file))[0] for graded in results}  # an unreadable ID.ipynb too
    for graded in results:
        if graded.student and graded.student not in roster:
            add_problem(graded, f'{graded.student} is not on the roster')
    missing = [Graded('', student=student, points={}, problem='no notebook was handed in')
               for student in dict.fromkeys(roster) if student not in handed_in]
    return results + missing


def gradebook(results: list[Graded]) -> str:
    """The CSV text: file, student, score, max_score, one column per exercise, feedback."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['file', 'student', 'score', 'max_score', *BANK, 'feedback'])
    for graded in results:
        writer.writerow([inert(graded.file), graded.student or '', graded.score, graded.max_score,
                         *(graded.points.get(name, '') for name in BANK), inert(graded.feedback_text())])
    return out.getvalue()


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it, never runs it: a leading = + - @ (a formula) gets a ' before it."""
    return f"'{text}" if text[:1] in ('=', '+', '-', '@', '\t', '\r') else text


def write_gradebook(results: list[Graded], path: str) -> None:
    write_atomically(path, gradebook(results).encode())


NOT_DONE = 'not done yet'  # in the verdict on an exercise left as it was handed out


def hint_of(message: str) -> str:
    """The hint of a verdict (the typical mistake it names), or the verdict itself."""
    return message.split('Hint: ', 1)[1].split('\n')[0].strip() if 'Hint: ' in message else message


def summary(results: list[Graded], mistakes: int = 5) -> str:
    """The class at a glance: scores, each exercise's right answers, the most common mistakes (in notebooks that
    copied none), and every file's (or missing student's) problem."""
    read = [graded for graded in results if graded.student and graded.file]  # the statistics count these
    if not read:
        return 'no notebook could be graded'
    scores = [graded.score for graded in read]
    total = max(graded.max_score for graded in read)
    full = sum(graded.score == graded.max_score for graded in read)
    unread = sum(not graded.student for graded in results)
    absent = sum(not graded.file for graded in results)
    notebooks = f"{len(read)} notebook{'s' if len(read) != 1 else ''}"
    lines = [f'graded {notebooks}: mean {statistics.mean(scores):.1f}/{total}, median '
             f'{statistics.median(scores):g}, {full} with full marks'
             + (f'; {unread} file{"s" if unread != 1 else ""} could not be read' if unread else '')
             + (f'; {absent} student{"s" if absent != 1 else ""} on the roster handed in nothing' if absent else '')]
    for name in BANK:
        given = [graded for graded in read if name in graded.points]
        passed = sum(graded.points[name] == BANK[name].points for graded in given)
        blank = sum(NOT_DONE in graded.feedback.get(name, '') for graded in given)
        if given:
            lines.append(f"  {name:<24} {passed:>4}/{len(given)} right{f', {blank} not attempted' if blank else ''}")
    hints = Counter(hint_of(message) for graded in read for message in graded.feedback.values()
                    if message and NOT_DONE not in message and not graded.copied_from)
    if hints:
        lines.append('most common mistakes:')
        lines += [f'  {count:>4} x {hint[:110]}' for hint, count in hints.most_common(mistakes)]
    problems = [f'  {graded.file or graded.student}: {graded.problem}' for graded in results if graded.problem]
    if problems:
        lines += ['problems:', *problems]
    return '\n'.join(lines)
