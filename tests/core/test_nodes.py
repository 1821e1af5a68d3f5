"""How the engine makes nodes (core/nodes.py): result, leaf and data_of from ``makers``, and as_float."""
import threading
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given

from micrograd_ext import Value, no_grad
from micrograd_ext.core import modes
from micrograd_ext.core.engine import data_of, leaf, result
from micrograd_ext.core.nodes import as_float, makers

from ..strategies import any_floats


class Plain:
    """A class of another engine: makers needs nothing of Value."""


def test_makers_make_nodes_of_the_class_they_are_given():
    make_result, make_leaf, read = makers(Plain)
    one = make_leaf(1)
    node = make_result(3.0, (one, one), 'op', (2.0, 1.0))
    assert type(node) is Plain and type(one) is Plain
    assert (node.data, node.grad, node._prev, node._op, node._local_grads) == (3.0, 0.0, (one, one), 'op', (2.0, 1.0))
    assert (one.data, one._prev, one._op, one._local_grads) == (1.0, (), '', ())
    assert read(node) == 3.0 and read(2.5) == 2.5


def test_result_is_a_value_as_an_op_makes_it():
    x = Value(2.0)
    node = result(6.0, (x,), '*3', (3.0,))
    assert type(node) is Value and node.label == '' and node.__dict__ == {}
    node.backward()
    assert x.grad == 3.0


def test_result_inside_no_grad_is_a_leaf_and_other_threads_still_record():
    x = Value(2.0)
    made = {}
    inside, done = threading.Event(), threading.Event()

    def other_thread():
        inside.wait()
        made['other'] = result(4.0, (x,), 'op', (1.0,))
        done.set()
    thread = threading.Thread(target=other_thread)
    thread.start()
    with no_grad():
        made['here'] = result(4.0, (x,), 'op', (1.0,))
        inside.set()
        done.wait(10)
    thread.join()
    assert made['here']._prev == () and made['here']._op == '' and made['here'].data == 4.0
    assert made['other']._prev == (x,) and made['other']._local_grads == (1.0,)


@pytest.mark.parametrize('number, data', [(2.5, 2.5), (3, 3.0), (True, 1.0), (np.float32(0.5), 0.5),
                                          (np.int64(7), 7.0), (Fraction(1, 4), 0.25)])
def test_leaf_wraps_a_real_number_as_a_float(number, data):
    node = leaf(number)
    assert type(node) is Value and type(node.data) is float and node.data == data
    assert (node.grad, node._prev, node._local_grads) == (0.0, (), ())


@pytest.mark.parametrize('other', ['2', None, 1 + 2j, np.array([1.0, 2.0]), [1.0]])
def test_leaf_of_anything_else_is_a_type_error_naming_it(other):
    with pytest.raises(TypeError, match=f'needs a real number .*got {type(other).__name__}: '):
        leaf(other)


def test_data_of_reads_a_value_or_passes_a_number_and_notes_comparisons_while_recording():
    x = Value(1.5)
    assert data_of(x) == 1.5 and data_of(2) == 2
    saved = modes.mode.comparisons
    modes.mode.comparisons = []
    try:
        assert (x < 2) is True and round(x, 1) == 1.5
        noted = list(modes.mode.comparisons)
    finally:
        modes.mode.comparisons = saved
    assert len(noted) == 2 and all('test_nodes.py' in where for where in noted)


@given(any_floats)
def test_as_float_keeps_every_float(number):
    converted = as_float(number)
    assert type(converted) is float and (converted == number or number != number)


@pytest.mark.parametrize('number, expected', [(3, 3.0), (True, 1.0), (False, 0.0), (np.float64(2.5), 2.5),
                                              (np.int8(-4), -4.0), (Fraction(3, 2), 1.5), (10 ** 20, 1e20)])
def test_as_float_converts_real_numbers(number, expected):
    assert as_float(number) == expected and type(as_float(number)) is float


@pytest.mark.parametrize('bad, message', [
    (Value(2.0), r"Value\(data\) got a Value; pass its \.data, or use the Value itself"),
    (np.array([1.0]), r'got ndarray: array\(\[1\.\]\) \(use \.item\(\) for a one-element NumPy array\)$'),
    ('2.0', r"needs a real number \(int, float, bool or NumPy scalar\), got str: '2\.0'$"),
    (None, 'got NoneType: None$'),
    (1 + 2j, r'got complex: \(1\+2j\)$'),
])
def test_as_float_refuses_anything_else_with_a_type_error(bad, message):
    with pytest.raises(TypeError, match=message):
        as_float(bad)


def test_as_float_of_an_integer_too_large_for_a_float_overflows():
    with pytest.raises(OverflowError):
        as_float(10 ** 400)
