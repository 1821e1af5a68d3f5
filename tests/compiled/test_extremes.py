"""Replays at the extremes (issue 28, items 18-20): a layer's matrix product puts NaN where the engine does when
huge numbers and infinities meet, every domain check of the op table fires in a replay where it fires eagerly, and a
cross-entropy replay follows the eager loss far from the logits it was recorded at, without blaming correct code."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from micrograd_ext import StaleRecording, Value, compiled
from micrograd_ext.compiled.groups import MatMul
from micrograd_ext.compiled.replay import plan
from micrograd_ext.core.ops import DIV, GATHER, OPS, POW, power_op
from micrograd_ext.learn.losses import cross_entropy
from micrograd_ext.learn.nn import MLP

inf, nan = math.inf, math.nan
SPECIALS = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 10.0, -10.0, 710.0, 1e154, -1e154, 1e300, 1e308, -1e308, inf, -inf, nan]
extreme_floats = st.one_of(st.sampled_from(SPECIALS), st.floats(allow_nan=True, allow_infinity=True))


def same(found: float, expected: float, scale: float = 0.0) -> bool:
    """NaN exactly where NaN, an infinity of the same sign where one; finite numbers to 4 ulp, or to 1e-12 of
    ``scale`` (the size of the terms whose sum they are: another order of additions rounds otherwise)."""
    if math.isnan(found) or math.isnan(expected):
        return math.isnan(found) and math.isnan(expected)
    if math.isinf(found) or math.isinf(expected):
        return found == expected
    return abs(found - expected) <= max(4 * math.ulp(max(abs(found), abs(expected))), 1e-12 * scale)


# ---- item 18: a layer over a batch (one matrix product) at huge numbers and infinities --------------------------

POINTS, NEURONS, INPUTS = 3, 2, 2


def layer_program():
    """A layer of NEURONS neurons over POINTS points as one program, every number a leaf: the weights, the biases,
    then the points' inputs; the outputs are the layer's outputs."""
    weights = [[Value(0.5 + i + j) for j in range(INPUTS)] for i in range(NEURONS)]
    biases = [Value(0.1 * i) for i in range(NEURONS)]
    points = [[Value(1.0 + p - j) for j in range(INPUTS)] for p in range(POINTS)]
    zs = [Value.linear(w, x, b) for x in points for w, b in zip(weights, biases)]
    leaves = [v for row in weights for v in row] + biases + [v for row in points for v in row]
    program = plan(Value.sum(zs), leaves, zs, strategy='vector')
    assert sum(isinstance(group, MatMul) for group in program.groups) == 1
    return program


def eager_layer(numbers: list[float]):
    """The layer's outputs and the gradient of every leaf, computed by the engine, on these leaf numbers."""
    leaves = [Value(x) for x in numbers]
    k = NEURONS * INPUTS
    weights = [leaves[i * INPUTS:(i + 1) * INPUTS] for i in range(NEURONS)]
    biases, inputs = leaves[k:k + NEURONS], leaves[k + NEURONS:]
    points = [inputs[p * INPUTS:(p + 1) * INPUTS] for p in range(POINTS)]
    zs = [Value.linear(w, x, b) for x in points for w, b in zip(weights, biases)]
    scales = [abs(b.data) + sum(abs(wi.data * xi.data) for wi, xi in zip(w, x))
              for x in points for w, b in zip(weights, biases)]
    return zs, scales, leaves


LAYER = layer_program()


@settings(max_examples=300, deadline=None)
@given(st.lists(extreme_floats, min_size=LAYER.leaves, max_size=LAYER.leaves))
@example([1e308, 1e308, 1e308, 1e308, 0.0, 0.0] + [10.0, -10.0] * POINTS)   # the issue's: BLAS gave inf for nan
@example([1e308, -1e308, 2.0, 3.0, 0.0, 0.0] + [1e10, 1e10] * POINTS)     # a finite product where the engine's is nan
@example([1e200, 1e200, 1.0, 1.0, 0.0, 0.0] + [1e200, -1e200] * POINTS)   # products overflow and cancel
def test_a_layers_matrix_product_gives_the_engines_numbers_with_nan_where_it_has_nan(numbers):
    zs, scales, _ = eager_layer(numbers)
    LAYER.forward(numbers)
    for k, (z, scale) in enumerate(zip(zs, scales)):
        assert same(LAYER.output(k + 1), z.data, scale), (k, LAYER.output(k + 1), z.data)


