"""Grading a whole class: every notebook run in a sandbox, every answer judged here, where no student code runs.

Each notebook's cells run in a sandbox (``sandbox``; bubblewrap by default) through the runner of
``submission``, with a time limit per cell, a memory limit, and a time limit for the whole notebook after
which its sandbox is killed. The runner sends back only the student's answers as plain data (for a code
exercise, what the student's function gave on inputs drawn here from a hash of the file); this process, which
the notebook cannot reach, reads them into exact numbers and judges them with the bank's checkers. Whatever a
submission does (loop, crash, ``os._exit``, flood, a corrupt file), grading goes on and that file gets its row.
A notebook is scored against the student named in its metadata, so answers copied from a classmate fail; the
feedback says whose numbers they fit, and the row is flagged.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import random
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import IO, Any, cast

from .answers import RERUN, unplain
from .bank import BANK
from .exercise import Answer, Numbers, first_difference, read_answer
from .sandbox import PYTHON, Sandbox
from .student_code import CheckResult, NotYet
from .submission import Submission, Unreadable, grading_cells, read_submission

TIMEOUT = 10  # seconds per cell
NOTEBOOK_TIMEOUT = 300  # seconds per notebook
MEMORY = 2048  # megabytes per process of the notebook
MAX_REPORT = 20_000_000  # bytes of events read from one notebook's runner
HELD = ('key', 'copy', 'two-files', 'not-graded')  # flags that hold a row's score at 0 until the teacher looks


@dataclass
class Graded:
    """One file's grades: points and feedback per exercise, flags, and what went wrong with the file as a whole."""
    file: str
    exercises: list[str] = field(default_factory=lambda: list(BANK))  # as handed out (the metadata's list)
    student: str | None = None
    points: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)  # exercise -> the checker's words on a wrong answer
    notes: dict[str, list[str]] = field(default_factory=dict)  # exercise (or 'other cells') -> what its cell did
    given: dict[str, dict] = field(default_factory=dict)  # exercise -> the numbers given for a wrong answer
    copied_from: dict[str, int] = field(default_factory=dict)  # student -> exercises whose answers fit their numbers
    flags: list[str] = field(default_factory=list)  # 'key', 'copy', 'two-files', 'not-on-roster', ...
    problem: str | None = None

    @property
    def earned(self) -> int:
        """The points of the exercises passed."""
        return sum(self.points.values())

    @property
    def score(self) -> int:
        """``earned``, or 0 while a flag of ``HELD`` is raised (the exercise columns keep the points)."""
        return 0 if any(flag in HELD for flag in self.flags) else self.earned

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


def add_problem(graded: Graded, note: str, flag: str | None = None) -> None:
    """Add ``note`` to the file's problem, and ``flag`` to its flags."""
    graded.problem = f'{graded.problem}; {note}' if graded.problem else note
    if flag and flag not in graded.flags:
        graded.flags.append(flag)


# ---- one notebook ---------------------------------------------------------------------------------------------

def fresh_inputs(data: bytes, name: str, numbers: Numbers) -> Any:
    """The inputs a code exercise's function is tried on: the student's own and fresh ones, drawn from a hash of
    the file (the same file always gets the same, which a student cannot know before the file is final)."""
    seed = hashlib.sha256(data + b'\0' + name.encode()).digest()
    return BANK[name].inputs(numbers, random.Random(int.from_bytes(seed[:8], 'big')))


