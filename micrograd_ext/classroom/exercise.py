"""One exercise of the bank: the student's own numbers, the text, the empty cell, the key and the checker.

A student's numbers come from a hash of their id and the exercise's name, so they are the same every time
and differ between students. Exercises whose answers are numbers are declared with ``numeric``: the right
answers and the typical mistakes, each a function of the numbers; the checker names the mistake it recognises.

>>> half = numeric('half', 'Half of x', 1, ('h',), lambda rng: {'x': rng.choice([2.0, 4.0])},
...                task='Compute half of x = {x}.', starter='x = {x}\\nh = ...', solution='x = {x}\\nh = x / 2',
...                expected=lambda n: {'h': n['x'] / 2},
...                mistakes=[Mistake('you doubled x: divide it by 2 instead.', lambda n: {'h': n['x'] * 2})])
>>> numbers = half.numbers_for('ada'); numbers
{'x': 2.0}
>>> print(half.check({'h': 4.0}, numbers))
not yet: h: you gave 4, but it is 1.
Hint: you doubled x: divide it by 2 instead.
>>> half.check({'h': 1.0}, numbers).passed
True
"""
from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .answers import plain, unplain
from .student_code import CheckResult, NotYet, as_number, checker, guarded, kind_of, plural

Numbers = dict  # an exercise's numbers for one student: {'x': [2.0, 3.0], 'b': 0.2, ...}
Answer = float | list  # what a numeric exercise expects for one name: a number or a list of numbers

RELATIVE, ABSOLUTE = 5e-3, 1e-6  # right when rounded to 3 significant digits: 0.0293 for 0.02935
ROUNDED = 'close, but rounded too much: give at least 3 significant digits (0.128 for 0.12786).'


