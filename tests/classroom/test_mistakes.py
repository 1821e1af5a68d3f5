"""Naming the mistake at the first wrong node: the comparison (``Case``) on hand-made gradients of y = a*b + a,
and ``explaining``, which finds the edges whose wrong contributions add up to the gradient given."""
import math

import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.core.autograd import gradients
from micrograd_ext.classroom.mistakes import (MAX_PASSES, NOT_ZEROED, OVERWRITTEN, REL_TOL, ROOT_GRAD, Case, Diagnosis,
                                             close_enough, explaining)
from micrograd_ext.viz.naming import node_names

RIGHT = {'y': 1.0, 'e': 1.0, 'a': -2.0, 'b': 2.0}  # y = e + a, e = a*b, a = 2, b = -3: dy/da = b + 1


def judged(given: dict, rel_tol: float = REL_TOL) -> Diagnosis | None:
    """The Case's diagnosis of ``given`` {name: gradient} on y = a*b + a."""
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    e = a * b
    e.label = 'e'
    y = e + a
    y.label = 'y'
    order = topological_order(y)
    names = node_names(order)
    by_name = {name: node for node, name in names.items()}
    return Case(y, order, names, {by_name[k]: v for k, v in given.items()}, gradients(y), 'you gave',
                rel_tol).diagnosis()


def test_right_gradients_have_no_diagnosis_and_hand_rounding_counts_with_a_looser_tolerance():
    assert judged(RIGHT) is None
    rounded = {**RIGHT, 'a': -2.006}
    assert judged(rounded).name == 'a' and judged(rounded, rel_tol=5e-3) is None


def test_one_uses_contribution_only_is_overwriting():
    found = judged({**RIGHT, 'a': -3.0})  # b * dy/de: the use in e only
    assert (found.category, found.name, found.given, found.expected) == (OVERWRITTEN, 'a', -3.0, -2.0)
    assert found.message.startswith('dy/da should be -2 = 1 (from y = e + a: 1 * dy/dy = 1 * 1) + -3 (from e = a*b: '
                                    'b * dy/de = -3 * 1), but you gave -3, the contribution from e only')
    assert 'a.grad += ..., not a.grad = ...' in found.message and str(found) == repr(found) == found.message


def test_every_gradient_k_times_too_large_is_passes_not_zeroed_up_to_max_passes():
    three = judged({name: 3 * grad for name, grad in RIGHT.items()})
    assert three.category == NOT_ZEROED and '3 times too large, and so is every other gradient' in three.message
    many = judged({name: (MAX_PASSES + 1) * grad for name, grad in RIGHT.items()})
    assert many.category == ROOT_GRAD and 'every other gradient is scaled by it' in many.message


def test_a_root_left_at_0_or_gradients_never_passed_down_are_the_roots_mistake():
    never = judged(dict.fromkeys(RIGHT, 0.0))
    assert (never.category, never.name) == (ROOT_GRAD, 'y') and 'the backward pass never started' in never.message
    stuck = judged({**dict.fromkeys(RIGHT, 0.0), 'y': 1.0})
    assert (stuck.category, stuck.name) == (ROOT_GRAD, 'e') and 'nothing was passed down from y' in stuck.message


def test_explaining_tries_the_same_mistake_everywhere_then_one_edge_then_mixes():
    right, wrong = [1.0, 2.0], [[10.0, 4.0], [20.0, 5.0]]
    assert explaining(30.0, right, wrong) == [0, 0]  # everywhere: the first wrong value of each edge
    assert explaining(12.0, right, wrong) == [0, None]  # one edge wrong: 10 + 2
    assert explaining(6.0, right, wrong) == [1, None]  # 4 + 2, found before 1 + 5
    assert explaining(24.0, right, wrong) == [1, 0] and explaining(9.0, right, wrong) == [1, 1]  # mixes
    assert explaining(3.0, right, wrong) is None  # right as it is: no mistake to name
    assert explaining(99.0, right, wrong) is None
    assert explaining(3.0, [1.0, 2.0], [[1.0], [2.0]]) is None  # no edge has a value other than its right one


def test_close_enough_takes_nan_for_nan_and_tiny_numbers_for_0():
    assert close_enough(math.nan, math.nan) and close_enough(5e-7, 0.0) and close_enough(1.00005, 1.0)
    assert not close_enough(math.nan, 1.0) and not close_enough(1.001, 1.0)
    assert close_enough(1.001, 1.0, rel_tol=5e-3)


@pytest.mark.parametrize('given', [{**RIGHT, 'b': -2.0}, {**RIGHT, 'e': -1.0}])
def test_a_wrong_sign_is_named(given):
    found = judged(given)
    assert found.category == 'wrong sign' and 'the wrong sign' in found.message
