"""Grading one submitted notebook, in a process of its own with a real kernel (nbclient).

``python -m micrograd_ext.teach.classroom.submission NOTEBOOK --timeout S --memory MB`` runs the student's code
cells in order (the student's own check cells aside), each exercise's answer cell followed by a grading cell
that checks it inside the kernel against the numbers of the student named in the notebook's metadata. It
prints one JSON line per event, after an HMAC of it keyed by the line its stdin gives first (so that a kernel
that writes into the pipe cannot add events): ``{"event": "verdict", "exercise": ..., "passed": ...,
"message": ..., "given": ...}``, ``{"event": "cell", "exercise": ..., "problem": ...}`` for a cell that raised,
ran out of time or stopped the kernel, and ``{"event": "done"}``. A cell that stops or wedges the kernel is skipped and the notebook run again in a fresh
kernel (at most ``PASSES`` times). The kernel's own stdout and stderr go to /dev/null, and a verdict counts
only when it carries the grading cell's random token. Code in the kernel can still rewrite the grader it
runs beside: a container, not this module, keeps a determined student out.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import MicrogradExtError
from .bank import BANK
from .exercise import read_answer
from .notebooks import cell_role
from .sheet import student_id
from .student_code import guarded

if TYPE_CHECKING:
    from nbformat import NotebookNode

VERDICT = 'application/vnd.micrograd-ext.verdict+json'
PASSES = 3
PROBE_SECONDS = 5  # after a timeout, how long the kernel has to answer again before it is replaced
CHECK_SECONDS = 60  # a grading cell's own limit: the checker stops each call of student code after 2 s
MAX_BYTES = 20_000_000


class Unreadable(MicrogradExtError, ValueError):
    """A file that is not a notebook made by ``exercises new``: the message says what is wrong."""


@dataclass
class Submission:
    """A notebook handed in: its cells, the student in its metadata, the exercises it was handed out with, and
    whether it is a key (made by ``exercises key``)."""
    notebook: dict
    student: str
    exercises: list[str]
    solutions: bool


def read_submission(path: str) -> Submission:
    """The notebook at ``path``, or ``Unreadable`` saying why it is none."""
    try:
        if os.path.getsize(path) > MAX_BYTES:
            raise Unreadable(f'larger than {MAX_BYTES // 1_000_000} MB')
        with open(path, encoding='utf-8-sig') as file:
            notebook = json.load(file)
    except OSError as error:
        raise Unreadable(f'cannot be read ({error.strerror or error})') from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unreadable(f'is not a notebook (not JSON: {error})') from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get('cells'), list):
        raise Unreadable('is not a notebook (no list of cells)')
    metadata = notebook.get('metadata')
    tag = metadata.get('micrograd_ext') if isinstance(metadata, dict) else None
    tag = tag if isinstance(tag, dict) else {}
    student = tag.get('student')
    if student is None:
        raise Unreadable('has no student id in its metadata (["micrograd_ext"]["student"]): was it made by '
                         '`micrograd-ext exercises new`?')
    try:
        student = student_id(student)
    except ValueError as error:
        raise Unreadable(f'names no valid student in its metadata: {error}') from None
    names = tag.get('exercises')
    if not (isinstance(names, list) and names and all(isinstance(name, str) and name in BANK for name in names)):
        names = list(BANK)  # the whole bank, unless the metadata lists a part of it
    return Submission(notebook, student, list(dict.fromkeys(names)), tag.get('solutions') is True)


# ---- inside the kernel ------------------------------------------------------------------------------------

def limit_resources(megabytes: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time (where the OS allows it): a MemoryError instead of a frozen
    machine, and an end to a kernel that outlives its grader."""
    try:
        import resource
    except ImportError:  # Windows: no limits
        return
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def report(student: str, name: str, token: str, namespace: dict) -> None:
    """Check exercise ``name`` with ``student``'s numbers on the answers in ``namespace``; display the verdict."""
    from IPython.display import display
    entry = BANK[name]
    numbers = entry.numbers_for(student)
    answers = {key: namespace[key] for key in entry.answer_names(numbers) if key in namespace}
    result = entry.check(answers, numbers)
    given = None
    if entry.expected is not None and not result.passed:  # the numbers given, to recognise another student's
        right = entry.expected(numbers)
        try:
            given = {key: guarded(lambda: read_answer(value, right[key], key), key)
                     for key, value in answers.items()} or None
        except Exception:  # noqa: BLE001 - an answer that is no number is simply not compared
            given = None
    display({VERDICT: {'token': token, 'exercise': name, 'passed': result.passed, 'message': result.message,
                       'given': given}, 'text/plain': str(result)}, raw=True)