def grade_file(path: str, sandbox: Sandbox, slot: int = 0, timeout: int = TIMEOUT, memory: int = MEMORY,
               notebook_timeout: int = NOTEBOOK_TIMEOUT, exercises: Sequence[str] | None = None) -> Graded:
    """Grade one notebook in ``sandbox`` (see the module docstring), on ``exercises`` (default: those its metadata
    lists); ``slot`` tells apart the notebooks graded at the same time."""
    graded = Graded(path, points=dict.fromkeys(BANK, 0))
    try:
        submission, data = read_submission(path)
    except Unreadable as error:
        graded.problem = f'this file {error}'
        graded.flags.append('unreadable')
        return graded
    graded.student, graded.exercises = submission.student, list(exercises or submission.exercises)
    graded.points = dict.fromkeys(graded.exercises, 0)
    if exercises and submission.exercises != graded.exercises:
        add_problem(graded, 'its metadata lists other exercises than those handed out', 'other-exercises')
    if submission.solutions:
        add_problem(graded, "this is a key, made by `micrograd-ext exercises key`, not a student's notebook", 'key')
    numbers = {name: BANK[name].numbers_for(submission.student) for name in graded.exercises}
    inputs = {name: fresh_inputs(data, name, numbers[name]) for name in graded.exercises}
    reports = {name: (list(BANK[name].answer_names(numbers[name])), inputs[name]) for name in graded.exercises}
    done, stopped = run_notebook(submission, reports, sandbox, slot, timeout, memory, notebook_timeout,
                                 lambda event: record(graded, event, numbers, inputs))
    if not done and graded.problem is None:
        graded.problem = (f'grading stopped: the notebook ran longer than {notebook_timeout} s in all'
                          if stopped is None else f'grading stopped (exit status {stopped})')
    return graded


def run_notebook(submission: Submission, reports: dict, sandbox: Sandbox, slot: int, timeout: int, memory: int,
                 notebook_timeout: int, on_event: Callable[[dict], None]) -> tuple[bool, int | None]:
    """Run the runner on ``submission`` in ``sandbox``, passing each event it prints to ``on_event``; returns
    (whether it finished, its exit status, or None when it ran out of time)."""
    command = sandbox.command([PYTHON, '-m', 'micrograd_ext.classroom.submission', '--timeout',
                               str(timeout), *sandbox.runner_options()], slot)
    cells = json.dumps({'cells': grading_cells(submission.notebook, reports)}).encode()
    with tempfile.TemporaryDirectory(prefix='micrograd-ext-grading-') as scratch:  # outside bubblewrap: its files
        if sandbox.account is not None:
            os.chown(scratch, sandbox.account.pw_uid, sandbox.account.pw_gid)
        runner = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  start_new_session=True, env=sandbox.environment(scratch), cwd=scratch,
                                  preexec_fn=sandbox.limits(memory, notebook_timeout))
        stdin, stdout = cast(IO[bytes], runner.stdin), cast(IO[bytes], runner.stdout)  # PIPE was asked for
        threading.Thread(target=send, args=(stdin, cells), daemon=True).start()
        out_of_time = threading.Event()

        def time_up() -> None:
            out_of_time.set()
            stop(runner)
        timer = threading.Timer(notebook_timeout, time_up)
        timer.start()
        done, budget = False, MAX_REPORT
        try:
            for line in iter(lambda: stdout.readline(budget), b''):
                budget -= len(line)
                if budget <= 0:
                    break
                event = parsed(line)
                done |= event.get('event') == 'done'
                try:
                    on_event(event)
                except Exception:  # noqa: BLE001 - data no honest runner sends: left out, the others still count
                    continue
        finally:
            timer.cancel()
            stop(runner)
            runner.wait()
            sandbox.clean_up()
    return done, None if out_of_time.is_set() else runner.returncode


def send(pipe: IO[bytes], data: bytes) -> None:
    """Write ``data`` to ``pipe`` and close it (a runner that stops reading just ends the writing)."""
    try:
        pipe.write(data)
        pipe.close()
    except OSError:
        pass


