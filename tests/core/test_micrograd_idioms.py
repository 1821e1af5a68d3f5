"""Idioms of micrograd's lecture and of its users, written the way they write them, run unchanged."""
import copy
import math

import numpy as np
import pytest

from micrograd_ext import Value, grad
from micrograd_ext.core.engine import Value as EngineValue
from micrograd_ext.teach.explain import explain
from micrograd_ext.learn.nn import MLP, Neuron
from micrograd_ext.teach.player import backward_frames
from micrograd_ext.teach.steps import backward_steps
from micrograd_ext.viz.table import graph_table


def sin(self):
    """The lecture's way of adding an op: a node with children, then its own _backward closure."""
    out = Value(math.sin(self.data), (self,), 'sin')

    def _backward():
        self.grad += math.cos(self.data) * out.grad
    out._backward = _backward
    return out


def lecture_mul(self, other):
    """micrograd's own __mul__, closure and all, on two operands that may be the same node."""
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), '*')

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad
    out._backward = _backward
    return out


@pytest.fixture
def with_sin(monkeypatch):
    monkeypatch.setattr(Value, 'sin', sin, raising=False)  # put back as it was, even if the engine gains a sin


def test_an_op_added_micrograd_style_backpropagates(with_sin):
    x = Value(0.5, label='x')
    y = (x.sin() * x).tanh()
    y.backward()
    t = math.tanh(math.sin(0.5) * 0.5)
    assert x.grad == pytest.approx((1 - t * t) * (math.cos(0.5) * 0.5 + math.sin(0.5)), rel=1e-12)
    assert EngineValue is Value


def test_closure_ops_accumulate_into_a_child_used_twice():
    x = Value(3.0)
    y = lecture_mul(x, x)  # the lecture's bug case: x*x must give 2x
    y.backward()
    assert x.grad == 6.0
    y.backward()
    assert x.grad == 12.0  # leaves accumulate, as in micrograd


def test_grad_runs_a_closure_without_touching_grad_and_create_graph_names_the_op(with_sin):
    x = Value(1.2)
    y = x.sin() * 2
    assert grad(y, x) == [pytest.approx(2 * math.cos(1.2), rel=1e-12)]
    assert x.grad == 0.0 and y.grad == 0.0
    with pytest.raises(NotImplementedError, match="'sin'.*_backward closure"):
        grad(y, [x], create_graph=True)


def test_backward_steps_say_the_op_ran_its_own_backward_and_show_what_the_child_gained(with_sin):
    x = Value(0.3, label='x')
    y = x.sin()
    y.label = 'y'
    (step,) = list(backward_steps(y))
    assert 'ran its own _backward' in str(step)
    assert step.contributions[0].added == pytest.approx(math.cos(0.3), rel=1e-12)
    assert x.grad == pytest.approx(math.cos(0.3), rel=1e-12)
    assert f'{math.cos(0.3):.4f}' in str(step)


def test_explain_table_and_player_handle_closure_ops(with_sin):
    x = Value(0.3, label='x')
    y = lecture_mul(x.sin(), x)
    y.label = 'y'
    text = str(explain(y, x))
    assert 'along 2 paths' in text and 'from its _backward' in text and 'they match' in text
    assert 'sin' in str(graph_table(y))
    frames = backward_frames(y)
    assert len(frames) == 3 and 'ran its own _backward' in frames[-1].text
    assert 'sin' in y.draw_dot().source


def test_a_node_with_children_but_no_way_back_is_a_clear_error_at_backward():
    a = Value(2.0)
    node = Value(4.0, (a,), 'square')  # forgot out._backward = ...
    with pytest.raises(TypeError, match="'square' node.*no way to pass gradients back"):
        (node * 2).backward()


def test_a_wrong_number_of_local_derivatives_is_refused_when_the_node_is_made():
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match='1 local derivatives for 2 children'):
        Value(3.0, (a, b), 'myop', (1.0,))
    with pytest.raises(TypeError, match='must be Values'):
        Value(3.0, (a, 2.0), 'myop')


def test_a_custom_op_with_stored_local_derivatives():
    a, b = Value(2.0), Value(5.0)
    out = Value(a.data * b.data + a.data, (a, b), 'mulplus', (b.data + 1.0, a.data))
    out.backward()
    assert (a.grad, b.grad) == (6.0, 2.0)


def test_the_lecture_cells_call_backward_node_by_node():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.grad = 1.0
    L._backward()
    d._backward()
    e._backward()
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
    a._backward()  # a leaf's _backward does nothing, as in micrograd


