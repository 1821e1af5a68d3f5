"""pickle of a graph (core/copying.py): written flat, children first, so a million-node chain neither pickles
nor loads by recursion; shared nodes stay shared, and a closure is refused by name."""
import copy
import pickle
import time

import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.core import copying
from micrograd_ext.learn.nn import MLP, Parameter

from ..graphs import chain, closure_mul, closure_sin, diamond, microgpt_mul, shallow_stack


def round_trip(obj, protocol=pickle.HIGHEST_PROTOCOL):
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


def first_leaf(node: Value) -> Value:
    while node._prev:
        node = node._prev[0]
    return node


def test_a_200_op_chain_pickles_with_a_small_stack():  # RecursionError before
    x, y = chain(200)
    with shallow_stack():
        back = round_trip(y)
    assert back.data == y.data and first_leaf(back).label == 'x'


def test_a_million_node_chain_pickles_and_loads_without_recursion():
    x = Value(1.0, label='x')
    y = x
    for _ in range(500_000):  # a million nodes: each step a product and its constant
        y = y * 1.0000001
    assert len(topological_order(y)) == 1_000_001
    start = time.perf_counter()
    with shallow_stack():
        blob = pickle.dumps(y)
        back = pickle.loads(blob)
    assert time.perf_counter() - start < 120  # 9 s here (6 to write, 3 to load): linear, no recursion
    del blob
    assert back.data == y.data and back._op == '*' and back._local_grads == y._local_grads
    with shallow_stack():
        back.backward()
    leaf = first_leaf(back)
    assert leaf is not x and leaf.label == 'x' and x.grad == 0.0
    assert leaf.grad == pytest.approx(1.0000001 ** 500_000, rel=1e-9)
    assert copying._flat.ids == set()


def dag():
    """Leaves used by several nodes, a node used twice, every kind of op the engine records, labels, grads."""
    a, b = Value(0.7, label='a'), Parameter(-1.3, label='b')
    h = (a * b).tanh()
    h.label = 'h'
    c = Value.linear([a, h], [b, h], 0.5)
    out = (h * c + h ** 2 - a.exp() / (b * b + 1.0)).sigmoid() + microgpt_mul(a, h)
    out.label = 'out'
    out.backward()
    return a, b, h, out


def test_a_dag_keeps_its_numbers_ops_labels_and_shared_nodes():
    a, b, h, out = dag()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = round_trip(out, protocol)
        ours, theirs = topological_order(out), topological_order(back)
        assert len(ours) == len(theirs) and not {id(n) for n in ours} & {id(n) for n in theirs}
        index = {node: i for i, node in enumerate(theirs)}
        for x, y in zip(ours, theirs):
            assert type(x) is type(y)
            assert (x.data, x.grad, x._op, x.label, x._local_grads) == (y.data, y.grad, y._op, y.label, y._local_grads)
            assert getattr(x._op, 'op', None) is getattr(y._op, 'op', None)  # the op table's op, not a copy
            assert [index[c] for c in y._prev] == [ours.index(c) for c in x._prev]  # shared nodes stay shared
        leaves = [n for n in theirs if n.label in ('a', 'b')]
        for leaf in leaves:
            leaf.grad = 0.0
        back.backward()  # the same gradients again
        assert [n.grad for n in leaves] == [a.grad, b.grad]
        assert next(n for n in theirs if n.label == 'h').grad == h.grad


def test_values_pickled_together_stay_one_graph():
    a, b, h, out = dag()
    model = MLP(2, [3, 1], seed=0)
    loss = model([a, b])
    items = [a, h, out, loss, model, [out, h]]
    back_a, back_h, back_out, back_loss, back_model, again = round_trip(items)
    nodes = {id(n) for n in topological_order(back_out)}
    assert id(back_a) in nodes and id(back_h) in nodes and again[0] is back_out and again[1] is back_h
    assert {id(p) for p in back_model.parameters()} <= {id(n) for n in topological_order(back_loss)}
    assert all(type(p) is Parameter for p in back_model.parameters())
    assert copying._flat.ids == set()  # nothing left noted (h was written before out's graph)


def test_a_handmade_closure_is_refused_by_name():
    x = Value(0.4, label='x')
    y = closure_sin(x) * 2 + closure_mul(x, x)
    with pytest.raises(pickle.PicklingError, match=r"cannot pickle the 'sin' node .*_backward closure.*"
                                                   r"Value\(data, children, op, local_grads\)"):
        pickle.dumps(y)
    with pytest.raises(pickle.PicklingError, match="'sin' node"):
        pickle.dumps(closure_sin(x))
    assert copying._flat.ids == set()
    made_by_hand = round_trip(microgpt_mul(x, x))  # with local derivatives: fine
    made_by_hand.backward()
    assert made_by_hand._prev[0] is made_by_hand._prev[1] and made_by_hand._prev[0].grad == 0.8


def test_attributes_are_kept_even_when_they_refer_to_the_graph():
    x = Value(1.5, label='x')
    x.m, x.history = 0.25, [1.0, 2.0]
    x.partner = y = x * 2  # an attribute that is a node of the graph itself: a cycle
    y.note = x
    back = round_trip(y)
    bx = back._prev[0]
    assert (bx.label, bx.m, bx.history, bx.partner, back.note) == ('x', 0.25, [1.0, 2.0], back, bx)
    assert not hasattr(back, 'history') and back.label == ''


def test_copy_copy_is_still_shallow():
    x, y = diamond()
    twin = copy.copy(y)
    assert twin is not y and twin._prev[1] is x and twin.label == 'y' and twin.data == y.data
    twin.label = 'other'
    assert y.label == 'y' and copying._flat.ids == set()
