"""Naming the mistake at the first wrong node of a student's gradients: the categories, the ``Diagnosis`` and
the comparison of the node's gradient with each use's contribution (``diagnosis.diagnose`` finds the node)."""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ..core.engine import Value
from ..viz.naming import derivative, expression, grouped
from ..teach.steps import local_edges, zero_grad_advice

OVERWRITTEN = '= instead of +='      # a reused node holds one use's contribution only
MISSING_LOCAL = 'missing local derivative'  # the upstream gradient passed down as it is
LOCAL_ONLY = 'local derivative only'  # d parent/d node, not multiplied by the upstream gradient
WRONG_ORDER = 'wrong order'           # a parent passed its gradient down before all its uses had added to it
ROOT_GRAD = 'root grad not 1'         # the output's gradient was not set to 1 (in time)
NOT_ZEROED = 'grads not zeroed'       # the gradients of several passes added up
WRONG_SIGN = 'wrong sign'             # the right size, the wrong sign
OTHER = 'other'                       # none of these: the message spells out the chain rule
CRASHED = 'crashed'                   # the student's backward raised an exception or ran out of time
UNREADABLE = 'unreadable'             # a gradient that is no number, or a table with missing or unknown nodes
CATEGORIES = (OVERWRITTEN, MISSING_LOCAL, LOCAL_ONLY, WRONG_ORDER, ROOT_GRAD, NOT_ZEROED, WRONG_SIGN, OTHER,
              CRASHED, UNREADABLE)

REL_TOL, ABS_TOL = 1e-4, 1e-6
MAX_PASSES = 1000   # "k times too large" is recognised for k = 2 ... MAX_PASSES
MAX_SUBSETS = 8     # a parent with more uses: only the partial sums in backward order (prefixes, suffixes) are tried
MAX_MIXES = 4096    # combinations of right and wrong edges tried at the wrong node
MAX_TERMS = 6       # contributions written out in a message; the others are counted

Partial = tuple[float, list[Value]]  # a gradient a parent held on the way, and the nodes whose contributions made it

@dataclass
class Diagnosis:
    """The first wrong node (None when no node is to blame, e.g. a crash), its name, the given and the expected
    gradient, the mistake's ``category`` (one of ``CATEGORIES``) and a ``message`` for the student."""
    node: Value | None
    name: str | None
    given: object            # the student's number; for UNREADABLE what was there instead (None: missing)
    expected: float | None
    category: str
    message: str

    def __str__(self) -> str:
        return self.message

    __repr__ = __str__

def close_enough(given: float, expected: float, rel_tol: float = REL_TOL) -> bool:
    return math.isclose(given, expected, rel_tol=rel_tol, abs_tol=ABS_TOL) or (given != given and expected != expected)


def _num(x: float) -> str:
    return f'{x + 0.0:g}'  # + 0.0: no '-0'

# ---- finding and naming the mistake ----------------------------------------------------------------------

@dataclass
class _Edge:
    """One use of a node: ``parent`` has it as a child, with local derivative ``local`` (``formula`` in the graph's
    names; None when measured from the parent's own _backward), as operand ``operand`` when it is several (a*a)."""
    parent: Value
    formula: str | None
    local: float
    operand: int | None