def listed(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return ' and '.join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def agrees(given: float, expected: float) -> bool:
    return math.isclose(given, expected, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def student_rng(student: str, exercise: str) -> random.Random:
    """The random numbers of ``student`` for ``exercise``: the same on every machine, different per student."""
    digest = hashlib.sha256(f'micrograd_ext/{exercise}/{student}'.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], 'big'))


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: the ``hint`` to give, and what the answers are when one makes it."""
    hint: str
    answers: Callable[[Numbers], Mapping[str, Answer]]


def no_inputs(numbers: Numbers, rng: random.Random | None) -> None:
    """The inputs of an exercise whose answers are values, not functions: none."""
    return None


@dataclass(frozen=True)
class Exercise:
    """An entry of the bank. ``task``, ``starter`` and ``solution`` are formatted with the student's numbers.

    Checking is two steps, so that grading can run them in two processes: ``observe`` runs beside the
    student's code and turns the answers into plain data (``answers.plain``; a code exercise's ``probe`` runs the
    student's function on ``inputs(numbers, rng)``: the student's own cases, plus fresh ones drawn from ``rng``
    when grading); ``judge`` runs ``verdict(given, numbers, inputs)`` on that data alone."""
    name: str
    title: str
    points: int
    answers: tuple[str, ...]
    draw: Callable[[random.Random], Numbers]
    task: str
    starter: str
    solution: str
    verdict: Callable[[dict, Numbers, Any], CheckResult]
    expected: Callable[[Numbers], Mapping[str, Answer]] | None = None  # numeric exercises: the right answers
    mistakes: Sequence[Mistake] = field(default=())
    probe: Callable[[Any, Any], object] | None = None  # code exercises: probe(function, inputs) -> observations
    inputs: Callable[[Numbers, random.Random | None], Any] = no_inputs

    def numbers_for(self, student: str) -> Numbers:
        return self.draw(student_rng(student, self.name))

    def text(self, numbers: Numbers) -> str:
        return self.task.format(**numbers)

    def starter_code(self, numbers: Numbers) -> str:
        return self.starter.format(**numbers)

    def solution_code(self, numbers: Numbers) -> str:
        return self.solution.format(**numbers)

    def answer_names(self, numbers: Numbers) -> tuple[str, ...]:
        """The names the student defines (``answers`` formatted with the numbers: a function may be named after
        the student's op)."""
        return tuple(name.format(**numbers) for name in self.answers)

    def observe(self, answers: Mapping[str, object], inputs=None) -> dict:
        """The student's ``answers`` (by name) as plain data: the values, or what the probe saw the function do."""
        if self.probe is None:
            return {name: plain(value) for name, value in answers.items()}
        return {name: self.probe(value, inputs) for name, value in answers.items()}

    def judge(self, given: Mapping[str, object], numbers: Numbers, inputs=None) -> CheckResult:
        """The verdict on ``observe``'s data (by name; a missing name is "not yet" too)."""
        names = self.answer_names(numbers)
        missing = [name for name in names if name not in given]
        if missing:
            return CheckResult(False, f"{listed(missing)} {'is' if len(missing) == 1 else 'are'} not defined."
                                      f"\nHint: run the cell that defines {missing[0]} (did you rename it?).")
        read = {name: given[name] if self.probe else unplain(given[name]) for name in names}
        return self.verdict(read, numbers, inputs)

    def check(self, answers: Mapping[str, object], numbers: Numbers) -> CheckResult:
        """The verdict on ``answers`` (by name), on the student's own inputs: ``judge(observe(answers))``."""
        inputs = self.inputs(numbers, None)
        names = self.answer_names(numbers)
        return self.judge(self.observe({name: answers[name] for name in names if name in answers}, inputs),
                          numbers, inputs)


def numeric(name: str, title: str, points: int, answers: tuple[str, ...], draw: Callable[[random.Random], Numbers], *,
            task: str, starter: str, solution: str, expected: Callable[[Numbers], Mapping[str, Answer]],
            mistakes: Sequence[Mistake] = (), hint: str = 'work it out again step by step.',
            check_by: Callable[[Numbers], Mapping[str, Answer]] | None = None) -> Exercise:
    """An exercise whose answers are numbers or lists of numbers. ``check_by`` gives an independent estimate
    to show next to a wrong answer (finite differences for derivatives). A student's numbers are drawn again
    (from the same generator) until every typical mistake gives answers that differ from the right ones by
    more than 2%, so no mistake passes as right and none is mistaken for rounding."""
    def distinct_draw(rng: random.Random) -> Numbers:
        for _ in range(1000):
            numbers = draw(rng)
            right = expected(numbers)
            if all(any(differs(value, right[key]) for key, value in m.answers(numbers).items()) for m in mistakes):
                return numbers
        raise RuntimeError(f'{name}: no numbers tell its typical mistakes from the right answers')

    @checker
    def verdict(given: dict, numbers: Numbers, inputs=None) -> CheckResult:
        right = expected(numbers)
        for answer, value in given.items():
            read = guarded(lambda: read_answer(value, right[answer], answer), f'reading {answer}')
            wrong = first_difference(read, right[answer])
            if wrong is None:
                continue
            where, got, want = wrong
            estimate = f' (finite differences: {check_by(numbers)[answer]:.4g})' if check_by else ''
            close = math.isclose(got, want, rel_tol=0.05)
            recognised = next((m.hint for m in mistakes if agrees_everywhere(read, m.answers(numbers).get(answer))),
                              ROUNDED if close else hint)
            raise NotYet(f'{answer}{where}: you gave {got:.4g}, but it is {want:.4g}{estimate}.', recognised)
        return CheckResult(True, f"{listed(list(given))} {'is' if len(given) == 1 else 'are'} right.")
    return Exercise(name, title, points, answers, distinct_draw, task, starter, solution, verdict, expected,
                    tuple(mistakes))


def read_answer(value, like: Answer, name: str) -> Answer:
    """``value`` as a float, or a list of floats as long as ``like``; NotYet saying what it is instead."""
    if type(value).__module__ == 'numpy' and hasattr(value, 'ravel'):  # any shape: a (2, 1) column counts too
        value = value.ravel().tolist()
        value = value[0] if not isinstance(like, list) and len(value) == 1 else value
    if not isinstance(like, list) or value is Ellipsis:
        return as_number(value, f'{name} is', 'write one number.')
    items = value
    if not isinstance(items, (list, tuple)) or len(items) != len(like):
        raise NotYet(f'{name} is {kind_of(value)}, but it should be a list of {plural(len(like), "number")}.',
                     f"write [{', '.join(['...'] * len(like))}], one number per entry.")
    return [as_number(item, f'{name}[{i}] is', 'write one number per entry.') for i, item in enumerate(items)]


def first_difference(given: Answer, expected: Answer) -> tuple[str, float, float] | None:
    """('[i]' or '', given, expected) where ``given`` first differs from ``expected``, or None. ``given`` has the
    shape of ``expected`` (``read_answer`` reads it so): a number, or a list as long."""
    if not isinstance(expected, list):
        number = cast(float, given)
        return None if agrees(number, expected) else ('', number, expected)
    numbers = cast(list, given)
    return next(((f'[{i}]', g, e) for i, (g, e) in enumerate(zip(numbers, expected)) if not agrees(g, e)), None)


def differs(given: Answer, expected: Answer) -> bool:
    """Does ``given`` differ from ``expected`` (somewhere, for lists) by more than 2%?"""
    pairs = zip(cast(list, given), expected) if isinstance(expected, list) else [(cast(float, given), expected)]
    return any(not math.isclose(g, e, rel_tol=0.02, abs_tol=1e-6) for g, e in pairs)  # given: expected's shape


def agrees_everywhere(given: Answer, mistaken: Answer | None) -> bool:
    return mistaken is not None and first_difference(given, mistaken) is None
