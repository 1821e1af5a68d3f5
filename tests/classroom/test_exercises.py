"""Each checker accepts the reference solution and rejects typical wrong answers with a useful hint."""
import math

import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.classroom.exercises import (check_backward, check_grads_by_hand, check_learning_rate, check_local_derivative,
                                     check_neuron_forward, check_new_op, lecture_graph)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_local_derivative_checker():
    assert check_local_derivative('sigmoid', lambda x: sigmoid(x) * (1 - sigmoid(x))).passed
    assert check_local_derivative('tanh', lambda x: 1 - math.tanh(x) ** 2).passed
    assert check_local_derivative('relu', lambda x: 1.0 if x > 0 else 0.0).passed
    wrong_sign = check_local_derivative('tanh', lambda x: math.tanh(x) ** 2 - 1)
    assert not wrong_sign.passed and 'wrong sign' in wrong_sign.message and 'at x = -2.0' in wrong_sign.message
    forgot_square = check_local_derivative('tanh', lambda x: 1 - math.tanh(x))
    assert not forgot_square.passed and 'finite differences' in forgot_square.message
    assert 'Hint: d tanh/dx = 1 - tanh(x)**2' in forgot_square.message
    with pytest.raises(ValueError, match='unknown op'):
        check_local_derivative('cosh', math.sinh)


def test_unfinished_and_crashing_code_get_words_not_tracebacks():
    def unfinished(x):
        raise NotImplementedError
    assert 'not done yet' in check_local_derivative('exp', unfinished).message
    assert 'ZeroDivisionError' in check_local_derivative('exp', lambda x: 1 / 0).message


def test_new_op_checker():
    def cube(x):
        return Value(x.data ** 3, (x,), 'cube', (3 * x.data ** 2,))
    assert check_new_op(cube, lambda v: v ** 3, 'cube').passed
    missing_chain_factor = check_new_op(lambda x: Value(x.data ** 3, (x,), 'cube', (x.data ** 2,)), lambda v: v ** 3)
    assert not missing_chain_factor.passed and 'finite differences give 12.0000' in missing_chain_factor.message
    no_child = check_new_op(lambda x: Value(x.data ** 3), lambda v: v ** 3)
    assert not no_child.passed and 'does not list x among its children' in no_child.message
    assert 'must return a Value' in check_new_op(lambda x: x.data ** 3, lambda v: v ** 3).message
    assert 'but the function is' in check_new_op(lambda x: x * x, lambda v: v ** 3).message


def right_answers():
    out, nodes = lecture_graph()
    out.backward()
    return {name: node.grad for name, node in nodes.items()}


def test_grads_by_hand_checker_names_the_typical_mistakes():
    answers = right_answers()
    assert answers['a'] == 10.0 and check_grads_by_hand(answers).passed
    overwrote = check_grads_by_hand({**answers, 'a': 6.0})
    assert not overwrote.passed and 'a is used 2 times' in overwrote.message and '= instead of +=' in overwrote.message
    sign = check_grads_by_hand({**answers, 'b': 4.0})
    assert 'wrong sign' in sign.message
    local_only = check_grads_by_hand({**answers, 'b': 2.0})
    assert 'the local derivative alone, not multiplied by the gradient arriving from above' in local_only.message
    missing = check_grads_by_hand({**answers, 'c': None})
    assert 'missing: c' in missing.message


def test_neuron_forward_checker():
    def reference(x, w, b):
        return max(0.0, sum(wi * xi for wi, xi in zip(w, x)) + b)
    assert check_neuron_forward(reference).passed
    assert check_neuron_forward(lambda x, w, b: Value.linear(w, x, Value(b)).relu()).passed
    assert 'before the activation' in check_neuron_forward(lambda x, w, b: sum(a * c for a, c in zip(w, x)) + b).message
    assert 'bias is missing' in check_neuron_forward(lambda x, w, b: max(0, sum(a * c for a, c in zip(w, x)))).message


def test_backward_checker_catches_overwriting_instead_of_accumulating():
    def right(root):
        order = topological_order(root)
        root.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local_grads):
                child.grad += local * node.grad

    def overwriting(root):
        order = topological_order(root)
        root.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local_grads):
                child.grad = local * node.grad
    assert check_backward(right).passed
    result = check_backward(overwriting)
    assert not result.passed and 'not a.grad = ' in result.message and '= instead of +=' in result.message


def test_learning_rate_checker():
    assert check_learning_rate(0.1).passed
    assert 'too slow' in check_learning_rate(0.001).message
    assert 'overshoots' in check_learning_rate(1.5).message
    assert 'oscillates' in check_learning_rate(0.98).message
    assert 'must be positive' in check_learning_rate(-0.1).message
    assert 'None, not a number' in check_learning_rate(None).message


def test_results_print_as_a_verdict_and_show_in_jupyter():
    result = check_learning_rate(0.1)
    assert str(result).startswith('correct: ') and 'Correct' in result._repr_html_()
    assert str(check_learning_rate(0.001)).startswith('not yet: ')


def test_a_reference_function_that_raises_is_a_not_yet_naming_it_never_a_crash():
    from micrograd_ext import Value
    from micrograd_ext.classroom.exercises import check_new_op

    def inverse(x):
        return Value(1 / x.data, (x,), 'inverse', (-1 / x.data ** 2,))
    for reference in (lambda x: 1 / 0, lambda x: float('nan'), lambda x: 'a string'):
        verdict = check_new_op(inverse, reference)
        assert not verdict.passed and 'near x = -2.0 the reference function' in verdict.message, verdict
    assert check_new_op(inverse, lambda x: 1 / x).passed
