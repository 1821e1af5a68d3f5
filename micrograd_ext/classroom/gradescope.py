"""A Gradescope autograder for the exercise notebooks: ``build_autograder`` writes the zip to upload, ``main``
grades one submission in Gradescope's container.

The zip (``micrograd-ext exercises gradescope -o autograder.zip``) holds, at its root::

    setup.sh          run once, as root, when Gradescope builds the image (Ubuntu, Python 3.10 or later): installs
                      this package from the copy below with what runs notebooks, makes the unprivileged user
                      ``student`` and closes /autograder/source to everyone but root
    run_autograder    run as root for each submission: ``main``, as python3 -I -m
                      micrograd_ext.classroom.gradescope /autograder
    config.json       the exercises handed out, the time limits and the memory limit
    pyproject.toml    how pip installs the copy
    micrograd_ext/    this package: its sources and data files, as installed here

Gradescope unpacks the zip into /autograder/source, puts what the student handed in into /autograder/submission
and who handed it in into /autograder/submission_metadata.json, and shows /autograder/results/results.json. ``main``
grades the one notebook handed in (``grading.grade_file``: against the student named in its metadata, whose numbers
it holds; the Gradescope user is only named in the output), the notebook running as ``student``, and writes one
test per exercise handed out, with the checker's feedback, and the score: 0 while a flag holds it (a key handed in).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import zipfile
from collections.abc import Sequence
from importlib import metadata, resources

from ..core.files import write_atomically
from .bank import BANK
from .grading import MEMORY, NOTEBOOK_TIMEOUT, TIMEOUT, Graded, grade_file
from .sandbox import PACKAGE, NoSandbox, Sandbox

SCRIPTS = ('setup.sh', 'run_autograder')  # executable, at the zip's root
TEMPLATES = (*SCRIPTS, 'pyproject.toml')  # in gradescope_files/ (pyproject.toml with the requirements filled in)
STUDENT = 'student'  # the user setup.sh makes, as whom the notebooks run
EPOCH = (1980, 1, 1, 0, 0, 0)  # the date of every file in the zip: the same package makes the same zip
PROG = 'python3 -m micrograd_ext.classroom.gradescope'


# ---- the zip ------------------------------------------------------------------------------------------------------

def build_autograder(path: str, exercises: Sequence[str] | None = None, timeout: int = TIMEOUT,
                     memory: int = MEMORY) -> list[str]:
    """Write the autograder zip (see the module docstring) to ``path``, all or nothing, for ``exercises`` (default:
    the whole bank) with ``timeout`` seconds per cell and ``memory`` MB per process; returns the names in it."""
    names = list(dict.fromkeys(exercises or BANK))
    unknown = [name for name in names if name not in BANK]
    if unknown:
        raise ValueError(f"no exercise is called {unknown[0]!r}; the bank has {', '.join(BANK)}")
    folder = resources.files('micrograd_ext.classroom') / 'gradescope_files'
    files = {name: (folder / name).read_bytes() for name in TEMPLATES}
    files['pyproject.toml'] = files['pyproject.toml'].replace(b'DEPENDENCIES', json.dumps(dependencies()).encode())
    config = {'exercises': names, 'timeout': timeout, 'memory': memory, 'notebook_timeout': NOTEBOOK_TIMEOUT}
    files['config.json'] = (json.dumps(config, indent=1) + '\n').encode()
    files.update(package_files())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, EPOCH)
            entry.create_system = 3  # Unix, so that unzip keeps the modes
            entry.external_attr = (0o100755 if name in SCRIPTS else 0o100644) << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    write_atomically(path, buffer.getvalue())
    return list(files)


def dependencies() -> list[str]:
    """What this package needs installed (its metadata's requirements, but for the extras'), or a clear error."""
    try:
        required = metadata.requires('micrograd_ext') or []
    except metadata.PackageNotFoundError:
        raise RuntimeError('micrograd_ext is not installed, so its requirements are unknown: pip install '
                           'micrograd-ext (from a checkout: pip install .) before building the autograder') from None
    return [requirement for requirement in required if 'extra ==' not in requirement]


def package_files() -> dict[str, bytes]:
    """This package's files, named as in the zip ('micrograd_ext/...'): sources and data, no caches or dotfiles."""
    files = {}
    for folder, folders, names in os.walk(PACKAGE):
        folders[:] = sorted(name for name in folders if name != '__pycache__' and not name.startswith('.'))
        for name in sorted(names):
            if not name.startswith('.') and not name.endswith(('.pyc', '.pyo')):
                with open(os.path.join(folder, name), 'rb') as file:
                    relative = os.path.relpath(os.path.join(folder, name), os.path.dirname(PACKAGE))
                    files[relative.replace(os.sep, '/')] = file.read()
    return files


# ---- in the container ---------------------------------------------------------------------------------------------

def read_config(path: str) -> dict:
    """The autograder's config.json, checked (an OSError or a ValueError saying what is wrong)."""
    with open(path, encoding='utf-8') as file:
        config = json.load(file)
    config = config if isinstance(config, dict) else {}
    names = config.get('exercises')
    known = isinstance(names, list) and names and all(isinstance(name, str) and name in BANK for name in names)
    if not known or not all(isinstance(config.get(key), int) for key in ('timeout', 'memory', 'notebook_timeout')):
        raise ValueError(f'{path} is not the config of `micrograd-ext exercises gradescope`: build the zip again')
    return config


def notebooks_in(folder: str) -> list[str]:
    """The notebooks (.ipynb) in ``folder`` and below it, but for hidden ones (.ipynb_checkpoints/...)."""
    found = []
    for here, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith('.') and name != '__MACOSX')
        found += [os.path.join(here, name) for name in sorted(names)
                  if name.lower().endswith('.ipynb') and not name.startswith('.')]
    return found


