"""One naming: the names that the step-through, explain and the table print are the names in the pictures."""
import re

import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.teach.expressions import build_graph
from micrograd_ext.viz.naming import grouped, node_names
from micrograd_ext.learn.nn import MLP, Neuron
from micrograd_ext.teach.player import backward_frames
from micrograd_ext.viz.table import graph_table
from micrograd_ext.viz import draw_dot


def names_of(root):
    order = topological_order(root)
    names = node_names(order)
    return [names[node] for node in order]


def test_labels_then_v_for_computed_nodes_and_c_for_constants():
    w = Value(-3.0, label='w')
    assert names_of(w * 2 + 3) == ['w', 'c1', 'v1', 'c2', 'v2']
    x = Value(2.0)  # an unlabelled leaf that no neuron reads is numbered with the constants
    assert names_of((x * x).tanh()) == ['c1', 'v1', 'v2']


def test_numbered_names_skip_those_a_label_already_uses():
    v1 = Value(1.0, label='v1')
    c1 = Value(2.0, label='c1')
    assert names_of(v1 * c1 + 5) == ['v1', 'c1', 'v2', 'c2', 'v3']


def test_a_neurons_unlabelled_inputs_are_x0_x1_and_shared_parameter_labels_get_the_neurons_name():
    model = MLP(2, [2, 1], seed=0)
    names = dict(zip(topological_order(out := model([1.0, 2.0])), names_of(out)))
    first = model.layers[0].neurons[0]
    assert sorted(n for n in names.values() if n.startswith('x')) == ['x0', 'x1']
    assert names[first.w[0]] == 'L1.N0.w0' and names[first.b] == 'L1.N0.b'
    assert names[model.layers[1].neurons[0].w[1]] == 'L2.N0.w1'
    alone = Neuron(2, seed=0)
    assert sorted(names_of(alone([1.0, 2.0]))) == ['b', 'v1', 'v2', 'w0', 'w1', 'x0', 'x1']  # unique: not qualified


def test_grouped_leaves_names_and_dotted_names_bare():
    assert (grouped('x'), grouped('L1.N0.w0'), grouped('3'), grouped('x*w')) == ('x', 'L1.N0.w0', '3', '(x*w)')


GRAPHS = {
    'lecture': lambda: build_graph('(a*b + c)*f', dict(a=2, b=-3, c=10, f=-2)),
    'constants': lambda: 3 * Value(2.0, label='x') + 3,
    'unlabelled': lambda: (Value(2.0) * Value(-1.0) + 1).tanh(),
    'square': lambda: (lambda x: x * x + x)(Value(3.0, label='x')),
    'neuron': lambda: Neuron(3, activation='tanh', seed=1)([1.0, -2.0, 0.5]),
    'mlp': lambda: MLP(2, [2, 1], seed=0)([1.0, -1.0]),
}


def names_in_steps(root):
    """Every node name the step-through prints: the node of each step and each child it adds to."""
    names = set()
    for step in root.backward_steps():
        names.add(step.name)
        names.update(c.child_name for c in step.contributions)
    return names


@pytest.mark.parametrize('graph', GRAPHS)
def test_every_name_in_the_steps_is_in_the_drawing_the_table_and_the_player(graph):
    root = GRAPHS[graph]()
    names = names_in_steps(root)
    drawn = set(re.findall(r'label="\{ ([^|]+?) \|', draw_dot(root).source))
    assert names <= drawn
    assert names <= {row[0] for row in graph_table(root).rows}
    frames = backward_frames(GRAPHS[graph]())
    assert names <= set(re.findall(r'label="\{ ([^|]+?) \|', frames[-1].drawing.source))
    for frame in frames[1:]:  # each step's text names boxes of its own picture
        step_names = set(re.findall(r'([\w.]+)\.grad \+=', frame.text))
        assert step_names <= set(re.findall(r'label="\{ ([^|]+?) \|', frame.drawing.source))


def test_explain_tells_apart_the_two_operands_of_x_times_x():
    x = Value(3.0, label='x')
    y = x * x
    y.label = 'y'
    text = str(y.explain(x))
    assert 'path 1: x -(operand 1)-> y' in text and 'path 2: x -(operand 2)-> y' in text
    z = x * 2 + x
    assert 'operand' not in str(z.explain(x))  # one use per op: plain arrows


def test_two_nodes_are_never_given_one_name():
    a, b = Value(2.0, label='a'), Value(3.0, label='a')
    (step,) = list((a * b).backward_steps())
    assert str(step).startswith('step 1/1  v1 = a*a#2') and 'a#2.grad +=' in str(step)
    first, second = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    out = first([1.0, 2.0]) + second([1.0, 2.0])
    names = list(node_names(topological_order(out)).values())
    assert len(names) == len(set(names)) and 'L1.N0.w0' in names and 'L1.N0.w0#2' in names


