"""Drawing: real renders with the system dot and the embedded Graphviz, SVGs parsed and counted."""
import os
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_ext import Value
from micrograd_ext.nn import MLP
from micrograd_ext.viz import (GraphTooLargeError, RenderError, draw_dot, render, render_source, roles, system_dot,
                               trace)

SVG = '{http://www.w3.org/2000/svg}'
REQUIRE_DOT = os.environ.get('MICROGRAD_EXT_REQUIRE_DOT') == '1'


def lecture_graph():
    a, b, c = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c')
    e = a * b
    e.label = 'e'
    d = e + c
    d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f
    L.label = 'L'
    return L, dict(a=a, b=b, c=c, d=d, e=e, f=f)


def parse(svg: bytes):
    root = ET.fromstring(svg)
    groups = root.iter(f'{SVG}g')
    classes = [g.get('class') for g in groups]
    text = ' '.join(t.text or '' for t in root.iter(f'{SVG}text'))
    return classes.count('node'), classes.count('edge'), text


@pytest.fixture(params=['system', 'embedded'])
def backend(request, monkeypatch, tmp_path):
    if request.param == 'system':
        if system_dot() is None:
            if REQUIRE_DOT:
                pytest.fail('MICROGRAD_EXT_REQUIRE_DOT=1 but the system dot is not on PATH')
            pytest.skip('the system Graphviz is not installed (CI installs it with apt-get)')
    else:
        monkeypatch.setenv('PATH', str(tmp_path))  # hide the system dot
        assert system_dot() is None
    return request.param


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
    assert text.count('(stale)') == 7 and 'run backward()' in text
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
    source = draw_dot(L, rankdir='TB', show_grad=False, highlight=[v['d']]).source
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
    assert "collapse='neuron' draws each neuron as one box (35 nodes)" in message
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
