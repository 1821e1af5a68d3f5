"""Running student code: exceptions and endless loops become "not yet" with a hint, answers are read without
trusting them, and a Value counts as its number where a number is expected."""
import math
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.classroom.student_code import (CheckResult, NotYet, as_number, as_value, checker, guarded, kind_of,
                                                  run_student)


def not_yet(thunk) -> str:
    with pytest.raises(NotYet) as raised:
        thunk()
    return raised.value.message


def spin(seconds=10.0):
    """A loop that a working time limit stops long before it ends by itself."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return 'finished'


@pytest.mark.parametrize('error, words', [
    (ZeroDivisionError('division by zero'), 'f raised ZeroDivisionError: division by zero.\nHint: call your function'),
    (NotImplementedError(), 'this exercise is not done yet.\nHint: replace `raise NotImplementedError`'),
    (SystemExit(1), 'do not call exit()'),
    (RecursionError(), 'keeps calling itself'),
])
def test_an_exception_in_student_code_is_not_yet_with_a_hint(error, words):
    def raises():
        raise error
    assert words in not_yet(lambda: guarded(raises, 'f'))


def test_the_users_own_interrupt_and_a_verdict_pass_through():
    def interrupted():
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        guarded(interrupted, 'f')
    assert not_yet(lambda: guarded(lambda: as_number(None, 'f returned'), 'f')).startswith('f returned None.')


def test_a_loop_is_stopped_at_the_time_limit_in_the_main_thread_and_in_any_other():
    for where in ('main', 'worker'):
        box = {}

        def run():
            started = time.monotonic()
            try:
                guarded(spin, 'your loop', time_limit=0.3)
            except NotYet as verdict:
                box['message'] = verdict.message
            box['seconds'] = time.monotonic() - started
        if where == 'main':
            run()
        else:
            thread = threading.Thread(target=run)
            thread.start()
            thread.join(15)
        assert 'your loop was still running after 0.3 s' in box['message'] and box['seconds'] < 3, (where, box)
    assert guarded(lambda: spin(0.01), 'quick', time_limit=5) == 'finished'
    with pytest.raises(ValueError, match='time_limit must be a positive number'):
        guarded(spin, 'f', time_limit=0)


def test_a_function_is_called_with_the_arguments_named_or_told_which_to_take():
    assert run_student(lambda x, w: x * w, {'x': 2.0, 'w': 3.0}, 'f', as_number, 'return a number.') == 6.0
    assert 'takes the parameters (x), but the checker calls it with 2 arguments: (x, w)' in not_yet(
        lambda: run_student(lambda x: x, {'x': 2.0, 'w': 3.0}, 'f', None, ''))
    assert 'f should be a function, but it is 6.0' in not_yet(lambda: run_student(6.0, {'x': 1}, 'f', None, ''))


@pytest.mark.parametrize('value, number', [(Value(2.5), 2.5), (np.float32(0.5), 0.5), (np.array(3.0), 3.0),
                                           (Fraction(1, 4), 0.25), (7, 7.0)])
def test_numbers_of_any_kind_are_read_as_floats(value, number):
    assert as_number(value, 'x is') == number and type(as_number(value, 'x is')) is float


@pytest.mark.parametrize('value, words', [
    (..., 'the placeholder'), ('1.5', 'the string'), (True, 'a truth value'), (1j, 'a complex number'),
    (math.nan, 'nan (not a number)'), (-math.inf, 'infinite'), (10 ** 400, 'too large for a float'),
    ([1.0], 'a list of 1 item'), (None, 'None, not a number'),
])
def test_anything_else_is_not_yet_saying_what_it_is(value, words):
    assert words in not_yet(lambda: as_number(value, 'x is'))


def test_a_value_is_required_where_one_is_expected():
    node = Value(1.0)
    assert as_value(node, 'f returned', '') is node
    assert 'f returned 1.0 (a plain number), but it must return a Value' in not_yet(
        lambda: as_value(1.0, 'f returned', ''))
    assert 'did you forget `return`?' in not_yet(lambda: as_value(None, 'f returned', 'return out.'))


class Lying(type):
    @property
    def __name__(cls):
        return 'float'


class Hostile(metaclass=Lying):
    def __repr__(self):
        raise RuntimeError('repr called')


def test_a_students_object_is_described_without_running_its_methods():
    assert kind_of(Hostile()) == 'a Hostile' and kind_of('x' * 50) == f"the string {'x' * 40!r}..."
    assert kind_of({1: 2}) == 'a dict of 1 item' and kind_of(Value(1.0)) == 'a Value'


def test_a_checker_answers_not_yet_by_raising_and_prints_its_verdict():
    @checker
    def positive(x):
        if x <= 0:
            raise NotYet(f'{x} is not positive.', 'give a number above 0.')
        return CheckResult(True, 'positive.')
    assert str(positive(1)) == 'correct: positive.'
    wrong = positive(-1)
    assert str(wrong) == 'not yet: -1 is not positive.\nHint: give a number above 0.'
    assert wrong._repr_html_() == ('<div style="color:#c92a2a"><b>Not yet:</b> -1 is not positive.<br>\n'
                                   'Hint: give a number above 0.</div>')
