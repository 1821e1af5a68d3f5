"""Drawing: real renders with the system dot and the embedded Graphviz, SVGs parsed and counted."""
import os
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_ext import Value
from micrograd_ext.learn.nn import MLP
from micrograd_ext.teach import graphs
from micrograd_ext.viz import (GraphTooLargeError, RenderError, draw_dot, render, render_source, roles, system_dot,
                               trace)

SVG = '{http://www.w3.org/2000/svg}'
REQUIRE_DOT = os.environ.get('MICROGRAD_EXT_REQUIRE_DOT') == '1'


def lecture_graph():
    """The lecture's graph (e = a*b, d = e + c, L = d*f) and its nodes, from the one place it is built."""
    return graphs.lecture_graph(reused=False)


def parse(svg: bytes):
    root = ET.fromstring(svg)
    groups = root.iter(f'{SVG}g')
    classes = [g.get('class') for g in groups]
    text = ' '.join(t.text or '' for t in root.iter(f'{SVG}text'))
    return classes.count('node'), classes.count('edge'), text


def test_lecture_graph_renders_with_the_right_grads(backend):
    L, v = lecture_graph()
    L.backward()
    assert (v['a'].grad, v['b'].grad, v['c'].grad, v['f'].grad) == (6.0, -4.0, -2.0, 4.0)
    nodes, edges, text = parse(render(draw_dot(L, legend=False), 'svg'))
    assert (nodes, edges) == (7 + 3, 9)  # 7 values and 3 op nodes; child -> op -> result
    for label, data, grad in [('a', '2.0000', '6.0000'), ('b', '-3.0000', '-4.0000'), ('L', '-8.0000', '1.0000')]:
        assert re.search(rf'{label} data {data} grad {grad}', text)


def test_a_graph_drawn_before_backward_marks_grads_stale(backend):
    L, _ = lecture_graph()
    _, _, text = parse(render(draw_dot(L), 'svg'))
    assert len(re.findall(r'grad -?\d\.\d{4} \(stale\)', text)) == 7 and 'run backward()' in text  # and the legend
    L.backward()
    _, _, text = parse(render(draw_dot(L), 'svg'))
    assert '(stale)' not in text
    L2 = L * 2  # the graph changed: L's grad is no longer dL2/dL
    _, _, text = parse(render(draw_dot(L2), 'svg'))
    assert 'grad 1.0000 (stale)' in text


def test_png_and_pdf_render_with_the_system_dot(backend, tmp_path):
    L, _ = lecture_graph()
    if backend == 'system':
        path = render(draw_dot(L), str(tmp_path / 'graph.png'))
        assert open(path, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    else:
        with pytest.raises(RenderError, match='PNG output needs the system Graphviz.*apt-get install graphviz.*brew'):
            render(draw_dot(L), str(tmp_path / 'graph.png'))


def test_jupyter_shows_the_drawing_as_svg_without_system_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    L, _ = lecture_graph()
    bundle = draw_dot(L)._repr_mimebundle_()
    assert bundle['image/svg+xml'].lstrip().startswith('<?xml')
    path = draw_dot(L).render(outfile=str(tmp_path / 'out.svg'))
    assert parse(open(path, 'rb').read())[0] >= 10


def test_trace_is_deterministic_and_handles_100000_nodes_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    nodes, edges = trace(y)
    assert len(nodes) == 100_001 and len(edges) == 100_000
    L1, _ = lecture_graph()
    L2, _ = lecture_graph()
    assert draw_dot(L1).source == draw_dot(L2).source  # same graph, same picture


def test_labels_are_escaped_so_any_text_is_safe(backend):
    x = Value(1.0, label='<b>&"{x}|y"</b>')
    y = x * 2
    y.label = 'a\\b'
    _, _, text = parse(render(draw_dot(y), 'svg'))
    assert '<b>&"{x}|y"</b>' in text and 'a\\b' in text


def test_options_rankdir_hide_data_or_grad_and_highlight():
    L, v = lecture_graph()
    source = draw_dot(L, rankdir='TB', show_grad=False, highlight=[v['d']], legend=False).source
    assert 'rankdir=TB' in source and 'grad' not in source and 'penwidth=3' in source
    assert 'data' not in draw_dot(L, show_data=False).source
    with pytest.raises(ValueError, match="rankdir must be 'LR'"):
        draw_dot(L, rankdir='diagonal')


def test_roles_colour_parameters_inputs_constants_values_and_output():
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0]) * 3
    nodes, _ = trace(out)
    role = roles(nodes, out)
    assert role[out] == 'output' and role[model.layers[0].neurons[0].w[0]] == 'parameter'
    assert sorted(role.values()).count('input') == 2 and 'constant' in role.values()
    source = draw_dot(out).source
    assert all(f'legend_{name}' in source for name in ('input', 'parameter', 'constant', 'value', 'output'))