# ---- driving the kernel -----------------------------------------------------------------------------------

def grading_cells(notebook: dict, student: str, names: list[str], memory: int, cpu_seconds: int) -> list[dict]:
    """The cells to run: a prelude that caps memory and CPU time, the student's code cells, and a grading cell
    (with a fresh token) for each exercise at the end of its part of the notebook.

    An exercise's part runs from its answer cell to the next exercise's answer cell, so cells the student added
    count, above or below the check cell, and a deleted check cell changes nothing. Where an editor lost the
    answer cell's metadata, the part ends at the exercise's check cell (``sheet.check('name', ...)``), before
    the next exercise's cells can reuse its names. The student's own check cells are left out. An exercise with
    no cell at all is graded at the end."""
    import nbformat
    code = nbformat.v4.new_code_cell
    cells = [code(f'from micrograd_ext.teach.classroom.submission import limit_resources\n'
                  f'limit_resources({memory}, {cpu_seconds})', metadata={'grader': 'prelude'})]
    waiting: dict[str, None] = dict.fromkeys(names)

    def grade(name: str | None) -> None:
        if name in waiting:
            del waiting[name]
            token = secrets.token_hex(16)
            cells.append(code(f'from micrograd_ext.teach.classroom.submission import report as _micrograd_ext_report\n'
                              f'_micrograd_ext_report({student!r}, {name!r}, {token!r}, globals())',
                              metadata={'grader': name, 'token': token, 'timeout': CHECK_SECONDS}))
    sources = [c for c in notebook['cells'] if isinstance(c, dict) and c.get('cell_type') == 'code']
    tagged = {role[0] for role in map(cell_role, sources) if role and role[1] == 'answer'}
    current = None
    for source in sources:
        text = source_text(source.get('source', ''))
        exercise, role = cell_role(source) or (None, None)
        checked = exercise if role == 'check' else next(
            (name for name in waiting if text.startswith(f'sheet.check({name!r}')), None)
        if role == 'answer' and exercise != current:
            grade(current)
            current = exercise
        if checked is None:
            cells.append(code(text, metadata={'exercise': exercise if role == 'answer' else None}))
            continue
        if checked != current:  # a check without its tagged answer before it
            grade(current)
            current = checked
        if checked not in tagged:
            grade(checked)
            current = None
    grade(current)
    for name in list(waiting):
        grade(name)
    return cells


def source_text(source) -> str:
    """A cell's source as one string (nbformat allows a list of lines; anything else counts as empty)."""
    if isinstance(source, list):
        return ''.join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ''


def run_pass(cells: list[dict], skip: set[int], timeout: int,
             workdir: str) -> Iterator[tuple[int, NotebookNode, str | None]]:
    """Run ``cells`` (but ``skip``) in a fresh kernel; yield (index, cell, problem) as each cell finishes, where
    problem is None, 'raised ...', 'timeout', or 'died' or 'wedged' (the kernel stopped, or stopped answering
    after an interrupt: the pass ends there)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={'kernelspec': {'name': 'python3',
                                                                              'display_name': 'Python 3'}})
    marker = {'ename': 'TimeoutError', 'evalue': 'the cell ran out of time', 'traceback': []}

    def cell_timeout(cell) -> float:
        """The seconds a cell may run: its own limit (the probe's), else ``timeout``."""
        return cell.metadata.get('timeout', timeout)

    client = NotebookClient(notebook, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout=marker, shutdown_kernel='immediate', startup_timeout=120,
                            timeout_func=cell_timeout)
    env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'MALLOC_ARENA_MAX': '2', 'MPLBACKEND': 'Agg'}
    probe = nbformat.v4.new_code_cell('pass', metadata={'timeout': PROBE_SECONDS})
    notebook.cells.append(probe)  # after a timeout: does the kernel answer again?
    def ran_out_of_time(cell, index: int) -> bool:
        started = time.monotonic()
        client.execute_cell(cell, index)
        return time.monotonic() - started >= cell_timeout(cell)

    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=workdir):
        for index, cell in enumerate(notebook.cells[:-1]):
            if index in skip:
                continue
            try:
                if ran_out_of_time(cell, index):
                    if ran_out_of_time(probe, len(notebook.cells) - 1):
                        yield index, cell, 'wedged'
                        return
                    yield index, cell, 'timeout'
                    continue
            except DeadKernelError:
                yield index, cell, 'died'
                return
            error = next((out for out in cell.outputs if out.get('output_type') == 'error'), None)
            yield index, cell, None if error is None else f"raised {error_text(error)}"


