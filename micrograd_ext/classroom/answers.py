"""What crosses from a student's kernel to the grader: plain data, never an object of the student's.

The kernel turns each answer into JSON-ready data (``plain``); the grader reads it back (``unplain``) into
exact ``int``, ``float``, ``str``, ``bool``, ``None``, ``list``, ``dict`` and a NumPy array of those, plus two
stand-ins: ``...`` (the starter's placeholder) and ``Described`` (an object that is no plain data, known only by what it is). So a
float subclass whose ``__eq__`` always says yes arrives as the float it holds, and a Value as its ``.data``.

>>> unplain(plain([1, 2.5, (3, None)]))
[1, 2.5, [3, None]]
>>> unplain(plain({'a': ..., 'b': object()}))
{'a': Ellipsis, 'b': an object}
>>> class Liar(float):
...     def __eq__(self, other): return True
>>> type(unplain(plain(Liar(0.5))))
<class 'float'>

Code exercises report observations: what the student's function gave on each input the grader chose,
``observed(thunk)`` in the kernel and ``taken(observation)`` in the grader, which raises the kernel's "not
yet" (a crash, a timeout, a wrong kind) or gives the plain value.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.engine import Value
from .student_code import Described, NotYet, kind_of

MAX_ITEMS = 10_000  # longer lists, dicts and strings are described, not sent
MAX_DEPTH = 8
MAX_TEXT = 2_000
RERUN = 'run your notebook from the top (Restart & Run All) and make sure it finishes without errors.'


def plain(value, depth: int = 0):
    """``value`` as JSON-ready data (runs in the kernel; see the module docstring)."""
    if isinstance(value, Value):
        value = value.data
    kind = type(value)
    if value is None or kind in (bool, str, int, float):
        return value[:MAX_TEXT] if kind is str else value
    if value is Ellipsis:
        return {'placeholder': '...'}
    if kind.__module__ == 'numpy' and hasattr(value, 'ravel') and getattr(value, 'size', MAX_ITEMS + 1) <= MAX_ITEMS:
        items = value.ravel().tolist()  # an array of any shape, read as its entries (a (2, 1) column counts too)
        return {'array': [plain(item, depth + 1) for item in items]} if value.ndim else plain(items[0], depth)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)):  # a subclass: only the number it holds crosses
        return (float if isinstance(value, float) else int)(value)
    if isinstance(value, complex):
        return {'complex': [value.real, value.imag]}
    if depth < MAX_DEPTH and isinstance(value, (list, tuple)) and len(value) <= MAX_ITEMS:
        return [plain(item, depth + 1) for item in value]
    if depth < MAX_DEPTH and isinstance(value, dict) and len(value) <= MAX_ITEMS:
        return {'mapping': [[plain(key, depth + 1), plain(item, depth + 1)] for key, item in value.items()]}
    return {'described': kind_of(value)}


def unplain(data):
    """Plain data from a kernel as exact Python values (runs in the grader; anything unexpected is Described)."""
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [unplain(item) for item in data]
    if kind is dict and len(data) == 1:
        (tag, content), = data.items()
        if tag == 'placeholder':
            return Ellipsis
        if tag == 'array' and type(content) is list:
            import numpy as np
            array = np.empty(len(content), dtype=object)  # its entries as they came: read_answer reads each
            array[:] = [unplain(item) for item in content]
            return array
        if tag == 'complex' and type(content) is list and len(content) == 2 and all(
                type(part) in (int, float) for part in content):
            return complex(*content)
        if tag == 'mapping' and type(content) is list and all(type(pair) is list and len(pair) == 2 for pair in content):
            pairs = [(unplain(key), unplain(item)) for key, item in content]
            if all(isinstance(key, (str, int, float, bool, type(None))) for key, _ in pairs):
                return dict(pairs)
        if tag == 'described' and type(content) is str:
            return Described(content[:200])
    return Described('something the checker cannot read')


def observed(thunk: Callable[[], object]) -> dict:
    """``{'value': plain(thunk())}``, or ``{'problem': ...}`` with the "not yet" the thunk raised (in the kernel)."""
    try:
        return {'value': plain(thunk())}
    except NotYet as verdict:
        return {'problem': verdict.message[:MAX_TEXT]}


def taken(observation, who: str):
    """The value in an ``observed`` result, or the NotYet it carries (in the grader); ``who`` names the call."""
    if type(observation) is dict and type(observation.get('problem')) is str:
        problem, _, hint = observation['problem'].partition('\nHint: ')
        raise NotYet(problem, hint or 'run your code on that input yourself to see what happens.')
    if type(observation) is dict and 'value' in observation:
        return unplain(observation['value'])
    raise NotYet(f'the checker got no answer from {who}.', RERUN)


def observations(call: Callable[[Any], object], inputs: Sequence) -> list[dict]:
    """``observed(call(item))`` for each item of ``inputs``, up to the first problem (run beside the
    student's code: a problem ends the verdict, so the rest need not run)."""
    found: list[dict] = []
    for item in inputs:
        found.append(observed(lambda: call(item)))
        if 'problem' in found[-1]:
            break
    return found


def paired(inputs: Sequence, found: object) -> list[tuple[Any, object]]:
    """Each input with its observation, None where the kernel sent none (``taken`` says so)."""
    found = found if type(found) is list else []
    return [(item, found[i] if i < len(found) else None) for i, item in enumerate(inputs)]