def test_cluster_boxes_each_neuron_and_collapse_draws_it_as_one_node(backend):
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, -2.0])
    out.backward()
    svg = render(draw_dot(out, cluster=True, legend=False), 'svg')
    clusters = [g for g in ET.fromstring(svg).iter(f'{SVG}g') if g.get('class') == 'cluster']
    assert len(clusters) == 4
    nodes, _, text = parse(render(draw_dot(out, collapse='neuron', legend=False), 'svg'))
    assert nodes == 2 + 4 and text.count('ReLUNeuron(2)') == 3 and 'LinearNeuron(3)' in text


def test_big_graphs_get_a_clear_error_with_the_ways_out():
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([1.0, 2.0])
    with pytest.raises(GraphTooLargeError) as caught:
        draw_dot(out)
    message = str(caught.value)
    # 2 inputs + 337 parameters + 33 linear nodes + 32 ReLUs; collapsed: 2 inputs + 33 neurons.
    # Edges: each linear node has 2 * nin + 1 children, each ReLU one; every op one edge to its result
    edges = 16 * (2 * 2 + 2) + 16 * (2 * 16 + 2) + (2 * 16 + 2) + 32 * 2
    assert f'this graph has 404 nodes and {edges} edges, more than max_nodes=300' in message
    assert "collapse='neuron' draws each neuron as one box (35 nodes, 304 edges)" in message
    assert 'one example' in message and 'max_nodes=404' in message
    assert draw_dot(out, collapse='neuron').source.count('Neuron(') == 33
    assert draw_dot(out, max_nodes=500, max_edges=edges).source


def test_value_shortcut_and_render_errors(tmp_path):
    L, _ = lecture_graph()
    assert L.draw_dot(legend=False).source == draw_dot(L, legend=False).source
    with pytest.raises(ValueError, match='cannot tell the format'):
        render(draw_dot(L), str(tmp_path / 'graph.txt'))
    with pytest.raises(ValueError, match='unknown format'):
        render_source('digraph {}', 'bmp')
    with pytest.raises(RenderError, match='not on PATH'):
        os.environ['PATH'], saved = str(tmp_path), os.environ['PATH']
        try:
            render_source('digraph {}', 'svg', backend='system')
        finally:
            os.environ['PATH'] = saved


def test_render_names_what_it_draws_when_given_a_value():
    from micrograd_ext.viz import render
    with pytest.raises(TypeError, match=r"render\(\) draws a graph from draw_dot\(\)"):
        render(Value(1.0), 'svg')


# ---- pictures a class can read ---------------------------------------------------------------------------

def _points(path: str) -> list[tuple[float, float]]:
    """Points along an SVG path of cubic Bezier segments (what Graphviz draws edges with)."""
    nums = [tuple(map(float, p.split(','))) for p in re.findall(r'-?[\d.]+,-?[\d.]+', path)]
    points = []
    for i in range(0, len(nums) - 3, 3):
        p0, p1, p2, p3 = nums[i:i + 4]
        for k in range(21):
            t = k / 20
            points.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d
                                for a, b, c, d in zip(p0, p1, p2, p3)))
    return points


