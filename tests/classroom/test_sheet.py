"""A student's sheet: their numbers, the check in words, and which student ids are valid."""
import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.classroom import BANK, Sheet
from micrograd_ext.classroom.sheet import student_id


@pytest.mark.parametrize('text', ['ada', 'A', 'ada.lovelace@uni.example', 'x_1+2-3', '9' * 64])
def test_valid_student_ids_are_kept_as_they_are(text):
    assert student_id(text) == text and Sheet(text).student == text


@pytest.mark.parametrize('text', ['', '.ada', '-ada', '../etc', 'a/b', 'a b', 'a' * 65, 'ada\n', 'élève', 3, None])
def test_ids_that_would_not_make_a_safe_file_name_are_refused(text):
    with pytest.raises(ValueError, match='student ids are 1 to 64 letters'):
        student_id(text)


def test_the_sheet_has_the_students_numbers_and_checks_answers_in_the_order_named():
    sheet = Sheet('ada')
    assert sheet.numbers('layer') == BANK['layer'].numbers_for('ada') != Sheet('bob').numbers('layer')
    n = sheet.numbers('reuse')  # y = a*b + a*c: dy/da = b + c, dy/db = a, dy/dc = a
    assert sheet.check('reuse', n['b'] + n['c'], n['a'], n['a']).passed
    assert not sheet.check('reuse', n['a'], n['a'], n['b'] + n['c']).passed  # the right numbers, the wrong order
    assert repr(sheet) == "Sheet('ada'): 16 exercises, 39 points"


def test_answers_of_the_wrong_kind_are_not_yet_with_a_hint():
    sheet = Sheet('ada')
    for answer, words in [(..., 'placeholder'), ('1.5', 'without quotes'), (None, 'None'), ([1.0], 'list'),
                          (float('nan'), 'nan')]:
        result = sheet.check('neuron_z', answer)
        assert not result.passed and words in result.message and 'Hint:' in result.message
    assert 'a truth value' in sheet.check('neuron_z', True).message
    z = sheet.numbers('neuron_z')
    right = sum(w * x for w, x in zip(z['w'], z['x'])) + z['b']
    assert sheet.check('neuron_z', np.array(right)).passed and sheet.check('neuron_z', np.float64(right)).passed
    result = sheet.check('layer', [1.0])
    assert 'a list of 2 numbers' in result.message
    assert sheet.check('layer', Value(1.0)).passed is False
    with pytest.raises(TypeError, match=r"activations takes 3 answers \(relu_z, sigmoid_z, tanh_z\)"):
        sheet.check('activations', 1.0)
    with pytest.raises(ValueError, match='no exercise is called'):
        sheet.check('neuron', 1.0)
    with pytest.raises(ValueError, match='student ids'):
        Sheet('../etc')
