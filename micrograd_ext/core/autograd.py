"""Gradients as values: ``grad(output, inputs)``, and with ``create_graph=True`` gradients you can differentiate.

``backward()`` multiplies the local derivatives each op stored as numbers. For higher-order
gradients they are needed as ``Value`` expressions instead, so that the gradient computation is itself
recorded: ``local_derivatives(node)`` evaluates the same formulas of the op table (``ops.py``) on Values.

>>> from micrograd_ext import Value
>>> x = Value(3.0)
>>> y = x ** 3
>>> (dy,) = grad(y, x, create_graph=True)   # 3 x**2 = 27
>>> grad(dy, [x])                           # 6 x = 18
[18.0]
"""
from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterable
from typing import Literal, cast, overload

from . import floats
from .engine import Value, topological_order
from .handmade import ClosureError, run_closure
from .modes import is_grad_enabled
from .ops import DIV, EXP, LOG, POW, SIGMOID, SOFTPLUS, SQRT, TANH, Op, exponent, op_of, power_op


def grad(output: Value, inputs: Value | Iterable[Value], create_graph: bool = False) -> list:
    """d output / d input for each of ``inputs`` (a Value or any iterable of them), like
    ``torch.autograd.grad``; ``.grad`` is not touched.

    Returns a list of floats, or with ``create_graph=True`` of Values built from differentiable ops (so
    they can be differentiated again). An input the output does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    if create_graph and not is_grad_enabled():
        raise RuntimeError("grad(..., create_graph=True) inside no_grad() would record nothing to differentiate "
                           "again; call it outside the no_grad() block")
    try:
        inputs = [inputs] if isinstance(inputs, Value) else list(getattr(inputs, 'flat', inputs))
    except TypeError:
        raise TypeError(f"grad() needs a Value or an iterable of Values as inputs, got {type(inputs).__name__}") from None
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() needs Values as inputs, got {type(x).__name__}")
    grads = gradients(output, create_graph)
    found = [grads.get(x, 0.0) for x in inputs]
    return [g if isinstance(g, Value) else Value(g) for g in found] if create_graph else found


@overload
def gradients(output: Value, create_graph: Literal[False] = False) -> dict[Value, float]: ...


@overload
def gradients(output: Value, create_graph: bool) -> dict[Value, float | Value]: ...


def gradients(output: Value, create_graph: bool = False) -> dict[Value, float] | dict[Value, float | Value]:
    """d output / d node for every node of ``output``'s graph, keyed by node; ``.grad`` is not touched.

    Floats; with ``create_graph=True`` Values, or floats where a derivative is a constant.
    """
    grads: dict[Value, float | Value] = {output: 1.0}
    for node in reversed(topological_order(output)):
        upstream = grads.get(node)
        if upstream is None or not node._prev:
            continue
        contributions: Iterable[tuple[Value, float | Value]]
        if node._local_grads is None:  # a micrograd-style op: ask its own _backward
            if create_graph:
                raise NotImplementedError(
                    f"create_graph=True cannot go through the {node._op!r} node: its _backward closure adds "
                    "numbers to .grad, not Values, so its gradient cannot be differentiated again; build the op "
                    "from differentiable ops (+ * exp tanh ...) or add it to the table in micrograd_ext/core/ops.py")
            contributions = run_closure(node, cast(float, upstream)).items()  # no create_graph: grads are floats
        else:
            locals_ = local_derivatives(node) if create_graph else node._local_grads
            contributions = [(child, chain(local, upstream)) for child, local in zip(node._prev, locals_)]
        for child, contribution in contributions:
            grads[child] = grads[child] + contribution if child in grads else contribution
    return grads


def stale_grads(root: Value, nodes: Iterable[Value]) -> set[Value]:
    """The ``nodes`` whose ``.grad`` is not d root / d node now: ``backward()`` has not run since the graph was
    built or its data changed, or leaves accumulated several passes. Empty when an op's own ``_backward``
    overwrites grads (then nothing can be told).

    >>> x = Value(2.0); y = x * x
    >>> stale_grads(y, [x]) == {x}, (y.backward(), stale_grads(y, [x]))[1]
    (True, set())
    """
    try:
        fresh = gradients(root)
    except ClosureError:
        return set()
    return {node for node in nodes if not math.isclose(node.grad, fresh.get(node, 0.0), rel_tol=1e-9, abs_tol=1e-12)}


def chain(local, upstream):
    """``local * upstream``, without multiplying by a local derivative of exactly 1.0 (the same number,
    and smaller graphs under create_graph)."""
    if local.__class__ is float and local == 1.0:
        return upstream
    return local * upstream


def local_derivatives(node: Value) -> tuple:
    """d node / d child for each child, as Values (or constant floats) computed from the children."""
    op = op_of(node)
    if op is None:
        raise NotImplementedError(f"no differentiable formula for the {node._op!r} node (its local derivatives are "
                                  "numbers given by hand), so create_graph=True cannot go through it; it works for "
                                  "the ops of micrograd_ext/core/ops.py")
    return op.derivatives(VALUES, node, *node._prev)


# ---- the op table's math on Values: each function a new node of the table's op (no domain check, so that
# create_graph=True never raises where backward() gives a number), or the float function on numbers

def on_values(op: Op) -> Callable:
    def compute(*inputs):
        if any(isinstance(x, Value) for x in inputs):
            return Value.apply(op, *inputs, check_domain=False)
        return op.value(floats, *inputs)
    return compute


def power_on_values(x, n):
    if isinstance(n, Value):
        return Value.apply(POW, x, n, check_domain=False)
    return Value.apply(power_op(exponent(n)), x, check_domain=False) if isinstance(x, Value) else floats.power(x, n)


VALUES = types.SimpleNamespace(
    div=on_values(DIV), log=on_values(LOG), sqrt=on_values(SQRT), exp=on_values(EXP), tanh=on_values(TANH),
    sigmoid=on_values(SIGMOID), softplus=on_values(SOFTPLUS), power=power_on_values, sign=floats.sign,
    data=lambda x: x.data if isinstance(x, Value) else x, blocked=floats.blocked)