def edges_through_other_neurons(source: str, svg: bytes) -> list[tuple[str, str]]:
    """(edge, cluster) for every edge that passes inside a neuron's box that is neither its start's nor its end's."""
    cluster_of, current = {}, None
    for line in source.splitlines():
        opened = re.match(r'\s*subgraph (cluster_\d+)', line)
        if opened:
            current = opened.group(1)
        elif line.strip() == '}':
            current = None
        elif current and re.match(r'\s*(\w+) \[', line):
            cluster_of[re.match(r'\s*(\w+) \[', line).group(1)] = current
    root = ET.fromstring(svg)
    boxes = {}
    for g in root.iter(f'{SVG}g'):
        if g.get('class') == 'cluster' and g.find(f'{SVG}title').text.startswith('cluster_') \
                and g.find(f'{SVG}title').text != 'cluster_legend':
            outline = g.find(f'{SVG}path')
            shape = outline.get('d') if outline is not None else g.find(f'{SVG}polygon').get('points')
            xs, ys = zip(*[tuple(map(float, p.split(','))) for p in re.findall(r'-?[\d.]+,-?[\d.]+', shape)])
            boxes[g.find(f'{SVG}title').text] = (min(xs) + 2, min(ys) + 2, max(xs) - 2, max(ys) - 2)
    crossing = []
    for g in root.iter(f'{SVG}g'):
        if g.get('class') != 'edge':
            continue
        title = g.find(f'{SVG}title').text
        ends = [end.split(':')[0] for end in title.split('->')]
        own = {cluster_of.get(end) for end in ends} | {cluster_of.get(ends[1].removesuffix('_op'))}
        inside = {name for x, y in _points(g.find(f'{SVG}path').get('d'))
                  for name, (x0, y0, x1, y1) in boxes.items() if name not in own and x0 < x < x1 and y0 < y < y1}
        crossing += [(title, name) for name in sorted(inside)]
    assert len(boxes) >= 1 and cluster_of
    return crossing


def test_a_models_picture_fits_a_slide_with_weights_in_order_and_neurons_named(backend):
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([1.0, -2.0])
    out.backward()
    drawing = draw_dot(out, cluster=True)
    svg = render(drawing, 'svg', backend)
    root = ET.fromstring(svg)
    width, height = (float(root.get(side).removesuffix('pt')) * 96 / 72 for side in ('width', 'height'))
    scale = min(1.0, 1920 / width, 1080 / height)  # shown on a 1920 x 1080 slide
    smallest = min(float(t.get('font-size')) * 96 / 72 for t in root.iter(f'{SVG}text'))
    assert smallest * scale >= 10  # every label at 10 px or more (the first round's picture: 5 px)
    titles = sorted(g.find(f'{SVG}text').text for g in root.iter(f'{SVG}g') if g.get('class') == 'cluster'
                    and g.find(f'{SVG}title').text != 'cluster_legend')
    assert titles == [*[f'L1.N{j} ReLUNeuron(2)' for j in range(4)], *[f'L2.N{j} ReLUNeuron(4)' for j in range(4)],
                      'L3.N0 LinearNeuron(4)']
    tables = re.findall(r'params\d+ \[label="(.*?)" ', drawing.source)
    assert len(tables) == 9
    for table in tables:  # rows named as the step-through names them: L1.N0.w0, L1.N0.w1, L1.N0.b
        header, *rows = re.findall(r'\{ ([\w.]+) \|', table)
        neuron = rows[0].rsplit('.', 1)[0]
        assert header == 'param' and re.fullmatch(r'L\d\.N\d', neuron)
        assert rows == [f'{neuron}.w{i}' for i in range(len(rows) - 1)] + [f'{neuron}.b']
    text = ' '.join(t.text or '' for t in root.iter(f'{SVG}text'))
    assert 'x0' in text and 'x1' in text  # the unlabelled inputs are named
    assert edges_through_other_neurons(drawing.source, svg) == []


def test_collapsed_neurons_say_which_they_are_and_cluster_with_collapse_is_refused():
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -2.0])
    source = draw_dot(out, collapse='neuron').source
    assert all(f'L1.N{j} ReLUNeuron(2)' in source for j in range(2)) and 'L2.N0 LinearNeuron(2)' in source
    with pytest.raises(ValueError, match="choose one of them"):
        draw_dot(out, cluster=True, collapse='neuron')


def test_the_legend_lists_only_what_the_picture_has():
    L, v = lecture_graph()
    legend = set(re.findall(r'legend_(\w+)', draw_dot(L).source))
    assert legend == {'input', 'value', 'output', 'operation', 'stale'}  # nothing is a constant or a parameter
    L.backward()
    assert set(re.findall(r'legend_(\w+)', draw_dot(L).source)) == {'input', 'value', 'output', 'operation'}
    assert 'legend_highlight' in draw_dot(L, highlight=[v['d']]).source
    x = Value(1.0)
    x.backward()
    assert set(re.findall(r'legend_(\w+)', draw_dot(x).source)) == {'output'}
    model = MLP(2, [2, 1], seed=0)
    collapsed = draw_dot(model([1.0, 2.0]), collapse='neuron').source
    assert 'legend_parameter' not in collapsed and 'legend_input' in collapsed


