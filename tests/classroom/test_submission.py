"""A submitted notebook: reading it without trusting it, the cells grading runs, and the runner's events."""
import json
import os
import subprocess
import sys
import threading

import pytest

from micrograd_ext.classroom import BANK, exercise_notebook
from micrograd_ext.classroom import submission
from micrograd_ext.classroom.notebooks import cell_role
from micrograd_ext.classroom.submission import (ANSWERS, Unreadable, answers_shown, events, grading_cells,
                                                read_submission)

nbformat = pytest.importorskip('nbformat')
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def unreadable(path) -> str:
    """Why read_submission refuses ``path`` (in a thread: a read that blocks fails the test instead of hanging it)."""
    box = {}

    def read():
        try:
            read_submission(str(path))
        except Unreadable as error:
            box['why'] = str(error)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), f'reading {path} blocked'
    return box['why']


def written(tmp_path, data, name='ada.ipynb'):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='no FIFOs here')
def test_a_fifo_a_folder_and_a_missing_file_are_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / 'pipe.ipynb')  # nobody writes to it: a blocking open or read would never end
    assert unreadable(tmp_path / 'pipe.ipynb') == 'is not a regular file'
    os.mkdir(tmp_path / 'folder.ipynb')
    assert unreadable(tmp_path / 'folder.ipynb') in ('is not a regular file', 'cannot be read (Is a directory)')
    assert unreadable(tmp_path / 'none.ipynb') == 'cannot be read (No such file or directory)'


def test_a_file_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    notebook = json.loads(json.dumps(exercise_notebook('ada', names=['layer'])))
    path = written(tmp_path, notebook)
    monkeypatch.setattr(submission, 'MAX_BYTES', path.stat().st_size)
    assert read_submission(str(path))[0].student == 'ada'  # at the limit: read
    monkeypatch.setattr(submission, 'MAX_BYTES', path.stat().st_size - 1)
    assert unreadable(path).startswith('is larger than')


@pytest.mark.parametrize('data, words', [
    (b'\x89PNG not a notebook', 'is not a notebook (not JSON'),
    (b'{"cells": [], "n": ' + b'7' * 5000 + b'}', 'not JSON'),  # a 5,000-digit int: a ValueError of its own
    (b'[1, 2]', 'no list of cells'), (b'{"cells": {}}', 'no list of cells'),
    (b'{"cells": [], "metadata": {}}', 'has no student id in its metadata'),
    (b'{"cells": [], "metadata": {"micrograd_ext": {"student": "../etc"}}}', 'names no valid student'),
])
def test_a_file_that_is_no_notebook_of_ours_says_what_is_wrong(tmp_path, data, words):
    assert words in unreadable(written(tmp_path, data))


@pytest.mark.parametrize('tag, exercises, solutions', [
    ({'exercises': ['layer', 'sgd_step', 'layer'], 'solutions': True}, ['layer', 'sgd_step'], True),
    ({'exercises': ['layer', 'nope'], 'solutions': 'true'}, list(BANK), False),  # an unknown name: the whole bank
    ({'exercises': [], 'solutions': 1}, list(BANK), False), ({'exercises': 'layer'}, list(BANK), False),
])
def test_the_metadata_names_the_student_the_exercises_and_whether_it_is_a_key(tmp_path, tag, exercises, solutions):
    notebook = {'cells': [], 'metadata': {'micrograd_ext': {'student': 'ada', **tag}}}
    data = b'\xef\xbb\xbf' + json.dumps(notebook).encode()
    read, raw = read_submission(str(written(tmp_path, data)))  # with a byte-order mark, as some editors save
    assert (read.student, read.exercises, read.solutions, raw) == ('ada', exercises, solutions, data)


def reports(*names, student='ada'):
    return {name: (list(BANK[name].answer_names(BANK[name].numbers_for(student))), None) for name in names}


def parts(cells):
    """(the exercise whose part a cell runs in, the exercise it reports) of each cell to run."""
    return [(cell.metadata.get('exercise'), cell.metadata.get('grader')) for cell in cells]


def test_the_cells_to_run_are_the_students_code_and_a_report_after_each_exercises_part():
    notebook = exercise_notebook('ada', names=['neuron_z', 'layer'])
    notebook.cells.insert(5, nbformat.v4.new_code_cell('print("mine")'))  # below neuron_z's check: its part still
    cells = grading_cells(notebook, reports('neuron_z', 'layer', 'sgd_step'))
    assert parts(cells) == [(None, None), ('neuron_z', None), (None, None), (None, 'neuron_z'), ('layer', None),
                            (None, 'layer'), (None, 'sgd_step')]  # an exercise without cells: reported at the end
    assert cells[2].source == 'print("mine")' and not any('sheet.check' in cell.source for cell in cells)
    assert cells[5].source.endswith("_micrograd_ext_report('layer', ['z'], None, globals())")


def test_without_the_tags_an_exercises_part_ends_at_its_check_and_lines_are_joined():
    notebook = json.loads(json.dumps(exercise_notebook('ada', names=['neuron_z', 'layer'])))
    for cell in notebook['cells']:  # as an editor that drops cell metadata and splits lines saves it
        cell['metadata'] = {}
        cell['source'] = cell['source'].splitlines(keepends=True)
    cells = grading_cells(notebook, reports('neuron_z', 'layer'))
    assert parts(cells) == [(None, None), (None, None), (None, 'neuron_z'), (None, None), (None, 'layer')]
    assert cells[3].source == BANK['layer'].starter_code(BANK['layer'].numbers_for('ada'))


