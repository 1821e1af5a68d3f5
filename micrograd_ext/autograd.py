"""Gradients as values: ``grad(output, inputs)``, and with ``create_graph=True`` gradients you can differentiate.

``backward()`` uses the local derivatives each op stored as numbers. For higher-order gradients we
need them as ``Value`` expressions instead, so that the gradient computation is itself recorded;
``local_derivatives(node)`` rebuilds them from each op's formula.

>>> from micrograd_ext import Value
>>> x = Value(3.0)
>>> y = x ** 3
>>> (dy,) = grad(y, [x], create_graph=True)   # 3 x**2 = 27
>>> grad(dy, [x])                             # 6 x = 18
[18.0]
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .engine import GELU_C, Value, split_linear, topological_order


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d output / d input for each of ``inputs``, like ``torch.autograd.grad``; ``.grad`` is not touched.

    Returns floats, or with ``create_graph=True`` Values built from differentiable ops (so they can be
    differentiated again). An input the output does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() needs Values as inputs, got {type(x).__name__}")
    grads = gradients(output, create_graph)
    zero = Value(0.0) if create_graph else 0.0
    return [grads.get(x, zero) for x in inputs]


def gradients(output: Value, create_graph: bool = False) -> dict[Value, float | Value]:
    """d output / d node for every node of ``output``'s graph, keyed by node; ``.grad`` is not touched."""
    grads = {output: Value(1.0) if create_graph else 1.0}
    for node in reversed(topological_order(output)):
        upstream = grads.get(node)
        if upstream is None or not node._prev:
            continue
        locals_ = local_derivatives(node) if create_graph else node._local_grads
        for child, local in zip(node._prev, locals_):
            contribution = local * upstream
            grads[child] = grads[child] + contribution if child in grads else contribution
    return grads


def local_derivatives(node: Value) -> tuple:
    """d node / d child for each child, as Values (or constant floats) computed from the children."""
    op = node._op
    if op.startswith('**') and op != '**':
        return (_pow_const(node),)
    if op not in LOCAL_DERIVATIVES:
        raise NotImplementedError(f"no differentiable formula for op {op!r}, so create_graph=True cannot "
                                  "go through it (it works for the built-in ops)")
    return LOCAL_DERIVATIVES[op](node, *node._prev)


def _pow_const(node: Value) -> Value:
    (x,) = node._prev
    n = float(node._op[2:])  # the op is named '**n'
    return n * x ** (n - 1) if n != 1 else 1.0


def _linear(node: Value, *children: Value) -> tuple:
    weights, inputs, _ = split_linear(children)
    return (*inputs, *weights, 1.0)


def _gelu(node: Value, x: Value) -> Value:
    t = (GELU_C * (x + 0.044715 * x ** 3)).tanh()
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x * x)


def _silu(node: Value, x: Value) -> Value:
    s = x.sigmoid()
    return s * (1.0 + x * (1.0 - s))


# op -> function(node, *children) returning one local derivative per child
LOCAL_DERIVATIVES: dict[str, Callable[..., tuple]] = {
    '+': lambda node, *children: (1.0,) * len(children),
    '-': lambda node, a, b: (1.0, -1.0),
    '*': lambda node, a, b: (b, a),
    '/': lambda node, a, b: (1.0 / b, -a / (b * b)),
    '**': lambda node, x, n: (n * x ** (n - 1.0), node * x.log()),
    'neg': lambda node, x: (-1.0,),
    'abs': lambda node, x: (float((x.data > 0) - (x.data < 0)),),
    'ReLU': lambda node, x: (1.0 if x.data > 0 else 0.0,),
    'tanh': lambda node, x: (1.0 - node * node,),
    'sigmoid': lambda node, x: (node * (1.0 - node),),
    'exp': lambda node, x: (node,),
    'log': lambda node, x: (1.0 / x,),
    'sqrt': lambda node, x: (0.5 / node,),
    'gelu': lambda node, x: (_gelu(node, x),),
    'silu': lambda node, x: (_silu(node, x),),
    'linear': _linear,
}
