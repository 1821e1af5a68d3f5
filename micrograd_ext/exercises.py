"""Checkers for classroom exercises: they take a student's function or numbers and answer in words.

Each returns a ``CheckResult`` (``passed`` and a ``message``) that prints as a short verdict: which input
failed, the expected and the given value, the finite-difference value where it helps, and a hint.

>>> check_local_derivative('tanh', lambda x: 1 - math.tanh(x) ** 2).passed
True
>>> print(check_local_derivative('sigmoid', lambda x: math.exp(-x) / (1 + math.exp(-x))))
not yet: at x = -2.0 your derivative gives 0.8808, but d sigmoid/dx = 0.1050 (finite differences: 0.1050).
Hint: the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).

Student code cannot crash, hang or fool a checker: every piece of it runs through ``run_student`` /
``guarded``, which stop it after ``time_limit`` seconds (``TIME_LIMIT`` by default) and turn an exception, a
timeout or an answer of the wrong kind (None, a string, a list, nan, inf...) into "not yet" with a hint.
Wherever a number is expected, a ``Value`` counts as its ``.data``; where a Value is expected, a number does
not. Values are compared by identity (``is``), numbers with the tolerance ``TOLERANCE``.

>>> print(check_local_derivative('exp', lambda x: None))
not yet: at x = -2.0 your derivative returned None.
Hint: did you forget `return`? Return one plain number (a float).
"""
from __future__ import annotations

import ctypes
import functools
import inspect
import math
import numbers
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .engine import Value, own_attributes
from .ops import FUNCTIONS, Op, power_op
from .explain import explain
from .finite_differences import analytic_grad, numerical_grad

POINTS = (-2.0, -0.5, 0.3, 1.7)
TOLERANCE = 1e-4
TIME_LIMIT = 2.0  # seconds each piece of student code may run before the checker stops it


@dataclass
class CheckResult:
    """The verdict of one check."""
    passed: bool
    message: str

    def __str__(self) -> str:
        return f"{'correct' if self.passed else 'not yet'}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html
        colour = '#2b8a3e' if self.passed else '#c92a2a'
        verdict = 'Correct' if self.passed else 'Not yet'
        message = html.escape(self.message).replace('\n', '<br>\n')  # the hint on its own line, as in print()
        return f'<div style="color:{colour}"><b>{verdict}:</b> {message}</div>'


