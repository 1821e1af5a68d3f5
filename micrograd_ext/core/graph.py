"""Walking a computation graph without recursion (a million-node chain is fine): every node after its
children, and the start of a backward pass."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import slips

if TYPE_CHECKING:
    from .engine import Value


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0 on every node of the graph that ends at ``root``."""
    for node in topological_order(root):
        node.grad = 0.0


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node reachable from ``root``, each after all of its children (iterative, no recursion).

    With ``leaves=False`` only the nodes that have children (what ``backward()`` walks) are listed.

    >>> from micrograd_ext import Value
    >>> x = Value(1.0, label='x'); y = x * 2
    >>> [node.label or node._op for node in topological_order(y + x)]
    ['x', '', '*', '+']
    >>> [node._op for node in topological_order(y + x, leaves=False)]
    ['*', '+']
    """
    if not (leaves or root._prev):
        return []
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]  # None: the marker that the node below it is expanded
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every child of the node below it is listed by now
            order.append(stack.pop())  # type: ignore[arg-type]  # a node: markers follow nodes
            continue
        if node in visited:  # pushed twice, and already expanded from the later push
            continue
        visited.add(node)
        if not node._prev:  # a leaf: nothing to expand
            order.append(node)
            continue
        stack.append(node)
        stack.append(None)
        for child in reversed(node._prev):  # reversed, so the first operand is expanded first
            if child not in visited and (leaves or child._prev):
                stack.append(child)
    return order


def start_backward(root: Value) -> list[Value]:
    """Begin a backward pass: the nodes with children, children first, their grads reset to 0, and
    d root / d root = 1. Leaves are not listed: they only accumulate what reaches them.

    A leaf root just accumulates 1, like every leaf. The training-loop slips it can see are a
    ``TrainingSlipWarning``: the first pass after an optimizer step adding to the gradients that step used, and
    a root that still holds a gradient (it had a pass) on a graph whose inputs changed since.
    """
    slips.before_backward()
    if not root._prev:
        root.grad += 1.0
        return []
    order = topological_order(root, leaves=False)
    if root.grad:
        slips.check_backward_again(order)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    return order
