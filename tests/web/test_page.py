"""What the step-through page computes (web/page.py), on the desktop: the same graph, table and steps as the
command line's explain, and a clear error, never a traceback, for what a student may type."""
import pytest

from micrograd_ext.teach.expressions import build_graph
from micrograd_ext.teach.steps import backward_steps
from micrograd_ext.viz import draw_dot, render_source
from micrograd_ext.viz.naming import short_names, spelled_out
from micrograd_ext.web.page import node_labels, step_through


def test_the_page_gives_the_graph_the_steps_and_a_player():
    found = step_through('tanh(w1*x1 + w2*x2 + b)', 'x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432')
    root = short_names(build_graph('tanh(w1*x1 + w2*x2 + b)', dict(x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432)))
    assert found['error'] == '' and found['value'] == pytest.approx(0.7071067811865476, rel=1e-15)
    assert found['steps'] == [str(step) for step in backward_steps(root)]
    drawn = render_source(draw_dot(root, show_grad=False, formulas=spelled_out(root)).source).decode()
    assert node_labels(found['graph']) == node_labels(drawn) and found['graph'].startswith('<svg')
    assert 'v1 = w1*x1 + w2*x2 + b' in ' '.join(node_labels(found['graph']))  # a long piece in the legend
    assert found['player'].startswith('<!DOCTYPE html>') and found['player'].count('mgx-player') > 3
    assert 'w1*x1' in found['table']


@pytest.mark.parametrize('expression, values, words', [
    ('x*y + __import__("os")', 'x=2 y=3', 'only these functions can be called'),
    ('x*', 'x=2', 'x*'),
    ('x*y', 'x=2', 'y'),
    ('x*y', 'x=2 y=3 z=1', 'does not use z'),
    ('log(x - 2)', 'x=2', 'log'),
    ('x', 'x=abc', 'x=abc'),
    ('   ', 'x=2', 'type an expression'),
    ('+'.join(['x'] * 240), 'x=1', 'step through a shorter expression'),
])
def test_what_a_student_may_type_gives_an_error_and_nothing_else(expression, values, words):
    found = step_through(expression, values)
    assert words in found['error'] and found['graph'] == found['player'] == '' and found['steps'] == []


def test_node_labels_reads_each_nodes_text():
    svg = render_source(draw_dot(build_graph('a*b', {'a': -1, 'b': 2}), legend=False, show_grad=False).source).decode()
    labels = node_labels(svg)
    assert len(labels) == 4 and any(label.endswith('a data -1.0000') for label in labels)


def test_values_may_have_spaces_around_the_equals_and_commas_between_them():
    found = step_through('x*y + b', 'x = 2, y = 3,b=1')
    assert found['error'] == '' and found['value'] == 7.0 and found['shown'] == '7'
    assert 'draw_dot(' not in step_through('+'.join(['x'] * 240), 'x=1')['error']  # no advice the page cannot follow
