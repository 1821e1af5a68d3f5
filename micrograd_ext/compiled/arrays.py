"""Values whose numbers live in NumPy arrays, so that a compiled step and an optimizer can read and update all of
them in a few array operations, while ``v.data`` and ``v.grad`` still read and write each Value's own number.

>>> from micrograd_ext import Value
>>> w, b = Value(0.5), Value(-1.0)
>>> arrays = ValueArrays([w, b])
>>> arrays.data *= 2; w.data              # w reads its element: a Python float
1.0
>>> (w * 3 + b).backward(); arrays.grad   # eager ops still work, and backward() fills the arrays
array([3., 1.])
>>> arrays.release(); type(w).__name__, w.data, w.grad
('Value', 1.0, 3.0)

How: binding switches a Value's class to a subclass of its own class (cached, with no slots of its own, so the
object keeps its layout and ``isinstance(p, Parameter)`` still holds) whose ``data`` and ``grad`` are properties
that read the arrays. Where the Value's numbers are is kept in its own ``data`` slot, which those properties hide:
``vars(v)`` shows nothing new, and Values that were never bound are not touched at all. A Value is bound to one
``ValueArrays`` at a time; ``arrays_for(values)`` binds those that are not yet and says where all of them are.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.compiled')

import numpy as np

from ..core.engine import Value
from ..core.nodes import as_float

__all__ = ['ValueArrays', 'Group', 'Locations', 'arrays_for', 'locate', 'arrays_of', 'is_bound']

# Bumped whenever Values are bound or released: whoever keeps Locations (an optimizer) compares it to know when to
# look again.
generation = 0

_DATA_SLOT = Value.__dict__['data']  # the slot a bound Value's ``data`` property hides: where its numbers are
_UNBOUND: dict[type, type] = {}  # bound class -> the Value class it was made from
_BOUND: dict[type, type] = {}  # Value class -> its bound class

Index = Union[slice, np.ndarray]  # a run of positions as a slice (a view, no copy), else an array of them


def _get_data(self) -> float:
    where = self._where  # (data memoryview, grad memoryview, index, arrays)
    return where[0][where[2]]  # a memoryview of float64 reads a Python float


def _set_data(self, number) -> None:
    try:
        where = self._where
    except AttributeError:  # a blank object of this class (copy.deepcopy's graph copy): it becomes an ordinary Value
        self.__class__ = _UNBOUND[type(self)]
        self.data = number
        return
    where[0][where[2]] = number if type(number) is float else as_float(number)


def _get_grad(self) -> float:
    where = self._where
    return where[1][where[2]]


def _set_grad(self, number) -> None:
    try:
        where = self._where
    except AttributeError:
        self.__class__ = _UNBOUND[type(self)]
        self.grad = number
        return
    where[1][where[2]] = number if type(number) is float else as_float(number)


def _reduce_ex(self, protocol: int):
    """Pickles and ``copy.copy`` of a bound Value are ordinary Values of its own class, with its numbers."""
    cls = _UNBOUND[type(self)]
    slots = {name: getattr(self, name) for name in _slot_names(cls) if hasattr(self, name)}
    return _blank, (cls,), (self.__dict__ or None, slots)


def _blank(cls: type):
    """A new object of ``cls`` (pickling's ``copyreg.__newobj__`` insists on the object's own class)."""
    return object.__new__(cls)


def _slot_names(cls: type) -> list[str]:
    return [name for klass in cls.__mro__ for name in vars(klass).get('__slots__', ())
            if name not in ('__dict__', '__weakref__')]


def bound_class(cls: type) -> type:
    """The class a Value of class ``cls`` has while bound (made once per class).

    >>> bound_class(Value).__name__, issubclass(bound_class(Value), Value)
    ('Value', True)
    """
    if cls in _UNBOUND:
        return cls
    if cls not in _BOUND:
        bound = type(cls.__name__, (cls,), {
            '__slots__': (), '__module__': __name__, '__doc__': f"A {cls.__name__} with its numbers in a ValueArrays.",
            '_where': _DATA_SLOT,  # the hidden data slot under another name: (data view, grad view, index, arrays)
            'data': property(_get_data, _set_data, doc="This Value's element of its arrays' data."),
            'grad': property(_get_grad, _set_grad, doc="This Value's element of its arrays' grad."),
            '__reduce_ex__': _reduce_ex})
        bound.__qualname__ = f'{cls.__qualname__} (in ValueArrays)'
        _BOUND[cls], _UNBOUND[bound] = bound, cls
    return _BOUND[cls]


def is_bound(value: Value) -> bool:
    """Whether ``value``'s numbers live in a ``ValueArrays``.

    >>> is_bound(Value(1.0))
    False
    """
    return type(value) in _UNBOUND


def arrays_of(value: Value) -> ValueArrays | None:
    """The ``ValueArrays`` that holds ``value``'s numbers, or None."""
    return value._where[3] if type(value) in _UNBOUND else None  # type: ignore[attr-defined]


