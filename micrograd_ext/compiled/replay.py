"""Replaying a recorded graph without Values: the graph grouped into NumPy operations, or a flat loop.

``compiled()`` (``micrograd_ext.compiled.recording``) records a graph once; ``plan()`` turns it into a program.
Every node gets a *slot* in one array of values and one of gradients. Nodes of the same op at the same
depth form a group, which runs as one NumPy operation: gather the children's values by slot, compute,
write the group's slots (kept contiguous). A layer's ``linear`` nodes over a batch of points share
their weights, so their group is one matrix product; a chain of ``+`` (Python's ``sum()``) is folded
into one sum. Backward runs the groups in reverse, and a group sends ``local derivative * upstream``
to its children's slots. Graphs whose groups would be tiny (a long chain) replay as a flat Python
loop over slots instead.

>>> from micrograd_ext import Value
>>> x, w = Value(2.0), Value(-3.0)
>>> program = plan(x * w + 1.0, arguments=[])
>>> program.forward([2.0, -3.0, 1.0]), program.strategy
(-5.0, 'flat')
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import cast

from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.compiled')

import numpy as np

from ..core.errors import MicrogradExtError
from ..core.engine import Value, result, topological_order
from ..core import floats
from .groups import (SMALL, Elementwise, Gather, Group, InverseRMS, Linear, LogSumExp, MatMul, Slots, Sum,
                     check_domain)
from ..core.errors import describe, node_kind
from ..core.ops import ADD, GATHER, LINEAR, LOGSUMEXP, Op, op_of, split_linear, value_now


class ReplayError(MicrogradExtError, TypeError):
    """A recorded graph holds a node that cannot be replayed (an op with its own ``_backward``, ...)."""


# ---- the program -------------------------------------------------------------------------------------------

# What a domain check raises (ValueError, ZeroDivisionError, OverflowError; IndexError for a token id)
DOMAIN_ERRORS = (ValueError, ArithmeticError, IndexError)
MIN_GROUP = 16  # average nodes per group below which the flat loop is faster than NumPy calls

Instruction = tuple[Op, int, list[int]]  # one node of the flat loop: its op, its slot and its input slots


class Program:
    """A recorded graph as slots: leaves first (``arguments``, then ``captured``), then the op nodes."""

    def __init__(self, strategy: str, size: int, arguments: int, captured: list[Value], groups: list[Group],
                 instructions: list[Instruction], outputs: list[int], wiring: int, pads: dict[int, float]):
        self.strategy, self.size, self.arguments, self.captured = strategy, size, arguments, captured
        self.leaves = arguments + len(captured)
        self.pads = pads  # slot -> the number that fills the shorter rows of ragged groups (the last slots)
        self.groups, self.instructions, self.outputs = groups, instructions, outputs
        self.wiring = wiring  # a hash of every node's op and input slots: equal for the same graph shape
        self.products = [group for group in groups if isinstance(group, MatMul)]
        self.nodes = slice(0, size - len(pads))  # the leaves' and the nodes' slots (the pads' -inf is no huge number)
        self.exact, self.squares = False, 0.0  # the latest forward pass: products in the engine's order; its size
        # the slots' values: forward() fills them (a list for the flat loop, else an array) before they are read
        self.values: list[float] | np.ndarray = None  # type: ignore[assignment]

    def forward(self, leaf_values: Sequence[float] | np.ndarray) -> float:
        """Run the graph on new leaf data (one number per leaf slot); returns the root's value."""
        if self.strategy == 'flat':
            self.values = values = np.asarray(leaf_values, dtype=np.float64).tolist() + [0.0] * (self.size - self.leaves)
            for op, out, inputs in self.instructions:
                xs = [values[i] for i in inputs]
                values[out] = y = op.value(floats, *xs)
                check_domain(op, y, xs)
        else:
            self.values = values = np.empty(self.size)
            values[:self.leaves] = leaf_values
            for pad, number in self.pads.items():
                values[pad] = number
            with np.errstate(all='ignore'):
                self.run_forward(values)
        return self.output(0)

    def run_forward(self, values: np.ndarray) -> None:
        """The groups' forward pass: the matrix products by BLAS if every number is small (one dot product tells,
        ``SMALL``), else the pass again with the products in the engine's order (``MatMul.exact``)."""
        self.exact = False
        if not self.products:
            for group in self.groups:
                group.forward(values)
            return
        try:
            for group in self.groups:
                group.forward(values)
            numbers = values[self.nodes]
            self.squares = np.vdot(numbers, numbers)
            if self.squares < SMALL:
                return
        except DOMAIN_ERRORS:  # perhaps where BLAS gave another number than the engine: the exact pass tells
            pass
        self.exact = True
        self.set_exact(True)
        try:
            for group in self.groups:
                group.forward(values)
        finally:
            self.set_exact(False)

    def run_backward(self, values: np.ndarray, grads: np.ndarray, exact: bool) -> None:
        """The groups' backward pass; ``exact``: each product of the matrix products' gradients on its own."""
        if not exact:
            for group in reversed(self.groups):
                group.backward(values, grads)
            return
        self.set_exact(True)
        try:
            for group in reversed(self.groups):
                group.backward(values, grads)
        finally:
            self.set_exact(False)

    def set_exact(self, exact: bool) -> None:
        for group in self.products:
            group.exact = exact

    def output(self, k: int) -> float:
        return float(self.values[self.outputs[k]])

    def backward(self, slots: np.ndarray) -> np.ndarray:
        """d root / d leaf for the leaves in ``slots``, after ``forward``."""
        root = self.outputs[0]
        if self.strategy == 'flat':
            values, flat_grads = self.values, [0.0] * self.size
            flat_grads[root] = 1.0
            for op, out, inputs in reversed(self.instructions):
                upstream = flat_grads[out]
                for i, local in zip(inputs, op.derivatives(floats, values[out], *[values[i] for i in inputs])):
                    flat_grads[i] += local * upstream
            return np.array([flat_grads[i] for i in slots.tolist()], dtype=np.float64)
        vector_values = cast(np.ndarray, self.values)  # for the NumPy groups forward() filled an array
        grads = np.zeros(self.size)
        grads[root] = 1.0
        with np.errstate(all='ignore'):
            self.run_backward(vector_values, grads, self.exact)
            if self.products and not self.exact:  # were the products' gradients small enough for BLAS? (SMALL)
                sent = grads[self.leaves:]  # (the gradients the products read are the nodes')
                if not np.vdot(sent, sent) * self.squares < SMALL * SMALL:
                    grads[:] = 0.0  # an inf, a nan or huge numbers: again, each product of the products on its own
                    grads[root] = 1.0
                    self.run_backward(vector_values, grads, True)
        return grads[slots]

    def summary(self) -> str:
        """One line per NumPy operation of the forward pass (or the flat loop's op counts)."""
        if self.strategy == 'flat':
            counts = Counter(op.name for op, _, _ in self.instructions)
            return (f"{len(self.instructions):,} nodes replayed one by one (flat loop): "
                    + ', '.join(f'{name} x{n:,}' for name, n in counts.most_common()))
        lines = [f"{sum(g.out.stop - g.out.start for g in self.groups):,} op nodes in {len(self.groups)} NumPy operations:"]
        for g in self.groups:
            lines.append(f"  {g.name:<16} {g.out.stop - g.out.start:>7,} nodes")
        return '\n'.join(lines)


