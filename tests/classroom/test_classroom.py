"""The exercise bank: each student's numbers, the key accepted for 20 students, typical mistakes rejected."""
import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.classroom import BANK, Sheet, exercise_notebook, write_notebooks
from micrograd_ext.classroom.bank_backprop import NEW_OPS
from micrograd_ext.classroom.exercise import first_difference
from micrograd_ext.classroom.notebooks import cell_role

from ..student_backwards import assigns, correct

STUDENTS = [f'student{i:02d}' for i in range(20)]
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_bank_covers_the_seeds_path_with_points():
    assert list(BANK)[:2] == ['neuron_z', 'activations'] and list(BANK)[-1] == 'learning_rate'
    assert len(BANK) == 16 and all(entry.points > 0 for entry in BANK.values())


def test_each_student_has_numbers_of_their_own_and_always_the_same():
    for entry in BANK.values():
        drawn = [json.dumps(entry.numbers_for(student), sort_keys=True) for student in STUDENTS]
        assert drawn == [json.dumps(entry.numbers_for(student), sort_keys=True) for student in STUDENTS]
        assert len(set(drawn)) >= (3 if entry.expected is None else 18), entry.name
    script = "from micrograd_ext.classroom import BANK; print([e.numbers_for('ada') for e in BANK.values()])"
    runs = {subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True,
                           env={**os.environ, 'PYTHONHASHSEED': seed, 'PYTHONPATH': PACKAGE_PARENT}).stdout
            for seed in ('1', '2')}
    assert len(runs) == 1  # the same on every run, whatever the hash seed


def test_the_reference_solution_passes_for_20_students(tmp_path):
    """Every solution cell of the key, run as a script (a function per case), is accepted by its checker."""
    cases = []
    for student in STUDENTS:
        for entry in BANK.values():
            numbers = entry.numbers_for(student)
            names = entry.answer_names(numbers)
            body = textwrap.indent(entry.solution_code(numbers), '    ')
            cases.append(f"def case_{len(cases)}():\n{body}\n    return Sheet({student!r}).check({entry.name!r}, "
                         f"{', '.join(names)},)\n")
    script = tmp_path / 'solutions.py'
    script.write_text('import json\nfrom micrograd_ext.classroom import Sheet\n\n' + '\n'.join(cases) +
                      f"\nprint(json.dumps([str(globals()[f'case_{{i}}']()) for i in range({len(cases)})]))\n")
    verdicts = json.loads(subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT}, timeout=300).stdout)
    wrong = [verdict for verdict in verdicts if not verdict.startswith('correct')]
    assert len(verdicts) == 20 * 16 and not wrong, wrong[:3]


@pytest.mark.parametrize('name', [name for name, entry in BANK.items() if entry.mistakes])
def test_typical_mistakes_are_rejected_with_their_hint(name):
    entry = BANK[name]
    seen = set()
    for student in STUDENTS:
        numbers = entry.numbers_for(student)
        right = entry.expected(numbers)
        assert entry.check(right, numbers).passed
        for index, mistake in enumerate(entry.mistakes):
            answers = {**right, **mistake.answers(numbers)}
            assert any(first_difference(answers[key], right[key]) for key in right)  # the numbers are drawn so
            result = entry.check(answers, numbers)
            same = [m.hint for m in entry.mistakes  # mistakes that give these answers too, for these numbers
                    if all(first_difference(answers[key], value) is None for key, value in m.answers(numbers).items())]
            assert not result.passed and any(hint in result.message for hint in same), (student, result)
            if mistake.hint in result.message:
                seen.add(index)
    assert seen == set(range(len(entry.mistakes)))  # every mistake shows for some students


def test_a_wrong_number_names_expected_and_given_and_the_finite_difference_estimate():
    sheet = Sheet('ada')
    z = sheet.numbers('activation_derivatives')['z']
    s = 1 / (1 + math.exp(-z))
    result = sheet.check('activation_derivatives', 1.0 if z > 0 else 0.0, s * (1 - s) * 2, 1 - math.tanh(z) ** 2)
    assert not result.passed
    assert f'{s * (1 - s) * 2:.4g}' in result.message and f'{s * (1 - s):.4g}' in result.message
    assert 'finite differences' in result.message


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