def filled_in_place(attribute: str, doc: str) -> property:
    """A property for the array in ``attribute``: assigning to it copies the numbers in, so the array stays the
    same object (the bound Values read it)."""
    def read(self) -> np.ndarray:
        return getattr(self, attribute)

    def fill(self, numbers) -> None:
        array = getattr(self, attribute)
        if numbers is not array:
            array[...] = numbers
    return property(read, fill, doc=doc)


class ValueArrays:
    """Binds ``values``: afterwards ``arrays.data`` and ``arrays.grad`` (float64, one element per Value, in order)
    hold their numbers, and each Value's ``.data`` / ``.grad`` reads and writes its element. The arrays stay the
    same objects (``arrays.data -= ...`` and ``arrays.data = ...`` change them in place); ``release()`` gives the
    Values their numbers back.

    >>> x = Value(2.0); arrays = ValueArrays([x]); x.grad = 5; arrays.grad
    array([5.])
    """

    def __init__(self, values: Iterable[Value]):
        global generation
        values = list(values)
        check_values(values)
        taken = [k for k, v in enumerate(values) if type(v) in _UNBOUND]
        if taken:
            raise ValueError(f"value {taken[0]} of {len(values)} is already bound to a ValueArrays (a Value lives in "
                             "one at a time); arrays_for(values) finds the arrays of those bound already")
        classes = [bound_class(type(v)) for v in values]
        self._data = np.array([v.data for v in values], dtype=np.float64)
        self._grad = np.array([v.grad for v in values], dtype=np.float64)
        data_view, grad_view = self._data.data, self._grad.data  # memoryviews: indexing reads Python floats
        done = 0
        try:
            for k, (v, cls) in enumerate(zip(values, classes)):
                v.__class__ = cls
                done = k + 1
                _DATA_SLOT.__set__(v, (data_view, grad_view, k, self))
        except BaseException:
            for k in range(done):
                _restore(values[k], self._data.item(k), self._grad.item(k))
            raise
        self._values = values
        self.released = False
        # locate()'s latest answers, for lists whose first Value is here: (a copy of the list, its Locations or None)
        self._located: list[tuple[list[Value], Locations | None]] = []
        self._located_generation = generation + 1
        generation += 1

    data = filled_in_place('_data', "The Values' data, in order; the Values read it. Assigning copies into it.")
    grad = filled_in_place('_grad', "The Values' gradients, in order; assigning copies into it.")

    @property
    def values(self) -> tuple[Value, ...]:
        """The bound Values, in order (none after ``release()``)."""
        return tuple(self._values)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        state = 'released' if self.released else f"{len(self._values):,} Values"
        return f"<ValueArrays of {state}>"

    def release(self) -> None:
        """Write each Value's numbers back into it and give it its own class again; the arrays keep their numbers."""
        global generation
        for k, v in enumerate(self._values):
            _restore(v, self._data.item(k), self._grad.item(k))
        self._values, self.released = [], True
        self._located.clear()
        generation += 1

    def __reduce__(self):
        """Copies and pickles bind the copied Values into new arrays (``copy.deepcopy`` of an optimizer whose
        parameters are bound gives a twin whose parameters are bound)."""
        return ValueArrays, (list(self._values),)


def _restore(value: Value, data: float, grad: float) -> None:
    value.__class__ = _UNBOUND[type(value)]
    value.data, value.grad = data, grad


def check_values(values: list) -> None:
    """A ``TypeError`` for anything but Values, a ``ValueError`` for a Value given twice."""
    for k, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"ValueArrays binds Values, got {type(v).__name__} at position {k}")
    if len(set(map(id, values))) != len(values):
        raise ValueError("a Value appears twice in the list; bind (or locate) each Value once")


@dataclass(frozen=True)
class Group:
    """Some of the located Values, all in ``arrays``: those at ``positions`` of the list are at ``index`` there."""

    arrays: ValueArrays
    index: Index  # where in arrays.data / arrays.grad
    positions: Index  # which of the located Values (their positions in the list)