def test_stale_marks_grey_the_text_and_say_stale_as_the_legend_says():
    L, v = lecture_graph()
    source = draw_dot(L).source
    stale_boxes = [line for line in source.splitlines() if '(stale)' in line and 'legend' not in line]
    assert stale_boxes and all('fontcolor="#868e96"' in line for line in stale_boxes)
    assert 'grey, (stale): not the current grad' in source


def test_parameters_made_with_parameter_are_coloured_as_parameters():
    from micrograd_ext.teach.demo import seed_neuron
    from micrograd_ext.learn.nn import Parameter
    nodes, y = seed_neuron()
    role = roles(trace(y)[0], y)
    assert [role[nodes[n]] for n in ('w1', 'w2', 'b', 'x1', 'x2')] == ['parameter'] * 3 + ['input'] * 2
    w = Parameter(0.5, label='w')
    assert w.is_parameter and not Value(0.5).is_parameter and roles([w], w * 2)[w] == 'parameter'


def test_expand_linear_draws_a_neuron_as_micrograd_does(backend):
    from micrograd_ext.learn.nn import Neuron
    neuron = Neuron(3, seed=1)
    out = neuron([1.0, 2.0, 3.0])
    out.backward()
    fused = parse(render(draw_dot(out, legend=False), 'svg', backend))
    nodes, edges, text = parse(render(draw_dot(out, expand_linear=True, legend=False), 'svg', backend))
    assert (nodes, edges) == (fused[0] + 3 * 2, fused[1] + 3 * 2)  # a box and a '*' per product
    linear = out._prev[0]
    for i, (w, x) in enumerate(zip(neuron.w, linear._prev[3:6])):
        assert f'w{i}*x{i}' in text and f'data {w.data * x.data:.4f}' in text
    assert text.count(f'grad {linear.grad:.4f}') >= 3 + 1  # each product carries the sum's grad
    assert 'linear' not in text and text.count('*') >= 3


def test_system_dot_and_the_embedded_renderer_draw_the_same_boxes_edges_and_text():
    if system_dot() is None:
        if REQUIRE_DOT:
            pytest.fail('MICROGRAD_EXT_REQUIRE_DOT=1 but the system dot is not on PATH')
        pytest.skip('the system Graphviz is not installed (CI installs it with apt-get)')
    L, _ = lecture_graph()
    model = MLP(2, [3, 1], seed=0)
    for drawing in (draw_dot(L), draw_dot(model([1.0, -2.0]), cluster=True), draw_dot(model([1.0, 2.0]),
                                                                                          expand_linear=True)):
        system, embedded = (ET.fromstring(render_source(drawing.source, 'svg', backend=b)) for b in ('system', 'embedded'))
        classes = [[g.get('class') for g in svg.iter(f'{SVG}g')] for svg in (system, embedded)]
        assert classes[0] == classes[1]  # the same nodes, edges and clusters, in the same order
        texts = [sorted(t.text or '' for t in svg.iter(f'{SVG}text')) for svg in (system, embedded)]
        assert texts[0] == texts[1]
        sizes = [float(svg.get('width').removesuffix('pt')) for svg in (system, embedded)]
        assert abs(sizes[0] - sizes[1]) <= 0.15 * sizes[0]  # layouts differ a little: versions and font metrics


def test_a_models_tables_keep_their_rows_top_to_bottom_too(backend):
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    out.backward()
    svg = ET.fromstring(render(draw_dot(out, cluster=True, rankdir='TB'), 'svg', backend))
    texts = {t.text: float(t.get('y')) for t in svg.iter(f'{SVG}text')}
    w = model.layers[0].neurons[0].w[0]
    assert texts['L1.N0.w0'] == texts[f'{w.data:.4f}']  # a parameter's name and its data on one row


def test_options_that_contradict_each_other_are_refused_and_the_legend_says_what_boxes_hold():
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    with pytest.raises(ValueError, match='expand_linear=True draws the products'):
        draw_dot(out, expand_linear=True, collapse='neuron')
    assert 'box: name \\| data' in draw_dot(out, cluster=True, show_grad=False).source.replace('|', '\\|') \
        or 'box: name | data"' in draw_dot(out, cluster=True, show_grad=False).source
    assert 'grad' not in re.search(r'legend_fields \[label="([^"]*)"', draw_dot(out, cluster=True,
                                                                               show_grad=False).source).group(1)


