"""Backpropagation one chain-rule step at a time, with the numbers shown.

>>> from micrograd_ext import Value
>>> x = Value(0.5, label='x'); w = Value(-1.0, label='w'); b = Value(0.2, label='b')
>>> n = x * w + b; n.label = 'n'
>>> y = n.tanh(); y.label = 'y'
>>> steps = backward_steps(y)
>>> print(next(steps))
step 1/3  y = tanh(n)  [tanh]  n.grad += (1 - y**2 = 0.9151) * 1.0000 = 0.9151
>>> print(next(steps))
step 2/3  n = v1 + b  [+]  v1.grad += 1 * 0.9151 = 0.9151 ;  b.grad += 1 * 0.9151 = 0.9151
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from ..core.handmade import run_closure
from ..core.engine import Value, topological_order
from ..core.graph import start_backward
from ..core.modes import stacklevel_outside
from ..viz.naming import data_changed, derivative, expression, fmt, grouped, is_number, is_simple, node_names
from ..core.ops import op_of



@dataclass
class Contribution:
    """What one step adds to one child: ``child.grad += local * upstream``."""
    child: Value
    child_name: str
    formula: str | None  # the local derivative d node / d child in the graph's names; None: the op's own _backward
    local: float         # its value
    upstream: float      # d output / d node
    added: float         # local * upstream
    grad_after: float

    def __str__(self) -> str:
        if self.formula is None:
            local = f'(from its _backward: {fmt(self.local)})'
        else:
            local = self.formula if is_number(self.formula) else f'({self.formula} = {fmt(self.local)})'
        total = f' (total {fmt(self.grad_after)})' if self.grad_after != self.added else ''
        return f'{grouped(self.child_name)}.grad += {local} * {fmt(self.upstream)} = {fmt(self.added)}{total}'


@dataclass
class BackwardStep:
    """One node's chain-rule step: its op, upstream gradient and what it added to each child."""
    index: int
    total: int
    node: Value
    name: str
    expression: str
    upstream: float
    contributions: list[Contribution]

    @property
    def op(self) -> str:
        return self.node._op

    @property
    def heading(self) -> str:
        """``step 2/3  n = v1 + b  [+]``: the step's number, what its node computes and its op."""
        computed = self.name if self.name == self.expression else f'{self.name} = {self.expression}'
        op = self.op if self.node._local_grads is not None else f'{self.op}, ran its own _backward'
        return f'step {self.index}/{self.total}  {computed}  [{op}]'

    def __str__(self) -> str:
        return f"{self.heading}  {' ;  '.join(str(c) for c in self.contributions)}"

    __repr__ = __str__  # ``next(steps)`` in a REPL shows the step as a line, as print() does


class GradientsAddUpWarning(UserWarning):
    """A step-through starts where its numbers will not be the output's gradients: leaves already hold
    gradients (the steps add to them), or data changed since the forward pass."""


