"""A table of every node in a graph (name, op, inputs, data, grad) for terminals and notebooks.

Nodes are named as ``backward_steps()`` and the drawings name them; a grad that is not the current
d root / d node is marked ``(stale)``, and data that no longer follows from the children's (changed
after the forward pass) ``(out of date)``, as the drawings mark them.

>>> from micrograd_ext import Value
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = (a * b).relu()
>>> print(graph_table(L, show_grad=False))
node  op    inputs  data
a                   2.0000
b                   -3.0000
v1    *     a, b    -6.0000
v2    ReLU  v1      0.0000
>>> L.backward(); print(graph_table(L))
node  op    inputs  data     grad
a                   2.0000   0.0000
b                   -3.0000  0.0000
v1    *     a, b    -6.0000  0.0000
v2    ReLU  v1      0.0000   1.0000
"""
from __future__ import annotations

import html
from collections.abc import Collection

from ..core.autograd import stale_grads
from ..core.slips import changed_since_forward
from ..core.engine import Value, topological_order
from .naming import data_changed, fmt, node_names


class GraphTable:
    """Rows of (node, op, inputs, data, grad) in topological order; prints as text, shows as HTML in Jupyter."""

    def __init__(self, root: Value, show_grad: bool = True, pending: Collection[Value] = ()):
        order = topological_order(root)
        names = node_names(order)
        self.header = ('node', 'op', 'inputs', 'data', 'grad')[:5 if show_grad else 4]
        stale = stale_grads(root, [n for n in order if n not in pending]) if show_grad else set()
        changed = set(changed_since_forward(order))

        def grad(node: Value) -> str:
            return 'pending' if node in pending else fmt(node.grad) + (' (stale)' if node in stale else '')

        self.rows = [(names[n], n._op, ', '.join(names[c] for c in n._prev),
                      fmt(n.data) + (' (out of date)' if n in changed else ''), grad(n))[:len(self.header)] for n in order]
        self.stale = len(stale)
        self.changed = data_changed(order, names)

    def __str__(self) -> str:
        widths = [max(len(row[i]) for row in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = ['  '.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [self.header, *self.rows]]
        if self.changed:
            lines.append(f'({self.changed})')
        if self.stale:
            lines.append(f'({self.stale} stale grads: not the current derivatives of this output; run backward() '
                         'on it, after zero_grad() if its leaves hold grads from an earlier pass)')
        return '\n'.join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = ''.join(f'<th>{h}</th>' for h in self.header)
        body = ''.join('<tr>' + ''.join(f'<td>{html.escape(c)}</td>' for c in row) + '</tr>' for row in self.rows)
        return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def graph_table(root: Value, show_grad: bool = True, pending: Collection[Value] = ()) -> GraphTable:
    """The table of ``root``'s graph; ``show_grad=False`` leaves out the grad column (before ``backward()``),
    ``pending`` nodes show 'pending' for their grad (as in the step-through)."""
    return GraphTable(root, show_grad, pending)
