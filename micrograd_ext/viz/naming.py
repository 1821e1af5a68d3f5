"""What the teaching tools call each node, and how they write numbers: one naming for text and pictures.

``backward_steps()``, ``explain()``, ``graph_table()``, ``draw_dot()`` and the player all name a graph's
nodes with ``node_names``, so a name in the text is a name in the picture.

>>> from micrograd_ext import Value, topological_order
>>> w = Value(-3.0, label='w')
>>> order = topological_order(w * 2 + 3)
>>> names = node_names(order); [names[node] for node in order]
['w', 'c1', 'v1', 'c2', 'v2']
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TypeGuard, cast

from ..core.slips import changed_since_forward
from ..core.graph import topological_order
from ..core.ops import op_of, split_linear

if TYPE_CHECKING:
    from ..core.engine import Value


def node_names(order: list) -> dict:
    """Each node's name, for nodes listed children first (``topological_order``).

    A labelled node is called by its label; a computed one ``v1, v2, ...``; an unlabelled leaf ``x0, x1, ...``
    when a neuron reads it as an input, else ``c1, c2, ...`` (a constant: the tools show its value beside
    the name). When the graph holds several neurons of a model, their parameters are given the neuron's
    name (``L1.N0.w0``). Numbered names that a label already uses are skipped, and a name that is still given
    to several nodes (two Values both labelled ``a``) is told apart by a suffix: ``a``, ``a#2``. A label
    that reads as a number is quoted (``'3'``), so that formulas never show it as a constant.
    """
    _, inputs, owners = neuron_parts(order)
    labels = Counter(node.label for node in order if node.label)
    several_neurons = len(set(owners.values())) > 1
    counters = {'v': 0, 'c': 0, 'x': -1}
    names = {}
    for node in order:
        if node.label:
            label = ' '.join(node.label.splitlines())  # one line, in tables and step text
            label = f"'{label}'" if is_number(label) else label  # a label '3' is not the constant 3 in a formula
            owner = owners.get(node)
            names[node] = f'{owner}.{label}' if owner and several_neurons else label
            continue
        prefix = 'v' if node._prev else ('x' if node in inputs else 'c')
        while True:
            counters[prefix] += 1
            name = f'{prefix}{counters[prefix]}'
            if name not in labels:
                break
        names[node] = name
    uses, taken = Counter(names.values()), set(names.values())
    suffix: Counter = Counter()
    for node, name in list(names.items()):
        if uses[name] > 1 and name in suffix:  # the first node keeps the name, the others get a free a#2, a#3, ...
            while f'{name}#{suffix[name]}' in taken:
                suffix[name] += 1
            names[node] = f'{name}#{suffix[name]}'
            taken.add(names[node])
        elif uses[name] > 1:
            suffix[name] = 2
    return names


MAX_NAME = 16  # short_names: a computed node's label longer than this gives way to v1, v2, ...


def short_names(root: Value, longest: int = MAX_NAME) -> Value:
    """``root``, with the labels of its computed nodes that are longer than ``longest`` characters removed, so
    that every tool names those nodes ``v1, v2, ...``: the command line labels each node with its piece of the
    expression, which past a short length makes wide boxes and, cut short, names alike
    (``w1*x1 + w2*x2 + w3*x3 +…#2``). ``spelled_out(root)`` lists them, for the drawing's legend.

    >>> from micrograd_ext import Value
    >>> x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    >>> y = (x * w).tanh(); y.label = 'tanh(x*w) of the neuron'; y._prev[0].label = 'x*w'
    >>> names = node_names(topological_order(short_names(y))); names[y], names[y._prev[0]]
    ('v1', 'x*w')
    """
    for node in topological_order(root):
        if node._prev and len(node.label) > longest:
            node.label = ''
    return root


def spelled_out(root: Value) -> list[Value]:
    """The computed nodes without a label (named ``v1, v2, ...``), whose formulas a drawing's legend can give:
    ``draw_dot(root, formulas=spelled_out(root))``."""
    return [node for node in topological_order(root) if node._prev and not node.label]


def neuron_parts(order: list) -> tuple[set[Value], set[Value], dict[Value, str]]:
    """What the graph's ``linear`` nodes (neurons' ``w·x + b``) say of their children: the weights and biases,
    the inputs, and each parameter's neuron's name (for neurons of a model)."""
    parameters: set[Value] = set()
    inputs: set[Value] = set()
    owners: dict[Value, str] = {}
    for node in order:
        if node._op != 'linear':
            continue
        weights, xs, last = split_linear(node._prev)
        bias = cast('Value', last)  # split_linear() types its last item as object; a linear node's children are Values
        mine = (*weights, bias) if bias.is_parameter or bias.label else weights  # a constant 0 bias is no parameter
        parameters.update(mine)
        inputs.update(xs)
        neuron = neuron_of(node)
        if neuron is not None and neuron.name:
            owners.update((p, neuron.name) for p in mine)
    return parameters, inputs, owners


def grouped(name: str) -> str:
    """``name`` in parentheses when it is an expression (``(x*w).grad``), as is otherwise.

    >>> grouped('x*w'), grouped('L1.N0.w0'), grouped('a#2'), grouped('2.5')
    ('(x*w)', 'L1.N0.w0', 'a#2', '2.5')
    """
    return name if is_simple(name) or is_number(name) else f'({name})'


def is_simple(name: str) -> bool:
    """Whether ``name`` reads as one name: an identifier, maybe dotted (``L1.N0.w0``) or numbered (``a#2``)."""
    return name.replace('.', '_').replace('#', '_').isidentifier()


def is_number(text: str | None) -> TypeGuard[str]:
    """Whether ``text`` is a number written out (a local derivative that is a constant, like ``1``)."""
    if text is None:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def fmt(number: float) -> str:
    """Numbers as the tables and drawings show them: 4 decimals, or scientific when tiny or huge.

    >>> fmt(2.0), fmt(1e-7)
    ('2.0000', '1.0000e-07')
    """
    if number == 0:
        return '0.0000'  # -0.0 too: the sign of a zero means nothing to a student
    if abs(number) >= 1e6 or abs(number) < 1e-4:
        return f'{number:.4e}'
    return f'{number:.4f}'


def derivative(top: str, bottom: str) -> str:
    """``dy/dx``, with parentheses around compound names: ``d(x*w)/dx``."""
    return f'd{grouped(top)}/d{grouped(bottom)}'


def expression(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed from its children, in the graph's names: ``x*w``, ``tanh(n)``..."""
    args = [names[child] for child in node._prev]
    op = op_of(node)
    return op.written(*args) if op is not None else f"{node._op}({', '.join(args)})"


def data_changed(order: list[Value], names: dict[Value, str]) -> str | None:
    """What to tell when data changed since the forward pass (None when nothing did)."""
    changed = changed_since_forward(order)
    if not changed:
        return None
    node = changed[0]
    return (f"the data changed since this graph was built ({names[node]} = {expression(node, names)} no longer gives "
            f"{fmt(node.data)}; an optimizer step?): the local derivatives are those stored in the forward pass; run the "
            "forward pass again to see the current numbers")


def neuron_of(node: Value):
    """The neuron whose ``w·x + b`` is ``node`` (a ``linear`` node), or None: ``learn.nn`` tags each neuron's bias
    (or, made with ``bias=False``, its constant 0) with ``bias._neuron`` (the neuron, which has a ``name``, its
    ``bias_input`` and its ``output_op``).

    >>> from micrograd_ext.learn.nn import Neuron
    >>> n = Neuron(2, seed=0); z = n([1.0, 2.0])._prev[0]
    >>> neuron_of(z) is n, neuron_of(z * 2)
    (True, None)
    """
    if node._op != 'linear':
        return None
    bias = node._prev[-1]
    neuron = getattr(bias, '_neuron', None)
    return neuron if neuron is not None and getattr(neuron, 'bias_input', None) is bias else None
