"""The training exercises: the key's cell passes its check, typical wrong answers get their hint. The right answers
are the textbook formulas, written out here."""
import math

import pytest

from micrograd_ext.classroom import Sheet
from micrograd_ext.classroom.bank_training import EXERCISES

from .solving import cell_answers

STUDENTS = ['ada', 'bob', 'cy', 'student03', 'student11']


@pytest.mark.parametrize('name', [entry.name for entry in EXERCISES])
def test_the_keys_cell_passes_its_check(name):
    for student in STUDENTS:
        result = Sheet(student).check(name, *cell_answers(name, student))
        assert result.passed and str(result).startswith('correct: '), (student, result)


def adam(n, corrected=True):
    m = 0.9 * n['m'] + 0.1 * n['grad']
    v = 0.999 * n['v'] + 0.001 * n['grad'] ** 2
    m_hat, v_hat = (m / (1 - 0.9 ** n['t']), v / (1 - 0.999 ** n['t'])) if corrected else (m, v)
    return [m, v, n['lr'] * m_hat / (math.sqrt(v_hat) + 1e-8)]


def schedule(n, min_lr):
    progress = (n['step_b'] - n['warmup']) / (n['total'] - n['warmup'])
    cosine = min_lr + (n['lr'] - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
    return [n['lr'] * (n['step_a'] + 1) / n['warmup'], cosine]


def clip(n, per_entry):
    if per_entry:
        return [[max(-n['max_norm'], min(n['max_norm'], g)) for g in n['grads']]]
    norm = math.sqrt(sum(g * g for g in n['grads']))
    return [[g * n['max_norm'] / norm for g in n['grads']]]


CASES = {  # name: (the right answers, a wrong one, words of its hint)
    'sgd_step': (lambda n: [[w - n['lr'] * g for w, g in zip(n['w'], n['grad'])]],
                 lambda n: [[w + n['lr'] * g for w, g in zip(n['w'], n['grad'])]], 'that step goes uphill'),
    'adam_step': (adam, lambda n: adam(n, corrected=False), 'the bias correction is missing'),
    'warmup_cosine': (lambda n: schedule(n, n['min_lr']), lambda n: schedule(n, 0.0), 'ends at min_lr'),
    'clipping': (lambda n: clip(n, False), lambda n: clip(n, True), 'scales the whole vector'),
}


@pytest.mark.parametrize('name', CASES)
def test_the_formulas_pass_and_a_typical_mistake_gets_its_hint(name):
    right, wrong, words = CASES[name]
    for student in STUDENTS:
        sheet = Sheet(student)
        numbers = sheet.numbers(name)
        assert sheet.check(name, *right(numbers)).passed, student
        result = sheet.check(name, *wrong(numbers))
        assert not result.passed and words in result.message and '\nHint: ' in result.message, (student, result)


def test_a_learning_rate_too_large_or_too_small_is_rejected_and_the_keys_converges():
    for student in [f'student{i:02d}' for i in range(5)]:
        sheet = Sheet(student)
        numbers = sheet.numbers('learning_rate')
        assert sheet.check('learning_rate', numbers['good_lr']).passed
        too_large = sheet.check('learning_rate', 1.2 / numbers['curvature'])
        assert not too_large.passed and 'too large' in too_large.message, (student, too_large)
        assert not sheet.check('learning_rate', 1e-4 / numbers['curvature']).passed
