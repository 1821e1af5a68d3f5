"""Hostile command lines: each gives one error line naming the problem and the fix, never a traceback.

Each row is (arguments, exit code, a fragment of the error line). ``{tmp}`` stands for an empty folder and
``{file}`` for a regular file in it. Usage errors exit 2 before any work starts (nothing on stdout, no
usage block), failures exit 1; either way no file is left behind.
"""
import os
import subprocess
import sys

import pytest

LONG = '+'.join(['x'] * 250)  # 499 characters, more nodes than a drawing shows
TINY = ['--samples', '8', '--steps', '3', '--hidden', '4']  # a training run that takes a moment

HOSTILE = [
    # output paths, checked before any work starts
    (['train', *TINY, '--save', '{tmp}/missing/m.json'], 2, 'the folder {tmp}/missing does not exist'),
    (['train', *TINY, '--save', '{tmp}'], 2, '{tmp} is a folder; give a file name in it'),
    (['train', *TINY, '--save', '{tmp}/sub/'], 2, 'is a folder'),
    (['train', *TINY, '--save', '{file}/m.json'], 2, 'part of the path is a file, not a folder'),
    (['train', *TINY, '--plot', '{tmp}/missing/p.png'], 2, 'argument --plot: the folder'),
    (['train', *TINY, '--plot', '{tmp}/p.xyz'], 2, 'must end in one of .avif'),
    (['train', *TINY, '--save', '{tmp}/same.png', '--plot', '{tmp}/same.png'], 2, 'name the same file'),
    (['graph', 'x', '--set', 'x=1', '-o', '{tmp}/missing/g.svg'], 2, 'does not exist; create it first'),
    (['graph', 'x', '--set', 'x=1', '-o', '{tmp}'], 2, 'argument -o/--output: {tmp} is a folder'),
    (['graph', 'x', '--set', 'x=1', '-o', '{file}/g.svg'], 2, 'part of the path is a file'),
    (['graph', 'x', '--set', 'x=1', '-o', '{tmp}/g.txt'], 2, 'must end in one of .dot, .gif'),
    (['graph', 'x', '--set', 'x=1', '-o', 'svg'], 2, 'svg: the file name must end in one of'),
    (['demo', '-o', '{tmp}/missing/n.svg'], 2, 'does not exist'),
    (['demo', '-o', '{file}/n.svg'], 2, 'part of the path is a file'),
    (['explain', 'x', '--set', 'x=1', '--html', '{tmp}/missing/s.html'], 2, 'argument --html: the folder'),
    (['explain', 'x', '--set', 'x=1', '--html', '{tmp}'], 2, 'is a folder'),
    (['explain', 'x', '--set', 'x=1', '--html', '{tmp}/s.svg'], 2, 'must end in one of .htm, .html'),
    (['graph', 'x*w', '--set', 'x=1', 'w=2', '--set', 'w=5'], 2, 'w is set twice'),
    # numbers
    (['train', '--lr', 'nan'], 2, 'argument --lr: must be positive and at most 10, got nan'),
    (['train', '--lr', 'inf'], 2, 'must be positive and at most 10, got inf'),
    (['train', '--lr', '1e308'], 2, 'must be positive and at most 10'),
    (['train', '--lr', '-0.1'], 2, 'must be positive'),
    (['train', '--lr', 'fast'], 2, "'fast' is not a valid float: it must be positive"),
    (['train', '--noise', '-1'], 2, 'argument --noise: must be from 0 to 10, got -1'),
    (['train', '--noise', 'nan'], 2, 'argument --noise: must be from 0 to 10'),
    (['train', '--seed', '-1'], 2, 'argument --seed: must be from 0 to 4294967295'),
    (['train', '--seed', '99999999999'], 2, 'argument --seed: must be from 0'),
    (['train', '--dataset', 'spirals', '--classes', '1'], 2, 'argument --classes: must be from 2 to 10, got 1'),
    (['train', '--dataset', 'spirals', '--classes', '1e6'], 2, "'1e6' is not a valid int"),
    (['train', '--dataset', 'spirals', '--classes', '9' * 40], 2, 'must be from 2 to 10'),
    (['train', '--dataset', 'spirals', '--classes', '9' * 5000], 2, 'is not a valid int'),
    (['train', '--classes', '3'], 2, '--classes goes with --dataset spirals'),
    (['train', '--dataset', 'spirals', '--classes', '3', '--loss', 'hinge'], 2, 'use --loss cross_entropy for 3'),
    (['train', '--momentum', 'nan'], 2, 'argument --momentum: must be from 0 to 1'),
    (['train', '--momentum', '-5'], 2, 'argument --momentum: must be from 0 to 1, got -5'),
    (['train', '--optimizer', 'adam', '--momentum', '0.9'], 2, '--momentum goes with --optimizer sgd'),
    (['train', '--weight-decay', 'nan'], 2, 'argument --weight-decay: must be from 0 to 1'),
    (['train', '--clip', 'nan'], 2, 'argument --clip: must be positive'),
    (['train', '--clip', '0'], 2, 'argument --clip: must be positive'),
    (['train', '--alpha', '-1'], 2, 'argument --alpha: must be from 0 to 1'),
    (['train', '--hidden', '0'], 2, 'argument --hidden: must be positive and at most 1000, got 0'),
    (['train', '--hidden', '1e5'], 2, "'1e5' is not a valid int"),
    (['train', '--hidden', '100000'], 2, 'at most 1000'),
    (['train', '--hidden', '1000', '1000'], 2, 'the limit is 2,000,000, 5,000,000 with --compiled); use a --batch-size'),
    (['train', '--hidden', '1000', '1000', '--compiled'], 2, 'the limit is 5,000,000); use a --batch-size'),
    (['train', '--steps', '-1'], 2, 'argument --steps: must be positive and at most 100000'),
    (['train', '--steps', '1e9'], 2, "'1e9' is not a valid int"),
    (['train', '--samples', '99999999'], 2, 'argument --samples: must be positive and at most 10000'),
    (['train', '--samples', '10000'], 2, 'each step would take 10000 examples'),
    (['train', '--warmup', '-1'], 2, 'argument --warmup: must be from 0 to 100000'),
    (['train', '--warmup', '100'], 2, '--warmup must be less than --steps (100)'),
    (['train', '--schedule', 'linear', '--warmup', '5'], 2, '--warmup goes with --schedule constant or cosine'),
    (['train', '--batch-size', '0'], 2, 'argument --batch-size: must be positive'),
    (['train', '--batch-size', '500'], 2, '--batch-size 500 is larger than --samples 100'),
    (['train', '--optimizer', 'rmsprop'], 2, "invalid choice: 'rmsprop'"),
    (['train', '--mystery'], 2, 'unrecognized arguments: --mystery'),
    # training that cannot finish: nothing is saved, nothing is lost silently
    (['train', '--samples', '8', '--steps', '100', '--hidden', '4', '--loss', 'mse', '--lr', '10',
      '--save', '{tmp}/m.json'], 1, 'training diverged at step'),
    # expressions: the text and --set are usage errors
    (['graph', 'x ** 1000', '--set', 'x=1'], 2, 'the exponent 1000 is too large (the limit is 100)'),
    (['graph', '2 ** x', '--set', 'x=101'], 2, 'the exponent x = 101 is too large'),
    (['graph', 'x ** y', '--set', 'x=1.01', 'y=500'], 2, 'the exponent y = 500 is too large'),
    (['graph', 'x ** (y*10)', '--set', 'x=1.01', 'y=50'], 2, 'the exponent y*10 = 500 is too large'),
    (['graph', 'x ** -101', '--set', 'x=2'], 2, 'the exponent -101 is too large'),
    (['graph', 'x', '--set', 'x=1', 'x=2'], 2, '--set x=2: x is set twice; give each name once'),
    (['graph', 'x', '--set', 'x=1', 'y=2'], 2, '--set y=2: the expression does not use y'),
    (['graph', 'x', '--set', 'x=nan'], 2, '--set x=nan: x must be a finite number'),
    (['graph', 'x', '--set', 'x=abc'], 2, "--set x=abc: x must be set to a number, got 'abc'"),
    (['graph', 'x', '--set', '=3'], 2, '--set =3: expected NAME=NUMBER, e.g. --set x=2.0'),
    (['graph', 'x', '--set', 'x'], 2, 'expected NAME=NUMBER'),
    (['graph', 'x + q', '--set', 'x=1'], 2, "name 'q' is not defined; set it with --set q=NUMBER"),
    (['graph', 'x'], 2, "name 'x' is not defined"),
    (['graph', 'x.__class__', '--set', 'x=1'], 2, 'Attribute is not allowed here'),
    (['graph', '__import__("os")'], 2, 'only these functions can be called'),
    (['graph', 'x +', '--set', 'x=1'], 2, 'not a valid expression'),
    (['graph', 'x' * 600], 2, 'the limit is 500'),
    (['graph', 'tanh(x)', '--set', 'tanh=1', 'x=1'], 2, "'tanh' cannot be a variable name"),
    (['graph', '-x*2', '--set', 'x=1'], 2, 'goes last, after --: --set x=1 -- "-x*2"'),
    (['graph', 'x', '--set'], 2, 'argument --set: expected at least one argument'),
    (['explain', 'x*y', '--set', 'x=1', 'y=2', '--wrt', 'z'], 2, "no input named 'z'"),
    # expressions: numbers outside a function's domain are failures, in command-line words
    (['graph', 'log(x)', '--set', 'x=0', '-o', '{tmp}/g.svg'], 1,
     'log needs a positive input; choose other values with --set (given: x=0)'),
    (['graph', '1/x', '--set', 'x=0', '-o', '{tmp}/g.svg'], 1, 'division by zero: 1.0 / x (= 0.0); choose other'),
    (['graph', 'exp(x)', '--set', 'x=1000', '-o', '{tmp}/g.svg'], 1, 'too large for a float'),
    (['graph', 'x*x', '--set', 'x=1e200', '-o', '{tmp}/g.svg'], 1, 'x*x = inf is beyond the float range'),
    (['graph', 'sqrt(x)', '--set', 'x=-1', '-o', '{tmp}/g.svg'], 1, 'sqrt needs a non-negative input'),
    (['graph', 'x ** 0.5', '--set', 'x=-1', '-o', '{tmp}/g.svg'], 1, 'a negative base needs an integer exponent'),
    (['graph', 'x ** y', '--set', 'x=1e10', 'y=50', '-o', '{tmp}/g.svg'], 1, 'is too large for a float'),
    (['graph', 'log(0)', '-o', '{tmp}/g.svg'], 1, 'change the numbers in the expression'),
    (['explain', 'log(x)', '--set', 'x=0', '--html', '{tmp}/s.html'], 1, 'log needs a positive input'),
    (['graph', LONG, '--set', 'x=1', '-o', '{tmp}/g.svg'], 1, 'draw a shorter expression'),
    (['explain', LONG, '--set', 'x=1', '--html', '{tmp}/s.html'], 1, 'leave out --html or shorten the expression'),
    # commands
    # rosters that are no text file would never end
    (['exercises', 'new', '--roster', '/dev/zero', '-o', '{tmp}/h'], 2, '--roster /dev/zero is not a regular file'),
    (['grade', 'x.ipynb', '--roster', '/dev/zero', '--csv', '{tmp}/g.csv'], 2, 'is not a regular file'),
    (['fly'], 2, "invalid choice: 'fly'"),
    (['trian'], 2, "invalid choice: 'trian' (choose from 'demo', 'train',"),
    (['train', '--optimizer', 'adma'], 2, "did you mean 'adam'?"),
]


