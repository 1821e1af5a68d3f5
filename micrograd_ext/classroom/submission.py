"""Running a submitted notebook: the cells to run, and the runner that runs them in a kernel (nbclient).

The grader (``grading``) reads the notebook and builds the cells to run (``grading_cells``): the student's code
cells in order, their own check cells aside, and after each exercise's part a report cell that sends the
student's answers as plain data (``report``; a code exercise's function is run on the inputs the grader chose).
The runner, ``python -m micrograd_ext.classroom.submission``, reads those cells as notebook JSON on its
standard input and runs them in a fresh kernel, inside the grader's sandbox. It prints one JSON line per event:
``{"event": "answers", "exercise": ..., "observed": ...}`` for a report cell, ``{"event": "cell", "exercise":
..., "problem": ...}`` for a cell that raised, ran out of time or stopped the kernel, and ``{"event": "done"}``.
A cell that stops or wedges the kernel is skipped and the notebook run again in a fresh kernel (at most
``PASSES`` times). Everything the runner prints is the student's claim: the grader judges it, and nothing in
here decides a grade.
"""
from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import MicrogradExtError
from .bank import BANK
from .notebooks import cell_role
from .sheet import student_id

if TYPE_CHECKING:
    from nbformat import NotebookNode

ANSWERS = 'application/vnd.micrograd-ext.answers+json'
PASSES = 3
PROBE_SECONDS = 5  # after a timeout, how long the kernel has to answer again before it is replaced
REPORT_SECONDS = 60  # a report cell's own limit: each call of student code in it is stopped after 2 s
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


def read_submission(path: str) -> tuple[Submission, bytes]:
    """The notebook at ``path`` and the file's bytes, or ``Unreadable`` saying why it is none (only a regular
    file of at most ``MAX_BYTES`` is read)."""
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0)), 'rb') as file:  # a FIFO cannot block
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise Unreadable('is not a regular file')
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise Unreadable(f'cannot be read ({error.strerror or error})') from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f'is larger than {MAX_BYTES // 1_000_000} MB')
    try:
        notebook = json.loads(data.decode('utf-8-sig'))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # ValueError: JSON's, or a 5,000-digit int
        raise Unreadable(f'is not a notebook (not JSON: {str(error)[:200]})') from None
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
    return Submission(notebook, student, list(dict.fromkeys(names)), tag.get('solutions') is True), data


# ---- inside the kernel ------------------------------------------------------------------------------------

def report(exercise: str, names: list[str], inputs: Any, namespace: dict) -> None:
    """Display the answers ``names`` of ``exercise`` found in ``namespace`` as plain data (``Exercise.observe``,
    with ``inputs`` for a code exercise's function): no verdict, the grader judges."""
    from IPython.display import display
    answers = {name: namespace[name] for name in names if name in namespace}
    display({ANSWERS: {'exercise': exercise, 'observed': BANK[exercise].observe(answers, inputs)},
             'text/plain': f'the answers to {exercise}, for the grader'}, raw=True)


# ---- the cells to run (in the grader) -----------------------------------------------------------------------

def grading_cells(notebook: dict, reports: dict[str, tuple[list[str], Any]]) -> list[dict]:
    """The cells to run: the student's code cells, and a report cell for each exercise of ``reports`` (its answer
    names and its inputs) at the end of its part of the notebook.

    An exercise's part runs from its answer cell to the next exercise's answer cell, so cells the student added
    count, above or below the check cell, and a deleted check cell changes nothing. Where an editor lost the
    answer cell's metadata, the part ends at the exercise's check cell (``sheet.check('name', ...)``), before
    the next exercise's cells can reuse its names. The student's own check cells are left out. An exercise with
    no cell at all is graded at the end."""
    import nbformat
    code = nbformat.v4.new_code_cell
    cells: list[dict] = []
    waiting: dict[str, None] = dict.fromkeys(reports)

    def grade(name: str | None) -> None:
        if name in waiting:
            del waiting[name]
            names, inputs = reports[name]
            cells.append(code(f'from micrograd_ext.classroom.submission import report as _micrograd_ext_report\n'
                              f'_micrograd_ext_report({name!r}, {names!r}, {inputs!r}, globals())',
                              metadata={'grader': name, 'timeout': REPORT_SECONDS}))
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


# ---- the runner (in the sandbox) ------------------------------------------------------------------------------

def answers_client():
    """nbclient's NotebookClient keeping of each cell's outputs only its error and its answers (at most a few): a
    cell that prints a gigabyte costs the runner nothing."""
    from nbclient import NotebookClient

    class AnswersClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            kept = msg['msg_type'] == 'error' or ANSWERS in msg.get('content', {}).get('data', {})
            return super().output(outs, msg, None, cell_index) if kept and len(outs) < 4 else None
    return AnswersClient


