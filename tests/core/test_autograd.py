import math

import numpy as np
import pytest
from hypothesis import given, settings

from micrograd_ext import Value, grad, numerical_grad
from micrograd_ext.core.autograd import local_derivatives
from micrograd_ext.core.ops import GATHER, LOGSUMEXP, inverse_rms_op

from ..strategies import moderate, programs, run

OPS = {
    '+': lambda a, b: a + b, '-': lambda a, b: a - b, '*': lambda a, b: a * b, '/': lambda a, b: a / b,
    '**': lambda a, b: a ** b, '**3': lambda a, b: a ** 3, 'neg': lambda a, b: -a, 'abs': lambda a, b: abs(a),
    'ReLU': lambda a, b: a.relu(), 'tanh': lambda a, b: a.tanh(), 'sigmoid': lambda a, b: a.sigmoid(),
    'exp': lambda a, b: a.exp(), 'log': lambda a, b: a.log(), 'sqrt': lambda a, b: a.sqrt(),
    'gelu': lambda a, b: a.gelu(), 'silu': lambda a, b: a.silu(), 'softplus': lambda a, b: a.softplus(),
    'sum': lambda a, b: Value.sum([a, b, 2.0]), 'linear': lambda a, b: Value.linear([a, b], [b, 3.0], a),
    'logsumexp': lambda a, b: Value.apply(LOGSUMEXP, a, b, 1.0), 'gather': lambda a, b: Value.apply(GATHER, Value(1.0), a, b),
    '1/rms': lambda a, b: Value.apply(inverse_rms_op(1e-5), a, b, 0.5),
}


@pytest.mark.parametrize('name', sorted(OPS))
def test_formulas_for_create_graph_agree_with_the_numbers_stored_at_forward_time(name):
    for a, b in [(0.7, 1.3), (2.0, -0.5), (1.5, 2.5)]:
        out = OPS[name](Value(a), Value(b))
        formulas = [d.data if isinstance(d, Value) else d for d in local_derivatives(out)]
        assert formulas == pytest.approx(list(out._local_grads), rel=1e-12, abs=1e-12)


def test_grad_matches_backward_and_leaves_grad_untouched():
    x, y = Value(1.5), Value(-0.5)
    out = (x * y + x.tanh()) * x
    dx, dy = grad(out, [x, y])
    assert (x.grad, y.grad) == (0.0, 0.0)
    out.backward()
    assert (dx, dy) == (x.grad, y.grad)


def test_an_unused_input_gets_zero_and_bad_arguments_are_refused():
    x, unused = Value(1.0), Value(2.0)
    assert grad(x * 3, [x, unused]) == [3.0, 0.0]
    assert grad(x * 3, [unused], create_graph=True)[0].data == 0.0
    with pytest.raises(TypeError, match='needs a Value as output'):
        grad(3.0, [x])
    with pytest.raises(TypeError, match='needs Values as inputs'):
        grad(x * 3, [1.0])


def test_second_and_third_derivatives_by_hand():
    x = Value(2.0)
    y = x ** 3 + x.exp()
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d1.data == pytest.approx(12 + math.exp(2))
    assert d2.data == pytest.approx(12 + math.exp(2))
    assert d3 == pytest.approx(6 + math.exp(2))


def test_second_derivative_of_tanh_and_of_value_powers():
    x = Value(0.3)
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    t = math.tanh(0.3)
    assert grad(d1, [x])[0] == pytest.approx(-2 * t * (1 - t * t))
    a, n = Value(1.7), Value(2.5)
    d_a, d_n = grad(a ** n, [a, n], create_graph=True)
    assert grad(d_n, [n])[0] == pytest.approx(1.7 ** 2.5 * math.log(1.7) ** 2)
    assert grad(d_a, [n])[0] == pytest.approx(1.7 ** 1.5 * (1 + 2.5 * math.log(1.7)))


@pytest.mark.parametrize('name', sorted(set(OPS) - {'abs', 'ReLU'}))
def test_every_smooth_op_has_second_derivatives_matching_finite_differences(name):
    fn = OPS[name]
    for point in [(0.7, 1.3), (1.5, 2.5)]:
        for i in range(2):
            def first(a, b, i=i):
                return grad(fn(a, b), [a, b], create_graph=True)[i]
            leaves = [Value(v) for v in point]
            analytic = grad(first(*leaves), leaves)
            np.testing.assert_allclose(analytic, numerical_grad(first, point), rtol=1e-4, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(programs())
def test_random_graphs_pass_gradcheck(program):
    from micrograd_ext import gradcheck
    leaves, steps = program
    moderate(steps, leaves)
    assert gradcheck(lambda *xs: run(steps, *xs), leaves)


@settings(max_examples=40, deadline=None)
@given(programs(max_leaves=3, max_ops=8))
def test_second_derivatives_of_random_graphs_match_finite_differences_of_the_first(program):
    leaves, steps = program
    moderate(steps, leaves)

    def first_derivative(*xs):
        return grad(run(steps, *xs), [xs[0]], create_graph=True)[0]

    xs = [Value(v) for v in leaves]
    d1 = first_derivative(*xs)
    analytic = grad(d1, xs) if isinstance(d1, Value) and d1._prev else [0.0] * len(xs)
    np.testing.assert_allclose(analytic, numerical_grad(first_derivative, leaves), rtol=1e-3, atol=1e-4)
