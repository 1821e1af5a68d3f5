"""The student's notebook and the teacher's key: one per student, with that student's numbers, built and written
with nbformat (the ``notebooks`` extra: ``pip install 'micrograd-ext[notebooks]'``).

The student id lives in the notebook's metadata, ``metadata["micrograd_ext"]["student"]``, which grading
reads; each exercise's answer cell carries ``metadata["micrograd_ext"] = {"exercise": name, "role": "answer"}``.
Only building and writing need nbformat: ``cell_role``, which grading uses on the notebooks handed in, does not.

>>> notebook = exercise_notebook('ada')
>>> notebook['metadata']['micrograd_ext']
{'student': 'ada', 'solutions': False, 'exercises': ['neuron_z', 'activations', ...]}
>>> [cell['source'] for cell in notebook['cells'] if cell_role(cell) == ('neuron_z', 'check')]
["sheet.check('neuron_z', z)"]
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..core.files import write_atomically
from .bank import BANK
from .exercise import Exercise
from .sheet import student_id

if TYPE_CHECKING:
    from nbformat import NotebookNode

INSTALL_HINT = ("writing the exercise notebooks needs nbformat 5.1 or later: pip install 'micrograd-ext[notebooks]' "
                "(or: pip install nbformat)")
KERNEL = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
          'language_info': {'name': 'python'}}


def require_nbformat() -> Any:
    """The nbformat module, or an ImportError that says how to install it (5.1 or later: notebook format 4.5,
    whose cells have ids)."""
    try:
        import nbformat
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    if (nbformat.v4.nbformat, nbformat.v4.nbformat_minor) < (4, 5):
        raise ImportError(f'{INSTALL_HINT}; nbformat {nbformat.__version__} is installed')
    return nbformat


def cell(kind: str, source: str, cell_id: str, **metadata) -> NotebookNode:
    """A notebook cell ('markdown' or 'code'), tagged with ``metadata`` under "micrograd_ext"; code cells start
    without outputs."""
    nbformat = require_nbformat()
    new = {'markdown': nbformat.v4.new_markdown_cell, 'code': nbformat.v4.new_code_cell}[kind]
    return new(source, id=cell_id, metadata=nbformat.from_dict({'micrograd_ext': metadata} if metadata else {}))


def cell_role(made: dict) -> tuple[str, str] | None:
    """(exercise name, role) of a cell written here, or None for any other cell (or a student's edit of it)."""
    tag = made.get('metadata', {}).get('micrograd_ext') if isinstance(made.get('metadata'), dict) else None
    if isinstance(tag, dict) and isinstance(tag.get('exercise'), str) and isinstance(tag.get('role'), str):
        return tag['exercise'], tag['role']
    return None


def exercise_cells(number: int, entry: Exercise, student: str, solutions: bool) -> list[NotebookNode]:
    """The task, the answer cell (empty or solved) and the check of one exercise."""
    numbers = entry.numbers_for(student)
    answer = entry.solution_code(numbers) if solutions else entry.starter_code(numbers)
    names = ', '.join(entry.answer_names(numbers))
    points = f"{entry.points} point{'s' if entry.points != 1 else ''}"
    return [cell('markdown', f'## {number}. {entry.title} ({points})\n\n{entry.text(numbers)}', f'{entry.name}-task'),
            cell('code', answer, f'{entry.name}-answer', exercise=entry.name, role='answer'),
            cell('code', f'sheet.check({entry.name!r}, {names})', f'{entry.name}-check', exercise=entry.name,
                 role='check')]


def exercise_notebook(student: str, solutions: bool = False, names: Sequence[str] | None = None) -> NotebookNode:
    """The notebook of ``student`` (nbformat 4.5, validated): every exercise of the bank (or those in ``names``)
    with their numbers; ``solutions=True`` fills in the key."""
    nbformat = require_nbformat()
    student = student_id(student)
    names = list(dict.fromkeys(names or BANK))
    entries = [BANK[name] for name in names]
    total = sum(entry.points for entry in entries)
    intro = (f'# Backprop exercises for {student}\n\nThese numbers are yours: your neighbour\'s differ. Write each '
             'answer in its cell, then run the check below it: "not yet" says what to look at. Numbers count as right '
             'to 3 significant digits (0.128 for 0.12786); a calculator is fine, and so is Python. '
             f'{len(entries)} exercises, {total} points.')
    if solutions:
        intro = f'# The key: solutions for {student}\n\nEvery answer cell is filled in; every check says "correct".'
    cells = [cell('markdown', intro, 'intro'),
             cell('code', f'from micrograd_ext.classroom import Sheet\nsheet = Sheet({student!r})', 'setup',
                  role='setup')]
    for number, entry in enumerate(entries, 1):
        cells += exercise_cells(number, entry, student, solutions)
    tag = {'student': student, 'solutions': solutions, 'exercises': names}
    return nbformat.v4.new_notebook(cells=cells, metadata=nbformat.from_dict({**KERNEL, 'micrograd_ext': tag}))


def write_notebooks(students: Iterable[str], directory: str, solutions: bool = False,
                    names: Sequence[str] | None = None, overwrite: bool = False) -> list[str]:
    """Write ``directory/ID.ipynb`` for each student (each file atomically); returns the paths. Existing files
    are a FileExistsError unless ``overwrite``: they may hold a student's work, or the key. Without nbformat, an
    ImportError saying how to install it, before anything is written."""
    nbformat = require_nbformat()
    students = list(dict.fromkeys(student_id(student) for student in students))
    unknown = [name for name in names or () if name not in BANK]
    if unknown:
        raise ValueError(f"no exercise is called {unknown[0]!r}; the bank has {', '.join(BANK)}")
    paths = [os.path.join(directory, f'{student}.ipynb') for student in students]
    existing = [path for path in paths if os.path.exists(path)]
    if existing and not overwrite:
        raise FileExistsError(f"{len(existing)} of the notebooks exist already ({', '.join(existing[:3])}"
                              f"{', ...' if len(existing) > 3 else ''}); choose another folder, or overwrite them")
    os.makedirs(directory, exist_ok=True)
    for student, path in zip(students, paths):
        text = nbformat.writes(exercise_notebook(student, solutions, names))  # as Jupyter writes it
        write_atomically(path, f'{text}\n'.encode())
    return paths
