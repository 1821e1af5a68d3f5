"""Running a student's code safely, and reading what it gave: the ground every checker stands on.

Student code cannot crash, hang or fool a checker: every piece of it runs through ``run_student`` /
``guarded``, which stop it after ``time_limit`` seconds (``TIME_LIMIT`` by default) and turn an exception, a
timeout or an answer of the wrong kind (None, a string, a list, nan, inf...) into a ``NotYet`` verdict with a
hint. Wherever a number is expected, a ``Value`` counts as its ``.data`` (``as_number``); where a Value is
expected, a number does not (``as_value``).

>>> @checker
... def check_half(answer) -> CheckResult:
...     given = as_number(answer, 'your answer is')
...     if not close(given, 0.5):
...         raise NotYet(f'you gave {given:g}, but it is 0.5.', 'divide 1 by 2.')
...     return CheckResult(True, 'that is a half.')
>>> print(check_half('0.5'))
not yet: your answer is the string '0.5', not a number.
Hint: write the number without quotes.
>>> check_half(0.5).passed
True
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
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ..core.engine import Value

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
    (``as_number``, ``as_value`` or None for anything). ``who`` starts each message, e.g. 'at x = 0.3 your derivative'."""
    if not callable(fn):
        raise NotYet(f'{who} should be a function, but it is {kind_of(fn)}.',
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
        text = within(time_limit, lambda: f'{class_name(error)}: {str(error)[:300]}'.rstrip(': '))
    except BaseException:  # noqa: B036 - anything at all: fall back to the bare class
        text = f'{class_name(error)} (whose message could not be shown)'
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
                     f"{plural(len(args), 'argument')}: ({', '.join(args)}).",
                     f"define it with exactly {plural(len(args), 'parameter')}: "
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
            ident = cast(int, worker.ident)  # None only before the thread starts
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(_OutOfTime))
        except AttributeError:  # not CPython: the thread keeps running in the background
            pass
        raise _OutOfTime
    if 'error' in box:
        raise box['error']
    return box['result']


# ---- validating what student code gave -------------------------------------------------------------------

class Described:
    """A student's answer known only by its description ('a function', 'a set of 3 items'): what the grader gets in
    place of an object that is no plain data (``answers.plain``)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind


def kind_of(value) -> str:
    """A short description of a student's value that calls none of its methods (no repr)."""
    kind = type(value)
    if kind is Described:
        return value.kind
    if value is None or kind in (int, float, bool):
        return repr(value)
    if kind is str:
        return f"the string {value[:40]!r}{'...' if len(value) > 40 else ''}"
    if kind in (list, tuple, dict, set):
        return f"a {kind.__name__} of {plural(len(value), 'item')}"
    if isinstance(value, Value):
        return 'a Value'
    name = class_name(value)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def class_name(value) -> str:
    return type.__dict__['__name__'].__get__(type(value))  # the real name, whatever a metaclass says


def plural(count: int, word: str, plural: str = '') -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def as_number(value, subject: str, hint: str = 'return one plain number (a float).') -> float:
    """``value`` as a finite float (a Value counts as its .data), or NotYet saying what it is instead."""
    if isinstance(value, Value):
        value = value.data
    if value is Ellipsis:
        raise NotYet(f'{subject} ..., the placeholder: this exercise is not done yet.', 'replace ... with your answer.')
    if value is None:
        if subject.endswith('returned'):
            raise NotYet(f'{subject} None.', f'did you forget `return`? {hint[:1].upper()}{hint[1:]}')
        raise NotYet(f'{subject} None, not a number.', hint)
    if isinstance(value, str):
        raise NotYet(f'{subject} {kind_of(value)}, not a number.', 'write the number without quotes.')
    if isinstance(value, complex):
        raise NotYet(f'{subject} a complex number.',
                     f'a negative number to a fractional power is complex in Python; {hint}')
    if isinstance(value, bool):
        raise NotYet(f'{subject} {value}, a truth value, not a number.', hint)
    if getattr(value, 'shape', None) == () and hasattr(value, 'item'):  # a NumPy scalar or 0-d array
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise NotYet(f'{subject} {kind_of(value)}, not a number.', hint)
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


def as_value(value, subject: str, hint: str) -> Value:
    """``value`` itself if it is a Value, else NotYet saying what it is instead."""
    if isinstance(value, Value):
        return value
    forgot = 'did you forget `return`? ' if value is None else ''
    plain = ' (a plain number)' if isinstance(value, numbers.Number) else ''
    raise NotYet(f'{subject} {kind_of(value)}{plain}, but it must return a Value.', forgot + hint)