def close(given: float, expected: float) -> bool:
    return math.isclose(given, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


# ---- running student code safely -----------------------------------------------------------------------

class NotYet(Exception):
    """A "not yet" verdict (what is wrong, and a hint), raised anywhere inside a ``@checker``."""

    def __init__(self, problem: str, hint: str):
        super().__init__(f'{problem}\nHint: {hint}')
        self.message = f'{problem}\nHint: {hint}'


class _OutOfTime(BaseException):
    """Raised into student code that runs too long (a BaseException, so ``except Exception`` cannot swallow it)."""


def checker(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Let ``check`` answer "not yet" by raising ``NotYet``."""
    @functools.wraps(check)
    def checked(*args, **kwargs) -> CheckResult:
        try:
            return check(*args, **kwargs)
        except NotYet as verdict:
            return CheckResult(False, verdict.message)
    return checked


def run_student(fn, args: dict, who: str, returns: Callable | None, hint: str,
                time_limit: float | None = TIME_LIMIT):
    """``fn(*args.values())`` run by ``guarded``, its result validated by ``returns(result, who + ' returned', hint)``
    (``_number``, ``_value`` or None for anything). ``who`` starts each message, e.g. 'at x = 0.3 your derivative'."""
    if not callable(fn):
        raise NotYet(f'{who} should be a function, but it is {_kind(fn)}.',
                     f"define it with def name({', '.join(args)}): ... and pass the function itself, not its result.")

    def call():
        _check_parameters(fn, args, who)
        result = fn(*args.values())
        return result if returns is None else returns(result, f'{who} returned', hint)
    return guarded(call, who, time_limit)


def guarded(thunk: Callable, who: str, time_limit: float | None = TIME_LIMIT, crash_hint: str = ''):
    """``thunk()``, which runs student code, stopped after ``time_limit`` seconds (None: no limit); a timeout or
    any exception (but KeyboardInterrupt, the user's own interrupt) becomes ``NotYet``."""
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f'time_limit must be a positive number of seconds or None, got {time_limit!r}')
    try:
        return within(time_limit, thunk)
    except (NotYet, KeyboardInterrupt):
        raise
    except _OutOfTime:
        raise NotYet(f'{who} was still running after {time_limit:g} s, so the checker stopped it.',
                     'look for a loop that never ends (a `while` whose condition stays true) '
                     'or a function that keeps calling itself.') from None
    except BaseException as error:  # student code may raise anything, even SystemExit
        raise _crashed(error, who, time_limit, crash_hint) from None


CRASH_HINTS = {
    RecursionError: 'your function keeps calling itself: make sure the recursion reaches a case that returns.',
    SystemExit: 'do not call exit() or sys.exit() in an exercise: return the answer instead.',
}


def _crashed(error: BaseException, who: str, time_limit: float | None, hint: str) -> NotYet:
    if isinstance(error, NotImplementedError):
        return NotYet('this exercise is not done yet.', 'replace `raise NotImplementedError` with your code.')
    try:  # str() of a student's exception is student code too: it may raise or hang
        text = within(time_limit, lambda: f'{_class_name(error)}: {str(error)[:300]}'.rstrip(': '))
    except BaseException:  # noqa: B036 - anything at all: fall back to the bare class
        text = f'{_class_name(error)} (whose message could not be shown)'
    hint = hint or next((h for kind, h in CRASH_HINTS.items() if isinstance(error, kind)),
                        'call your function yourself on that input to see the whole traceback.')
    return NotYet(f'{who} raised {text}.', hint)


def _check_parameters(fn: Callable, args: dict, who: str) -> None:
    try:
        parameters = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (some built-ins): just call it
        return
    try:
        parameters.bind(*args.values())
    except TypeError:
        raise NotYet(f"{who} takes the parameters {parameters}, but the checker calls it with "
                     f"{_plural(len(args), 'argument')}: ({', '.join(args)}).",
                     f"define it with exactly {_plural(len(args), 'parameter')}: "
                     f"def name({', '.join(args)}): ...") from None


def within(seconds: float | None, thunk: Callable):
    """``thunk()``, interrupted by ``_OutOfTime`` after ``seconds``: by SIGALRM in the main thread on Unix, else by
    running it in a worker thread that is sent the exception (CPython) and left behind if it still runs."""
    if seconds is None:
        return thunk()
    if (hasattr(signal, 'setitimer') and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) is not None):
        return _with_alarm(seconds, thunk)
    return _in_worker(seconds, thunk)


def _with_alarm(seconds: float, thunk: Callable):
    """``within()`` by a SIGALRM timer; the previous handler and timer (minus the time spent) are restored."""
    state = {'active': True, 'fired': False}

    def on_alarm(signum, frame):
        if not state['active']:
            return
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # knock again, in case the student's code swallows it
        if frame is not None and frame.f_code is _with_alarm.__code__:
            return  # in this function's own bookkeeping: the student's code has finished
        state['fired'] = True
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        result = thunk()
    except BaseException:  # noqa: B036 - after a timeout, whatever the code did next is still a timeout
        if not state['fired']:
            raise
    finally:
        state['active'] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # someone else's timer was running: let it go off when it would have (or now)
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - started), 1e-6), outer_interval)
    if state['fired']:  # the code caught _OutOfTime and went on: it still ran out of time
        raise _OutOfTime
    return result


def _in_worker(seconds: float, thunk: Callable):
    """``within()`` where there is no SIGALRM (Windows) or off the main thread: run ``thunk`` in a daemon thread."""
    box = {}

    def work():
        try:
            box['result'] = thunk()
        except BaseException as error:  # noqa: B036 - handed to the caller, which reports it
            box['error'] = error
    worker = threading.Thread(target=work, name='student code', daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        try:  # CPython checks for this between bytecodes, so a pure-Python loop stops soon after
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_OutOfTime))
        except AttributeError:  # not CPython: the thread keeps running in the background
            pass
        raise _OutOfTime
    if 'error' in box:
        raise box['error']
    return box['result']


# ---- validating what student code gave -------------------------------------------------------------------

def _kind(value) -> str:
    """A short description of a student's value that calls none of its methods (no repr)."""
    kind = type(value)
    if value is None or kind in (int, float, bool):
        return repr(value)
    if kind is str:
        return f"the string {value[:40]!r}{'...' if len(value) > 40 else ''}"
    if kind in (list, tuple, dict, set):
        return f"a {kind.__name__} of {_plural(len(value), 'item')}"
    if isinstance(value, Value):
        return 'a Value'
    name = _class_name(value)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _class_name(value) -> str:
    return type.__dict__['__name__'].__get__(type(value))  # the real name, whatever a metaclass says