def no_bias_neuron(x, w, b):
    return math.tanh(sum(wi * xi for wi, xi in zip(w, x)))


@pytest.mark.parametrize('name, answer, words', [
    ('local_derivative', bad_derivative, 'your derivative gives'),
    ('new_op', 'assigning', '+='),
    ('backward', assigns, 'not a.grad = ...'),
    ('backward', correct, 'grads not zeroed'),  # right once, but it never sets the grads to 0
    ('new_op', 'without out.grad', 'multiply by out.grad'),
    ('neuron_forward', no_bias_neuron, 'but'),
    ('learning_rate', 'too large', 'too large'),
    ('chain_rule', 'missing', 'missing'),
])
def test_function_exercises_reject_the_typical_mistakes(name, answer, words):
    for student in STUDENTS[:5]:
        sheet = Sheet(student)
        numbers = sheet.numbers(name)
        makers = {'assigning': lambda: assigning_op(numbers['op']), 'too large': lambda: 1.2 / numbers['curvature'],
                  'without out.grad': lambda: forgetting_out_grad(numbers['op']),
                  'missing': lambda: {'a': 1.0}}
        given = makers[answer]() if isinstance(answer, str) else answer
        result = sheet.check(name, given)
        assert not result.passed and words in result.message, (student, result)


def test_the_notebooks_hold_the_students_numbers_and_no_solutions(tmp_path):
    paths = write_notebooks(['ada', 'bob'], str(tmp_path / 'out'))
    ada, bob = (json.loads(open(path).read()) for path in paths)
    assert [os.path.basename(p) for p in paths] == ['ada.ipynb', 'bob.ipynb']
    assert ada['metadata']['micrograd_ext']['student'] == 'ada'
    answers = {cell_role(c)[0]: c['source'] for c in ada['cells'] if cell_role(c) and cell_role(c)[1] == 'answer'}
    assert list(answers) == list(BANK)
    for name, entry in BANK.items():  # each answer cell is the starter with ada's numbers, never the key
        numbers = entry.numbers_for('ada')
        assert answers[name] == entry.starter_code(numbers) != entry.solution_code(numbers)
    assert ada['cells'] != bob['cells']
    key = exercise_notebook('ada', solutions=True)
    solved = [c['source'] for c in key['cells'] if cell_role(c) and cell_role(c)[1] == 'answer']
    assert solved == [entry.solution_code(entry.numbers_for('ada')) for entry in BANK.values()]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT}, timeout=120)


def test_the_exercises_command_writes_handouts_and_keys(tmp_path):
    listed = cli('exercises', 'list')
    assert listed.returncode == 0 and listed.stdout.splitlines()[-1] == '16 exercises, 39 points'
    roster = tmp_path / 'roster.txt'
    roster.write_bytes('\ufeffada\n# a comment\n\nbob\n'.encode())  # saved by a spreadsheet: with a BOM
    made = cli('exercises', 'new', '--roster', str(roster), '--student', 'cy', '-o', str(tmp_path / 'handout'))
    assert made.returncode == 0 and made.stdout.startswith('wrote 3 notebooks'), made.stderr
    handout = {name: json.loads((tmp_path / 'handout' / name).read_text()) for name in ('ada.ipynb', 'cy.ipynb')}
    assert handout['ada.ipynb']['metadata']['micrograd_ext']['student'] == 'ada'
    assert handout['ada.ipynb']['cells'] != handout['cy.ipynb']['cells']  # each student's own numbers
    again = cli('exercises', 'new', '--student', 'ada', '-o', str(tmp_path / 'handout'))
    assert again.returncode == 1 and 'exist already' in again.stderr and '--force' in again.stderr
    key = cli('exercises', 'key', '--student', 'ada', '--exercise', 'layer', '--exercise', 'layer', '-o',
              str(tmp_path / 'key'))
    solved = json.loads((tmp_path / 'key' / 'ada.ipynb').read_text())
    assert key.returncode == 0 and solved['metadata']['micrograd_ext']['exercises'] == ['layer']
    assert [cell_role(c) for c in solved['cells'] if cell_role(c)] == [('layer', 'answer'), ('layer', 'check')]
    for args, words in [(['--student', 'a/b'], 'student ids are'), (['--student', 'Ada', '--student', 'ada'],
                                                                      'differ only in case'),
                        ([], 'at least one --student'), (['--student', 'x', '--exercise', 'nope'], 'invalid choice')]:
        refused = cli('exercises', 'new', *args, '-o', str(tmp_path / 'other'))
        assert refused.returncode == 2 and words in refused.stderr and len(refused.stderr.splitlines()) == 1