def test_a_neuron_without_bias_is_boxed_and_its_constant_zero_is_no_parameter():
    from micrograd_ext.core.graph import topological_order
    from micrograd_ext.learn.nn import Layer
    layer = Layer(2, 2, seed=0, bias=False, activation='none')
    layer.name_neurons('L0.')
    out = layer([Value(1.0, label='x0'), Value(2.0, label='x1')])
    total = out[0] + out[1]
    found = roles(topological_order(total), total)
    zeros = [n.bias_input for n in layer.neurons]
    assert [found[z] for z in zeros] == ['constant', 'constant']
    assert sorted(found[w] for n in layer.neurons for w in n.w) == ['parameter'] * 4
    source = draw_dot(total, cluster=True).source
    assert 'label="L0.N0 LinearNeuron(2, bias=False)"' in source and 'label="L0.N1 LinearNeuron(2, bias=False)"' in source
    score = Value.linear([Value(0.5)], [Value(-1.0)], 0.0)  # an attention score: its 0 bias is a constant
    assert roles(topological_order(score), score)[score._prev[-1]] == 'constant'


# ---- where the neurons stand, and what a notebook shows (issue 28, items 7 and 10) ----------------------------

def extents(svg: bytes) -> dict[str, tuple[float, float, float, float]]:
    """Each node's and cluster's box (x0, y0, x1, y1) by its title (a cluster by its label's text)."""
    found = {}
    for g in ET.fromstring(svg).iter(f'{SVG}g'):
        if g.get('class') not in ('node', 'cluster'):
            continue
        points = []
        for shape in g.iter():
            for attribute in ('points', 'd'):
                points += [tuple(map(float, p.split(','))) for p in re.findall(r'-?[\d.]+,-?[\d.]+',
                                                                               shape.get(attribute) or '')]
            if shape.tag == f'{SVG}ellipse':
                cx, cy, rx, ry = (float(shape.get(k)) for k in ('cx', 'cy', 'rx', 'ry'))
                points += [(cx - rx, cy - ry), (cx + rx, cy + ry)]
            if shape.tag == f'{SVG}text':
                points.append((float(shape.get('x')), float(shape.get('y'))))
        title = g.find(f'{SVG}title').text
        if g.get('class') == 'cluster' and title != 'cluster_legend':
            title = g.find(f'{SVG}text').text
        xs, ys = zip(*points)
        found[title] = (min(xs), min(ys), max(xs), max(ys))
    return found


def neuron_order(svg: bytes, rankdir: str) -> dict[str, list[str]]:
    """Each layer's neurons ('N0', ...) top to bottom ('LR') or left to right ('TB') as drawn."""
    layers: dict[str, list[tuple[float, str]]] = {}
    for title, (x0, y0, _, _) in extents(svg).items():
        named = re.match(r'(L\d)\.(N\d+) ', title)
        if named:
            layers.setdefault(named[1], []).append((y0 if rankdir == 'LR' else x0, named[2]))
    return {layer: [name for _, name in sorted(found)] for layer, found in sorted(layers.items())}


@pytest.mark.parametrize('rankdir', ['LR', 'TB'])
def test_cluster_draws_each_layers_neurons_in_order(backend, rankdir):
    """MLP(2, [4, 4, 1]) drew L1 as N1, N3, N0, N2 (both renderers); a lecture counts N0, N1, ... top to bottom."""
    for sizes, x in [([4, 4, 1], [1.0, -2.0]), ([6, 6, 1], [0.5, 1.5]), ([5, 3, 2], [1.0, -1.0])]:
        model = MLP(2, sizes, seed=0)
        out = model(x)
        root = out[0] * out[1] if isinstance(out, list) else out
        svg = render(draw_dot(root, cluster=True, rankdir=rankdir), 'svg', backend)
        assert neuron_order(svg, rankdir) == {f'L{i + 1}': [f'N{j}' for j in range(n)] for i, n in enumerate(sizes)}


def test_a_drawing_in_a_notebook_is_never_wider_than_the_page():
    """An exported notebook showed SVG outputs at full width, past the page's edge; the HTML picture shrinks."""
    L, _ = lecture_graph()
    bundle = draw_dot(L)._repr_mimebundle_()
    picture = bundle['text/html']
    assert picture.startswith('<img ') and 'max-width: 100%' in picture and 'height: auto' in picture
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', picture)[1]
    assert __import__('base64').b64decode(data).decode() == bundle['image/svg+xml']
    assert set(draw_dot(L)._repr_mimebundle_(include=['image/svg+xml'])) == {'image/svg+xml'}