class Case:
    """One comparison of the student's gradients (``given``) with the engine's (``expected``)."""

    def __init__(self, root: Value, order: list[Value], names: dict, given: dict, expected: dict, said: str,
                 rel_tol: float = REL_TOL):
        self.root, self.order, self.names, self.said = root, order, names, said
        self.given, self.expected = given, expected
        self.out = names[root]
        self.rel_tol = rel_tol  # how near a number must be to count as another: looser for hand-rounded ones

    def close(self, given: float, expected: float) -> bool:
        return close_enough(given, expected, self.rel_tol)

    def due(self, node: Value) -> float:
        return self.expected.get(node, 0.0)

    def d(self, node: Value) -> str:
        return derivative(self.out, self.names[node])

    def diagnosis(self) -> Diagnosis | None:
        """The checks: one use's contribution only (the clearest sign), the global patterns (nothing passed
        down, every wrong gradient k times too large, the root), then the edges of the first wrong node."""
        wrong = next((node for node in reversed(self.order)
                      if node in self.given and not self.close(self.given[node], self.due(node))), None)
        if wrong is None:
            return None
        uses = self.uses({wrong})[wrong]
        contributions = [self.given[use.parent] * use.local for use in uses]
        one = [i for i, c in enumerate(contributions) if self.close(self.given[wrong], c)] if len(uses) > 1 else []
        if one:
            return self.overwritten(wrong, uses, one[-1])
        if all(self.close(g, 0.0) for node, g in self.given.items() if node is not self.root):
            return self.root_not_set(wrong)
        k = self.times(wrong)
        if k and all(self.close(g, self.due(node)) or self.close(g, k * self.due(node))
                     for node, g in self.given.items()):
            return self.not_zeroed(wrong, uses, k, everywhere=True)
        if wrong is self.root:
            return self.root_wrong()
        if k:
            return self.not_zeroed(wrong, uses, k, everywhere=False)
        return self.by_edges(wrong, uses, contributions)

    def uses(self, targets: set) -> dict[Value, list[_Edge]]:
        """Every use of each of ``targets``, in backward order (one pass over the graph)."""
        found: dict[Value, list[_Edge]] = {target: [] for target in targets}
        for parent in reversed(self.order):
            if not any(child in found for child in parent._prev):
                continue
            repeated = parent._local_grads is not None and len(set(parent._prev)) < len(parent._prev)
            for position, (child, formula, local) in enumerate(local_edges(parent, self.names), 1):
                if child in found:
                    operand = position if repeated and parent._prev.count(child) > 1 else None
                    found[child].append(_Edge(parent, formula, local, operand))
        return found

    def times(self, node: Value) -> int | None:
        """k when the given gradient is k = 2, 3, ... times the engine's."""
        due = self.due(node)
        if self.close(due, 0.0) or not math.isfinite(self.given[node] / due):
            return None
        k = round(self.given[node] / due)
        return k if 2 <= k <= MAX_PASSES and self.close(self.given[node], k * due) else None

    # ---- the words -------------------------------------------------------------------------------------

    def term(self, node: Value, use: _Edge, upstream: float) -> str:
        """Where one use's contribution comes from: ``(from e = a*b: b * dM/de = -3 * 2)``."""
        parent = self.names[use.parent]
        operand = f', operand {use.operand}' if use.operand else ''
        formula = grouped(use.formula) if use.formula is not None else derivative(parent, self.names[node])
        return (f'(from {parent} = {expression(use.parent, self.names)}{operand}: '
                f'{formula} * {self.d(use.parent)} = {_num(use.local)} * {_num(upstream)})')

    def should_be(self, node: Value, uses: list[_Edge]) -> str:
        """``dM/da should be 10 = 4 (from ...) + 6 (from ...), but you gave 6``: the chain rule with the engine's
        numbers."""
        terms = [(use.local * self.due(use.parent), self.term(node, use, self.due(use.parent)))
                 for use in uses[:MAX_TERMS]]
        product = (f' {terms[0][1]}' if len(terms) == 1 else
                   ' = ' + ' + '.join(f'{_num(c)} {text}' for c, text in terms))
        if len(uses) > MAX_TERMS:
            product += f' + ... ({len(uses) - MAX_TERMS} more uses)'
        constant = '' if node.label or node._prev else f' ({self.names[node]} = {_num(node.data)})'
        return (f'{self.d(node)}{constant} should be {_num(self.due(node))}{product}, but {self.said} '
                f'{_num(self.given[node])}')

    def local(self, node: Value, use: _Edge) -> str:
        """``dL/dd = f = -2``: the local derivative of one use."""
        name = derivative(self.names[use.parent], self.names[node])
        if use.formula is None:
            return f'{name} = {_num(use.local)} (from its _backward)'
        shown = '' if use.formula == _num(use.local) else f' = {_num(use.local)}'
        return f'{name} = {use.formula}{shown}'

    def found(self, node: Value, category: str, message: str) -> Diagnosis:
        return Diagnosis(node, self.names[node], self.given[node], self.due(node), category, message)

    def root_not_set(self, wrong: Value) -> Diagnosis:
        root, held = self.root, self.given.get(self.root, 0.0)
        if self.close(held, 0.0):
            text = (f'every gradient is 0, {self.d(root)} included: the backward pass never started. Set '
                    f'{self.out}.grad = 1 first ({self.d(root)} = 1), then pass the gradients down from it.')
        else:
            text = (f'{self.out}.grad is {_num(held)}, but every other gradient is 0: nothing was passed down from '
                    f'{self.out}. Set {self.out}.grad = 1 before the loop that passes the gradients down, not after.')
        return self.found(wrong if self.close(held, 1.0) else root, ROOT_GRAD, text)

    def root_wrong(self) -> Diagnosis:
        held = self.given[self.root]
        scaled = all(self.close(g, held * self.due(node)) for node, g in self.given.items())
        because = ', and every other gradient is scaled by it' if scaled else ''
        return self.found(self.root, ROOT_GRAD,
                          f'{self.d(self.root)} should be 1 (the output changes one for one with itself), but '
                          f'{self.said} {_num(held)}{because}. Set {self.out}.grad = 1 before passing the gradients '
                          'down.')

    def overwritten(self, node: Value, uses: list[_Edge], kept: int) -> Diagnosis:
        name = self.names[node]
        users = ', '.join(self.names[use.parent] for use in uses[:MAX_TERMS])
        users += ', ...' if len(uses) > MAX_TERMS else ''
        return self.found(node, OVERWRITTEN,
                          f'{self.should_be(node, uses)}, the contribution from {self.names[uses[kept].parent]} only: '
                          f'{name} is used {len(uses)} times (by {users}), and its gradient adds up one contribution '
                          f'from each use. Write {name}.grad += ..., not {name}.grad = ..., or each use overwrites the '
                          'ones before it.')

    def not_zeroed(self, node: Value, uses: list[_Edge], k: int, everywhere: bool) -> Diagnosis:
        head = self.should_be(node, uses) if uses else (f'{self.d(node)} should be 1, but {self.said} '
                                                         f'{_num(self.given[node])}')
        also = ', and so is every other gradient that is off' if everywhere else ''
        return self.found(node, NOT_ZEROED,
                          f'{head}: {k} times too large{also}. The gradients of {k} backward passes added up: '
                          f'{zero_grad_advice(self.out, [node])} (or set every .grad to 0) before each backward pass.')

    def by_edges(self, node: Value, uses: list[_Edge], contributions: list[float]) -> Diagnosis:
        """Name the mistake that the first wrong node's edges explain (see ``explaining``), trying the mistakes
        in this order; OTHER when none adds up."""
        upstream = [self.given[use.parent] for use in uses]
        partial = self.partial_sums(uses)
        hypotheses = [
            (WRONG_ORDER, [[use.local * held for held, _ in sums] for use, sums in zip(uses, partial)]),
            (MISSING_LOCAL, [[u] for u in upstream]),
            (LOCAL_ONLY, [[use.local] for use in uses]),
            (WRONG_SIGN, [[-c] for c in contributions]),
        ]
        for category, wrong in hypotheses:
            choice = explaining(self.given[node], contributions, wrong, self.close)
            if choice is not None:
                edges = [(uses[i], upstream[i], partial[i][k] if category == WRONG_ORDER else None)
                         for i, k in enumerate(choice) if k is not None]
                why = self.why(category, node, edges)
                return self.found(node, category, f'{self.should_be(node, uses)}: {why}.')
        nothing = (f' Nothing reached {self.names[node]}: did '
                   f"{', '.join(dict.fromkeys(self.names[use.parent] for use in uses))} pass the gradient down?"
                   if self.close(self.given[node], 0.0) else '')
        return self.found(node, OTHER,
                          f'{self.should_be(node, uses)}. Each use of {self.names[node]} contributes the gradient of '
                          f'the node that uses it times the local derivative, and the contributions add up.{nothing}')

    def why(self, category: str, node: Value, edges: list[tuple[_Edge, float, Partial | None]]) -> str:
        """What the wrong ``edges`` (use, upstream gradient, for WRONG_ORDER the partial sum passed) did."""
        if category == WRONG_ORDER:
            return ('; '.join(self.too_early(use, cast(Partial, held)) for use, _, held in edges)
                    + '. A node may pass its gradient down only after all its uses have added to it: go through the '
                    'nodes in reverse topological order (the output first, every node before its children)')
        if category == MISSING_LOCAL:
            return ('the gradient from above passed down without multiplying by the local derivative ('
                    + '; '.join(f'{self.d(use.parent)} = {_num(u)} not multiplied by {self.local(node, use)}'
                                for use, u, _ in edges)
                    + f'). The chain rule multiplies them: {self.chain(node, edges[0][0])}')
        if category == LOCAL_ONLY:
            return ('the local derivative alone, not multiplied by the gradient arriving from above ('
                    + '; '.join(f'{self.local(node, use)}, without {self.d(use.parent)} = {_num(u)}'
                                for use, u, _ in edges)
                    + f'). The chain rule multiplies them: {self.chain(node, edges[0][0])}')
        return ('the right size from ' + ', '.join(dict.fromkeys(self.names[use.parent] for use, _, _ in edges))
                + ' but the wrong sign: check the sign of ' + '; '.join(self.local(node, use) for use, _, _ in edges)
                + ', and that gradients are added (+=), not subtracted')

    def chain(self, node: Value, use: _Edge) -> str:
        """``dM/dd = dM/dL * dL/dd``, for the first of the wrong uses."""
        return f'{self.d(node)} = {self.d(use.parent)} * {derivative(self.names[use.parent], self.names[node])}'

    def partial_sums(self, uses: list[_Edge]) -> list[list[Partial]]:
        """For each use, the gradients its parent held on the way to its final one: the sums of proper subsets of
        its own uses' contributions (prefixes and suffixes only for a parent with many uses); none for the root."""
        parents = {use.parent for use in uses if use.parent is not self.root}
        incoming = self.uses(parents)
        sums: dict[Value, list[Partial]] = {}
        for parent in parents:
            terms = [(self.given[use.parent] * use.local, use.parent) for use in incoming[parent]]
            subsets: Iterable[Sequence[tuple[float, Value]]]
            if len(terms) <= MAX_SUBSETS:
                subsets = itertools.chain.from_iterable(itertools.combinations(terms, r) for r in range(len(terms)))
            else:
                subsets = [terms[:r] for r in range(len(terms))] + [terms[r:] for r in range(1, len(terms))]
            sums[parent] = [(math.fsum(c for c, _ in subset), [p for _, p in subset]) for subset in subsets]
        return [sums.get(use.parent, []) for use in uses]

    def too_early(self, use: _Edge, partial: Partial) -> str:
        parent = self.names[use.parent]
        held, contributors = partial
        full = f'its final {_num(self.given[use.parent])}'
        if not contributors:
            return (f'{parent} passed its gradient down while {parent}.grad was still 0, before any of its uses had '
                    f'added to it (or it never passed it down), instead of {full}')
        sources = ', '.join(dict.fromkeys(self.names[p] for p in contributors))
        return (f'{parent} passed its gradient down when {parent}.grad held only {_num(held)} (from {sources}) of '
                f'{full}')


