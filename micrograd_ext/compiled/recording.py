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

import inspect
import math
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.compiled')

import numpy as np

from ..core import slips
from ..core.errors import MicrogradExtError
from ..core.engine import Value
from ..core.modes import AnomalyError, is_grad_enabled, mode, stacklevel_outside
from . import indexing
from .arrays import arrays_for
from .indexing import Index
from .replay import DOMAIN_ERRORS, Program, ReplayError, plan

__all__ = ['compiled', 'Compiled', 'ReplayError', 'RecordingWarning', 'StaleRecording']


class RecordingWarning(UserWarning):
    """``fn`` compared Values while ``compiled()`` recorded it: a replay keeps the branch taken then."""


class StaleRecording(MicrogradExtError, ValueError):
    """``step.check()`` found that ``fn`` no longer builds the recorded graph."""


def compiled(fn: Callable, *example_args, strategy: str = 'auto', max_recordings: int = 32) -> Compiled:
    """Record ``fn(*example_args)`` once and return a step that replays it (see the module's docstring).

    Arguments are numbers, nested lists or NumPy arrays of numbers: ``fn`` receives Values of the same
    shapes (lists of Values for lists, object arrays for arrays). Integer arguments are indices (token ids):
    ``fn`` receives ``Index`` objects to pick with (an ``Embedding``, ``gather``, ``pick``, ``cross_entropy``),
    and a replay picks with the new ids. ``fn`` returns the loss, a Value, or a tuple ``(loss, outputs...)``
    whose other items are Values or lists of them (read back as ``step.outputs``). A call with other shapes
    (another sequence length) records again; the latest ``max_recordings`` recordings are kept
    (``step.recorded_shapes``). Without example arguments the first call records. ``strategy``: ``'vector'``,
    ``'flat'`` or ``'auto'`` (by the size of the groups).
    """
    return Compiled(fn, example_args, strategy, max_recordings)


Shapes = tuple  # one (shape, is an index) per argument: what a recording is kept under


def shapes_of(arrays: list[np.ndarray]) -> Shapes:
    """What the recording for these arguments is kept under: each one's shape, and whether it holds indices."""
    return tuple((array.shape, is_index(array)) for array in arrays)


