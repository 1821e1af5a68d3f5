import pytest
from hypothesis import given, settings

from micrograd_ext import Value, grad
from micrograd_ext.teach.explain import explain

from ..strategies import moderate, programs, run


def test_one_path_written_out_with_numbers():
    x, w, b = Value(2.0, label='x'), Value(-3.0, label='w'), Value(6.88, label='b')
    n = x * w + b
    n.label = 'n'
    y = n.tanh()
    y.label = 'y'
    text = str(y.explain(x))
    assert text.startswith('dy/dx = -1.5')
    assert 'along 1 path' in text
    assert 'path 1: x -> v1 -> n -> y' in text
    assert 'dv1/dx = w = -3.0000 ; dn/dv1 = 1 ; dy/dn = 1 - y**2 = 0.5010' in text
    assert 'they match' in text


def test_a_reused_node_gets_every_path_named():
    a = Value(2.0, label='a')
    b = a * 3
    b.label = 'b'
    c = a + b
    c.label = 'c'
    e = explain(c, a)
    assert e.n_paths == 2 and e.total == 4.0 == e.backward_value
    text = str(e)
    assert 'a is used 2 times (by b, c), so its gradient collects a contribution from each use' in text
    assert 'path 1: a -> c' in text and 'path 2: a -> b -> c' in text


def test_no_path_and_too_many_paths_have_clear_messages():
    x, other = Value(1.0, label='x'), Value(2.0, label='z')
    assert 'does not depend on z' in str(explain(x * 2, other))
    y = x
    for _ in range(12):  # each level doubles the paths: 4096
        y = y * y
    y.label = 'y'
    e = explain(y, x)
    assert e.n_paths == 4096 and e.paths is None
    assert 'too many paths to list (4096' in str(e) and 'backward_steps()' in str(e)
    with pytest.raises(TypeError, match='two Values'):
        explain(y, 1.0)


@settings(max_examples=60, deadline=None)
@given(programs(max_ops=8))
def test_explain_totals_equal_backward_on_random_graphs(program):
    leaves, steps = program
    moderate(steps, leaves)
    xs = [Value(v, label=f'x{i}') for i, v in enumerate(leaves)]
    out = run(steps, *xs)
    for x, expected in zip(xs, grad(out, xs)):
        e = explain(out, x, max_paths=10_000)
        if e.paths is not None:
            assert e.total == pytest.approx(expected, rel=1e-9, abs=1e-12)
            assert 'they match' in str(e)
        else:
            assert e.n_paths == 0 and expected == 0.0


def test_a_target_outside_the_graph_is_not_called_by_another_nodes_name():
    from micrograd_ext import Value
    x = Value(2.0, label='x')
    y = (x * 3).tanh()
    y.label = 'y'
    text = str(y.explain(Value(7.0)))
    assert 'is not a node of y' in text and '7.0' in text and 'does not depend on x' not in text


def test_explain_says_when_grad_holds_more_than_the_paths_give_and_how_to_fix_it():
    x = Value(2.0, label='x')
    y = x * x
    y.label = 'y'
    assert 'x.grad is 0 now: backward() has not run on y yet' in str(y.explain(x))
    y.backward()
    assert '.grad holds' not in str(y.explain(x)) and 'is 0 now' not in str(y.explain(x))
    y.backward()  # twice without zero_grad(): x.grad is 8 where the paths give 4
    text = str(y.explain(x))
    assert ('x.grad holds 8.0000, 2 times the paths\' total: backward() ran 2 times' in text
            and 'call y.zero_grad() before y.backward() to get 4.0000' in text)
    y.zero_grad()
    y.backward()
    assert '.grad holds' not in str(y.explain(x))
    x.grad += 0.5  # some other leftover
    assert "x.grad holds 4.5000, not the paths' total" in str(y.explain(x))


def test_explain_with_too_many_paths_still_compares_the_grad():
    x = Value(1.0, label='x')
    y = x
    for _ in range(8):
        y = y * x + y  # 2**8 paths and more
    y.label = 'y'
    y.backward()
    y.backward()
    text = str(y.explain(x))
    assert 'too many paths to list' in text and 'x.grad holds' in text and '2 times' in text


def test_explain_of_the_output_itself_and_with_the_arguments_swapped():
    x = Value(2.0, label='x')
    y = x * 3
    y.label = 'y'
    y.backward()
    assert str(y.explain(y)) == 'y is the output itself: dy/dy = 1'
    text = str(x.explain(y))
    assert "x does not depend on y" in text and 'ask y.explain(x)' in text


def test_a_derivative_without_a_formula_is_written_once():
    x = Value(2.0, label='x')
    y = Value(5.0, (x,), 'my_op', (4.0,))  # made by hand: the node's own number, no formula
    y.label = 'y'
    text = str(y.explain(x))
    assert 'dy/dx = 4.0000' in text and 'dy/dx = dy/dx' not in text
