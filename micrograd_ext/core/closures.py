"""Ops written micrograd's way, with their own ``_backward`` closure: what such a closure adds to each child
(measured by running it), copying a closure with the graph it acts on, and the attributes a Value was given.

>>> from micrograd_ext import Value
>>> x = Value(3.0)
>>> out = Value(x.data ** 2, (x,), 'square')
>>> def _backward():
...     x.grad += 2 * x.data * out.grad
>>> out._backward = _backward
>>> run_closure(out, 1.0) == {x: 6.0}, x.grad
(True, 0.0)
"""
from __future__ import annotations

import copy
import math
import types
from typing import TYPE_CHECKING

from .errors import MicrogradExtError, describe

if TYPE_CHECKING:
    from .engine import Value


class ClosureError(MicrogradExtError, ValueError):
    """A micrograd-style ``_backward`` that does not add to its children's grads (``=`` where ``+=`` is needed)."""


def run_closure(node: Value, upstream: float) -> dict[Value, float]:
    """What a micrograd-style node's own ``_backward`` adds to each child when ``node.grad`` is ``upstream``.

    Every ``.grad`` is put back afterwards, so this only looks. A child used twice (``x*x``) gets one entry.
    The closure runs twice, from children's grads of 0 and then of a larger number: if what it adds
    changes with them, it overwrote a grad (the lecture's ``=`` for ``+=``), and a ``ClosureError`` says so.
    """
    children = list(dict.fromkeys(node._prev))
    saved = [(n, n.grad) for n in [node, *children]]

    def gains(starts: dict[Value, float]) -> dict[Value, float]:
        for child in children:
            child.grad = starts[child]
        node.grad = upstream
        node._backward()
        return {child: child.grad - starts[child] for child in children}

    try:
        added = gains({child: 0.0 for child in children})
        offsets = {child: max(1.0, abs(g)) if math.isfinite(g) else 1.0 for child, g in added.items()}
        again = gains(offsets)
    finally:
        for n, grad in saved:
            n.grad = grad
    for child in children:
        if math.isfinite(added[child]) and not abs(again[child] - added[child]) < offsets[child] / 2:
            raise ClosureError(f"the {node._op!r} node's _backward sets {describe(child)}'s grad instead of adding "
                               "to it, so a child used elsewhere loses its other contributions; write "
                               "child.grad += local * out.grad")
    return added


def copy_attribute(value, memo: dict):
    """Deep-copy an attribute; a closure over graph nodes gets cells that hold their copies."""
    if not isinstance(value, types.FunctionType) or not value.__closure__:
        return copy.deepcopy(value, memo)
    cells = []
    for cell in value.__closure__:
        try:
            cells.append(types.CellType(copy.deepcopy(cell.cell_contents, memo)))
        except ValueError:  # an empty cell
            cells.append(types.CellType())
    twin = types.FunctionType(value.__code__, value.__globals__, value.__name__, value.__defaults__, tuple(cells))
    twin.__kwdefaults__, twin.__qualname__ = value.__kwdefaults__, value.__qualname__
    return twin


def own_attributes(node: Value) -> dict:
    """The attributes a Value was given beyond the engine's own (its label, a ``_backward`` closure, ...).

    On Python 3.11+ read without creating a ``__dict__`` for a Value that has none (``vars()`` would).
    """
    if hasattr(object, '__getstate__'):
        attributes, _ = object.__getstate__(node)
        return attributes or {}
    return vars(node)
