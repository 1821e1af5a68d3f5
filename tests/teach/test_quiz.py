"""Predict, then reveal: the quiz's core with an injected ``ask``, the command in a real terminal, the REPL, and
the HTML quiz player in a real headless browser."""
import math
import os
import sys

import pexpect
import pytest

from micrograd_ext import Value
from micrograd_ext.teach.expressions import build_graph
from micrograd_ext.viz.naming import fmt
from micrograd_ext.teach.quiz import is_right, parse_answer, quiz
from micrograd_ext.teach.steps import backward_steps

from ..browser import Browser, chromium_or_skip
from .test_repl import PACKAGE_PARENT

NEURON = ('tanh(w1*x1 + w2*x2 + b)', dict(x1=2, x2=0, w1=-3, w2=1, b=6.8814))
ENV = {**os.environ, 'PYTHONPATH': PACKAGE_PARENT, 'TERM': 'dumb', 'PYTHON_BASIC_REPL': '1'}


def neuron():
    return build_graph(*NEURON)


def leaves(root):
    return {name: node for name, node in ((n.label, n) for n in walk(root)) if name in NEURON[1]}


def walk(root):
    seen, todo = [], [root]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.append(node)
            todo.extend(node._prev)
    return seen


def right_answers(make) -> list[str]:
    """Each answer as the student sees numbers (fmt's 4 decimals), from stepping through a twin graph."""
    return [fmt(c.added) for step in backward_steps(make()) for c in step.contributions]


def scripted(answers):
    """An ``ask`` that types ``answers`` in turn (an exception in the list is raised, as input() raises EOFError),
    and a ``say`` that keeps what was shown."""
    typed, prompts, shown = iter(answers), [], []

    def ask(prompt):
        prompts.append(prompt)
        answer = next(typed)
        if isinstance(answer, BaseException):
            raise answer
        return answer
    return ask, shown.append, prompts, shown


def test_all_right_answers_score_full_and_leave_the_grads_backward_gives():
    answers = right_answers(neuron)
    y = neuron()
    ask, say, prompts, shown = scripted(answers)
    result = quiz(y, ask, say)
    assert (result.score, result.total, result.stopped) == (len(answers), len(answers), None) and len(answers) == 9
    assert repr(result) == 'score 9/9'
    assert all(answer.right for answer in result.answers)
    assert prompts[:2] == ['  (w1*x1 + w2*x2 + b).grad += ? ', '  (w1*x1 + w2*x2).grad += ? ']
    assert 'step 1/5  tanh(w1*x1 + w2*x2 + b)  [tanh]' in shown[1] and 'upstream' in shown[1]
    twin = neuron()
    twin.backward()
    assert {k: v.grad for k, v in leaves(y).items()} == {k: v.grad for k, v in leaves(twin).items()}


def test_the_question_is_asked_before_the_step_is_applied():
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    y = x * w
    y.label = 'y'
    grads_when_asked = []
    quiz(y, lambda prompt: grads_when_asked.append((x.grad, w.grad)) or '0', lambda text: None)
    assert grads_when_asked == [(0.0, 0.0), (0.0, 0.0)] and (x.grad, w.grad) == (-3.0, 2.0)


def test_a_wrong_answer_is_told_the_value_the_local_derivative_and_the_product():
    n = Value(0.5, label='n')
    y = n.tanh()
    y.label = 'y'
    ask, say, _, shown = scripted(['0.75'])
    result = quiz(y, ask, say)
    assert result.score == 0 and result.answers[0].given == 0.75 and not result.answers[0].right
    mark = shown[-1]
    assert 'wrong, you said 0.75' in mark and 'it adds 0.7864' in mark  # the correct value
    assert '(1 - y**2 = 0.7864)' in mark  # the local derivative: formula and value
    assert '* 1.0000 = 0.7864' in mark  # the chain-rule product


def test_show_answer_counts_as_wrong_and_reveals():
    x = Value(3.0, label='x')
    y = x * 2
    ask, say, _, shown = scripted(['?', 's'])
    result = quiz(y, ask, say)
    assert result.score == 0 and result.total == 2 and [a.given for a in result.answers] == [None, None]
    assert 'shown (counts as wrong): it adds 2.0000' in shown[-2] and 'x.grad += (c1 = 2.0000)' in shown[-2]
    assert '? (or s) to show the answer' in shown[0]  # the first-time help line


