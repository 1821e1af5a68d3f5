"""Hostile student answers: every checker says "not yet" with a hint, never a traceback and never "correct"."""
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

import numpy as np
import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.classroom.exercises import (CheckResult, check_backward, check_grads_by_hand, check_learning_rate,
                                     check_local_derivative, check_neuron_forward, check_new_op, lecture_graph)


def assert_not_yet(result, fragment):
    """A "not yet" verdict that names the problem (``fragment``) and ends with one non-empty hint line."""
    assert isinstance(result, CheckResult) and result.passed is False, result
    problem, hint = result.message.split('\nHint: ')
    assert fragment in problem or fragment in hint, result
    assert problem.strip() and hint.strip() and '\n' not in hint
    assert str(result).startswith('not yet: ')


# ---- right answers, to build wrong ones from ------------------------------------------------------------

def tanh_derivative(x):
    return 1 - math.tanh(x) ** 2


def cube(x):
    return Value(x.data ** 3, (x,), 'cube', (3 * x.data ** 2,))


def neuron(x, w, b):
    return max(0.0, sum(wi * xi for wi, xi in zip(w, x)) + b)


def right_backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad


def right_answers():
    out, nodes = lecture_graph()
    out.backward()
    return {name: node.grad for name, node in nodes.items()}


def setting_grads(value):
    """A backward pass that sets every .grad to ``value``."""
    def backward(root):
        for node in topological_order(root):
            node.grad = value
    return backward


class SilentError(Exception):
    def __str__(self):
        raise RuntimeError('no message for you')


class Fatal(BaseException):
    pass


RAISED = [ZeroDivisionError('division by zero'), KeyError('w'), SilentError(), Fatal('odd'), SystemExit(3),
          GeneratorExit(), RecursionError('maximum recursion depth exceeded'), ArithmeticError()]


def raising(error):
    def student(*args):
        raise error
    return student


class AlwaysEqual:
    """Tries to fool a comparison: equal to everything, and a float when asked."""
    __eq__ = lambda self, other: True  # noqa: E731
    __float__ = lambda self: 0.42  # noqa: E731
    __hash__ = object.__hash__


class SneakyFloat(float):
    def __float__(self):
        raise ValueError('not today')


def no_return(x):
    1 - math.tanh(x) ** 2


def generator(*args):
    yield 1.0


def with_child(children, local=None):
    return lambda x: Value(x.data ** 3, children(x), 'cube', (3 * x.data ** 2,) if local is None else local)


def returns_x_itself(x):
    x.data = x.data ** 3
    return x


def with_prev(prev):
    def op(x):
        out = cube(x)
        out._prev = prev
        return out
    return op


class RaisingMapping(Mapping):
    def __getitem__(self, key):
        raise LookupError(key)

    def __iter__(self):
        raise OSError('cannot list answers')

    def __len__(self):
        return 9


def vandal(root):
    """Cuts the graph and sets only the root."""
    root._prev, root.grad = (), 1.0