def plan(root: Value, arguments: Sequence[Value] = (), outputs: Sequence[Value] = (),
         strategy: str = 'auto') -> Program:
    """The program that replays ``root``'s graph (and the values of ``outputs``) from new leaf data.

    ``arguments`` get the first slots, in order; every other leaf is ``captured`` (its data is read at each
    replay). ``strategy`` is ``'vector'`` (NumPy groups), ``'flat'`` (a Python loop) or ``'auto'``.
    """
    if strategy not in ('auto', 'vector', 'flat'):
        raise ValueError(f"strategy must be 'auto', 'vector' or 'flat', got {strategy!r}")
    roots = [root, *outputs]
    sink = result(0.0, tuple(roots), 'outputs', (0.0,) * len(roots))  # one node above every output
    order = topological_order(sink)[:-1]
    uses = Counter(roots)
    for node in order:
        uses.update(node._prev)
    slot = {node: i for i, node in enumerate(arguments)}
    captured = [node for node in order if not node._prev and node not in slot]
    slot.update((node, len(arguments) + i) for i, node in enumerate(captured))
    inputs_of: dict[Value, tuple[Op, list[Value]]] = {}  # an op node: its op and its inputs (a sum's terms)
    depth = dict.fromkeys(slot, 0)
    groups: defaultdict[tuple[int, str, int], dict[Value, None]] = defaultdict(dict)  # (depth, op, arity) -> nodes
    for node in order:
        if not node._prev:
            continue
        op = replayable_op(node)
        inputs = list(node._prev)
        first = inputs[0]
        if op is ADD and first in inputs_of and inputs_of[first][0] is ADD and uses[first] == 1:
            inputs = inputs_of.pop(first)[1] + inputs[1:]  # (a + b) + c as one sum a + b + c, same order
            del groups[group_key(depth[first], ADD, len(inputs) - len(node._prev) + 1)][first]
        inputs_of[node] = op, inputs
        depth[node] = 1 + max(map(depth.__getitem__, inputs))
        groups[group_key(depth[node], op, len(inputs))][node] = None
    del order, sink
    keys = sorted(key for key in groups if groups[key])  # by depth: every group after its inputs
    count = len(inputs_of)
    if strategy == 'auto':
        strategy = 'flat' if count < MIN_GROUP * len(keys) else 'vector'
    size = len(slot)
    pads = {}  # the slots (the last two) of what fills shorter rows of a ragged group: a sum adds 0, logsumexp -inf
    if strategy == 'vector' and any(arity == RAGGED for _, _, arity in keys):
        pads = {ADD: size + count, LOGSUMEXP: size + count + 1}
    vector_groups: list[Group] = []
    wiring: list[Instruction] = []
    for key in keys:
        nodes = list(groups[key])
        op = inputs_of[nodes[0]][0]
        rows = [list(map(slot.__getitem__, inputs_of[node][1])) for node in nodes]  # each node's input slots
        slot_order: Sequence[int]  # the nodes in the order of their slots
        if strategy == 'vector':
            group, slot_order = make_group(op, rows, size, pads.get(op))
            vector_groups.append(group)
        else:
            slot_order = range(len(nodes))
        for i in slot_order:
            slot[nodes[i]] = size
            wiring.append((op, size, rows[i]))
            size += 1
    fingerprint = hash(tuple((op.name, *inputs) for op, _, inputs in wiring))
    instructions = wiring if strategy == 'flat' else []
    return Program(strategy, size + len(pads), len(arguments), captured, vector_groups, instructions,
                   [slot[r] for r in roots], fingerprint, {pads[ADD]: 0.0, pads[LOGSUMEXP]: -math.inf} if pads else {})


