import copy
import json
import math
import pickle

import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.compiled.arrays import ValueArrays, arrays_of, is_bound
from micrograd_ext.learn.nn import MLP
from micrograd_ext.learn.optim import (SGD, Adam, AdamW, clip_grad_norm, constant, cosine_with_warmup, linear_decay,
                                 linear_warmup)


def params_with_grads(*pairs):
    params = [Value(d) for d, _ in pairs]
    for p, (_, g) in zip(params, pairs):
        p.grad = g
    return params


def test_sgd_by_hand_with_momentum_and_weight_decay():
    (p,) = params_with_grads((1.0, 0.5))
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step()  # g = 0.5 + 0.1*1.0 = 0.6; v = 0.6; p = 1 - 0.06
    assert p.data == pytest.approx(0.94)
    p.grad = 0.5
    opt.step()  # g = 0.5 + 0.094 = 0.594; v = 0.9*0.6 + 0.594 = 1.134; p = 0.94 - 0.1134
    assert p.data == pytest.approx(0.94 - 0.1134)


def test_first_adam_step_is_lr_times_the_sign_of_the_gradient():
    params = params_with_grads((1.0, 0.3), (-2.0, -5.0), (0.5, 1e-3))
    Adam(params, lr=0.1).step()
    assert [p.data for p in params] == pytest.approx([0.9, -1.9, 0.4], abs=1e-6)


def test_adam_second_step_by_hand():
    (p,) = params_with_grads((0.0, 1.0))
    opt = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=0.0)
    opt.step()
    p.grad = 3.0
    opt.step()
    m = 0.9 * 0.1 + 0.1 * 3.0
    v = 0.999 * 0.001 + 0.001 * 9.0
    expected = -0.1 - 0.1 * (m / (1 - 0.9 ** 2)) / math.sqrt(v / (1 - 0.999 ** 2))
    assert p.data == pytest.approx(expected)


def test_adamw_decays_weights_apart_from_the_gradient_step():
    (p,) = params_with_grads((2.0, 0.0))
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.data == pytest.approx(2.0 - 0.1 * 0.5 * 2.0)  # the Adam step is 0 for a zero gradient
    (q,) = params_with_grads((2.0, 0.0))
    Adam([q], lr=0.1, weight_decay=0.5).step()
    assert q.data == pytest.approx(2.0 - 0.1)  # L2 goes through Adam's normalisation: a full lr step


def test_optimizers_converge_on_a_small_problem():
    for make in (lambda ps: SGD(ps, lr=0.1, momentum=0.5), lambda ps: Adam(ps, lr=0.1), lambda ps: AdamW(ps, lr=0.1)):
        x, y = Value(3.0), Value(-2.0)
        opt = make([x, y])
        for _ in range(300):
            loss = (x - 1) ** 2 + (y + 0.5) ** 2 + x * y * 0.1
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert x.data == pytest.approx(1.0, abs=0.06) and y.data == pytest.approx(-0.5, abs=0.06)


def test_a_nan_gradient_updates_nothing():
    params = params_with_grads((1.0, 0.5), (2.0, math.nan))
    with pytest.raises(ValueError, match='parameter 1 has gradient nan; no parameter was updated'):
        SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0, 2.0]


def test_bad_optimizer_arguments():
    with pytest.raises(ValueError, match='lr must be a positive number'):
        SGD([Value(1.0)], lr=-1)
    with pytest.raises(TypeError, match='non-empty list of Values'):
        Adam([1.0])
    with pytest.raises(ValueError, match='betas'):
        Adam([Value(1.0)], betas=(1.0, 0.9))


def test_clip_grad_norm_returns_the_norm_before_clipping():
    params = params_with_grads((0.0, 3.0), (0.0, 4.0))
    assert clip_grad_norm(params, 10.0) == 5.0 and [p.grad for p in params] == [3.0, 4.0]
    assert clip_grad_norm(params, 2.5) == 5.0
    assert [p.grad for p in params] == pytest.approx([1.5, 2.0])
    with pytest.raises(ValueError, match='max_norm must be positive'):
        clip_grad_norm(params, 0)


