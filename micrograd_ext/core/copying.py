"""``copy.deepcopy`` and ``pickle`` of a graph without recursion (a million-node chain is fine).

``copy.deepcopy`` copies closures too: a micrograd-style ``_backward`` is rebuilt to act on the copied nodes.

>>> import copy
>>> from micrograd_ext import Value
>>> x = Value(2.0); y = x * x; twin = copy.deepcopy(y)
>>> twin.backward(); twin._prev[0].grad, x.grad
(4.0, 0.0)

``pickle`` writes a Value's graph as a flat list, children before parents, so neither pickling nor
unpickling recurses; each node keeps its data, grad, op, local derivatives and attributes (its label),
a node shared by several parents (or pickled again in the same ``dumps``) is one node after loading, and
``backward()`` on the loaded graph gives the same gradients. A node with a micrograd-style ``_backward``
closure cannot be pickled (a function over other nodes): ``pickle.PicklingError`` says which and what to do.
This library itself never loads a pickle; this is for users' own (``multiprocessing``, caches).

>>> import pickle
>>> a = Value(3.0, label='a'); b = a * a + a
>>> b.backward(); back = pickle.loads(pickle.dumps(b))
>>> back.data, back._op, back._prev[0]._prev[0] is back._prev[1], back._prev[1].label, back._prev[1].grad
(12.0, '+', True, 'a', 7.0)
>>> back.zero_grad(); back.backward(); back._prev[1].grad
7.0
"""
from __future__ import annotations

import copy
import pickle
import threading
import types
from typing import Any, SupportsIndex

from .errors import describe, node_kind
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
    if _getstate is not None:
        return _getstate(node)[0] or {}
    return vars(node)


_getstate = getattr(object, '__getstate__', None)


# ---- pickling -------------------------------------------------------------------------------------------------
#
# ``Value.__reduce_ex__`` is ``reduce_graph``. A node with children reduces to ``_root(prefix, *fields)``, where
# ``prefix`` lists every other node of its graph, children before parents, between two markers. While pickling,
# the first marker notes those nodes (by id, in ``_flat``, this thread's) as to be written flat: each then reduces
# to ``_node(*fields)`` whose children the pickler has already written, so its memo has them and nothing nests.
# The end marker forgets them. ``_flat`` only chooses between two correct reductions: a node written flat whose
# children are not yet written still pickles right (nested), so ids a failed pickle leaves there do no harm.

class _Flat(threading.local):
    ids: set[int]

    def __init__(self) -> None:
        self.ids = set()


_flat = _Flat()


def reduce_graph(node, protocol: SupportsIndex = 0) -> str | tuple[Any, ...]:
    """``node.__reduce_ex__(protocol)``: its whole graph, flat (see above). Its own attributes (a label, ``p.m``)
    are the reduction's state, set once the node is made, so an attribute may refer to a node of the graph."""
    if id(node) in _flat.ids:  # within a graph being pickled: its children are written already
        attributes = _getstate(node)[0] if _getstate is not None else vars(node)
        if not attributes:
            return _node, (type(node), node.data, node.grad, node._op, node._local_grads, node._prev)
        if '_backward' in attributes:
            refuse_closure(node)
        return _node, _fields(node), dict(attributes)
    attributes = dict(own_attributes(node)) or None  # (copy.copy comes here too: the copy gets a dict of its own)
    if not node._prev:  # a leaf (a parameter, an input): nothing below it
        return _node, _fields(node), attributes
    prefix = topological_order(node)[:-1]  # every node below this one, children first
    return _root, (_Mark(prefix, node), prefix, _Mark(prefix)) + _fields(node), attributes


def _fields(node) -> tuple:
    """What ``_node`` makes ``node`` again from: its class, numbers, op and children."""
    return type(node), node.data, node.grad, node._op, node._local_grads, node._prev


def _node(cls, data, grad, op, local_grads, prev):
    """A node from its pickled fields (its children are loaded before it)."""
    node = object.__new__(cls)
    node.data, node.grad, node._op, node._local_grads, node._prev = data, grad, op, local_grads, prev
    return node


def _root(start, prefix, end, *fields):
    """The node a graph was pickled for (the others were loaded, children first, in ``prefix``)."""
    return _node(*fields)


class _Mark:
    """Where the list of a pickled graph's nodes starts (given the graph's root: the start checks every node
    and notes the list's as to be written flat) or ends (it forgets those not written flat)."""

    def __init__(self, nodes: list, root=None):
        self.nodes, self.root = nodes, root

    def __reduce__(self):
        if self.root is not None:
            for node in self.nodes + [self.root]:
                if (node._local_grads is None or node is self.root) and '_backward' in own_attributes(node):
                    refuse_closure(node)
            _flat.ids.update(map(id, self.nodes))
        else:
            _flat.ids.difference_update(map(id, self.nodes))
        return _nothing, ()


def _nothing() -> None:
    return None


def refuse_closure(node) -> None:
    """A ``pickle.PicklingError`` for a node whose gradient is a ``_backward`` closure (a function over other
    nodes, which pickle cannot write)."""
    raise pickle.PicklingError(
        f"cannot pickle the {node_kind(node)} {describe(node)}: its gradient is a micrograd-style _backward "
        "closure, a function over other nodes, which pickle cannot write. Make the node with its local "
        "derivatives instead, Value(data, children, op, local_grads), as the engine's ops do; or pickle the "
        "numbers (.data, .grad) you need")
