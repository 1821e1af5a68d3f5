"""The students' notebooks and the key: built with nbformat, valid, tagged by role, read back as grading reads them."""
import os
import sys

import pytest

from micrograd_ext.classroom import BANK, exercise_notebook, write_notebooks
from micrograd_ext.classroom.notebooks import cell_role
from micrograd_ext.classroom.submission import grading_cells, read_submission, source_text

nbformat = pytest.importorskip('nbformat')


def roles(notebook):
    return [cell_role(c) for c in notebook['cells']]


def test_the_notebooks_hold_the_students_numbers_and_no_solutions(tmp_path):
    paths = write_notebooks(['ada', 'bob'], str(tmp_path / 'out'))
    ada, bob = (nbformat.read(path, as_version=4) for path in paths)  # multi-line sources are lists of lines on disk
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


@pytest.mark.parametrize('solutions, names', [(False, None), (True, None), (False, ['layer', 'sgd_step'])])
def test_the_files_written_are_valid_nbformat_4_5_with_the_kernel_and_the_tag(tmp_path, solutions, names):
    [path] = write_notebooks(['ada'], str(tmp_path), solutions, names)
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)  # raises on an invalid notebook
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert notebook.metadata.kernelspec.name == 'python3' and notebook.metadata.language_info.name == 'python'
    assert notebook.metadata.micrograd_ext == {'student': 'ada', 'solutions': solutions,
                                               'exercises': names or list(BANK)}
    assert all(cell.outputs == [] and cell.execution_count is None for cell in notebook.cells
               if cell.cell_type == 'code')
    ids = [cell.id for cell in notebook.cells]
    assert len(set(ids)) == len(ids)


def test_each_exercise_is_a_task_an_answer_and_a_check_in_the_order_asked(tmp_path):
    notebook = exercise_notebook('ada', names=['sgd_step', 'layer', 'sgd_step'])
    assert notebook['metadata']['micrograd_ext']['exercises'] == ['sgd_step', 'layer']  # duplicates once
    assert roles(notebook) == [None, None,  # the intro; the setup cell (a role, but no exercise)
                               None, ('sgd_step', 'answer'), ('sgd_step', 'check'),
                               None, ('layer', 'answer'), ('layer', 'check')]
    intro, setup, task = notebook['cells'][:3]
    assert intro['cell_type'] == task['cell_type'] == 'markdown' and '2 exercises, 4 points' in intro['source']
    assert setup['metadata']['micrograd_ext'] == {'role': 'setup'} and "Sheet('ada')" in setup['source']
    assert task['source'].startswith('## 1. An SGD step (2 points)')
    check = next(c for c in notebook['cells'] if cell_role(c) == ('sgd_step', 'check'))
    assert check['source'] == "sheet.check('sgd_step', w_new)"


def test_the_same_notebook_is_written_byte_for_byte_again(tmp_path):
    first = write_notebooks(['ada'], str(tmp_path / 'a'))[0]
    second = write_notebooks(['ada'], str(tmp_path / 'b'))[0]
    with open(first, 'rb') as one, open(second, 'rb') as other:
        data = one.read()
        assert data == other.read() and data.endswith(b'}\n')


def test_a_notebook_written_reads_back_as_a_submission_and_grades_its_answer_cells(tmp_path):
    [path] = write_notebooks(['ada'], str(tmp_path), solutions=True, names=['neuron_z', 'layer'])
    submission, data = read_submission(path)
    assert (submission.student, submission.exercises, submission.solutions) == ('ada', ['neuron_z', 'layer'], True)
    with open(path, 'rb') as file:
        assert data == file.read()
    reports = {name: (list(BANK[name].answer_names(BANK[name].numbers_for('ada'))), None)
               for name in submission.exercises}
    cells = grading_cells(submission.notebook, reports)
    graded = [cell.metadata.get('exercise') or cell.metadata.get('grader') for cell in cells]
    assert graded == [None, 'neuron_z', 'neuron_z', 'layer', 'layer']  # setup, then each answer and its report
    for name in ('neuron_z', 'layer'):
        answer = next(c for c in cells if c.metadata.get('exercise') == name)
        assert answer.source == BANK[name].solution_code(BANK[name].numbers_for('ada'))
    on_disk = next(c for c in submission.notebook['cells'] if cell_role(c) == ('layer', 'answer'))
    assert isinstance(on_disk['source'], list) and source_text(on_disk['source']) == cells[3].source


def test_existing_notebooks_and_unknown_exercises_are_refused_before_anything_is_written(tmp_path):
    [path] = write_notebooks(['ada'], str(tmp_path))
    with open(path, 'w') as file:
        file.write('my work')
    with pytest.raises(FileExistsError, match='1 of the notebooks exist already'):
        write_notebooks(['ada', 'bob'], str(tmp_path))
    with pytest.raises(ValueError, match="no exercise is called 'nope'"):
        write_notebooks(['cy'], str(tmp_path / 'new'), names=['nope'])
    assert sorted(os.listdir(tmp_path)) == ['ada.ipynb'] and open(path).read() == 'my work'
    write_notebooks(['ada'], str(tmp_path), overwrite=True)
    assert read_submission(path)[0].student == 'ada'


def test_without_nbformat_writing_says_how_to_install_it_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'nbformat', None)  # import nbformat now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'micrograd-ext\[notebooks\]'"):
        write_notebooks(['ada'], str(tmp_path / 'out'))
    with pytest.raises(ImportError, match='needs nbformat'):
        exercise_notebook('ada')
    assert not (tmp_path / 'out').exists()
    tagged = {'metadata': {'micrograd_ext': {'exercise': 'layer', 'role': 'answer'}}}
    assert cell_role(tagged) == ('layer', 'answer')  # reading needs no nbformat


@pytest.mark.parametrize('metadata', [{}, {'micrograd_ext': 'layer'}, {'micrograd_ext': {'exercise': 'layer'}},
                                      {'micrograd_ext': {'exercise': 3, 'role': 'answer'}}, 'not a dict'])
def test_a_cell_without_a_whole_tag_has_no_role(metadata):
    assert cell_role({'cell_type': 'code', 'metadata': metadata, 'source': ''}) is None
