"""Which step went wrong: the first node, in backward order, where a student's gradients leave the engine's,
and the mistake that explains it, in words.

``diagnose(root, given)`` takes a table of hand-computed gradients or the student's own ``backward(root)``:

>>> from micrograd_ext import Value
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> e = a * b; e.label = 'e'
>>> y = e + a; y.label = 'y'
>>> print(diagnose(y, {'y': 1, 'e': 1, 'a': 1, 'b': 2}))  # doctest: +NORMALIZE_WHITESPACE
dy/da should be -2 = 1 (from y = e + a: 1 * dy/dy = 1 * 1) + -3 (from e = a*b: b * dy/de = -3 * 1), but you gave 1,
the contribution from y only: a is used 2 times (by y, e), and its gradient adds up one contribution from each use.
Write a.grad += ..., not a.grad = ..., or each use overwrites the ones before it.
>>> diagnose(y, {'y': 1, 'e': 1, 'a': -2, 'b': 2}) is None
True

The first wrong node in backward order (``reversed(topological_order(root))``) has only right parents, so
its gradient can be compared with each use's contribution ``parent.grad * d parent/d node``: one
contribution only is ``=`` for ``+=``, the upstream gradient alone a missing local derivative, and so on
(``CATEGORIES``). Numbers agree within ``math.isclose(rel_tol=REL_TOL, abs_tol=ABS_TOL)``; hand-computed ones, rounded,
may be given a larger ``rel_tol``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

from ..core.autograd import gradients
from ..core.engine import Value, topological_order
from ..viz.naming import node_names
from .mistakes import (ABS_TOL, CATEGORIES, CRASHED, LOCAL_ONLY, MAX_SUBSETS, MISSING_LOCAL, NOT_ZEROED, OTHER,
                       OVERWRITTEN, REL_TOL, ROOT_GRAD, UNREADABLE, WRONG_ORDER, WRONG_SIGN, Case, Diagnosis,
                       close_enough)
from .student_code import TIME_LIMIT, NotYet, as_number, guarded, kind_of

__all__ = ['diagnose', 'Diagnosis', 'CATEGORIES', 'OVERWRITTEN', 'MISSING_LOCAL', 'LOCAL_ONLY', 'WRONG_ORDER',
           'ROOT_GRAD', 'NOT_ZEROED', 'WRONG_SIGN', 'OTHER', 'CRASHED', 'UNREADABLE', 'REL_TOL', 'ABS_TOL',
           'MAX_SUBSETS']


def diagnose(root: Value, given: Mapping | Callable[[Value], None],
             time_limit: float | None = TIME_LIMIT, rel_tol: float = REL_TOL,
             left_by_backward: bool = False) -> Diagnosis | None:
    """The first node, in backward order, whose gradient in ``given`` is not d root/d node, and why; None when
    all agree.

    ``given`` is a table ``{node or name: gradient}`` (names as ``naming.node_names`` gives them: labels, else
    v1, v2...; a Value as a number counts as its ``.data``; unlabelled leaves such as the 4 of ``4*a`` may be left
    out), or the student's ``backward(root)``: it runs through ``student_code.guarded`` (stopped after ``time_limit``
    seconds; None: no limit) on the graph with every ``.grad`` set to 0, and then the ``.grad`` it left are compared.
    A table with ``left_by_backward`` holds the ``.grad`` a student's ``backward`` left (run elsewhere), and the
    messages say so.
    Problems in the student's answer (a crash, a timeout, a gradient that is no number, a missing or unknown node) come
    back as a Diagnosis (``CRASHED``, ``UNREADABLE``); a ``given`` of another kind is a TypeError.

    The engine's gradients come from ``autograd.gradients``, which never touches ``.grad``: a table leaves the
    graph as it was, a ``backward`` leaves every ``.grad`` as the student's code set it.

    >>> x = Value(3.0, label='x'); y = x * x; y.label = 'y'
    >>> def backward(root):
    ...     root.grad = 1.0
    ...     for child, local in zip(root._prev, root._local_grads):
    ...         child.grad = local * root.grad
    >>> diagnose(y, backward).category, x.grad
    ('= instead of +=', 3.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"diagnose(root, given) needs the output Value as root, got {kind_of(root)}")
    order = topological_order(root)
    names = node_names(order)
    expected = gradients(root)
    if isinstance(given, Mapping):
        subject = 'after your backward, {}.grad is' if left_by_backward else 'the gradient you gave for {} is'
        read = _read(lambda: _read_table(given, order, names, expected, subject), 'reading your gradients')
        said = 'your backward gives' if left_by_backward else 'you gave'
    elif callable(given):
        read, said = _run_backward(given, root, order, names, expected, time_limit), 'your backward gives'
    else:
        raise TypeError(f"diagnose(root, given): given must be a dict {{name or node: gradient}} or a function "
                        f"backward(root), got {kind_of(given)}")
    if isinstance(read, Diagnosis):
        return read
    return Case(root, order, names, read, expected, said, rel_tol).diagnosis()