@pytest.mark.parametrize('numbers', [  # d loss / d z is 1e308 for one neuron and -1e308 for the other
    [1e308, 1e308, 1e308, 1e308, 0.0, 0.0] + [10.0, -10.0] * POINTS,  # dL/dx: 1e308 * 1e308 - 1e308 * 1e308, nan
    [10.0, 10.0, -10.0, -10.0, 0.0, 0.0] + [1e308, 1e308] * POINTS,   # dL/dx: inf + inf, dL/dw: inf and -inf
    [1e308, 2.0, -1e308, 2.0, 0.0, 0.0] + [1.0, 1.0] * POINTS,        # dL/dx1: 2e308 - 2e308, nan
    [inf, 1.0, -inf, 1.0, 0.0, 0.0] + [1.0, 0.0] * POINTS,            # infinite weights: inf * 0 is nan
    [1.0, 2.0, 3.0, 4.0, nan, 0.0] + [1.0, 2.0] * POINTS,             # a NaN bias, and dL/dx1: 2e308 - 4e308
])
def test_a_layers_gradients_have_nan_where_the_engines_have_nan(numbers):
    zs, _, leaves = eager_layer(numbers)
    sent = [1e308 if k % 2 == 0 else -1e308 for k in range(len(zs))]  # d loss / d z: huge, opposite signs
    loss = Value.sum([z * c for z, c in zip(zs, sent)])
    loss.backward()
    program = plan(loss, leaves, strategy='vector')
    assert any(isinstance(group, MatMul) for group in program.groups)
    program.forward(numbers + [c.data for c in program.captured])  # the leaves, then the constants
    found = program.backward(np.arange(len(leaves)))
    for k, leaf in enumerate(leaves):
        assert same(float(found[k]), leaf.grad, 1e308), (k, found[k], leaf.grad)


def test_small_numbers_with_huge_gradients_send_nan_where_the_engine_does():
    weights = [[Value(10.0), Value(10.0)] for _ in range(NEURONS)]
    biases = [Value(0.0) for _ in range(NEURONS)]
    points = [[Value(1e-309), Value(0.0)] for _ in range(POINTS)]  # z = 1e-308: d log(z) / dz = 1e308
    zs = [[Value.linear(w, x, b) for w, b in zip(weights, biases)] for x in points]
    loss = Value.sum([z[0].log() - z[1].log() for z in zs])  # -709 + 709: every number small
    loss.backward()  # dL/dx = 1e308 * 10 - 1e308 * 10: inf - inf
    leaves = [v for row in weights for v in row] + biases + [v for row in points for v in row]
    program = plan(loss, leaves, strategy='vector')
    assert any(isinstance(group, MatMul) for group in program.groups)
    assert program.forward([v.data for v in leaves]) == loss.data
    assert not program.exact  # the forward pass ran BLAS; the backward pass finds the huge gradients
    found = program.backward(np.arange(len(leaves)))
    assert [same(float(g), v.grad) for g, v in zip(found, leaves)] == [True] * len(leaves)
    assert math.isnan(points[0][0].grad)


@pytest.mark.parametrize('strategy', ['vector', 'flat'])
def test_linear_replayed_as_a_step_is_nan_where_eager_is_nan(strategy):
    weights, bias = [Value(1e308), Value(1e308)], Value(0.0)

    def outputs(points):
        zs = [Value.linear(weights, x, bias) for x in points]
        return Value.sum(zs), zs

    points = [[10.0, -10.0], [1.0, 2.0], [-10.0, 10.0]] * 8  # 1e309 - 1e309: inf - inf, nan
    expected = [z.data for z in outputs([[Value(x) for x in point] for point in points])[1]]
    step = compiled(outputs, points, strategy=strategy)
    assert math.isnan(step(points))
    assert [same(z, e) for z, e in zip(step.outputs[0], expected)] == [True] * len(points)
    assert math.isnan(expected[0]) and math.isinf(expected[1])


# ---- item 19: the domain checks of every op of the table, at every bad input --------------------------------------

CHECKED = [op for op in OPS.values() if op.check is not None] + [power_op(n) for n in (-0.5, 0.5, 1.5, -1, -2, 2, 3, 0)]
ARITY = {DIV: 2, POW: 2, GATHER: 4}  # a gather: the index, then the rows it picks from
BATCH = 4
INDICES = st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, 1.5, nan, inf, -0.0])


def nodes_of(op, leaves: list[Value]) -> list[Value]:
    arity = ARITY.get(op, 1)
    return [Value.apply(op, *leaves[i * arity:(i + 1) * arity]) for i in range(BATCH)]


