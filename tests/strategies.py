"""Hypothesis strategies the tests share: numbers in safe ranges, and random graphs of Values over the engine's
ops, replayable as functions of their leaves (``programs`` and ``run``) or drawn ready-built (``graphs``).

The example graphs every test may build by name are in ``graphs.py``.
"""
from __future__ import annotations

import math

from hypothesis import assume
from hypothesis import strategies as st

from micrograd_ext import Value


def finite_floats(low: float = -2.0, high: float = 2.0):
    """Floats from ``low`` to ``high``: no NaN, no infinity (the default range keeps every op's output moderate)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


any_floats = st.floats(allow_nan=True, allow_infinity=True)  # every IEEE double, NaN and infinities included

# smooth ops only (kinks such as relu/abs at 0 make finite differences meaningless); each stays finite
UNARY = {
    'tanh': lambda a: a.tanh(),
    'sigmoid': lambda a: a.sigmoid(),
    'softplus': lambda a: a.softplus(),
    'exp': lambda a: a.tanh().exp(),
    'log': lambda a: (a * a + 1).log(),
    'sqrt': lambda a: (a * a + 0.5).sqrt(),
    'square': lambda a: a ** 2,
    'cube': lambda a: a ** 3,
    'neg': lambda a: -a,
    'gelu': lambda a: a.gelu(),
    'silu': lambda a: a.silu(),
    'rsub': lambda a: 1.5 - a,
}
BINARY = {
    '+': lambda a, b: a + b,
    '-': lambda a, b: a - b,
    '*': lambda a, b: a * b,
    '/': lambda a, b: a / (b * b + 1),
    'pow': lambda a, b: (a * a + 1) ** b.tanh(),
    'sum': lambda a, b: Value.sum([a, b, a]),
    'linear': lambda a, b: Value.linear([a, b], [b, 0.5], a),
}


@st.composite
def programs(draw, max_leaves: int = 4, max_ops: int = 12):
    """(leaf values, steps): each step applies an op to earlier nodes, so nodes are often shared."""
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = draw(st.lists(finite_floats(), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for k in range(draw(st.integers(1, max_ops))):
        available = n_leaves + k
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, available - 1))))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))),
                          draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    return leaves, steps


def run(steps, *leaves: Value) -> Value:
    """Build the program's graph on ``leaves``; the last node is the output."""
    nodes = list(leaves)
    for op, *args in steps:
        table = UNARY if len(args) == 1 else BINARY
        nodes.append(table[op](*(nodes[i] for i in args)))
    return nodes[-1]


def moderate(steps, leaves: list[float]) -> None:
    """Skip programs whose output overflows or is huge (e.g. many squares in a row): finite differences
    cannot check those in float64."""
    try:
        out = run(steps, *[Value(v) for v in leaves])
    except OverflowError:
        assume(False)
    assume(abs(out.data) < 1e6)


@st.composite
def graphs(draw, max_leaves: int = 4, max_ops: int = 12):
    """(leaves, output): a random program built on fresh leaf Values labelled x0, x1, ..., its output finite
    and moderate."""
    values, steps = draw(programs(max_leaves, max_ops))
    leaves = [Value(v, label=f'x{i}') for i, v in enumerate(values)]
    try:
        out = run(steps, *leaves)
    except OverflowError:
        assume(False)
    assume(math.isfinite(out.data) and abs(out.data) < 1e6)
    return leaves, out
