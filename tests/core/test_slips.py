"""Training-loop slips (core/slips.py): backward() again on a graph whose inputs changed, and backward() adding to the
gradients the last optimizer step used, each a TrainingSlipWarning at the user's line; correct loops stay silent."""
import warnings

import pytest

from micrograd_ext import TrainingSlipWarning, Value
from micrograd_ext.learn.nn import MLP
from micrograd_ext.learn.optim import SGD, Adam

POINTS = [([1.0, 2.0], 1.0), ([-1.0, 0.5], -1.0)]


def squared_error(model, x, y):
    return (model(x) - y) ** 2


def loop(optimizer, model, steps, zero='optimizer'):
    """A training loop; ``zero`` names who zeroes the grads (None: nobody, the slip)."""
    for step in range(steps):
        for x, y in POINTS:
            loss = squared_error(model, x, y)
            if zero == 'optimizer':
                optimizer.zero_grad()
            elif zero == 'model':
                model.zero_grad()
            elif zero == 'loss':
                loss.zero_grad()
            elif zero == 'by hand':  # the lecture's way: for p in model.parameters(): p.grad = 0
                for p in model.parameters():
                    p.grad = 0
            loss.backward()
            optimizer.step()
    return loss


@pytest.mark.parametrize('optimizer_class', [SGD, Adam])
def test_a_loop_without_zero_grad_warns_once_at_the_backward_with_the_fix(optimizer_class):
    model = MLP(2, [3, 1])
    optimizer = optimizer_class(model.parameters(), lr=0.01)
    with pytest.warns(TrainingSlipWarning, match=r"backward\(\) added to gradients that still held those the last "
                                                 r"optimizer step used.*zero_grad\(\).*simplefilter\('ignore'") as caught:
        loop(optimizer, model, 3, zero=None)
    slips = [w for w in caught if w.category is TrainingSlipWarning]
    assert len(slips) == 1 and slips[0].filename == __file__  # once, and at the user's line


@pytest.mark.parametrize('zero', ['optimizer', 'model', 'loss', 'by hand'])
def test_a_loop_that_zeroes_the_gradients_stays_silent(zero):
    model = MLP(2, [3, 1])
    optimizer = SGD(model.parameters(), lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter('error', TrainingSlipWarning)
        loop(optimizer, model, 3, zero=zero)


def test_accumulating_several_backward_passes_into_one_step_is_not_a_slip():
    model = MLP(2, [3, 1])
    optimizer = SGD(model.parameters(), lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter('error', TrainingSlipWarning)
        for _ in range(3):
            optimizer.zero_grad()
            for x, y in POINTS:
                squared_error(model, x, y).backward()  # one step over the sum of both examples' gradients
            optimizer.step()


def test_backward_again_after_the_weights_changed_warns_and_says_to_run_the_forward_pass():
    w = Value(2.0)
    loss = w * w * 3
    loss.backward()
    assert w.grad == 12.0
    w.data -= 0.1 * w.grad  # a manual update, as micrograd's demo makes
    with pytest.warns(TrainingSlipWarning, match=r"backward\(\) runs again on a graph built before its inputs "
                                                 r"changed.*run the forward pass again") as caught:
        loss.backward()
    assert caught[0].filename == __file__
    assert w.grad == 24.0  # the warning does not change what backward() does


def test_backward_twice_on_an_unchanged_graph_accumulates_silently():
    w = Value(2.0)
    loss = w * w
    with warnings.catch_warnings():
        warnings.simplefilter('error', TrainingSlipWarning)
        loss.backward()
        loss.backward()
    assert w.grad == 8.0  # leaves accumulate, as in micrograd and PyTorch


def test_the_warning_is_silenced_by_its_category():
    w = Value(2.0)
    loss = w * w
    loss.backward()
    w.data = 5.0
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        warnings.simplefilter('ignore', TrainingSlipWarning)
        loss.backward()


def test_a_compiled_step_without_zero_grad_warns_too():
    from micrograd_ext import compiled
    model = MLP(2, [3, 1])
    optimizer = SGD(model.parameters(), lr=0.01)
    step = compiled(lambda x: squared_error(model, x, 1.0), [1.0, 2.0])
    with pytest.warns(TrainingSlipWarning, match='still held those the last optimizer step used'):
        for _ in range(2):
            step([1.0, 2.0])
            step.backward()
            optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter('error', TrainingSlipWarning)
        for _ in range(2):
            step([1.0, 2.0])
            optimizer.zero_grad()
            step.backward()
            optimizer.step()


def test_a_backward_pass_that_does_not_reach_the_stepped_parameters_stays_silent():
    first, second = MLP(2, [3, 1]), MLP(2, [3, 1])
    optimizer = SGD(first.parameters(), lr=0.01)
    squared_error(first, [1.0, 2.0], 1.0).backward()
    optimizer.step()  # first's grads are not zeroed: a slip only if a pass adds to them
    with warnings.catch_warnings():
        warnings.simplefilter('error', TrainingSlipWarning)
        squared_error(second, [1.0, 2.0], 1.0).backward()
