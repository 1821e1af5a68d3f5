"""A table of every node in a graph (name, op, inputs, data, grad) for terminals and notebooks.

>>> from micrograd_ext import Value
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = (a * b).relu(); L.backward()
>>> print(graph_table(L))
node  op    inputs  data     grad
a                   2.0000   0.0000
b                   -3.0000  0.0000
v2    *     a, b    -6.0000  0.0000
v3    ReLU  v2      0.0000   1.0000
"""
from __future__ import annotations

import html

from .engine import Value, topological_order


def node_names(order: list[Value]) -> dict[Value, str]:
    """Each node's label; else its number for a leaf (a constant), or ``v<position in order>``."""
    return {node: node.label or (f'v{i}' if node._prev else f'{node.data:g}') for i, node in enumerate(order)}


def grouped(name: str) -> str:
    """``name`` in parentheses when it is an expression (``(x*w).grad``), as is otherwise."""
    return name if name.isidentifier() or is_number(name) else f'({name})'


def is_number(text: str | None) -> bool:
    """Whether ``text`` is a number written out (a constant's name, or a constant formula)."""
    if text is None:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def fmt(number: float) -> str:
    """Numbers as the tables and drawings show them: 4 decimals, or scientific when tiny or huge."""
    if number != 0 and (abs(number) >= 1e6 or abs(number) < 1e-4):
        return f'{number:.4e}'
    return f'{number:.4f}'


class GraphTable:
    """Rows of (node, op, inputs, data, grad) in topological order; prints as text, shows as HTML in Jupyter."""

    HEADER = ('node', 'op', 'inputs', 'data', 'grad')

    def __init__(self, root: Value):
        order = topological_order(root)
        names = node_names(order)
        self.rows = [(names[n], n._op, ', '.join(names[c] for c in n._prev), fmt(n.data), fmt(n.grad))
                     for n in order]

    def __str__(self) -> str:
        widths = [max(len(str(row[i])) for row in [self.HEADER, *self.rows]) for i in range(5)]
        lines = ['  '.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [self.HEADER, *self.rows]]
        return '\n'.join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = ''.join(f'<th>{h}</th>' for h in self.HEADER)
        body = ''.join('<tr>' + ''.join(f'<td>{html.escape(c)}</td>' for c in row) + '</tr>' for row in self.rows)
        return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def graph_table(root: Value) -> GraphTable:
    """The table of ``root``'s graph."""
    return GraphTable(root)