def test_a_model_used_in_one_line_keeps_its_neurons_named():
    out = MLP(2, [2, 1], seed=0)([1.0, 2.0])  # the model object itself is gone after this line
    import gc
    gc.collect()
    assert 'L1.N0.w0' in names_of(out)
    assert draw_dot(out, cluster=True).source.count('subgraph cluster_') == 3 + 1  # three neurons and the legend


def test_many_nodes_with_one_label_are_numbered_apart():
    x = Value(1.0, label='s')
    for _ in range(2000):
        x = x + 1
        x.label = 's'
    names = names_of(x)
    assert names[:3] == ['s', 'c1', 's#2'] and len(set(names)) == len(names)


def test_a_label_that_reads_as_a_number_is_quoted_not_taken_for_a_constant():
    w = Value(13.0, label='-3')
    y = w * Value(2.0, label='x')
    (step,) = list(y.backward_steps())
    assert "x.grad += ('-3' = 13.0000) * 1.0000 = 13.0000" in str(step)


def test_suffixes_never_collide_with_a_label():
    taken, first, second = Value(1.0, label='a#2'), Value(2.0, label='a'), Value(3.0, label='a')
    names = list(node_names(topological_order(taken * first + second)).values())
    assert len(names) == len(set(names)) and {'a#2', 'a', 'a#3'} <= set(names)


def test_every_parameter_of_a_model_is_named_by_its_neuron():
    model = MLP(2, [3, 1], seed=0)
    names = names_of(model([1.0, 2.0]))
    assert 'L2.N0.w2' in names and not any(n in names for n in ('w0', 'w1', 'w2', 'b'))


# ---- the command line's names (issue 28, item 8) -------------------------------------------------------------

NEURON4 = ['tanh(w1*x1 + w2*x2 + w3*x3 + w4*x4 + b)', '--set', 'x1=2', 'x2=0', 'x3=1', 'x4=-1', 'w1=-3', 'w2=1',
           'w3=2', 'w4=1', 'b=1']


def drawn_names(svg: bytes) -> list[str]:
    """The name field (the first text) of every value's box, in the SVG's order."""
    import xml.etree.ElementTree as ET
    SVG = '{http://www.w3.org/2000/svg}'
    names = []
    for g in ET.fromstring(svg).iter(f'{SVG}g'):
        title = g.find(f'{SVG}title')
        if g.get('class') == 'node' and re.fullmatch(r'n\d+(_for\d+)?', title.text):
            names.append(next(g.iter(f'{SVG}text')).text)
    return names


def test_the_command_line_names_a_long_piece_v1_v2_with_its_formula_in_the_legend(backend, tmp_path, capsys):
    """Named by whole sub-expressions, names were cut and collided ('w1*x1 + w2*x2 + w3*x3 +...#2') and a
    4-input neuron drew 3,757 px wide; the 120-term sum x+x+...+x 51,424 pt."""
    import xml.etree.ElementTree as ET
    from micrograd_ext.cli import main
    from micrograd_ext.viz.naming import MAX_NAME
    out = tmp_path / 'neuron.svg'
    assert main(['graph', *NEURON4, '--backward', '--backend', backend, '-o', str(out)]) == 0
    svg = out.read_bytes()
    names = drawn_names(svg)
    assert len(names) == len(set(names)) == 9 + 9 and not any('…' in n or '#' in n for n in names)
    assert max(map(len, names)) <= MAX_NAME and {'w1*x1', 'w1*x1 + w2*x2', 'v1', 'v4'} <= set(names)
    text = ' '.join(t.text or '' for t in ET.fromstring(svg).iter('{http://www.w3.org/2000/svg}text'))
    for formula in ['v1 = w1*x1 + w2*x2 + w3*x3', 'v2 = v1 + w4*x4', 'v3 = v2 + b', 'v4 = tanh(v3)']:
        assert formula in text  # the legend says what each v is
    width = float(ET.fromstring(svg).get('width').removesuffix('pt'))
    assert width <= 2300, width  # 2,830 pt (3,773 px) with the system dot before, 2,273 pt now; 2,588 and 2,125 embedded
    out = tmp_path / 'sum.svg'
    assert main(['graph', '+'.join(['x'] * 120), '--set', 'x=1', '--backend', backend, '-o', str(out)]) == 0
    root = ET.fromstring(out.read_bytes())
    width, height = (float(root.get(side).removesuffix('pt')) for side in ('width', 'height'))
    assert width < 1500 and height * 96 / 72 < 32_767, (width, height)  # top to bottom: 119 additions deep


def test_explain_steps_through_the_same_short_names(tmp_path, capsys):
    from micrograd_ext.cli import main
    assert main(['explain', *NEURON4, '--html', str(tmp_path / 'steps.html')]) == 0
    printed = capsys.readouterr().out
    assert 'step 1/9  v4 = tanh(v3)  [tanh]  v3.grad +=' in printed and '…' not in printed
    page = (tmp_path / 'steps.html').read_text(encoding='utf-8')
    assert 'v1 = w1*x1 + w2*x2 + w3*x3' in page and '…' not in page.split('<script type="application/json"')[1]
