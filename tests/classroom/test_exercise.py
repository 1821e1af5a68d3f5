"""One exercise: each student's numbers, checking in two steps (observe beside the student's code, judge on plain
data), reading numeric answers, and naming the typical mistake."""
import json
import math

import numpy as np
import pytest

from micrograd_ext.classroom import Sheet
from micrograd_ext.classroom.exercise import (ROUNDED, Exercise, Mistake, first_difference, numeric, read_answer)
from micrograd_ext.classroom.student_code import CheckResult, NotYet

DOUBLED = 'you doubled x: divide it by 2 instead.'


def half(name='half', draw=lambda rng: {'x': rng.choice([0.0, 2.0, 4.0, 6.0, 8.0])}, mistakes=None):
    """A toy numeric exercise: h = x / 2, whose typical mistake is h = 2 x (the same as right for x = 0)."""
    return numeric(name, 'Half of x', 1, ('h',), draw, task='Halve x = {x}.', starter='h = ...', solution='h = {x} / 2',
                   expected=lambda n: {'h': n['x'] / 2},
                   mistakes=[Mistake(DOUBLED, lambda n: {'h': n['x'] * 2})] if mistakes is None else mistakes)


def test_numbers_are_the_same_every_time_and_differ_between_students_and_exercises():
    exercise = numeric('spread', 'x', 1, ('y',), lambda rng: {'x': rng.random()}, task='', starter='', solution='',
                       expected=lambda n: {'y': n['x']})
    twin = numeric('spread2', 'x', 1, ('y',), lambda rng: {'x': rng.random()}, task='', starter='', solution='',
                   expected=lambda n: {'y': n['x']})
    assert exercise.numbers_for('ada') == exercise.numbers_for('ada')
    assert len({exercise.numbers_for(f's{i}')['x'] for i in range(50)}) == 50
    assert exercise.numbers_for('ada') != twin.numbers_for('ada')  # the exercise's name is part of the seed


def test_numbers_are_drawn_again_until_the_typical_mistake_differs_from_the_right_answer():
    exercise = half()
    assert all(exercise.numbers_for(f's{i}')['x'] != 0.0 for i in range(200))  # 2 * 0 == 0 / 2 would pass
    with pytest.raises(RuntimeError, match='no numbers tell its typical mistakes'):
        half(draw=lambda rng: {'x': 0.0}).numbers_for('ada')


def test_the_verdict_names_the_mistake_or_rounding_or_gives_the_general_hint():
    exercise = half()
    numbers = {'x': 4.0}
    assert exercise.check({'h': 2.0}, numbers).passed and exercise.check({'h': 2.004}, numbers).passed
    doubled = exercise.check({'h': 8.0}, numbers)
    assert str(doubled) == f'not yet: h: you gave 8, but it is 2.\nHint: {DOUBLED}'
    assert exercise.check({'h': 2.05}, numbers).message.endswith(ROUNDED)  # within 5%: rounded too much
    assert exercise.check({'h': 3.0}, numbers).message.endswith('Hint: work it out again step by step.')


def test_three_significant_digits_are_enough_and_fewer_are_told_so():
    sheet = Sheet('ada')
    z = sheet.numbers('activation_derivatives')['z']
    right = {'drelu': 1.0 if z > 0 else 0.0, 'dsigmoid': (s := 1 / (1 + math.exp(-z))) * (1 - s),
             'dtanh': 1 - math.tanh(z) ** 2}
    assert sheet.check('activation_derivatives', *(float(f'{v:.3g}') for v in right.values())).passed
    result = sheet.check('activation_derivatives', right['drelu'], float(f"{right['dsigmoid']:.2g}"), right['dtanh'])
    assert not result.passed and 'rounded too much' in result.message


@pytest.mark.parametrize('answer', [2.0, 8.0, np.float64(2.0), 'two', None, [2.0], float('inf')])
def test_judging_the_observed_plain_data_after_json_is_checking(answer):
    """Grading observes in the kernel, sends JSON, and judges in the grader: the verdict must not change."""
    exercise, numbers = half(), {'x': 4.0}
    sent = json.loads(json.dumps(exercise.observe({'h': answer})))
    assert exercise.judge(sent, numbers) == exercise.check({'h': answer}, numbers)


def test_an_answer_not_defined_is_not_yet_naming_it():
    result = half().judge({}, {'x': 4.0})
    assert not result.passed and result.message == ('h is not defined.\nHint: run the cell that defines h (did you '
                                                     'rename it?).')


def test_a_code_exercise_observes_through_its_probe_on_its_inputs():
    seen = []

    def probe(function, inputs):
        seen.append(inputs)
        return [function(x) for x in inputs]
    square = Exercise('square', 'Square', 1, ('f',), lambda rng: {'k': 3}, 'Write f.', 'def f(x): ...', '',
                      verdict=lambda given, n, inputs: CheckResult(given['f'] == [x * x for x in inputs], ''),
                      probe=probe, inputs=lambda n, rng: [1, 2, n['k']] + ([rng.randint(4, 9)] if rng else []))
    assert square.check({'f': lambda x: x * x}, {'k': 3}).passed and seen == [[1, 2, 3]]
    assert not square.check({'f': lambda x: 2 * x}, {'k': 3}).passed
    assert square.observe({'f': abs}, [-1, 5]) == {'f': [1, 5]}


def test_reading_numbers_lists_and_arrays_of_any_shape():
    assert read_answer(np.array([[1.5], [2.5]]), [0.0, 0.0], 'z') == [1.5, 2.5]
    assert read_answer(np.array([3.0]), 0.0, 'z') == 3.0
    with pytest.raises(NotYet, match=r'z is a list of 3 items, but it should be a list of 2 numbers'):
        read_answer([1.0, 2.0, 3.0], [0.0, 0.0], 'z')
    with pytest.raises(NotYet, match=r'z\[1\] is the string'):
        read_answer([1.0, '2'], [0.0, 0.0], 'z')
    assert first_difference([1.0, 2.0, 3.0], [1.0, 2.5, 4.0]) == ('[1]', 2.0, 2.5)
    assert first_difference(1.0004, 1.0) is None and first_difference(0.0, 1e-7) is None
