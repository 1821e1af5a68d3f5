"""Predict, then reveal: backpropagation as a quiz. Before each backward step is applied, the student types
what it adds to each child's grad; then the step is applied and each answer marked, with the local
derivative and the chain-rule product in ``steps.py``'s words.

>>> from micrograd_ext import Value
>>> x = Value(2.0, label='x'); w = Value(-3.0, label='w'); y = x * w; y.label = 'y'
>>> typed = iter(['-3', '5'])
>>> quiz(y, ask=lambda prompt: next(typed), say=lambda text: None)
score 1/2
>>> x.grad, w.grad
(-3.0, 2.0)
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.engine import Value
from ..viz.naming import fmt, grouped
from .steps import BackwardStep, BackwardSteps, Contribution, local_edges

NUMBER = r'[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?'  # what an answer may be, or two of them as a/b
SHOW = ('?', 's', 'show')
RELATIVE, DECIMAL = 1e-3, 1e-4
HINT = 'type a number like -1.5 or 1/2, or ? to show the answer'
ANSWERS = ("type a number to 4 decimals, as numbers are shown (exact fractions like 1/2 work too), or ? (or s) "
           "to show the answer, which counts as wrong")
HELP = f"Predict what each step adds to each child's grad: {ANSWERS}. Ctrl-D or Ctrl-C stops."


def parse_answer(text: str) -> float | None:
    """The number typed (``-1.5``, ``2e-3``, ``1/2``), or None for ``?``, ``s`` or ``show`` (show the answer).
    A space after the sign (``- 1``) and a typographic minus (``\u2212``, pasted) are forgiven.

    Anything else (an empty line, ``abc``, ``nan``, ``inf``, ``1/0``) raises ValueError with a one-line message.
    Nothing typed is ever run: a number must match ``NUMBER``, a fraction is two of them around one ``/``.

    >>> parse_answer(' -1/4 '), parse_answer('2e-3'), parse_answer('?')
    (-0.25, 0.002, None)
    """
    text = text.strip().replace('\u2212', '-')
    if text.lower() in SHOW:
        return None
    if not text:
        raise ValueError(HINT[0].upper() + HINT[1:])
    if ',' in text:
        raise ValueError(f'{text!r}: write decimals with a point (0.5, not 0,5)')
    parts = [re.sub(r'^([+-])\s+', r'\1', part.strip()) for part in text.split('/')]
    if len(parts) > 2 or not all(re.fullmatch(NUMBER, part) for part in parts):
        raise ValueError(f'{text!r}: {HINT}')
    numbers = [float(part) for part in parts]
    if len(numbers) == 2 and numbers[1] == 0:
        raise ValueError(f'{text!r} divides by 0; {HINT}')
    value = numbers[0] / numbers[1] if len(numbers) == 2 else numbers[0]
    if not math.isfinite(value):
        raise ValueError(f'{text!r} is beyond the float range; {HINT}')
    return value


def tolerance(correct: float) -> float:
    """How far an answer may be from ``correct`` and still be right: 0.1% of it (4 significant digits, with
    room for working from the rounded numbers shown), and at least 0.0001 (one unit of the last of the 4
    decimals ``fmt`` shows) unless ``fmt`` writes it in scientific notation, where only the 0.1% counts.
    So -1.5 takes -1.5, -1.500 and -1.4996 but not -1.502, 1.5 or -1.4; 8.2e-9 does not take 0.

    >>> tolerance(2.0), tolerance(0.0)
    (0.002, 0.0001)
    >>> is_right(-1.4996, -1.5), is_right(-1.502, -1.5), is_right(0.0, 8.2e-9)
    (True, False, False)
    """
    return max(RELATIVE * abs(correct), 0.0 if 'e' in fmt(correct) else DECIMAL)


def is_right(answer: float, correct: float) -> bool:
    """Whether ``answer`` is within ``tolerance(correct)`` of ``correct``."""
    return abs(answer - correct) <= tolerance(correct)


@dataclass
class Answer:
    """One question: what the student gave for one child (None: asked to be shown) and the step's contribution."""
    step: int
    contribution: Contribution
    given: float | None
    right: bool


@dataclass
class QuizResult:
    """The score of a quiz and every answer; its repr is the score line (``score 4/6``)."""
    steps: int
    answers: list[Answer] = field(default_factory=list)
    not_asked: int = 0            # steps applied without asking, after the quiz stopped
    stopped: str | None = None    # 'end of input' (Ctrl-D, or piped answers ran out) or 'Ctrl-C'

    @property
    def score(self) -> int:
        return sum(answer.right for answer in self.answers)

    @property
    def total(self) -> int:
        return len(self.answers)

    def __repr__(self) -> str:
        stopped = f' (stopped: {self.not_asked} of {self.steps} steps not asked)' if self.stopped else ''
        return f'score {self.score}/{self.total}{stopped}'