@pytest.mark.parametrize('correct, accepted, rejected', [
    (-1.5029414, ['-1.5029', '-1.503', '-1.50294', '-1.5029414', '- 1.503', '\u22121.5029'],
     ['-1.5', '1.5029', '-0.5010', '-3', '-1.51']),
    (0.50098, ['0.5010', '0.501', '1002/2000'], ['0.5', '1/2', '0.51', '-0.5010']),
    (1234.5678, ['1234.5678', '1235', '1234'], ['1230', '123.4568']),
    (8.2446e-09, ['8.2446e-09', '8.245e-9'], ['0', '8.3e-9']),
    (0.0, ['0', '-0', '0.0000', '0.00004'], ['0.001', '1']),
    (2.0, ['2', '2.0000', '4/2', '+2.0'], ['-2', '1.9', '2.01']),
])
def test_rounded_answers_are_right_and_real_mistakes_are_not(correct, accepted, rejected):
    assert all(is_right(parse_answer(text), correct) for text in accepted), accepted
    assert not any(is_right(parse_answer(text), correct) for text in rejected), rejected


@pytest.mark.parametrize('text', ['', '   ', 'abc', 'nan', 'inf', '-inf', '1/0', '0,5', '1e999', '1/2/3', '2*3',
                                  '__import__("os")', 'x.grad += 1', '0x10', '1 2'])
def test_anything_but_a_number_or_a_fraction_is_refused_in_one_line(text):
    with pytest.raises(ValueError) as refused:
        parse_answer(text)
    assert '\n' not in str(refused.value) and ('number' in str(refused.value) or 'point' in str(refused.value))


def test_bad_input_is_asked_again_with_a_one_line_message():
    x = Value(3.0, label='x')
    y = x * 2
    ask, say, prompts, shown = scripted(['', 'abc', 'nan', 'inf', '1/0', '0,5', '2', '3'])
    result = quiz(y, ask, say)
    assert (result.score, result.total) == (2, 2)
    assert prompts == ['  x.grad += ? '] * 7 + ['  c1.grad += ? ']
    messages = [line for line in shown[1:] if 'type a number' in line.lower() or 'with a point' in line]
    assert len(messages) == 6 and all('\n' not in m for m in messages)
    assert "  'abc': type a number like -1.5 or 1/2, or ? to show the answer" in shown


@pytest.mark.parametrize('stop, why', [(EOFError(), 'end of input'), (KeyboardInterrupt(), 'Ctrl-C')])
def test_stopping_mid_quiz_ends_cleanly_with_the_grads_backward_gives(stop, why):
    answers = right_answers(neuron)
    y = neuron()
    ask, say, _, shown = scripted([*answers[:4], stop])  # stops at step 3's second child: its first is dropped
    result = quiz(y, ask, say)
    assert (result.score, result.total, result.stopped, result.not_asked) == (3, 3, why, 3)
    assert repr(result) == 'score 3/3 (stopped: 3 of 5 steps not asked)'
    assert f'quiz stopped ({why}): 3 of 5 steps were not asked; they were applied without asking' in shown[-1]
    twin = neuron()
    twin.backward()
    assert {k: v.grad for k, v in leaves(y).items()} == {k: v.grad for k, v in leaves(twin).items()}


def lecture_sin(x):
    """A micrograd-style op: its own _backward closure, no local derivatives stored."""
    out = Value(math.sin(x.data), (x,), 'sin')

    def _backward():
        x.grad += math.cos(x.data) * out.grad
    out._backward = _backward
    return out


def test_a_micrograd_style_closure_op_is_asked_and_applied():
    x = Value(0.5, label='x')
    y = lecture_sin(x) * 3
    y.label = 'y'
    assert y._prev[0]._local_grads is None
    ask, say, prompts, shown = scripted(['3', '1', f'{3 * math.cos(0.5):.4f}'])
    result = quiz(y, ask, say)
    assert [a.right for a in result.answers] == [True, False, True]  # c1.grad gains sin(0.5) = 0.4794, not 1
    assert shown[-2] == '\nstep 2/2  v1 = sin(x)  [sin, ran its own _backward]\n  v1 = 0.4794, x = 0.5000\n' \
                        '  upstream v1.grad = 3.0000'
    assert prompts[-1] == '  x.grad += ? ' and 'x.grad += (from its _backward: 0.8776) * 3.0000 = 2.6327' in shown[-1]
    assert x.grad == pytest.approx(3 * math.cos(0.5))


