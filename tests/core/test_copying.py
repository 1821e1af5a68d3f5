"""copy.deepcopy of a graph (core/copying.py): every node copied once, without recursion, closures rebound."""
import copy
import math

import pytest
from hypothesis import given, settings

from micrograd_ext import Value, topological_order

from ..graphs import (MICROGRAD_README, chain, closure_mul, closure_sin, diamond, microgpt_mul, micrograd_readme,
                      shallow_stack)
from ..strategies import graphs


def same_shape(original: Value, twin: Value) -> None:
    """The two graphs have the same nodes in the same order, with the same numbers, and share none."""
    ours, theirs = topological_order(original), topological_order(twin)
    assert len(ours) == len(theirs)
    assert not {id(node) for node in ours} & {id(node) for node in theirs}
    index = {node: i for i, node in enumerate(theirs)}
    for a, b in zip(ours, theirs):
        assert (a.data, a.grad, a._op, a.label, a._local_grads) == (b.data, b.grad, b._op, b.label, b._local_grads)
        assert [index[c] for c in b._prev] == [ours.index(c) for c in a._prev]


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_a_copy_is_the_same_graph_and_backpropagates_alone(graph):
    leaves, out = graph
    twin = copy.deepcopy(out)
    same_shape(out, twin)
    twin.backward()
    assert all(x.grad == 0.0 for x in leaves)  # the original is untouched
    out.backward()
    by_label = {node.label: node.grad for node in topological_order(twin) if node.label}
    assert [by_label.get(x.label, 0.0) for x in leaves] == pytest.approx([x.grad for x in leaves], rel=1e-12, abs=0)


def test_a_copy_of_micrograds_readme_example_gets_its_numbers():
    a, b, g = micrograd_readme()
    twin = copy.deepcopy(g)
    twin.backward()
    leaves = {node.label: node for node in topological_order(twin) if node.label}
    assert (twin.data, leaves['a'].grad, leaves['b'].grad) == pytest.approx(MICROGRAD_README, rel=1e-12)
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_a_node_used_twice_stays_one_node_in_the_copy():
    x, y = diamond(3.0)
    twin = copy.deepcopy(y)
    square = twin._prev[0]
    assert square._prev[0] is square._prev[1] is twin._prev[1]
    twin.backward()
    assert twin._prev[1].grad == 7.0 and x.grad == 0.0


def test_copies_made_together_share_one_memo():
    x, y = diamond()
    pair = copy.deepcopy([x, y])
    assert pair[0] is pair[1]._prev[1] and pair[0] is not x


def test_attributes_are_copied_deeply_and_labels_kept():
    x = Value(1.5, label='x')
    x.m, x.history = 0.25, [1.0, 2.0]
    x.partner = y = x * 2  # an attribute that is a node of the graph itself
    twin = copy.deepcopy(y)
    tx = twin._prev[0]
    assert (tx.label, tx.m, tx.history) == ('x', 0.25, [1.0, 2.0])
    assert tx.history is not x.history and tx.partner is twin
    assert not hasattr(twin, 'history') and twin.label == ''


def test_a_200000_node_chain_is_copied_without_recursion():
    x, y = chain(200_000)
    with shallow_stack():
        twin = copy.deepcopy(y)
        twin.backward()
    first = twin
    while first._prev:
        first = first._prev[0]
    assert first is not x and first.label == 'x' and x.grad == 0.0
    assert first.grad == pytest.approx(1.0000001 ** 200_000, rel=1e-9)


def test_a_closure_acts_on_the_copied_nodes():
    x = Value(0.4, label='x')
    y = closure_sin(x)
    twin = copy.deepcopy(y)
    assert twin.__dict__['_backward'] is not y.__dict__['_backward']
    twin.backward()
    assert x.grad == 0.0 and y.grad == 0.0
    assert twin._prev[0].grad == pytest.approx(math.cos(0.4), rel=1e-12)
    y.backward()  # the original's closure still acts on the original
    assert x.grad == pytest.approx(math.cos(0.4), rel=1e-12)


def test_a_closure_over_a_node_used_twice_accumulates_on_the_copy():
    x = Value(3.0, label='x')
    twin = copy.deepcopy(closure_mul(x, x) + x)
    twin.backward()
    assert twin._prev[1].grad == 7.0 and x.grad == 0.0


def test_a_closure_keeps_its_other_cells_and_its_defaults():
    x = Value(2.0)
    scale, out = 3.0, None

    def _backward(k=1.0):
        x.grad += k * scale * out.grad
    out = Value(scale * x.data, (x,), 'scale')
    out._backward = _backward
    twin = copy.deepcopy(out)
    closure = twin.__dict__['_backward']
    assert closure.__defaults__ == (1.0,) and closure.__qualname__ == _backward.__qualname__
    twin.backward()
    assert twin._prev[0].grad == 3.0 and x.grad == 0.0


def test_a_closure_with_an_empty_cell_is_copied_with_an_empty_cell():
    def identity(x):
        out = Value(x.data, (x,), 'id')

        def _backward():
            x.grad += out.grad
            if out.grad is None:
                return unset  # noqa: F821  (a cell of this closure that is never filled)
        out._backward = _backward
        if out.grad is None:
            unset = 0  # noqa: F841
        return out
    y = identity(Value(1.5))
    twin = copy.deepcopy(y)
    closure = twin.__dict__['_backward']
    cells = dict(zip(closure.__code__.co_freevars, closure.__closure__))
    assert cells['x'].cell_contents is twin._prev[0] and cells['out'].cell_contents is twin
    with pytest.raises(ValueError):
        cells['unset'].cell_contents  # still empty
    twin.backward()
    assert twin._prev[0].grad == 1.0 and y._prev[0].grad == 0.0


def test_hand_made_nodes_with_local_derivatives_are_copied_too():
    a, b = Value(2.0), Value(5.0)
    twin = copy.deepcopy(microgpt_mul(a, b))
    twin.backward()
    assert [c.grad for c in twin._prev] == [5.0, 2.0] and (a.grad, b.grad) == (0.0, 0.0)
