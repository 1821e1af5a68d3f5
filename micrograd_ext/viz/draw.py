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

import contextlib
import os
from collections.abc import Collection
from typing import TYPE_CHECKING, cast

import graphviz

from ..core.errors import MicrogradExtError
from ..core.autograd import changed_since_forward, stale_grads
from ..core.engine import Value, topological_order
from .naming import fmt, neuron_of, neuron_parts, node_names
from ..core.ops import split_linear
from .rendering import DEFAULT_TIMEOUT, render_source

if TYPE_CHECKING:
    from ..learn.nn import Neuron

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
CLUSTER_LAYOUT = {'ranksep': '0.15', 'nodesep': '0.08'}  # a model's neurons packed closer, to fit a slide


class GraphTooLargeError(MicrogradExtError, ValueError):
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
    """Each node's role: output, parameter, input, constant (an unlabeled leaf), or value (computed).

    Parameters are the leaves marked ``is_parameter`` (``nn.Parameter``, every model's weights), those in
    ``parameters``, and the weights and bias of a neuron's ``linear`` node, whose other children are inputs.
    """
    role = {}
    params, inputs, _ = neuron_parts(nodes)
    params |= set(parameters)
    for node in nodes:
        if node is root:
            role[node] = 'output'
        elif node._prev:
            role[node] = 'value'
        elif node in params or node.is_parameter:
            role[node] = 'parameter'
        else:
            role[node] = 'input' if node.label or node in inputs else 'constant'
    return role


def neuron_groups(nodes: list[Value]) -> list[tuple[Neuron, Value, list[Value], list[Value]]]:
    """(neuron, output, member nodes, input nodes) for every Neuron call in the graph.

    A neuron's ``linear`` node (w·x + b) is recognised by its bias parameter; its output is the
    activation applied to it (or the ``linear`` node itself for a linear neuron). Members are the
    output, the ``linear`` node and the neuron's weights and bias; inputs are its other children.
    """
    activated = {}  # linear node -> the unary node applied to it
    for node in nodes:
        if len(node._prev) == 1 and node._prev[0]._op == 'linear':
            activated[node._prev[0]] = node
    groups: list[tuple[Neuron, Value, list[Value], list[Value]]] = []
    for node in nodes:
        neuron = neuron_of(node)
        if neuron is None:
            continue
        output = activated.get(node)
        if output is None or output._op != neuron.output_op:
            output = node
        weights, inputs, bias = split_linear(node._prev)
        members = list(dict.fromkeys([output, node, *weights, bias]))
        groups.append((neuron, output, members, list(inputs)))
    return groups


def neuron_title(neuron) -> str:
    """``L1.N0 ReLUNeuron(2)``: the neuron's place in its model (when it has one) and its kind."""
    return f'{neuron.name} {neuron!r}' if neuron.name else repr(neuron)


