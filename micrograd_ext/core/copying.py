"""``copy.deepcopy`` of a graph without recursion (a million-node chain is fine), closures included: a
micrograd-style ``_backward`` is rebuilt to act on the copied nodes.

>>> import copy
>>> from micrograd_ext import Value
>>> x = Value(2.0); y = x * x; twin = copy.deepcopy(y)
>>> twin.backward(); twin._prev[0].grad, x.grad
(4.0, 0.0)
"""
from __future__ import annotations

import copy
import types

from .graph import topological_order


def copy_graph(root, memo: dict):
    """``root.__deepcopy__(memo)``: every node of its graph copied once, children before parents."""
    order = topological_order(root)
    for node in order:
        if id(node) not in memo:
            twin = object.__new__(type(node))
            twin.data, twin.grad, twin._op, twin._local_grads = node.data, node.grad, node._op, node._local_grads
            twin._prev = tuple(memo[id(child)] for child in node._prev)
            memo[id(node)] = twin
    for node in order:
        extra = own_attributes(node)
        if extra:
            vars(memo[id(node)]).update({key: copy_attribute(value, memo) for key, value in extra.items()})
    return memo[id(root)]


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


def own_attributes(node) -> dict:
    """The attributes a Value was given beyond the engine's own (its label, a ``_backward`` closure, ...).

    On Python 3.11+ read without creating a ``__dict__`` for a Value that has none (``vars()`` would).
    """
    if hasattr(object, '__getstate__'):
        attributes, _ = object.__getstate__(node)
        return attributes or {}
    return vars(node)
