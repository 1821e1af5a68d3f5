"""The backprop exercises: the key's cell passes its check, typical wrong answers get their hint."""
import math

import pytest

from micrograd_ext import Value
from micrograd_ext.classroom import Sheet
from micrograd_ext.classroom.bank_backprop import EXERCISES, NEW_OPS

from ..student_backwards import assigns, correct
from .solving import cell_answers

STUDENTS = [f'student{i:02d}' for i in range(20)]


@pytest.mark.parametrize('name', [entry.name for entry in EXERCISES])
def test_the_keys_cell_passes_its_check(name):
    for student in ['ada', 'bob', *STUDENTS[:4]]:
        result = Sheet(student).check(name, *cell_answers(name, student))
        assert result.passed and str(result).startswith('correct: '), (student, result)


def test_a_node_used_twice_given_one_use_only_is_told_to_add_both():
    for student in STUDENTS[:5]:
        sheet = Sheet(student)
        n = sheet.numbers('reuse')
        right = sheet.check('reuse', n['b'] + n['c'], n['a'], n['a'])  # y = a*b + a*c
        one_use = sheet.check('reuse', n['b'], n['a'], n['a'])
        assert right.passed and not one_use.passed and 'one use of a only' in one_use.message, (student, one_use)


def bad_derivative(x):
    return math.tanh(x)


def assigning_op(name):
    """A micrograd-style op whose _backward assigns (=) where it must add (+=)."""
    function = NEW_OPS[name][3]

    def op(x):
        out = Value(function(x.data), (x,), name)

        def _backward():
            x.grad = (function(x.data + 1e-6) - function(x.data - 1e-6)) / 2e-6 * out.grad
        out._backward = _backward
        return out
    return op


def forgetting_out_grad(name):
    """A micrograd-style op whose _backward adds the local derivative without the gradient from above."""
    function = NEW_OPS[name][3]

    def op(x):
        out = Value(function(x.data), (x,), name)

        def _backward():
            x.grad += (function(x.data + 1e-6) - function(x.data - 1e-6)) / 2e-6
        out._backward = _backward
        return out
    return op


@pytest.mark.parametrize('name, answer, words', [
    ('local_derivative', bad_derivative, 'your derivative gives'),
    ('new_op', 'assigning', '+='),
    ('backward', assigns, 'not a.grad = ...'),
    ('backward', correct, 'grads not zeroed'),  # right once, but it never sets the grads to 0
    ('new_op', 'without out.grad', 'multiply by out.grad'),
    ('chain_rule', 'missing', 'missing'),
])
def test_function_exercises_reject_the_typical_mistakes(name, answer, words):
    for student in STUDENTS[:5]:
        sheet = Sheet(student)
        numbers = sheet.numbers(name)
        makers = {'assigning': lambda: assigning_op(numbers['op']),
                  'without out.grad': lambda: forgetting_out_grad(numbers['op']),
                  'missing': lambda: {'a': 1.0}}
        given = makers[answer]() if isinstance(answer, str) else answer
        result = sheet.check(name, given)
        assert not result.passed and words in result.message, (student, result)


def test_a_new_op_must_be_a_node_of_its_own():
    for student in STUDENTS[:6]:
        sheet = Sheet(student)
        result = sheet.check('new_op', lambda x: x ** 3 if sheet.numbers('new_op')['op'] == 'cube' else x.tanh())
        assert not result.passed and "engine's own ops" in result.message