HOSTILE = {
    # check_local_derivative: a number is expected
    'derivative: no return': (lambda: check_local_derivative('tanh', no_return), 'forget `return`'),
    'derivative: list': (lambda: check_local_derivative('tanh', lambda x: [tanh_derivative(x)]), 'a list of 1 item'),
    'derivative: string': (lambda: check_local_derivative('tanh', lambda x: str(tanh_derivative(x))), 'the string'),
    'derivative: nan': (lambda: check_local_derivative('tanh', lambda x: math.nan), 'nan'),
    'derivative: inf': (lambda: check_local_derivative('tanh', lambda x: math.inf), 'infinite'),
    'derivative: -inf': (lambda: check_local_derivative('exp', lambda x: -math.inf), 'infinite'),
    'derivative: complex': (lambda: check_local_derivative('tanh', lambda x: (-1) ** 0.5), 'complex'),
    'derivative: huge int': (lambda: check_local_derivative('tanh', lambda x: 10 ** 400), 'too large'),
    'derivative: numpy array': (lambda: check_local_derivative('tanh', lambda x: np.array([0.1, 0.2])), 'ndarray'),
    'derivative: equal to anything': (lambda: check_local_derivative('tanh', lambda x: AlwaysEqual()), 'AlwaysEqual'),
    'derivative: float whose float() raises': (lambda: check_local_derivative('tanh', lambda x: SneakyFloat(1.0)),
                                               'not today'),
    'derivative: generator': (lambda: check_local_derivative('tanh', generator), 'a generator'),
    'derivative: no parameters': (lambda: check_local_derivative('tanh', lambda: 0.5), 'takes the parameters ()'),
    'derivative: two parameters': (lambda: check_local_derivative('tanh', lambda x, y: 0.5), 'exactly 1 parameter'),
    'derivative: not a function': (lambda: check_local_derivative('tanh', 0.42), 'should be a function'),
    'derivative: None instead of a function': (lambda: check_local_derivative('tanh', None), 'should be a function'),
    'derivative: a wrong Value': (lambda: check_local_derivative('tanh', lambda x: Value(0.0)), 'gives 0.0'),
    # check_new_op: a Value with x itself among its children is expected
    'new op: float instead of Value': (lambda: check_new_op(lambda x: x.data ** 3, lambda v: v ** 3, 'cube'),
                                       'must return a Value'),
    'new op: no return': (lambda: check_new_op(lambda x: None, lambda v: v ** 3, 'cube'), 'forget `return`'),
    'new op: string': (lambda: check_new_op(lambda x: 'cube', lambda v: v ** 3, 'cube'), 'must return a Value'),
    'new op: child is a float': (lambda: check_new_op(with_child(lambda x: (x.data,)), lambda v: v ** 3, 'cube'),
                                 "children of the 'cube' node must be Values, got float"),
    'new op: copied child': (lambda: check_new_op(with_child(lambda x: (Value(x.data),)), lambda v: v ** 3, 'cube'),
                             'new Value with the same data'),
    'new op: no children': (lambda: check_new_op(with_child(lambda x: ()), lambda v: v ** 3, 'cube'), '_prev is empty'),
    'new op: another Value as child': (lambda: check_new_op(with_child(lambda x: (Value(7.0),)), lambda v: v ** 3,
                                                            'cube'), 'holds a Value'),
    'new op: _prev not a tuple': (lambda: check_new_op(with_prev(5), lambda v: v ** 3, 'cube'), 'not a tuple'),
    'new op: returns x itself': (lambda: check_new_op(returns_x_itself, lambda v: v ** 3, 'cube'), '_prev is empty'),
    'new op: string local derivative': (lambda: check_new_op(with_child(lambda x: (x,), ('3',)), lambda v: v ** 3,
                                                             'cube'), "local derivatives of the 'cube' node must be numbers"),
    'new op: None local derivative': (lambda: check_new_op(with_child(lambda x: (x,), (None,)), lambda v: v ** 3,
                                                           'cube'), "local derivatives of the 'cube' node must be numbers"),
    'new op: Value local derivative': (lambda: check_new_op(
        lambda x: Value(x.data ** 3, (x,), 'cube', (Value(3 * x.data ** 2),)), lambda v: v ** 3),
        "local derivatives of the 'cube' node must be numbers"),
    'new op: nan local derivative': (lambda: check_new_op(with_child(lambda x: (x,), (math.nan,)), lambda v: v ** 3,
                                                          'cube'), 'x.grad is nan'),
    'new op: no local derivatives': (lambda: check_new_op(with_child(lambda x: (x,), ()), lambda v: v ** 3, 'cube'),
                                     'stores 0 local derivatives for 1 child'),
    'new op: wrong data': (lambda: check_new_op(lambda x: x * x, lambda v: v ** 3, 'cube'), 'but the function is'),
    'new op: nan data': (lambda: check_new_op(lambda x: Value(math.nan, (x,), 'cube', (1.0,)), lambda v: v ** 3),
                         'data is nan'),
    'new op: two parameters': (lambda: check_new_op(lambda x, y: cube(x), lambda v: v ** 3), 'takes the parameters'),
    # check_grads_by_hand: a dict of numbers for exactly the nine nodes
    'by hand: a list': (lambda: check_grads_by_hand(list(right_answers().values())), 'should be a dict'),
    'by hand: None': (lambda: check_grads_by_hand(None), 'should be a dict'),
    'by hand: upper-case keys': (lambda: check_grads_by_hand({k.upper(): v for k, v in right_answers().items()}),
                                 "not nodes of the graph: 'A'"),
    'by hand: an extra key': (lambda: check_grads_by_hand({**right_answers(), 'z': 0.0}), "not nodes of the graph"),
    'by hand: a number as key': (lambda: check_grads_by_hand({**right_answers(), 1: 0.0}), 'not nodes of the graph: 1'),
    'by hand: string value': (lambda: check_grads_by_hand({**right_answers(), 'b': '-4'}), 'dM/db is the string'),
    'by hand: nan value': (lambda: check_grads_by_hand({**right_answers(), 'a': math.nan}), 'dM/da is nan'),
    'by hand: list value': (lambda: check_grads_by_hand({**right_answers(), 'f': [4.0]}), 'dM/df is a list'),
    'by hand: a mapping that raises': (lambda: check_grads_by_hand(RaisingMapping()), 'cannot list answers'),
    # check_neuron_forward: a number is expected
    'neuron: no return': (lambda: check_neuron_forward(lambda x, w, b: None), 'forget `return`'),
    'neuron: string': (lambda: check_neuron_forward(lambda x, w, b: 'relu'), 'the string'),
    'neuron: the list x': (lambda: check_neuron_forward(lambda x, w, b: x), 'a list of 2 items'),
    'neuron: nan': (lambda: check_neuron_forward(lambda x, w, b: math.nan), 'nan'),
    'neuron: two parameters': (lambda: check_neuron_forward(lambda x, w: 0.0), 'exactly 3 parameters'),
    'neuron: a generator': (lambda: check_neuron_forward(generator), 'a generator'),
    # check_backward: every .grad must end up a number
    'backward: grads None': (lambda: check_backward(setting_grads(None)), 'a.grad is None'),
    'backward: grads strings': (lambda: check_backward(setting_grads('1.0')), 'a.grad is the string'),
    'backward: grads nan': (lambda: check_backward(setting_grads(math.nan)), 'a.grad is nan'),
    'backward: grads lists': (lambda: check_backward(setting_grads([1.0])), 'a.grad is a list'),
    'backward: grads that fool ==': (lambda: check_backward(setting_grads(AlwaysEqual())), 'AlwaysEqual'),
    'backward: does nothing': (lambda: check_backward(lambda root: None), 'the backward pass never started'),
    'backward: cuts the graph': (lambda: check_backward(vandal), 'nothing was passed down'),
    'backward: no parameters': (lambda: check_backward(lambda: None), 'exactly 1 parameter'),
    'backward: not a function': (lambda: check_backward('my_backward'), 'should be a function'),
    # check_learning_rate: a positive finite number is expected
    'lr: None': (lambda: check_learning_rate(None), 'None, not a number'),
    'lr: string': (lambda: check_learning_rate('0.1'), 'the string'),
    'lr: list': (lambda: check_learning_rate([0.1]), 'a list'),
    'lr: nan': (lambda: check_learning_rate(math.nan), 'nan'),
    'lr: inf': (lambda: check_learning_rate(math.inf), 'infinite'),
    'lr: zero': (lambda: check_learning_rate(0), 'must be positive'),
    'lr: negative': (lambda: check_learning_rate(-0.1), 'must be positive'),
    'lr: complex': (lambda: check_learning_rate(0.1j), 'complex'),
    'lr: huge': (lambda: check_learning_rate(1e300), 'diverges'),
}
for error in RAISED:
    name = type(error).__name__
    HOSTILE[f'derivative raises {name}'] = (lambda e=error: check_local_derivative('exp', raising(e)), f'raised {name}')
    HOSTILE[f'new op raises {name}'] = (lambda e=error: check_new_op(raising(e), lambda v: v ** 3), f'raised {name}')
    HOSTILE[f'neuron raises {name}'] = (lambda e=error: check_neuron_forward(raising(e)), f'raised {name}')
    HOSTILE[f'backward raises {name}'] = (lambda e=error: check_backward(raising(e)), f'raised {name}')