def test_schedules():
    assert [constant(0.1)(k) for k in (0, 50)] == [0.1, 0.1]
    assert [linear_warmup(1.0, 4)(k) for k in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    micrograd = linear_decay(1.0, 0.1, 100)
    assert all(micrograd(k) == pytest.approx(1.0 - 0.9 * k / 100) for k in range(100))
    cosine = cosine_with_warmup(0.5, warmup_steps=10, total_steps=110, min_lr=0.1)
    assert cosine(0) == pytest.approx(0.05) and cosine(9) == pytest.approx(0.5)
    assert cosine(60) == pytest.approx(0.3) and cosine(110) == pytest.approx(0.1)
    with pytest.raises(ValueError, match='must exceed warmup_steps'):
        cosine_with_warmup(1.0, 10, 5)


def test_a_schedule_drives_any_optimizer_and_state_resumes_exactly():
    (p,) = params_with_grads((1.0, 1.0))
    opt = SGD([p], lr=linear_decay(1.0, 0.1, 10))
    lrs = []
    for _ in range(3):
        lrs.append(opt.current_lr)
        opt.step()
    assert lrs == pytest.approx([1.0, 0.91, 0.82])
    a, b = params_with_grads((1.0, 0.2)), params_with_grads((1.0, 0.2))
    first = Adam(a, lr=0.1)
    first.step()
    second = Adam(b, lr=0.1)
    second.load_state_dict(first.state_dict())
    b[0].data = a[0].data
    first.step()
    second.step()
    assert a[0].data == b[0].data


# ---- parameters bound to NumPy arrays (micrograd_ext.compiled.arrays): the same numbers, as array operations --------

OPTIMIZERS = {
    'sgd': lambda ps: SGD(ps, lr=0.05),
    'sgd-momentum-decay-cosine': lambda ps: SGD(ps, lr=cosine_with_warmup(0.1, 3, 20), momentum=0.9, weight_decay=0.01),
    'adam-l2-warmup': lambda ps: Adam(ps, lr=linear_warmup(0.01, 5), weight_decay=0.1),
    'adamw-cosine': lambda ps: AdamW(ps, lr=cosine_with_warmup(0.02, 3, 20, min_lr=0.001), weight_decay=0.1),
}


def bind(params, groups: int, seed: int = 0) -> None:
    """Bind ``params`` in one ValueArrays, or split in another order across several."""
    if groups == 1:
        ValueArrays(params)
        return
    order = np.random.default_rng(seed).permutation(len(params))
    for chunk in np.array_split(order, groups):
        ValueArrays([params[i] for i in chunk])


def train_side_by_side(make, groups: int, steps: int = 20, bind_at: int = 0, release_at: int = -1):
    """An eager model and its twin whose parameters get bound (after the optimizer is made, as a compiled step
    binds them), given the same gradients each step, with clipping; returns both sides' data and state."""
    eager_model, bound_model = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=0)
    eager_params, bound_params = eager_model.parameters(), bound_model.parameters()
    eager_opt, bound_opt = make(eager_params), make(bound_params)
    rng = np.random.default_rng(1)
    for step in range(steps):
        if step == bind_at:
            bind(bound_params, groups)
        if step == release_at:
            released = {id(arrays_of(p)): arrays_of(p) for p in bound_params}
            for arrays in released.values():
                arrays.release()
        eager_opt.zero_grad()
        bound_opt.zero_grad()
        assert all(p.grad == 0.0 for p in bound_params)
        grads = rng.normal(size=len(eager_params)) * (3.0 if step % 3 == 0 else 0.1)
        for p, q, g in zip(eager_params, bound_params, grads.tolist()):
            p.grad = q.grad = g
        assert clip_grad_norm(bound_params, 1.0) == pytest.approx(clip_grad_norm(eager_params, 1.0), rel=1e-14)
        eager_opt.step()
        bound_opt.step()
        if bind_at <= step < release_at or (bind_at <= step and release_at < 0):
            assert bound_opt._located() is not None  # updated as arrays
    return ([p.data for p in eager_params], eager_opt.state_dict()), ([p.data for p in bound_params],
                                                                       bound_opt.state_dict())


@pytest.mark.parametrize('groups', [1, 3])
@pytest.mark.parametrize('name', OPTIMIZERS)
def test_bound_parameters_are_updated_as_arrays_with_the_eager_numbers(name, groups):
    (eager_data, eager_state), (bound_data, bound_state) = train_side_by_side(OPTIMIZERS[name], groups)
    assert bound_data == pytest.approx(eager_data, rel=1e-12, abs=0)
    assert eager_state.keys() == bound_state.keys() and eager_state['steps'] == bound_state['steps'] == 20
    for key in eager_state.keys() - {'steps'}:
        assert all(type(x) is float for x in bound_state[key])  # JSON-friendly lists in both modes
        assert bound_state[key] == pytest.approx(eager_state[key], rel=1e-12, abs=0)


