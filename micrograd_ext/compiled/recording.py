"""Record once, replay at tensor speed: ``compiled(fn, *example_args)``.

A training loop builds the same graph every step. ``compiled`` calls ``fn`` once on Values made from the
example arguments, records that graph, and returns a step that replays it on new numbers without making
a single Value: grouped into NumPy operations (a layer over a batch becomes one matrix product), or as
a flat loop for long narrow graphs (``micrograd_ext.compiled.replay``). Each call reads the current ``.data`` of
the Values ``fn`` captured (a model's parameters, changed by the optimizer), and ``backward()`` adds
to their ``.grad`` exactly what ``fn(...).backward()`` would.

>>> from micrograd_ext import Value, compiled
>>> w = Value(0.5)
>>> step = compiled(lambda x: (w * x - 1.0) ** 2, 3.0)   # recorded at x = 3
>>> step(4.0)                                            # (0.5 * 4 - 1) ** 2
1.0
>>> step.backward(); w.grad                              # 2 (w x - 1) x
8.0

The limit: Python control flow that depends on data (``if x.data > 0``, ``max()`` of Values) is
recorded as the branch taken at recording time; compare Values while recording and you get a
``RecordingWarning``, and ``step.check(*args)`` tells whether ``fn`` still builds the recorded graph.
relu and abs are ops, recomputed at each replay.
"""
from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable

import numpy as np

from ..core.errors import MicrogradExtError
from ..core.engine import Value
from ..core.modes import AnomalyError, is_grad_enabled, mode, stacklevel_outside
from .replay import Program, ReplayError, plan

__all__ = ['compiled', 'Compiled', 'ReplayError', 'RecordingWarning', 'StaleRecording']


class RecordingWarning(UserWarning):
    """``fn`` compared Values while ``compiled()`` recorded it: a replay keeps the branch taken then."""


class StaleRecording(MicrogradExtError, ValueError):
    """``step.check()`` found that ``fn`` no longer builds the recorded graph."""


def compiled(fn: Callable, *example_args, strategy: str = 'auto') -> Compiled:
    """Record ``fn(*example_args)`` once and return a step that replays it (see the module's docstring).

    Arguments are numbers, nested lists or NumPy arrays of numbers: ``fn`` receives Values of the same
    shapes (lists of Values for lists, object arrays for arrays). ``fn`` returns the loss, a Value, or a
    tuple ``(loss, outputs...)`` whose other items are Values or lists of them (read back as
    ``step.outputs``). ``strategy``: ``'vector'``, ``'flat'`` or ``'auto'`` (by the size of the groups).
    """
    return Compiled(fn, example_args, strategy)


