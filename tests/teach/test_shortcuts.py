"""The teaching tools as methods of Value (teach/shortcuts.py): y.draw_dot(), y.backward_steps() (and its quiz),
y.explain(x) and y.show_backward() give what the tools they stand for give."""
import builtins

import pytest

from micrograd_ext import Value
from micrograd_ext.teach.explain import explain
from micrograd_ext.teach.player import BackwardPlayer
from micrograd_ext.teach.quiz import QuizResult
from micrograd_ext.teach.steps import BackwardSteps
from micrograd_ext.viz import Drawing, draw_dot

from ..graphs import diamond


def neuron():
    """y = x*w + x: x is used twice."""
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    y = x * w + x
    y.label = 'y'
    return x, w, y


def test_the_four_methods_are_attached_to_value():
    for name in ('draw_dot', 'backward_steps', 'show_backward', 'explain'):
        assert callable(getattr(Value, name)) and getattr(Value, name).__module__ == 'micrograd_ext.teach.shortcuts'


def test_draw_dot_is_the_drawing_with_its_options():
    _, _, y = neuron()
    drawing = y.draw_dot(rankdir='TB', show_grad=False)
    assert isinstance(drawing, Drawing)
    assert drawing.source == draw_dot(y, rankdir='TB', show_grad=False).source
    assert 'rankdir=TB' in drawing.source and 'grad' not in drawing.source
    with pytest.raises(ValueError, match="rankdir must be 'LR'"):
        y.draw_dot(rankdir='XY')


def test_backward_steps_step_through_to_what_backward_gives():
    x, w, y = neuron()
    steps = y.backward_steps()
    assert isinstance(steps, BackwardSteps) and len(steps) == 2
    texts = [str(step) for step in steps]
    assert texts[0].startswith('step 1/2') and texts[1].startswith('step 2/2')
    assert (x.grad, w.grad, y.grad) == (-2.0, 2.0, 1.0)
    x2, w2, y2 = neuron()
    y2.backward()
    assert (x2.grad, w2.grad) == (x.grad, w.grad)


def test_the_quiz_asks_input_and_scores_the_answers(monkeypatch, capsys):
    x, w, y = neuron()
    typed = iter(['1', '1', 'abc', '-3', '?'])  # step 1 (y = v1 + x): 1 and 1; step 2 (v1 = x*w): -3, then shown
    prompts = []
    monkeypatch.setattr(builtins, 'input', lambda prompt='': prompts.append(prompt) or next(typed))
    result = y.backward_steps(quiz=True)
    assert isinstance(result, QuizResult) and (result.score, result.total, result.stopped) == (3, 4, None)
    assert repr(result) == 'score 3/4'
    assert [answer.given for answer in result.answers] == [1.0, 1.0, -3.0, None]
    assert prompts == ['  v1.grad += ? ', '  x.grad += ? ', '  x.grad += ? ', '  x.grad += ? ', '  w.grad += ? ']
    shown = capsys.readouterr().out
    assert "'abc': type a number like -1.5 or 1/2" in shown and 'shown (counts as wrong): it adds 2.0000' in shown
    assert (x.grad, w.grad) == (-2.0, 2.0)


def test_a_quiz_cut_short_still_leaves_backwards_grads(monkeypatch, capsys):
    x, y = diamond(3.0)

    def end_of_input(prompt=''):
        raise EOFError
    monkeypatch.setattr(builtins, 'input', end_of_input)
    result = y.backward_steps(quiz=True)
    assert (result.stopped, result.not_asked, result.total) == ('end of input', 2, 0)
    assert x.grad == 7.0 and 'quiz stopped (end of input)' in capsys.readouterr().out


def test_explain_is_the_explanation_of_the_target():
    x, _, y = neuron()
    text = str(y.explain(x))
    assert text == str(explain(y, x))
    assert text.startswith('dy/dx = -2.0000: x reaches y along 2 paths') and '(they match)' in text


def test_show_backward_is_the_player_and_leaves_backwards_grads():
    x, w, y = neuron()
    player = y.show_backward(title='a neuron', rankdir='TB')
    assert isinstance(player, BackwardPlayer) and player.title == 'a neuron' and len(player.frames) == 3
    assert 'rankdir=TB' in player.frames[0].drawing.source
    assert repr(player).splitlines()[0] == 'start: dy/dy = 1; every other grad is pending'
    assert (x.grad, w.grad) == (-2.0, 2.0)
    y.zero_grad()
    quiz = y.show_backward(quiz=True)
    assert 'quiz: 2 steps to predict' in repr(quiz) and '-3.0000' not in repr(quiz)
