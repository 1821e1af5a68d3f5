"""Nodes made by hand (core/handmade.py): micrograd-style ``_backward`` closures, microgpt-style
``Value(data, children, op, local_grads)``, the checks when a node is made, and run_closure."""
import math

import numpy as np
import pytest
from hypothesis import given

from micrograd_ext import MicrogradExtError, Value, grad
from micrograd_ext.core.handmade import ClosureError, run_closure

from ..graphs import assigning_double, closure_mul, closure_sin, microgpt_mul, square_without_upstream
from ..strategies import finite_floats


def test_a_closure_replaces_the_local_derivatives_and_backward_runs_it():
    x = Value(0.5, label='x')
    y = closure_sin(x)
    assert y._local_grads is None and y._prev == (x,)
    (y * x).backward()
    assert x.grad == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5), rel=1e-12)


def test_micrograds_mul_closure_on_one_node_twice_gives_2x():
    x = Value(3.0)
    y = closure_mul(x, x)
    y.backward()
    assert x.grad == 6.0
    y.backward()
    assert x.grad == 12.0  # leaves accumulate


def test_a_microgpt_node_backpropagates_its_local_derivatives():
    a, b = Value(2.0), Value(-5.0)
    out = microgpt_mul(a, b)
    assert out._local_grads == (-5.0, 2.0) and out._op == ''
    (out * out).backward()
    assert (a.grad, b.grad) == (2 * -10.0 * -5.0, 2 * -10.0 * 2.0)


def test_children_and_local_derivatives_may_be_any_iterable_of_the_right_kinds():
    x, w = Value(2.0), Value(3.0)
    out = Value(6.0, [x, w], 'mul', [np.float64(3.0), 2])
    assert out._prev == (x, w) and out._local_grads == (3.0, 2)
    assert Value(1.0, {x}, 'id', (1.0,))._prev == (x,)


def test_local_derivatives_may_be_a_numpy_array():
    x, w = Value(2.0), Value(3.0)
    out = Value(6.0, (x, w), 'mul', np.array([3.0, 2.0]))
    out.backward()
    assert (x.grad, w.grad) == (3.0, 2.0)


@pytest.mark.parametrize('make, error, message', [
    (lambda x: Value(1.0, x, 'op'), TypeError,
     r"children of the 'op' node must be a tuple of Values, got Value; e\.g\. \(x,\)"),
    (lambda x: Value(1.0, 5, 'op'), TypeError, 'must be a tuple of Values, got int'),
    (lambda x: Value(1.0, (x, 2.0), 'op', (1.0, 1.0)), TypeError,
     r"children of the 'op' node must be Values, got float 2\.0; wrap numbers first, e\.g\. Value\(2\.0\)"),
    (lambda x: Value(1.0, (x, x), 'op', (1.0,)), ValueError,
     r"with 1 local derivatives for 2 children; give one d out/d child per child, in order"),
    (lambda x: Value(1.0, (x,), 'op', (Value(3.0),)), TypeError, 'local derivatives of the .op. node must be numbers'),
    (lambda x: Value(1.0, (x,), 'op', ('1',)), TypeError, "must be numbers .*got str '1'"),
])
def test_a_node_made_wrong_is_refused_when_it_is_made(make, error, message):
    with pytest.raises(error, match=message):
        make(Value(1.0))


def test_a_node_with_children_but_no_way_back_fails_at_backward_with_the_fix():
    x = Value(2.0, label='x')
    node = Value(4.0, (x,), 'square')
    assert node._local_grads is None
    with pytest.raises(TypeError, match=r"the 'square' node 4\.0 has children but no way to pass gradients back"):
        (node + 1).backward()


def test_backward_closure_is_the_chain_rule_step_for_ops_that_store_local_derivatives():
    a, b = Value(2.0), Value(-3.0)
    out = a * b
    out.grad = 2.0
    out._backward()
    assert (a.grad, b.grad) == (-6.0, 4.0)
    a._backward()  # a leaf's step does nothing
    assert a.grad == -6.0


def test_backward_must_be_a_function():
    out = Value(2.0, (Value(1.0),), 'op')
    with pytest.raises(TypeError, match='_backward must be a function .*, got int'):
        out._backward = 5


