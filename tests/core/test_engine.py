import math
import sys

import numpy as np
import pytest

from micrograd_ext import Value, numerical_grad, topological_order
from micrograd_ext.core.floats import sigmoid

from ..graphs import micrograd_readme

GELU_C = math.sqrt(2 / math.pi)


def grads_at(fn, *xs):
    """(output data, [grads]) of fn at the points xs, via backward()."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# (name, function, points, expected value, expected gradient), all derived by hand
UNARY_CASES = [
    ('neg', lambda x: -x, [-2.0, 0.0, 3.5], lambda x: -x, lambda x: -1.0),
    ('abs', lambda x: abs(x), [-2.0, 3.5], abs, lambda x: math.copysign(1.0, x)),
    ('relu', lambda x: x.relu(), [-2.0, 0.5, 3.0], lambda x: max(x, 0.0), lambda x: float(x > 0)),
    ('tanh', lambda x: x.tanh(), [-1.0, 0.0, 0.7, 30.0, -30.0],
     math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ('sigmoid', lambda x: x.sigmoid(), [-3.0, 0.0, 2.1],
     lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ('exp', lambda x: x.exp(), [-1.0, 0.0, 2.0], math.exp, math.exp),
    ('log', lambda x: x.log(), [0.5, 1.0, 4.0], math.log, lambda x: 1 / x),
    ('sqrt', lambda x: x.sqrt(), [0.25, 4.0], math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    ('square', lambda x: x ** 2, [-3.0, 0.0, 1.5], lambda x: x * x, lambda x: 2 * x),
    ('pow -1', lambda x: x ** -1, [-2.0, 0.5], lambda x: 1 / x, lambda x: -1 / x ** 2),
    ('pow 0.5', lambda x: x ** 0.5, [4.0], math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    ('cube of negative', lambda x: x ** 3, [-2.0], lambda x: x ** 3, lambda x: 3 * x ** 2),
    ('gelu', lambda x: x.gelu(), [-1.5, 0.0, 1.0],
     lambda x: 0.5 * x * (1 + math.tanh(GELU_C * (x + 0.044715 * x ** 3))),
     lambda x: (0.5 * (1 + math.tanh(GELU_C * (x + 0.044715 * x ** 3)))
                + 0.5 * x * (1 - math.tanh(GELU_C * (x + 0.044715 * x ** 3)) ** 2)
                * GELU_C * (1 + 3 * 0.044715 * x ** 2))),
    ('silu', lambda x: x.silu(), [-2.0, 0.0, 1.5], lambda x: x / (1 + math.exp(-x)),
     lambda x: 1 / (1 + math.exp(-x)) + x * math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ('2 ** x', lambda x: 2 ** x, [-1.0, 3.0], lambda x: 2 ** x, lambda x: 2 ** x * math.log(2)),
    ('softplus', lambda x: x.softplus(), [-30.0, 0.0, 2.0, 800.0], lambda x: x if x > 700 else math.log(1 + math.exp(x)),
     lambda x: 1 / (1 + math.exp(-x))),
]


@pytest.mark.parametrize('name, fn, points, value, slope', UNARY_CASES, ids=[c[0] for c in UNARY_CASES])
def test_unary_ops_match_hand_derived_values_and_gradients(name, fn, points, value, slope):
    for x in points:
        out, (g,) = grads_at(fn, x)
        assert out == pytest.approx(value(x), rel=1e-12, abs=1e-12)
        assert g == pytest.approx(slope(x), rel=1e-9, abs=1e-12)


SMOOTH_AWAY_FROM_KINKS = [c for c in UNARY_CASES if c[0] not in ('relu', 'abs')]


@pytest.mark.parametrize('name, fn, points, value, slope', SMOOTH_AWAY_FROM_KINKS,
                         ids=[c[0] for c in SMOOTH_AWAY_FROM_KINKS])
def test_unary_ops_match_finite_differences(name, fn, points, value, slope):
    for x in points:
        _, (g,) = grads_at(fn, x)
        assert g == pytest.approx(numerical_grad(fn, [x])[0], rel=1e-6, abs=1e-6)


BINARY_CASES = [
    ('+', lambda a, b: a + b, (1.0, 1.0)),
    ('-', lambda a, b: a - b, (1.0, -1.0)),
    ('*', lambda a, b: a * b, None),
    ('/', lambda a, b: a / b, None),
    ('**', lambda a, b: a ** b, None),
]


@pytest.mark.parametrize('a, b', [(2.0, -3.0), (0.5, 4.0), (3.0, 0.25)])
def test_binary_ops_match_hand_derived_gradients(a, b):
    assert grads_at(lambda x, y: x * y, a, b) == (a * b, [b, a])
    assert grads_at(lambda x, y: x + y, a, b) == (a + b, [1.0, 1.0])
    assert grads_at(lambda x, y: x - y, a, b) == (a - b, [1.0, -1.0])
    out, (ga, gb) = grads_at(lambda x, y: x / y, a, b)
    assert (out, ga, gb) == pytest.approx((a / b, 1 / b, -a / b ** 2))
    out, (ga, gb) = grads_at(lambda x, y: x ** y, a, b)
    assert (out, ga, gb) == pytest.approx((a ** b, b * a ** (b - 1), a ** b * math.log(a)))


@pytest.mark.parametrize('name, fn, _', BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_binary_ops_match_finite_differences(name, fn, _):
    for a, b in [(2.0, -3.0), (0.5, 4.0), (3.0, 0.25)]:
        _, grads = grads_at(fn, a, b)
        np.testing.assert_allclose(grads, numerical_grad(fn, [a, b]), rtol=1e-6, atol=1e-6)


def test_numbers_work_on_either_side_and_keep_operand_order():
    x = Value(3.0, label='x')
    for expr, value, slope in [(2 + x, 5.0, 1.0), (x + 2, 5.0, 1.0), (2 - x, -1.0, -1.0), (x - 2, 1.0, 1.0),
                               (2 * x, 6.0, 2.0), (x * 2, 6.0, 2.0), (6 / x, 2.0, -6 / 9), (x / 2, 1.5, 0.5),
                               (2 ** x, 8.0, 8 * math.log(2)), (x ** 2, 9.0, 6.0)]:
        x.grad = 0.0
        expr.backward()
        assert expr.data == pytest.approx(value) and x.grad == pytest.approx(slope)
    reflected = 2 - x
    assert reflected._prev[1] is x and reflected._prev[0].data == 2.0
    assert (x * 4)._prev[0] is x


def test_relu_at_zero_has_zero_gradient_like_micrograd_and_pytorch():
    assert grads_at(lambda x: x.relu(), 0.0) == (0.0, [0.0])


def test_tanh_and_sigmoid_do_not_overflow():
    assert grads_at(lambda x: x.tanh(), 1000.0) == (1.0, [0.0])
    assert grads_at(lambda x: x.tanh(), -1000.0) == (-1.0, [0.0])
    assert grads_at(lambda x: x.sigmoid(), -1000.0) == (0.0, [0.0])
    assert grads_at(lambda x: x.sigmoid(), 1000.0) == (1.0, [0.0])
    assert sigmoid(-745.0) >= 0.0


def test_sum_and_linear_are_single_nodes_with_the_right_gradients():
    a, b, c = Value(1.0), Value(2.0), Value(-3.0)
    total = Value.sum([a, b, c, 4])
    assert total.data == 4.0 and total._op == '+' and len(total._prev) == 4
    total.backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 1.0, 1.0)
    w, x, bias = [Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)], Value(0.2)
    z = Value.linear(w, x, bias)
    z.backward()
    assert z.data == pytest.approx(-1.8)
    assert [v.grad for v in w] == [2.0, 3.0] and [v.grad for v in x] == [0.5, -1.0] and bias.grad == 1.0
    with pytest.raises(ValueError, match='2 weights but 3 inputs'):
        Value.linear(w, [1, 2, 3], bias)


def test_micrograd_sanity_check_constants():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0 and x.grad == 46.0


def test_micrograd_more_ops_constants():
    a, b, g = micrograd_readme()
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, abs=1e-12)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-9)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-9)


def test_shared_subexpression_gets_the_sum_of_both_paths():
    a = Value(3.0)
    b = a + a  # the case that broke early micrograd
    b.backward()
    assert a.grad == 2.0
    x = Value(2.0)
    y = x * x * x
    y.backward()
    assert x.grad == 12.0


def test_lecture_cells_apply_one_chain_rule_step_at_a_time():
    x1, x2, w1, w2 = Value(2.0, label='x1'), Value(0.0, label='x2'), Value(-3.0, label='w1'), Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    x1w1, x2w2 = x1 * w1, x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5)
    n._backward()
    s._backward()
    x2w2._backward()
    x1w1._backward()
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_backward_twice_accumulates_into_leaves_and_recomputes_interior_nodes():
    x = Value(3.0)
    h = x * 2
    y = h * h  # dy/dx = 8x = 24
    y.backward()
    assert (x.grad, h.grad) == (24.0, 12.0)
    y.backward()
    assert x.grad == 48.0  # accumulated, as in micrograd and PyTorch
    assert h.grad == 12.0  # interior: this call's gradient
    y.zero_grad()
    assert (x.grad, h.grad, y.grad) == (0.0, 0.0, 0.0)


def test_backward_on_a_leaf_accumulates_one():
    x = Value(1.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_a_chain_of_a_million_ops_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = y * 1.0000001 + 0.0000001
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == pytest.approx(1.0000001 ** 500_000, rel=1e-9)
    assert len(topological_order(y)) == 2_000_001


def test_topological_order_lists_children_first_and_each_node_once():
    a = Value(1.0)
    b = a * 2
    c = b + a
    d = c * b
    order = topological_order(d)
    assert len(order) == len(set(map(id, order))) == 5  # a, the constant 2, b, c, d
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node._prev)
    assert order == topological_order(d)  # deterministic


def test_the_interior_order_is_the_full_order_without_its_leaves():
    a, w = Value(1.0, label='a'), Value(-2.0, label='w')
    h = (a * w + 3).relu()
    out = h * h + a.tanh() * 2
    interior = topological_order(out, leaves=False)
    assert interior == [node for node in topological_order(out) if node._prev]
    assert [node._op for node in interior] == ['*', '+', 'ReLU', '*', 'tanh', '*', '+']
    assert topological_order(a, leaves=False) == []  # a leaf has no children: nothing for backward() to walk


def test_backward_resets_every_interior_node_and_no_leaf():
    a, b = Value(2.0, label='a'), Value(3.0, label='b')
    product = a * b
    out = product * product + a
    out.backward()
    out.backward()  # interior grads are recomputed, leaves accumulate
    assert product.grad == pytest.approx(2 * 6.0)
    assert a.grad == pytest.approx(2 * (2 * 6.0 * 3.0 + 1)) and b.grad == pytest.approx(2 * (2 * 6.0 * 2.0))


def test_detach_makes_a_leaf_ordering_uses_data_and_equality_is_identity():
    x = Value(2.0, label='x')
    y = (x * 3).detach()
    assert y._prev == () and y.data == 6.0
    assert Value(1.0) < Value(2.0) <= 2 and Value(3.0) > 2 >= Value(1.5)
    assert Value(2.0) != 2.0 and Value(2.0) != Value(2.0) and not (x == Value(2.0)) and x == x
    assert len({Value(1.0), Value(1.0)}) == 2  # hashing by identity too
    assert max([Value(1.0), Value(5.0), Value(2.0)]).data == 5.0


def test_repr_and_data_conversion():
    assert repr(Value(2)) == 'Value(data=2.0, grad=0.0)'
    assert repr(Value(2.0, label='a')) == "Value(label='a', data=2.0, grad=0.0)"
    assert type(Value(True).data) is float and Value(np.float32(1.5)).data == 1.5
    assert Value(np.int64(3)).data == 3.0 and type(Value(np.float64(2)).data) is float


@pytest.mark.parametrize('bad', ['abc', [1.0], None, 1 + 2j, np.array([1.0, 2.0])])
def test_non_numbers_raise_a_type_error_naming_what_was_given(bad):
    with pytest.raises(TypeError, match=f'needs a real number.*got {type(bad).__name__}'):
        Value(bad)


@pytest.mark.parametrize('bad', ['abc', [1.0], None, 1 + 2j])
@pytest.mark.parametrize('op', ['+', '-', '*', '/', '**'])
def test_arithmetic_with_a_non_number_is_a_type_error(bad, op):
    x = Value(1.0)
    with pytest.raises(TypeError):
        {'+': lambda: x + bad, '-': lambda: x - bad, '*': lambda: x * bad, '/': lambda: x / bad,
         '**': lambda: x ** bad}[op]()


def test_a_value_as_data_is_refused_with_a_hint():
    with pytest.raises(TypeError, match='pass its .data'):
        Value(Value(1.0))


def test_math_errors_name_the_node_and_the_fix():
    with pytest.raises(ValueError, match=r"log\(x \(= -1.0\)\).*positive.*log\(abs\(x\)\)"):
        Value(-1.0, label='x').log()
    with pytest.raises(ValueError, match=r"log\(0.0\)"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match=r"division by zero: 1.0 / d \(= 0.0\)"):
        Value(1.0) / Value(0.0, label='d')
    with pytest.raises(ZeroDivisionError, match='0 cannot be raised to a negative power'):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match='positive base'):
        Value(-2.0, label='b') ** Value(2.0)
    with pytest.raises(ValueError, match='positive base'):
        (-2) ** Value(2.0)
    with pytest.raises(ValueError, match='integer exponent'):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match='non-negative'):
        Value(-1.0).sqrt()
    with pytest.raises(OverflowError, match='too large'):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match='too large'):
        Value(10.0) ** 400


def test_sqrt_at_zero_has_an_infinite_slope_not_an_exception():
    assert grads_at(lambda x: x.sqrt(), 0.0) == (0.0, [math.inf])


def test_a_non_number_on_the_left_gets_pythons_own_message_naming_both_types():
    x = Value(3.0)
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: 'NoneType' and 'Value'"):
        None + x
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for -: 'str' and 'Value'"):
        'a' - x
    assert (2 - x).data == -1.0 and (2 * x)._prev[1] is x and sum([x, x]).data == 6.0


def test_a_training_loop_formats_and_rounds_a_loss_as_its_number():
    loss = Value(0.5) * Value(0.123456)
    assert f"loss {loss:.4f}" == 'loss 0.0617' and f"{loss:>8.2e}" == '6.17e-02' and f"{loss}" == str(loss)
    assert round(loss, 3) == 0.062 and round(loss) == 0 and type(round(loss, 3)) is float
    with pytest.raises(ValueError, match='Unknown format code'):
        f"{loss:d}"  # the number's own rules: a float has no 'd'


@pytest.mark.parametrize('function', [math.exp, math.tanh, math.log, math.sqrt, float])
def test_math_functions_on_a_value_are_a_type_error_naming_its_own_ops_and_data(function):
    b = Value(1.0)
    with pytest.raises(TypeError, match=r"no gradient flows back through.*x\.exp\(\), x\.tanh\(\).*x\.data"):
        Value(2.0) * function(b)  # micrograd raises here too; a float would leave b.grad silently 0
    assert function(b.data) == function(1.0)