class Compiled:
    """A recorded function: ``step(*args) -> float`` replays it, ``step.backward()`` adds the gradients."""

    def __init__(self, fn: Callable, example_args: tuple = (), strategy: str = 'auto', max_recordings: int = 32):
        if not callable(fn):
            raise TypeError(f"compiled() needs a function to record, got {type(fn).__name__}")
        if isinstance(max_recordings, bool) or not isinstance(max_recordings, int) or max_recordings < 1:
            raise ValueError(f"max_recordings must be a whole number of at least 1, got {max_recordings!r}")
        self.fn, self.strategy, self.max_recordings = fn, strategy, max_recordings
        self.name = getattr(fn, '__name__', type(fn).__name__)
        self._recordings: OrderedDict[Shapes, Recording] = OrderedDict()
        self._dropped: set[Shapes] = set()  # shapes whose recording was dropped (to warn when they come back)
        self._last: Recording | None = None
        self._ran = False
        if example_args or _takes_no_arguments(fn):
            self._last = self._recording_for(example_args, [as_array(arg, k) for k, arg in enumerate(example_args)])

    def _recording_for(self, args: tuple, arrays: list[np.ndarray]) -> Recording:
        """The recording for these arguments' shapes: kept, or made now from ``args``."""
        shapes = shapes_of(arrays)
        found = self._recordings.get(shapes)
        if found is not None:
            self._recordings.move_to_end(shapes)
            return found
        if shapes in self._dropped:
            self._dropped.clear()  # warn once per round of dropping
            warnings.warn(RecordingWarning(
                f"{self.name} records arguments of shapes {[shape for shape, _ in shapes]} again: it keeps the latest "
                f"max_recordings={self.max_recordings} recordings and had dropped this one. Give one per shape that "
                f"comes back (a sequence length): compiled({self.name}, max_recordings=...)"),
                stacklevel=stacklevel_outside())
        found = self._recordings[shapes] = Recording(self.fn, self.name, args, arrays, self.strategy)
        if len(self._recordings) > self.max_recordings:
            self._dropped.add(self._recordings.popitem(last=False)[0])  # the least recently used
        return found

    @property
    def recorded_shapes(self) -> list[list[tuple]]:
        """The argument shapes of the kept recordings, least recently used first (at most ``max_recordings``)."""
        return [[shape for shape, _ in shapes] for shapes in self._recordings]

    def __call__(self, *args) -> float:
        """The loss for new argument data, with the captured Values' data now (recorded first for new shapes)."""
        if self._recordings and len(args) != len(next(iter(self._recordings))):
            raise TypeError(f"{self.name} was recorded with {len(next(iter(self._recordings)))} argument(s), "
                            f"got {len(args)}")
        arrays = [as_array(arg, k) for k, arg in enumerate(args)]
        self._ran = False  # until this forward pass succeeds: backward() needs a complete one
        self._last = recording = self._recording_for(args, arrays)
        try:
            loss = recording.forward(arrays)
        except DOMAIN_ERRORS as error:
            if not isinstance(error, MicrogradExtError):
                self._explain_domain_error(args, error)
            raise
        if mode.anomaly is not None and not math.isfinite(loss):
            raise AnomalyError(f"the replay of {self.name} gave the loss {loss}; detect_anomaly() names the op only "
                               f"in an eager pass: call {self.name}(...) on Values inside detect_anomaly() to find it")
        self._ran = True
        return loss

    def _explain_domain_error(self, args: tuple, error: Exception) -> None:
        """The replay stopped at a domain check (exp overflows, log of 0, ...): raise the error ``fn`` raises eagerly
        on these arguments (in its own words, at the user's line), or, if it raises none, a ``StaleRecording`` that
        says why the replay computes something else; else return (the replay's error stands). The error path only:
        it costs one eager pass and one recording."""
        if not is_grad_enabled():  # nothing is recorded inside no_grad(): the replay's own error
            return
        try:
            self.check(*args)  # runs fn eagerly on args: its own error, if it raises one, comes out here
        except StaleRecording as stale:
            what = str(error).split(';')[0]  # what went wrong, without the advice for eager code
            raise StaleRecording(
                f"the replay of {self.name} stopped at {type(error).__name__} ({what}), which {self.name} itself does "
                f"not raise on these arguments: {stale} (a replay keeps the numbers that {self.name} read while it "
                f"was recorded, e.g. a shift max(v.data for v in logits) subtracted before exp(); compute them with "
                f"ops, which every replay recomputes: losses.softmax, losses.cross_entropy, "
                f"Value.apply(LOGSUMEXP, ...))") from error
        except Exception as eager:  # fn's own error: the one an eager pass raises
            raise eager from None

    def backward(self) -> None:
        """Add d loss / d Value to ``.grad`` of every captured Value, as ``fn(...).backward()`` would."""
        if not self._ran or self._last is None:
            raise RuntimeError("call the step first (loss = step(...)), then step.backward()")
        slips.before_backward()
        self._last.backward(self.name)
        slips.after_backward()

    def check(self, *args) -> None:
        """Run ``fn`` eagerly on ``args`` and raise ``StaleRecording`` if the replay would not compute what it
        computes now: another graph (Python control flow that depends on data took another branch), other
        captured Values (a parameter replaced, not just changed), or other constants (a list of labels that
        ``fn`` reads from outside changed). Costs one eager pass and one recording.
        """
        advice = f"record it again: step = compiled({self.name}, ...)"
        arrays = [as_array(arg, k) for k, arg in enumerate(args)]
        shapes = shapes_of(arrays)
        recorded = self._recordings.get(shapes)
        if recorded is None:
            raise StaleRecording(f"the arguments have the shapes {[a.shape for a in arrays]}, the recordings "
                                 f"{self.recorded_shapes}; call the step with them to record them")
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RecordingWarning)
            fresh = Recording(self.fn, self.name, args, arrays, self.strategy)
        if fresh.program.wiring != recorded.program.wiring:
            raise StaleRecording(f"{self.name} builds another graph for these arguments than the one recorded "
                                 f"(control flow that depends on the data took another branch); {advice}")
        now = {id(v) for v in fresh.watched}
        gone = [v for v in recorded.watched if id(v) not in now and sys.getrefcount(v) > BOUND_REFERENCES]
        before = {id(v) for v in recorded.watched}
        new = [v for v in fresh.watched if id(v) not in before and v.is_parameter]
        if gone or new:  # (a constant kept alive by a graph fn stored is neither: only this step held it)
            raise StaleRecording(f"{self.name} now reads other Values than the {len(recorded.watched)} recorded "
                                 f"(a parameter was replaced by a new Value); {advice}")
        first = recorded.program.arguments
        if not np.array_equal(fresh.leaf_values[first:], recorded.leaf_values[first:], equal_nan=True):
            raise StaleRecording(f"{self.name} now uses other constants than the recorded ones (a number written in "
                                 f"it took another branch, or one it reads from outside changed, e.g. a list of "
                                 f"labels); {advice}")

    @property
    def _latest(self) -> Recording:
        if self._last is None:
            raise RuntimeError(f"{self.name} is not recorded yet: call the step once (step(...)) to record it")
        return self._last

    @property
    def program(self) -> Program:
        """The latest call's program (``replay.Program``)."""
        return self._latest.program

    @property
    def watched(self) -> list[Value]:
        """The Values the latest call's recording reads at each replay and adds gradients to."""
        return self._latest.watched

    @property
    def outputs(self) -> list:
        """The values of the outputs ``fn`` returned after the loss, in their shapes, from the latest call."""
        if not self._ran:
            raise RuntimeError("call the step first (loss = step(...)); then its outputs are known")
        return self._latest.outputs()

    def summary(self) -> str:
        """How the graph is replayed: one line per NumPy operation (or the flat loop's op counts)."""
        return f"compiled({self.name}): {self._latest.captured()}\n{self.program.summary()}"

    def __repr__(self) -> str:
        if self._last is None:
            return f"<compiled {self.name}: not recorded yet>"
        p = self.program
        how = f"{len(p.groups)} NumPy operations" if p.strategy == 'vector' else 'a flat loop'
        more = f", {len(self._recordings)} recordings" if len(self._recordings) > 1 else ''
        return f"<compiled {self.name}: {p.size - p.leaves - len(p.pads):,} nodes as {how}, {self._last.captured()}{more}>"