def error_text(error: dict) -> str:
    """'ValueError: the message' of an error output (the message cut to 200 characters)."""
    return f"{error.get('ename')}: {str(error.get('evalue', ''))[:200]}".rstrip(': ')


PROBLEMS = {'timeout': 'was still running after {timeout} s and was stopped',
            'died': 'stopped the kernel (os._exit or a crash), so it was skipped',
            'wedged': 'kept running after it was interrupted, so it was skipped in a fresh kernel'}


def events(path: str, timeout: int, memory: int, cpu_seconds: int, names: list[str] | None = None) -> Iterator[dict]:
    """The grading events of the notebook at ``path`` on the exercises ``names`` (default: the metadata's; see
    the module docstring)."""
    try:
        submission = read_submission(path)
    except Unreadable as error:
        yield {'event': 'error', 'message': f'this file {error}'}
        return
    submission.exercises = names or submission.exercises
    try:
        yield from graded_events(submission, timeout, memory, cpu_seconds)
    except Exception as error:  # noqa: BLE001 - a notebook nbformat or nbclient cannot take: say so, in its row
        why = error_text({'ename': type(error).__name__, 'evalue': str(error)})
        yield {'event': 'error', 'message': f'the grader could not run this notebook ({why})'}
    yield {'event': 'done'}


def graded_events(submission: Submission, timeout: int, memory: int, cpu_seconds: int) -> Iterator[dict]:
    """The verdict and cell events of running ``submission`` (see ``events``)."""
    cells = grading_cells(submission.notebook, submission.student, submission.exercises, memory, cpu_seconds)
    skip: set[int] = set()
    with tempfile.TemporaryDirectory(prefix='kernel-') as workdir:  # the kernel's working folder
        for _ in range(PASSES):
            stopped = None
            for index, cell, problem in run_pass(cells, skip, timeout, workdir):
                name = cell.metadata.get('grader')
                if name not in (None, 'prelude'):
                    yield verdict(cell, name)
                elif problem is not None:
                    yield {'event': 'cell', 'exercise': cell.metadata.get('exercise'),
                           'problem': PROBLEMS.get(problem, problem).format(timeout=timeout)}
                    stopped = index if problem in ('died', 'wedged') else None
            if stopped is None:
                break
            skip.add(stopped)


def verdict(cell, name: str) -> dict:
    """The verdict a grading cell displayed with its own token; else why there is none."""
    for out in cell.outputs:
        shown = out.get('data', {}).get(VERDICT) if out.get('output_type') == 'display_data' else None
        if isinstance(shown, dict) and shown.get('token') == cell.metadata['token'] and shown.get('exercise') == name:
            return {'event': 'verdict', 'exercise': name, 'passed': shown.get('passed') is True,
                    'message': str(shown.get('message')), 'given': shown.get('given')}
    error = next((out for out in cell.outputs if out.get('output_type') == 'error'), None)
    why = error_text(error) if error else 'it showed no verdict'
    return {'event': 'verdict', 'exercise': name, 'passed': False,
            'message': f'the checker could not run after your code ({why}).\nHint: run your notebook from the top '
                       '(Restart & Run All) and make sure it finishes without errors.'}


def signed(key: bytes, line: str) -> str:
    """``line`` after its HMAC (SHA-256) under ``key``."""
    return f'{hmac.new(key, line.encode(), hashlib.sha256).hexdigest()} {line}'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m micrograd_ext.teach.classroom.submission')
    parser.add_argument('notebook')
    parser.add_argument('--timeout', type=int, default=10)
    parser.add_argument('--memory', type=int, default=2048, help='megabytes')
    parser.add_argument('--cpu', type=int, default=600, help="seconds of CPU time for the kernel")
    parser.add_argument('--exercises', help='the exercises to grade, separated by commas (default: the metadata\'s)')
    args = parser.parse_args(argv)
    key = sys.stdin.readline().strip().encode()  # before any kernel runs
    sys.stdin.close()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # out of time: let the kernel be shut down
    started = time.monotonic()
    names = [name for name in (args.exercises or '').split(',') if name in BANK] or None
    for event in events(args.notebook, args.timeout, args.memory, args.cpu, names):
        event.setdefault('seconds', round(time.monotonic() - started, 2))
        print(signed(key, json.dumps(event)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