class Compiled:
    """A recorded function: ``step(*args) -> float`` replays it, ``step.backward()`` adds the gradients."""

    def __init__(self, fn: Callable, example_args: tuple, strategy: str = 'auto'):
        if not callable(fn):
            raise TypeError(f"compiled() needs a function to record, got {type(fn).__name__}")
        if not is_grad_enabled():
            raise RuntimeError("compiled() records a graph, and inside no_grad() nothing is recorded; "
                               "call it outside the no_grad() block")
        self.fn, self.strategy = fn, strategy
        self.name = getattr(fn, '__name__', type(fn).__name__)
        self.shapes = [shape_of(arg, k) for k, arg in enumerate(example_args)]
        given, leaves = zip(*[as_values(arg) for arg in example_args]) if example_args else ((), ())
        mode.comparisons = []  # Value comparisons note where they happen while this list exists
        try:
            returned = fn(*given)
        finally:
            comparisons, mode.comparisons = mode.comparisons, None
        loss, extras = self._split(returned)
        if comparisons:
            warnings.warn(RecordingWarning(
                f"{self.name} compared Values or turned them into numbers while being recorded (first at "
                f"{comparisons[0]}): the replay keeps the branch taken and the numbers read now. If they depend on "
                "the data, record again when it may change (step.check() tells), or use ops that are recomputed "
                "(relu, abs)"), stacklevel=stacklevel_outside())
        arguments = [leaf for group in leaves for leaf in group]
        self.program: Program = plan(loss, arguments, [x for _, group in extras for x in group], strategy)
        self._extras = [(shape, len(group)) for shape, group in extras]
        del returned, loss, extras, given, leaves, arguments
        self._watch(self.program)
        self._ran = False

    def _split(self, returned) -> tuple[Value, list]:
        items = returned if isinstance(returned, tuple) else (returned,)
        if not items or not isinstance(items[0], Value):
            got = f"a tuple whose first item is {type(items[0]).__name__}" if items and items is returned else \
                type(returned).__name__
            raise TypeError(f"compiled(): {self.name} must return a Value (the loss) or a tuple (loss, outputs...), "
                            f"got {got}")
        extras = []
        for item in items[1:]:
            array = np.asarray(item, dtype=object)
            if not all(isinstance(x, Value) for x in array.flat):
                raise TypeError(f"compiled(): the outputs after the loss must be Values or (rectangular) lists of them; "
                                f"{self.name} returned {type(item).__name__}")
            extras.append((array.shape, list(array.flat)))
        return items[0], extras

    def _watch(self, program: Program) -> None:
        """Split the captured leaves into those anyone else can see (read and written at each step) and the
        constants only this graph holds (a ``2`` of ``x * 2``: read once, never written)."""
        first = program.arguments
        self.leaf_values = np.zeros(program.leaves)
        watched = []
        captured = program.captured
        for i in range(len(captured)):
            self.leaf_values[first + i] = captured[i].data
            if not hasattr(sys, 'getrefcount') or sys.getrefcount(captured[i]) > 2:  # more than the list and the call
                watched.append(first + i)
        self.watched = [program.captured[i - first] for i in watched]
        self.watched_slots = np.array(watched, dtype=np.intp)
        program.captured = []  # the constants need not stay alive

    def __call__(self, *args) -> float:
        """The loss for new argument data (same shapes as the example), with the captured Values' data now."""
        if len(args) != len(self.shapes):
            raise TypeError(f"{self.name} was recorded with {len(self.shapes)} argument(s), got {len(args)}")
        start = 0
        for k, (arg, shape) in enumerate(zip(args, self.shapes)):
            array = as_array(arg, k)
            if array.shape != shape:
                raise ValueError(f"argument {k + 1} of {self.name} has shape {array.shape}, but the step was recorded "
                                 f"with shape {shape}; record again for new shapes: compiled({self.name}, ...)")
            self.leaf_values[start:start + array.size] = array.ravel()
            start += array.size
        self.leaf_values[self.watched_slots] = [value.data for value in self.watched]
        self._ran = False  # until this forward pass succeeds: backward() needs a complete one
        loss = self.program.forward(self.leaf_values)
        if mode.anomaly is not None and not math.isfinite(loss):
            raise AnomalyError(f"the replay of {self.name} gave the loss {loss}; detect_anomaly() names the op only "
                               f"in an eager pass: call {self.name}(...) on Values inside detect_anomaly() to find it")
        self._ran = True
        return loss

    def backward(self) -> None:
        """Add d loss / d Value to ``.grad`` of every captured Value, as ``fn(...).backward()`` would."""
        if not self._ran:
            raise RuntimeError("call the step first (loss = step(...)), then step.backward()")
        grads = self.program.backward(self.watched_slots)
        if mode.anomaly is not None and not all(map(math.isfinite, grads)):
            raise AnomalyError(f"the replay of {self.name} gave a NaN or infinite gradient; call {self.name}(...) on "
                               "Values, then .backward(), inside detect_anomaly() to find the op")
        for value, grad in zip(self.watched, grads):
            value.grad += grad

    def check(self, *args) -> None:
        """Run ``fn`` eagerly on ``args`` and raise ``StaleRecording`` if the replay would not compute what it
        computes now: another graph (Python control flow that depends on data took another branch), other
        captured Values (a parameter replaced, not just changed), or other constants (a list of labels that
        ``fn`` reads from outside changed). Costs one eager pass and one recording.
        """
        advice = f"record it again: step = compiled({self.name}, ...)"
        shapes = [shape_of(arg, k) for k, arg in enumerate(args)]
        if shapes != self.shapes:
            raise StaleRecording(f"the arguments have the shapes {shapes}, the recording {self.shapes}; {advice}")
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RecordingWarning)
            fresh = Compiled(self.fn, args, self.strategy)
        if fresh.program.wiring != self.program.wiring:
            raise StaleRecording(f"{self.name} builds another graph for these arguments than the one recorded "
                                 f"(control flow that depends on the data took another branch); {advice}")
        now = {id(v) for v in fresh.watched}
        gone = [v for v in self.watched if id(v) not in now and sys.getrefcount(v) > 3]  # the list, v, the call
        before = {id(v) for v in self.watched}
        new = [v for v in fresh.watched if id(v) not in before and v.is_parameter]
        if gone or new:  # (a constant kept alive by a graph fn stored is neither: only this step held it)
            raise StaleRecording(f"{self.name} now reads other Values than the {len(self.watched)} recorded "
                                 f"(a parameter was replaced by a new Value); {advice}")
        if not np.array_equal(fresh.leaf_values[self.program.arguments:], self.leaf_values[self.program.arguments:],
                              equal_nan=True):
            raise StaleRecording(f"{self.name} now uses other constants than the recorded ones (a number written in "
                                 f"it took another branch, or one it reads from outside changed, e.g. a list of "
                                 f"labels); {advice}")

    @property
    def outputs(self) -> list:
        """The values of the outputs ``fn`` returned after the loss, in their shapes, from the latest call."""
        if not self._ran:
            raise RuntimeError("call the step first (loss = step(...)); then its outputs are known")
        found, k = [], 1
        for shape, n in self._extras:
            numbers = [self.program.output(k + i) for i in range(n)]
            found.append(np.array(numbers).reshape(shape).tolist())
            k += n
        return found

    def summary(self) -> str:
        """How the graph is replayed: one line per NumPy operation (or the flat loop's op counts)."""
        return f"compiled({self.name}): {self._captured()}\n{self.program.summary()}"

    def __repr__(self) -> str:
        p = self.program
        how = f"{len(p.groups)} NumPy operations" if p.strategy == 'vector' else 'a flat loop'
        return f"<compiled {self.name}: {p.size - p.leaves:,} nodes as {how}, {self._captured()}>"

    def _captured(self) -> str:
        n = len(self.watched)
        return f"{n:,} captured Value{'' if n == 1 else 's'}"


