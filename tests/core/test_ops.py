"""The op table: the ops written out in engine.py agree with it, every entry is complete, and a node knows its op."""
import math

import pytest

import copy
import pickle

from micrograd_ext import Value, grad, numerical_grad
from micrograd_ext.core import floats, ops
from micrograd_ext.core.autograd import VALUES
from micrograd_ext.core.floats import BLOCKED
from micrograd_ext.core.ops import FUNCTIONS, OPS, op_of, power_op, value_now

POINTS = [-2.5, -1.0, -0.0, 0.0, 0.5, 3.0, 1e-300, -1e300, 1e308, math.inf, -math.inf, math.nan]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


HOT = {  # op name -> how engine.py makes it from Values
    '+': lambda a, b: a + b,
    '-': lambda a, b: a - b,
    '*': lambda a, b: a * b,
    'neg': lambda a, b: -a,
    'ReLU': lambda a, b: a.relu(),
    '/': lambda a, b: a / b,
    'exp': lambda a, b: a.exp(),
}


@pytest.mark.parametrize('name', sorted(HOT))
def test_the_hot_ops_written_out_in_the_engine_agree_with_the_table(name):
    op = OPS[name]
    for a in POINTS:
        for b in POINTS:
            try:
                node = HOT[name](Value(a), Value(b))
            except ArithmeticError:  # outside the domain: only where the table's check refuses too
                operands = [Value(a)] if name == 'exp' else [Value(a), Value(b)]
                with pytest.raises(ArithmeticError):
                    op.check(op.value(floats, *[x.data for x in operands]), *operands)
                continue
            inputs = [child.data for child in node._prev]
            assert node._op == op.name
            assert same(node.data, op.value(floats, *inputs)), (a, b)
            expected = op.derivatives(floats, node.data, *inputs)
            assert len(node._local_grads) == len(expected)
            assert all(same(mine, theirs) for mine, theirs in zip(node._local_grads, expected)), (a, b)
            assert [type(d) for d in node._local_grads] == [type(d) for d in expected]  # BLOCKED where blocked


def test_sum_and_linear_agree_with_the_table():
    for xs in ([1.5, -2.0, 0.25], [0.0, -0.0, 7.0], [1e308, 1e308, -1.0]):
        node = Value.sum([Value(x) for x in xs])
        assert same(node.data, OPS['+'].value(floats, *xs))
        assert node._local_grads == OPS['+'].derivatives(floats, node.data, *xs)
    weights, inputs, bias = [0.5, -1.0, 2.0], [2.0, 3.0, -0.5], 0.2
    node = Value.linear([Value(w) for w in weights], [Value(x) for x in inputs], Value(bias))
    items = [*weights, *inputs, bias]
    assert node.data == ops.LINEAR.value(floats, *items)
    assert node._local_grads == ops.LINEAR.derivatives(floats, node.data, *items)


@pytest.mark.parametrize('name', sorted(set(OPS) - {'+', 'linear', '**'}))
def test_every_entry_writes_its_node_and_formulas_for_its_inputs(name):
    op = OPS[name]
    arity = 2 if name in ('-', '*', '/') else 1
    names = ['a', 'b'][:arity]
    assert isinstance(op.written(*names), str) and all(n in op.written(*names) for n in names)
    assert len(op.formulas('out', *names)) == arity


def test_the_functions_of_the_table_are_value_methods_that_make_their_op():
    assert set(FUNCTIONS) == {'exp', 'log', 'sqrt', 'abs', 'relu', 'tanh', 'sigmoid', 'softplus', 'gelu', 'silu'}
    for function, op in FUNCTIONS.items():
        node = abs(Value(0.7)) if function == 'abs' else getattr(Value(0.7), function)()
        assert node._op == op.name
        assert node.data == pytest.approx(op.value(floats, 0.7), rel=1e-15)
        assert node._local_grads[0] == pytest.approx(numerical_grad(lambda x: op_on(op, x), [0.7])[0], rel=1e-6)


def op_on(op, x):
    return Value.apply(op, x)


def test_constant_powers_are_named_as_in_micrograd_and_carry_their_exponent():
    for n, name in [(2, '**2'), (2.0, '**2.0'), (-1, '**-1'), (0.5, '**0.5'), (True, '**1'), (1e-100, '**1e-100'), (-2.5e-7, '**-2.5e-07')]:
        node = Value(1.5) ** n
        assert node._op == name and type(node._op.op.exponent) is type(ops.exponent(n))
        assert op_of(node) is power_op(ops.exponent(n)) and op_of(node).name == name
        assert op_of(node).derivatives(floats, node.data, 1.5)[0] == pytest.approx(node._local_grads[0], rel=1e-15)


