"""Grading a simulated class of 30 notebooks with ``micrograd-ext grade``: right, blank, each kind of mistake,
copied, hanging, crashing, killing the kernel, eating memory, corrupt; each file in its own process and kernel."""
import csv
import json
import os
import subprocess
import sys
import time

import pytest

from micrograd_ext.classroom import BANK, exercise_notebook, write_notebooks
from micrograd_ext.classroom.exercise import first_difference
from micrograd_ext.classroom.notebooks import cell_role

from ..sandboxing import SANDBOXED_KERNEL, need_sandbox, processes_running

pytest.importorskip('nbclient')
pytest.importorskip('ipykernel')

TOTAL = sum(entry.points for entry in BANK.values())
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def submission(student, folder, answers=None, solved=True, delete=(), added=None, roles=('answer',),
               untagged=False):
    """``student``'s notebook with every answer cell solved (or left blank), then ``answers`` {exercise: code}
    put in, the cells of ``delete`` {exercise: role} removed, a cell of the student's own after the ``roles``
    cells of the exercises in ``added`` {exercise: code}, and with ``untagged`` every cell's metadata lost."""
    notebook = exercise_notebook(student, solutions=solved)
    notebook['metadata']['micrograd_ext']['solutions'] = False
    cells = []
    for made in notebook['cells']:
        role = cell_role(made)
        if role and dict(delete).get(role[0]) == role[1]:
            continue
        if role and role[1] == 'answer':
            made['source'] = (answers or {}).get(role[0], made['source'])
        cells.append(made)
        if untagged:
            made['metadata'] = {}
        if role and role[1] in roles and role[0] in (added or {}):
            cells.append({'cell_type': 'code', 'id': f'mine-{role[0]}', 'metadata': {}, 'execution_count': None,
                          'outputs': [], 'source': added[role[0]]})
    notebook['cells'] = cells
    path = os.path.join(folder, f'{student}.ipynb')
    with open(path, 'w') as file:
        json.dump(notebook, file)
    return path


def mistaken(student):
    """The first exercise with a typical mistake that shows for ``student``'s numbers: (name, code, hint)."""
    for name, entry in BANK.items():
        numbers = entry.numbers_for(student)
        right = entry.expected(numbers) if entry.expected else {}
        for mistake in entry.mistakes:
            answers = {**right, **mistake.answers(numbers)}
            others = [m for m in entry.mistakes if m is not mistake and all(
                first_difference(answers[k], v) is None for k, v in m.answers(numbers).items())]
            if not others and any(first_difference(answers[k], right[k]) for k in right):
                return name, '\n'.join(f'{key} = {value!r}' for key, value in answers.items()), mistake.hint
    raise AssertionError(f'no mistake shows for {student}')


ASSIGNING_OP = '''import math
from micrograd_ext import Value

def {op}(x):
    out = Value({data}, (x,), '{op}')
    def _backward():
        x.grad = {local} * out.grad  # = where += is needed
    out._backward = _backward
    return out'''

FAKE_VERDICT = '''import json, os
from IPython.display import display
display({'application/vnd.micrograd-ext.answers+json': {'exercise': 'adam_step', 'observed': {'m_new': 1.0}}}, raw=True)
os.write(1, (json.dumps({'event': 'answers', 'exercise': 'adam_step', 'observed': {}}) + '\\n').encode())
try:  # into the runner's own pipe
    with open(f'/proc/{os.getppid()}/fd/1', 'w') as pipe:
        pipe.write(json.dumps({'event': 'verdict', 'exercise': 'clipping', 'passed': True, 'message': ''}) + '\\n')
except OSError:
    pass
import micrograd_ext.classroom.submission as grader
grader.report = lambda *args: None'''