def run_pass(cells: list[dict], skip: set[int], timeout: int) -> Iterator[tuple[int, NotebookNode, str | None]]:
    """Run ``cells`` (but ``skip``) in a fresh kernel; yield (index, cell, problem) as each cell finishes, where
    problem is None, 'raised ...', 'timeout', or 'died' or 'wedged' (the kernel stopped, or stopped answering
    after an interrupt: the pass ends there)."""
    import nbformat
    from nbclient.exceptions import DeadKernelError
    AnswersClient = answers_client()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.from_dict(cell) for cell in cells], metadata={'kernelspec': {'name': 'python3',
                                                                              'display_name': 'Python 3'}})
    marker = {'ename': 'TimeoutError', 'evalue': 'the cell ran out of time', 'traceback': []}

    def cell_timeout(cell) -> float:
        """The seconds a cell may run: its own limit (the probe's), else ``timeout``."""
        return cell.metadata.get('timeout', timeout)

    client = AnswersClient(notebook, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout=marker, shutdown_kernel='immediate', startup_timeout=120,
                            timeout_func=cell_timeout)
    probe = nbformat.v4.new_code_cell('pass', metadata={'timeout': PROBE_SECONDS})
    notebook.cells.append(probe)  # after a timeout: does the kernel answer again?
    def ran_out_of_time(cell, index: int) -> bool:
        started = time.monotonic()
        client.execute_cell(cell, index)
        return time.monotonic() - started >= cell_timeout(cell)

    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=os.getcwd()):
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


def events(cells: list[dict], timeout: int) -> Iterator[dict]:
    """The events of running ``cells`` (see the module docstring)."""
    skip: set[int] = set()
    try:
        for _ in range(PASSES):
            stopped = None
            for index, cell, problem in run_pass(cells, skip, timeout):
                name = cell.metadata.get('grader')
                if name is not None:
                    yield answers_shown(cell, name)
                elif problem is not None:
                    yield {'event': 'cell', 'exercise': cell.metadata.get('exercise'),
                           'problem': PROBLEMS[problem].format(timeout=timeout) if problem in PROBLEMS else problem}
                    stopped = index if problem in ('died', 'wedged') else None
            if stopped is None:
                break
            skip.add(stopped)
    except Exception as error:  # noqa: BLE001 - a notebook nbformat or nbclient cannot take: say so, in its row
        why = error_text({'ename': type(error).__name__, 'evalue': str(error)})
        yield {'event': 'error', 'message': f'the grader could not run this notebook ({why})'}
    yield {'event': 'done'}


def answers_shown(cell, name: str) -> dict:
    """The answers a report cell displayed; else, as its problem, why there are none."""
    for out in cell.outputs:
        shown = out.get('data', {}).get(ANSWERS) if out.get('output_type') == 'display_data' else None
        if isinstance(shown, dict) and shown.get('exercise') == name:
            return {'event': 'answers', 'exercise': name, 'observed': shown.get('observed')}
    error = next((out for out in cell.outputs if out.get('output_type') == 'error'), None)
    return {'event': 'answers', 'exercise': name, 'observed': None,
            'problem': f"the grader could not read your answers after your code "
                       f"({error_text(error) if error else 'they were not shown'})"}


def keep_out_of_reach() -> None:
    """Make this process non-dumpable (Linux): the kernel it starts, running as the same user, can then neither
    trace it nor read or write its memory, so it cannot write into the pipe to the grader through it."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):  # not Linux: no such call, and no sandbox either
        pass


def limit_processes(count: int) -> None:
    """At most ``count`` processes (the runner's and the kernel's included): in a sandbox of its own user
    namespace, or as a user of its own, that counts this notebook's processes only."""
    import resource
    resource.setrlimit(resource.RLIMIT_NPROC, (count, count))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m micrograd_ext.classroom.submission',
                                     description='Run the cells (notebook JSON on stdin) and print their events.')
    parser.add_argument('--timeout', type=int, default=10, help='seconds per cell')
    parser.add_argument('--processes', type=int, help='at most this many processes (only where that counts '
                                                      "this notebook's alone)")
    args = parser.parse_args(argv)
    cells = json.loads(sys.stdin.read())['cells']
    sys.stdin.close()
    keep_out_of_reach()
    if args.processes:
        limit_processes(args.processes)
    started = time.monotonic()
    for event in events(cells, args.timeout):
        event.setdefault('seconds', round(time.monotonic() - started, 2))
        print(json.dumps(event), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
