"""The exercise bank as a whole: its order and points, each student's numbers, the key accepted for 20 students,
typical mistakes rejected with their hint."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from micrograd_ext.classroom import BANK, Sheet
from micrograd_ext.classroom import bank_backprop, bank_neurons, bank_training
from micrograd_ext.classroom.bank import exercise
from micrograd_ext.classroom.exercise import first_difference

from .solving import cell_answers

STUDENTS = [f'student{i:02d}' for i in range(20)]
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_bank_covers_the_seeds_path_with_points():
    assert list(BANK)[:2] == ['neuron_z', 'activations'] and list(BANK)[-1] == 'learning_rate'
    assert len(BANK) == 16 and all(entry.points > 0 for entry in BANK.values())


def test_every_exercise_of_the_three_parts_is_in_the_bank_once_under_its_own_name():
    parts = [entry for part in (bank_neurons, bank_backprop, bank_training) for entry in part.EXERCISES]
    assert sorted(entry.name for entry in parts) == sorted(BANK)  # none left out of the order, none twice
    assert all(BANK[entry.name] is entry for entry in parts)


def test_an_unknown_name_is_a_value_error_listing_the_bank():
    assert exercise('layer') is BANK['layer']
    for name in ('Layer', 'nope', None, ['layer']):
        with pytest.raises(ValueError, match="the bank has neuron_z, activations, .*learning_rate"):
            exercise(name)


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


def test_every_empty_answer_cell_defines_its_answers_and_is_not_yet_done():
    for name in BANK:
        result = Sheet('ada').check(name, *cell_answers(name, 'ada', solved=False))  # a KeyError: a name missing
        assert not result.passed and 'Hint:' in result.message, (name, result)