class Locations:
    """Where each of a list of bound Values has its numbers: one ``Group`` per ``ValueArrays`` they are in.

    Reads and writes take ``which`` = ``'data'`` or ``'grad'``. A ``RuntimeError`` once any of the arrays has
    been released (``valid`` is then False): locate the Values again.
    """

    def __init__(self, groups: Sequence[Group], size: int):
        self.groups = tuple(groups)
        self.size = size
        positions = self.groups[0].positions if len(self.groups) == 1 else None
        whole = isinstance(positions, slice) and positions == slice(0, size)
        self._whole = self.groups[0] if whole else None  # one group in the list's order: no positions to apply

    @property
    def valid(self) -> bool:
        """False once any of the arrays was released."""
        return not any(group.arrays.released for group in self.groups)

    def _check(self) -> None:
        if not self.valid:
            raise RuntimeError("these Values were released from their arrays (ValueArrays.release()); "
                               "locate them again: arrays_for(values)")

    def read(self, which: str = 'data') -> np.ndarray:
        """The Values' numbers in the list's order (a view into the arrays when they are one run there: do not
        change it)."""
        self._check()
        if self._whole is not None:
            return getattr(self._whole.arrays, which)[self._whole.index]
        out = np.empty(self.size)
        for group in self.groups:
            out[group.positions] = getattr(group.arrays, which)[group.index]
        return out

    def write(self, numbers: np.ndarray, which: str = 'data') -> None:
        """Set the Values' numbers to ``numbers`` (in the list's order)."""
        self._check()
        for group in self.groups:
            getattr(group.arrays, which)[group.index] = numbers[group.positions]

    def fill(self, number: float, which: str = 'grad') -> None:
        """Set every Value's number to ``number`` (``fill(0.0)``: zero the gradients)."""
        self._check()
        for group in self.groups:
            getattr(group.arrays, which)[group.index] = number

    def read_into(self, out: np.ndarray, slots: np.ndarray) -> None:
        """``out[slots[k]] = values[k].data`` for every k, as array operations."""
        self._check()
        if self._whole is not None:
            out[slots] = self._whole.arrays.data[self._whole.index]
            return
        for group in self.groups:
            out[slots[group.positions]] = group.arrays.data[group.index]

    def add_grads(self, grads: Sequence[float] | np.ndarray) -> None:
        """``values[k].grad += grads[k]`` for every k, as array operations."""
        self._check()
        grads = np.asarray(grads, dtype=np.float64)
        for group in self.groups:
            group.arrays.grad[group.index] += grads[group.positions]

    def __repr__(self) -> str:
        return f"<Locations of {self.size:,} Values in {len(self.groups)} ValueArrays>"


def arrays_for(values: Iterable[Value]) -> Locations:
    """Bind the Values not bound yet (into one new ``ValueArrays``) and say where all of them are: what a compiled
    step needs to read its captured Values' data and add to their gradients without a loop over them.

    >>> w, b = Value(0.5), Value(-1.0)
    >>> where = arrays_for([w, b])
    >>> leaf_values = np.zeros(4); where.read_into(leaf_values, np.array([3, 1])); leaf_values
    array([ 0. , -1. ,  0. ,  0.5])
    >>> where.add_grads(np.array([1.0, 2.0])); where.add_grads(np.array([1.0, 2.0])); w.grad, b.grad
    (2.0, 4.0)
    >>> arrays_for([b, w]).groups[0].arrays is where.groups[0].arrays   # bound already: the same arrays
    True

    If the arrays are released later (``where.valid`` is False), call ``arrays_for`` again.
    """
    values = list(values)
    check_values(values)
    unbound = [v for v in values if type(v) not in _UNBOUND]
    if unbound:
        ValueArrays(unbound)
    found = locate(values)
    assert found is not None  # every one is bound now, and each appears once
    return found


def locate(values: Sequence[Value]) -> Locations | None:
    """Where ``values`` are, if every one is bound and none appears twice; else None (at once if the first is not
    bound). Answers are kept until Values are bound or released, so asking again for the same list is cheap.

    >>> x, y = Value(1.0), Value(2.0); print(locate([x, y]))
    None
    >>> arrays = ValueArrays([y, x]); locate([x, y]).read()
    array([1., 2.])
    """
    if not values:
        return Locations((), 0)
    first = values[0]
    if type(first) not in _UNBOUND:
        return None
    home: ValueArrays = first._where[3]  # type: ignore[attr-defined]
    cache = home._located
    if home._located_generation != generation:
        cache.clear()
        home._located_generation = generation
    values = values if type(values) is list else list(values)
    for seen, found in cache:
        if seen == values:  # compares by identity (Values have no __eq__): a pass over pointers, no hashing
            return found
    found = _find(values)
    if len(cache) >= 4:
        del cache[0]
    cache.append((list(values), found))
    return found


def _find(values: list[Value]) -> Locations | None:
    if len(set(map(id, values))) != len(values):
        return None
    groups: dict[int, tuple[ValueArrays, list[int], list[int]]] = {}
    for k, v in enumerate(values):
        if type(v) not in _UNBOUND:
            return None
        where = v._where  # type: ignore[attr-defined]
        arrays = where[3]
        group = groups.get(id(arrays))
        if group is None:
            group = groups[id(arrays)] = (arrays, [], [])
        group[1].append(where[2])
        group[2].append(k)
    return Locations([Group(arrays, as_index(index), as_index(positions))
                      for arrays, index, positions in groups.values()], len(values))


def as_index(positions: list[int]) -> Index:
    """A run of consecutive positions as a slice (indexing with it makes views, not copies), else an array.

    >>> as_index([3, 4, 5]), as_index([0, 2]).tolist()
    (slice(3, 6, None), [0, 2])
    """
    array = np.array(positions, dtype=np.intp)
    if len(array) and array[-1] - array[0] == len(array) - 1 and (len(array) == 1 or bool(np.all(np.diff(array) == 1))):
        return slice(int(array[0]), int(array[-1]) + 1)
    return array
