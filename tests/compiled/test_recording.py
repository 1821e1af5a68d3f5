"""compiled(): record once, replay with new data; the same losses and gradients as the eager engine."""
import math
import random
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ext import RecordingWarning, ReplayError, StaleRecording, Value, compiled, no_grad
from micrograd_ext.learn.nn import MLP

from ..strategies import programs, run
from ..core.test_micrograd_idioms import sin


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


def eager(fn, params, *args):
    """The loss and the parameters' gradients of one eager pass (grads zeroed first)."""
    for p in params:
        p.grad = 0.0
    loss = fn(*args)
    loss.backward()
    return loss.data, [p.grad for p in params]


def replayed(step, params, *args):
    for p in params:
        p.grad = 0.0
    loss = step(*args)
    step.backward()
    return loss, [p.grad for p in params]


@settings(max_examples=150, deadline=None)
@given(programs(), st.lists(st.floats(-2, 2), min_size=4, max_size=4), st.sampled_from(['vector', 'flat']))
def test_random_graphs_replayed_on_new_data_equal_the_eager_engine_there(program, new_values, strategy):
    values, steps = program
    leaves = [Value(v) for v in values]
    step = compiled(lambda: run(steps, *leaves), strategy=strategy)
    for leaf, v in zip(leaves, new_values):  # the captured Values change, as an optimizer changes them
        leaf.data = v
    try:
        expected_loss, expected = eager(lambda: run(steps, *leaves), leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        return
    loss, found = replayed(step, leaves)
    assert close(loss, expected_loss)
    assert all(close(a, b, 1.0 + abs(expected_loss)) for a, b in zip(found, expected)), (found, expected)


def demo_step_function(model, X, y):
    """micrograd's demo loss: SVM max-margin on the scores plus 1e-4 L2, written as in its notebook."""
    def loss(points):
        scores = [model(x) for x in points]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + 1e-4 * sum(p * p for p in model.parameters())
    return loss


@pytest.mark.parametrize('strategy', ['vector', 'flat'])
def test_training_micrograds_demo_with_a_replay_gives_the_eager_losses_and_gradients(strategy):
    from micrograd_ext.learn.datasets import make_moons
    X, y = make_moons(30, noise=0.1, seed=3)
    y = (2 * y - 1).tolist()
    twins = [MLP(2, [8, 8, 1], seed=5), MLP(2, [8, 8, 1], seed=5)]
    fn = [demo_step_function(m, X, y) for m in twins]
    step = compiled(fn[1], X, strategy=strategy)
    for k in range(5):
        expected_loss, expected = eager(fn[0], twins[0].parameters(), [[Value(a) for a in row] for row in X])
        loss, found = replayed(step, twins[1].parameters(), X)
        assert close(loss, expected_loss) and all(close(a, b) for a, b in zip(found, expected)), k
        for model in twins:
            for p in model.parameters():
                p.data -= 0.5 * p.grad
    assert any(g != 0.0 for g in found)  # relu gates changed during training, and the replay followed


def test_backward_accumulates_into_the_captured_values_as_eager_backward_does():
    w = Value(0.5)
    step = compiled(lambda x: (w * x - 1.0) ** 2, 3.0)
    assert step(4.0) == 1.0
    step.backward()
    step.backward()
    assert w.grad == 16.0  # 8 twice, as calling loss.backward() twice
    w.grad = 0.0
    w.data = 1.0
    assert step(2.0) == 1.0 and (step.backward(), w.grad)[1] == 4.0  # reads w's data now


def test_relu_and_abs_are_recomputed_at_each_replay_and_block_as_in_the_eager_engine():
    w = Value(1.0)
    step = compiled(lambda x: (w * x).relu() + abs(w - x), 2.0)
    for x, expected in [(2.0, 2.0 - 1.0), (-2.0, 0.0 + 1.0), (0.5, 0.5 + 1.0)]:  # d/dw: x [w x > 0] + sign(w - x)
        w.grad = 0.0
        step(x)
        step.backward()
        assert w.grad == expected, x
    w.grad = 0.0
    inf_step = compiled(lambda: (w * -1.0).relu() * math.inf, strategy='vector')
    inf_step()
    inf_step.backward()
    assert w.grad == 0.0  # relu below 0 blocks even an infinite gradient, as eager backward()


def test_arguments_arrive_in_the_shapes_they_were_given():
    seen = []

    def fn(xs, matrix, scalar):
        seen.append((type(xs), type(matrix), matrix.shape, type(scalar)))
        return Value.sum(xs) * scalar + Value.sum(matrix)

    step = compiled(fn, [1.0, 2.0], np.ones((2, 3)), 2.0)
    assert seen == [(list, np.ndarray, (2, 3), Value)]
    assert step([1.0, 1.0], np.zeros((2, 3)), 3.0) == 6.0 and len(seen) == 1  # replayed, not called


def test_wrong_arguments_are_clear_errors_that_say_what_to_do():
    step = compiled(lambda xs: Value.sum(xs), [1.0, 2.0])
    with pytest.raises(TypeError, match='recorded with 1 argument'):
        step([1.0, 2.0], 5.0)
    with pytest.raises(TypeError, match='argument 1 must be a number, a .* list of numbers or a NumPy array'):
        step(['a', 'b'])
    with pytest.raises(RuntimeError, match=r'call the step first'):
        compiled(lambda: Value(1.0) * 2).backward()
    with pytest.raises(TypeError, match='must return a Value'):
        compiled(lambda x: 3.0, 1.0)
    with no_grad(), pytest.raises(RuntimeError, match='outside the no_grad'):
        compiled(lambda x: x * 2, 1.0)


def test_ops_without_a_replay_form_are_refused_naming_the_op():
    with pytest.raises(ReplayError, match="'sin' node: it has its own _backward closure"):
        compiled(lambda x: sin(x) * 2, 1.0)
    with pytest.raises(ReplayError, match="'twice' node: its local derivatives were given by hand"):
        compiled(lambda x: Value(2 * x.data, (x,), 'twice', (2.0,)), 1.0)


def test_comparing_values_while_recording_warns_at_the_users_line():
    w = Value(0.5)
    with pytest.warns(RecordingWarning, match='compared Values or turned them into numbers while being recorded .* keeps the branch') as caught:
        compiled(lambda x: max(x, w) * 2, 1.0)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        compiled(lambda x: (x * w).relu(), 1.0)  # no comparison: no warning


def test_a_replay_outside_an_ops_domain_raises_the_eager_error():
    w = Value(2.0)
    step = compiled(lambda x: (w * x).log(), 1.0)
    assert step(0.5) == 0.0
    with pytest.raises(ValueError, match=r'log\(-1.0\): log needs a positive input'):
        step(-0.5)


def test_outputs_after_the_loss_are_read_back_in_their_shapes():
    model = MLP(2, [3, 2], seed=0)

    def fn(points):
        scores = [model(x) for x in points]
        return Value.sum([s for row in scores for s in row]), scores

    X = [[0.5, -1.0], [2.0, 0.25]]
    step = compiled(fn, X)
    step([[1.0, 1.0], [0.0, 3.0]])
    expected = [[s.data for s in model([1.0, 1.0])], [s.data for s in model([0.0, 3.0])]]
    assert np.allclose(step.outputs[0], expected, rtol=1e-13, atol=0)


def test_constants_only_the_graph_holds_are_read_once_and_shared_values_every_step():
    w = Value(3.0)
    step = compiled(lambda x: w * x * 2.0 + 1.0, 1.0)
    assert step.watched == [w]  # not the 2.0 and the 1.0
    assert 'linear' not in step.summary() and '1 captured Value\n' in step.summary()


def test_a_model_is_replayed_as_matrix_products_and_the_summary_says_so():
    random.seed(0)
    model = MLP(2, [4, 1])
    step = compiled(lambda X: Value.sum([model(x) for x in X]), np.zeros((10, 2)), strategy='vector')
    assert step.summary().count('linear (matmul)') == 2
    assert repr(step).startswith('<compiled <lambda>:') and 'NumPy operations' in repr(step)


def test_a_chain_of_a_hundred_thousand_ops_is_recorded_and_replayed_without_recursion():
    def chain(x):
        y = x
        for _ in range(50_000):
            y = y * 1.0001 + 0.0001
        return y

    x = Value(1.0)
    expected = chain(x)
    expected.backward()
    step = compiled(chain, 1.0)
    assert step.program.strategy == 'flat'
    assert step(1.0) == expected.data


def test_check_tells_when_the_function_no_longer_builds_the_recorded_graph():

    w = Value(0.5)
    params, labels = [w], [1.0, -1.0]
    branchy = compiled(lambda x: (x * params[0]).relu() if x.data > 0 else (x * params[0]).tanh(), 1.0)
    branchy.check(2.0)  # the same branch: fine
    with pytest.raises(StaleRecording, match=r'builds another graph .* took another branch\); record it again'):
        branchy.check(-1.0)
    params[0] = Value(0.5)
    with pytest.raises(StaleRecording, match='reads other Values than the 1 recorded .* replaced'):
        branchy.check(2.0)
    labelled = compiled(lambda xs: Value.sum([x * t for x, t in zip(xs, labels)]), [1.0, 2.0])
    labels[1] = 1.0
    with pytest.raises(StaleRecording, match='other constants .* a list of labels'):
        labelled.check([1.0, 2.0])


def test_the_probes_findings_stay_fixed():
    """Hand-made nodes under a table name, a failed step, bad arguments, float() while recording."""
    w = Value(2.0)
    with pytest.raises(ReplayError, match=r"the '\+' node: its local derivatives were given by hand"):
        compiled(lambda x: Value((w * x).data + 5.0, (w * x,), '+', (1.0,)), 3.0)
    with pytest.raises(ReplayError, match="the 'neg' node: its local derivatives were given by hand"):
        compiled(lambda x: Value(1.0 - x.data, (x,), 'neg', (-1.0,)), 3.0)
    step = compiled(lambda x: (w * x).log() * w, 2.0)
    step(2.0)
    with pytest.raises(ValueError, match='log needs a positive input'):
        step(-2.0)
    with pytest.raises(RuntimeError, match='call the step first'):
        step.backward()  # the failed step left nothing to go back through
    for bad in [None, '3', 1 + 2j, [w]]:
        with pytest.raises(TypeError, match='must be a number'):
            step(bad)
    with pytest.warns(RecordingWarning, match='turned them into numbers'):
        compiled(lambda x: Value(math.exp(round(x, 12))) * w, 1.0)
    with pytest.raises(TypeError, match='a tuple whose first item is float'):
        compiled(lambda x: (1.0, x), 1.0)


def test_check_ignores_constants_that_a_stored_graph_keeps_alive_and_compares_shapes_first():
    w, last = Value(1.0), {}

    def fn(x):
        last['loss'] = loss = (w * x + 2.0) ** 2
        return loss

    step = compiled(fn, 3.0)
    step.check(3.0)  # the 2.0 of the old graph is alive in `last`, but it is a constant, not a replaced parameter
    with pytest.raises(StaleRecording, match=r'the arguments have the shapes \[\(2,\)\], the recordings \[\[\(\)\]\]; '
                                             r'call the step with them'):
        step.check([1.0, 2.0])


def test_binary_cross_entropy_replays_far_from_where_it_was_recorded():
    from micrograd_ext.learn.losses import binary_cross_entropy
    z = Value(0.5)
    step = compiled(lambda t: binary_cross_entropy([z * 1.0], t), [1.0])
    for logit in (-800.0, -3.0, 40.0, 900.0):
        z.data, z.grad = logit, 0.0
        eager = binary_cross_entropy([z * 1.0], [1.0])
        eager.backward()
        expected = z.grad
        z.grad = 0.0
        assert close(step([1.0]), eager.data) and (step.backward(), close(z.grad, expected))[1], logit