def test_three_significant_digits_are_enough_and_fewer_are_told_so():
    sheet = Sheet('ada')
    z = sheet.numbers('activation_derivatives')['z']
    right = {'drelu': 1.0 if z > 0 else 0.0, 'dsigmoid': (s := 1 / (1 + math.exp(-z))) * (1 - s),
             'dtanh': 1 - math.tanh(z) ** 2}
    assert sheet.check('activation_derivatives', *(float(f'{v:.3g}') for v in right.values())).passed
    result = sheet.check('activation_derivatives', right['drelu'], float(f"{right['dsigmoid']:.2g}"), right['dtanh'])
    assert not result.passed and 'rounded too much' in result.message


def test_a_new_op_must_be_a_node_of_its_own_and_relu_neurons_are_tried_on_both_sides():
    for student in STUDENTS[:6]:
        sheet = Sheet(student)
        result = sheet.check('new_op', lambda x: x ** 3 if sheet.numbers('new_op')['op'] == 'cube' else x.tanh())
        assert not result.passed and "engine's own ops" in result.message
    relu = next(s for s in STUDENTS if Sheet(s).numbers('neuron_forward')['activation'] == 'relu')
    sheet = Sheet(relu)
    assert not sheet.check('neuron_forward', lambda x, w, b: 0.0).passed
    assert not sheet.check('neuron_forward', lambda x, w, b: sum(wi * xi for wi, xi in zip(w, x)) + b).passed


def test_hand_computed_gradients_and_answers_as_arrays_of_any_shape_count():
    sheet = Sheet('ada')
    n = sheet.numbers('chain_rule')
    d = n['a'] * n['b'] + n['c']
    grads = dict(L=1.0, d=n['f'], f=d, e=n['f'], c=n['f'], a=n['f'] * n['b'], b=n['f'] * n['a'])
    assert sheet.check('chain_rule', {key: float(f'{value:.3g}') for key, value in grads.items()}).passed
    x, W, b = sheet.numbers('layer').values()
    z = np.array(W) @ np.array(x) + np.array(b)
    assert sheet.check('layer', z.reshape(2, 1)).passed and sheet.check('layer', z.reshape(1, 2)).passed
    one = sheet.numbers('neuron_z')
    assert sheet.check('neuron_z', np.array([np.dot(one['w'], one['x']) + one['b']])).passed


def test_a_hand_rounded_mistake_is_still_named():
    """With the bank's tolerance, a gradient rounded to 3 digits is compared as what it is: a = one use only."""
    from functools import partial

    from micrograd_ext.classroom.exercise import RELATIVE
    from micrograd_ext.classroom.exercises import check_grads_by_hand
    from micrograd_ext.teach.graphs import lecture_graph
    graph = partial(lecture_graph, 1.37, -2.91, 0.83, 1.77)
    out, nodes = graph()
    out.backward()
    rounded = {name: float(f'{node.grad:.3g}') for name, node in nodes.items()}
    assert check_grads_by_hand(rounded, graph=graph, tolerance=RELATIVE).passed
    one_use = float(f"{nodes['b'].data * nodes['e'].grad:.3g}")  # a's contribution through e = a*b only
    result = check_grads_by_hand({**rounded, 'a': one_use}, graph=graph, tolerance=RELATIVE)
    assert not result.passed and '= instead of +=' in result.message
