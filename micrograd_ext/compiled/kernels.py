"""The op table's ops on NumPy arrays: what a ``compiled()`` replay computes for a group of nodes at once.

Each ``Kernel`` gives an op's value and its local derivatives elementwise: the same formulas as
``ops.py`` (``tests/test_kernels.py`` checks that they agree at ordinary and special points). ``blocks``
marks where the first input's local derivative is the table's BLOCKED zero (it stops even an infinite
gradient).

>>> import numpy as np
>>> from micrograd_ext.core.ops import TANH
>>> kernel(TANH).value(np.array([0.0, 0.5]))
array([0.        , 0.46211716])
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.floats import GELU_C, GELU_K
from ..core.ops import Op


@dataclass(frozen=True)
class Kernel:
    value: Callable[..., np.ndarray]
    derivatives: Callable[..., tuple]
    blocks: Callable[..., np.ndarray] | None = None


def _sigmoid(x):
    e = np.exp(-np.abs(x))  # never overflows: exp(-x) for x >= 0, exp(x) below, as ops.py
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _gelu_derivative(out, x):
    t = np.tanh(GELU_C * (x + GELU_K * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (GELU_C * (1.0 + 3.0 * GELU_K * x * x))


def _silu_derivative(out, x):
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


KERNELS: dict[str, Kernel] = {
    '+': Kernel(np.add, lambda out, a, b: (1.0, 1.0)),
    '-': Kernel(np.subtract, lambda out, a, b: (1.0, -1.0)),
    '*': Kernel(np.multiply, lambda out, a, b: (b, a)),
    '/': Kernel(np.divide, lambda out, a, b: (1.0 / b, -(out / b))),
    'neg': Kernel(np.negative, lambda out, x: (-1.0,)),
    'ReLU': Kernel(lambda x: np.where(x <= 0.0, 0.0, x), lambda out, x: (np.where(out <= 0.0, 0.0, 1.0),),
                   blocks=lambda out, x: out <= 0.0),
    'tanh': Kernel(np.tanh, lambda out, x: (1.0 - out * out,)),
    'exp': Kernel(np.exp, lambda out, x: (out,)),
    'log': Kernel(np.log, lambda out, x: (1.0 / x,)),
    'sqrt': Kernel(np.sqrt, lambda out, x: (0.5 / out,)),
    'abs': Kernel(np.abs, lambda out, x: ((x > 0.0) * 1.0 - (x < 0.0),)),
    'sigmoid': Kernel(_sigmoid, lambda out, x: (out * (1.0 - out),)),
    'softplus': Kernel(lambda x: np.where(x > 0.0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x))),
                       lambda out, x: (_sigmoid(x),)),
    'gelu': Kernel(lambda x: 0.5 * x * (1.0 + np.tanh(GELU_C * (x + GELU_K * x * x * x))),
                   lambda out, x: (_gelu_derivative(out, x),)),
    'silu': Kernel(lambda x: x * _sigmoid(x), lambda out, x: (_silu_derivative(out, x),)),
    '**': Kernel(np.power, lambda out, x, n: (np.where(n == 0.0, 0.0, n * np.power(x, n - 1.0)), out * np.log(x)),
                 blocks=lambda out, x, n: n == 0.0),
}


def kernel(op: Op) -> Kernel:
    """The NumPy form of a table op (``x ** 3`` included)."""
    if op.name in KERNELS:
        return KERNELS[op.name]
    return power_kernel(exponent_of(op))


@functools.lru_cache(maxsize=256)
def power_kernel(n: int | float) -> Kernel:
    """``x ** n`` for a constant ``n``: d/dx = n x**(n-1), and a blocking zero for n = 0."""
    exponent = np.float64(n)
    if n == 0:
        return Kernel(lambda x: np.float_power(x, exponent), lambda out, x: (np.zeros_like(x),),
                      blocks=lambda out, x: np.ones(x.shape, bool))
    return Kernel(lambda x: np.float_power(x, exponent), lambda out, x: (n * np.float_power(x, exponent - 1),))


def exponent_of(op: Op) -> int | float:
    """The constant exponent of a ``'**n'`` op, read back from its name as ``ops.op_named`` does."""
    text = op.name[2:]
    return int(text) if text.lstrip('-').isdigit() else float(text)