@pytest.mark.parametrize('case', HOSTILE)
def test_a_hostile_answer_gets_not_yet_with_a_hint(case):
    call, fragment = HOSTILE[case]
    assert_not_yet(call(), fragment)


def test_the_right_answers_still_pass():
    """The table above is not passing for a trivial reason: the same checkers accept the right answers."""
    assert check_local_derivative('tanh', tanh_derivative).passed
    assert check_new_op(cube, lambda v: v ** 3, 'cube').passed
    assert check_grads_by_hand(right_answers()).passed
    assert check_neuron_forward(neuron).passed
    assert check_backward(right_backward).passed
    assert check_learning_rate(0.1).passed


def test_a_value_counts_as_its_data_wherever_a_number_is_expected():
    assert check_local_derivative('tanh', lambda x: Value(tanh_derivative(x))).passed
    assert check_neuron_forward(lambda x, w, b: Value(neuron(x, w, b))).passed
    assert check_grads_by_hand({name: Value(grad) for name, grad in right_answers().items()}).passed
    assert check_learning_rate(Value(0.1)).passed

    def backward_setting_values(root):
        right_backward(root)
        for node in topological_order(root):
            node.grad = Value(node.grad)
    assert check_backward(backward_setting_values).passed
    assert check_new_op(with_child(lambda x: (x,), None), lambda v: v ** 3, 'cube').passed