def test_a_reused_node_is_asked_each_time_and_accumulates():
    a, b = Value(2.0, label='a'), Value(-1.0, label='b')
    y = a * b + a * a
    y.label = 'y'
    ask, say, prompts, shown = scripted(['1', '1', '2', '2', '-1', '2'])
    result = quiz(y, ask, say)
    assert [p.strip() for p in prompts] == ['v1.grad += ?', 'v2.grad += ?', 'a.grad (use 1 of 2) += ?',
                                            'a.grad (use 2 of 2) += ?', 'a.grad += ?', 'b.grad += ?']
    assert result.score == result.total == 6
    a_marks = [line for line in shown if 'right: a.grad' in line]
    assert [mark.split(' = ')[-1] for mark in a_marks] == ['2.0000', '2.0000 (total 4.0000)', '-1.0000 (total 3.0000)']
    assert (a.grad, b.grad) == (3.0, 2.0)


def test_a_leaf_has_nothing_to_ask():
    x = Value(2.0, label='x')
    ask, say, prompts, shown = scripted([])
    result = quiz(x, ask, say)
    assert (result.total, prompts, x.grad) == (0, [], 1.0) and 'no backward step to predict' in shown[0]


def spawn_quiz(*args):
    return pexpect.spawn(sys.executable, ['-m', 'micrograd_ext', 'quiz', *args], encoding='utf-8', timeout=30,
                         env=ENV)


def test_the_quiz_command_in_a_real_terminal():
    child = spawn_quiz('x*w + b', '--set', 'x=2', 'w=-3', 'b=1')
    try:
        child.expect(r'forward: x\*w \+ b = -5\.0000')
        child.expect(r'\? \(or s\) to show the answer')
        child.expect(r'step 1/2  x\*w \+ b  \[\+\]')
        child.expect(r'\n  upstream \(x\*w \+ b\)\.grad = 1\.0000')
        child.expect_exact('(x*w).grad += ? ')
        child.sendline('1')
        child.expect_exact('b.grad += ? ')
        child.sendline('one')  # a typo: asked again
        child.expect_exact("'one': type a number like -1.5 or 1/2, or ? to show the answer")
        child.expect_exact('b.grad += ? ')
        child.sendline('1/1')
        child.expect_exact('right: (x*w).grad += 1 * 1.0000 = 1.0000')
        child.expect_exact('right: b.grad += 1 * 1.0000 = 1.0000')
        child.expect_exact('x.grad += ? ')
        child.sendline('2')  # x's value, not w's: the usual mistake
        child.expect_exact('w.grad += ? ')
        child.sendline('2.0000')
        child.expect_exact('wrong, you said 2: it adds -3.0000, the local derivative times the upstream')
        child.expect_exact('x.grad += (w = -3.0000) * 1.0000 = -3.0000')
        child.expect_exact('right: w.grad += (x = 2.0000) * 1.0000 = 2.0000')
        child.expect_exact('score 3/4')
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_ctrl_d_in_the_quiz_command_stops_with_the_score_so_far():
    child = spawn_quiz('tanh(x*w + b)', '--set', 'x=2', 'w=-3', 'b=6.88')
    try:
        child.expect_exact('(x*w + b).grad += ? ')
        child.sendline('0.5010')
        child.expect_exact('right: (x*w + b).grad += (1 - tanh(x*w + b)**2 = 0.5010) * 1.0000 = 0.5010')
        child.expect_exact('(x*w).grad += ? ')
        child.sendeof()
        child.expect_exact('quiz stopped (end of input): 2 of 3 steps were not asked; they were applied without asking')
        child.expect_exact('score 1/1 (stopped: 2 of 3 steps not asked)')
        child.expect(pexpect.EOF)
        output = child.before
    finally:
        child.close()
    assert child.exitstatus == 1 and 'Traceback' not in output


def test_ctrl_c_in_the_quiz_command_exits_130_without_a_traceback():
    child = spawn_quiz('x*w', '--set', 'x=2', 'w=-3')
    try:
        child.expect_exact('x.grad += ? ')
        child.sendintr()
        child.expect_exact('quiz stopped (Ctrl-C): 1 of 1 steps were not asked')
        child.expect(pexpect.EOF)
        output = child.before
    finally:
        child.close()
    assert child.exitstatus == 130 and 'Traceback' not in output


