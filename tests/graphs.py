"""Hypothesis strategies for random expression graphs, replayable as functions of their leaves."""
from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from micrograd_ext import Value

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
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_leaves, max_size=n_leaves))
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