LEFTOVER = 'sleep 7777.25'  # a detached process s07 starts: no process runs it after grading


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    need_sandbox()
    folder = str(tmp_path_factory.mktemp('class'))
    expect = {}  # file -> (score, fragments the feedback must contain)
    for student in ('s00', 's01'):
        expect[submission(student, folder)] = (TOTAL, [])
    z = BANK['neuron_z'].solution_code(BANK['neuron_z'].numbers_for('s02'))  # s02 fixes z below the check cell
    expect[submission('s02', folder, {'neuron_z': 'z = 0.5'}, added={'neuron_z': z}, roles=('check',))] = (TOTAL, [])
    expect[submission('s03', folder, untagged=True)] = (TOTAL, [])  # an editor that drops cell metadata
    expect[submission('s04', folder, delete={name: 'check' for name in BANK})] = (TOTAL, [])  # no check cells
    layer = BANK['layer']  # s05 works in a cell of their own below the answer cell, which they leave as it was
    expect[submission('s05', folder, {'layer': layer.starter_code(layer.numbers_for('s05'))},
                      added={'layer': layer.solution_code(layer.numbers_for('s05'))})] = (TOTAL, [])
    for student in ('s08', 's09'):
        expect[submission(student, folder, solved=False)] = (0, ['not done yet'])
    for student in [f's{i:02d}' for i in range(10, 16)]:
        name, code, hint = mistaken(student)
        expect[submission(student, folder, {name: code})] = (TOTAL - BANK[name].points, [f'{name}: ', hint])
    op = BANK['new_op'].numbers_for('s16')
    expect[submission('s16', folder, {'new_op': ASSIGNING_OP.format(**op)})] = (TOTAL - 3, ['x.grad +='])
    copied = exercise_notebook('s00', solutions=True)
    answers = {cell_role(c)[0]: c['source'] for c in copied['cells'] if cell_role(c) and cell_role(c)[1] == 'answer'}
    expect[submission('s17', folder, answers)] = (None, ["right for s00's numbers, not for yours (s17)"])
    problems = {'s18': ('neuron_z', 'while True:\n    pass', 'was still running after 3 s'),
                's19': ('layer', 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n'
                                 '    time.sleep(0.01)', 'kept running after it was interrupted'),
                's20': ('sgd_step', 'import os\nos._exit(3)', 'stopped the kernel'),
                's21': ('chain_rule', "raise ValueError('oops')", 'raised ValueError: oops'),
                's22': ('reuse', 'x = bytearray(8 * 1024 ** 3)', 'raised MemoryError'),
                's07': ('clipping', f"import subprocess\nsubprocess.Popen({LEFTOVER.split()!r}, start_new_session=True)\n"
                                    "clipped = None", 'clipped is None'),
                }
    for student, (name, code, words) in problems.items():
        expect[submission(student, folder, {name: code})] = (TOTAL - BANK[name].points, [f'{name}: ', words])
    # faking answers or events gains nothing; replacing the reporting function loses the exercises reported after it
    before = sum(entry.points for entry in list(BANK.values())[:list(BANK).index('adam_step')])
    expect[submission('s23', folder, {'adam_step': FAKE_VERDICT})] = (before, ['adam_step: the grader could not read '
                                                                               'your answers'])
    expect[submission('s24', folder, delete={'clipping': 'answer'})] = (TOTAL - 2, ['clipping: ', 'clipped is not defined'])
    twin = os.path.join(folder, 's25.ipynb')
    with open(submission('s26', folder)) as source, open(twin, 'w') as file:  # s26's notebook, handed in twice
        file.write(source.read())
    expect[twin] = (0, ['2 files name the student s26'])  # held: s26.ipynb is s26's own file
    expect[os.path.join(folder, 's26.ipynb')] = (TOTAL, ['1 other file(s) name the student s26 too'])
    expect[submission('s27', folder, solved=True)] = (TOTAL, [])
    corrupt = os.path.join(folder, 'corrupt.ipynb')
    with open(corrupt, 'wb') as file:
        file.write(b'\x89PNG not a notebook')
    expect[corrupt] = (0, ['not a notebook'])
    anonymous = os.path.join(folder, 'anonymous.ipynb')
    with open(anonymous, 'w') as file:
        json.dump({**exercise_notebook('s28'), 'metadata': {}}, file)
    expect[anonymous] = (0, ['no student id in its metadata'])
    write_notebooks(['s29'], folder)
    expect[os.path.join(folder, 's29.ipynb')] = (0, [])  # as handed out
    gradebook = os.path.join(folder, 'grades.csv')
    scratch = os.path.join(folder, 'tmp')
    os.mkdir(scratch)
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', *expect, '--csv', gradebook,
                          '--timeout', '3', '--jobs', '2'], capture_output=True, text=True, timeout=1200,
                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT, 'GRADING_TEST_RUN': folder, 'TMPDIR': scratch})
    assert os.listdir(scratch) == []  # no temporary file or folder is left behind
    with open(gradebook, newline='') as file:
        rows = {os.path.basename(row['file']): row for row in csv.DictReader(file)}
    return expect, rows, run


def test_a_class_of_30_gets_one_row_each_with_the_right_scores(graded):
    expect, rows, run = graded
    assert run.returncode == 0, run.stderr
    assert len(expect) == 30 and set(rows) == {os.path.basename(path) for path in expect}
    for path, (score, fragments) in expect.items():
        row = rows[os.path.basename(path)]
        assert int(row['max_score']) == TOTAL
        if score is not None:
            assert int(row['score']) == score, (path, row['feedback'])
        held = {'key', 'copy', 'two-files'} & set(row['flags'].split())
        assert sum(int(row[name]) for name in BANK) == int(row['score']) or held and row['score'] == '0' 
        for fragment in fragments:
            assert fragment in row['feedback'], (path, fragment, row['feedback'])


