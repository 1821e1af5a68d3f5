"""The bank's third part, training: an SGD step, an Adam step with bias correction, warmup plus cosine,
gradient clipping and picking a learning rate. The right answers are what ``micrograd_ext.learn.optim`` computes."""
from __future__ import annotations

import math
import random

from ..core.engine import Value
from .exercises import check_learning_rate
from ..learn.optim import SGD, Adam, clip_grad_norm, cosine_with_warmup
from .bank_neurons import pick
from .exercise import Exercise, Mistake, Numbers, numeric


def parameters(data: list[float], grads: list[float]) -> list[Value]:
    params = [Value(x) for x in data]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def sgd_result(w: list[float], grad: list[float], lr: float) -> list[float]:
    params = parameters(w, grad)
    SGD(params, lr).step()
    return [p.data for p in params]


sgd_step = numeric(
    'sgd_step', 'An SGD step', 2, ('w_new',),
    lambda rng: {'w': [pick(rng, -2, 2) for _ in range(3)], 'grad': [pick(rng, -2, 2) for _ in range(3)],
                 'lr': rng.choice([0.1, 0.05, 0.2, 0.5])},
    task='Gradient descent moves every parameter a small step against its gradient: w_new = w - lr * grad. '
         'With w = {w}, grad = {grad} and lr = {lr}, compute the three new weights.',
    starter='w = {w}\ngrad = {grad}\nlr = {lr}\nw_new = [..., ..., ...]',
    solution='w = {w}\ngrad = {grad}\nlr = {lr}\nw_new = [wi - lr * gi for wi, gi in zip(w, grad)]',
    expected=lambda n: {'w_new': sgd_result(n['w'], n['grad'], n['lr'])},
    mistakes=[Mistake('that step goes uphill: subtract lr * grad (w - lr * grad), do not add it.',
                      lambda n: {'w_new': sgd_result(n['w'], [-g for g in n['grad']], n['lr'])}),
              Mistake('the learning rate is missing: the step is lr * grad, not grad.',
                      lambda n: {'w_new': sgd_result(n['w'], n['grad'], 1.0)})],
    hint='for each weight: w - lr * grad.')

BETAS, EPS = (0.9, 0.999), 1e-8


def adam_result(n: Numbers, correct: bool = True, steps_before: int | None = None) -> dict[str, float]:
    """m, v and the update (how much w goes down) of the Adam step ``n['t']``, with switches for the typical
    mistakes: no bias correction, or a correction for one step fewer."""
    p = parameters([n['w']], [n['grad']])[0]
    optimizer = Adam([p], lr=n['lr'], betas=BETAS, eps=EPS)
    t = n['t'] - 1 if steps_before is None else steps_before
    optimizer.load_state_dict({'steps': t, 'm': [n['m']], 'v': [n['v']]})
    optimizer.step()
    m, v = optimizer.m[0], optimizer.v[0]
    update = n['w'] - p.data if correct else n['lr'] * m / (math.sqrt(v) + EPS)
    return {'m_new': m, 'v_new': v, 'update': update}


def draw_adam(rng: random.Random) -> Numbers:
    """A state Adam can be in: m and v after the steps before t, from gradients drawn for them."""
    t = rng.choice([2, 3, 4])
    m = v = 0.0
    for _ in range(t - 1):
        g = pick(rng, -1, 1, 2, least=0.2)
        m, v = BETAS[0] * m + (1 - BETAS[0]) * g, BETAS[1] * v + (1 - BETAS[1]) * g * g
    return {'w': pick(rng, -1, 1, 2), 'grad': pick(rng, -1, 1, 2, least=0.2), 'm': float(f'{m:.4g}'),
            'v': float(f'{v:.4g}'), 't': t, 'lr': rng.choice([0.01, 0.05, 0.1])}


