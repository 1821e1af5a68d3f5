"""Why does ``x.grad`` have its value? The sum, over every path from the output to ``x``, of the
product of the local derivatives along the path.

>>> from micrograd_ext import Value
>>> x = Value(3.0, label='x')
>>> y = x * x + x; y.label = 'y'
>>> y.backward(); y.backward()  # twice, without zero_grad() in between
>>> print(explain(y, x))  # doctest: +NORMALIZE_WHITESPACE
dy/dx = 7.0000: x reaches y along 3 paths; each path multiplies the local derivatives on its edges,
and the paths add up.
x is used 3 times (by v1, v1, y), so its gradient collects a contribution from each use.
  path 1: x -(operand 1)-> v1 -> y
          dv1/dx = x = 3.0000 ; dy/dv1 = 1  =>  3.0000 * 1 = 3.0000
  path 2: x -(operand 2)-> v1 -> y
          dv1/dx = x = 3.0000 ; dy/dv1 = 1  =>  3.0000 * 1 = 3.0000
  path 3: x -> y
          dy/dx = 1  =>  1 = 1.0000
total over the paths: 7.0000; backward() gives 7.0000 (they match)
x.grad holds 14.0000, 2 times the paths' total: backward() ran 2 times and a leaf's grad adds up over the
passes; call y.zero_grad() before y.backward() to get 7.0000
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.autograd import gradients
from ..core.engine import Value, topological_order
from ..core.errors import describe
from ..viz.naming import data_changed, derivative, fmt, grouped, is_number, node_names
from .steps import local_edges, zero_grad_advice

MAX_PATHS = 64
MAX_PATH_EDGES = 2000  # edges over all listed paths: longer explanations give the count only


@dataclass
class PathStep:
    """One edge of a path: d parent / d child, as a formula and a number."""
    parent: str
    child: str
    formula: str | None  # None: measured from the op's own _backward
    local: float
    operand: int | None = None  # which operand of the parent the child is, when it is several (x*x)

    def __str__(self) -> str:
        if self.formula is None:
            return f'{derivative(self.parent, self.child)} = {fmt(self.local)} (from its _backward)'
        value = '' if is_number(self.formula) else f' = {fmt(self.local)}'
        if self.formula == derivative(self.parent, self.child):  # no formula, only the number the node stored
            return f'{self.formula}{value}'
        return f'{derivative(self.parent, self.child)} = {self.formula}{value}'

    @property
    def arrow(self) -> str:
        return ' -> ' if self.operand is None else f' -(operand {self.operand})-> '


@dataclass
class Path:
    """Nodes from the input up to the output, the local derivatives on the way, and their product."""
    names: list[str]
    steps: list[PathStep]

    @property
    def product(self) -> float:
        return math.prod(step.local for step in self.steps)

    def __str__(self) -> str:
        return self.names[0] + ''.join(step.arrow + step.parent for step in self.steps)


class Explanation:
    """The paths from ``output`` to ``target`` with their products, the total, and backward()'s answer."""

    def __init__(self, output: Value, target: Value, max_paths: int = MAX_PATHS):
        order = topological_order(output)
        self.names = node_names(order)
        self.output, self.target = output, target
        self.backward_value = gradients(output).get(target, 0.0)
        self.count, edges = count_paths(order, target)
        self.n_paths, self.n_edges = self.count.get(output, 0), edges.get(output, 0)
        self.uses = [self.names[node] for node in order for child in node._prev if child is target]
        listable = 0 < self.n_paths <= max_paths and self.n_edges <= MAX_PATH_EDGES
        self.paths = list_paths(output, target, self.count, self.names) if listable else None
        self.total = sum(p.product for p in self.paths) if self.paths is not None else None
        changed = data_changed(order, self.names)
        self.changed = [changed] if changed else []

    def __str__(self) -> str:
        out = self.names[self.output]
        if self.target not in self.names:
            hint = f"explain a Value that {out} was computed from"
            if self.output in topological_order(self.target):
                hint = (f"it is the other way round: {out} was computed from it, so ask "
                        f"{grouped(self.target.label) if self.target.label else 'that Value'}.explain({out})")
            return (f"{out} does not depend on {describe(self.target)}: it is not a node of {out}'s graph, so its "
                    f"derivative is 0 ({hint})")
        x = self.names[self.target]
        if self.target is self.output:
            return '\n'.join([f"{x} is the output itself: {derivative(x, x)} = 1"] + self.held())
        if self.n_paths == 0:
            return f"{out} does not depend on {x}: there is no path between them, so {derivative(out, x)} = 0"
        lines = [f"{derivative(out, x)} = {fmt(self.backward_value)}: {x} reaches {out} along {self.n_paths} "
                 f"path{'s' if self.n_paths > 1 else ''}; each path multiplies the local derivatives on its edges, "
                 "and the paths add up."]
        if len(self.uses) > 1:
            lines.append(f"{x} is used {len(self.uses)} times (by {', '.join(self.uses)}), so its gradient "
                         "collects a contribution from each use.")
        if self.paths is None or self.total is None:  # (the total is None exactly when the paths are)
            lines.append(f"There are too many paths to list ({self.n_paths} paths, {self.n_edges} edges in all; the limit "
                         f"is {MAX_PATHS} paths and {MAX_PATH_EDGES} edges); backward() adds them up without listing "
                         "them, one node at a time (see backward_steps()).")
            return '\n'.join(lines + self.held() + self.changed)
        for i, path in enumerate(self.paths, 1):
            factors = ' * '.join(s.formula if is_number(s.formula) else fmt(s.local) for s in path.steps)
            lines.append(f"  path {i}: {path}")
            lines.append(f"          {' ; '.join(str(s) for s in path.steps)}  =>  {factors} = {fmt(path.product)}")
        verdict = 'they match' if math.isclose(self.total, self.backward_value, rel_tol=1e-9, abs_tol=1e-12) \
            else 'they DIFFER'
        lines.append(f"total over the paths: {fmt(self.total)}; backward() gives {fmt(self.backward_value)} ({verdict})")
        return '\n'.join(lines + self.held() + self.changed)

    def held(self) -> list[str]:
        """A line on ``target.grad`` when it does not hold what ``backward()`` gives, saying why and what to do."""
        held, due = self.target.grad, self.backward_value
        if math.isclose(held, due, rel_tol=1e-9, abs_tol=1e-12):
            return []
        x, out = grouped(self.names[self.target]), self.names[self.output]
        if held == 0:
            return [f"{x}.grad is 0 now: backward() has not run on {out} yet (or zero_grad() reset it); "
                    f"{out}.backward() puts {fmt(due)} there"]
        runs = held / due if due else 0.0
        if runs > 1.5 and math.isclose(runs, round(runs), rel_tol=1e-9):
            cause = (f"{round(runs)} times the paths' total: backward() ran {round(runs)} times and a leaf's grad "
                     "adds up over the passes")
        else:
            cause = ("not the paths' total: it kept gradients from an earlier backward() (a leaf's grad adds up "
                     "over the passes), or the data changed since")
        return [f"{x}.grad holds {fmt(held)}, {cause}; {zero_grad_advice(out, [self.target])} before "
                f"{out}.backward() to get {fmt(due)}"]

    __repr__ = __str__