def shape_of(example, k: int) -> tuple:
    return as_array(example, k).shape


def as_array(arg, k: int) -> np.ndarray:
    """An argument's numbers as a float64 array, or a TypeError naming the argument."""
    need = f"argument {k + 1} must be a number, a (nested, rectangular) list of numbers or a NumPy array of them"
    try:
        array = np.asarray(arg)
    except ValueError as error:
        raise TypeError(f"{need}; {type(arg).__name__} does not convert: {error}") from None
    if array.dtype.kind in 'biuf':
        return array.astype(np.float64, copy=False)
    if array.dtype == object and array.size and all(isinstance(x, Value) for x in array.flat):
        raise TypeError(f"{need}, not Values: arguments are data, replaced at every call. To get gradients for "
                        "Values, let the function use them directly (capture them) instead of passing them")
    raise TypeError(f"{need}; got {type(arg).__name__} of {array.dtype} ({np.ravel(array)[:1].tolist()} ...)")


def as_values(example) -> tuple[object, list[Value]]:
    """Leaf Values for an example argument, in its shape (a Value, nested lists, or an object array), and flat."""
    array = as_array(example, 0)
    leaves = [Value(x) for x in array.ravel().tolist()]
    if array.ndim == 0:
        return leaves[0], leaves
    shaped: np.ndarray = np.empty(len(leaves), dtype=object)
    shaped[:] = leaves
    shaped = shaped.reshape(array.shape)
    return (shaped if isinstance(example, np.ndarray) else shaped.tolist()), leaves
