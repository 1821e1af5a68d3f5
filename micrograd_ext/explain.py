"""Why does ``x.grad`` have its value? The sum, over every path from the output to ``x``, of the
product of the local derivatives along the path.

>>> from micrograd_ext import Value
>>> x = Value(3.0, label='x')
>>> y = x * x + x; y.label = 'y'
>>> print(explain(y, x))  # doctest: +NORMALIZE_WHITESPACE
dy/dx = 7.0000: x reaches y along 3 paths; each path multiplies the local derivatives on its edges,
and the paths add up.
x is used 3 times (by v1, v1, y), so its gradient collects a contribution from each use.
  path 1: x -> v1 -> y
          dv1/dx = x = 3.0000 ; dy/dv1 = 1  =>  3.0000 * 1 = 3.0000
  path 2: x -> v1 -> y
          dv1/dx = x = 3.0000 ; dy/dv1 = 1  =>  3.0000 * 1 = 3.0000
  path 3: x -> y
          dy/dx = 1  =>  1 = 1.0000
total over the paths: 7.0000; backward() gives 7.0000 (they match)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .autograd import gradients
from .engine import Value, topological_order
from .steps import local_formulas
from .table import fmt, grouped, is_number, node_names

MAX_PATHS = 64


@dataclass
class PathStep:
    """One edge of a path: d parent / d child, as a formula and a number."""
    parent: str
    child: str
    formula: str
    local: float

    def __str__(self) -> str:
        value = '' if is_number(self.formula) else f' = {fmt(self.local)}'
        return f'{derivative(self.parent, self.child)} = {self.formula}{value}'


@dataclass
class Path:
    """Nodes from the input up to the output, the local derivatives on the way, and their product."""
    names: list[str]
    steps: list[PathStep]

    @property
    def product(self) -> float:
        return math.prod(step.local for step in self.steps)


class Explanation:
    """The paths from ``output`` to ``target`` with their products, the total, and backward()'s answer."""

    def __init__(self, output: Value, target: Value, max_paths: int = MAX_PATHS):
        order = topological_order(output)
        self.names = node_names(order)
        self.output, self.target = output, target
        self.backward_value = gradients(output).get(target, 0.0)
        self.count = count_paths(order, target)
        self.n_paths = self.count.get(output, 0)
        self.uses = [self.names[node] for node in order for child in node._prev if child is target]
        self.paths = list_paths(output, target, self.count, self.names) if 0 < self.n_paths <= max_paths else None
        self.total = sum(p.product for p in self.paths) if self.paths is not None else None

    def __str__(self) -> str:
        out, x = self.names.get(self.output, 'output'), self.names.get(self.target, self.target.label or 'x')
        if self.n_paths == 0:
            return f"{out} does not depend on {x}: there is no path between them, so {derivative(out, x)} = 0"
        lines = [f"{derivative(out, x)} = {fmt(self.backward_value)}: {x} reaches {out} along {self.n_paths} "
                 f"path{'s' if self.n_paths > 1 else ''}; each path multiplies the local derivatives on its edges, "
                 "and the paths add up."]
        if len(self.uses) > 1:
            lines.append(f"{x} is used {len(self.uses)} times (by {', '.join(self.uses)}), so its gradient "
                         "collects a contribution from each use.")
        if self.paths is None:
            lines.append(f"There are too many paths to list ({self.n_paths}, more than {MAX_PATHS}); backward() adds "
                         "them up without listing them, one node at a time (see backward_steps()).")
            return '\n'.join(lines)
        for i, path in enumerate(self.paths, 1):
            factors = ' * '.join(s.formula if is_number(s.formula) else fmt(s.local) for s in path.steps)
            lines.append(f"  path {i}: {' -> '.join(path.names)}")
            lines.append(f"          {' ; '.join(str(s) for s in path.steps)}  =>  {factors} = {fmt(path.product)}")
        verdict = 'they match' if math.isclose(self.total, self.backward_value, rel_tol=1e-9, abs_tol=1e-12) \
            else 'they DIFFER'
        lines.append(f"total over the paths: {fmt(self.total)}; backward() gives {fmt(self.backward_value)} ({verdict})")
        return '\n'.join(lines)

    __repr__ = __str__


def explain(output: Value, target: Value, max_paths: int = MAX_PATHS) -> Explanation:
    """Why ``target.grad`` is what it is after ``output.backward()``: every path, written out with numbers."""
    if not isinstance(output, Value) or not isinstance(target, Value):
        raise TypeError("explain(output, target) takes two Values, e.g. y.explain(x)")
    return Explanation(output, target, max_paths)


def derivative(top: str, bottom: str) -> str:
    """``dy/dx``, with parentheses around compound names: ``d(x*w)/dx``."""
    return f'd{grouped(top)}/d{grouped(bottom)}'


def count_paths(order: list[Value], target: Value) -> dict[Value, int]:
    """For every node, how many paths lead from it down to ``target`` (children first, no recursion)."""
    count = {}
    for node in order:
        count[node] = 1 if node is target else sum(count[child] for child in node._prev)
    return count


def list_paths(output: Value, target: Value, count: dict[Value, int], names: dict[Value, str]) -> list[Path]:
    """Every path from ``output`` down to ``target``, written from the input upwards (explicit stack)."""
    paths = []
    stack = [(output, [])]
    while stack:
        node, edges = stack.pop()
        if node is target:
            steps = [PathStep(names[parent], names[child], formula, local) for parent, child, formula, local in reversed(edges)]
            paths.append(Path([names[target]] + [s.parent for s in steps], steps))
            continue
        formulas = local_formulas(node, names)
        for child, local, formula in reversed(list(zip(node._prev, node._local_grads, formulas))):
            if count[child]:
                stack.append((child, edges + [(node, child, formula, local)]))
    return paths
