"""Token ids in a compiled step: integer arguments are indices, and picking with them is recorded as a gather.

While ``compiled()`` records, an integer argument (a token id, a list or an integer array of them) reaches the
function as ``Index`` objects. ``pick(values, i)`` and ``gather(rows, i)`` (what ``Embedding`` and ``Rows`` do)
then make ``gather`` nodes, which a replay recomputes with the new ids. With plain ints they simply index, so
the same code runs eagerly at full speed.

>>> from micrograd_ext import Value
>>> table = Rows([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]])
>>> [v.data for v in table[1]]
[3.0, 4.0]
>>> pick([Value(5.0), Value(6.0)], 0).data
5.0
"""
from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence

from ..core.engine import Value
from ..core.modes import stacklevel_outside
from ..core.ops import GATHER

__all__ = ['Index', 'Rows', 'pick', 'gather', 'IndexWarning']


class IndexWarning(UserWarning):
    """While recording, a token id was used where the replay cannot follow it (it would keep the recorded id)."""


class Index:
    """An integer argument of a step being recorded: ``value`` is the example's id, ``leaf`` its argument slot.

    Pick with it (``pick``, ``gather``, an ``Embedding``, ``Rows``, ``cross_entropy``): used as a plain Python
    index (``probs[target]``) it works, with an ``IndexWarning``, and the replay keeps the recorded element.
    """

    __slots__ = ('value', 'leaf')

    def __init__(self, value: int, leaf: Value):
        self.value, self.leaf = value, leaf

    def __index__(self) -> int:
        warnings.warn(IndexWarning(
            f"the token id {self.value} (an argument of the recorded step) indexes a plain list or a number is "
            "read from it: every replay keeps this element. Pick with it instead: pick(values, i), gather(rows, i), "
            "an Embedding, Rows(table)[i] or cross_entropy(logits, i)"), stacklevel=stacklevel_outside())
        return self.value

    __int__ = __index__

    def _not_a_number(self, *other):
        raise TypeError(f"the token id {self.value} is an index, not a number: a compiled step treats integer "
                        "arguments as token ids. Pick with it (pick, gather, an Embedding), or pass numbers as floats, "
                        "e.g. np.asarray(x, dtype=float)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _not_a_number
    __pow__ = __rpow__ = __neg__ = __float__ = __lt__ = __le__ = __gt__ = __ge__ = _not_a_number

    def __repr__(self) -> str:
        return f'Index({self.value})'


_recording = threading.local()  # .plain: warn when a plain int picks (the step being recorded has no int arguments)


def pick(values: Sequence, index) -> Value:
    """``values[index]``; with an ``Index`` (a compiled step's token id) a ``gather`` node that a replay recomputes.

    >>> pick([Value(1.0), Value(2.0)], 1)
    Value(data=2.0, grad=0.0)
    """
    if isinstance(index, Index):
        return Value.apply(GATHER, index.leaf, *values)
    _note_plain(index)
    return values[index]


def gather(rows: Sequence[Sequence], index) -> list[Value]:
    """Row ``index`` of a table (a list of rows of Values): one ``pick`` per column.

    >>> [v.data for v in gather([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]], 0)]
    [1.0, 2.0]
    """
    if isinstance(index, Index):
        return [Value.apply(GATHER, index.leaf, *column) for column in zip(*rows)]
    _note_plain(index)
    return list(rows[index])


def _note_plain(index) -> None:
    if getattr(_recording, 'plain', False):
        _recording.plain = False  # once per recording
        warnings.warn(IndexWarning(
            f"a table is indexed with the plain number {index!r} while a step without integer arguments is recorded: "
            "every replay keeps this row. If it is a token id read from outside the function, pass the ids as an "
            "argument instead: step = compiled(fn, token_ids)"), stacklevel=stacklevel_outside())


class Rows(list):
    """A table of rows of Values marked for compiled steps: ``table[i]`` is ``gather(table, i)``.

    >>> wte = Rows([[Value(0.5)], [Value(-0.5)]])
    >>> wte[1]
    [Value(data=-0.5, grad=0.0)]
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Rows(list.__getitem__(self, index))
        if isinstance(index, Index):
            return gather(self, index)
        _note_plain(index)
        return list.__getitem__(self, index)
