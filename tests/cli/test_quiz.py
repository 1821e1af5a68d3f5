"""``micrograd-ext quiz`` (cli/quiz.py): predict each backward step in the terminal, or write the quiz player."""
import builtins

import pytest

from micrograd_ext.cli import main

from .running import run


def test_a_whole_quiz_typed_on_stdin_exits_0_with_the_score():
    done = run('quiz', 'x*w', '--set', 'x=2', 'w=-3', input='-3\n5\n')
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith('forward: x*w = -6.0000\n') and 'grad' not in out.split('\n\n')[0].splitlines()[1]
    assert 'right: x.grad += (w = -3.0000) * 1.0000 = -3.0000' in out and 'wrong, you said 5: it adds 2.0000' in out
    assert out.rstrip().endswith('score 1/2')


def test_input_that_ends_early_exits_1_and_still_applies_every_step():
    done = run('quiz', 'tanh(x*w)', '--set', 'x=2', 'w=-3', input='0.5\n')
    assert done.returncode == 1, done.stderr
    assert 'quiz stopped (end of input): 1 of 2 steps were not asked' in done.stdout
    assert done.stdout.rstrip().endswith('score 0/1 (stopped: 1 of 2 steps not asked)')


def test_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted(prompt=''):
        raise KeyboardInterrupt
    monkeypatch.setattr(builtins, 'input', interrupted)
    assert main(['quiz', 'x*w', '--set', 'x=2', 'w=-3']) == 130
    assert capsys.readouterr().out.rstrip().endswith('score 0/0 (stopped: 1 of 1 steps not asked)')


def test_answers_typed_in_process_are_marked(monkeypatch, capsys):
    typed = iter(['1/1', '?', '-3', '2'])  # y = v1 + x: 1 and shown; v1 = x*w: -3 and 2
    monkeypatch.setattr(builtins, 'input', lambda prompt='': next(typed))
    assert main(['quiz', 'x*w + x', '--set', 'x=2', 'w=-3']) == 0
    out = capsys.readouterr().out
    assert 'shown (counts as wrong): it adds 1.0000' in out and out.rstrip().endswith('score 3/4')


def test_html_writes_the_quiz_player_instead_of_asking(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(builtins, 'input', lambda prompt='': pytest.fail('the quiz asked in the terminal'))
    page = tmp_path / 'quiz.html'
    assert main(['quiz', 'x*w', '--set', 'x=2', 'w=-3', '--html', str(page)]) == 0
    assert capsys.readouterr().out == f'wrote {page}: open it in a browser to take the quiz\n'
    html = page.read_text()
    assert html.count('<svg') >= 2 and '"quiz": {"questions"' in html and 'x.grad +=' in html


def test_a_quiz_of_a_number_has_nothing_to_ask(capsys):
    assert main(['quiz', '2.5']) == 0
    out = capsys.readouterr().out
    assert 'is not computed from other values: there is no backward step to predict' in out
    assert out.rstrip().endswith('score 0/0')