def explain(output: Value, target: Value, max_paths: int = MAX_PATHS) -> Explanation:
    """Why ``target.grad`` is what it is after ``output.backward()``: every path, written out with numbers."""
    if not isinstance(output, Value) or not isinstance(target, Value):
        raise TypeError("explain(output, target) takes two Values, e.g. y.explain(x)")
    return Explanation(output, target, max_paths)


def count_paths(order: list[Value], target: Value) -> tuple[dict[Value, int], dict[Value, int]]:
    """For every node, how many paths lead from it down to ``target``, and how many edges those paths
    have in all (dynamic programming, children first: linear time, no recursion)."""
    count: dict[Value, int] = {}
    edges: dict[Value, int] = {}
    for node in order:
        if node is target:
            count[node], edges[node] = 1, 0
            continue
        children = distinct_children(node)
        count[node] = sum(count[child] for child in children)
        edges[node] = sum(edges[child] + count[child] for child in children)
    return count, edges


def distinct_children(node: Value) -> tuple[Value, ...]:
    """The children as paths see them: one edge per operand, but one per distinct child for an op
    with its own ``_backward`` (its closure adds a reused child's contributions up)."""
    return node._prev if node._local_grads is not None else tuple(dict.fromkeys(node._prev))


def list_paths(output: Value, target: Value, count: dict[Value, int], names: dict[Value, str]) -> list[Path]:
    """Every path from ``output`` down to ``target``, written from the input upwards (explicit stack;
    each path is a linked list of its edges, so listing costs the length of the paths, no more)."""
    paths = []
    stack: list[tuple[Value, tuple | None]] = [(output, None)]
    while stack:
        node, edges = stack.pop()
        if node is target:
            steps = []
            while edges is not None:
                (parent, child, formula, local, operand), edges = edges
                steps.append(PathStep(names[parent], names[child], formula, local, operand))
            paths.append(Path([names[target]] + [step.parent for step in steps], steps))
            continue
        node_edges = local_edges(node, names)  # one per operand (one per distinct child for a closure op)
        repeated = len(node_edges) != len({id(child) for child, _, _ in node_edges})
        for position, (child, formula, local) in reversed(list(enumerate(node_edges, 1))):
            if count[child]:
                operand = position if repeated and node._prev.count(child) > 1 else None
                stack.append((child, ((node, child, formula, local, operand), edges)))
    return paths
