"""Draw a computation graph with Graphviz: one box per Value (label | data | grad), one oval per op.

>>> from micrograd_ext import Value
>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = a * b; L.label = 'L'
>>> dot = draw_dot(L, legend=False)              # before backward(): grads are marked stale
>>> 'data -6.0000' in dot.source and '(stale)' in dot.source
True
>>> L.backward()
>>> '(stale)' in draw_dot(L).source
False
>>> svg = dot.pipe('svg')                          # system dot if installed, else embedded Graphviz

A leaf used at ranks far apart (``x`` in ``x+x+...+x``) is drawn as a dashed copy beside each use: one box
with edges across the whole picture makes Graphviz's layout take minutes and is unreadable.
"""
from __future__ import annotations

import math
import os
from collections.abc import Collection

import graphviz

from ..autograd import gradients
from ..engine import ClosureError, Value, topological_order
from ..ops import split_linear
from ..table import fmt
from .rendering import DEFAULT_TIMEOUT, render_source

ROLE_COLORS = {
    'input': '#cfe2ff', 'parameter': '#ffd8a8', 'constant': '#e9ecef',
    'value': '#ffffff', 'output': '#b2f2bb', 'operation': '#fff3bf',
}
HIGHLIGHT = '#e03131'
STALE = '#868e96'
DEFAULT_MAX_NODES = 300
DEFAULT_MAX_EDGES = 600
COPY_SPREAD = 2  # a leaf whose uses lie more than this many ranks apart gets a copy beside each use
SPINE_WEIGHT = '3'  # with copies, the other edges pull harder, so the main path stays straight
# Graphviz's node placement (network simplex) may take minutes on long edges; cap it at nslimit x nodes
# iterations. Graphs without long edges converge well before that, so their layout is unchanged.
LAYOUT = {'nslimit': '2'}


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes`` or edges than ``max_edges``; the message lists the ways out."""


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders without the system Graphviz (SVG) and shows itself in Jupyter."""

    def pipe(self, format: str | None = None, encoding: str | None = None, timeout: float | None = DEFAULT_TIMEOUT):
        """The picture as bytes (or text with ``encoding``), giving up after ``timeout`` seconds."""
        data = render_source(self.source, format or self.format or 'svg', timeout=timeout)
        return data.decode(encoding) if encoding else data

    def render(self, filename: str | None = None, directory: str | None = None, format: str | None = None,
               outfile: str | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> str:
        """Write the picture to ``outfile`` (its extension names the format) or ``filename.format``, giving up
        after ``timeout`` seconds; returns the path."""
        if outfile:
            format = format or os.path.splitext(outfile)[1].lstrip('.').lower()
        format = format or self.format or 'svg'
        path = outfile or f"{filename or self.filename or 'graph'}.{format}"
        path = os.path.join(directory, path) if directory else path
        with open(path, 'wb') as f:
            f.write(render_source(self.source, format, timeout=timeout))
        return path


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """All nodes of ``root``'s graph (children first) and its edges ``(child, parent)``, in a fixed order.

    >>> x = Value(1.0); nodes, edges = trace(x * x)
    >>> len(nodes), len(edges)
    (2, 2)
    """
    nodes = topological_order(root)
    return nodes, [(child, node) for node in nodes for child in node._prev]


def roles(nodes: list[Value], root: Value, parameters: Collection[Value] = ()) -> dict[Value, str]:
    """Each node's role: output, parameter, input, constant (an unlabeled leaf), or value (computed)."""
    role = {}
    params, inputs = set(parameters), set()
    for node in nodes:
        if node._op == 'linear':  # a neuron's w·x + b
            weights, xs, bias = split_linear(node._prev)
            params.update(weights)
            params.add(bias)
            inputs.update(xs)
    for node in nodes:
        if node is root:
            role[node] = 'output'
        elif node._prev:
            role[node] = 'value'
        elif node in params:
            role[node] = 'parameter'
        else:
            role[node] = 'input' if node.label or node in inputs else 'constant'
    return role


def neuron_groups(nodes: list[Value]) -> list[tuple[object, Value, list[Value], list[Value]]]:
    """(neuron, output, member nodes, input nodes) for every Neuron call in the graph.

    A neuron's ``linear`` node (w·x + b) is recognised by its bias parameter; its output is the
    activation applied to it (or the ``linear`` node itself for a linear neuron). Members are the
    output, the ``linear`` node and the neuron's weights and bias; inputs are its other children.
    """
    from ..nn import ACTIVATION_OPS, neuron_of
    activated = {}  # linear node -> the unary node applied to it
    for node in nodes:
        if len(node._prev) == 1 and node._prev[0]._op == 'linear':
            activated[node._prev[0]] = node
    groups = []
    for node in nodes:
        neuron = neuron_of(node)
        if neuron is None:
            continue
        output = activated.get(node)
        if output is None or output._op != ACTIVATION_OPS[neuron.activation]:
            output = node
        weights, inputs, bias = split_linear(node._prev)
        members = list(dict.fromkeys([output, node, *weights, bias]))
        groups.append((neuron, output, members, list(inputs)))
    return groups


def draw_dot(root: Value, format: str = 'svg', rankdir: str = 'LR', *, show_data: bool = True,
             show_grad: bool = True, highlight: Collection[Value] = (), highlight_edges: Collection = (),
             pending: Collection[Value] = (), parameters: Collection[Value] = (), cluster: bool = False,
             collapse: str | None = None, legend: bool = True, max_nodes: int = DEFAULT_MAX_NODES,
             max_edges: int = DEFAULT_MAX_EDGES, mark_stale: bool = True) -> Drawing:
    """The graph of ``root`` as a ``Drawing`` (a ``graphviz.Digraph``).

    Record boxes show ``label | data | grad`` coloured by role (see the legend); grads that are not the
    current d root / d node (``backward()`` has not run since the graph was built or changed) are greyed
    and marked stale, and ``pending`` nodes show no grad yet. ``highlight`` nodes and
    ``highlight_edges`` ((child, parent) pairs) are drawn in red. ``cluster=True`` boxes the nodes each
    Neuron produced; ``collapse='neuron'`` draws each neuron as one box. ``mark_stale=False`` shows grads
    as they are (the step-through frames show partial sums on purpose). More than ``max_nodes`` values or
    ``max_edges`` edges raise ``GraphTooLargeError``.
    """
    if rankdir not in ('LR', 'TB', 'RL', 'BT'):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
    if collapse not in (None, 'neuron'):
        raise ValueError(f"collapse must be None or 'neuron', got {collapse!r}")
    nodes, _ = trace(root)
    groups = neuron_groups(nodes)
    in_a_neuron = {m: output for _, output, members, _ in groups for m in members}  # member -> neuron output
    collapsed_count = len(nodes) - len(in_a_neuron) + len(groups)
    hidden = in_a_neuron if collapse else {}
    groups = groups if (cluster or collapse) else []
    shown = collapsed_count if collapse else len(nodes)
    # every drawn edge into an operation (or a collapsed neuron) as (child, user); users are drawn nodes
    links = [(x, output) for _, output, _, inputs in groups if collapse for x in dict.fromkeys(inputs)]
    links += [(child, node) for node in nodes if node not in hidden for child in node._prev]
    edge_count = len(links) + sum(1 for node in nodes if node._prev and node not in hidden)  # + op -> result
    for name, count, limit in (('max_nodes', shown, max_nodes), ('max_edges', edge_count, max_edges)):
        if count > limit:
            raise GraphTooLargeError(_too_large_message(shown, edge_count, name, limit, count,
                                                        None if collapse or not in_a_neuron else collapsed_count))

    order = {node: i for i, node in enumerate(nodes)}
    users = {}
    for child, user in links:
        if not child._prev and child not in hidden:
            users.setdefault(child, {})[user] = None  # an ordered set
    depth = _depths(nodes)
    copied = {leaf for leaf, by in users.items() if max(depth[u] for u in by) - min(depth[u] for u in by) > COPY_SPREAD}
    role = roles(nodes, root, parameters)
    fresh = _fresh_gradients(root) if show_grad and mark_stale else {}
    stale = {n for n in nodes if n not in pending and not math.isclose(n.grad, fresh.get(n, 0.0),
                                                                       rel_tol=1e-9, abs_tol=1e-12)} if fresh else set()
    highlighted, red_edges = set(highlight), {(id(c), id(p)) for c, p in highlight_edges}
    spine = {'weight': SPINE_WEIGHT} if copied else {}

    dot = Drawing(format=format, graph_attr={'rankdir': rankdir, 'fontname': 'Helvetica', **LAYOUT},
                  node_attr={'fontname': 'Helvetica', 'fontsize': '11'}, edge_attr={'color': '#495057'})

    def node_id(node: Value, user: Value | None = None) -> str:
        """A copied leaf has one id per user; every other node one id."""
        name = f'n{order[hidden.get(node, node)]}'
        return f'{name}_for{order[user]}' if node in copied else name

    def add_value(graph, node: Value) -> None:
        fields = [record_escape(node.label)] if node.label else []
        if show_data:
            fields.append(f'data {fmt(node.data)}')
        if show_grad:
            fields.append(_grad_field(node, node in pending, node in stale))
        for name in [node_id(node, user) for user in users[node]] if node in copied else [node_id(node)]:
            graph.node(name, label=_record(fields, rankdir), shape='record',
                       style='filled,dashed' if node in copied else 'filled', fillcolor=ROLE_COLORS[role[node]],
                       **_emphasis(node in highlighted, node in stale and show_grad))
        if node._prev:
            graph.node(f'{node_id(node)}_op', label=node._op, shape='ellipse', style='filled',
                       fillcolor=ROLE_COLORS['operation'], fontsize='10', height='0.3')

    drawn_in_cluster = set()
    for k, (module, output, members, inputs) in enumerate(groups):
        if collapse:
            fields = [record_escape(repr(module)), f'out {fmt(output.data)}']
            if show_grad:
                fields.append(_grad_field(output, output in pending, output in stale))
            fields.append(f'b {fmt(members[-1].data)}')
            dot.node(node_id(output), label=_record(fields, rankdir), shape='record', style='filled,bold',
                     fillcolor=ROLE_COLORS[role[output]],
                     **_emphasis(output in highlighted, output in stale and show_grad))
            for x in dict.fromkeys(inputs):
                dot.edge(node_id(x, output), node_id(output))
        else:
            with dot.subgraph(name=f'cluster_{k}') as box:
                box.attr(label=f'{module!r} #{k}', style='rounded,dashed', color='#868e96', fontsize='10')
                for member in members:
                    if member not in drawn_in_cluster:
                        add_value(box, member)
                        drawn_in_cluster.add(member)
    for node in nodes:
        if node in hidden or node in drawn_in_cluster:
            continue
        add_value(dot, node)
    for node in nodes:
        if node in hidden:
            continue
        for child in node._prev:
            red = (id(child), id(node)) in red_edges
            dot.edge(node_id(child, node), f'{node_id(node)}_op', **({} if child in copied else spine),
                     **({'color': HIGHLIGHT, 'penwidth': '2.5'} if red else {}))
        if node._prev:
            dot.edge(f'{node_id(node)}_op', node_id(node), **spine)
    if legend:
        _add_legend(dot, sorted(set(role.values()), key=list(ROLE_COLORS).index), bool(stale and show_grad),
                    bool(copied))
    return dot


def _depths(nodes: list[Value]) -> dict[Value, int]:
    """Each node's rank: 0 for a leaf, else one more than its deepest child (``nodes`` children first)."""
    depth = {}
    for node in nodes:
        depth[node] = 1 + max((depth[child] for child in node._prev), default=-1)
    return depth


def _fresh_gradients(root: Value) -> dict:
    """d root / d node now, to tell stale grads; none (nothing marked) if an op's _backward overwrites grads."""
    try:
        return gradients(root)
    except ClosureError:
        return {}


def record_escape(text: str) -> str:
    """``text`` made safe inside a Graphviz record label (braces, bars, angle brackets, quotes, backslashes)."""
    return ''.join('\\' + ch if ch in '{}|<>"\\' else ch for ch in text)


def _record(fields: list[str], rankdir: str) -> str:
    """Fields side by side: records flip with rankdir, so LR needs braces to stay horizontal."""
    row = ' | '.join(fields) or ' '
    return f'{{ {row} }}' if rankdir in ('LR', 'RL') else row


def _grad_field(node: Value, pending: bool, stale: bool) -> str:
    if pending:
        return 'grad pending'
    return f"grad {fmt(node.grad)}{' (stale)' if stale else ''}"


def _emphasis(highlighted: bool, stale: bool) -> dict[str, str]:
    attributes = {'color': HIGHLIGHT, 'penwidth': '3'} if highlighted else {}
    if stale:
        attributes['fontcolor'] = STALE
    return attributes


def _add_legend(dot: graphviz.Digraph, present: list[str], any_stale: bool, any_copies: bool) -> None:
    with dot.subgraph(name='cluster_legend') as legend:
        legend.attr(label='legend', fontsize='10', style='rounded', color='#ced4da')
        for name in present:
            legend.node(f'legend_{name}', label=name, shape='box', style='filled', fillcolor=ROLE_COLORS[name],
                        fontsize='9', height='0.2')
        legend.node('legend_operation', label='operation', shape='ellipse', style='filled',
                    fillcolor=ROLE_COLORS['operation'], fontsize='9', height='0.2')
        if any_copies:
            legend.node('legend_copy', label='dashed: a leaf drawn again beside each use', shape='box',
                        style='dashed', fontsize='9', height='0.2')
        if any_stale:
            legend.node('legend_stale', label='grey grad: stale, run backward() on this output',
                        shape='plaintext', fontcolor=STALE, fontsize='9')


def _too_large_message(nodes: int, edges: int, limit_name: str, limit: int, count: int,
                       collapsed_count: int | None) -> str:
    """Both counts, the ``limit_name`` limit that ``count`` is over, and the ways out."""
    ways = ['draw one example instead of the whole batch (e.g. the loss of X[0] alone) or a part of the expression']
    if collapsed_count is not None:
        ways.append(f"collapse='neuron' draws each neuron as one box ({collapsed_count} nodes)")
    ways.append(f'or raise {limit_name} (draw_dot(..., {limit_name}={count}))')
    return (f"this graph has {nodes} nodes and {edges} edges, more than {limit_name}={limit} can draw readably; "
            + '; '.join(ways))