def draw_dot(root: Value, format: str = 'svg', rankdir: str = 'LR', *, show_data: bool = True,
             show_grad: bool = True, highlight: Collection[Value] = (), highlight_edges: Collection = (),
             pending: Collection[Value] = (), parameters: Collection[Value] = (), cluster: bool = False,
             collapse: str | None = None, expand_linear: bool = False, legend: bool = True,
             max_nodes: int = DEFAULT_MAX_NODES, max_edges: int = DEFAULT_MAX_EDGES, mark_stale: bool = True) -> Drawing:
    """The graph of ``root`` as a ``Drawing`` (a ``graphviz.Digraph``).

    Record boxes show ``name | data | grad`` coloured by role (see the legend), with the names that
    ``backward_steps()``, ``explain()`` and ``graph_table()`` use (``v1`` for a computed node, ``c1`` for a
    constant). Grads that are not the current d root / d node (``backward()`` has not run since the graph
    was built, or leaves added up several passes) are marked ``(stale)`` in grey, and ``pending`` nodes
    show no grad yet. ``highlight`` nodes and ``highlight_edges`` ((child, parent) pairs) are drawn in red.
    ``parameters`` are coloured as parameters (as are leaves made with ``nn.Parameter`` and every model's).

    Neurons: ``cluster=True`` boxes each neuron's nodes, titled by its place (``L1.N0``), with its weights
    and bias as one table in order (w0, w1, ..., b); ``collapse='neuron'`` draws each neuron as one box.
    A neuron's ``w·x + b`` is one ``linear`` node, as the engine computes it and ``backward_steps()`` steps
    through it, so picture and steps match; ``expand_linear=True`` draws it the way micrograd's lecture
    does, each product ``wi*xi`` and then their sum, for comparing with that picture (the products are not
    nodes of this graph: each shows its data and, since d sum / d product = 1, the sum's grad).

    ``mark_stale=False`` shows grads as they are (the step-through frames show partial sums on purpose).
    More than ``max_nodes`` values or ``max_edges`` edges raise ``GraphTooLargeError``.
    """
    if rankdir not in ('LR', 'TB', 'RL', 'BT'):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
    if collapse not in (None, 'neuron'):
        raise ValueError(f"collapse must be None or 'neuron', got {collapse!r}")
    if cluster and collapse:
        raise ValueError("cluster=True boxes the nodes of each neuron and collapse='neuron' draws each neuron as one "
                         "box: choose one of them")
    if expand_linear and collapse:
        raise ValueError("expand_linear=True draws the products inside each neuron, which collapse='neuron' hides: "
                         "choose one of them")
    nodes, _ = trace(root)
    names = node_names(nodes)
    groups = neuron_groups(nodes)
    in_a_neuron = {m: output for _, output, members, _ in groups for m in members}  # member -> neuron output
    collapsed_count = len(nodes) - len(in_a_neuron) + len(groups)
    hidden = in_a_neuron if collapse else {}
    groups = groups if (cluster or collapse) else []
    table_of: dict[Value, tuple[str, str]] = {}  # in clusters: parameter -> (its neuron's table id, the row's port)
    for k, (_, _, members, _) in enumerate(groups if cluster else []):
        table_of.update((p, (f'params{k}', f'p{i}')) for i, p in enumerate(m for m in members if not m._prev))
    expanded = {node for node in nodes if expand_linear and node._op == 'linear' and node not in hidden}
    shown = collapsed_count if collapse else len(nodes)
    # every drawn edge into an operation (or a collapsed neuron) as (child, user); users are drawn nodes
    links = [(x, output) for _, output, _, inputs in groups if collapse for x in dict.fromkeys(inputs)]
    links += [(child, node) for node in nodes if node not in hidden for child in node._prev]
    edge_count = len(links) + sum(1 for node in nodes if node._prev and node not in hidden)  # + op -> result
    edge_count += sum(len(node._prev) // 2 * 2 for node in expanded)  # each product's op -> value, and -> the sum
    if shown > max_nodes or edge_count > max_edges:
        raise GraphTooLargeError(_too_large_message(shown, edge_count, {'max_nodes': max_nodes, 'max_edges': max_edges},
                                                    None if collapse or not in_a_neuron else collapsed_count))

    order = {node: i for i, node in enumerate(nodes)}
    users: dict[Value, dict[Value, None]] = {}
    for child, user in links:
        if not child._prev and child not in hidden and child not in table_of:
            users.setdefault(child, {})[user] = None  # an ordered set
    depth = _depths(nodes)
    copied = {leaf for leaf, by in users.items() if max(depth[u] for u in by) - min(depth[u] for u in by) > COPY_SPREAD}
    role = roles(nodes, root, parameters)
    drawn = [node for node in nodes if node not in hidden] + [output for _, output, _, _ in groups if collapse]
    stale = stale_grads(root, [n for n in nodes if n not in pending]) if show_grad and mark_stale else set()
    changed = set(changed_since_forward(nodes)) if show_data else set()
    highlighted, red_edges = set(highlight), {(id(c), id(p)) for c, p in highlight_edges}
    spine = {'weight': SPINE_WEIGHT} if copied else {}

    dot = Drawing(format=format, graph_attr={'rankdir': rankdir, 'fontname': 'Helvetica', **LAYOUT,
                                             **(CLUSTER_LAYOUT if table_of else {})},
                  node_attr={'fontname': 'Helvetica', 'fontsize': '10' if table_of else '11'},
                  edge_attr={'color': '#495057'})

    def node_id(node: Value, user: Value | None = None) -> str:
        """A copied leaf has one id per user, a parameter in a neuron's table its row; every other node one id."""
        if node in table_of:
            return ':'.join(table_of[node]) + ':e'
        name = f'n{order[hidden.get(node, node)]}'
        return f'{name}_for{order[cast(Value, user)]}' if node in copied else name  # a copied leaf's user is given

    def fields(node: Value, name: str, data: float | None = None) -> list[str]:
        """name | data | grad (``data`` if given, else the node's); a model's picture leaves out the words
        'data' and 'grad' (the legend says them)."""
        shown_fields = [record_escape(name)]
        if show_data:
            shown = fmt(node.data if data is None else data) + (' (out of date)' if node in changed and data is None else '')
            shown_fields.append(shown if table_of else f'data {shown}')
        if show_grad:
            grad = _grad_field(node, node in pending, node in stale)
            shown_fields.append(grad[len('grad '):] if table_of else grad)
        return shown_fields

    def add_value(graph, node: Value) -> None:
        for name in [node_id(node, user) for user in users[node]] if node in copied else [node_id(node)]:
            graph.node(name, label=_record(fields(node, names[node]), rankdir), shape='record',
                       style='filled,dashed' if node in copied else 'filled', fillcolor=ROLE_COLORS[role[node]],
                       **_emphasis(node in highlighted, node in stale and show_grad))
        if node._prev:
            graph.node(f'{node_id(node)}_op', label='+' if node in expanded else node._op, shape='ellipse',
                       style='filled', fillcolor=ROLE_COLORS['operation'], fontsize='10', height='0.3')

    def add_table(graph, k: int, parameters: list[Value]) -> None:
        """One row per parameter (name | data | grad), under a header row, the grad cell the edge's port."""
        header = ['param'] + ['data'] * show_data + ['grad'] * show_grad
        rows = [' | '.join(header)]
        for p in parameters:
            cells = fields(p, names[p])
            cells[-1] = f'<{table_of[p][1]}> {cells[-1]}'
            rows.append(' | '.join(cells))
        rows = [f'{{ {row} }}' for row in rows]  # each row's cells side by side; the rows one under another
        label = ' | '.join(rows) if rankdir in ('LR', 'RL') else '{ ' + ' | '.join(rows) + ' }'
        graph.node(f'params{k}', label=label, shape='record', style='filled', fillcolor=ROLE_COLORS['parameter'],
                   **_emphasis(any(p in highlighted for p in parameters), False))

    drawn_in_cluster = set()
    box_of = {members[1] if members[0]._op != 'linear' else members[0]: k
              for k, (_, _, members, _) in enumerate(groups if cluster else [])}  # a neuron's linear node -> its box
    for k, (module, output, members, inputs) in enumerate(groups):
        if collapse:
            box = [record_escape(neuron_title(module)), f'out {fmt(output.data)}']
            if show_grad:
                box.append(_grad_field(output, output in pending, output in stale))
            box.append(f'b {fmt(members[-1].data)}')
            dot.node(node_id(output), label=_record(box, rankdir), shape='record', style='filled,bold',
                     fillcolor=ROLE_COLORS[role[output]],
                     **_emphasis(output in highlighted, output in stale and show_grad))
            for x in dict.fromkeys(inputs):
                dot.edge(node_id(x, output), node_id(output))
        else:
            with dot.subgraph(name=f'cluster_{k}') as box:
                box.attr(label=neuron_title(module), style='rounded,dashed', color='#868e96', fontsize='10')
                parameters = [m for m in members if not m._prev]
                for member in members:
                    if member._prev and member not in drawn_in_cluster:
                        add_value(box, member)
                        drawn_in_cluster.add(member)
                add_table(box, k, parameters)
                drawn_in_cluster.update(parameters)
    for node in nodes:
        if node in hidden or node in drawn_in_cluster:
            continue
        add_value(dot, node)
    for node in nodes:
        if node in hidden:
            continue
        if node in expanded:  # the products inside the neuron's box, when it has one (DOT joins same-named subgraphs)
            with dot.subgraph(name=f'cluster_{box_of[node]}') if node in box_of else contextlib.nullcontext(dot) as box:
                _add_products(dot, box, node, node_id, names, fields, red_edges, node in stale and show_grad, rankdir)
        for child in () if node in expanded else node._prev:
            # a neuron's inputs come from two ranks back, so its table has a rank of its own inside its box
            # and the boxes of one layer do not reach into the previous layer's
            reach = {'minlen': '2'} if node._op == 'linear' and table_of and child not in table_of else {}
            dot.edge(node_id(child, node), f'{node_id(node)}_op', **({} if child in copied else spine), **reach,
                     **_red((id(child), id(node)) in red_edges))
        if node._prev:
            dot.edge(f'{node_id(node)}_op', node_id(node), **spine)
    if legend:
        present = {role[node] for node in drawn} | ({'parameter'} if table_of else set()) | ({'value'} if expanded else set())
        if any(node._prev for node in nodes if node not in hidden):
            present.add('operation')
        compact = ['name'] + ['data'] * show_data + ['grad'] * show_grad if table_of else []
        _add_legend(dot, [name for name in ROLE_COLORS if name in present], bool(stale and show_grad), bool(copied),
                    bool(highlighted or red_edges), compact, bool(changed))
    return dot


def _add_products(dot: graphviz.Digraph, box: graphviz.Digraph, node: Value, node_id, names: dict, fields,
                  red_edges: set, stale: bool, rankdir: str) -> None:
    """Draw a ``linear`` node's products ``wi*xi`` as micrograd would, each a '*' feeding the node's '+'; each
    product box shows its data and the node's grad (d sum / d product = 1). The products go in ``box`` (the
    neuron's), the edges from the inputs in ``dot``: an edge named inside a box would pull its input in."""
    weights, inputs, bias = split_linear(node._prev)
    for i, (w, x) in enumerate(zip(weights, inputs)):
        product = f'{node_id(node)}_x{i}'
        box.node(product, label=_record(fields(node, f'{names[w]}*{names[x]}', w.data * x.data), rankdir),
                 shape='record', style='filled', fillcolor=ROLE_COLORS['value'], **_emphasis(False, stale))
        box.node(f'{product}_op', label='*', shape='ellipse', style='filled', fillcolor=ROLE_COLORS['operation'],
                 fontsize='10', height='0.3')
        box.edge(f'{product}_op', product)
        box.edge(product, f'{node_id(node)}_op')
    for i, (w, x) in enumerate(zip(weights, inputs)):
        for child in (w, x):
            dot.edge(node_id(child, node), f'{node_id(node)}_x{i}_op', **_red((id(child), id(node)) in red_edges))
    dot.edge(node_id(bias, node), f'{node_id(node)}_op', **_red((id(bias), id(node)) in red_edges))


def _red(red: bool) -> dict[str, str]:
    """An edge's attributes when it is highlighted."""
    return {'color': HIGHLIGHT, 'penwidth': '2.5'} if red else {}


def _depths(nodes: list[Value]) -> dict[Value, int]:
    """Each node's rank: 0 for a leaf, else one more than its deepest child (``nodes`` children first)."""
    depth: dict[Value, int] = {}
    for node in nodes:
        depth[node] = 1 + max((depth[child] for child in node._prev), default=-1)
    return depth


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


def _add_legend(dot: graphviz.Digraph, present: list[str], any_stale: bool, any_copies: bool,
                any_highlight: bool, compact: list[str], any_changed: bool) -> None:
    """The roles drawn (only those), and what dashed boxes, grey text and red mean when the picture has them."""
    with dot.subgraph(name='cluster_legend') as legend:
        legend.attr(label='legend', fontsize='10', style='rounded', color='#ced4da')
        for name in present:
            legend.node(f'legend_{name}', label=name, shape='ellipse' if name == 'operation' else 'box',
                        style='filled', fillcolor=ROLE_COLORS[name], fontsize='10', height='0.2')
        if compact:
            legend.node('legend_fields', label=f"box: {' | '.join(compact)}", shape='box', fontsize='10', height='0.2')
        if any_copies:
            legend.node('legend_copy', label='dashed: a leaf drawn again beside each use', shape='box',
                        style='dashed', fontsize='10', height='0.2')
        if any_stale:
            legend.node('legend_stale', label='grey, (stale): not the current grad;\nrun backward() (after zero_grad())',
                        shape='plaintext', fontcolor=STALE, fontsize='10')
        if any_changed:
            legend.node('legend_changed', label='(out of date): data changed since\nthe forward pass; run it again',
                        shape='plaintext', fontsize='10')
        if any_highlight:
            legend.node('legend_highlight', label="red: the step's node and edges", shape='box', color=HIGHLIGHT,
                        penwidth='2', fontsize='10', height='0.2')


def _too_large_message(nodes: int, edges: int, limits: dict[str, int], collapsed_count: int | None) -> str:
    """Both counts, the limits they are over, and the ways out (raising every limit that is exceeded)."""
    over = {name: count for name, count in (('max_nodes', nodes), ('max_edges', edges)) if count > limits[name]}
    ways = ['draw one example instead of the whole batch (e.g. the loss of X[0] alone) or a part of the expression']
    if collapsed_count is not None:
        fits = '' if collapsed_count <= limits['max_nodes'] else ', over max_nodes too'
        ways.append(f"collapse='neuron' draws each neuron as one box ({collapsed_count} nodes{fits})")
    raised = ', '.join(f'{name}={count}' for name, count in over.items())
    ways.append(f"or raise {' and '.join(over)} (draw_dot(..., {raised}))")
    limit_text = ' and '.join(f'{name}={limits[name]}' for name in over)
    return (f"this graph has {nodes} nodes and {edges} edges, more than {limit_text} can draw readably; "
            + '; '.join(ways))
