"""A small training loop for classifiers on 2-D data sets, as used by ``micrograd-ext train`` and the notebooks.

>>> from micrograd_ext.learn.datasets import make_moons
>>> from micrograd_ext.learn.nn import MLP
>>> from micrograd_ext.learn.optim import Adam
>>> X, y = make_moons(20, noise=0.1, seed=0)
>>> model = MLP(2, [8, 1], seed=0)
>>> log = fit(model, X, y, Adam(model.parameters(), lr=0.05), steps=30)
>>> log.losses[-1] < log.losses[0]
True
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.training')

import numpy as np

from . import losses
from ..core.engine import Value
from ..core.modes import no_grad
from .nn import Module
from .optim import Optimizer, clip_grad_norm
from ..compiled.recording import Compiled

LOSSES = ('hinge', 'bce', 'cross_entropy', 'mse')


@dataclass
class TrainingLog:
    """Per step: loss, accuracy on the batch, learning rate, and gradient norm before clipping (None without it)."""
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    learning_rates: list[float] = field(default_factory=list)
    grad_norms: list[float | None] = field(default_factory=list)


def outputs_needed(loss: str, n_classes: int) -> int:
    """How many outputs the model's last layer needs for ``loss``."""
    return n_classes if loss == 'cross_entropy' else 1


def batch_loss(model: Module, X, y, loss: str = 'hinge', alpha: float = 1e-4) -> tuple[Value, float]:
    """(loss + alpha * L2 of the parameters, accuracy) on the examples ``X`` with class labels ``y``."""
    check_loss(loss)
    targets = targets_for(y, loss, classes_of(model, X, loss))
    total, outputs = loss_on(model, [[Value(float(v)) for v in row] for row in X], targets, loss, alpha)
    return total, accuracy(numbers(outputs), y, loss)


def check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")


def targets_for(y, loss: str, classes: int) -> np.ndarray:
    """What the loss compares the outputs with: labels -1/+1 (hinge, mse), 0/1 (bce), one-hot rows of ``classes``
    numbers (cross_entropy)."""
    labels = np.asarray(y).astype(int)
    if loss == 'cross_entropy':
        return np.eye(classes)[labels]
    return labels.astype(float) if loss == 'bce' else 2.0 * labels - 1.0


def classes_of(model: Module, X, loss: str) -> int:
    """How many classes the model's outputs stand for: its output count for cross_entropy, else 2 (one score)."""
    if loss != 'cross_entropy':
        return 2
    with no_grad():
        return len(model([float(v) for v in X[0]]))


def loss_on(model: Module, points, targets, loss: str, alpha: float) -> tuple[Value, list]:
    """(loss + alpha * L2, the model's outputs) for points and targets (rows of Values or numbers).

    The one definition of a batch's loss graph: ``fit`` builds it every step, or records it once with
    ``compiled=True``.
    """
    outputs = [model(list(x)) for x in points]
    if loss == 'cross_entropy':
        data_loss = Value.sum([losses.cross_entropy(out, list(t)) for out, t in zip(outputs, targets)]) * (1 / len(outputs))
    elif loss == 'hinge':
        data_loss = losses.hinge_loss(outputs, list(targets))
    elif loss == 'bce':
        data_loss = losses.binary_cross_entropy(outputs, list(targets))
    else:
        data_loss = losses.mse_loss(outputs, list(targets))
    total = data_loss + losses.l2_regularization(model.parameters(), alpha) if alpha else data_loss
    return total, outputs


def fit(model: Module, X, y, optimizer: Optimizer, steps: int, loss: str = 'hinge', batch_size: int | None = None,
        clip: float | None = None, alpha: float = 1e-4, seed: int = 0,
        on_step: Callable[[int, TrainingLog], None] | None = None, compiled: bool = False) -> TrainingLog:
    """Train for ``steps`` steps of forward, backward, (clipping) and ``optimizer.step()``.

    ``compiled=True`` records the batch's graph once and replays it every step (``micrograd_ext.compiled.recording``):
    the same losses and gradients (to ~1e-15), many times faster.
    """
    check_loss(loss)
    rng = np.random.default_rng(seed)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    log, replay, classes = TrainingLog(), None, classes_of(model, X, loss)
    for step in range(steps):
        if batch_size and batch_size < len(y):
            pick = rng.permutation(len(y))[:batch_size]
            batch_X, batch_y = X[pick], y[pick]
        else:
            batch_X, batch_y = X, y
        if compiled:
            targets = targets_for(batch_y, loss, classes)
            if replay is None:
                replay = Compiled(lambda points, t: loss_on(model, points, t, loss, alpha), (batch_X, targets))
            loss_value, scores = replay(batch_X, targets), replay.outputs[0]
            optimizer.zero_grad()
            replay.backward()
        else:
            total, outputs = loss_on(model, [[Value(v) for v in row] for row in batch_X.tolist()],
                                     targets_for(batch_y, loss, classes), loss, alpha)
            loss_value, scores = total.data, numbers(outputs)
            optimizer.zero_grad()
            total.backward()
        norm = clip_grad_norm(model.parameters(), clip) if clip else None
        log.learning_rates.append(optimizer.current_lr)
        optimizer.step()
        log.losses.append(loss_value)
        log.accuracies.append(accuracy(scores, batch_y, loss))
        log.grad_norms.append(norm)
        if on_step:
            on_step(step, log)
    return log


def predict(model: Module, points: np.ndarray, loss: str = 'hinge') -> np.ndarray:
    """Class predictions for each row of ``points`` (used to draw decision boundaries)."""
    with no_grad():
        outputs = [model([float(a), float(b)]) for a, b in points]
    return np.array(predicted_classes(numbers(outputs), loss))


def numbers(outputs: list) -> list:
    """The model's outputs as numbers: one per point, or a list per point for several outputs."""
    return [[o.data for o in out] if isinstance(out, list) else out.data for out in outputs]


def predicted_classes(scores: list, loss: str) -> list[int]:
    """The class each output stands for: the largest logit for cross-entropy, else the sign of the score."""
    if loss == 'cross_entropy':
        return [max(range(len(out)), key=out.__getitem__) for out in scores]
    return [int(out > 0) for out in scores]


def accuracy(scores: list, labels, loss: str) -> float:
    """The fraction of points whose predicted class is their label."""
    return sum(p == int(c) for p, c in zip(predicted_classes(scores, loss), labels)) / len(labels)
