"""What crosses from a kernel to the grader (``classroom.answers``): plain data in, exact values out, whatever the
student's objects pretend."""
import json
import math

import numpy as np
from hypothesis import given, strategies as st

from micrograd_ext import Value
from micrograd_ext.classroom.answers import observed, plain, taken, unplain
from micrograd_ext.classroom.student_code import Described, NotYet, as_number

import pytest

json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
                           | st.text(max_size=20), lambda inner: st.lists(inner, max_size=5), max_leaves=20)


@given(json_values)
def test_plain_data_comes_back_as_it_was_through_json(value):
    assert unplain(json.loads(json.dumps(plain(value)))) == value


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5))
def test_dicts_come_back_with_their_keys(value):
    assert unplain(json.loads(json.dumps(plain(value)))) == value


def test_objects_that_are_no_plain_data_come_back_as_their_description():
    back = unplain(json.loads(json.dumps(plain([lambda x: x, {1, 2}, Value(2.5), ..., 1 + 2j]))))
    assert [type(item) for item in back[:2]] == [Described, Described] and repr(back[0]) == 'a function'
    assert back[2:] == [2.5, Ellipsis, 1 + 2j]


def test_numpy_arrays_arrive_as_their_entries_and_scalars_as_numbers():
    column = unplain(json.loads(json.dumps(plain(np.array([[1.5], [2.5]])))))
    assert isinstance(column, np.ndarray) and column.tolist() == [1.5, 2.5]
    assert unplain(plain(np.float64(0.25))) == 0.25 and type(unplain(plain(np.int64(3)))) is int


def test_a_rigged_float_arrives_as_the_number_it_holds():
    class Yes(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__
    back = unplain(json.loads(json.dumps(plain({'z': Yes(0.5)}))))
    assert type(back['z']) is float and back['z'] == 0.5 and back['z'] != 0.7


@pytest.mark.parametrize('forged', [{'mapping': 'no list'}, {'complex': ['a', 'b']}, {'two': 1, 'keys': 2},
                                    {'described': 5}, {'array': 3}])
def test_forged_data_of_no_known_shape_is_described_not_trusted(forged):
    back = unplain(forged)
    assert isinstance(back, Described)
    with pytest.raises(NotYet):
        as_number(back, 'z is')


def test_huge_or_deep_answers_are_described_not_sent():
    assert unplain(plain(list(range(20_000)))).kind == 'a list of 20000 items'
    deep = []
    for _ in range(20):
        deep = [deep]
    assert isinstance(json.dumps(plain(deep)), str)
    assert len(plain('x' * 10_000)) == 2_000


def test_an_observation_carries_a_value_or_the_not_yet_it_raised():
    assert taken(observed(lambda: 2.5), 'f') == 2.5
    def fails():
        raise NotYet('f(1) returned None.', 'return a number.')
    with pytest.raises(NotYet, match='returned None') as raised:
        taken(observed(fails), 'f')
    assert 'Hint: return a number.' in raised.value.message
    for missing in (None, 'text', {}, {'problem': 3}):
        with pytest.raises(NotYet, match='got no answer from f'):
            taken(missing, 'f')
    assert math.isnan(unplain(json.loads(json.dumps(plain(float('nan'))))))
