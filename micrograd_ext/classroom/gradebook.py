"""The gradebook: a CSV a teacher imports, one row per file (and per absent student), and the class summary.

Columns: ``file, student, score, max_score``, one per exercise (the points earned), ``flags`` and ``feedback``.
``GradebookFile`` appends each row as its notebook is graded, in one write flushed to disk, so a crash or a
kill of the grader loses no graded row; opened again, it knows which files have their row already, so grading
can go on where it stopped.

>>> from micrograd_ext.classroom.grading import Graded
>>> print(gradebook([Graded('ada.ipynb', ['layer'], 'ada', {'layer': 2})]).splitlines()[1])
ada.ipynb,ada,2,2,,,2,,,,,,,,,,,,,,,
"""
from __future__ import annotations

import csv
import io
import os
import statistics
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable

from ..core.files import write_atomically
from .bank import BANK
from .grading import Graded

COLUMNS = ['file', 'student', 'score', 'max_score', *BANK, 'flags', 'feedback']
NOT_DONE = 'not done yet'  # in the verdict on an exercise left as it was handed out


def inert(text: str) -> str:
    """``text`` as one line of printable text that a spreadsheet shows and never runs: control characters, line
    separators and lone surrogates become spaces or escapes, and a leading = + - @ (a formula) gets a ' before it.

    >>> inert("=1+2\\r=cmd|' /C calc'!A0")
    "'=1+2 =cmd|' /C calc'!A0"
    """
    text = ''.join(' ' if unicodedata.category(c) in ('Cc', 'Zl', 'Zp') else c for c in text)
    text = text.encode('utf-8', 'backslashreplace').decode('utf-8')
    return f"'{text}" if text[:1] in ('=', '+', '-', '@') else text


def uninert(text: str) -> str:
    """``text`` without the ' that ``inert`` put before a formula."""
    return text[1:] if text[:1] == "'" and text[1:2] in ('=', '+', '-', '@') else text


def rows_text(results: Iterable[Graded], header: bool = False) -> str:
    """CSV lines for ``results`` (after the header, with ``header``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    if header:
        writer.writerow(COLUMNS)
    for graded in results:
        writer.writerow([inert(graded.file), inert(graded.student or ''), graded.score if graded.file else '',
                         graded.max_score if graded.file else '', *(graded.points.get(name, '') for name in BANK),
                         inert(' '.join(graded.flags)), inert(graded.feedback_text())])
    return out.getvalue()


def gradebook(results: Iterable[Graded]) -> str:
    """The whole CSV text of ``results``."""
    return rows_text(results, header=True)


def write_gradebook(results: Iterable[Graded], path: str) -> None:
    write_atomically(path, gradebook(results).encode())


class GradebookFile:
    """The gradebook at ``path``, appended to row by row. A file with rows already keeps them (``graded`` names
    their files) unless ``regrade``; absent students' rows and a last row cut short are dropped, to be
    written again."""

    def __init__(self, path: str, regrade: bool = False):
        self.path, self.lock = path, threading.Lock()
        kept = [row for row in ([] if regrade else self._rows()) if row['file']]
        self.graded = {row['file'] for row in kept}  # as written: inert
        out = io.StringIO()
        writer = csv.writer(out, lineterminator='\n')
        writer.writerows([COLUMNS, *([inert(row[column]) if column in ('file', 'student', 'flags', 'feedback')
                                      else row[column] for column in COLUMNS] for row in kept)])
        write_atomically(path, out.getvalue().encode())

    def has(self, path: str) -> bool:
        """Has the file ``path`` its row already?"""
        return inert(path) in self.graded

    def _rows(self) -> list[dict]:
        try:
            with open(self.path, encoding='utf-8', newline='') as file:
                text = file.read()
        except FileNotFoundError:
            return []
        text = text[:text.rfind('\n') + 1]  # without a row the grader was killed writing
        rows = list(csv.reader(io.StringIO(text, newline='')))
        if rows and rows[0] != COLUMNS:
            raise ValueError(f'{self.path} is not a gradebook of this bank (its columns differ): grade into '
                             'another file, or pass --regrade to replace it')
        return [dict(zip(COLUMNS, row)) for row in rows[1:] if len(row) == len(COLUMNS)]

    def append(self, graded: Graded) -> None:
        """Add ``graded``'s row to the file, in one write, flushed to disk."""
        line = rows_text([graded]).encode('utf-8', 'backslashreplace')
        with self.lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def rows(self) -> list[Graded]:
        """Every row of the file, read back."""
        return [from_row(row) for row in self._rows()]


def from_row(row: dict) -> Graded:
    """A gradebook row read back: points, flags, and the feedback per exercise."""
    file = uninert(row['file'])
    graded = Graded(file, [name for name in BANK if row.get(name, '') != ''], row['student'] or None,
                    {name: int(row[name]) for name in BANK if row.get(name, '').isdigit()},
                    flags=row.get('flags', '').split())
    feedback = uninert(row['feedback'])
    for part in feedback.split(' | ') if feedback else []:
        name, _, words = part.partition(': ')
        if name in graded.points:
            graded.feedback[name] = words
        elif name != 'other cells':
            graded.problem = f'{graded.problem}; {part}' if graded.problem else part
    return graded


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
    held = sum(graded.score != graded.earned for graded in read)
    notebooks = f"{len(read)} notebook{'s' if len(read) != 1 else ''}"
    lines = [f'graded {notebooks}: mean {statistics.mean(scores):.1f}/{total}, median '
             f'{statistics.median(scores):g}, {full} with full marks'
             + (f'; {held} held at 0 by a flag (key, copy, two-files)' if held else '')
             + (f'; {unread} file{"s" if unread != 1 else ""} could not be read' if unread else '')
             + (f'; {absent} student{"s" if absent != 1 else ""} on the roster handed in nothing' if absent else '')]
    for name in BANK:
        given = [graded for graded in read if name in graded.points]
        passed = sum(graded.points[name] == BANK[name].points for graded in given)
        blank = sum(NOT_DONE in graded.feedback.get(name, '') for graded in given)
        if given:
            lines.append(f"  {name:<24} {passed:>4}/{len(given)} right{f', {blank} not attempted' if blank else ''}")
    hints = Counter(hint_of(message) for graded in read for message in graded.feedback.values()
                    if message and NOT_DONE not in message and 'copy' not in graded.flags)
    if hints:
        lines.append('most common mistakes:')
        lines += [f'  {count:>4} x {hint[:110]}' for hint, count in hints.most_common(mistakes)]
    problems = [f'  {graded.file or graded.student}: {graded.problem}' for graded in results if graded.problem]
    if problems:
        lines += ['problems:', *problems]
    return '\n'.join(lines)