BOUND_REFERENCES = 4  # a watched Value's references besides the user's: the list, v, the call, and its ValueArrays


class Recording:
    """``fn``'s graph for one set of argument shapes: the program, its leaf numbers and the Values it reads."""

    def __init__(self, fn: Callable, name: str, args: tuple, arrays: list[np.ndarray], strategy: str):
        if not is_grad_enabled():
            raise RuntimeError("compiled() records a graph, and inside no_grad() nothing is recorded; "
                               "call it outside the no_grad() block")
        self.name = name
        given, leaves = zip(*[as_values(arg, array) for arg, array in zip(args, arrays)]) if args else ((), ())
        indexing._recording.plain = not any(is_index(array) for array in arrays)
        mode.comparisons = []  # Value comparisons note where they happen while this list exists
        try:
            returned = fn(*given)
        finally:
            comparisons, mode.comparisons, indexing._recording.plain = mode.comparisons, None, False
        loss, extras = split_returned(returned, name)
        if comparisons:
            warnings.warn(RecordingWarning(
                f"{name} compared Values or turned them into numbers while being recorded (first at "
                f"{comparisons[0]}): the replay keeps the branch taken and the numbers read now. If they depend on "
                "the data, record again when it may change (step.check() tells), or use ops that are recomputed "
                "(relu, abs)"), stacklevel=stacklevel_outside())
        arguments = [leaf for group in leaves for leaf in group]
        self.program: Program = plan(loss, arguments, [x for _, group in extras for x in group], strategy)
        self.extras = [(shape, len(group)) for shape, group in extras]
        del returned, loss, extras, given, leaves, arguments
        self._watch(self.program)

    def _watch(self, program: Program) -> None:
        """Split the captured leaves into those anyone else can see (read and written at each step, through the
        arrays they are bound to) and the constants only this graph holds (a ``2`` of ``x * 2``: read once)."""
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
        self.where = arrays_for(self.watched)  # their numbers now live in arrays: read and written in one operation
        program.captured = []  # the constants need not stay alive

    def forward(self, arrays: list[np.ndarray]) -> float:
        start = 0
        for array in arrays:
            self.leaf_values[start:start + array.size] = array.ravel()
            start += array.size
        if not self.where.valid:  # someone released the arrays: bind them again
            self.where = arrays_for(self.watched)
        self.where.read_into(self.leaf_values, self.watched_slots)
        return self.program.forward(self.leaf_values)

    def backward(self, name: str) -> None:
        grads = self.program.backward(self.watched_slots)
        if mode.anomaly is not None and not np.isfinite(grads).all():
            raise AnomalyError(f"the replay of {name} gave a NaN or infinite gradient; call {name}(...) on "
                               "Values, then .backward(), inside detect_anomaly() to find the op")
        self.where.add_grads(grads)

    def outputs(self) -> list:
        found, k = [], 1
        for shape, n in self.extras:
            numbers = [self.program.output(k + i) for i in range(n)]
            found.append(np.array(numbers).reshape(shape).tolist())
            k += n
        return found

    def captured(self) -> str:
        n = len(self.watched)
        return f"{n:,} captured Value{'' if n == 1 else 's'}"


