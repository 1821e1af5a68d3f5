"""Walking a graph (core/graph.py): every node after its children, without recursion, and the start of a
backward pass."""
from hypothesis import given, settings

from micrograd_ext import Value
from micrograd_ext.core.graph import start_backward, topological_order

from ..graphs import chain, diamond, micrograd_readme, shallow_stack
from ..strategies import graphs


def reachable(root: Value) -> set:
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(node._prev)
    return seen


def assert_children_first(order: list) -> None:
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    for node in order:
        assert all(position[child] < position[node] for child in node._prev if child in position)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_every_reachable_node_once_after_its_children(graph):
    _, out = graph
    order = topological_order(out)
    assert_children_first(order)
    assert set(order) == reachable(out) and order[-1] is out


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_without_leaves_the_same_order_of_the_nodes_with_children(graph):
    _, out = graph
    inner = topological_order(out, leaves=False)
    assert inner == [node for node in topological_order(out) if node._prev]
    assert_children_first(inner)


def test_the_first_operand_is_listed_first():
    a, b, g = micrograd_readme()
    x, y = diamond()
    assert [node.label or node._op for node in topological_order(y)] == ['x', '*', 'y']
    order = topological_order(Value(1.0, label='p') * Value(2.0, label='q') + Value(3.0, label='r'))
    assert [node.label for node in order if node.label] == ['p', 'q', 'r']
    assert topological_order(g)[:2] == [a, b]


def test_a_leaf_is_its_own_order():
    x = Value(1.0)
    assert topological_order(x) == [x]


def test_a_leaf_is_left_out_without_leaves():
    assert topological_order(Value(1.0), leaves=False) == []


def test_a_chain_deeper_than_any_stack_is_walked_without_recursion():
    x, y = chain(200_000, factor=1.0)
    with shallow_stack():
        order = topological_order(y)
        inner = topological_order(y, leaves=False)
        y.backward()
    assert len(order) == 1 + 2 * 200_000 and order[0] is x and order[-1] is y  # x, then (constant, product) pairs
    assert len(inner) == 200_000 and x.grad == 1.0


def test_start_backward_resets_the_inner_grads_and_seeds_the_root():
    x, y = diamond(3.0)
    y.backward()
    square = y._prev[0]
    assert (y.grad, square.grad, x.grad) == (1.0, 1.0, 7.0)
    square.grad = 123.0
    order = start_backward(y)
    assert order == [square, y] and (y.grad, square.grad) == (1.0, 0.0)
    assert x.grad == 7.0  # leaves are not reset: they accumulate
    y.backward()
    assert x.grad == 14.0 and square.grad == 1.0


def test_start_backward_from_a_leaf_only_accumulates_one():
    x = Value(2.0)
    x.grad = 0.5
    assert start_backward(x) == [] and x.grad == 1.5