adam_step = numeric(
    'adam_step', 'An Adam step with bias correction', 3, ('m_new', 'v_new', 'update'), draw_adam,
    task='Adam keeps running means of the gradient (m) and of its square (v): m = b1*m + (1 - b1)*g, '
         'v = b2*v + (1 - b2)*g**2, corrects their bias towards 0 with m_hat = m / (1 - b1**t), v_hat = v / (1 - b2**t) '
         '(t counts the steps, this one included), and moves w down by update = lr * m_hat / (sqrt(v_hat) + eps). '
         'Before step t = {t}, after {t} - 1 steps, w = {w}, m = {m} and v = {v}; the gradient is now g = {grad}, '
         'with lr = {lr}, b1 = 0.9, b2 = 0.999, eps = 1e-8. Compute the new m and v, and the update.',
    starter='w, m, v, t = {w}, {m}, {v}, {t}\ng, lr, b1, b2, eps = {grad}, {lr}, 0.9, 0.999, 1e-8\n'
            'm_new = ...\nv_new = ...\nupdate = ...  # w_new = w - update',
    solution='import math\nw, m, v, t = {w}, {m}, {v}, {t}\ng, lr, b1, b2, eps = {grad}, {lr}, 0.9, 0.999, 1e-8\n'
             'm_new = b1 * m + (1 - b1) * g\nv_new = b2 * v + (1 - b2) * g ** 2\n'
             'm_hat, v_hat = m_new / (1 - b1 ** t), v_new / (1 - b2 ** t)\n'
             'update = lr * m_hat / (math.sqrt(v_hat) + eps)',
    expected=adam_result,
    mistakes=[Mistake('m_new = b1 * m + (1 - b1) * g: the old mean keeps the weight b1 = 0.9.',
                      lambda n: {'m_new': (1 - BETAS[0]) * n['m'] + BETAS[0] * n['grad']}),
              Mistake('v averages the squared gradient: v_new = b2 * v + (1 - b2) * g**2.',
                      lambda n: {'v_new': BETAS[1] * n['v'] + (1 - BETAS[1]) * n['grad']}),
              Mistake('the bias correction is missing: divide m_new by 1 - b1**t and v_new by 1 - b2**t first.',
                      lambda n: {'update': adam_result(n, correct=False)['update']}),
              Mistake('t counts this step too: the correction uses 1 - b1**t with t = the step being taken.',
                      lambda n: {'update': adam_result(n, steps_before=n['t'] - 2)['update']})],
    hint='compute m_new and v_new, then m_hat and v_hat, then lr * m_hat / (sqrt(v_hat) + eps).')


def schedule_result(n: Numbers, warmup_from_zero: bool = False, min_lr: float | None = None) -> dict[str, float]:
    schedule = cosine_with_warmup(n['lr'], n['warmup'], n['total'], n['min_lr'] if min_lr is None else min_lr)
    lr_a = n['lr'] * n['step_a'] / n['warmup'] if warmup_from_zero else schedule(n['step_a'])
    return {'lr_a': lr_a, 'lr_b': schedule(n['step_b'])}


