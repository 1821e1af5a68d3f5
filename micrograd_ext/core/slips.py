"""Training-loop slips that give wrong numbers without an error, each told once at the user's line with its fix.

- ``backward()`` again on a graph whose inputs changed since it was built (an optimizer step in between): its
  local derivatives are those of the old numbers.
- ``backward()`` after an optimizer's ``step()`` while the parameters still hold the gradients that step used
  (``zero_grad()`` forgotten): the new gradients add to the old ones.

Both are ``TrainingSlipWarning``; silence them with ``warnings.simplefilter('ignore', TrainingSlipWarning)``.

>>> from micrograd_ext import Value
>>> w = Value(2.0); loss = w * w
>>> loss.backward(); w.data -= 0.1 * w.grad
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter('always')
...     loss.backward()
>>> caught[0].category.__name__
'TrainingSlipWarning'
"""
from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence

from .modes import stacklevel_outside
from .ops import value_now


class TrainingSlipWarning(UserWarning):
    """A training loop that runs but computes the wrong gradients (see ``micrograd_ext.core.slips``)."""


Grads = Callable[[], Sequence[float]]  # an optimizer's parameters' gradients now, in its order
_stepped: tuple[object, Grads, Sequence[float]] | None = None  # the last step: its optimizer, its parameters'
_watched: tuple[object, Grads, Sequence[float], Sequence[float]] | None = None  # gradients, those it used; the
_told: weakref.WeakSet = weakref.WeakSet()  # gradients when the pass began; the optimizers warned about once


def warn(message: str) -> None:
    warnings.warn(TrainingSlipWarning(message + "; to silence this: "
                                      "warnings.simplefilter('ignore', micrograd_ext.TrainingSlipWarning)"),
                  stacklevel=stacklevel_outside())


def stepped(optimizer: object, grads: Grads, used: Sequence[float]) -> None:
    """Note an optimizer's step: ``grads()`` reads its parameters' gradients, ``used`` those the step used."""
    global _stepped
    _stepped = None if optimizer in _told else (optimizer, grads, used)


def before_backward() -> None:
    """The first backward pass after a step notes its parameters' gradients as it begins."""
    global _stepped, _watched
    _watched = None if _stepped is None else (*_stepped, _stepped[1]())
    _stepped = None


def after_backward() -> None:
    """... and warns as it ends if it added to a parameter whose gradient was still the one the step used."""
    global _watched
    if _watched is None:
        return
    optimizer, grads, used, before = _watched
    _watched = None
    if any(u != 0.0 and b == u and a != b for u, b, a in zip(used, before, grads())):
        _told.add(optimizer)
        warn("backward() added to gradients that still held those the last optimizer step used (nothing set them "
             "to 0 since): call optimizer.zero_grad() or model.zero_grad() before each backward()")


def check_backward_again(order: list) -> None:
    """Before ``backward()`` runs again on a graph (its root still holds a gradient): warn when a node's data is no
    longer its op of its children's data, because a leaf changed after the forward pass. ``order``: the graph's
    op nodes, children first."""
    if changed_since_forward(order):
        warn("backward() runs again on a graph built before its inputs changed (an optimizer step?): its local "
             "derivatives are those of the old numbers, so the gradients are wrong; run the forward pass again "
             "(loss = model(...)) before each backward()")


def changed_since_forward(nodes: Iterable) -> list:
    """The table's nodes among ``nodes`` whose data is no longer their op applied to their children's data:
    a child's data changed after the forward pass (an optimizer step), so the local derivatives stored then
    are not those of the current numbers.

    >>> from micrograd_ext import Value
    >>> w = Value(2.0); y = w * 3; w.data = 2.5
    >>> changed_since_forward([y]) == [y]
    True
    """
    changed = []
    for node in nodes:
        now = value_now(node)
        if now is None:  # a leaf, an op with its own _backward, or a node made by hand: no formula to apply
            continue
        if not (math.isclose(now, node.data, rel_tol=1e-9, abs_tol=1e-12) or (now != now and node.data != node.data)):
            changed.append(node)
    return changed