def graded_submission(folder: str, config: dict, sandbox: Sandbox) -> Graded:
    """The grades of the one notebook in ``folder``; for none or several, 0 and a problem saying what to hand in."""
    notebooks = notebooks_in(folder)
    if len(notebooks) == 1:
        return grade_file(notebooks[0], sandbox, 0, config['timeout'], config['memory'], config['notebook_timeout'],
                          config['exercises'])
    found = ('no notebook (.ipynb) was handed in' if not notebooks else
             f"{len(notebooks)} notebooks were handed in ({', '.join(map(os.path.basename, notebooks[:5]))})")
    problem = (f'{found}: hand in exactly one file, the notebook you were given (ID.ipynb, your id in its name) '
               'with your answers in it, saved')
    return Graded('', list(config['exercises']), points=dict.fromkeys(config['exercises'], 0), problem=problem,
                  flags=['no-notebook' if not notebooks else 'several-notebooks'])


def submitter(path: str) -> str:
    """Who handed the submission in, from Gradescope's submission_metadata.json ('Ada <ada@example.com>'), or ''."""
    try:
        with open(path, encoding='utf-8') as file:
            users = json.load(file).get('users')
    except (OSError, ValueError, AttributeError):
        return ''
    people = [user for user in users if isinstance(user, dict)] if isinstance(users, list) else []
    return ', '.join(f"{user.get('name') or 'someone'}" + (f" <{user['email']}>" if user.get('email') else '')
                     for user in people)


def exercise_output(graded: Graded, name: str) -> str:
    """What the test of exercise ``name`` says: 'Correct.', else what its cells did and the checker's feedback."""
    if graded.points.get(name):
        return 'Correct.'
    said = [f'Your cell {note}.' for note in graded.notes.get(name, [])] + [graded.feedback.get(name, '')]
    return '\n'.join(filter(None, said)) or f"Not graded: {(graded.problem or 'no answer came back').rstrip('.')}."


def overview(graded: Graded, handed_in_by: str = '') -> str:
    """The output about the whole submission: who handed it in, whose numbers count, problems, flags, the score."""
    lines = [f'Handed in by {handed_in_by}.'] if handed_in_by else []
    if graded.student:
        lines.append(f"Graded with the numbers of {graded.student}, the student named in the notebook's metadata.")
    if graded.problem:
        lines.append(f"{graded.problem[0].upper()}{graded.problem[1:].rstrip('.')}.")
    lines += [f'Your cell {note}.' for note in graded.notes.get('other cells', [])]
    if graded.flags:
        lines.append(f"Flags: {', '.join(graded.flags)}.")
    held = (f' (held at 0 until your teacher has looked: the exercises earned {graded.earned})'
            if graded.score < graded.earned else '')
    return '\n'.join([*lines, f'Score: {graded.score} of {graded.max_score} points{held}.'])


def results(graded: Graded, handed_in_by: str = '', seconds: float | None = None) -> dict:
    """Gradescope's results.json for ``graded``: one visible test per exercise and the score (which a flag holds).

    >>> made = results(Graded('ada.ipynb', ['neuron_z'], 'ada', points={'neuron_z': 2}))
    >>> made['score'], made['tests']
    (2, [{'name': '1. One neuron by hand', 'score': 2, 'max_score': 2, 'output': 'Correct.', 'visibility': 'visible'}])
    """
    tests = [{'name': f'{number}. {BANK[name].title}', 'score': graded.points.get(name, 0),
              'max_score': BANK[name].points, 'output': exercise_output(graded, name), 'visibility': 'visible'}
             for number, name in enumerate(graded.exercises, 1)]
    made: dict = {'score': graded.score, 'output': overview(graded, handed_in_by), 'stdout_visibility': 'hidden',
                  'tests': tests}
    if seconds is not None:
        made['execution_time'] = round(seconds)
    return made


def main(argv: Sequence[str] | None = None) -> int:
    """Grade the notebook in ROOT/submission into ROOT/results/results.json (see the module docstring); 1, with the
    reason on stderr and no results, when the config cannot be read or the sandbox cannot be made."""
    parser = argparse.ArgumentParser(prog=PROG, description='Grade the notebook handed in to Gradescope.')
    parser.add_argument('root', metavar='ROOT', help='the autograder folder: /autograder on Gradescope')
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--sandbox', default=f'user:{STUDENT}', metavar='KIND',
                       help=f'user:NAME runs the notebook as the user NAME (root only; default: user:{STUDENT})')
    where.add_argument('--no-sandbox', dest='sandbox', action='store_const', const='none',
                       help='run the notebook as this user: it can then forge its grade (for tests only)')
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        config = read_config(os.path.join(args.root, 'source', 'config.json'))
        sandbox = Sandbox(args.sandbox)
    except (OSError, ValueError, NoSandbox) as error:
        print(f'{PROG}: error: {error}', file=sys.stderr)
        return 1
    if sandbox.forgeable:
        print(f'{PROG}: --no-sandbox: the notebook runs unconfined, as this user, and can forge its grade',
              file=sys.stderr)
    graded = graded_submission(os.path.join(args.root, 'submission'), config, sandbox)
    made = results(graded, submitter(os.path.join(args.root, 'submission_metadata.json')), time.monotonic() - started)
    os.makedirs(os.path.join(args.root, 'results'), exist_ok=True)
    write_atomically(os.path.join(args.root, 'results', 'results.json'), (json.dumps(made, indent=1) + '\n').encode())
    print(f"{graded.file or 'no notebook'}: {graded.score} of {graded.max_score} points. {graded.feedback_text()}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
