"""A small training loop for classifiers on 2-D data sets, as used by ``micrograd-ext train`` and the notebooks.

>>> from micrograd_ext.datasets import make_moons
>>> from micrograd_ext.nn import MLP
>>> from micrograd_ext.optim import Adam
>>> X, y = make_moons(20, noise=0.1, seed=0)
>>> model = MLP(2, [8, 1], seed=0)
>>> log = fit(model, X, y, Adam(model.parameters(), lr=0.05), steps=30)
>>> log.losses[-1] < log.losses[0]
True
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import losses
from .engine import Value
from .modes import no_grad
from .nn import Module
from .optim import Optimizer, clip_grad_norm

LOSSES = ('hinge', 'bce', 'cross_entropy', 'mse')


@dataclass
class TrainingLog:
    """Per step: loss, accuracy on the batch, learning rate, and gradient norm before clipping."""
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    learning_rates: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)


def outputs_needed(loss: str, n_classes: int) -> int:
    """How many outputs the model's last layer needs for ``loss``."""
    return n_classes if loss == 'cross_entropy' else 1


def batch_loss(model: Module, X, y, loss: str = 'hinge', alpha: float = 1e-4) -> tuple[Value, float]:
    """(loss + alpha * L2 of the parameters, accuracy) on the examples ``X`` with class labels ``y``."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    outputs = [model([Value(float(v)) for v in row]) for row in X]
    labels = [int(c) for c in y]
    if loss == 'cross_entropy':
        data_loss = Value.sum([losses.cross_entropy(out, c) for out, c in zip(outputs, labels)]) * (1 / len(labels))
    else:
        if loss == 'hinge':
            data_loss = losses.hinge_loss(outputs, [2 * c - 1 for c in labels])
        elif loss == 'bce':
            data_loss = losses.binary_cross_entropy(outputs, labels)
        else:
            data_loss = losses.mse_loss(outputs, [2 * c - 1 for c in labels])
    accuracy = sum(p == c for p, c in zip(predicted_classes(outputs, loss), labels)) / len(labels)
    total = data_loss + losses.l2_regularization(model.parameters(), alpha) if alpha else data_loss
    return total, accuracy


def fit(model: Module, X, y, optimizer: Optimizer, steps: int, loss: str = 'hinge', batch_size: int | None = None,
        clip: float | None = None, alpha: float = 1e-4, seed: int = 0,
        on_step: Callable[[int, TrainingLog], None] | None = None) -> TrainingLog:
    """Train for ``steps`` steps of forward, backward, (clipping) and ``optimizer.step()``."""
    rng = np.random.default_rng(seed)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    log = TrainingLog()
    for step in range(steps):
        if batch_size and batch_size < len(y):
            pick = rng.permutation(len(y))[:batch_size]
            batch_X, batch_y = X[pick], y[pick]
        else:
            batch_X, batch_y = X, y
        total, accuracy = batch_loss(model, batch_X, batch_y, loss, alpha)
        optimizer.zero_grad()
        total.backward()
        norm = clip_grad_norm(model.parameters(), clip) if clip else None
        log.learning_rates.append(optimizer.current_lr)
        optimizer.step()
        log.losses.append(total.data)
        log.accuracies.append(accuracy)
        log.grad_norms.append(norm)
        if on_step:
            on_step(step, log)
    return log


def predict(model: Module, points: np.ndarray, loss: str = 'hinge') -> np.ndarray:
    """Class predictions for each row of ``points`` (used to draw decision boundaries)."""
    with no_grad():
        outputs = [model([float(a), float(b)]) for a, b in points]
    return np.array(predicted_classes(outputs, loss))


def predicted_classes(outputs: list, loss: str) -> list[int]:
    """The class each output stands for: the largest logit for cross-entropy, else the sign of the score."""
    if loss == 'cross_entropy':
        return [max(range(len(out)), key=lambda k: out[k].data) for out in outputs]
    return [int(out.data > 0) for out in outputs]