def display(name, observed):
    return {'output_type': 'display_data', 'metadata': {}, 'data': {ANSWERS: {'exercise': name, 'observed': observed}}}


def test_a_report_cells_outputs_give_the_answers_or_say_why_there_are_none():
    cell = nbformat.v4.new_code_cell('', outputs=[nbformat.from_dict(display('layer', {'z': [1.0, 2.0]}))])
    assert answers_shown(cell, 'layer') == {'event': 'answers', 'exercise': 'layer', 'observed': {'z': [1.0, 2.0]}}
    assert 'they were not shown' in answers_shown(cell, 'sgd_step')['problem']  # another exercise's answers
    error = nbformat.v4.new_output('error', ename='NameError', evalue="name 'z' is not defined", traceback=[])
    failed = answers_shown(nbformat.v4.new_code_cell('', outputs=[error]), 'layer')
    assert failed['observed'] is None and "(NameError: name 'z' is not defined)" in failed['problem']


def test_a_cell_that_stops_the_kernel_is_skipped_in_a_fresh_one_and_each_problem_is_an_event(monkeypatch):
    cells = [{'cell_type': 'code', 'source': '', 'metadata': metadata, 'outputs': []} for metadata in
             ({'exercise': 'layer'}, {'grader': 'layer'}, {'exercise': 'sgd_step'}, {'exercise': 'sgd_step'},
              {'grader': 'sgd_step'})]
    problems = {2: 'timeout', 3: 'died'}
    passes = []

    def run_pass(cells, skip, timeout):  # a kernel in which cell 3 calls os._exit
        passes.append(set(skip))
        for index, cell in enumerate(cells):
            if index in skip:
                continue
            cell = nbformat.from_dict(cell)
            if 'grader' in cell.metadata:
                cell.outputs = [nbformat.from_dict(display(cell.metadata.grader, {'pass': len(passes)}))]
            yield index, cell, problems.get(index)
            if problems.get(index) == 'died':
                return
    monkeypatch.setattr(submission, 'run_pass', run_pass)
    shown = list(events(cells, timeout=7))
    slow = {'event': 'cell', 'exercise': 'sgd_step', 'problem': 'was still running after 7 s and was stopped'}
    died = {'event': 'cell', 'exercise': 'sgd_step', 'problem': 'stopped the kernel (os._exit or a crash), so it was '
                                                                'skipped'}
    assert passes == [set(), {3}]
    assert shown == [{'event': 'answers', 'exercise': 'layer', 'observed': {'pass': 1}}, slow, died,
                     {'event': 'answers', 'exercise': 'layer', 'observed': {'pass': 2}}, slow,
                     {'event': 'answers', 'exercise': 'sgd_step', 'observed': {'pass': 2}}, {'event': 'done'}]


def test_the_passes_are_limited_and_a_notebook_the_runner_cannot_take_is_an_error_event(monkeypatch):
    passes = []

    def always_dies(cells, skip, timeout):
        passes.append(set(skip))
        index = min(set(range(len(cells))) - skip)
        yield index, nbformat.from_dict(cells[index]), 'died'
    monkeypatch.setattr(submission, 'run_pass', always_dies)
    cells = [{'cell_type': 'code', 'source': '', 'metadata': {}, 'outputs': []}] * 5
    assert list(events(cells, 10))[-1] == {'event': 'done'} and passes == [set(), {0}, {0, 1}][:submission.PASSES]

    def broken(cells, skip, timeout):
        raise ValueError('no kernel')
        yield
    monkeypatch.setattr(submission, 'run_pass', broken)
    assert list(events(cells, 10)) == [{'event': 'error', 'message': 'the grader could not run this notebook '
                                                                     '(ValueError: no kernel)'}, {'event': 'done'}]


def test_the_runner_runs_the_cells_in_a_kernel_and_prints_the_answers_as_json_lines():
    """Our own honest notebook, so no sandbox is needed (hostile ones are graded in one: test_grading_attacks)."""
    pytest.importorskip('nbclient')
    pytest.importorskip('ipykernel')
    names = ['neuron_z', 'local_derivative']
    notebook = exercise_notebook('ada', solutions=True, names=names)
    answer = next(cell for cell in notebook.cells if cell_role(cell) == ('neuron_z', 'answer'))
    answer.source += "\nraise ValueError('oops')"  # after z is defined: the answer counts, the error is told
    numbers = {name: BANK[name].numbers_for('ada') for name in names}
    inputs = {name: BANK[name].inputs(numbers[name], None) for name in names}
    cells = grading_cells(notebook, {name: (list(BANK[name].answer_names(numbers[name])), inputs[name])
                                     for name in names})
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext.classroom.submission', '--timeout', '60'],
                         input=json.dumps({'cells': cells}), capture_output=True, text=True, timeout=300,
                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT})
    assert run.returncode == 0, run.stderr
    shown = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(e['event'], e.get('exercise')) for e in shown] == [('cell', 'neuron_z'), ('answers', 'neuron_z'),
                                                                ('answers', 'local_derivative'), ('done', None)]
    assert shown[0]['problem'] == 'raised ValueError: oops' and all('seconds' in event for event in shown)
    for event in shown[1:3]:
        name = event['exercise']
        assert BANK[name].judge(event['observed'], numbers[name], inputs[name]).passed, event
