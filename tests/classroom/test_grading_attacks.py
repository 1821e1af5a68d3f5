"""Hostile notebooks, graded in one batch with an honest and a blank classmate, by ``micrograd-ext grade`` in its
bubblewrap sandbox. Each attacker scores 0; the classmates' rows are as if it were not there; the gradebook has
every row; no process the notebooks started is alive after; nothing was written outside their sandbox; no
connection reached this machine's loopback."""
import csv
import json
import os
import socket
import subprocess
import sys
import site

import pytest

from micrograd_ext.classroom import BANK, exercise_notebook
from micrograd_ext.classroom.notebooks import cell_role

from ..sandboxing import SANDBOXED_KERNEL, need_sandbox, processes_running

pytest.importorskip('nbclient')
pytest.importorskip('ipykernel')
need_sandbox()

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ['neuron_z', 'layer', 'local_derivative', 'sgd_step']
TOTAL = sum(BANK[name].points for name in NAMES)
MARK = 'sleep 7777.5'  # every process an attacker leaves behind runs this

# Each attack is the code of the attacker's first answer cell; the other answer cells stay blank. KEY, FOLDER,
# HOME and PORT are the key folder, the class folder, the grader's home and a port listening on 127.0.0.1.
ATTACKS = {
    'patch_grader': '''
import IPython.display, micrograd_ext.classroom as classroom
from micrograd_ext.classroom import exercise, submission, student_code
everything_right = lambda *args, **kwargs: student_code.CheckResult(True, 'right')
exercise.Exercise.judge = exercise.Exercise.check = everything_right
for entry in classroom.BANK.values():
    object.__setattr__(entry, 'verdict', everything_right)
shown = IPython.display.display
IPython.display.display = lambda *args, **kwargs: shown({submission.ANSWERS: {'exercise': 'layer',
                                                          'observed': {'z': [1.0, 2.0]}}}, raw=True)
submission.report = lambda *args: IPython.display.display({submission.ANSWERS: {'passed': True}}, raw=True)
z = ...''',
    'read_the_key': '''
import glob, json, os
z = ...
tops = ['/' + top for top in os.listdir('/') if top not in ('proc', 'sys', 'dev', 'usr')]  # all but the system's
for path in [found for top in tops for found in glob.glob(top + '/**/*.ipynb', recursive=True)] + glob.glob(KEY + '/*'):
    try:
        notebook = json.load(open(path))
    except Exception:
        continue
    if notebook['metadata'].get('micrograd_ext', {}).get('student') == 'read_the_key':
        for cell in notebook['cells']:
            if cell.get('metadata', {}).get('micrograd_ext', {}).get('role') == 'answer':
                exec(''.join(cell['source']))  # the key's answers, if it could be read''',
    'search_the_disk': '''
import os, sys
python = (sys.prefix, sys.base_prefix)  # the Python installation: library files, pruned to keep it quick
found = []
for folder in ['/' + top for top in os.listdir('/') if top not in ('proc', 'sys', 'dev', 'usr')] + [FOLDER, HOME]:
    for top, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not os.path.join(top, name).startswith(python)]
        found += [os.path.join(top, name) for name in names if name.endswith(('.ipynb', '.csv', 'roster.txt'))]
open('/tmp/found.txt', 'w').write(repr(found))
z = float(len(found))  # 0 found: a wrong answer''',
    'poison_site_packages': '''
import os, site, sys
for folder in set(site.getsitepackages() + [site.getusersitepackages()] + sys.path):
    for name, text in (('zz_attack.pth', 'import os; os.system("touch /tmp/poisoned")\\n'),
                       ('numpy_attack.py', 'raise SystemExit')):
        try:
            os.makedirs(folder, exist_ok=True)
            open(os.path.join(folder, name), 'w').write(text)
        except OSError:
            pass
z = ...''',
    'kill_ancestors': '''
import os, signal
for pid in map(int, filter(str.isdigit, os.listdir('/proc'))):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
for pid in range(os.getppid(), 0, -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
z = ...''',
    'detach': f'''
import subprocess
subprocess.Popen(['setsid', {MARK.split()[0]!r}, {MARK.split()[1]!r}], env={{}}, start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
z = ...''',
    'fork_60': f'''
import os, time
for _ in range(60):
    try:
        if os.fork() == 0:
            os.execvp('sleep', {MARK.split()!r})
    except OSError:
        break
z = ...''',
    'connect': '''
import socket
try:
    socket.create_connection(('127.0.0.1', PORT), timeout=2).sendall(b'hello')
except OSError:
    pass
z = ...''',
    'memory_20gb': '''
hoard = bytearray(20 * 1024 ** 3)
z = ...''',
    'output_1gb': '''
import sys
chunk = 'x' * (1 << 20)
for _ in range(1024):
    sys.stdout.write(chunk)
z = ...''',
    'ignore_sigint': '''
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.01)''',
    'rigged_float': '''
class Yes(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return False
    def __le__(self, other): return True
    def __gt__(self, other): return False
    def __ge__(self, other): return True
    def __sub__(self, other): return Yes(0.0)
    __rsub__ = __sub__
    def __abs__(self): return Yes(0.0)
    def __float__(self): return 123456.0
    __hash__ = float.__hash__
z = Yes(123456.0)''',
    'inject_rows': '''
raise Exception("{timeout:\\r=cmd|' /C calc'!A0\\rhonest.ipynb\\r}\\u2028=1+2")''',
    'surrogate': '''
import json
kernel = get_ipython().kernel
kernel.session.pack = lambda message: json.dumps(message, default=str).encode()
raise Exception('x\\ud800y')''',
    'ptrace_the_runner': '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
attached = libc.ptrace(16, os.getppid(), 0, 0) == 0  # PTRACE_ATTACH: the way to write into the runner's pipe
z = 1.0 if attached else 0.0''',
    'write_outside': '''
import os
for path in (FOLDER + '/planted.txt', HOME + '/planted.txt', '/tmp/planted.txt', '/planted.txt'):
    try:
        open(path, 'w').write('x')
    except OSError:
        pass
z = ...''',
}


def notebook_of(student, folder, first_answer=None, solved=False, named=None, extra=None):
    """``student``'s notebook of the exercises NAMES (solved, or blank), its first answer cell replaced, naming the
    student ``named`` in its metadata, with a cell ``extra`` of the student's own at the end."""
    notebook = exercise_notebook(named or student, solutions=solved, names=NAMES)
    notebook['metadata']['micrograd_ext']['solutions'] = False
    if first_answer is not None:
        answer = next(c for c in notebook['cells'] if cell_role(c) == (NAMES[0], 'answer'))
        answer['source'] = first_answer
    if extra is not None:
        notebook['cells'].append({'cell_type': 'code', 'id': 'mine', 'metadata': {}, 'execution_count': None,
                                  'outputs': [], 'source': extra})
    path = os.path.join(folder, f'{student}.ipynb')
    with open(path, 'w') as file:
        json.dump(notebook, file)
    return path


def filled(code: str, values: dict) -> str:
    for name, value in values.items():
        code = code.replace(name, value)
    return code


@pytest.fixture(scope='module')
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp('course')
    folder, key, home = (str(root / name) for name in ('submitted', 'key', 'home'))
    for made in (folder, key, home):
        os.makedirs(made)
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    listener.setblocking(False)
    values = {'KEY': repr(key), 'FOLDER': repr(folder), 'HOME': repr(home), 'PORT': str(listener.getsockname()[1])}
    paths = [notebook_of('honest', folder, solved=True), notebook_of('blank', folder),
             notebook_of('braces', folder, solved=True, extra='print(f"z is {z")  # a typo: a SyntaxError with braces'),
             notebook_of('claims_honest', folder, named='honest')]  # an attacker's file naming a classmate
    paths += [notebook_of(name, folder, filled(code, values)) for name, code in ATTACKS.items()]
    huge = os.path.join(folder, 'huge_int.ipynb')  # a 5,000-digit int, which json.loads refuses with a ValueError
    with open(huge, 'w') as file:
        file.write('{"metadata": {"n": ' + '7' * 5000 + '}, "cells": []}')
    paths.append(huge)
    for path in paths[:-1]:  # the teacher's key for every student, beside the submissions
        student = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(key, f'{student}.ipynb'), 'w') as file:
            json.dump(exercise_notebook(student, solutions=True, names=NAMES), file)
    before = set(os.listdir(folder))
    sites = [path for path in {*site.getsitepackages(), site.getusersitepackages()} if os.path.isdir(path)]
    gradebook = str(root / 'grades.csv')
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'grade', *paths, '--csv', gradebook,
                          '--timeout', '3', '--notebook-timeout', '120', '--jobs', '2'], capture_output=True, text=True,
                         timeout=1200, env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT, 'HOME': home}, cwd=str(root))
    with open(gradebook, newline='') as file:
        text = file.read()
    rows = {os.path.basename(row['file'])[:-len('.ipynb')]: row for row in csv.DictReader(text.splitlines())}
    try:
        connection = listener.accept()[0]
        connection.close()
    except BlockingIOError:
        connection = None
    listener.close()
    return dict(run=run, rows=rows, text=text, folder=folder, home=home, before=before, connection=connection, sites=sites)


def test_the_batch_finishes_with_every_row_and_one_line_a_row(attacked):
    run, rows = attacked['run'], attacked['rows']
    assert run.returncode == 0, run.stderr
    assert set(rows) == {'honest', 'blank', 'braces', 'claims_honest', 'huge_int', *ATTACKS}
    assert len(attacked['text'].split('\n')) == len(rows) + 2 and '\r' not in attacked['text']  # header, rows, ''
    assert "'=cmd" not in attacked['text'] or all(not line.startswith('=') for line in attacked['text'].split(','))


def test_the_classmates_are_graded_as_if_the_attackers_were_not_there(attacked):
    rows = attacked['rows']
    assert rows['honest']['score'] == str(TOTAL) and rows['honest']['flags'] == 'shared-id'  # claims_honest names it
    assert rows['braces']['score'] == str(TOTAL) and 'SyntaxError' in rows['braces']['feedback']
    assert rows['blank']['score'] == '0' and 'not done yet' in rows['blank']['feedback']
    assert rows['claims_honest']['score'] == '0' and 'two-files' in rows['claims_honest']['flags']
    assert rows['huge_int']['score'] == '0' and 'not a notebook' in rows['huge_int']['feedback']
    assert all(rows['honest'][name] == str(BANK[name].points) for name in NAMES)


@pytest.mark.parametrize('attack', list(ATTACKS))
def test_every_attacker_scores_nothing(attacked, attack):
    row = attacked['rows'][attack]
    assert row['score'] == '0' and all(row[name] in ('0', '') for name in BANK), row['feedback']


def test_what_the_attacks_ran_into_is_said_in_their_rows(attacked):
    rows = attacked['rows']
    assert 'raised MemoryError' in rows['memory_20gb']['feedback']
    assert 'kept running after it was interrupted' in rows['ignore_sigint']['feedback']
    assert 'you gave 1.235e+05' in rows['rigged_float']['feedback']  # the number it held, not its comparisons
    assert 'you gave 0,' in rows['search_the_disk']['feedback']  # it found no notebook, gradebook or roster
    assert 'you gave 0,' in rows['ptrace_the_runner']['feedback']  # it could not attach to the runner
    assert 'x\\ud800y' in rows['surrogate']['feedback']  # escaped, not a crash
    assert 'grading stopped' in rows['kill_ancestors']['feedback'] or 'not done yet' in rows['kill_ancestors']['feedback']


def test_no_process_is_left_and_no_connection_was_made(attacked):
    assert not processes_running(MARK) and not processes_running(SANDBOXED_KERNEL)
    assert attacked['connection'] is None


def test_nothing_was_written_outside_the_sandbox(attacked):
    assert set(os.listdir(attacked['folder'])) == attacked['before']
    assert os.listdir(attacked['home']) == []
    for path in ('/tmp/planted.txt', '/planted.txt', '/tmp/found.txt', '/tmp/poisoned'):
        assert not os.path.exists(path)
    for folder in attacked['sites']:
        assert not {'zz_attack.pth', 'numpy_attack.py'} & set(os.listdir(folder)), folder