def draw_schedule(rng: random.Random) -> Numbers:
    lr, warmup, total = rng.choice([0.1, 0.01, 0.003]), rng.choice([5, 10, 20]), rng.choice([100, 200])
    return {'lr': lr, 'min_lr': round(lr / 10, 6), 'warmup': warmup, 'total': total, 'step_a': rng.randrange(1, warmup - 1),
            'step_b': rng.randrange((warmup + total) // 2, total - 10)}  # late: min_lr matters there


warmup_cosine = numeric(
    'warmup_cosine', 'Warmup, then a cosine schedule', 2, ('lr_a', 'lr_b'), draw_schedule,
    task='Training often starts with a warmup: during the first `warmup` steps the rate grows linearly, '
         'lr * (step + 1) / warmup (steps count from 0); then it follows a cosine from lr down to min_lr: '
         'min_lr + (lr - min_lr) * 0.5 * (1 + cos(pi * progress)), where progress = (step - warmup) / (total - warmup). '
         'With lr = {lr}, min_lr = {min_lr}, warmup = {warmup} and total = {total}, give the rate at step {step_a} '
         '(lr_a) and at step {step_b} (lr_b).',
    starter='lr, min_lr, warmup, total = {lr}, {min_lr}, {warmup}, {total}\nlr_a = ...  # at step {step_a}\n'
            'lr_b = ...  # at step {step_b}',
    solution='import math\nlr, min_lr, warmup, total = {lr}, {min_lr}, {warmup}, {total}\n'
             'lr_a = lr * ({step_a} + 1) / warmup\nprogress = ({step_b} - warmup) / (total - warmup)\n'
             'lr_b = min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))',
    expected=schedule_result,
    mistakes=[Mistake('steps count from 0, so step s of the warmup uses lr * (s + 1) / warmup.',
                      lambda n: {'lr_a': schedule_result(n, warmup_from_zero=True)['lr_a']}),
              Mistake('the cosine ends at min_lr, not 0: min_lr + (lr - min_lr) * 0.5 * (1 + cos(pi * progress)).',
                      lambda n: {'lr_b': schedule_result(n, min_lr=0.0)['lr_b']})],
    hint='lr_a is in the warmup, lr_b in the cosine part: use each formula with its step.')


def clipped(grads: list[float], max_norm: float) -> list[float]:
    params = parameters([0.0] * len(grads), grads)
    clip_grad_norm(params, max_norm)
    return [p.grad for p in params]


def draw_clipping(rng: random.Random) -> Numbers:
    max_norm = rng.choice([0.5, 1.0, 2.0])
    while True:
        grads = [pick(rng, -3, 3) for _ in range(3)]
        if math.hypot(*grads) > 1.5 * max_norm and max(map(abs, grads)) > max_norm:
            return {'grads': grads, 'max_norm': max_norm}


clipping = numeric(
    'clipping', 'Clipping the gradient norm', 2, ('clipped',), draw_clipping,
    task='Clipping keeps one bad batch from throwing training off: when the gradients\' global norm '
         'sqrt(g1**2 + g2**2 + g3**2) exceeds max_norm, all of them are scaled by max_norm / norm. Clip '
         'grads = {grads} to max_norm = {max_norm}.',
    starter='grads = {grads}\nmax_norm = {max_norm}\nclipped = [..., ..., ...]',
    solution='import math\ngrads = {grads}\nmax_norm = {max_norm}\nnorm = math.sqrt(sum(g * g for g in grads))\n'
             'clipped = [g * max_norm / norm for g in grads] if norm > max_norm else grads',
    expected=lambda n: {'clipped': clipped(n['grads'], n['max_norm'])},
    mistakes=[Mistake('clipping by norm scales the whole vector, keeping its direction; it does not cut each entry '
                      'to [-max_norm, max_norm].',
                      lambda n: {'clipped': [max(-n['max_norm'], min(n['max_norm'], g)) for g in n['grads']]}),
              Mistake('that vector has norm 1: multiply by max_norm / norm, not 1 / norm.',
                      lambda n: {'clipped': clipped(n['grads'], 1.0)})],
    hint='compute norm = sqrt(g1**2 + g2**2 + g3**2), then multiply each gradient by max_norm / norm.')


def draw_bowl(rng: random.Random) -> Numbers:
    curvature = rng.choice([0.5, 1.0, 2.0, 5.0])
    return {'curvature': curvature, 'target': pick(rng, 1, 5, least=1), 'good_lr': round(0.25 / curvature, 3)}


learning_rate = Exercise(
    'learning_rate', 'Picking a learning rate', 2, ('learning_rate',), draw_bowl,
    task='Gradient descent starts at w = 0 on the loss {curvature} * (w - {target})**2. Pick a learning rate that '
         'brings the loss below 0.001 within 30 steps: too small crawls, too large overshoots and diverges.',
    starter='learning_rate = ...',
    solution='learning_rate = {good_lr}  # the gradient is 2 * {curvature} * (w - {target}): each step halves the error',
    verdict=lambda given, n, _: check_learning_rate(given['learning_rate'], 30, target=n['target'],
                                                 curvature=n['curvature']))

EXERCISES = [sgd_step, adam_step, warmup_cosine, clipping, learning_rate]