def test_the_quiz_in_an_interactive_session():
    repl = pexpect.spawn(sys.executable, ['-i', '-q'], encoding='utf-8', timeout=30, env=ENV)
    try:
        repl.expect('>>> ')
        for line in ["from micrograd_ext import Value",
                     "x = Value(2.0, label='x'); w = Value(-3.0, label='w'); b = Value(6.88, label='b')",
                     "n = x*w + b; n.label = 'n'", "y = n.tanh(); y.label = 'y'"]:
            repl.sendline(line)
            repl.expect('>>> ')
        repl.sendline('y.backward_steps(quiz=True)')
        repl.expect_exact('step 1/3  y = tanh(n)  [tanh]')
        repl.expect_exact('n.grad += ? ')
        repl.sendline('0.501')
        repl.expect_exact('right: n.grad += (1 - y**2 = 0.5010) * 1.0000 = 0.5010')
        for answer in ['0.501', '?', '-1.503', '1.5']:  # v1 right, b shown, x right, w wrong (it is 1.0019)
            repl.expect(r'\+= \? $')
            repl.sendline(answer)
        repl.expect_exact('wrong, you said 1.5: it adds 1.0019')
        repl.expect_exact('score 3/5')  # the result's repr, echoed by the REPL
        repl.expect('>>> ')
        repl.sendline("p = Value(1.0, label='p'); q = p*p; q.label = 'q'; q.backward_steps(quiz=True)")
        repl.expect_exact('p.grad (use 1 of 2) += ? ')
        repl.sendintr()  # Ctrl-C: back at the prompt with the score so far, the grads as backward() leaves them
        repl.expect_exact('score 0/0 (stopped: 1 of 1 steps not asked)')
        repl.expect('>>> ')
        repl.sendline('p.grad')
        repl.expect(r'2\.0\r?\n>>> ')
        repl.sendline("x2 = Value(2.0); w2 = Value(-3.0); y2 = (x2*w2 + 6.88).tanh(); y2.backward()")
        repl.expect('>>> ')
        repl.sendline("print(x.grad == x2.grad, w.grad == w2.grad)")
        repl.expect('True True')
        repl.expect('>>> ')
        repl.sendline('exit()')
        repl.expect(pexpect.EOF)
    finally:
        repl.close()


def test_the_quiz_command_writes_the_quiz_player(tmp_path):
    import subprocess
    path = tmp_path / 'quiz.html'
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'quiz', 'x*w + b', '--set', 'x=2', 'w=-3', 'b=1',
                           '--html', str(path)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and f'wrote {path}' in done.stdout, done.stderr
    page = path.read_text(encoding='utf-8')
    assert 'data-part="quiz"' in page and '<script src' not in page and 'https://' not in page


TEXT = "document.querySelector('[data-part=text]').textContent"
SCORE = "document.querySelector('[data-part=score]').textContent"
MARKS = "[...document.querySelectorAll('.mgx-quiz-mark')].map(m => m.textContent)"


def answer(browser, *typed):
    browser.evaluate("(() => { const typed = %s; [...document.querySelectorAll('[data-part=rows] input')]"
                     ".forEach((input, i) => input.value = typed[i]); })()" % list(typed))