# ---- reading the student's numbers ------------------------------------------------------------------------

def _run_backward(backward: Callable, root: Value, order: list[Value], names: dict, expected: dict,
                  time_limit: float | None) -> dict | Diagnosis:
    """Zero every grad, run the student's ``backward(root)`` safely, and read the grads it left."""
    for node in order:
        node.grad = 0.0
    try:
        guarded(lambda: backward(root), 'your backward', time_limit)
    except NotYet as verdict:
        return Diagnosis(None, None, None, None, CRASHED, verdict.message)

    def read() -> dict | Diagnosis:
        grads: dict[Value, float] = {}
        for node in order:
            reading = _reading(node.grad, f'after your backward, {names[node]}.grad is', expected, node, names)
            if isinstance(reading, Diagnosis):
                return reading
            grads[node] = reading
        return grads
    return _read(read, 'reading the gradients your backward set')


def _read(thunk: Callable[[], dict | Diagnosis], who: str) -> dict | Diagnosis:
    """``thunk()``, which reads the student's numbers (a mapping or numbers of their own may raise), with any
    exception as an UNREADABLE Diagnosis. No time limit: reading a million numbers takes a while."""
    try:
        return guarded(thunk, who, None)
    except NotYet as verdict:
        return Diagnosis(None, None, None, None, UNREADABLE, verdict.message)


def _read_table(table: Mapping, order: list[Value], names: dict, expected: dict,
                subject: str) -> dict | Diagnosis:
    """``table`` as {node: float}, or an UNREADABLE Diagnosis naming the first unknown, doubled, non-number or
    missing entry (``subject``, formatted with a node's name, begins the sentence about a gradient that is no number)."""
    by_name = {name: node for node, name in names.items()}
    listed = ', '.join(list(by_name)[:12]) + (', ...' if len(by_name) > 12 else '')
    grads: dict[Value, float] = {}
    for key, value in table.items():
        node = key if isinstance(key, Value) and key in names else by_name.get(key) if isinstance(key, str) else None
        if node is None:
            what = repr(key) if isinstance(key, str) else kind_of(key)
            return Diagnosis(None, None, value, None, UNREADABLE,
                             f"{what} is not a node of this graph. Name the nodes as the graph does ({listed}; "
                             "case-sensitive), or use the Values themselves as keys.")
        if node in grads:
            return Diagnosis(node, names[node], value, expected.get(node, 0.0), UNREADABLE,
                             f"{names[node]} is given twice (by its name and as a Value): give each node once.")
        reading = _reading(value, subject.format(names[node]), expected, node, names)
        if isinstance(reading, Diagnosis):
            return reading
        grads[node] = reading
    missing = [node for node in order if node not in grads and (node._prev or node.label)]
    if missing:
        shown = ', '.join(names[node] for node in missing[:12]) + (', ...' if len(missing) > 12 else '')
        return Diagnosis(missing[0], names[missing[0]], None, expected.get(missing[0], 0.0), UNREADABLE,
                         f"no gradient given for {shown}. Give one for every computed or labelled node (the output "
                         "included); unlabelled constants may be left out.")
    return grads


def _reading(value, subject: str, expected: dict, node: Value, names: dict) -> float | Diagnosis:
    """The student's gradient as a float (a Value counts as its .data; nan or inf only where the engine has it
    too), or an UNREADABLE Diagnosis saying what it is instead."""
    number = value.data if isinstance(value, Value) else value
    due = expected.get(node, 0.0)
    if isinstance(number, numbers.Real) and not math.isfinite(number) and close_enough(float(number), due):
        return float(number)
    try:
        return as_number(value, subject, 'each gradient must be one number, e.g. 1.5.')
    except NotYet as verdict:
        return Diagnosis(node, names[node], value, due, UNREADABLE, verdict.message)
