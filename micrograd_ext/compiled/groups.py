"""The groups of a replay (``replay.py``): the nodes of one op at one depth, run as one NumPy operation each way.

A group reads its inputs' values through ``Slots`` (a slice when they are contiguous), computes, writes its own
contiguous slots, and in the backward pass sends ``local derivative * upstream`` back through the same slots.

>>> import numpy as np
>>> from micrograd_ext.core.ops import MUL
>>> values = np.array([2.0, 3.0, 0.0])
>>> group = Elementwise(MUL, slice(2, 3), [Slots(np.array([0])), Slots(np.array([1]))])
>>> group.forward(values); values.tolist()
[2.0, 3.0, 6.0]
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.compiled')

import numpy as np

from ..core.engine import Value
from ..core.floats import check_pick
from ..core.ops import POW, Op
from .kernels import ARRAYS, logsumexp_rows


def check_domain(op: Op, out: float, inputs: Sequence[float]) -> None:
    """Raise the error the eager op raises at these inputs (log of a negative number, ...), if any.

    A check can only fire where the result is not finite, except for ``x ** n`` with a Value exponent (checked
    always: the base must be positive) and ``x ** n`` at an infinite base (``(-inf) ** -0.5`` is 0.0, yet a negative
    base has no fractional power)."""
    if op.check is not None and (not math.isfinite(out) or op is POW
                                 or (op.exponent is not None and not math.isfinite(inputs[0]))):
        op.check(out, *[Value(x) for x in inputs])


def check_group_domain(op: Op, out: np.ndarray, inputs: Sequence[np.ndarray]) -> None:
    """``check_domain`` for the nodes of a group where it could fire, found with array operations: each is checked
    one by one (a Python loop), which happens only where a number is not finite or, for ``**`` with a Value
    exponent, where the base is not positive."""
    if op.check is None:
        return
    if op is POW:  # every base must be positive
        suspects = ~(inputs[0] > 0.0) | ~np.isfinite(out)
    elif fractional_power(op):  # (-inf) ** -0.5 = 0.0 is finite, yet outside the domain
        suspects = ~np.isfinite(out) | ~np.isfinite(inputs[0])
    elif np.isfinite(out).all():
        return
    else:
        suspects = ~np.isfinite(out)
    for i in np.flatnonzero(suspects).tolist():
        check_domain(op, out.item(i), [x.item(i) for x in inputs])


def fractional_power(op: Op) -> bool:
    """``x ** n`` for a constant n that is not a whole number: the only op whose check can fire at a finite result."""
    return op.exponent is not None and not float(op.exponent).is_integer()


# ---- where a group reads and sends: slots ------------------------------------------------------------

class Slots:
    """The slots a group reads in the forward pass and sends gradients to in the backward pass.

    Contiguous slots are read as a slice (no copy); gradients for a slot listed several times add up first
    (``np.bincount``: ``np.add.at`` is three times slower).
    """

    def __init__(self, slots: np.ndarray):
        flat = slots.ravel()
        self.shape = slots.shape
        self.contiguous = len(flat) > 0 and bool((np.diff(flat) == 1).all())
        self.slots = slots
        self.where = slice(int(flat[0]), int(flat[-1]) + 1) if self.contiguous else slots
        self.distinct, self.position = np.unique(flat, return_inverse=True)  # slots listed several times: one sum each
        self.repeated = len(self.distinct) < len(flat)

    def read(self, values: np.ndarray) -> np.ndarray:
        found = values[self.where]
        return found.reshape(self.shape) if self.contiguous else found

    def add(self, grads: np.ndarray, contributions: np.ndarray) -> None:
        """Add one contribution per slot (an array of the slots' shape) to ``grads``."""
        if self.contiguous:
            grads[self.where] += contributions.ravel()
        elif self.repeated:
            grads[self.distinct] += np.bincount(self.position, contributions.ravel(), len(self.distinct))
        else:
            grads[self.slots] += contributions


# ---- groups: one NumPy operation each way ---------------------------------------------------------------

class Group(Protocol):
    """What a program runs for the nodes of one group (Elementwise, Sum, Linear, MatMul): their slots ``out``."""

    name: str
    out: slice

    def forward(self, values: np.ndarray) -> None: ...

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None: ...


class Elementwise:
    """m nodes of one op: ``out = op(a, b)`` on arrays; backward sends ``local * upstream`` to each input."""

    def __init__(self, op: Op, out: slice, inputs: list[Slots]):
        self.op, self.out, self.inputs = op, out, inputs
        self.name = op.name

    def forward(self, values: np.ndarray) -> None:
        xs = [slots.read(values) for slots in self.inputs]
        out = self.op.value(ARRAYS, *xs)
        check_group_domain(self.op, out, xs)
        values[self.out] = out
        self.saved = out, xs

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        out, xs = self.saved
        upstream = grads[self.out]
        for slots, local in zip(self.inputs, self.op.derivatives(ARRAYS, out, *xs)):
            slots.add(grads, local * upstream)


class Sum:
    """m sums of L terms each (a chain of ``+`` folded), added left to right: d sum / d term = 1."""

    name = '+ (sum)'

    def __init__(self, out: slice, terms: Slots):
        self.out, self.terms = out, terms

    def forward(self, values: np.ndarray) -> None:
        values[self.out] = np.cumsum(self.terms.read(values), axis=1)[:, -1]  # cumsum adds in order

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        self.terms.add(grads, np.broadcast_to(grads[self.out][:, None], self.terms.shape))


class Linear:
    """m ``linear`` nodes, ``b + w1*x1 + ... + wn*xn`` row by row, in the engine's order of additions."""

    name = 'linear'

    def __init__(self, out: slice, weights: Slots, inputs: Slots, bias: Slots):
        self.out, self.weights, self.inputs, self.bias = out, weights, inputs, bias

    def forward(self, values: np.ndarray) -> None:
        w, x = self.weights.read(values), self.inputs.read(values)
        total = self.bias.read(values).copy()
        for k in range(w.shape[1]):
            total += w[:, k] * x[:, k]
        values[self.out] = total
        self.saved = w, x

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        w, x = self.saved
        upstream = grads[self.out][:, None]
        self.weights.add(grads, x * upstream)  # dz/dw = x
        self.inputs.add(grads, w * upstream)   # dz/dx = w
        self.bias.add(grads, upstream[:, 0])    # dz/db = 1


class MatMul(Linear):
    """A layer over a batch: P points x K neurons sharing their weights, ``X @ W.T + b`` as one product.

    BLAS adds in its own order, with fused multiply-adds: where a product or a partial sum overflows, it may give
    inf (or a finite number) where the engine's ``b + w1*x1 + ...`` gives nan. So ``Program`` checks that every
    number was small (one dot product per pass, ``SMALL``) and otherwise runs the pass again with ``exact`` set:
    the group then adds in the engine's order, as ``Linear`` does, and computes every product of its gradients
    on its own, as the engine does (inf - inf and inf * 0 are nan).
    """

    name = 'linear (matmul)'
    exact = False

    def forward(self, values: np.ndarray) -> None:
        w, x = self.weights.read(values), self.inputs.read(values)
        if not self.exact:
            values[self.out] = (x @ w.T + self.bias.read(values)).ravel()
        else:  # b + w1*x1 + w2*x2 + ..., for every point and neuron at once
            total = np.repeat(self.bias.read(values)[None, :], len(x), axis=0)
            for k in range(w.shape[1]):
                total += x[:, k, None] * w[:, k]
            values[self.out] = total.ravel()
        self.saved = w, x

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        w, x = self.saved
        upstream = grads[self.out].reshape(len(x), len(w))
        if not self.exact:
            self.inputs.add(grads, upstream @ w)        # dL/dX = dL/dZ W
            self.weights.add(grads, upstream.T @ x)     # dL/dW = dL/dZ^T X: summed over the points
        else:
            self.inputs.add(grads, (upstream[:, :, None] * w[None, :, :]).sum(axis=1))
            self.weights.add(grads, (upstream.T[:, :, None] * x[None, :, :]).sum(axis=1))
        self.bias.add(grads, upstream.sum(axis=0))


# If the squares of a forward pass's values add up to less than this (and, backward, those of the gradients times
# those of the values to less than SMALL**2), every number, product and partial sum of the matrix products is below
# about 1e150 in size: nothing overflows, nothing is inf or nan, and BLAS differs from the engine only in rounding.
SMALL = 1e150


class LogSumExp:
    """m ``logsumexp`` nodes (a softmax's normaliser), each over its row: d out / d xi = e^(xi - out)."""

    name = 'logsumexp'

    def __init__(self, out: slice, table: np.ndarray):
        self.out, self.inputs = out, Slots(table)

    def forward(self, values: np.ndarray) -> None:
        self.rows = self.inputs.read(values)
        values[self.out] = logsumexp_rows(self.rows)

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        softmax = np.exp(self.rows - values[self.out][:, None])
        self.inputs.add(grads, softmax * grads[self.out][:, None])


class InverseRMS:
    """m ``1/rms`` nodes (a norm's scale), each over its row: ``(mean(x**2) + eps) ** -0.5``."""

    name = '1/rms'

    def __init__(self, out: slice, table: np.ndarray, op: Op):
        self.out, self.inputs, self.eps = out, Slots(table), op.eps

    def forward(self, values: np.ndarray) -> None:
        self.rows = rows = self.inputs.read(values)
        mean_square = np.cumsum(rows * rows, axis=1)[:, -1] * (1.0 / rows.shape[1])  # added left to right
        values[self.out] = np.float_power(mean_square + self.eps, -0.5)

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        out = values[self.out][:, None]
        self.inputs.add(grads, -(out * out * out) * self.rows * (1.0 / self.rows.shape[1]) * grads[self.out][:, None])


class Gather:
    """m ``gather`` nodes (rows picked from tables by token ids): each takes the candidate its id names."""

    name = 'gather'

    def __init__(self, out: slice, table: np.ndarray):
        self.out, self.table = out, table  # per node: its id's slot, then its candidates' slots
        self.nodes = np.arange(len(table))

    def forward(self, values: np.ndarray) -> None:
        ids = values[self.table[:, 0]]
        candidates = self.table.shape[1] - 1
        wrong = np.flatnonzero(~((ids >= 0) & (ids < candidates) & (ids == np.floor(ids))))
        if len(wrong):
            check_pick(math.nan, Value(ids.item(wrong[0])), *[Value(0.0)] * candidates)
        self.chosen = self.table[self.nodes, 1 + ids.astype(np.intp)]
        values[self.out] = values[self.chosen]

    def backward(self, values: np.ndarray, grads: np.ndarray) -> None:
        np.add.at(grads, self.chosen, grads[self.out])  # a row picked twice gets both gradients