def test_the_student_comes_from_the_metadata_and_copied_answers_fail(graded):
    expect, rows, _ = graded
    assert rows['s17.ipynb']['student'] == 's17' and rows['s25.ipynb']['student'] == 's26'
    copied = rows['s17.ipynb']
    for name, entry in BANK.items():
        if entry.expected is not None and any(
                first_difference(value, entry.expected(entry.numbers_for('s17'))[key])
                for key, value in entry.expected(entry.numbers_for('s00')).items()):
            assert copied[name] == '0', name  # s00's right answers are wrong for s17's numbers
    assert copied['score'] == '0' and 'copy' in copied['flags'].split()  # held, whatever the other exercises earned
    assert rows['s26.ipynb']['flags'].split() == ['shared-id'] and rows['s25.ipynb']['flags'].split() == ['two-files',
                                                                                                          'file-name']
    assert int(rows['s25.ipynb']['neuron_z']) == 2  # the exercise columns keep the points


def test_the_summary_counts_the_class_and_names_the_common_mistakes(graded):
    _, rows, run = graded
    assert run.stdout.startswith('graded 28 notebooks: mean ') and '2 files could not be read' in run.stdout
    assert 'most common mistakes:' in run.stdout and 'problems:' in run.stdout
    assert 'corrupt.ipynb: this file is not a notebook' in run.stdout
    assert "s17.ipynb: the answers to" in run.stdout and "exercises fit s00's numbers" in run.stdout
    right = sum(row['neuron_z'] == '2' for row in rows.values())
    line = next(line for line in run.stdout.splitlines() if line.strip().startswith('neuron_z '))
    assert line.split()[1] == f'{right}/28'  # the right answers among the notebooks that could be read
    assert run.stdout.rstrip().endswith('grades.csv')


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='reads /proc to find processes')
def test_no_kernel_and_no_process_a_student_started_outlives_the_grading(graded):
    assert not processes_running(LEFTOVER) and not processes_running(SANDBOXED_KERNEL)


def test_grade_refuses_a_csv_path_it_cannot_write(tmp_path):
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', 'x.ipynb', '--csv', str(tmp_path / 'no' /
                          'grades.csv')], capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT})
    assert run.returncode == 2 and 'does not exist' in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_notebook_of_some_exercises_is_scored_out_of_those(tmp_path):
    notebook = exercise_notebook('ada', solutions=True, names=['layer', 'sgd_step'])
    notebook['metadata']['micrograd_ext']['solutions'] = False  # solved by the student
    path = tmp_path / 'ada.ipynb'
    path.write_text(json.dumps(notebook))
    from micrograd_ext.classroom.gradebook import gradebook
    from micrograd_ext.classroom.grading import grade
    [graded] = grade([str(path)], timeout=10, sandbox='none')  # an honest notebook: no sandbox needed
    assert (graded.score, graded.max_score) == (4, 4) and set(graded.points) == {'layer', 'sgd_step'}
    row = next(csv.DictReader(gradebook([graded]).splitlines()))
    assert row['layer'] == '2' and row['neuron_z'] == '' and row['feedback'] == ''
    [handed_out] = grade([str(path)], timeout=10, exercises=list(BANK), sandbox='none')  # the teacher says all were handed out
    assert (handed_out.score, handed_out.max_score) == (4, 39) and 'lists other exercises' in handed_out.problem