@pytest.mark.parametrize('args, code, fragment', HOSTILE, ids=[' '.join(row[0])[:60] or 'nothing' for row in HOSTILE])
def test_hostile_command_lines_get_one_error_line(tmp_path, args, code, fragment):
    (tmp_path / 'file').write_text('a regular file')
    places = {'{tmp}': str(tmp_path), '{file}': str(tmp_path / 'file')}
    args, fragment = [substitute(arg, places) for arg in args], substitute(fragment, places)
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert 'Traceback' not in done.stderr + done.stdout
    assert done.returncode == code, done.stderr
    lines = done.stderr.replace('\r', '\n').strip().splitlines()
    errors = [line for line in lines if 'error:' in line]
    assert len(errors) == 1 and errors[0] == lines[-1] and errors[0].startswith('micrograd-ext'), done.stderr
    assert fragment in errors[0]
    before = lines[:-1]
    if code == 2:  # the error line alone; no work was done
        assert before == [] and done.stdout == ''
    else:  # no usage block; at most a progress bar before the error
        assert all('step/s' in line or not line.strip() for line in before), done.stderr
    assert sorted(os.listdir(tmp_path)) == ['file']  # nothing half-written, no probe left behind


def substitute(text: str, places: dict[str, str]) -> str:
    for placeholder, path in places.items():
        text = text.replace(placeholder, path)
    return text


@pytest.mark.skipif(os.name != 'posix' or os.geteuid() == 0, reason='needs file permissions (root ignores them)')
def test_a_folder_without_write_permission_is_refused_before_training(tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir(mode=0o500)
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'train', '--samples', '8', '--steps', '3',
                           '--save', str(locked / 'm.json')], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ''
    assert f"no permission to write {locked / 'm.json'}" in done.stderr.splitlines()[-1]
