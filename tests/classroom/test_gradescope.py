"""The Gradescope autograder: ``micrograd-ext exercises gradescope`` writes the zip; unpacked into an
/autograder-shaped folder, its entry point grades a key, a blank notebook, a wrong answer and submissions without
one notebook into a results.json as Gradescope's specification asks
(https://gradescope-autograders.readthedocs.io/en/latest/specs/)."""
import functools
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from micrograd_ext.classroom import BANK, exercise_notebook
from micrograd_ext.classroom.notebooks import cell_role

pytest.importorskip('nbclient')
pytest.importorskip('ipykernel')

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, 'PYTHONPATH': PACKAGE_PARENT}
EXERCISES = ['neuron_z', 'layer', 'local_derivative', 'sgd_step']
CHOSEN = [f'--exercise={name}' for name in EXERCISES]
TOTAL = sum(BANK[name].points for name in EXERCISES)
VISIBILITY = {'hidden', 'after_due_date', 'after_published', 'visible'}
TOP_KEYS = {'score', 'execution_time', 'output', 'visibility', 'stdout_visibility', 'extra_data', 'tests',
            'leaderboard'}
TEST_KEYS = {'score', 'max_score', 'name', 'number', 'output', 'tags', 'visibility', 'extra_data'}


def micrograd_ext(*args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True, env=ENV,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return run


@functools.cache
def sandbox_options() -> tuple[str, ...]:
    """As root, ``--sandbox user:nobody`` if nobody can run this Python and import what grading needs (a Python
    under /root cannot be), else ``--no-sandbox``."""
    if os.geteuid() != 0:
        return ('--no-sandbox',)
    try:
        nobody = pwd.getpwnam('nobody')
        probe = subprocess.run([sys.executable, '-c', 'import micrograd_ext, nbclient, ipykernel'], cwd='/',
                               env={'PYTHONPATH': PACKAGE_PARENT}, user=nobody.pw_uid, group=nobody.pw_gid,
                               extra_groups=[], capture_output=True, timeout=60)
    except (KeyError, OSError):
        return ('--no-sandbox',)
    return ('--sandbox', 'user:nobody') if probe.returncode == 0 else ('--no-sandbox',)


@pytest.fixture(scope='module')
def autograder(tmp_path_factory):
    """(the zip, the /autograder-shaped folder: source/ holds the zip unpacked as unzip would, modes and all)."""
    folder = tmp_path_factory.mktemp('gradescope')
    made = str(folder / 'autograder.zip')
    micrograd_ext('exercises', 'gradescope', '-o', made, *CHOSEN, '--timeout', '5')
    root = folder / 'autograder'
    with zipfile.ZipFile(made) as archive:
        archive.extractall(root / 'source')
        for entry in archive.infolist():
            os.chmod(root / 'source' / entry.filename, entry.external_attr >> 16 & 0o777)
    return made, root


def run_autograder(root, *files, metadata=None, options=None):
    """Hand in ``files`` (and Gradescope's ``metadata``), run the autograder as run_autograder does; returns
    (the process, results.json or None)."""
    for name in ('submission', 'results'):
        shutil.rmtree(root / name, ignore_errors=True)
        (root / name).mkdir()
    for file in files:
        shutil.copy(file, root / 'submission')
    (root / 'submission_metadata.json').unlink(missing_ok=True)
    if metadata is not None:
        (root / 'submission_metadata.json').write_text(json.dumps(metadata))
    module = re.search(r'python3 -I -m (\S+) /autograder$', (root / 'source' / 'run_autograder').read_text(), re.M)
    run = subprocess.run([sys.executable, '-m', module.group(1), str(root), *(options or sandbox_options())],
                         capture_output=True, text=True, env=ENV, cwd=root, timeout=600)
    path = root / 'results' / 'results.json'
    return run, json.loads(path.read_text()) if path.exists() else None


def valid(results: dict) -> dict:
    """``results``, checked against Gradescope's specification and the exercises handed out."""
    assert set(results) <= TOP_KEYS and isinstance(results['output'], str) and results['stdout_visibility'] == 'hidden'
    assert [test['name'] for test in results['tests']] == [f'{n}. {BANK[name].title}' for n, name in
                                                             enumerate(EXERCISES, 1)]
    for test in results['tests']:
        assert set(test) <= TEST_KEYS and isinstance(test['output'], str) and test['output']
        assert isinstance(test['score'], (int, float)) and isinstance(test['max_score'], (int, float))
        assert 0 <= test['score'] <= test['max_score'] and test['visibility'] in VISIBILITY
    assert sum(test['max_score'] for test in results['tests']) == TOTAL
    assert isinstance(results['score'], (int, float)) and 0 <= results['score'] <= TOTAL
    return results


def test_the_zip_holds_executable_scripts_the_config_and_the_whole_package(autograder):
    made, root = autograder
    with zipfile.ZipFile(made) as archive:
        modes = {entry.filename: entry.external_attr >> 16 for entry in archive.infolist()}
        setup = archive.read('setup.sh').decode()
        config = json.loads(archive.read('config.json'))
    for script in ('setup.sh', 'run_autograder'):
        assert stat.S_ISREG(modes[script]) and stat.S_IMODE(modes[script]) == 0o755
        assert os.access(root / 'source' / script, os.X_OK)
    assert config == {'exercises': EXERCISES, 'timeout': 5, 'memory': 2048, 'notebook_timeout': 300}
    assert re.search(r'^SOURCE=/autograder/source\b', setup, re.M) and re.search(r'^chmod 700 "\$SOURCE"$', setup, re.M)
    assert re.search(r'^id -u student .*\|\| useradd --no-create-home .* student$', setup, re.M)
    assert re.search(r'^python3 -m pip install .*"\$SOURCE" .*nbclient.*nbformat.*ipykernel', setup, re.M)
    package = os.path.join(PACKAGE_PARENT, 'micrograd_ext')
    sources = {os.path.relpath(os.path.join(folder, name), PACKAGE_PARENT).replace(os.sep, '/')
               for folder, _, names in os.walk(package) if '__pycache__' not in folder for name in names}
    assert {name for name in modes if name.startswith('micrograd_ext/')} == sources
    assert 'micrograd_ext/classroom/gradescope_files/setup.sh' in sources


def test_the_copy_in_the_zip_builds_from_its_pyproject_with_every_file(autograder, tmp_path):
    pytest.importorskip('setuptools')  # what pip would build it with (build_py: no wheel package needed)
    source = shutil.copytree(autograder[1] / 'source', tmp_path / 'source')
    built = tmp_path / 'built'
    build = subprocess.run([sys.executable, '-c', 'from setuptools import setup; setup()', 'build_py', '--build-lib',
                            str(built)], cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    files = {str(path.relative_to(built)).replace(os.sep, '/') for path in built.rglob('*') if path.is_file()}
    with zipfile.ZipFile(autograder[0]) as archive:
        assert files == {name for name in archive.namelist() if name.startswith('micrograd_ext/')}
    found = subprocess.run([sys.executable, '-I', '-c', 'import sys; sys.path.insert(0, sys.argv[1]); '
                            'import micrograd_ext.classroom.gradescope as g; print(g.__file__)', str(built)],
                           capture_output=True, text=True, timeout=60)
    assert found.stdout.startswith(str(built / 'micrograd_ext')), found.stderr


def test_a_key_handed_in_scores_0_and_is_flagged(autograder, tmp_path):
    micrograd_ext('exercises', 'key', '--student', 'ada', '-o', str(tmp_path), *CHOSEN)
    run, results = run_autograder(autograder[1], tmp_path / 'ada.ipynb')
    assert run.returncode == 0, run.stderr
    assert valid(results)['score'] == 0
    assert 'Flags: key.' in results['output'] and 'micrograd-ext exercises key' in results['output']
    assert f'(held at 0 until your teacher has looked: the exercises earned {TOTAL})' in results['output']


def test_a_blank_notebook_scores_0_and_each_test_says_not_done_yet(autograder, tmp_path):
    micrograd_ext('exercises', 'new', '--student', 'bob', '-o', str(tmp_path), *CHOSEN)
    run, results = run_autograder(autograder[1], tmp_path / 'bob.ipynb')
    assert run.returncode == 0, run.stderr
    assert valid(results)['score'] == 0 and 'Flags' not in results['output']
    assert all(test['score'] == 0 and 'not done yet' in test['output'] for test in results['tests'])


def test_a_wrong_answer_loses_its_points_and_its_test_names_the_mistake(autograder, tmp_path):
    entry = BANK['neuron_z']
    numbers = entry.numbers_for('cy')
    mistake = entry.mistakes[0]  # the bias left out
    notebook = exercise_notebook('cy', solutions=True, names=EXERCISES)
    notebook['metadata']['micrograd_ext']['solutions'] = False
    for cell in notebook['cells']:
        if cell_role(cell) == ('neuron_z', 'answer'):
            cell['source'] = f"z = {mistake.answers(numbers)['z']!r}"
    path = tmp_path / 'my homework.ipynb'  # a file name of the student's own: the metadata says whose it is
    path.write_text(json.dumps(notebook))
    gradescope = {'users': [{'email': 'cy@example.edu', 'id': 7, 'name': 'Cy Young'}], 'assignment': {'id': 1}}
    run, results = run_autograder(autograder[1], path, metadata=gradescope)
    assert run.returncode == 0, run.stderr
    assert valid(results)['score'] == TOTAL - entry.points
    assert 'Handed in by Cy Young <cy@example.edu>.' in results['output']
    assert "Graded with the numbers of cy, the student named in the notebook's metadata." in results['output']
    wrong, *right = results['tests']
    assert wrong['score'] == 0 and mistake.hint in wrong['output'] and 'you gave' in wrong['output']
    assert all(test['score'] == test['max_score'] and test['output'] == 'Correct.' for test in right)


@pytest.mark.parametrize('names, said', [((), 'no notebook (.ipynb) was handed in'),
                                         (('a.ipynb', 'b.ipynb'), '2 notebooks were handed in (a.ipynb, b.ipynb)')])
def test_a_submission_without_exactly_one_notebook_scores_0_and_says_what_to_hand_in(autograder, tmp_path, names,
                                                                                      said):
    files = [tmp_path / name for name in names]
    for file in files:
        file.write_text('{}')
    run, results = run_autograder(autograder[1], *files)
    assert run.returncode == 0, run.stderr
    assert valid(results)['score'] == 0
    assert said[0].upper() + said[1:] in results['output'] and 'hand in exactly one file' in results['output']
    assert all(test['output'].startswith(f'Not graded: {said}') for test in results['tests'])


def test_without_its_sandbox_user_the_autograder_stops_with_a_clear_error_and_no_results(autograder, tmp_path):
    run, results = run_autograder(autograder[1], options=['--sandbox', 'user:no-such-user-here'])
    assert run.returncode == 1 and results is None
    why = 'there is no user' if os.geteuid() == 0 else 'needs the grader to run as root'
    assert run.stderr.startswith('python3 -m micrograd_ext.classroom.gradescope: error: ') and why in run.stderr
