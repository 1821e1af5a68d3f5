"""The NumPy forms of the op table's ops agree with the table at ordinary and special points."""
import math

import numpy as np
import pytest

from micrograd_ext.compiled.kernels import KERNELS, kernel
from micrograd_ext.core.ops import BLOCKED, OPS, power_op

POINTS = [-2.5, -1.0, -0.0, 0.0, 1e-300, 0.5, 3.0, 800.0, -800.0, 1e308, math.inf, -math.inf, math.nan]
ELEMENTWISE = sorted(set(OPS) - {'linear'})  # '+' of two terms is elementwise; longer sums are a Sum group


def same(a: float, b: float) -> bool:
    """Equal (zeros with their sign), NaN where NaN; finite numbers to 4 ulp (NumPy's exp and tanh may
    round the last bit differently from math's)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b) or a == 0.0 or b == 0.0:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return abs(a - b) <= 4 * math.ulp(max(abs(a), abs(b)))


def grid(arity: int) -> list[np.ndarray]:
    if arity == 1:
        return [np.array(POINTS)]
    a, b = np.meshgrid(POINTS, POINTS)
    return [a.ravel(), b.ravel()]


@pytest.mark.parametrize('op', [OPS[name] for name in ELEMENTWISE] + [power_op(n) for n in (0, 1, 2, 3, -1, 0.5, 2.5)],
                         ids=lambda op: op.name)
def test_the_numpy_form_of_every_op_agrees_with_the_table_at_ordinary_and_special_points(op):
    arity = 2 if op.name in ('+', '-', '*', '/', '**') else 1
    inputs = grid(arity)
    form = kernel(op)
    with np.errstate(all='ignore'):
        out = form.value(*inputs)
        locals_ = [np.broadcast_to(d, out.shape) for d in form.derivatives(out, *inputs)]
        blocked = form.blocks(out, *inputs) if form.blocks else np.zeros(out.shape, bool)
    for i in range(len(out)):
        xs = [float(x[i]) for x in inputs]
        expected = op.value(*xs)
        assert same(out[i], expected), (op.name, xs, out[i], expected)
        derivatives = op.derivatives(expected, *xs)
        for k, d in enumerate(derivatives):
            assert same(locals_[k][i], d), (op.name, xs, k, locals_[k][i], d)
            assert bool(blocked[i]) == (k == 0 and d is BLOCKED) or k > 0, (op.name, xs)


def test_every_op_of_the_table_has_a_numpy_form():
    assert set(OPS) - {'linear'} <= set(KERNELS)
