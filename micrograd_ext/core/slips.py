"""Training-loop slips that give wrong numbers without an error, each told once at the user's line with its fix.

- ``backward()`` again on a graph whose inputs changed since it was built (an optimizer step in between): its
  local derivatives are those of the old numbers.
- An optimizer ``step()`` whose gradients still hold the previous step's (``zero_grad()`` forgotten).

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

from .modes import stacklevel_outside
from .ops import value_now


class TrainingSlipWarning(UserWarning):
    """A training loop that runs but computes the wrong gradients (see ``micrograd_ext.core.slips``)."""


backward_passes = 0  # backward() calls so far in this process (an optimizer compares them with zeroings)
zeroings = 0  # zero_grad() calls so far (of a Value, a Module or an optimizer)


def warn(message: str) -> None:
    warnings.warn(TrainingSlipWarning(message + "; to silence this: "
                                      "warnings.simplefilter('ignore', micrograd_ext.TrainingSlipWarning)"),
                  stacklevel=stacklevel_outside())


def check_backward_again(order: list) -> None:
    """Before ``backward()`` runs again on a graph (its root still holds a gradient): warn when a node's data is no
    longer its op of its children's data, because a leaf changed after the forward pass. ``order``: the graph's
    op nodes, children first."""
    for node in order:
        now = value_now(node)
        if now is not None and not (math.isclose(now, node.data, rel_tol=1e-9, abs_tol=1e-12)
                                    or (now != now and node.data != node.data)):
            warn("backward() runs again on a graph built before its inputs changed (an optimizer step?): its local "
                 "derivatives are those of the old numbers, so the gradients are wrong; run the forward pass again "
                 "(loss = model(...)) before each backward()")
            return


def note_zeroing() -> None:
    """Count a ``zero_grad()``: an optimizer's next ``step()`` then uses fresh gradients."""
    global zeroings
    zeroings += 1


class StepWatch:
    """For one optimizer: whether ``backward()`` ran since its last ``step()`` while no ``zero_grad()`` did."""

    def __init__(self) -> None:
        self.seen: tuple[int, int] | None = None  # (backward_passes, zeroings) at the last step
        self.told = False

    def check(self) -> None:
        """Call at each ``step()``."""
        if self.seen is not None and not self.told and backward_passes > self.seen[0] and zeroings == self.seen[1]:
            self.told = True
            warn("step() uses gradients that still hold the previous steps' (backward() adds to .grad): call "
                 "optimizer.zero_grad() or model.zero_grad() before each backward()")
        self.seen = backward_passes, zeroings