def explaining(given: float, right: list[float], wrong: list[list[float]],
               close: Callable[[float, float], bool] = close_enough) -> list[int | None] | None:
    """Which edges, with which of their wrong values, make ``given``: one entry per edge, None where the edge's
    contribution is ``right[i]``, else an index into ``wrong[i]``; None when no mix adds up. The same mistake on
    every edge it changes is tried first (one line of code makes it everywhere), then one edge at a time, then
    up to ``MAX_MIXES`` mixes.

    >>> explaining(7.0, [1.0, 2.0], [[4.0], [3.0]]), explaining(5.0, [1.0, 2.0], [[3.0], [5.0]])
    ([0, 0], [0, None])
    """
    options = [[None] + [k for k, value in enumerate(values) if not close(value, r)]
               for r, values in zip(right, wrong)]
    if all(len(option) == 1 for option in options):
        return None
    everywhere = [option[1] if len(option) > 1 else None for option in options]
    singles = ([None] * i + [k] + [None] * (len(options) - i - 1) for i, option in enumerate(options)
               for k in option[1:])
    for choice in itertools.chain([everywhere], singles, itertools.islice(itertools.product(*options), MAX_MIXES)):
        total = math.fsum(r if k is None else wrong[i][k] for i, (r, k) in enumerate(zip(right, choice)))
        if any(k is not None for k in choice) and close(given, total):
            return list(choice)
    return None

