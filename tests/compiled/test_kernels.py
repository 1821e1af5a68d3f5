"""The op table's formulas run on NumPy arrays (``ARRAYS``) give what they give on floats, at ordinary and special
points, with the blocking zero where the floats have it."""
import math

import numpy as np
import pytest

from micrograd_ext.compiled.kernels import ARRAYS, Blocked
from micrograd_ext.core import floats
from micrograd_ext.core.floats import BLOCKED
from micrograd_ext.core.ops import OPS, inverse_rms_op, power_op

POINTS = [-2.5, -1.0, -0.0, 0.0, 1e-300, 0.5, 3.0, 800.0, -800.0, 1e308, math.inf, -math.inf, math.nan]
ELEMENTWISE = sorted(set(OPS) - {'linear', 'gather'})  # '+' of two terms is elementwise; longer sums are a Sum group


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


@pytest.mark.parametrize('op', [OPS[name] for name in ELEMENTWISE] + [power_op(n) for n in (0, 1, 2, 3, -1, 0.5, 2.5)]
                         + [inverse_rms_op(1e-5), inverse_rms_op(0.0)],
                         ids=lambda op: op.name)
def test_the_numpy_form_of_every_op_agrees_with_the_table_at_ordinary_and_special_points(op):
    arity = 2 if op.name in ('+', '-', '*', '/', '**', 'logsumexp', '1/rms') else 1
    inputs = grid(arity)
    with np.errstate(all='ignore'):
        out = op.value(ARRAYS, *inputs)
        found = op.derivatives(ARRAYS, out, *inputs)
        blocked = [np.broadcast_to(d.where, out.shape) if isinstance(d, Blocked) else np.zeros(out.shape, bool)
                   for d in found]
        locals_ = [np.broadcast_to(d.local if isinstance(d, Blocked) else d, out.shape)
                   for d in found]
    for i in range(len(out)):
        xs = [float(x[i]) for x in inputs]
        expected = op.value(floats, *xs)
        assert same(out[i], expected), (op.name, xs, out[i], expected)
        for k, d in enumerate(op.derivatives(floats, expected, *xs)):
            assert bool(blocked[k][i]) == (d is BLOCKED), (op.name, xs, k)
            assert same(locals_[k][i], d), (op.name, xs, k, locals_[k][i], d)


def test_a_blocked_local_derivative_sends_zero_even_for_an_infinite_gradient():
    local = OPS['ReLU'].derivatives(ARRAYS, np.array([0.0, 2.0, 0.0]), np.array([-1.0, 2.0, 0.0]))[0]
    with np.errstate(all='ignore'):
        sent = local * np.array([math.inf, math.inf, math.nan])
    assert sent.tolist()[:2] == [0.0, math.inf] and sent[2] == 0.0


def test_gather_picks_by_index_on_arrays_as_on_floats_and_is_nan_outside_the_rows():
    gather = OPS['gather']
    index = np.array([0.0, 1.0, 2.0, 2.5, -1.0, 3.0, math.nan])
    columns = [np.arange(7.0) + 10 * k for k in range(3)]
    out = gather.value(ARRAYS, index, *columns)
    derivatives = gather.derivatives(ARRAYS, out, index, *columns)
    for i in range(len(index)):
        xs = [float(index[i]), *[float(c[i]) for c in columns]]
        assert same(out[i], gather.value(floats, *xs)), i
        expected = gather.derivatives(floats, out[i], *xs)
        assert [float(np.broadcast_to(d, out.shape)[i]) for d in derivatives] == list(expected), i
    assert out[:3].tolist() == [0.0, 11.0, 22.0] and np.isnan(out[3:]).all()