def test_attributes_can_be_attached_like_optimizer_state_and_drawing_colours():
    model = MLP(2, [3, 1], seed=0)
    for p in model.parameters():
        p.m, p.v = 0.0, 0.0  # Adam's moments, micrograd-style
    loss = model([1.0, -2.0]) ** 2
    loss._vis_color = 'red'
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.m = 0.9 * p.m + 0.1 * p.grad
        p.data -= 0.01 * p.m
    assert all(hasattr(p, 'm') for p in model.parameters()) and loss._vis_color == 'red'
    with pytest.raises(AttributeError):
        Value(1.0).no_such_attribute


def test_equality_and_hashing_are_by_identity_as_in_micrograd():
    assert Value(1.0) not in [Value(1.0)]
    n = Neuron(3, seed=0)
    n.w[1].data = n.b.data = 0.0  # a weight equal to the bias
    params = n.parameters()
    assert params.index(n.b) == 3 and params.index(n.w[1]) == 1
    seen, unique = set(), []
    for p in [n.b, n.w[1], n.b]:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    assert unique[0] is n.b and unique[1] is n.w[1] and len(unique) == 2
    params.remove(n.b)
    assert n.b not in params and n.w[1] in params
    x = Value(2.0)
    assert x == x and x != Value(2.0) and not (x == 2.0)


def test_numpy_arrays_and_values_multiply_either_way():
    w, xs = Value(2.0), np.array([1.0, 2.0, 3.0])
    for product in (w * xs, xs * w, w + xs, xs - w, xs / w):
        assert isinstance(product, np.ndarray) and product.shape == (3,)
        assert all(isinstance(v, Value) for v in product)
    total = Value.sum(w * xs)
    total.backward()
    assert total.data == 12.0 and w.grad == 6.0
    assert Value.sum(np.array([[Value(1.0), 2.0], [3.0, Value(4.0)]])).data == 10.0
    assert Value.sum([np.float64(1.5), np.float32(2.5), Value(1.0)]).data == 5.0
    assert Value.sum(np.arange(4.0)).data == 6.0


def test_grad_takes_a_single_value_a_generator_or_parameters():
    model = MLP(2, [2, 1], seed=1)
    out = model([0.5, -1.0])
    by_list = grad(out, model.parameters())
    assert grad(out, (p for p in model.parameters())) == by_list
    assert grad(out, tuple(model.parameters())) == by_list
    x = Value(3.0)
    assert grad(x * x, x) == [6.0]


def test_deepcopy_of_a_model_and_of_a_million_deep_graph():
    model = MLP(2, [4, 1], seed=0)
    twin = copy.deepcopy(model)
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
    assert all(a is not b for a, b in zip(twin.parameters(), model.parameters()))
    twin([1.0, 2.0]).backward()
    assert all(p.grad == 0.0 for p in model.parameters())
    x = Value(1.0, label='x')
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001 + 1e-7
    y2 = copy.deepcopy(y)
    y2.backward()
    x2 = y2
    while x2._prev:
        x2 = x2._prev[0]
    assert x2 is not x and x2.label == 'x' and x.grad == 0.0
    assert x2.grad == pytest.approx(1.0000001 ** 1_000_000, rel=1e-9)


def test_deepcopy_rebinds_closures_to_the_copied_nodes(with_sin):
    x = Value(0.4)
    y = x.sin()
    y2 = copy.deepcopy(y)
    y2.backward()
    assert x.grad == 0.0 and y2._prev[0].grad == pytest.approx(math.cos(0.4), rel=1e-12)


def test_special_points_as_pytorch_computes_them():
    for at in (0.0, 2.0):
        x = Value(at)
        (x ** 0).backward()
        assert x.grad == 0.0
    x = Value(-1.0)
    x.relu().sqrt().backward()
    assert x.grad == 0.0  # relu's zero blocks sqrt's infinite slope at 0
    x = Value(-1.0)
    (x.relu().sqrt() + x * x).backward()
    assert x.grad == -2.0
    assert (Value(49.0) / Value(49.0)).data == 1.0 and (Value(49.0) / 49).data == 49 / 49
    assert math.isnan(Value(math.nan).relu().data)
    assert Value(1e200).gelu().data == 1e200 and Value(-1e200).gelu().data == 0.0
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf  # as torch.sqrt at 0


