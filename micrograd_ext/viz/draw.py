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
with edges across the whole picture makes Graphviz's layout take minutes and is unreadable. A graph more than
``MAX_LR_DEPTH`` operations deep (a long chain) is drawn top to bottom unless ``rankdir`` says otherwise: left to
right, every operation adds a column about 300 pt wide.
"""
from __future__ import annotations

import base64
import contextlib
import html
import os
from collections.abc import Collection
from typing import TYPE_CHECKING, cast

import graphviz

from ..core.autograd import stale_grads
from ..core.slips import changed_since_forward
from ..core.engine import Value, topological_order
from .legend import HIGHLIGHT, ROLE_COLORS, STALE, add_legend, dot_escape
from .limits import DEFAULT_MAX_EDGES, DEFAULT_MAX_NODES, GraphTooLargeError, links_drawn, size_drawn, too_large_message
from .naming import expression, fmt, neuron_of, neuron_parts, node_names
from ..core.ops import split_linear
from .rendering import DEFAULT_TIMEOUT, render_source

if TYPE_CHECKING:
    from ..learn.nn import Neuron

COPY_SPREAD = 2  # a leaf whose uses lie more than this many ranks apart gets a copy beside each use
# the edges out of computed values and operations pull harder than those out of leaves (constants, inputs,
# copies), so the path of the computation stays straight: a chain is a line, not a staircase
SPINE_WEIGHT = '3'
MAX_LR_DEPTH = 12  # rankdir=None draws a graph deeper than this many operations top to bottom
# Graphviz's node placement (network simplex) may take minutes on long edges; cap it at nslimit x nodes
# iterations. Graphs without long edges converge well before that, so their layout is unchanged.
LAYOUT = {'nslimit': '2'}
# a model's neurons packed closer, to fit a slide; and few rounds of crossing reduction, which keep each layer's
# neurons in the order they are drawn (N0, N1, ... top to bottom), as both renderers place them
CLUSTER_LAYOUT = {'ranksep': '0.15', 'nodesep': '0.08', 'mclimit': '0.1'}


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders without the system Graphviz (SVG) and shows itself in Jupyter.

    In a notebook it is an SVG and, which front-ends prefer, an HTML ``<img>`` of it that is never wider than
    the page (``max-width: 100%``): an exported notebook (``jupyter nbconvert --to html``) shows SVG outputs at
    their full width, off the page's edge for a wide graph.
    """

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        svg = self.pipe('svg', encoding='utf-8')
        bundle = {'image/svg+xml': svg, 'text/html': html_picture(svg)}
        return {kind: data for kind, data in bundle.items()
                if (not include or kind in include) and (not exclude or kind not in exclude)}

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


def html_picture(svg: str, alt: str = 'computation graph') -> str:
    """``svg`` as an HTML ``<img>`` that shrinks to the width of the page (and keeps its proportions).

    >>> html_picture('<svg/>')[:60]
    '<img alt="computation graph" style="max-width: 100%; height:'
    """
    data = base64.b64encode(svg.encode('utf-8')).decode('ascii')
    return (f'<img alt="{html.escape(alt)}" style="max-width: 100%; height: auto" '
            f'src="data:image/svg+xml;base64,{data}">')


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


