"""Backpropagation one chain-rule step at a time, with the numbers shown.

>>> from micrograd_ext import Value
>>> x = Value(0.5, label='x'); w = Value(-1.0, label='w'); b = Value(0.2, label='b')
>>> n = x * w + b; n.label = 'n'
>>> y = n.tanh(); y.label = 'y'
>>> steps = backward_steps(y)
>>> print(next(steps))
step 1/3  y = tanh(n)  [tanh]  n.grad += (1 - y**2 = 0.9151) * 1.0000 = 0.9151
>>> print(next(steps))
step 2/3  n = v2 + b  [+]  v2.grad += 1 * 0.9151 = 0.9151 ;  b.grad += 1 * 0.9151 = 0.9151
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .engine import Value, split_linear, start_backward, topological_order
from .table import fmt, grouped, is_number, node_names


@dataclass
class Contribution:
    """What one step adds to one child: ``child.grad += local * upstream``."""
    child: Value
    child_name: str
    formula: str      # the local derivative d node / d child, written with the graph's names
    local: float      # its value
    upstream: float   # d output / d node
    added: float      # local * upstream
    grad_after: float

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        added = ' ;  '.join(str(c) for c in self.contributions)
        computed = self.name if self.name == self.expression else f'{self.name} = {self.expression}'
        return f'step {self.index}/{self.total}  {computed}  [{self.op}]  {added}'


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

    def __len__(self) -> int:
        return len(self.schedule)

    def start(self) -> None:
        """Seed the pass as ``backward()`` does: interior grads to 0, d root / d root = 1 (once)."""
        if not self.started:
            self.started = True
            start_backward(self.root)

    def __next__(self) -> BackwardStep:
        self.start()
        if len(self.done) == len(self.schedule):
            raise StopIteration
        node = self.schedule[len(self.done)]
        contributions = []
        for child, local, formula in zip(node._prev, node._local_grads, local_formulas(node, self.names)):
            added = local * node.grad
            child.grad += added
            contributions.append(Contribution(child, self.names[child], formula, local, node.grad, added, child.grad))
        step = BackwardStep(len(self.done) + 1, len(self), node, self.names[node],
                            expression(node, self.names), node.grad, contributions)
        self.done.append(step)
        return step


def backward_steps(root: Value) -> BackwardSteps:
    """An iterator over the steps ``root.backward()`` would run, each applied when it is reached."""
    return BackwardSteps(root)


def expression(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed from its children, in the graph's names: ``x*w``, ``tanh(n)``..."""
    args = [names[child] for child in node._prev]
    op = node._op
    if op == 'linear':
        weights, inputs, bias = split_linear(args)
        return ' + '.join([f'{w}*{x}' for w, x in zip(weights, inputs)] + [bias])
    if op in ('+', '-', '*', '/', '**') and len(args) == 2:
        return f'{args[0]}{op}{args[1]}' if op in ('*', '/', '**') else f'{args[0]} {op} {args[1]}'
    if op == '+':
        return ' + '.join(args)
    if op.startswith('**'):
        return f'{args[0]}{op}'
    if op == 'neg':
        return f'-{args[0]}'
    return f"{op.lower()}({', '.join(args)})"


def local_formulas(node: Value, names: dict[Value, str]) -> list[str]:
    """Each local derivative d node / d child as a formula in the graph's names (numbers for constants)."""
    args = [names[child] for child in node._prev]
    out, op = names[node], node._op
    a = args[0] if args else ''
    if op == '+':
        return ['1'] * len(args)
    if op == 'linear':
        weights, inputs, _ = split_linear(args)
        return [*inputs, *weights, '1']
    formulas = {
        '-': lambda: ['1', '-1'],
        '*': lambda: [args[1], args[0]],
        '/': lambda: [f'1/{args[1]}', f'-{args[0]}/{args[1]}**2'],
        '**': lambda: [f'{args[1]}*{a}**({args[1]} - 1)', f'{out}*log({a})'],
        'neg': lambda: ['-1'],
        'abs': lambda: [f'sign({a})'],
        'ReLU': lambda: [f'[{a} > 0]'],
        'tanh': lambda: [f'1 - {out}**2'],
        'sigmoid': lambda: [f'{out}*(1 - {out})'],
        'exp': lambda: [out],
        'log': lambda: [f'1/{a}'],
        'sqrt': lambda: [f'1/(2*{out})'],
        'gelu': lambda: [f"gelu'({a})"],
        'silu': lambda: [f"silu'({a})"],
    }
    if op.startswith('**') and op != '**':
        n = op[2:]
        return [f'{n}*{a}**{_minus_one(n)}']
    if op in formulas:
        return formulas[op]()
    return [f'd{out}/d{arg}' for arg in args]


def _minus_one(exponent: str) -> str:
    n = float(exponent) - 1
    return f'{int(n)}' if n.is_integer() else f'{n:g}'
