"""Toy 2-D classification data sets made with NumPy alone (no scikit-learn), seeded and reproducible.

Each returns ``(X, y)``: ``X`` a float64 array of shape (n, 2), ``y`` an int array of class indices.
Rows feed a model directly (``model(list(x))``); for micrograd's SVM loss use labels ``y * 2 - 1``.

>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 2), [0, 1])
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.datasets')

import numpy as np


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below), shuffled."""
    rng = _checked_generator(n_samples, noise, seed)
    n_top = n_samples // 2 + n_samples % 2
    top = np.linspace(0, np.pi, n_top)
    bottom = np.linspace(0, np.pi, n_samples - n_top)
    X = np.concatenate([np.stack([np.cos(top), np.sin(top)], 1),
                        np.stack([1 - np.cos(bottom), 0.5 - np.sin(bottom)], 1)])
    y = np.concatenate([np.zeros(n_top, int), np.ones(n_samples - n_top, int)])
    return _shuffle_with_noise(X, y, noise, rng)


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.5,
                 seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner circle's radius and must be between 0 and 1, got {factor}")
    rng = _checked_generator(n_samples, noise, seed)
    n_outer = n_samples // 2 + n_samples % 2
    outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_samples - n_outer, endpoint=False)
    X = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], 1),
                        factor * np.stack([np.cos(inner), np.sin(inner)], 1)])
    y = np.concatenate([np.zeros(n_outer, int), np.ones(n_samples - n_outer, int)])
    return _shuffle_with_noise(X, y, noise, rng)


def make_spirals(n_samples: int = 100, n_classes: int = 2, noise: float = 0.0, turns: float = 1.0,
                 seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms from the centre outwards, one class per arm."""
    if n_classes < 2:
        raise ValueError(f"a spiral data set needs at least 2 classes, got {n_classes}")
    rng = _checked_generator(n_samples, noise, seed)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    arms, labels = [], []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.05, 1.0, size)
        angle = 2 * np.pi * (turns * radius + k / n_classes)
        arms.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1))
        labels.append(np.full(size, k))
    return _shuffle_with_noise(np.concatenate(arms), np.concatenate(labels), noise, rng)


def _checked_generator(n_samples: int, noise: float, seed: int | None) -> np.random.Generator:
    """NumPy's generator for ``seed``, after checking ``n_samples`` and ``noise`` (a ValueError says what is wrong)."""
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and cannot be negative, got {noise}")
    return np.random.default_rng(seed)


def _shuffle_with_noise(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator):
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order]


DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    'moons': make_moons, 'circles': make_circles, 'spirals': make_spirals}


def make_dataset(name: str, n_samples: int, noise: float, n_classes: int = 2,
                 seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``name`` of ``DATASETS``; only spirals take a number of classes other than 2.

    >>> X, y = make_dataset('spirals', 30, 0.1, n_classes=3); X.shape, sorted(set(y.tolist()))
    ((30, 2), [0, 1, 2])
    """
    if name == 'spirals':
        return make_spirals(n_samples, n_classes, noise, seed=seed)
    if n_classes != 2:
        raise ValueError(f'{name} has 2 classes; only spirals take n_classes')
    return DATASETS[name](n_samples, noise, seed=seed)
