"""The example graphs the teaching tools, exercises, notebooks and tests share, each built in one place.

>>> out, nodes = lecture_graph()
>>> out.label, out.data, nodes['a'].label
('M', 0.0, 'a')
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.engine import Value

Graph = Callable[[], tuple[Value, dict[str, Value]]]  # makes a fresh graph: (its output, its nodes by name)


def lecture_graph(a: float = 2.0, b: float = -3.0, c: float = 10.0, f: float = -2.0,
                  reused: bool = True) -> tuple[Value, dict[str, Value]]:
    """The graph to fill in by hand: e = a*b, d = e + c, L = d*f, and when ``reused``, g = 4*a (a is used twice)
    and M = L + g. Returns (the output, every node by name).

    >>> out, nodes = lecture_graph(reused=False)
    >>> out.label, out.data, list(nodes)
    ('L', -8.0, ['a', 'b', 'c', 'd', 'e', 'f', 'L'])
    """
    return _lecture_graph_of(Value(a, label='a'), Value(b, label='b'), Value(c, label='c'), Value(f, label='f'),
                             reused)


def _lecture_graph_of(a: Value, b: Value, c: Value, f: Value, reused: bool) -> tuple[Value, dict[str, Value]]:
    """``lecture_graph`` on the leaves a, b, c and f."""
    e = a * b
    e.label = 'e'
    d = e + c
    d.label = 'd'
    L = d * f
    L.label = 'L'
    if not reused:
        return L, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L)
    g = 4 * a
    g.label = 'g'
    M = L + g
    M.label = 'M'
    return M, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L, g=g, M=M)