def _plural(count: int, word: str, plural: str = '') -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _number(value, subject: str, hint: str = 'return one plain number (a float).') -> float:
    """``value`` as a finite float (a Value counts as its .data), or NotYet saying what it is instead."""
    if isinstance(value, Value):
        value = value.data
    if value is None:
        if subject.endswith('returned'):
            raise NotYet(f'{subject} None.', f'did you forget `return`? {hint[:1].upper()}{hint[1:]}')
        raise NotYet(f'{subject} None, not a number.', hint)
    if isinstance(value, str):
        raise NotYet(f'{subject} {_kind(value)}, not a number.', 'write the number without quotes.')
    if isinstance(value, complex):
        raise NotYet(f'{subject} a complex number.',
                     f'a negative number to a fractional power is complex in Python; {hint}')
    if not isinstance(value, numbers.Real):
        raise NotYet(f'{subject} {_kind(value)}, not a number.', hint)
    try:
        number = float(value)
    except OverflowError:
        raise NotYet(f'{subject} a number too large for a float.', hint) from None
    if math.isnan(number):
        raise NotYet(f'{subject} nan (not a number).',
                     'nan comes from 0/0, inf - inf or 0 * inf: look for one of those.')
    if math.isinf(number):
        raise NotYet(f'{subject} {number} (infinite).',
                     'look for a division by (nearly) 0 or math.exp of a large number.')
    return number


def _value(value, subject: str, hint: str) -> Value:
    """``value`` itself if it is a Value, else NotYet saying what it is instead."""
    if isinstance(value, Value):
        return value
    forgot = 'did you forget `return`? ' if value is None else ''
    plain = ' (a plain number)' if isinstance(value, numbers.Number) else ''
    raise NotYet(f'{subject} {_kind(value)}{plain}, but it must return a Value.', forgot + hint)


# ---- 1. local derivatives ---------------------------------------------------------------------------

# the ops whose local derivative a student writes, from the op table (each op's hint names its rule)
OPS: dict[str, Op] = {**{name: FUNCTIONS[name] for name in ('tanh', 'sigmoid', 'relu', 'exp', 'silu', 'gelu')},
                      'square': power_op(2)}


def on_value(op: Op) -> Callable[[Value], Value]:
    """The table's ``op`` as a function of one Value: ``on_value(OPS['tanh'])(x)`` is ``x.tanh()``."""
    return lambda x: Value.apply(op, x)


@checker
def check_local_derivative(op: str, derivative: Callable[[float], float],
                           time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Does ``derivative(x)`` equal d op(x)/dx at several points? ``op`` is a name in ``OPS``."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; choose one of {', '.join(OPS)}")
    for x in POINTS:
        expected = analytic_grad(on_value(OPS[op]), [x])[0]
        given = run_student(derivative, {'x': x}, f'at x = {x} your derivative', _number,
                            'return one plain number (a float).', time_limit)
        if not close(given, expected):
            numeric = numerical_grad(on_value(OPS[op]), [x])[0]
            sign = ' It has the right size but the wrong sign.' if close(given, -expected) else ''
            raise NotYet(f"at x = {x} your derivative gives {given:.4f}, but d {op}/dx = {expected:.4f} "
                         f"(finite differences: {numeric:.4f}).{sign}", OPS[op].hint)
    return CheckResult(True, f'your d {op}/dx matches at x = {", ".join(map(str, POINTS))}.')


# ---- 2. a new op on Value -----------------------------------------------------------------------------

NODE_SHAPE = "Value(data, (x,), 'name', (local_derivative,))"