def draw_dot(root: Value, format: str = 'svg', rankdir: str | None = None, *, show_data: bool = True,
             show_grad: bool = True, highlight: Collection[Value] = (), highlight_edges: Collection = (),
             pending: Collection[Value] = (), parameters: Collection[Value] = (), cluster: bool = False,
             collapse: str | None = None, expand_linear: bool = False, legend: bool = True,
             formulas: Collection[Value] = (), max_nodes: int = DEFAULT_MAX_NODES, max_edges: int = DEFAULT_MAX_EDGES,
             mark_stale: bool = True) -> Drawing:
    """The graph of ``root`` as a ``Drawing`` (a ``graphviz.Digraph``).

    Record boxes show ``name | data | grad`` coloured by role (see the legend), with the names that
    ``backward_steps()``, ``explain()`` and ``graph_table()`` use (``v1`` for a computed node, ``c1`` for a
    constant); a computed box's tooltip is its formula in those names (``v3 = v1 + b``). Grads that are not
    the current d root / d node (``backward()`` has not run since the graph was built, or leaves added up
    several passes) are marked ``(stale)`` in grey, and ``pending`` nodes show no grad yet. ``highlight``
    nodes and ``highlight_edges`` ((child, parent) pairs) are drawn in red. ``parameters`` are coloured as
    parameters (as are leaves made with ``nn.Parameter`` and every model's).

    ``rankdir`` is 'LR' (left to right), 'TB' (top to bottom), 'RL' or 'BT'; None (the default) is 'LR', or
    'TB' for a graph more than ``MAX_LR_DEPTH`` (12) operations deep, which left to right would be a strip
    many screens wide. The legend stands beside the output, in one order in every layout and renderer;
    ``formulas`` are nodes whose formula it spells out (up to ``legend.MAX_FORMULAS``), as the command line
    does for the nodes it names ``v1, v2, ...`` instead of their long sub-expressions (``naming.short_names``).

    Neurons: ``cluster=True`` boxes each neuron's nodes, titled by its place (``L1.N0``), with its weights
    and bias as one table in order (w0, w1, ..., b), and a layer's neurons N0, N1, ... top to bottom (left to
    right with 'TB'); ``collapse='neuron'`` draws each neuron as one box.
    A neuron's ``w·x + b`` is one ``linear`` node, as the engine computes it and ``backward_steps()`` steps
    through it, so picture and steps match; ``expand_linear=True`` draws it the way micrograd's lecture
    does, each product ``wi*xi`` and then their sum, for comparing with that picture (the products are not
    nodes of this graph: each shows its data and, since d sum / d product = 1, the sum's grad).

    ``mark_stale=False`` shows grads as they are (the step-through frames show partial sums on purpose).
    More than ``max_nodes`` values or ``max_edges`` edges raise ``GraphTooLargeError``, which offers only
    the ways out that draw (``collapse='neuron'`` with the limits it needs, larger limits).
    """
    if rankdir not in (None, 'LR', 'TB', 'RL', 'BT'):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), or None to choose, "
                         f"got {rankdir!r}")
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
    all_groups = neuron_groups(nodes)
    in_a_neuron = {m: output for _, output, members, _ in all_groups for m in members}  # member -> neuron output
    hidden = in_a_neuron if collapse else {}
    groups = all_groups if (cluster or collapse) else []
    table_of: dict[Value, tuple[str, str]] = {}  # in clusters: parameter -> (its neuron's table id, the row's port)
    for k, (_, _, members, _) in enumerate(groups if cluster else []):
        table_of.update((p, (f'params{k}', f'p{i}')) for i, p in enumerate(m for m in members if not m._prev))
    expanded = {node for node in nodes if expand_linear and node._op == 'linear' and node not in hidden}
    # every drawn edge into an operation (or a collapsed neuron) as (child, user); users are drawn nodes
    links = links_drawn(nodes, groups if collapse else [], hidden)
    shown, edge_count = size_drawn(nodes, groups if collapse else [], hidden, links, expanded)
    if shown > max_nodes or edge_count > max_edges:
        collapsed = None
        if in_a_neuron and not collapse:  # what collapse='neuron' would draw
            collapsed = size_drawn(nodes, all_groups, in_a_neuron, links_drawn(nodes, all_groups, in_a_neuron), set())
        sizes = (shown, edge_count, {'max_nodes': max_nodes, 'max_edges': max_edges}, collapsed)
        raise GraphTooLargeError(too_large_message(*sizes), sizes)

    order = {node: i for i, node in enumerate(nodes)}
    users: dict[Value, dict[Value, None]] = {}
    for child, user in links:
        if not child._prev and child not in hidden and child not in table_of:
            users.setdefault(child, {})[user] = None  # an ordered set
    depth = _depths(nodes)
    rankdir = rankdir or ('TB' if depth[root] > MAX_LR_DEPTH else 'LR')
    copied = {leaf for leaf, by in users.items() if max(depth[u] for u in by) - min(depth[u] for u in by) > COPY_SPREAD}
    role = roles(nodes, root, parameters)
    drawn = [node for node in nodes if node not in hidden] + [output for _, output, _, _ in groups if collapse]
    stale = stale_grads(root, [n for n in nodes if n not in pending]) if show_grad and mark_stale else set()
    changed = set(changed_since_forward(nodes)) if show_data else set()
    highlighted, red_edges = set(highlight), {(id(c), id(p)) for c, p in highlight_edges}
    spine = {'weight': SPINE_WEIGHT}

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
        tooltip = {'tooltip': dot_escape(formula(node))} if node._prev else {}
        for name in [node_id(node, user) for user in users[node]] if node in copied else [node_id(node)]:
            graph.node(name, label=_record(fields(node, names[node]), rankdir), shape='record',
                       style='filled,dashed' if node in copied else 'filled', fillcolor=ROLE_COLORS[role[node]],
                       **tooltip, **_emphasis(node in highlighted, node in stale and show_grad))
        if node._prev:
            graph.node(f'{node_id(node)}_op', label='+' if node in expanded else node._op, shape='ellipse',
                       style='filled', fillcolor=ROLE_COLORS['operation'], fontsize='10', height='0.3')

    def formula(node: Value) -> str:
        return f'{names[node]} = {expression(node, names)}'

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
                dot.edge(node_id(x, output), node_id(output), **(spine if x._prev else {}))
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
            dot.edge(node_id(child, node), f'{node_id(node)}_op', **(spine if child._prev else {}), **reach,
                     **_red((id(child), id(node)) in red_edges))
        if node._prev:
            dot.edge(f'{node_id(node)}_op', node_id(node), **spine)
    if legend:
        present = {role[node] for node in drawn} | ({'parameter'} if table_of else set()) | ({'value'} if expanded else set())
        if any(node._prev for node in nodes if node not in hidden):
            present.add('operation')
        compact = ['name'] + ['data'] * show_data + ['grad'] * show_grad if table_of else []
        spelled_out = set(formulas)
        spelled = [formula(node) for node in nodes if node in spelled_out and node._prev and node not in hidden]
        # the legend goes in the output's rank: tied to a node one rank before it (its op, or a collapsed neuron's
        # first input), as a record's neighbour in its own rank would make the system dot 2.43 fail in 'TB'
        root_inputs = next((inputs for _, output, _, inputs in groups if output is root), []) if root in hidden else []
        if root_inputs:
            anchor = node_id(root_inputs[0], root)
        else:
            anchor = f'{node_id(root)}_op' if root._prev and root not in hidden else node_id(root)
        add_legend(dot, anchor, rankdir, [name for name in ROLE_COLORS if name in present], bool(stale and show_grad),
                   bool(copied), bool(highlighted or red_edges), compact, bool(changed), spelled)
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
