"""The classroom end to end: the exercises command, and answers that cross the bank's exercises and the checkers
(hand-computed gradients, arrays of any shape, hand rounding). Each module's own tests are in its test file."""
import json
import os
import subprocess
import sys

import numpy as np

from micrograd_ext.classroom import Sheet
from micrograd_ext.classroom.notebooks import cell_role

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