def test_the_quiz_player_in_a_real_browser(tmp_path):
    from micrograd_ext.teach.player import save_backward_html
    chromium_or_skip()
    path = save_backward_html(neuron(), str(tmp_path / 'quiz.html'), quiz=True)
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for(f"document.readyState === 'complete' && {TEXT}")
        assert browser.evaluate(TEXT).startswith('start:') and browser.evaluate(SCORE) == 'score 0/0'
        question = browser.evaluate("document.querySelector('[data-part=question]').textContent")
        assert question.startswith('step 1/5  tanh(w1*x1 + w2*x2 + b)  [tanh]') and 'upstream' in question
        assert browser.evaluate("document.querySelectorAll('[data-part=rows] input').length") == 1
        browser.evaluate("document.querySelector('[data-part=next]').click()")  # no peeking before answering
        assert browser.evaluate(TEXT).startswith('start:')
        answer(browser, 'abc')
        browser.evaluate("document.querySelector('[data-part=check]').click()")
        assert browser.evaluate("document.querySelector('[data-part=message]').textContent") == \
            "'abc': type a number like -1.5 or 1/2, or ? to show the answer"
        assert browser.evaluate(TEXT).startswith('start:')  # not revealed
        answer(browser, '0.5')  # 1 - tanh**2 is 0.5000: right
        browser.evaluate("document.querySelector('[data-part=check]').click()")
        assert browser.evaluate(TEXT).startswith('step 1/5') and browser.evaluate(SCORE) == 'score 1/1'
        assert browser.evaluate(MARKS)[0].startswith('right: (w1*x1 + w2*x2 + b).grad += (1 - tanh(')
        assert browser.evaluate("document.querySelector('.mgx-frame[data-frame=\"1\"]').hidden") is False
        assert browser.evaluate("document.querySelectorAll('[data-part=rows] input').length") == 2  # step 2 asks
        answer(browser, '1/2', '2')  # the second is wrong: it is 0.5000
        browser.evaluate("document.querySelector('[data-part=rows] input').dispatchEvent("
                         "new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))")  # Enter checks
        assert browser.evaluate(TEXT).startswith('step 2/5') and browser.evaluate(SCORE) == 'score 2/3'
        marks = browser.evaluate(MARKS)
        assert marks[1].startswith('wrong, you said 2: it adds 0.5000') and 'b.grad += 1 * 0.5000 = 0.5000' in marks[1]
        browser.evaluate("document.querySelector('[data-part=show]').click()")  # step 3: shown, counts as wrong
        assert browser.evaluate(TEXT).startswith('step 3/5') and browser.evaluate(SCORE) == 'score 2/5'
        assert all(mark.startswith('shown (counts as wrong)') for mark in browser.evaluate(MARKS))
        browser.screenshot('/tmp/quiz_player.png')
        browser.evaluate("document.querySelector('[data-part=prev]').click()")  # earlier steps stay viewable
        assert browser.evaluate(TEXT).startswith('step 2/5') and browser.evaluate(
            "document.querySelector('[data-part=ask]').hidden") is True
        browser.evaluate("document.querySelector('[data-part=next]').click()")
        browser.evaluate("const s = document.querySelector('[data-part=slider]'); s.value = 5; "
                         "s.dispatchEvent(new Event('input'))")  # the slider stops at the question too
        assert browser.evaluate(TEXT).startswith('step 3/5') and browser.evaluate(
            "document.querySelector('[data-part=slider]').value") == '3'
        browser.evaluate("document.querySelector('[data-part=rows] input').dispatchEvent("
                         "new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true}))")  # moves the caret only
        assert browser.evaluate(TEXT).startswith('step 3/5')
        for typed in (['0', '+ 1/2'], ['1', '1.5']):  # w2*x2: both right; w1*x1: x1 has the wrong sign
            answer(browser, *typed)
            browser.evaluate("document.querySelector('[data-part=check]').click()")
        assert browser.evaluate(TEXT).startswith('step 5/5')
        assert browser.evaluate(SCORE) == 'final score 5/9' and browser.evaluate(
            "document.querySelector('[data-part=ask]').hidden") is True
        browser.evaluate("document.querySelector('[data-part=next]').click()")
        assert browser.evaluate(TEXT).startswith('step 5/5')
    finally:
        browser.close()


def test_the_quiz_player_differs_from_the_plain_one_only_in_its_data():
    import json
    import re

    from micrograd_ext.teach.player import QUIZ_HELP, show_backward
    plain, quizzed = show_backward(neuron()), show_backward(neuron(), quiz=True)
    data = re.compile(r'<script type="application/json" data-part="data">(.*?)</script>', re.S)
    pages = [plain._repr_html_(), quizzed._repr_html_()]
    plain_data, quiz_data = (json.loads(data.search(page)[1]) for page in pages)
    assert plain_data['quiz'] is None and quiz_data['quiz']['help'] == QUIZ_HELP
    assert len(quiz_data['quiz']['questions']) == len(quiz_data['texts'])  # one per step, after the seed's None
    assert {**quiz_data, 'quiz': None, 'id': plain.id} == plain_data
    assert data.sub('', pages[0]) == data.sub('', pages[1])  # the same HTML, CSS and script
    # a text view of the quiz (a terminal, a notebook without HTML) gives no answer away; the plain one lists them
    assert repr(quizzed).splitlines()[0] == repr(plain).splitlines()[0] and 'step 1/5' in repr(plain)
    assert 'step 1/' not in repr(quizzed) and '5 steps to predict' in repr(quizzed)