def test_an_exception_whose_message_raises_is_named_by_its_class():
    result = check_local_derivative('tanh', raising(SilentError()))
    assert_not_yet(result, 'raised SilentError (whose message could not be shown)')


def test_not_implemented_says_the_exercise_is_not_done():
    assert_not_yet(check_backward(raising(NotImplementedError())), 'not done yet')


def test_the_users_own_interrupt_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        check_local_derivative('tanh', raising(KeyboardInterrupt()))


def test_the_time_limit_must_be_positive_or_none():
    assert check_local_derivative('tanh', tanh_derivative, time_limit=None).passed
    with pytest.raises(ValueError, match='time_limit'):
        check_local_derivative('tanh', tanh_derivative, time_limit=0)


# ---- time limits: run in a subprocess, so that a checker that fails to stop a loop cannot hang the suite ----

LOOPS = r'''
import json, math, sys, threading, time
from collections.abc import Mapping
from micrograd_ext import Value
from micrograd_ext.classroom.exercises import *

def spin(*args):
    while True:
        pass

def swallow_then_spin(*args):
    try:
        while True:
            pass
    except BaseException:
        pass
    while True:
        pass

def spin_catching_exceptions(*args):
    while True:
        try:
            time.sleep(0.01)
        except Exception:
            pass

def catch_and_answer(x):
    try:
        while True:
            pass
    except BaseException:
        return 1 - math.tanh(x) ** 2

def sleep(*args):
    time.sleep(100)

def recurse(*args):
    return recurse(*args)

class EndlessMessage(Exception):
    def __str__(self):
        while True:
            pass

def endless_message(*args):
    raise EndlessMessage

class EndlessFloat(float):
    def __float__(self):
        while True:
            pass

class EndlessMapping(Mapping):
    def __getitem__(self, key):
        while True:
            pass
    def __iter__(self):
        return iter('abcdefLgM')
    def __len__(self):
        return 9

def spin_after_right_grads(root):
    root.backward()
    spin()

L = 0.5
cases = {
    'derivative': lambda: check_local_derivative('tanh', spin, time_limit=L),
    'new op': lambda: check_new_op(spin, lambda v: v ** 3, time_limit=L),
    'neuron': lambda: check_neuron_forward(spin, time_limit=L),
    'backward': lambda: check_backward(spin, time_limit=L),
    'backward that is right, then spins': lambda: check_backward(spin_after_right_grads, time_limit=L),
    'by hand': lambda: check_grads_by_hand(EndlessMapping(), time_limit=L),
    'lr': lambda: check_learning_rate(EndlessFloat(0.1), time_limit=L),
    'swallows the first stop': lambda: check_local_derivative('tanh', swallow_then_spin, time_limit=L),
    'catches Exception in its loop': lambda: check_local_derivative('tanh', spin_catching_exceptions, time_limit=L),
    'catches the stop and answers right': lambda: check_local_derivative('tanh', catch_and_answer, time_limit=L),
    'sleeps': lambda: check_local_derivative('tanh', sleep, time_limit=L),
    'endless exception message': lambda: check_local_derivative('tanh', endless_message, time_limit=L),
    'default limit': lambda: check_local_derivative('tanh', spin),
}

def run(name, call):
    started = time.monotonic()
    result = call()
    return dict(case=name, passed=result.passed, message=result.message, seconds=time.monotonic() - started,
                thread=threading.current_thread() is threading.main_thread())

for name, call in cases.items():
    print(json.dumps(run(name, call)), flush=True)
print(json.dumps(dict(case='recursion', **vars(check_local_derivative('tanh', recurse, time_limit=L)))), flush=True)

# off the main thread (and so on Windows) the limit works with a worker thread
before = threading.active_count()
box = []
helper = threading.Thread(target=lambda: box.append(run('off the main thread', cases['derivative'])))
helper.start()
helper.join()
print(json.dumps(box[0]), flush=True)
time.sleep(0.3)
print(json.dumps(dict(case='threads left', count=threading.active_count() - before)), flush=True)
'''