def test_fraction_bool_and_fractional_exponents_work_with_steps_and_create_graph():
    from fractions import Fraction
    for n, expected_op in [(Fraction(1, 2), '**0.5'), (True, '**1'), (Fraction(6, 3), '**2'), (2.5, '**2.5')]:
        x = Value(4.0, label='x')
        y = x ** n
        assert y._op == expected_op
        assert str(next(backward_steps(y))).startswith('step 1/1')
        (d,) = grad(y, x, create_graph=True)
        (dd,) = grad(d, x)
        m = float(n)
        assert d.data == pytest.approx(m * 4.0 ** (m - 1), rel=1e-12)
        assert dd == pytest.approx(m * (m - 1) * 4.0 ** (m - 2), rel=1e-12, abs=1e-15)


def test_explain_is_linear_in_the_graph_size():
    x = Value(1.0, label='x')
    y = x
    for _ in range(100_000):
        y = y * 1.0
    explanation = explain(y, x)
    assert explanation.n_paths == 1 and explanation.n_edges == 100_000 and explanation.paths is None
    assert 'too many paths to list' in str(explanation)
    w = Value(2.0, label='w')
    z = w
    for _ in range(60):
        z = z + z  # each step doubles the paths: 2**60, counted, never listed
    assert explain(z, w).n_paths == 2 ** 60


def overwriting_double(self):
    """The lecture's classic bug: = where the chain rule needs +=."""
    out = Value(self.data * 2, (self,), 'dbl')

    def _backward():
        self.grad = 2 * out.grad
    out._backward = _backward
    return out


def test_a_closure_that_overwrites_a_grad_is_named_by_grad_explain_and_steps():
    from micrograd_ext.core.handmade import ClosureError
    x = Value(3.0, label='x')
    w = overwriting_double(x) + x * x
    for look in (lambda: grad(w, [x]), lambda: explain(w, x), lambda: list(backward_steps(w))):
        with pytest.raises(ClosureError, match="'dbl' node's _backward sets x .* instead of adding"):
            look()
    assert '(stale)' not in w.draw_dot().source  # nothing can be called stale against a broken closure


def test_a_subclass_with_micrograds_constructor_gets_right_higher_derivatives():
    class MyValue(Value):
        def __init__(self, data, _children=(), _op='', _local_grads=(), label=''):
            super().__init__(data, _children, _op, _local_grads, label=label)
            self._backward = lambda: None  # micrograd's own __init__ line

    x = MyValue(0.7)
    (d,) = grad(x ** 3, [x], create_graph=True)
    assert grad(d, [x]) == [pytest.approx(6 * 0.7, rel=1e-12)]


def test_a_hand_made_node_under_a_table_name_keeps_its_own_numbers():
    x = Value(0.5, label='x')
    e2 = Value(math.exp(2 * x.data), (x,), 'exp', (2 * math.exp(2 * x.data),))  # exp(2x), not exp(x)
    assert grad(e2, [x]) == [pytest.approx(2 * math.exp(1.0), rel=1e-12)]
    with pytest.raises(NotImplementedError, match="'exp' node .*given by hand"):
        grad(e2, [x], create_graph=True)
    assert 'dv1/dx' in str(next(backward_steps(e2)))  # not the table's formula for exp: it is not the table's op


def test_nodes_made_by_hand_are_checked_when_they_are_made():
    x = Value(1.0)
    with pytest.raises(TypeError, match='must be Values, got float 2.0'):
        Value(1.0, (x, 2.0), 'op', (1.0, 1.0))
    with pytest.raises(TypeError, match='local derivatives .* must be numbers'):
        Value(1.0, (x,), 'op', (Value(3.0),))
    with pytest.raises(TypeError, match='must be a tuple of Values, got Value'):
        Value(1.0, x, 'op')
    with pytest.raises(TypeError, match='_backward must be a function'):
        Value(2.0, (x,), 'op')._backward = 5
    assert Value(1.0, [x], 'op', (1.0,))._prev == (x,) and Value(1.0, label=3).label == '3'


def test_grad_refuses_what_it_cannot_do_and_takes_numpy_arrays_of_values():
    from micrograd_ext import no_grad
    x = Value(2.0)
    with no_grad():
        with pytest.raises(RuntimeError, match='inside no_grad'):
            grad(x ** 3, [x], create_graph=True)
    with pytest.raises(TypeError, match='a Value or an iterable of Values'):
        grad(x * 2, 3)
    W = np.array([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]])
    loss = Value.sum(W * W)
    assert grad(loss, W) == [2.0, 4.0, 6.0, 8.0]
