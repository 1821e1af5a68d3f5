"""The example graphs the teaching tools share (teach/graphs.py): the lecture's graph, built in one place."""
import pytest
from hypothesis import given

from micrograd_ext import Value, topological_order
from micrograd_ext.teach.graphs import _lecture_graph_of, lecture_graph

from ..strategies import finite_floats


def test_the_lecture_graph_has_the_lectures_numbers_and_names():
    out, nodes = lecture_graph()
    assert list(nodes) == ['a', 'b', 'c', 'd', 'e', 'f', 'L', 'g', 'M']
    assert all(node.label == name for name, node in nodes.items()) and out is nodes['M']
    assert {name: node.data for name, node in nodes.items()} == {
        'a': 2.0, 'b': -3.0, 'c': 10.0, 'd': 4.0, 'e': -6.0, 'f': -2.0, 'L': -8.0, 'g': 8.0, 'M': 0.0}
    assert nodes['M']._prev == (nodes['L'], nodes['g']) and nodes['e']._prev == (nodes['a'], nodes['b'])


def test_its_gradients_are_the_ones_filled_in_by_hand():
    out, nodes = lecture_graph()
    out.backward()
    grads = {name: node.grad for name, node in nodes.items()}
    assert grads == {'a': 6.0 + 4.0, 'b': -4.0, 'c': -2.0, 'd': -2.0, 'e': -2.0, 'f': 4.0, 'L': 1.0, 'g': 1.0,
                     'M': 1.0}  # a is used twice: by e (b*f = 6) and by g (4)


def test_without_reuse_it_ends_at_L():
    out, nodes = lecture_graph(reused=False)
    assert out is nodes['L'] and list(nodes) == ['a', 'b', 'c', 'd', 'e', 'f', 'L']
    out.backward()
    assert (nodes['a'].grad, nodes['b'].grad) == (6.0, -4.0)


def test_each_call_builds_a_fresh_graph():
    first, _ = lecture_graph()
    second, _ = lecture_graph()
    assert not set(topological_order(first)) & set(topological_order(second))


@given(finite_floats(-10, 10), finite_floats(-10, 10), finite_floats(-10, 10), finite_floats(-10, 10))
def test_any_numbers_give_the_same_formulas(a, b, c, f):
    out, nodes = lecture_graph(a, b, c, f)
    assert nodes['L'].data == pytest.approx((a * b + c) * f, rel=1e-12, abs=1e-12)
    assert out.data == pytest.approx((a * b + c) * f + 4 * a, rel=1e-12, abs=1e-12)
    out.backward()
    assert (nodes['a'].grad, nodes['b'].grad, nodes['c'].grad, nodes['f'].grad) == pytest.approx(
        (b * f + 4, a * f, f, a * b + c), rel=1e-12, abs=1e-12)


def test_the_graph_can_be_built_on_given_leaves():
    leaves = [Value(v, label=name) for v, name in zip((1.0, 2.0, 3.0, 4.0), 'abcf')]
    out, nodes = _lecture_graph_of(*leaves, reused=True)
    assert [nodes[name] for name in 'abcf'] == leaves and out.data == (1 * 2 + 3) * 4 + 4 * 1