def test_every_op_defined_in_the_table_module_is_listed_in_the_table():
    defined = [value for value in vars(ops).values() if isinstance(value, ops.Op)]
    assert defined and all(OPS.get(op.name) is op for op in defined)


def test_a_node_knows_the_op_that_made_it_through_its_op_string():
    x = Value(0.5)
    y = (x.tanh() * 2) ** 3
    assert op_of(y) is power_op(3) and op_of(y._prev[0]) is OPS['*'] and op_of(x) is None
    assert y._op == '**3' and isinstance(y._op, str) and '(' + y._op + ')' == '(**3)'  # micrograd code reads a str
    for twin in (copy.deepcopy(y._op), pickle.loads(pickle.dumps(y._op))):
        assert twin.op is power_op(3)
    assert op_of(pickle.loads(pickle.dumps(x.tanh()))) is OPS['tanh']


def test_a_node_made_by_hand_under_a_table_name_has_no_table_op():
    x = Value(0.5)
    e = 2.718281828459045 ** (2 * x.data)
    made = Value(e, (x,), 'exp', (2 * e,))  # exp(2x), its own local derivative
    assert op_of(made) is None and value_now(made) is None
    made.backward()
    assert x.grad == pytest.approx(2 * e)


def test_the_blocked_zero_stops_infinite_and_nan_gradients_and_is_otherwise_zero():
    assert BLOCKED == 0.0 and BLOCKED * math.inf == 0.0 and math.nan * BLOCKED == 0.0
    assert math.isnan(0.0 * math.inf) and BLOCKED + 1.0 == 1.0 and f'{BLOCKED:.4f}' == '0.0000'
    assert type(BLOCKED * 5.0) is float  # what flows on is an ordinary zero


def test_derivatives_on_values_build_the_same_numbers_as_on_floats():
    for name, op in sorted(OPS.items()):
        arity = {'+': 3, 'linear': 5, '-': 2, '*': 2, '/': 2, '**': 2, 'logsumexp': 3, 'gather': 4}.get(name, 1)
        inputs = ([1.0] if name == 'gather' else []) + [0.7, 1.3, -0.4, 2.0, 0.3][:arity - (name == 'gather')]
        out = op.value(floats, *inputs)
        as_floats = op.derivatives(floats, out, *inputs)
        leaves = [Value(x) for x in inputs]
        as_values = op.derivatives(VALUES, Value.apply(op, *leaves), *leaves)
        assert [float(d.data if isinstance(d, Value) else d) for d in as_values] == pytest.approx(
            [float(d) for d in as_floats], rel=1e-15), name


def test_domain_edges_give_ieee_numbers_inside_create_graph():
    x = Value(0.0)
    (d,) = grad(x.sqrt(), x, create_graph=True)
    assert d.data == math.inf
    assert floats.div(1.0, 0.0) == math.inf and floats.div(-1.0, 0.0) == -math.inf and math.isnan(floats.div(0.0, 0.0))
    assert floats.power(0.0, -0.5) == math.inf and floats.power(-0.0, -1) == -math.inf
    assert floats.power(1e200, 3) == math.inf and floats.power(-1e200, 3) == -math.inf
    assert math.isnan(floats.power(-8.0, 1 / 3))
    assert floats.log(0.0) == -math.inf and math.isnan(floats.log(-1.0))


def test_nan_passes_through_exp_and_abs_passes_a_zero_gradient_at_nan_as_torch():
    x = Value(math.nan)
    y = x.exp()
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)
    x = Value(math.nan)
    abs(x).backward()
    assert x.grad == 0.0  # torch.sgn(nan) is 0


def test_a_norms_scale_is_one_node_whose_op_survives_pickling_and_copying():
    xs = [Value(3.0), Value(4.0)]
    scale = Value.apply(ops.inverse_rms_op(1e-5), *xs)
    assert scale.data == pytest.approx((12.5 + 1e-5) ** -0.5, rel=1e-15) and scale._op == '1/rms'
    for twin in (copy.deepcopy(scale), pickle.loads(pickle.dumps(scale))):
        assert op_of(twin) is ops.inverse_rms_op(1e-5) and twin.data == scale.data
    scale.backward()
    assert [x.grad for x in xs] == pytest.approx([-scale.data ** 3 * x.data / 2 for x in xs], rel=1e-15)
    assert [x.grad for x in xs] == pytest.approx(numerical_grad(lambda a, b: Value.apply(
        ops.inverse_rms_op(1e-5), a, b), [3.0, 4.0]), rel=1e-6)