def labels(names: list[str]) -> list[str]:
    """What each answer is asked as: ``x.grad +=``, and ``x.grad (use 1 of 2) +=`` for a child used twice."""
    uses = Counter(names)
    seen: Counter[str] = Counter()
    asked = []
    for name in names:
        seen[name] += 1
        use = f' (use {seen[name]} of {uses[name]})' if uses[name] > 1 else ''
        asked.append(f'{grouped(name)}.grad{use} +=')
    return asked


def question(step: BackwardStep, children: list[tuple[Value, str]]) -> str:
    """What the student sees before a step: its heading, the numbers it works with and its upstream gradient.

    ``children`` are (child, name), one per answer asked."""
    values = dict.fromkeys([(step.name, step.node.data), *((name, child.data) for child, name in children)])
    shown = ', '.join(f'{name} = {fmt(data)}' for name, data in values)
    return f'{step.heading}\n  {shown}\n  upstream {grouped(step.name)}.grad = {fmt(step.upstream)}'


def feedback(contribution: Contribution, given: str | None, right: bool) -> str:
    """The mark of one answer and the step's line for that child (``x.grad += (w = -3.0000) * 1.0000 = ...``);
    ``given`` is the answer as written, None when the student asked to be shown."""
    if right:
        return f'right: {contribution}'
    said = 'shown (counts as wrong)' if given is None else f'wrong, you said {given}'
    return f'{said}: it adds {fmt(contribution.added)}, the local derivative times the upstream\n    {contribution}'


def player_questions(steps: list[BackwardStep]) -> list[dict]:
    """The quiz of applied ``steps`` for the HTML player: each step's question and, per child, its label,
    answer, tolerance and the three marks (``{given}`` stands for what was typed)."""
    return [{'question': question(step, [(c.child, c.child_name) for c in step.contributions]),
             'children': [{'ask': label, 'value': c.added, 'tolerance': tolerance(c.added),
                           'right': feedback(c, None, True), 'shown': feedback(c, None, False),
                           'wrong': feedback(c, '{given}', False)}
                          for label, c in zip(labels([c.child_name for c in step.contributions]), step.contributions)]}
            for step in steps]


def ask_number(ask: Callable[[str], str], prompt: str, say: Callable[[str], None]) -> float | None:
    """``ask(prompt)`` until the answer is a number or ``?``; each bad answer gets its one-line message."""
    while True:
        try:
            return parse_answer(ask(prompt))
        except ValueError as error:
            say(f'  {error}')


def quiz(root: Value, ask: Callable[[str], str] | None = None,
         say: Callable[[str], None] | None = None) -> QuizResult:
    """Backpropagate from ``root`` as a quiz: before each step, ``ask`` (prompt -> typed line; ``input`` if not
    given) for what it adds to each child's grad; ``say`` (``print``) shows the questions and the marks.
    Returns the score (see ``tolerance``).

    When ``ask`` raises EOFError (Ctrl-D) or KeyboardInterrupt (Ctrl-C) the quiz stops: the answers of the step
    being asked are dropped, and that step and the rest are applied without asking, so that every ``.grad``
    is still what ``backward()`` gives; the result counts them as ``not_asked``.
    """
    ask, say = ask or input, say or print  # looked up now: a notebook's kernel replaces input()
    steps = BackwardSteps(root)
    result = QuizResult(len(steps))
    if not len(steps):
        say(f'{steps.names[root]} is not computed from other values: there is no backward step to predict')
        steps.start()
        return result
    say(HELP)
    while (step := steps.upcoming()) is not None:
        children = [(child, steps.names[child]) for child, _, _ in local_edges(step.node, steps.names)]
        say(f'\n{question(step, children)}')
        try:
            given = [ask_number(ask, f'  {label} ? ', say) for label in labels([name for _, name in children])]
        except (EOFError, KeyboardInterrupt) as stop:
            result.stopped = 'end of input' if isinstance(stop, EOFError) else 'Ctrl-C'
            result.not_asked = len(steps) - len(steps.done)
            for _ in steps:  # applied silently: the grads end as backward() leaves them
                pass
            say(f'\nquiz stopped ({result.stopped}): {result.not_asked} of {len(steps)} steps were not asked; '
                "they were applied without asking, so every .grad is what backward() gives")
            return result
        for contribution, value in zip(next(steps).contributions, given):
            right = value is not None and is_right(value, contribution.added)
            result.answers.append(Answer(step.index, contribution, value, right))
            say('  ' + feedback(contribution, None if value is None else f'{value:g}', right))
    return result