def test_grade_with_a_roster_leaves_out_other_files_and_flags_keys_and_absent_students(tmp_path):
    need_sandbox()
    write_notebooks(['ada'], str(tmp_path))
    key = write_notebooks(['bob'], str(tmp_path / 'key'), solutions=True, names=['layer'])[0]
    formula = tmp_path / '=HYPERLINK("x").ipynb'  # a file name a spreadsheet would run
    formula.write_text('not json')
    (tmp_path / 'notes.txt').write_text('not a notebook')
    (tmp_path / 'roster.txt').write_text('ada\r\nbob\r\ncy\r\n\r\n')
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', str(tmp_path / 'ada.ipynb'), key,
                          str(tmp_path / 'notes.txt'), formula.name, '--csv', str(tmp_path / 'grades.csv'),
                          '--roster', str(tmp_path / 'roster.txt')], capture_output=True, text=True, timeout=600,
                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert 'left out' in run.stderr and 'notes.txt: not a notebook' in run.stderr
    assert run.stdout.startswith('graded 2 notebooks: ') and '1 student on the roster handed in nothing' in run.stdout
    with open(tmp_path / 'grades.csv', newline='') as file:
        rows = {row['student']: row for row in csv.DictReader(file)}
    assert rows.pop('')['file'] == f"'{formula.name}"  # inert: a ' before the leading =
    formula.rename(tmp_path / 'x.ipynb')
    assert set(rows) == {'ada', 'bob', 'cy'} and rows['cy']['file'] == ''
    assert 'no notebook was handed in' in rows['cy']['feedback'] and 'this is a key' in rows['bob']['feedback']
    assert rows['bob']['score'] == '0' and rows['bob']['max_score'] == rows['bob']['layer'] == '2'  # held: a key
    assert rows['bob']['flags'].split() == ['key', 'other-exercises'] and rows['cy']['flags'] == 'absent'
    for args, words in [([str(tmp_path)], 'is a folder'), ([str(tmp_path / 'none*.ipynb')], 'no such file'),
                        ([str(tmp_path / 'notes.txt')], 'none of the files is a notebook')]:
        refused = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', *args, '--csv',
                                  str(tmp_path / 'g.csv')], capture_output=True, text=True, timeout=60,
                                 env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT})
        assert refused.returncode == 2 and words in refused.stderr.splitlines()[-1]
    roster = tmp_path / 'class.csv'
    roster.write_text('ada\n')
    refused = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', key, '--roster', str(roster), '--csv',
                              str(roster)], capture_output=True, text=True, timeout=60,
                             env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT})
    assert refused.returncode == 2 and 'is the roster' in refused.stderr and roster.read_text() == 'ada\n'


def grade_command(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT, **(env or {})}, cwd=cwd)


def test_without_bubblewrap_grade_refuses_naming_the_fix_and_no_sandbox_warns(tmp_path):
    [path] = write_notebooks(['ada'], str(tmp_path), names=['layer'])
    python_only = str(tmp_path / 'bin')
    os.mkdir(python_only)
    os.symlink(sys.executable, os.path.join(python_only, 'python'))
    refused = grade_command(path, '--csv', str(tmp_path / 'g.csv'), env={'PATH': python_only})
    assert refused.returncode == 1 and not (tmp_path / 'g.csv').exists()
    assert 'bubblewrap (bwrap) is not installed' in refused.stderr and 'apt-get install bubblewrap' in refused.stderr
    assert '--no-sandbox' in refused.stderr
    unconfined = grade_command(path, '--csv', str(tmp_path / 'g.csv'), '--no-sandbox', env={'PATH': python_only})
    assert unconfined.returncode == 0, unconfined.stderr
    assert unconfined.stderr.count('can read the key and forge') == 1 and 'graded 1 notebook' in unconfined.stdout


def test_a_killed_grader_loses_no_row_and_grading_again_grades_only_what_is_missing(tmp_path):
    need_sandbox()
    students = [f'k{i}' for i in range(6)]
    paths = [submission(student, str(tmp_path)) for student in students[:3]]
    paths += write_notebooks(students[3:], str(tmp_path), names=['layer', 'sgd_step'])
    book = tmp_path / 'grades.csv'
    command = [sys.executable, '-m', 'micrograd_ext', 'grade', *paths, '--csv', str(book), '--jobs', '1']
    env = {**os.environ, 'PYTHONPATH': PACKAGE_PARENT}
    grader = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not book.exists() or book.read_text().count('\n') < 3):
        time.sleep(0.05)
    grader.kill()  # after two rows, in the middle of the third notebook
    grader.wait()
    first = list(csv.DictReader(book.read_text().splitlines()))
    assert 2 <= len(first) < len(paths) and book.read_text().endswith('\n')
    again = grade_command(*paths, '--csv', str(book))
    assert again.returncode == 0, again.stderr
    assert f'{len(first)} of the files have their row in' in again.stderr
    rows = list(csv.DictReader(book.read_text().splitlines()))
    assert sorted(row['file'] for row in rows) == sorted(paths)  # each file once
    assert rows[:len(first)] == first  # the rows written before the kill, as they were
    scores = {row['student']: row['score'] for row in rows}
    assert scores == {**dict.fromkeys(students[:3], str(TOTAL)), **dict.fromkeys(students[3:], '0')}
    regraded = grade_command(*paths, '--csv', str(book), '--regrade')
    assert regraded.returncode == 0 and 'have their row' not in regraded.stderr
    assert sorted(map(tuple, map(dict.items, csv.DictReader(book.read_text().splitlines())))) == sorted(
        map(tuple, map(dict.items, rows)))  # the same rows for the same files