def good_inputs(op) -> list[float]:
    return [1.0 if op is GATHER and k % 4 == 0 else 2.0 for k in range(BATCH * ARITY.get(op, 1))]


PROGRAMS = {}


def program_of(op, strategy: str):
    """BATCH nodes of ``op``, recorded at good inputs, replayed by ``strategy`` (each node's output an output)."""
    if (op, strategy) not in PROGRAMS:
        leaves = [Value(x) for x in good_inputs(op)]
        ys = nodes_of(op, leaves)
        PROGRAMS[op, strategy] = plan(Value.sum(ys), leaves, ys, strategy=strategy)
    return PROGRAMS[op, strategy]


def eager_outcome(op, numbers: list[float]):
    try:
        return [y.data for y in nodes_of(op, [Value(x) for x in numbers])]
    except Exception as error:  # noqa: BLE001 (the error is what the test compares)
        return error


def replay_outcome(op, strategy: str, numbers: list[float]):
    program = program_of(op, strategy)
    try:
        program.forward(numbers)
    except Exception as error:  # noqa: BLE001
        return error
    return [program.output(k + 1) for k in range(BATCH)]


def assert_same_outcome(op, strategy: str, numbers: list[float]) -> None:
    expected, found = eager_outcome(op, numbers), replay_outcome(op, strategy, numbers)
    if isinstance(expected, Exception):
        assert type(found) is type(expected), (op, strategy, numbers, expected, found)
    else:
        assert isinstance(found, list), (op, strategy, numbers, found)
        assert all(same(f, e) for f, e in zip(found, expected)), (op, strategy, numbers, found, expected)


@pytest.mark.parametrize('strategy', ['flat', 'vector'])
@pytest.mark.parametrize('op', CHECKED, ids=lambda op: op.name)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_replay_raises_the_eager_error_at_every_bad_input(op, strategy, data):
    arity = ARITY.get(op, 1)
    numbers = [data.draw(INDICES if op is GATHER and k % arity == 0 else extreme_floats)
               for k in range(BATCH * arity)]
    assert_same_outcome(op, strategy, numbers)


BAD = {  # per op, one bad node's inputs (the other nodes of the batch stay good) and the error eager raises
    'log': [((0.0,), ValueError), ((-1.0,), ValueError), ((-inf,), ValueError)],
    'sqrt': [((-1e-300,), ValueError), ((-inf,), ValueError)],
    'exp': [((710.0,), OverflowError)],
    '/': [((1.0, 0.0), ZeroDivisionError), ((0.0, -0.0), ZeroDivisionError), ((inf, 0.0), ZeroDivisionError)],
    '**': [((0.0, 2.0), ValueError), ((-2.0, 2.0), ValueError), ((-inf, 0.5), ValueError), ((10.0, 400.0), OverflowError)],
    'gather': [((4.0, 1.0, 2.0, 3.0), IndexError), ((1.5, 1.0, 2.0, 3.0), IndexError), ((nan, 1.0, 2.0, 3.0), IndexError)],
    '**-0.5': [((-inf,), ValueError), ((-1.0,), ValueError), ((0.0,), ZeroDivisionError)],
    '**0.5': [((-inf,), ValueError), ((-4.0,), ValueError)],
    '**1.5': [((-inf,), ValueError), ((1e300,), OverflowError)],
    '**-1': [((0.0,), ZeroDivisionError), ((1e-320,), OverflowError)],
    '**-2': [((-0.0,), ZeroDivisionError)],
    '**2': [((1e200,), OverflowError)],
    '**3': [((-1e200,), OverflowError)],
}


@pytest.mark.parametrize('strategy', ['flat', 'vector'])
@pytest.mark.parametrize('op', [op for op in CHECKED if op.name in BAD], ids=lambda op: op.name)
def test_each_ops_bad_inputs_raise_its_eager_error_in_either_replay(op, strategy):
    assert {op.name for op in CHECKED} - {'**0'} == set(BAD)  # every check of the table is exercised
    for bad, error in BAD[op.name]:
        for position in (0, BATCH - 1):
            numbers = good_inputs(op)
            numbers[position * len(bad):(position + 1) * len(bad)] = bad
            assert isinstance(eager_outcome(op, numbers), error), (op, bad)
            assert isinstance(replay_outcome(op, strategy, numbers), error), (op, strategy, bad, position)


