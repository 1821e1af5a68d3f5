"""The forward-pass exercises: the key's cell passes its check, a typical wrong answer gets its hint."""
import math

import numpy as np
import pytest

from micrograd_ext.classroom import Sheet
from micrograd_ext.classroom.bank_neurons import EXERCISES

from .solving import cell_answers

STUDENTS = ['ada', 'bob', 'cy', 'student07', 'student13']
CLASS = [f'student{i:02d}' for i in range(20)]


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize('name', [entry.name for entry in EXERCISES])
def test_the_keys_cell_passes_its_check(name):
    for student in STUDENTS:
        result = Sheet(student).check(name, *cell_answers(name, student))
        assert result.passed and str(result).startswith('correct: '), (student, result)


def wrong_neuron_z(n):
    return [sum(w * x for w, x in zip(n['w'], n['x']))], 'the bias is missing'


def wrong_activations(n):  # relu left out: z is drawn negative, where relu(z) = 0
    return [n['z'], sigmoid(n['z']), math.tanh(n['z'])], 'relu keeps positive numbers'


def wrong_layer(n):  # the columns of W for its rows
    return [[n['W'][0][i] * n['x'][0] + n['W'][1][i] * n['x'][1] + n['b'][i] for i in range(2)]], 'used the columns'


def wrong_activation_derivatives(n):
    s = sigmoid(n['z'])
    return [1.0 if n['z'] > 0 else 0.0, s * (1 - s), 1 - math.tanh(n['z'])], 'square tanh'


def wrong_feed_forward(n):  # no ReLU between the projections
    hidden = np.array(n['W_up']) @ n['x'] + n['b_up']
    return [list(np.array(n['W_down']) @ hidden + n['b_down'])], 'the ReLU is missing'


@pytest.mark.parametrize('name, wrong', [
    ('neuron_z', wrong_neuron_z), ('activations', wrong_activations), ('layer', wrong_layer),
    ('activation_derivatives', wrong_activation_derivatives), ('feed_forward', wrong_feed_forward)])
def test_a_typical_wrong_answer_is_not_yet_with_its_hint(name, wrong):
    for student in STUDENTS:
        sheet = Sheet(student)
        answers, words = wrong(sheet.numbers(name))
        result = sheet.check(name, *answers)
        assert not result.passed and words in result.message and '\nHint: ' in result.message, (student, result)


def test_a_wrong_number_names_expected_and_given_and_the_finite_difference_estimate():
    sheet = Sheet('ada')
    z = sheet.numbers('activation_derivatives')['z']
    s = 1 / (1 + math.exp(-z))
    result = sheet.check('activation_derivatives', 1.0 if z > 0 else 0.0, s * (1 - s) * 2, 1 - math.tanh(z) ** 2)
    assert not result.passed
    assert f'{s * (1 - s) * 2:.4g}' in result.message and f'{s * (1 - s):.4g}' in result.message
    assert 'finite differences' in result.message


def no_bias_neuron(x, w, b):
    return math.tanh(sum(wi * xi for wi, xi in zip(w, x)))


def test_a_neuron_without_its_bias_is_rejected():
    for student in CLASS[:5]:
        result = Sheet(student).check('neuron_forward', no_bias_neuron)
        assert not result.passed and 'but' in result.message, (student, result)


def test_relu_neurons_are_tried_on_both_sides():
    relu = next(s for s in CLASS if Sheet(s).numbers('neuron_forward')['activation'] == 'relu')
    sheet = Sheet(relu)
    assert not sheet.check('neuron_forward', lambda x, w, b: 0.0).passed
    assert not sheet.check('neuron_forward', lambda x, w, b: sum(wi * xi for wi, xi in zip(w, x)) + b).passed
