"""Thread-local switches that change what the engine records: ``no_grad`` and ``detect_anomaly``."""
from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator
from typing import cast

from .errors import MicrogradExtError, describe

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # micrograd_ext/


class _Mode(threading.local):
    """Per-thread engine state; class attributes are each new thread's defaults."""

    grad_enabled: bool = True
    anomaly: dict | None = None  # under detect_anomaly(): node -> where it was created
    is_default: bool = True  # neither of the above switched: the engine's fast path
    comparisons: list | None = None  # while compiled() records: where Values were compared

    def update(self) -> None:
        global switched_threads
        was_default, self.is_default = self.is_default, self.grad_enabled and self.anomaly is None
        if was_default != self.is_default:
            with _switch_lock:
                switched_threads += 1 if was_default else -1


mode = _Mode()
switched_threads = 0  # how many threads are inside no_grad() or detect_anomaly(); while 0 the engine skips apply_mode
_switch_lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``.

    >>> is_grad_enabled()
    True
    """
    return mode.grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Compute without recording a graph: every result is a leaf (thread-local).

    >>> from micrograd_ext import Value
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y._prev
    ()
    """
    previous = mode.grad_enabled
    mode.grad_enabled = False
    mode.update()
    try:
        yield
    finally:
        mode.grad_enabled = previous
        mode.update()


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first op whose result or gradient is NaN or infinite.

    >>> from micrograd_ext import Value
    >>> with detect_anomaly():
    ...     Value(float('inf')) - float('inf')
    Traceback (most recent call last):
    ...
    micrograd_ext.core.modes.AnomalyError: '-' produced nan in the forward pass ...
    """
    previous = mode.anomaly
    mode.anomaly = {} if previous is None else previous
    mode.update()
    try:
        yield
    finally:
        mode.anomaly = previous
        mode.update()


class AnomalyError(MicrogradExtError, ArithmeticError):
    """A NaN or infinity appeared under ``detect_anomaly()``; the message names the op and its inputs."""


def apply_mode(node) -> None:
    """Called for each new op node while some thread is inside no_grad() or detect_anomaly()."""
    if mode.is_default:  # another thread is; this one records as usual
        return
    if not mode.grad_enabled:  # a leaf: nothing recorded
        node._prev, node._op, node._local_grads = (), '', ()
    elif mode.anomaly is not None:
        check_forward(node, mode.anomaly)


def check_forward(node, created: dict) -> None:
    """Under detect_anomaly(): remember in ``created`` where ``node`` was made; raise if its value is not finite."""
    where = _user_frame()
    created[node] = where
    if not math.isfinite(node.data):
        raise AnomalyError(f"{node._op!r} produced {node.data} in the forward pass from inputs "
                           f"{_inputs(node)}, at {where}")


def check_backward(node) -> None:
    """Under detect_anomaly(), after ``backward()``'s chain-rule step at ``node``: raise at a non-finite gradient
    it sent, naming the op, its inputs and where it was created."""
    created = cast(dict, mode.anomaly)  # backward() calls this only under detect_anomaly()
    if node._local_grads is None:  # a micrograd-style op ran its closure: look at what it left
        for child in node._prev:
            if not math.isfinite(child.grad):
                raise AnomalyError(f"the backward pass of {node._op!r} (its own _backward; output {node.data!r}, "
                                   f"inputs {_inputs(node)}) made the gradient of {describe(child)} {child.grad}; "
                                   f"the op was created at {_created(created, node)}")
        return
    for child, local in zip(node._prev, node._local_grads):
        contribution = local * node.grad
        if not math.isfinite(contribution):
            raise AnomalyError(
                f"the backward pass of {node._op!r} (output {node.data!r}, inputs {_inputs(node)}) "
                f"sent gradient {contribution} = {local!r} * {node.grad!r} to {describe(child)}; "
                f"the op was created at {_created(created, node)}")


def note_comparison() -> None:
    """While ``compiled()`` records: remember where Values were compared (a replay keeps the branch taken)."""
    comparisons = cast(list, mode.comparisons)  # Value comparisons call this only while the list exists
    comparisons.append(_user_frame())


def _created(created: dict, node) -> str:
    return created.get(node, 'an unknown place (build the graph inside detect_anomaly() to record it)')


def _inputs(node) -> str:
    return ', '.join(describe(child) for child in node._prev)


def _outside(frame):
    """The first frame from ``frame`` outwards whose code is not this package's, and how many frames out it is."""
    steps = 0
    while frame is not None and frame.f_code.co_filename.startswith(PACKAGE_DIR):
        frame, steps = frame.f_back, steps + 1
    return frame, steps


def stacklevel_outside() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that points at the innermost caller outside this package."""
    return 1 + _outside(sys._getframe(1))[1]  # level 1 is the function that calls warnings.warn


def _user_frame() -> str:
    """'file:line in function' of the innermost caller outside this package."""
    frame, _ = _outside(sys._getframe(1))
    if frame is None:
        return 'an unknown place'
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