@pytest.mark.parametrize('name', OPTIMIZERS)
def test_binding_and_releasing_midway_carries_the_optimizer_state_over(name):
    (eager_data, eager_state), (bound_data, bound_state) = train_side_by_side(OPTIMIZERS[name], 1, steps=15,
                                                                               bind_at=4, release_at=10)
    assert bound_data == pytest.approx(eager_data, rel=1e-12, abs=0)
    assert bound_state.keys() == eager_state.keys() and bound_state['steps'] == eager_state['steps'] == 15
    for key in eager_state.keys() - {'steps'}:
        assert isinstance(bound_state[key], list)
        assert bound_state[key] == pytest.approx(eager_state[key], rel=1e-12, abs=0)


def test_a_nan_gradient_updates_no_bound_parameter():
    params = params_with_grads((1.0, 0.5), (2.0, 0.25), (3.0, -math.inf))
    arrays = ValueArrays(params)
    opt = Adam(params, lr=0.1)
    with pytest.raises(ValueError, match='parameter 2 has gradient -inf; no parameter was updated'):
        opt.step()
    assert arrays.data.tolist() == [1.0, 2.0, 3.0] and opt.steps == 0 and list(opt.m) == [0.0] * 3


def test_optimizer_state_loads_across_list_and_array_modes():
    for save_bound, load_bound in [(True, False), (False, True)]:
        a, b = params_with_grads((1.0, 0.2), (-1.0, 0.3)), params_with_grads((1.0, 0.2), (-1.0, 0.3))
        if save_bound:
            ValueArrays(a)
        if load_bound:
            ValueArrays(b)
        first, second = AdamW(a, lr=0.1), AdamW(b, lr=0.1)
        first.step()
        second.step()  # into array mode, if bound
        second.load_state_dict(json.loads(json.dumps(first.state_dict())))
        first.step()
        second.step()
        assert [p.data for p in a] == [p.data for p in b] and second.state_dict() == first.state_dict()


def test_repeated_parameters_and_custom_rules_keep_the_loop():
    class HalfSGD(SGD):
        def _update(self, lr):
            for p in self.params:
                p.data -= 0.5 * lr * p.grad

    repeated = params_with_grads((1.0, 1.0))
    ValueArrays(repeated)
    mine = params_with_grads((1.0, 1.0))
    ValueArrays(mine)
    for opt in (SGD(repeated * 2, lr=0.1), HalfSGD(mine, lr=0.1)):
        opt.step()
        assert opt._located() is None and isinstance(opt.velocity, list)
    assert repeated[0].data == 0.8 and mine[0].data == 0.95


def test_parameters_a_compiled_step_left_unbound_are_bound_with_the_others():
    some = params_with_grads((1.0, 1.0), (2.0, 1.0))  # a step bound the first only (a position it has not seen)
    ValueArrays(some[:1])
    opt = SGD(some, lr=0.1)
    opt.step()
    assert opt._located() is not None and all(map(is_bound, some)) and isinstance(opt.velocity, np.ndarray)
    assert [p.data for p in some] == [0.9, 1.9]


def test_clip_grad_norm_on_bound_parameters():
    params = params_with_grads((0.0, 3.0), (0.0, 4.0))
    arrays = ValueArrays(params)
    assert clip_grad_norm(params, 10.0) == 5.0 and arrays.grad.tolist() == [3.0, 4.0]
    assert clip_grad_norm(params, 2.5) == 5.0 and arrays.grad.tolist() == [3.0 * 2.5 / 5.0, 4.0 * 2.5 / 5.0]


@pytest.mark.filterwarnings('ignore::micrograd_ext.TrainingSlipWarning')  # steps without zero_grad(), on purpose
def test_copies_of_an_optimizer_on_bound_parameters_train_alone():
    model = MLP(2, [3, 1], seed=0)
    opt = Adam(model.parameters(), lr=0.1)
    ValueArrays(model.parameters())
    opt.zero_grad()
    model([1.0, 2.0]).backward()
    opt.step()
    for twin_model, twin_opt in (copy.deepcopy((model, opt)), pickle.loads(pickle.dumps((model, opt)))):
        assert all(arrays_of(p) is arrays_of(twin_model.parameters()[0]) is not None for p in twin_model.parameters())
        assert arrays_of(twin_model.parameters()[0]) is not arrays_of(model.parameters()[0])
        twin_model([1.0, 2.0]).backward()
        twin_opt.step()
        assert twin_opt._located() is not None and twin_opt.steps == 2 and opt.steps == 1
        assert twin_model.state_dict() != model.state_dict()
    model([1.0, 2.0]).backward()
    opt.step()
    assert twin_model.state_dict() == model.state_dict()
