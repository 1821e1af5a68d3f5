"""A student's exercise sheet: their own numbers for every exercise of the bank, and the checks.

>>> sheet = Sheet('ada')
>>> sheet.numbers('activations')
{'z': -1.92}
>>> print(sheet.check('activations', 0.0, 0.1279, -0.9578))
correct: relu_z, sigmoid_z and tanh_z are right.
>>> print(sheet.check('activations', -1.92, 0.1279, -0.9578))
not yet: relu_z: you gave -1.92, but it is 0.
Hint: relu keeps positive numbers and turns negative ones into 0: relu(z) = max(0, z).
"""
from __future__ import annotations

import re

from .bank import BANK, exercise
from .exercise import Numbers
from .student_code import CheckResult

STUDENT_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}')


def student_id(text: object) -> str:
    """``text`` if it is a valid student id (it names the student's notebook file), else a ValueError."""
    if not isinstance(text, str) or not STUDENT_ID.fullmatch(text):
        raise ValueError(f"student ids are 1 to 64 letters, digits and . _ @ + - (starting with a letter or digit), "
                         f"got {text!r}")
    return text


class Sheet:
    """The exercises with ``student``'s numbers; ``check(name, *answers)`` gives the verdict in words."""

    def __init__(self, student: str):
        self.student = student_id(student)

    def __repr__(self) -> str:
        return f"Sheet({self.student!r}): {len(BANK)} exercises, {sum(e.points for e in BANK.values())} points"

    def numbers(self, name: str) -> Numbers:
        """This student's numbers for the exercise ``name``."""
        return exercise(name).numbers_for(self.student)

    def check(self, name: str, *answers) -> CheckResult:
        """The verdict on this student's ``answers`` to ``name``, in the order the exercise names them."""
        entry = exercise(name)
        numbers = entry.numbers_for(self.student)
        names = entry.answer_names(numbers)
        if len(answers) != len(names):
            raise TypeError(f"{name} takes {len(names)} answer{'s' if len(names) != 1 else ''} "
                            f"({', '.join(names)}), got {len(answers)}: sheet.check({name!r}, {', '.join(names)})")
        return entry.check(dict(zip(names, answers)), numbers)