@checker
def check_new_op(op: Callable[[Value], Value], reference: Callable[[float], float], name: str = 'your op',
                 time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Is ``op(x)`` a Value with the right data, ``x`` itself as a child, and a local derivative that matches
    finite differences of ``reference`` (the plain-float function)?"""
    for x in POINTS:
        leaf = Value(x, label='x')
        who = f'at x = {x} {name}'
        out = run_student(op, {'x': leaf}, who, _value, f'build the result as {NODE_SHAPE}.', time_limit)
        expected = reference(x)
        local_count, child_count = guarded(lambda: _check_node(out, leaf, expected, who, name), who, time_limit)
        leaf.grad = 0.0
        guarded(out.backward, f'at x = {x} the backward pass through {name}', time_limit,
                crash_hint=f'store one number per child as its local derivative: {NODE_SHAPE}.')
        grad = guarded(lambda: _number(leaf.grad, f'at x = {x}, after backward, x.grad is',
                                       'store plain numbers as the local derivatives.'), who, time_limit)
        numeric = numerical_grad(lambda v: Value(reference(v.data)), [x])[0]
        if not close(grad, numeric):
            if local_count != child_count:
                raise NotYet(f"{name} stores {_plural(local_count, 'local derivative')} for "
                             f"{_plural(child_count, 'child', 'children')}.",
                             'give one d out/d child per child, in the same order as the children.')
            sign = ' It has the right size but the wrong sign.' if close(grad, -numeric) else ''
            raise NotYet(f'at x = {x} the gradient through {name} is {grad:.4f}, but finite differences give '
                         f'{numeric:.4f}.{sign}',
                         'the local derivative you store must be d out/dx evaluated at this x.')
    return CheckResult(True, f'{name} computes the right values and gradients (checked against finite differences).')


def _check_node(out: Value, leaf: Value, expected: float, who: str, name: str) -> tuple[int, int]:
    """Check the data and the children of the student's node; return (number of local derivatives, of children)."""
    data = _number(out.data, f"{who} gives a Value whose data is", 'compute the data as a number from x.data.')
    if not close(data, expected):
        raise NotYet(f'{who} gives {data:.4f}, but the function is {expected:.4f}.',
                     'compute the data from x.data with the function itself.')
    children = out._prev
    if type(children) not in (tuple, list, set, frozenset):
        raise NotYet(f"{name}'s children (_prev) are {_kind(children)}, not a tuple.", f'pass (x,): {NODE_SHAPE}.')
    children = tuple(children)
    if not any(child is leaf for child in children):  # identity: a copy of x is another node
        copies = [c for c in children if isinstance(c, Value) and type(c.data) is float and c.data == leaf.data]
        numbers_ = [c for c in children if isinstance(c, numbers.Number)]
        problem = f"{name}'s result does not list x among its children"
        if copies:
            raise NotYet(f'{problem}: its child is a new Value with the same data as x, not x itself.',
                         'pass x itself, (x,): a copy such as Value(x.data) is another node, so no gradient reaches x.')
        if numbers_:
            raise NotYet(f'{problem}: _prev holds the number {_kind(numbers_[0])} instead of the Value x.',
                         'pass the Value x, not x.data: (x,).')
        held = 'is empty' if not children else f"holds {', '.join(_kind(c) for c in children)}"
        raise NotYet(f'{problem}: _prev {held}.',
                     f'pass (x,) as the children so gradients can flow back to x: {NODE_SHAPE}.')
    local_grads = getattr(out, '_local_grads', ())
    if local_grads is None and '_backward' not in own_attributes(out):
        raise NotYet(f"{name} stores 0 local derivatives for {_plural(len(children), 'child', 'children')} and has "
                     "no _backward of its own, so no gradient can flow back to x.",
                     f"store one number per child as its local derivative: {NODE_SHAPE}, or, micrograd-style, "
                     "assign out._backward = a function that adds to x.grad.")
    return (len(local_grads) if type(local_grads) in (tuple, list) else -1), len(children)


# ---- 3. gradients of a small graph, by hand ------------------------------------------------------------

def lecture_graph() -> tuple[Value, dict[str, Value]]:
    """The graph to fill in by hand: e = a*b, d = e + c, L = d*f, g = 4*a (a is used twice), M = L + g."""
    a, b, c, f = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c'), Value(-2.0, label='f')
    e = a * b
    e.label = 'e'
    d = e + c
    d.label = 'd'
    L = d * f
    L.label = 'L'
    g = 4 * a
    g.label = 'g'
    M = L + g
    M.label = 'M'
    return M, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L, g=g, M=M)


