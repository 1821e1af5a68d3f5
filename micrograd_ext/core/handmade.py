"""Nodes made by hand, as micrograd's and microgpt's code makes them: ``Value(data, children, op, local_grads)``
checked when made, a micrograd-style ``_backward`` closure in place of local derivatives, and what such a
closure adds to each child (measured by running it).

>>> from micrograd_ext import Value
>>> x = Value(3.0)
>>> out = Value(x.data ** 2, (x,), 'square')
>>> def _backward():
...     x.grad += 2 * x.data * out.grad
>>> out._backward = _backward
>>> run_closure(out, 1.0) == {x: 6.0}, x.grad
(True, 0.0)
"""
from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable

from .errors import MicrogradExtError, describe, node_kind


class ClosureError(MicrogradExtError, ValueError):
    """A micrograd-style ``_backward`` that does not add ``local * out.grad`` to its children's grads: ``slip`` is
    ``'assigns'`` (``=`` where ``+=`` is needed) or ``'forgets out.grad'``."""

    def __init__(self, message: str, slip: str):
        super().__init__(message)
        self.slip = slip


def check(node, value_class: type, children: Iterable = (), local_grads: Iterable = ()) -> None:
    """A node made by hand: its children must be Values, with one number per child as local derivative,
    or none at all when its ``_backward`` closure follows (micrograd-style; ``_local_grads`` becomes None).

    microgpt's ``Value(data, children, local_grads)`` gives the local derivatives third, where micrograd gives
    the op's name: numbers there are local derivatives. ``children=`` and ``local_grads=`` may be keywords.
    """
    if type(node._op) is not str:
        if isinstance(node._op, Iterable) and not node._local_grads:  # microgpt's Value(data, children, local_grads)
            node._op, node._local_grads = '', node._op
        else:
            raise TypeError(f"Value(data, children, op_or_local_grads): the third argument is micrograd's op name (a "
                            f"string) or microgpt's local derivatives (one number per child), got {node._op!r}")
    for name, given, positional in (('children', children, '_prev'), ('local_grads', local_grads, '_local_grads')):
        if given:
            if getattr(node, positional):
                raise TypeError(f"Value(...) got its {name} twice, by position and as {name}=; give them once")
            setattr(node, positional, given)
    children, local_grads = node._prev, node._local_grads
    if isinstance(children, value_class) or not isinstance(children, Iterable):
        raise TypeError(f"Value(data, _children, ...): the children of the {node_kind(node)} must be a tuple of "
                        f"Values, got {type(children).__name__}; e.g. (x,) for one child")
    node._prev = children = tuple(children)  # micrograd code may pass a set or a list
    for child in children:
        if not isinstance(child, value_class):
            raise TypeError(f"the children of the {node_kind(node)} must be Values, got {type(child).__name__} "
                            f"{child!r}; wrap numbers first, e.g. Value({child!r})")
    if local_grads is not None and not isinstance(local_grads, Iterable):
        raise TypeError(f"Value(..., _op={node._op!r}, _local_grads=...) takes one local derivative per child, in "
                        f"a tuple: ({local_grads!r},) for one child")
    local_grads = () if local_grads is None else tuple(local_grads)  # a list or a NumPy array of numbers will do
    if not local_grads:
        node._local_grads = None
        return
    if len(local_grads) != len(children):
        raise ValueError(f"Value(...) made a {node_kind(node)} with {len(local_grads)} local derivatives for "
                         f"{len(children)} children; give one d out/d child per child, in order")
    for local in local_grads:
        if isinstance(local, value_class) or not isinstance(local, numbers.Real):
            raise TypeError(f"the local derivatives of the {node_kind(node)} must be numbers (d out/d child "
                            f"at this point), got {type(local).__name__} {local!r}")
    node._local_grads = local_grads


def chain_rule_step(node) -> None:
    """Each child.grad += local derivative * node.grad."""
    for child, local in zip(node._prev, node._local_grads):
        child.grad += local * node.grad


def _get_backward(node) -> Callable[[], None]:
    closure = node.__dict__.get('_backward')
    if closure is not None:
        return closure
    if node._local_grads is None:
        raise TypeError(f"the {node_kind(node)} {describe(node)} has children but no way to pass gradients "
                        "back: give Value(...) its local derivatives, or assign out._backward = a function "
                        "(as micrograd's ops do) before calling backward()")
    return functools.partial(chain_rule_step, node)


def _set_backward(node, closure: Callable[[], None]) -> None:
    if not callable(closure):
        raise TypeError(f"_backward must be a function that adds to the children's .grad, got "
                        f"{type(closure).__name__}")
    node.__dict__['_backward'] = closure
    if node._prev:
        node._local_grads = None  # from now on backward() calls the closure


backward_closure = property(_get_backward, _set_backward,
                            doc="This node's own chain-rule step (the lecture's ``o._backward()``); an op may assign its own.")


def apply_closure(node) -> None:
    """``node._backward()`` as ``backward()`` runs it: what the closure adds is measured first (``run_closure``), so a
    closure that sets grads or forgets ``* out.grad`` is a ``ClosureError``, not silently wrong gradients."""
    for child, added in run_closure(node, node.grad).items():
        child.grad += added


def run_closure(node, upstream: float) -> dict:
    """What a micrograd-style node's own ``_backward`` adds to each child when ``node.grad`` is ``upstream``.

    Every ``.grad`` is put back afterwards, so this only looks. A child used twice (``x*x``) gets one entry.
    The closure runs from children's grads of 0 and then of a larger number: if what it adds changes with them,
    it overwrote a grad (the lecture's ``=`` for ``+=``). It runs with ``node.grad`` 1 and 2 too: what it adds must
    double (the chain rule's ``local * out.grad``); if not, it forgot ``* out.grad``. Either is a ``ClosureError``.
    """
    children = list(dict.fromkeys(node._prev))
    saved = [(n, n.grad) for n in [node, *children]]

    def gains(starts: dict, grad: float = upstream) -> dict:
        for child in children:
            child.grad = starts[child]
        node.grad = grad
        node._backward()
        return {child: child.grad - starts[child] for child in children}

    zeros = dict.fromkeys(children, 0.0)
    try:
        added = gains(zeros)
        offsets = {child: max(1.0, abs(g)) if math.isfinite(g) else 1.0 for child, g in added.items()}
        again, once, twice = gains(offsets), gains(zeros, 1.0), gains(zeros, 2.0)
    finally:
        for n, grad in saved:
            n.grad = grad
    for child in children:
        if math.isfinite(added[child]) and not abs(again[child] - added[child]) < offsets[child] / 2:
            raise ClosureError(f"the {node_kind(node)}'s _backward sets {describe(child)}'s grad instead of adding "
                               "to it, so a child used elsewhere loses its other contributions; write "
                               "child.grad += local * out.grad", 'assigns')
        if math.isfinite(once[child]) and not math.isclose(twice[child], 2 * once[child], rel_tol=1e-9):
            raise ClosureError(f"the {node_kind(node)}'s _backward adds {once[child]:.6g} to {describe(child)}'s grad "
                               f"when out.grad is 1 and {twice[child]:.6g} when it is 2: the chain rule's step is "
                               "local derivative * out.grad, so it must double; did it forget to multiply by out.grad? "
                               "write child.grad += local * out.grad", 'forgets out.grad')
    return added
