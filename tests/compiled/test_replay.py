"""The replay's programs: which groups a graph becomes (sums, matrix products, rows), and the flat loop."""
import numpy as np

from micrograd_ext import Value
from micrograd_ext.compiled.groups import Linear, MatMul, Sum
from micrograd_ext.compiled.replay import plan


def test_a_chain_of_plus_is_one_sum_added_left_to_right_as_python_does():
    terms = [Value(x) for x in (0.1, 0.2, 0.3, 1e16, -1e16, 0.7)]
    total = sum(terms)  # 0 + t0 + t1 + ...: a chain of five '+' nodes
    program = plan(total, strategy='vector')
    assert [type(g) for g in program.groups] == [Sum]
    data = [0.0] + [t.data for t in terms]  # the leaves: the 0 of sum(), then the terms
    assert program.forward(data) == total.data  # the same float additions in the same order
    assert program.backward(np.arange(program.leaves)).tolist() == [1.0] * 7


def test_a_layer_over_a_batch_is_one_matrix_product():
    from micrograd_ext.learn.nn import Layer
    layer = Layer(3, 4, seed=0)
    X = [[Value(float(i + j)) for j in range(3)] for i in range(5)]
    loss = Value.sum([z for x in X for z in layer(x)])
    program = plan(loss, strategy='vector')
    assert sum(isinstance(g, MatMul) for g in program.groups) == 1
    assert 'linear (matmul)' in program.summary() and '20 nodes' in program.summary()


def test_a_long_chain_replays_as_a_flat_loop_and_every_slot_keeps_its_value():
    x = Value(0.5)
    y = x
    for _ in range(200):
        y = (y * 1.01).tanh()
    program = plan(y)
    assert program.strategy == 'flat' and 'tanh x200' in program.summary()
    leaves = [x.data] + [1.01] * 200
    assert program.forward(leaves) == y.data


def test_linear_nodes_that_share_no_weights_are_computed_row_by_row_in_the_engines_order():
    ws = [[Value(0.1 * i + 0.3 * j) for j in range(3)] for i in range(4)]
    xs = [[Value(1.0 / (i + j + 1)) for j in range(3)] for i in range(4)]
    zs = [Value.linear(w, x, Value(0.5 * i)) for i, (w, x) in enumerate(zip(ws, xs))]
    total = Value.sum([z * z for z in zs])
    program = plan(total, strategy='vector')
    assert any(type(g) is Linear for g in program.groups)
    leaves = [v.data for v in program.captured]
    assert program.forward(leaves) == total.data  # the same float operations, in the same order
    total.backward()
    assert program.backward(np.arange(program.leaves)).tolist() == [v.grad for v in program.captured]
