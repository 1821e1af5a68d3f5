"""The op table's math on NumPy arrays: ``ARRAYS`` is the namespace ``m`` with which a ``compiled()`` replay runs
each op's one value and derivative formula (``core/ops.py``) on a whole group of nodes at once.

A blocking zero (relu below 0, ``x ** 0``) becomes a ``Blocked`` local derivative, which sends 0 where it
blocks even when the gradient from above is infinite.

>>> import numpy as np
>>> from micrograd_ext.core.ops import TANH
>>> TANH.value(ARRAYS, np.array([0.0, 0.5]))
array([0.        , 0.46211716])
"""
from __future__ import annotations

import types

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.compiled')

import numpy as np


class Blocked:
    """A local derivative with a mask where it blocks the gradient completely (``BLOCKED`` on floats)."""

    def __init__(self, where, local):
        self.where, self.local = where, np.where(where, 0.0, local)

    def __mul__(self, upstream):
        sent = self.local * upstream
        return sent if np.isfinite(upstream).all() else np.where(self.where, 0.0, sent)  # BLOCKED * inf = 0

    __rmul__ = __mul__


def _sigmoid(x):
    e = np.exp(-np.abs(x))  # never overflows: exp(-x) for x >= 0, exp(x) below, as core/floats.py
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pick(i, xs):
    rows = np.stack(xs, axis=-1)
    k = np.where(np.isfinite(i), i, -1).astype(np.intp)
    inside = (k >= 0) & (k < len(xs)) & (k == i)
    return np.where(inside, np.take_along_axis(rows, np.clip(k, 0, len(xs) - 1)[..., None], -1)[..., 0], np.nan)


def logsumexp_rows(rows: np.ndarray) -> np.ndarray:
    """``floats.logsumexp`` of each row (the last axis), added left to right."""
    top = rows.max(axis=-1)
    shift = np.where(np.isfinite(top), top, 0.0)  # an inf or nan largest passes through exp and log as it is
    return shift + np.log(np.cumsum(np.exp(rows - shift[..., None]), axis=-1)[..., -1])


ARRAYS = types.SimpleNamespace(
    div=np.divide, power=np.float_power, log=np.log, sqrt=np.sqrt, exp=np.exp, tanh=np.tanh, sigmoid=_sigmoid,
    softplus=lambda x: np.where(x > 0.0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x))),
    relu=lambda x: np.where(x <= 0.0, 0.0, x),
    sign=lambda x: (x > 0.0) * 1.0 - (x < 0.0),  # 0 for nan, as core/floats.py
    logsumexp=lambda xs: logsumexp_rows(np.stack(xs, axis=-1)), pick=_pick, data=lambda x: x,
    blocked=lambda where, local: Blocked(where, local) if np.any(where) else local)  # a mask only where it blocks
