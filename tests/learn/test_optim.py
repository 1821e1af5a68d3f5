import math

import pytest

from micrograd_ext import Value
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