@pytest.mark.parametrize('strategy', ['flat', 'vector'])
def test_a_fractional_power_of_minus_infinity_is_the_eager_value_error(strategy):
    with pytest.raises(ValueError) as eager:
        Value(-inf) ** -0.5
    step = compiled(lambda x: x ** -0.5, 1.0, strategy=strategy)
    with pytest.raises(ValueError) as replayed:
        step(-inf)
    assert str(replayed.value) == str(eager.value)  # -inf ** -0.5: a negative base needs an integer exponent
    assert step(4.0) == 0.5


# ---- item 20: cross-entropy replays far from the recorded logits -------------------------------------------------

def classifier():
    model = MLP(2, [8, 3], seed=0)
    points = [[math.cos(k), math.sin(2 * k)] for k in range(12)]
    return model, points, [k % 3 for k in range(12)]


CHANGES = {
    'weights x3': lambda model: [setattr(p, 'data', 3 * p.data) for p in model.parameters()],
    'weights x30': lambda model: [setattr(p, 'data', 30 * p.data) for p in model.parameters()],
    'logits +1000': lambda model: [setattr(n.b, 'data', n.b.data + 1000.0) for n in model.layers[-1].neurons],
    'logits -1000': lambda model: [setattr(n.b, 'data', n.b.data - 1000.0) for n in model.layers[-1].neurons],
    'one class +1000': lambda model: setattr(model.layers[-1].neurons[0].b, 'data', 1000.0),
    'one class -1000': lambda model: setattr(model.layers[-1].neurons[1].b, 'data', -1000.0),
    'two classes -1000 and +1000': lambda model: [setattr(n.b, 'data', b) for n, b in
                                                  zip(model.layers[-1].neurons, [-1000.0, 0.0, 1000.0])],
}


@pytest.mark.parametrize('targets', ['indices', 'one-hot rows'])
@pytest.mark.parametrize('strategy', ['flat', 'vector'])
@pytest.mark.parametrize('change', sorted(CHANGES))
def test_a_cross_entropy_replay_gives_the_eager_loss_and_gradients_far_from_the_recorded_logits(change, strategy,
                                                                                                targets):
    model, points, labels = classifier()
    rows = labels if targets == 'indices' else [[float(k == y) for k in range(3)] for y in labels]

    def loss(xs):
        return Value.sum([cross_entropy(model(x), t) for x, t in zip(xs, rows)]) * (1.0 / len(xs))

    step = compiled(loss, points, strategy=strategy)
    CHANGES[change](model)
    params = model.parameters()
    model.zero_grad()
    expected = loss([[Value(x) for x in point] for point in points])
    expected.backward()
    expected_grads = [p.grad for p in params]
    model.zero_grad()
    found = step(points)
    step.backward()
    scale = max(1.0, abs(expected.data))
    assert math.isfinite(found) and abs(found - expected.data) <= 1e-12 * scale, (found, expected.data)
    for p, g in zip(params, expected_grads):
        assert abs(p.grad - g) <= 1e-12 * max(1.0, abs(g)) * scale, (p.grad, g)


def test_a_replay_that_stops_where_eager_runs_says_why_and_does_not_blame_correct_code():
    weights = [Value(0.5), Value(-0.3), Value(1.0)]

    def softmax(logits):  # microgpt's: the largest logit subtracted first, read as a number while recording
        largest = max(z.data for z in logits)
        exps = [(z - largest).exp() for z in logits]
        total = Value.sum(exps)
        return [e / total for e in exps]

    def loss(x):
        return -softmax([w * x for w in weights])[0].log()

    for strategy in ('flat', 'vector'):
        step = compiled(loss, 1.0, strategy=strategy)
        assert math.isfinite(loss(Value(1000.0)).data)
        with pytest.raises(StaleRecording) as stale:
            step(1000.0)  # the recorded shift, 1.0, is far from the largest logit now, 1000
        message = str(stale.value)
        assert 'subtract a maximum' not in message and 'epsilon' not in message
        assert 'OverflowError' in message and 'which loss itself does not raise' in message
        assert 'max(v.data for v in logits)' in message and 'losses.softmax' in message
        with pytest.raises(ValueError) as eager:
            loss(Value(-2000.0))  # here eager fails too: the replay raises its error, in its words
        with pytest.raises(ValueError) as replayed:
            step(-2000.0)
        assert str(replayed.value) == str(eager.value)
        assert step(3.0) == pytest.approx(loss(Value(3.0)).data, rel=1e-12)