def test_run_closure_measures_what_each_child_gains_and_puts_every_grad_back():
    x, w = Value(3.0, label='x'), Value(-2.0, label='w')
    out = closure_mul(x, w)
    x.grad, w.grad, out.grad = 0.25, 0.5, 7.0
    assert run_closure(out, 2.0) == {x: -4.0, w: 6.0}
    assert (x.grad, w.grad, out.grad) == (0.25, 0.5, 7.0)
    twice = closure_mul(x, x)
    assert run_closure(twice, 1.0) == {x: 6.0}  # one entry for a child used twice


@given(finite_floats(-3, 3), finite_floats(-100, 100))
def test_run_closure_gives_local_derivative_times_upstream(at, upstream):
    x = Value(at)
    (gain,) = run_closure(closure_sin(x), upstream).values()
    assert gain == pytest.approx(math.cos(at) * upstream, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize('upstream', [1.0, 0.0, -3.0])
def test_a_closure_that_assigns_instead_of_adding_is_a_closure_error(upstream):
    x = Value(3.0, label='x')
    x.grad = 0.5
    out = assigning_double(x)
    with pytest.raises(ClosureError, match=r"the 'dbl' node's _backward sets x \(= 3\.0\)'s grad instead of adding "
                                           r"to it.*write child\.grad \+= local \* out\.grad"):
        run_closure(out, upstream)
    assert x.grad == 0.5 and out.grad == 0.0
    assert issubclass(ClosureError, MicrogradExtError) and issubclass(ClosureError, ValueError)


def test_grad_and_backward_refuse_an_assigning_closure_instead_of_giving_wrong_gradients():
    x = Value(3.0, label='x')
    y = assigning_double(x) + x * x
    with pytest.raises(ClosureError):
        grad(y, [x])
    with pytest.raises(ClosureError, match=r"sets x \(= 3\.0\)'s grad instead of adding to it.*child\.grad \+= local"):
        y.backward()  # run as written, x.grad would be 2, not 2 + 6: the dbl step overwrites x*x's 6


@pytest.mark.parametrize('upstream', [1.0, 0.0, -3.0, 5.0])
def test_a_closure_that_forgets_the_upstream_gradient_is_a_closure_error(upstream):
    x = Value(3.0, label='x')
    out = square_without_upstream(x)
    with pytest.raises(ClosureError, match=r"adds 6 to x \(= 3\.0\)'s grad when out\.grad is 1 and 6 when it is 2.*"
                                           r"forget to multiply by out\.grad\? write child\.grad \+= local \* out\.grad"):
        run_closure(out, upstream)
    assert x.grad == 0.0 and out.grad == 0.0


def test_backward_and_the_step_through_name_a_forgotten_upstream_gradient():
    x = Value(3.0, label='x')
    y = square_without_upstream(x) * 5  # backward() would give 6 where the chain rule gives 2 * 3 * 5 = 30
    with pytest.raises(ClosureError, match='forget'):
        y.backward()
    with pytest.raises(ClosureError, match='forget'):
        list((square_without_upstream(Value(3.0, label='x')) * 5).backward_steps())


def test_backward_runs_a_correct_closure_once_in_effect_whatever_the_upstream():
    x = Value(0.5, label='x')
    for scale in (0.0, 2.0, -7.5):
        x.grad = 0.0
        (closure_sin(x) * scale).backward()
        assert x.grad == pytest.approx(math.cos(0.5) * scale, rel=1e-12, abs=1e-300)


def test_a_closure_that_raises_leaves_every_grad_as_it_was():
    x = Value(1.0)
    out = Value(1.0, (x,), 'broken')

    def _backward():
        x.grad += 1.0
        raise RuntimeError('boom')
    out._backward = _backward
    x.grad = 4.0
    with pytest.raises(RuntimeError, match='boom'):
        run_closure(out, 1.0)
    assert x.grad == 4.0


def test_a_single_number_as_local_derivatives_says_to_give_a_tuple():
    x = Value(3.0)
    with pytest.raises(TypeError, match=r"one local derivative per child, in a tuple: \(6.0,\) for one child"):
        Value(9.0, (x,), 'sq', 6.0)