RAGGED = 0  # the arity in the key of a group whose nodes have different arities (padded to the longest row)


def group_key(depth: int, op: Op, arity: int) -> tuple[int, str, int]:
    """Nodes of one op at one depth form a group; sums and logsumexps of any length share one, their shorter rows
    padded, so that the softmaxes over 1, 2, ... 16 positions of a sequence are one NumPy operation."""
    ragged = op is LOGSUMEXP or op is ADD
    return depth, op.name, RAGGED if ragged else arity


def replayable_op(node: Value) -> Op:
    """The table's op of a node, or a ReplayError saying why it cannot be replayed."""
    if node._local_grads is None:
        raise ReplayError(f"compiled() cannot replay the {node_kind(node)}: it has its own _backward closure, "
                          "which works on Values, not on arrays; build the op from the table's ops (+ * exp tanh "
                          "...) or add it to micrograd_ext/core/ops.py, or run this function eagerly")
    op = op_of(node)
    if op is None:
        raise ReplayError(f"compiled() cannot replay the {node_kind(node)}: its local derivatives were given by "
                          "hand, so there is no formula to recompute them for new data; build the op from the "
                          "table's ops (+ * exp tanh ...) or add it to micrograd_ext/core/ops.py")
    now = value_now(node)
    if not (now == node.data or (now != now and node.data != node.data)):
        raise ReplayError(f"compiled() cannot replay the {node_kind(node)} {describe(node)}: its data is not "
                          f"{op.name} of its children's data now ({now!r}); it was built before its inputs "
                          "changed: build it inside the recorded function from the table's ops")
    return op


def make_group(op: Op, rows: list[list[int]], start: int, pad: int | None = None) -> tuple[Group, list[int]]:
    """The group that computes nodes of one op, depth and arity (``rows``: each node's input slots) into the
    slots from ``start``, and the order of the nodes in those slots. Rows shorter than the longest are padded
    with the slot ``pad``."""
    if op is LINEAR:
        return linear_group(rows, start)
    width = max(map(len, rows))
    if pad is not None and min(map(len, rows)) < width:
        rows = [row + [pad] * (width - len(row)) for row in rows]
    order = sorted(range(len(rows)), key=rows.__getitem__)  # in the order of their inputs: often slices
    table = np.array([rows[i] for i in order], dtype=np.intp)
    out = slice(start, start + len(rows))
    if op is GATHER:
        return Gather(out, table), order
    if op is LOGSUMEXP:
        return LogSumExp(out, table), order
    if op.eps is not None:
        return InverseRMS(out, table, op), order
    if op is ADD and table.shape[1] != 2:
        return Sum(out, Slots(table)), order
    return Elementwise(op, out, [Slots(column) for column in table.T]), order


def linear_group(rows: list[list[int]], start: int) -> tuple[Group, list[int]]:
    """A matrix product when the nodes are every (point, neuron) pair of shared weight rows, else row by row."""
    pairs = []
    for row in rows:
        w, x, b = split_linear(row)
        pairs.append(((*w, b), tuple(x)))
    neurons = list(dict.fromkeys(neuron for neuron, _ in pairs))
    points = list(dict.fromkeys(point for _, point in pairs))
    out = slice(start, start + len(rows))
    if len(neurons) * len(points) == len(rows) == len(set(pairs)):
        where = {pair: i for i, pair in enumerate((neuron, point) for point in points for neuron in neurons)}
        order = sorted(range(len(rows)), key=lambda i: where[pairs[i]])
        weights = np.array([neuron[:-1] for neuron in neurons], dtype=np.intp)
        bias = np.array([neuron[-1] for neuron in neurons], dtype=np.intp)
        return MatMul(out, Slots(weights), Slots(np.array(points, dtype=np.intp)), Slots(bias)), order
    order = sorted(range(len(rows)), key=lambda i: pairs[i][1])
    weights = np.array([pairs[i][0][:-1] for i in order], dtype=np.intp)
    bias = np.array([pairs[i][0][-1] for i in order], dtype=np.intp)
    inputs = np.array([pairs[i][1] for i in order], dtype=np.intp)
    return Linear(out, Slots(weights), Slots(inputs), Slots(bias)), order
