"""Optimizers (SGD, Adam, AdamW), learning-rate schedules and gradient clipping, PyTorch-style.

>>> from micrograd_ext import Value
>>> w = Value(1.0); w.grad = 0.5
>>> SGD([w], lr=0.1).step()
>>> w.data
0.95

When all of an optimizer's parameters live in NumPy arrays (``micrograd_ext.compiled.arrays``: a compiled step
binds the Values it captures), ``step()`` updates them as arrays, with the same float operations as the loop over
Values, so the numbers are the same; the optimizer notices at its next step when parameters are bound or released.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Union

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.optim')

import numpy as np

from ..compiled import arrays as value_arrays
from ..core import slips
from ..core.engine import Value

Schedule = Callable[[int], float]  # step number (0, 1, ...) -> learning rate
Buffer = Union[list, np.ndarray]  # one number per parameter: a list, or an array while the parameters are bound


class Optimizer:
    """Updates ``params`` from their ``.grad``; ``lr`` is a number or a schedule ``step -> lr``."""

    def __init__(self, params: Iterable[Value], lr: float | Schedule):
        self.params = list(params)
        if not self.params or not all(isinstance(p, Value) for p in self.params):
            raise TypeError("an optimizer needs a non-empty list of Values, e.g. model.parameters()")
        if not callable(lr) and not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"lr must be a positive number or a schedule function, got {lr!r}")
        self.lr = lr
        self.steps = 0  # how many updates have been made
        self._where: value_arrays.Locations | None = None  # where the params are, while all live in arrays
        self._generation = -1  # value_arrays.generation when _where was looked up

    @property
    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses."""
        return self.lr(self.steps) if callable(self.lr) else float(self.lr)

    def zero_grad(self) -> None:
        where = self._located()
        if where is not None:
            where.fill(0.0, 'grad')
            return
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """One update of every parameter; nothing changes if any gradient is NaN or infinite. The next backward
        pass warns (``TrainingSlipWarning``) if it would add to the gradients this step used: no ``zero_grad()``."""
        where = self._located()
        if where is not None:
            grad = where.read('grad').copy()
            finite = np.isfinite(grad)
            if not finite.all():
                i = int(np.argmin(finite))
                raise ValueError(not_finite(i, grad.item(i)))
            where.write(self._update_arrays(self.current_lr, where.read('data'), grad))
            self.steps += 1
            slips.stepped(self, lambda: where.read('grad').tolist() if where.valid else [], grad.tolist())
            return
        used = [p.grad for p in self.params]
        for i, g in enumerate(used):
            if not math.isfinite(g):
                raise ValueError(not_finite(i, g))
        self._update(self.current_lr)
        self.steps += 1
        slips.stepped(self, lambda: [p.grad for p in self.params], used)

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    def _update_arrays(self, lr: float, data: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``_update`` on arrays (one element per parameter, not to be changed in place): the new data."""
        raise NotImplementedError

    def _located(self) -> value_arrays.Locations | None:
        """Where the params are when all of them live in arrays (then ``step()`` uses ``_update_arrays``), else
        None; looked up again when Values were bound or released since the last time, the buffers turned into
        arrays or lists to match."""
        if self._generation != value_arrays.generation:
            where = self._bound_together() if updates_arrays(type(self)) else None
            if (where is None) != (self._where is None):
                for name, buffer in self._buffers().items():  # each buffer is the attribute of its name
                    buffer = np.asarray(buffer).tolist() if where is None else np.array(buffer, dtype=np.float64)
                    setattr(self, name, buffer)
            self._where, self._generation = where, value_arrays.generation
        return self._where

    def _bound_together(self) -> value_arrays.Locations | None:
        """Where the params are in arrays, once a compiled step bound some of them: the others (rows a step has not
        used yet, such as later positions) are bound too, so that one update covers all of them."""
        if not any(map(value_arrays.is_bound, self.params)):
            return None
        try:
            return value_arrays.arrays_for(self.params)
        except ValueError:  # a parameter listed twice: the loop over Values handles it
            return None

    def state_dict(self) -> dict:
        """The optimizer's state as plain numbers (JSON-friendly), to resume training exactly."""
        return {'steps': self.steps, **{k: v.tolist() if isinstance(v, np.ndarray) else list(v)
                                        for k, v in self._buffers().items()}}

    def load_state_dict(self, state: dict) -> None:
        buffers = self._buffers()
        for name, buffer in buffers.items():
            if len(state.get(name, ())) != len(buffer):
                raise ValueError(f"optimizer state {name!r} does not fit {len(buffer)} parameters")
        for name, buffer in buffers.items():
            buffer[:] = [float(x) for x in state[name]]
        self.steps = int(state['steps'])

    def _buffers(self) -> dict[str, Buffer]:
        """The per-parameter state, each under the name of the attribute that holds it."""
        return {}


def not_finite(i: int, grad: float) -> str:
    return (f"parameter {i} has gradient {grad}; no parameter was updated "
            "(lower the learning rate, clip gradients, or look for a log of 0)")


def updates_arrays(cls: type) -> bool:
    """Whether the class that gives ``cls`` its ``_update`` gives it ``_update_arrays`` too (a subclass with a
    rule of its own, in ``_update`` only, keeps to the loop over Values)."""
    for klass in cls.__mro__:
        if '_update' in vars(klass):
            return '_update_arrays' in vars(klass)
    return False


class SGD(Optimizer):
    """``p -= lr * (g + weight_decay * p)``, with optional momentum (PyTorch's formulation)."""

    def __init__(self, params, lr: float | Schedule, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity: Buffer = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            if self.momentum:
                g = self.velocity[i] = self.momentum * self.velocity[i] + g
            p.data -= lr * g

    def _update_arrays(self, lr: float, data: np.ndarray, grad: np.ndarray) -> np.ndarray:
        g = grad + self.weight_decay * data
        if self.momentum:
            g = self.velocity = self.momentum * np.asarray(self.velocity) + g
        return data - lr * g

    def _buffers(self):
        return {'velocity': self.velocity}


class Adam(Optimizer):
    """Adam with bias correction; ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2)."""

    decoupled = False

    def __init__(self, params, lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m: Buffer = [0.0] * len(self.params)  # running mean of gradients
        self.v: Buffer = [0.0] * len(self.params)  # running mean of squared gradients

    def _update(self, lr: float) -> None:
        beta1, beta2 = self.betas
        t = self.steps + 1
        for i, p in enumerate(self.params):
            g = p.grad
            if self.decoupled:
                p.data -= lr * self.weight_decay * p.data
            else:
                g += self.weight_decay * p.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
            m_hat, v_hat = self.m[i] / (1 - beta1 ** t), self.v[i] / (1 - beta2 ** t)
            p.data -= lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def _update_arrays(self, lr: float, data: np.ndarray, grad: np.ndarray) -> np.ndarray:
        beta1, beta2 = self.betas
        t = self.steps + 1
        g = grad
        if self.decoupled:
            data = data - lr * self.weight_decay * data
        else:
            g = g + self.weight_decay * data
        m = self.m = beta1 * np.asarray(self.m) + (1 - beta1) * g
        v = self.v = beta2 * np.asarray(self.v) + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return data - lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def _buffers(self):
        return {'m': self.m, 'v': self.v}


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p -= lr * weight_decay * p`` apart from the Adam step."""

    decoupled = True

    def __init__(self, params, lr: float | Schedule = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(params, lr, betas, eps, weight_decay)


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Scale all gradients so their global L2 norm is at most ``max_norm``; returns the norm before.

    >>> a, b = Value(0.0), Value(0.0); a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm([a, b], 1.0), a.grad, b.grad
    (5.0, 0.6, 0.8)
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    params = list(params)
    where = value_arrays.locate(params)
    if where is not None:  # all in arrays: the same sum, left to right (sum()'s order; 3.12+ compensates it)
        grad = where.read('grad')
        norm = math.sqrt(np.add.accumulate(grad * grad)[-1].item()) if len(grad) else 0.0
        if norm > max_norm:
            where.write(grad * max_norm / norm, 'grad')
        return norm
    norm = math.sqrt(sum(p.grad * p.grad for p in params))
    if norm > max_norm:
        for p in params:
            p.grad = p.grad * max_norm / norm
    return norm


# ---- learning-rate schedules: functions step -> lr, usable with any optimizer ------------------------

def constant(lr: float) -> Schedule:
    """The same rate at every step."""
    return lambda step: lr


def linear_warmup(lr: float, warmup_steps: int) -> Schedule:
    """From lr / warmup_steps up to ``lr`` over the first ``warmup_steps`` steps, then ``lr``."""
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps cannot be negative, got {warmup_steps}")
    return lambda step: lr * min(1.0, (step + 1) / max(warmup_steps, 1))


def cosine_with_warmup(lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0) -> Schedule:
    """Linear warmup, then cosine decay from ``lr`` to ``min_lr`` at ``total_steps``.

    >>> schedule = cosine_with_warmup(1.0, warmup_steps=2, total_steps=10)
    >>> [round(schedule(k), 3) for k in (0, 1, 2, 6, 10)]
    [0.5, 1.0, 1.0, 0.5, 0.0]
    """
    if total_steps <= warmup_steps:
        raise ValueError(f"total_steps ({total_steps}) must exceed warmup_steps ({warmup_steps})")
    warmup = linear_warmup(lr, warmup_steps)

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return warmup(step)
        progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
        return min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
    return schedule


def linear_decay(lr_start: float = 1.0, lr_end: float = 0.1, total_steps: int = 100) -> Schedule:
    """micrograd demo's schedule ``1.0 - 0.9 * k / 100``: a straight line from ``lr_start`` to ``lr_end``."""
    return lambda step: lr_start - (lr_start - lr_end) * step / total_steps


# ---- the optimizers and schedules by name (what ``micrograd-ext train`` offers) -------------------------------

OPTIMIZERS: dict[str, type[Optimizer]] = {'sgd': SGD, 'adam': Adam, 'adamw': AdamW}

# each schedule made from (lr, warmup_steps, total_steps)
SCHEDULES: dict[str, Callable[[float, int, int], Schedule]] = {
    'constant': lambda lr, warmup_steps, total_steps: linear_warmup(lr, warmup_steps),
    'linear': lambda lr, warmup_steps, total_steps: linear_decay(lr, 0.1 * lr, total_steps),  # micrograd's, to 10%
    'cosine': cosine_with_warmup,
}