def split_returned(returned, name: str) -> tuple[Value, list]:
    """``fn``'s loss and its other outputs (each as its shape and its Values, flat)."""
    items = returned if isinstance(returned, tuple) else (returned,)
    if not items or not isinstance(items[0], Value):
        got = f"a tuple whose first item is {type(items[0]).__name__}" if items and items is returned else \
            type(returned).__name__
        raise TypeError(f"compiled(): {name} must return a Value (the loss) or a tuple (loss, outputs...), got {got}")
    extras = []
    for item in items[1:]:
        array = np.asarray(item, dtype=object)
        if not all(isinstance(x, Value) for x in array.flat):
            raise TypeError(f"compiled(): the outputs after the loss must be Values or (rectangular) lists of them; "
                            f"{name} returned {type(item).__name__}")
        extras.append((array.shape, list(array.flat)))
    return items[0], extras


def _takes_no_arguments(fn: Callable) -> bool:
    try:
        return not inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a builtin without a signature: record at the first call
        return False


def is_index(array: np.ndarray) -> bool:
    """Integer data (not bools): token ids, which a step picks with."""
    return array.dtype.kind in 'iu'


def as_array(arg, k: int) -> np.ndarray:
    """An argument's numbers as a float64 array, or a TypeError naming the argument."""
    need = f"argument {k + 1} must be a number, a (nested, rectangular) list of numbers or a NumPy array of them"
    try:
        array = np.asarray(arg)
    except ValueError as error:
        raise TypeError(f"{need}; {type(arg).__name__} does not convert: {error}") from None
    if array.dtype.kind in 'iu':  # token ids: kept whole
        return array
    if array.dtype.kind in 'bf':
        return array.astype(np.float64, copy=False)
    if array.dtype == object and array.size and all(isinstance(x, Value) for x in array.flat):
        raise TypeError(f"{need}, not Values: arguments are data, replaced at every call. To get gradients for "
                        "Values, let the function use them directly (capture them) instead of passing them")
    raise TypeError(f"{need}; got {type(arg).__name__} of {array.dtype} ({np.ravel(array)[:1].tolist()} ...)")


def as_values(example, array: np.ndarray) -> tuple[object, list[Value]]:
    """Leaf Values for an example argument, and what ``fn`` receives in its shape (a Value or ``Index``, nested
    lists, or an object array)."""
    leaves = [Value(x) for x in array.ravel().tolist()]
    given: list = [Index(int(x), leaf) for x, leaf in zip(array.ravel().tolist(), leaves)] if is_index(array) \
        else leaves
    if array.ndim == 0:
        return given[0], leaves
    shaped: np.ndarray = np.empty(len(given), dtype=object)
    shaped[:] = given
    shaped = shaped.reshape(array.shape)
    return (shaped if isinstance(example, np.ndarray) else shaped.tolist()), leaves