@pytest.fixture(scope='module')
def loop_verdicts():
    done = subprocess.run([sys.executable, '-c', LOOPS], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.returncode == 0, done.stderr
    return {row['case']: row for row in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize('case', ['derivative', 'new op', 'neuron', 'backward', 'backward that is right, then spins',
                                  'by hand', 'lr', 'swallows the first stop', 'catches Exception in its loop',
                                  'catches the stop and answers right', 'sleeps', 'off the main thread'])
def test_an_endless_student_is_stopped_with_a_hint(loop_verdicts, case):
    row = loop_verdicts[case]
    assert row['passed'] is False and 'still running after 0.5 s' in row['message'], row
    assert 'Hint: look for a loop that never ends' in row['message']
    assert row['seconds'] < 2.5, row


def test_the_default_limit_stops_a_loop_within_a_few_seconds(loop_verdicts):
    row = loop_verdicts['default limit']
    assert row['passed'] is False and 'still running after 2 s' in row['message'] and row['seconds'] < 4, row


def test_off_the_main_thread_the_worker_is_stopped_too(loop_verdicts):
    assert loop_verdicts['off the main thread']['thread'] is False
    assert loop_verdicts['threads left']['count'] == 0


def test_endless_recursion_and_an_endless_error_message_are_reported(loop_verdicts):
    assert 'raised RecursionError' in loop_verdicts['recursion']['message']
    row = loop_verdicts['endless exception message']
    assert row['passed'] is False and 'raised EndlessMessage (whose message could not be shown)' in row['message'], row


@pytest.mark.skipif(not hasattr(signal, 'setitimer'), reason='SIGALRM timers are Unix-only')
def test_the_previous_alarm_handler_and_timer_are_restored():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        assert check_local_derivative('tanh', tanh_derivative).passed
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 99.0 < remaining <= 100.0
        calls = []

        def slow_at_first(x):
            if not calls:
                time.sleep(0.3)
            calls.append(time.monotonic())
            return tanh_derivative(x)
        signal.setitimer(signal.ITIMER_REAL, 0.2)  # due while the student's first call still sleeps
        assert check_local_derivative('tanh', slow_at_first).passed
        assert len(fired) == 1 and calls[0] <= fired[0] < calls[0] + 0.1  # held back, then off as soon as it ended
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- learning rates -------------------------------------------------------------------------------------------

def test_a_learning_rate_that_swings_forever_is_too_large():
    result = check_learning_rate(1.0)
    assert_not_yet(result, 'without converging')
    assert 'too large' in result.message and 'larger' not in result.message.replace('too large', '')


@pytest.mark.parametrize('lr', sorted({*np.logspace(-4, math.log10(3), 120).tolist(), 0.5, 0.9, 0.99, 1.0, 1.01, 3.0}))
def test_every_learning_rate_in_a_sweep_gets_a_sensible_verdict(lr):
    """Gradient descent on (w - 3)**2 multiplies w - 3 by r = 1 - 2 lr each step; the verdict must match r."""
    r = 1 - 2 * lr
    final_loss = 9 * r ** 60  # after 30 steps
    if abs(final_loss - 1e-3) < 1e-5:
        pytest.skip('on the boundary between converged and not')
    result = check_learning_rate(lr)
    assert result.passed is (final_loss <= 1e-3), result
    if result.passed:
        return
    hint = result.message.split('Hint: ')[1]
    if r > 0:  # w creeps towards 3 from one side: the step is too small
        assert 'larger' in hint and 'too large' not in result.message, result
    elif r > -1:  # w jumps over 3 but gets closer: slightly too large
        assert 'a bit too large' in hint and 'oscillates' in result.message, result
    elif r == -1:
        assert 'too large' in hint and 'without converging' in result.message, result
    else:
        assert 'too large' in hint and 'diverges' in result.message, result


# ---- Jupyter ------------------------------------------------------------------------------------------------

def test_the_hint_shows_on_its_own_line_in_jupyter_and_student_text_is_escaped():
    result = check_local_derivative('tanh', lambda x: '<b>0.4</b>')
    html = result._repr_html_()
    assert '<br>\nHint: ' in html and '\n' not in html.replace('<br>\n', '')
    assert '&lt;b&gt;' in html and '<b>0.4' not in html
    assert html.count('<br>') == result.message.count('\n')