def stop(runner: subprocess.Popen) -> None:
    """Kill the runner's process group: bubblewrap's sandbox, and with it everything in it."""
    try:
        os.killpg(runner.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def parsed(line: bytes) -> dict:
    """One event line of the runner as a dict with a string ``event`` and ``exercise`` (or none); {} for anything
    else (the runner's lines are the student's claims: they may be anything)."""
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, a 5,000-digit int, or nested too deep
        return {}
    if not isinstance(event, dict) or not all(isinstance(event.get(key), (str, type(None)))
                                              for key in ('event', 'exercise')):
        return {}
    return event


def record(graded: Graded, event: dict, numbers: Mapping[str, Numbers], inputs: Mapping[str, Any]) -> None:
    """Add one event of the runner to ``graded``: answers are judged here, by the bank's checkers."""
    kind, name = event.get('event'), event.get('exercise')
    if kind == 'error':
        graded.problem = str(event.get('message'))[:500]
    elif kind == 'answers' and name in graded.points:  # a later pass (after a cell stopped the kernel) has the last word
        observed = event.get('observed')
        if isinstance(observed, dict):
            result = judged(name, observed, numbers[name], inputs[name])
            passed, message = result.passed, result.message
        else:
            passed, message = False, f"{str(event.get('problem'))[:500]}.\nHint: {RERUN}"
        graded.points[name] = BANK[name].points if passed else 0
        graded.feedback[name] = '' if passed else message
        graded.given.pop(name, None)
        if not passed:
            graded.given[name] = numbers_given(name, observed, numbers[name]) or {}
    elif kind == 'cell':
        notes = graded.notes.setdefault(name if name in graded.points else 'other cells', [])
        if str(event.get('problem')) not in notes:
            notes.append(str(event.get('problem'))[:300])


def judged(name: str, observed: dict, numbers: Numbers, inputs: Any) -> CheckResult:
    """The bank's verdict on ``observed``; a "not yet" if the data is not what the checker can read."""
    try:
        return BANK[name].judge(observed, numbers, inputs)
    except Exception:  # noqa: BLE001 - data of a shape no honest kernel sends
        return CheckResult(False, f'the grader could not read your answers.\nHint: {RERUN}')


def numbers_given(name: str, observed: object, numbers: Numbers) -> dict | None:
    """The numbers a wrong answer to a numeric exercise gave (to find whose numbers they fit), else None."""
    entry = BANK[name]
    if entry.expected is None or not isinstance(observed, dict):
        return None
    right = entry.expected(numbers)
    try:
        return {key: read_answer(unplain(observed[key]), right[key], key) for key in right if key in observed}
    except NotYet:
        return None


def result_of(future, path: str) -> Graded:
    """The row ``future`` graded, or, if grading the file failed, a row saying so (the batch goes on)."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - whatever went wrong, this file gets its row
        return Graded(path, points={}, problem=f'the grader failed on this file ({type(error).__name__}: '
                                               f'{str(error)[:200]}); grade it again, or look at it by hand',
                      flags=['not-graded'])


# ---- a class ----------------------------------------------------------------------------------------------------

def stem(path: str) -> str:
    """'submitted/ada.ipynb' -> 'ada'."""
    return os.path.splitext(os.path.basename(path))[0]


@dataclass
class Class:
    """What grading one notebook needs to know of the others: every student whose numbers a copy may fit (the
    roster's and those the files name), the files that name each student, and the usual list of exercises."""
    students: list[str]
    files_of: dict[str, list[str]]
    usual: list[str] | None
    roster: list[str] | None

    @classmethod
    def of(cls, paths: Sequence[str], roster: Sequence[str] | None, exercises: Sequence[str] | None) -> Class:
        named: dict[str, Submission] = {}
        for path in paths:
            try:
                named[path] = read_submission(path)[0]
            except Unreadable:
                continue
        files_of: dict[str, list[str]] = {}
        for path, submission in named.items():
            files_of.setdefault(submission.student, []).append(path)
        lists = Counter(tuple(submission.exercises) for submission in named.values())
        usual = list(lists.most_common(1)[0][0]) if len(lists) > 1 and not exercises else None
        return cls(sorted({*files_of, *(roster or ())}), files_of, usual, list(roster) if roster else None)

    def flag(self, graded: Graded) -> None:
        """Raise ``graded``'s flags: copies, two files for one student, file names, the roster, other exercises."""
        if not graded.student:
            return
        note_copies(graded, self.students)
        files = self.files_of.get(graded.student, [graded.file])
        owners = [path for path in files if stem(path) == graded.student]
        if len(files) > 1 and owners == [graded.file]:  # ID.ipynb itself: another file claims its student
            add_problem(graded, f'{len(files) - 1} other file(s) name the student {graded.student} too', 'shared-id')
        elif len(files) > 1:
            add_problem(graded, f'{len(files)} files name the student {graded.student}', 'two-files')
        if graded.student.lower() not in os.path.basename(graded.file).lower():
            add_problem(graded, f'its metadata names the student {graded.student}, whom its file name does not '
                                'mention', 'file-name')
        if self.roster is not None and graded.student not in self.roster:
            add_problem(graded, f'{graded.student} is not on the roster', 'not-on-roster')
        if self.usual is not None and graded.exercises != self.usual:
            add_problem(graded, f'its metadata lists {len(graded.exercises)} exercises, most notebooks '
                                f'{len(self.usual)}: grade with --exercise to say which were handed out',
                        'other-exercises')

    def absent(self, paths: Iterable[str]) -> list[Graded]:
        """A row for each student on the roster who handed in no notebook: none is named ID.ipynb, and none named
        otherwise (say, by a course platform) has the student in its metadata."""
        stems = {stem(path) for path in paths}
        roster = set(self.roster or ())
        handed_in = stems | {student for student, files in self.files_of.items()
                             if any(stem(path) not in roster for path in files)}
        return [Graded('', student=student, points={}, problem='no notebook was handed in', flags=['absent'])
                for student in dict.fromkeys(self.roster or ()) if student not in handed_in]


@functools.lru_cache(maxsize=100_000)
def right_answers(student: str, name: str) -> Mapping[str, Answer]:
    """The right answers of ``student`` to the numeric exercise ``name`` (once per student and exercise)."""
    entry = BANK[name]
    return cast(Callable[[Numbers], Mapping[str, Answer]], entry.expected)(entry.numbers_for(student))


def note_copies(graded: Graded, students: Sequence[str]) -> None:
    """Say so where a wrong answer is exactly right for another student of the class, and flag the row."""
    for name, given in graded.given.items():
        fits = [other for other in students if other != graded.student and given and
                all(key in given and first_difference(given[key], value) is None
                    for key, value in right_answers(other, name).items())]
        if fits:  # said before the hint, which stays the last line
            problem, hint = graded.feedback[name].partition('\nHint: ')[::2]
            graded.feedback[name] = (f"{problem} These answers are right for {fits[0]}'s numbers, not for "
                                     f"yours ({graded.student}): work with the numbers in your own notebook."
                                     f"\nHint: {hint}")
            graded.copied_from[fits[0]] = graded.copied_from.get(fits[0], 0) + 1
    for other, count in graded.copied_from.items():
        add_problem(graded, f"the answers to {count} exercise{'s' if count != 1 else ''} fit {other}'s numbers", 'copy')


def grade(paths: Sequence[str], timeout: int = TIMEOUT, memory: int = MEMORY, notebook_timeout: int = NOTEBOOK_TIMEOUT,
          jobs: int | None = None, exercises: Sequence[str] | None = None, roster: Sequence[str] | None = None,
          sandbox: Sandbox | str = 'bwrap', done: Iterable[str] = (),
          on_graded: Callable[[Graded], None] | None = None) -> list[Graded]:
    """Grade every file but those in ``done``, ``jobs`` at a time (default: the number of CPUs), on
    ``exercises`` (default: those each notebook's metadata lists), in ``sandbox``; each row is flagged and
    handed to ``on_graded`` as soon as its notebook is graded, then a row for each student on the ``roster`` who
    handed in nothing. Returns the rows in the order of ``paths``, the absent students' after them."""
    sandbox = Sandbox(sandbox) if isinstance(sandbox, str) else sandbox
    group = Class.of(paths, roster, exercises)
    jobs = jobs or os.cpu_count() or 1
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def one(path: str) -> Graded:
        slot = slots.get()
        try:
            return grade_file(path, sandbox, slot, timeout, memory, notebook_timeout, exercises)
        finally:
            slots.put(slot)
    skipped = set(done)
    results: dict[str, Graded] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, path): path for path in dict.fromkeys(paths) if path not in skipped}
        for future in as_completed(futures):
            graded = result_of(future, futures[future])
            group.flag(graded)
            results[futures[future]] = graded
            if on_graded:
                on_graded(graded)
    absent = group.absent(paths)
    for graded in absent:
        if on_graded:
            on_graded(graded)
    return [results[path] for path in dict.fromkeys(paths) if path in results] + absent
