"""Example graphs the tests build by name, each in one place: deep chains, a node used twice, micrograd's README
example, and nodes made by hand as micrograd's lecture and microgpt make them. The lecture's graph is the
package's own (``micrograd_ext.teach.graphs.lecture_graph``); random graphs are in ``strategies.py``.
"""
from __future__ import annotations

import contextlib
import math
import sys

from micrograd_ext import Value


def chain(length: int, factor: float = 1.0000001, start: float = 1.0) -> tuple[Value, Value]:
    """(x, y) with y = x * factor * factor * ... (``length`` products): a graph ``length`` nodes deep whose
    dy/dx is ``factor ** length``."""
    x = Value(start, label='x')
    y = x
    for _ in range(length):
        y = y * factor
    return x, y


def diamond(at: float = 3.0) -> tuple[Value, Value]:
    """(x, y) with y = x*x + x: x reaches y along three edges, so dy/dx = 2x + 1 adds up three contributions."""
    x = Value(at, label='x')
    y = x * x + x
    y.label = 'y'
    return x, y


def micrograd_readme() -> tuple[Value, Value, Value]:
    """(a, b, g) of the example in micrograd's README; after ``g.backward()``: g = 24.7041, a.grad = 138.8338,
    b.grad = 645.5773."""
    a, b = Value(-4.0, label='a'), Value(2.0, label='b')
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


MICROGRAD_README = (24.70408163265306, 138.83381924198252, 645.5772594752186)  # g.data, a.grad, b.grad


# ---- nodes made by hand ----------------------------------------------------------------------------------

def closure_sin(x: Value) -> Value:
    """sin(x) as the lecture adds an op: a node with children, then its own ``_backward`` closure."""
    out = Value(math.sin(x.data), (x,), 'sin')

    def _backward():
        x.grad += math.cos(x.data) * out.grad
    out._backward = _backward
    return out


def closure_mul(a: Value, b: Value) -> Value:
    """micrograd's own ``__mul__``, closure and all; ``a`` and ``b`` may be the same node."""
    out = Value(a.data * b.data, (a, b), '*')

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad
    out._backward = _backward
    return out


def square_without_upstream(x: Value) -> Value:
    """x**2 with a slip in its closure: the local derivative without ``* out.grad``."""
    out = Value(x.data ** 2, (x,), 'square')

    def _backward():
        x.grad += 2 * x.data
    out._backward = _backward
    return out


def assigning_double(x: Value) -> Value:
    """2x with the lecture's classic bug in its closure: ``=`` where the chain rule needs ``+=``."""
    out = Value(2 * x.data, (x,), 'dbl')

    def _backward():
        x.grad = 2 * out.grad
    out._backward = _backward
    return out


def microgpt_mul(a: Value, b: Value) -> Value:
    """a*b as microgpt makes a node: ``Value(data, children, op, local_grads)``, no closure."""
    return Value(a.data * b.data, (a, b), '', (b.data, a.data))


# ---- a stack too small for recursion ---------------------------------------------------------------------

@contextlib.contextmanager
def shallow_stack(room: int = 150):
    """The recursion limit set to the current depth plus ``room`` frames: code that recursed once per node of
    a deep graph fails inside, code that walks it with a loop does not."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + room)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