class BackwardSteps(Iterator[BackwardStep]):
    """The steps of ``root.backward()``, applied one by one as they are reached (lazily).

    ``len()`` is the number of steps. After the last step every ``.grad`` equals what ``backward()``
    gives; like ``backward()``, leaves accumulate and interior grads start from zero.
    """

    def __init__(self, root: Value):
        self.root = root
        self.order = topological_order(root)
        self.names = node_names(self.order)
        self.schedule = [node for node in reversed(self.order) if node._prev]  # interior nodes, as backward() runs
        self.done: list[BackwardStep] = []
        self.started = False
        notes = [held_gradients(self.order, self.names, self.names[root]), data_changed(self.order, self.names)]
        self.warning = '\n'.join(note for note in notes if note) or None

    def __len__(self) -> int:
        return len(self.schedule)

    def __repr__(self) -> str:
        """What a REPL shows for ``y.backward_steps()``: how far it is, and how to go on.

        >>> from micrograd_ext import Value
        >>> x = Value(2.0, label='x'); y = x * x; y.label = 'y'
        >>> y.backward_steps()
        <the 1 backward step of y, 0 done: next(steps) runs the next one, list(steps) the rest, or print each in a for loop>
        """
        count = f"{len(self)} backward step{'' if len(self) == 1 else 's'}"
        return (f"<the {count} of {self.names[self.root]}, {len(self.done)} done: next(steps) runs the next one, "
                "list(steps) the rest, or print each in a for loop>")

    def start(self) -> None:
        """Seed the pass as ``backward()`` does: interior grads to 0, d root / d root = 1 (once)."""
        if not self.started:
            self.started = True
            if self.warning:
                warnings.warn(self.warning, GradientsAddUpWarning, stacklevel=stacklevel_outside())
            start_backward(self.root)

    def upcoming(self) -> BackwardStep | None:
        """The next step before it is applied: its node and upstream gradient, no contributions yet (None after
        the last step). ``next()`` applies it."""
        self.start()
        if len(self.done) == len(self.schedule):
            return None
        node = self.schedule[len(self.done)]
        return BackwardStep(len(self.done) + 1, len(self), node, self.names[node], expression(node, self.names),
                            node.grad, [])

    def __next__(self) -> BackwardStep:
        step = self.upcoming()
        if step is None:
            raise StopIteration
        node, upstream = step.node, step.upstream
        edges = local_edges(node, self.names)
        closure = node._local_grads is None
        if closure:  # a micrograd-style op runs its own _backward; the step reports what each child gained
            before = {child: child.grad for child, _, _ in edges}
            node._backward()
        for child, formula, local in edges:
            if closure:
                added = child.grad - before[child]
            else:
                added = local * upstream
                child.grad += added
            step.contributions.append(Contribution(child, self.names[child], formula, local, upstream, added,
                                                   child.grad))
        self.done.append(step)
        return step


def held_gradients(order: list[Value], names: dict[Value, str], root: str) -> str | None:
    """What to tell before a pass whose leaves already hold gradients (None when none does)."""
    held = [node for node in order if not node._prev and node.grad != 0]
    if not held:
        return None
    listed = ', '.join(f'{grouped(names[node])}.grad = {fmt(node.grad)}' for node in held[:3])
    derivatives = f'd{root}/d(leaf)' if is_simple(root) else "the output's derivatives"
    return (f"{len(held)} of the leaves already hold gradients ({listed}{', ...' if len(held) > 3 else ''}): "
            f"the steps add to them, as backward() does, so afterwards they are not {derivatives}; "
            f"{zero_grad_advice(root, [node for node in held if node.label or not names[node].startswith('c')])} "
            "first to start from 0")


def zero_grad_advice(root: str, held: list[Value]) -> str:
    """``call y.zero_grad()``, and ``model.zero_grad()`` as another way when the leaves that hold grads (constants
    aside) are all parameters."""
    call = f'call {root}.zero_grad()' if is_simple(root) else 'call zero_grad() on the output'
    return call + (' (or model.zero_grad())' if all(node.is_parameter for node in held) else '')


def backward_steps(root: Value) -> BackwardSteps:
    """An iterator over the steps ``root.backward()`` would run, each applied when it is reached
    (``y.backward_steps(quiz=True)`` runs them as a quiz instead: ``micrograd_ext.teach.quiz.quiz``)."""
    return BackwardSteps(root)


def local_formulas(node: Value, names: dict[Value, str]) -> list[str]:
    """Each local derivative d node / d child as a formula in the graph's names (numbers for constants)."""
    args = [names[child] for child in node._prev]
    op = op_of(node)
    return list(op.formulas(names[node], *args)) if op is not None else [derivative(names[node], a) for a in args]


def local_edges(node: Value, names: dict[Value, str]) -> list[tuple[Value, str | None, float]]:
    """(child, formula, local derivative) for each edge into ``node``.

    A micrograd-style op with its own ``_backward`` has one edge per distinct child, its local
    derivative measured by running the closure with ``node.grad = 1`` (formula None).
    """
    if node._local_grads is None:
        return [(child, None, local) for child, local in run_closure(node, 1.0).items()]
    return list(zip(node._prev, local_formulas(node, names), node._local_grads))
