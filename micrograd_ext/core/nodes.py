"""How the engine makes nodes fast: ``result`` (an op's node) and ``leaf`` (a number an op was given) skip
``Value.__init__``'s checks, which these never need; ``data_of`` is the number a comparison reads.

Made for the engine's class by ``makers(Value)``, so this module needs no import of it.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from . import modes

new_object = object.__new__


def makers(value_class: Any) -> tuple[Callable, Callable, Callable]:
    """(result, leaf, data_of) for ``value_class``."""

    def result(data: float, children: tuple, op: str, local_grads: tuple):
        """``Value(data, children, op, local_grads)`` for a float, Values as children and one local derivative
        each, as the engine's ops give them."""
        node: Any = new_object(value_class)
        node.data = data
        node.grad = 0.0
        node._prev = children
        node._op = op
        node._local_grads = local_grads
        if modes.switched_threads:  # some thread is inside no_grad() or detect_anomaly()
            modes.apply_mode(node)
        return node

    def leaf(number):
        """``Value(number)`` for the plain number an op was given (the 2 of ``x * 2``); a ``TypeError`` for
        anything else."""
        node = new_object(value_class)
        node.data = number if type(number) is float else as_float(number)
        node.grad = 0.0
        node._prev = ()
        node._op = ''
        node._local_grads = ()
        return node

    def data_of(x) -> float:
        """The number a comparison or ``float()`` reads (noted while ``compiled()`` records: a replay keeps the
        branch taken)."""
        if modes.mode.comparisons is not None:
            modes.note_comparison()
        return x.data if isinstance(x, value_class) else x

    return result, leaf, data_of


NOT_A_FLOAT = ("a Value is not turned into a float: math.exp(x), math.tanh(x) or float(x) would give a plain number "
               "that no gradient flows back through. Stay in the graph with the Value's own ops (x.exp(), x.tanh(), "
               "x.log(), x.sqrt(), ...), or read the number with x.data")


def as_float(data) -> float:
    """``data`` as a float: ints, bools and NumPy scalars convert; anything else is a ``TypeError``.

    >>> as_float(3), as_float(True)
    (3.0, 1.0)
    """
    if type(data) is int or isinstance(data, numbers.Real):  # (an int first: the ABC check is slow)
        return float(data)
    if hasattr(data, '_prev') and hasattr(data, 'grad'):
        raise TypeError("Value(data) got a Value; pass its .data, or use the Value itself")
    hint = ' (use .item() for a one-element NumPy array)' if hasattr(data, 'item') else ''
    raise TypeError(f"Value(data) needs a real number (int, float, bool or NumPy scalar), "
                    f"got {type(data).__name__}: {data!r}{hint}")