@checker
def check_grads_by_hand(answers: dict[str, float], time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Compare hand-computed ``{'a': dM/da, ...}`` for ``lecture_graph()`` with backprop; explain mistakes."""
    names = list(lecture_graph()[1])
    given = guarded(lambda: _read_answers(answers, names), 'reading your answers', time_limit)
    wrong = first_wrong_gradient(given)
    if wrong:
        name, given, expected, hint = wrong
        raise NotYet(f'dM/d{name}: you gave {given:g}, but it is {expected:g}.', hint)
    return CheckResult(True, 'every gradient is right, including a, which collects a contribution from each of its two uses.')


def _read_answers(answers, names: list[str]) -> dict[str, float]:
    """``answers`` as ``{name: float}`` for every node name, or NotYet naming what is missing, unknown or no number."""
    example = f"dict({', '.join(f'{name}=...' for name in names)})"
    if not isinstance(answers, Mapping):
        raise NotYet(f'the answers should be a dict, but they are {_kind(answers)}.',
                     f'write {example}, one number per node.')
    entries = dict(answers.items())
    unknown = [repr(key) if type(key) is str else _kind(key)
               for key in entries if type(key) is not str or key not in names]
    missing = [name for name in names if entries.get(name) is None]
    if missing or unknown:
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"not nodes of the graph: {', '.join(unknown)}"] if unknown else [])
        raise NotYet(f"give a gradient for every node; {'; '.join(parts)}.",
                     f"the nodes are {', '.join(names)} (names are case-sensitive): {example}.")
    return {name: _number(entries[name], f'dM/d{name} is', 'write one number per node, e.g. a=1.5.') for name in names}


def first_wrong_gradient(given: dict[str, float]) -> tuple[str, float, float, str] | None:
    """The first node of ``lecture_graph()`` whose ``given`` gradient is wrong, as (name, given, expected,
    hint naming the typical mistake), or None when all are right."""
    out, nodes = lecture_graph()
    out.backward()
    for name, node in nodes.items():
        if not close(given[name], node.grad):
            paths = [p.product for p in (explain(out, node).paths or [])]
            return name, given[name], node.grad, _gradient_hint(name, nodes, given[name], paths)
    return None


def _gradient_hint(name: str, nodes: dict[str, Value], given: float, paths: list[float]) -> str:
    """Name the typical mistake behind a wrong gradient of ``nodes[name]``."""
    node = nodes[name]
    if len(paths) > 1 and any(close(given, p) for p in paths):
        return (f'you wrote = where the chain rule needs +=: {name} is used {len(paths)} times, so its gradient is the '
                f"sum of one contribution per use ({' + '.join(f'{p:g}' for p in paths)}).")
    if close(given, -node.grad):
        return 'right size, wrong sign: check the sign of each local derivative on the way.'
    edges = [(parent, local) for parent, value in nodes.items()
             for child, local in zip(value._prev, value._local_grads) if child is node]
    for parent, local in edges:
        if close(given, local):
            return (f'that is the local derivative d{parent}/d{name} only: multiply it by the gradient arriving '
                    f'from above (the chain rule: dM/d{name} = dM/d{parent} * d{parent}/d{name}).')
    return 'work backwards from M: dM/dM = 1, and each node passes gradient * local derivative to its children.'


# ---- 4. a neuron's forward pass ---------------------------------------------------------------------------

NEURON_CASES = [([2.0, 3.0], [0.5, -1.0], 0.2), ([1.0, 2.0], [1.0, 0.5], 0.1), ([-1.0, 0.5], [0.3, 0.8], -0.4)]


@checker
def check_neuron_forward(forward: Callable[[list[float], list[float], float], float], activation: str = 'relu',
                         time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Does ``forward(x, w, b)`` compute ``activation(w . x + b)``? (a float, or a Value read by its .data)."""
    act = on_value(OPS[activation])
    for x, w, b in NEURON_CASES:
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        expected = act(Value(z)).data
        given = run_student(forward, {'x': list(x), 'w': list(w), 'b': b}, f'for x = {x}, w = {w}, b = {b} your neuron',
                            _number, f'return one number: {activation}(w . x + b).', time_limit)
        if close(given, expected):
            continue
        no_bias = act(Value(z - b)).data
        if close(given, z):
            hint = f'that is z = w . x + b before the activation: apply {activation} to it.'
        elif close(given, no_bias):
            hint = 'the bias is missing: z = w1*x1 + w2*x2 + b.'
        else:
            hint = f'compute z = w1*x1 + w2*x2 + b, then {activation}(z).'
        raise NotYet(f'for x = {x}, w = {w}, b = {b} you gave {given:.4f}, but {activation}(w . x + b) = '
                     f'{expected:.4f}.', hint)
    return CheckResult(True, f'your neuron computes {activation}(w . x + b) for every test case.')


# ---- 5. a backward pass with a reused node ------------------------------------------------------------------

@checker
def check_backward(backward: Callable[[Value], None], time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Does the student's ``backward(root)`` fill every ``.grad`` like ``root.backward()``? The test graph uses
    a node twice, which catches ``=`` where ``+=`` is needed."""
    out, nodes = lecture_graph()
    run_student(backward, {'root': out}, 'your backward', None, '', time_limit)
    hint = 'every .grad must be a number: start from 0.0 and add (+=) local derivative * the gradient from above.'
    grads = guarded(lambda: {name: _number(node.grad, f'after your backward, {name}.grad is', hint)
                             for name, node in nodes.items()}, 'reading the gradients your backward set', time_limit)
    wrong = first_wrong_gradient(grads)
    if wrong:
        name, given, expected, hint = wrong
        raise NotYet(f'after your backward, {name}.grad = {given:g}, but it should be {expected:g}.', hint)
    return CheckResult(True, 'your backward pass gives the same gradients as micrograd_ext, reused node included.')


# ---- 6. picking a learning rate -------------------------------------------------------------------------------

@checker
def check_learning_rate(lr: float, steps: int = 30, time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Minimise (w - 3)**2 from w = 0 with plain gradient descent at ``lr``: does it converge in ``steps`` steps?
    The verdict reads the whole trajectory: crawling, converging, oscillating in place, or diverging."""
    rate = guarded(lambda: _number(lr, 'the learning rate is', 'set it to a positive number, e.g. '
                                   'learning_rate = 0.01.'), 'reading your learning rate', time_limit)
    if rate <= 0:
        raise NotYet(f'lr = {rate:g} does not go downhill: the update is w -= lr * grad.', 'lr must be positive.')
    errors = descent_errors(rate, steps)
    first, final = errors[0] * errors[0], errors[-1] * errors[-1]  # * gives inf where ** would raise
    pairs = list(zip(errors, errors[1:]))
    overshoots = sum(before * after < 0 for before, after in pairs)  # w jumped over the minimum w = 3
    if final <= 1e-3:
        note = ', overshooting the minimum at each step but by less each time' if overshoots else ''
        return CheckResult(True, f'lr = {rate:g} brings the loss from {first:.1f} to {final:.2e} in {steps} '
                                 f'steps{note}.')
    if not overshoots and final >= first * 0.5:
        raise NotYet(f'with lr = {rate:g} the loss only went from {first:.3f} to {final:.3f} in {steps} steps: '
                     'too slow.',
                     'the learning rate is too small: try a larger one.')
    if not overshoots:
        raise NotYet(f'with lr = {rate:g} the loss is {final:.4f} after {steps} steps: it is still on its way.',
                     'a bit larger learning rate converges.')
    if abs(errors[-1]) > abs(errors[0]):
        raise NotYet(f'with lr = {rate:g} the loss grew from {first:.1f} to {final:.6g} in '
                     f'{_plural(len(pairs), "step")}: each step overshoots the minimum by more than the last, so it '
                     'diverges.',
                     'the learning rate is too large: try a smaller one.')
    if all(abs(after) >= abs(before) for before, after in pairs):
        raise NotYet(f'with lr = {rate:g} w jumps between {errors[-2] + 3:g} and {errors[-1] + 3:g} and the loss '
                     f'stays at {final:.6g}: it oscillates around the minimum without converging.',
                     'the learning rate is too large: try a smaller one.')
    raise NotYet(f'with lr = {rate:g} the loss is {final:.4f} after {steps} steps: w overshoots the minimum at every '
                 'step, so it oscillates around it and converges only slowly.',
                 'the learning rate is a bit too large: a bit smaller converges.')


def descent_errors(lr: float, steps: int) -> list[float]:
    """w - 3 at the start and after each of ``steps`` gradient-descent steps on (w - 3)**2 from w = 0."""
    w = Value(0.0, label='w')
    errors = [w.data - 3]
    for _ in range(steps):
        loss = (w - 3) ** 2
        w.grad = 0.0
        loss.backward()
        w.data -= lr * w.grad
        errors.append(w.data - 3)
        if not abs(errors[-1]) < 1e100:  # diverged: stop before the square overflows
            break
    return errors
