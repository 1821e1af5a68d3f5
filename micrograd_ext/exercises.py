"""Checkers for classroom exercises: they take a student's function or numbers and answer in words.

Each returns a ``CheckResult`` (``passed`` and a ``message``) that prints as a short verdict: which input
failed, the expected and the given value, the finite-difference value where it helps, and a hint.

>>> check_local_derivative('tanh', lambda x: 1 - math.tanh(x) ** 2).passed
True
>>> print(check_local_derivative('sigmoid', lambda x: math.exp(-x) / (1 + math.exp(-x))))
not yet: at x = -2.0 your derivative gives 0.8808, but d sigmoid/dx = 0.1050 (finite differences: 0.1050).
Hint: the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .engine import Value
from .explain import explain
from .finite_differences import analytic_grad, numerical_grad

POINTS = (-2.0, -0.5, 0.3, 1.7)
TOLERANCE = 1e-4


@dataclass
class CheckResult:
    """The verdict of one check."""
    passed: bool
    message: str

    def __str__(self) -> str:
        return f"{'correct' if self.passed else 'not yet'}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html
        colour = '#2b8a3e' if self.passed else '#c92a2a'
        verdict = 'Correct' if self.passed else 'Not yet'
        return f'<div style="color:{colour}"><b>{verdict}:</b> {html.escape(self.message)}</div>'


def close(given: float, expected: float) -> bool:
    return math.isclose(given, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _not_done(error: Exception) -> CheckResult | None:
    if isinstance(error, NotImplementedError):
        return CheckResult(False, 'this exercise is not done yet: replace `raise NotImplementedError` with your code.')
    return None


def _crashed(error: Exception) -> CheckResult:
    return _not_done(error) or CheckResult(False, f'your code raised {type(error).__name__}: {error}')


# ---- 1. local derivatives ---------------------------------------------------------------------------

OPS: dict[str, Callable[[Value], Value]] = {
    'tanh': Value.tanh, 'sigmoid': Value.sigmoid, 'relu': Value.relu, 'exp': Value.exp,
    'square': lambda x: x ** 2, 'silu': Value.silu, 'gelu': Value.gelu,
}
DERIVATIVE_HINTS = {
    'tanh': 'd tanh/dx = 1 - tanh(x)**2: use the output, squared.',
    'sigmoid': 'the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).',
    'relu': 'relu passes the gradient where x > 0 and blocks it elsewhere: 1.0 if x > 0 else 0.0.',
    'exp': 'exp is its own derivative.',
    'square': 'the power rule: d/dx x**2 = 2 * x.',
    'silu': 'silu(x) = x * sigmoid(x): use the product rule.',
    'gelu': 'differentiate 0.5 * x * (1 + tanh(u)) with the product rule, then the chain rule through u.',
}


def check_local_derivative(op: str, derivative: Callable[[float], float]) -> CheckResult:
    """Does ``derivative(x)`` equal d op(x)/dx at several points? ``op`` is a name in ``OPS``."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; choose one of {', '.join(OPS)}")
    for x in POINTS:
        expected = analytic_grad(OPS[op], [x])[0]
        try:
            given = float(derivative(x))
        except Exception as error:  # a student's code may fail in any way; report it in words
            return _crashed(error)
        if not close(given, expected):
            numeric = numerical_grad(OPS[op], [x])[0]
            sign = ' It has the right size but the wrong sign.' if close(given, -expected) else ''
            return CheckResult(False, f"at x = {x} your derivative gives {given:.4f}, but d {op}/dx = {expected:.4f} "
                                      f"(finite differences: {numeric:.4f}).{sign}\nHint: {DERIVATIVE_HINTS[op]}")
    return CheckResult(True, f'your d {op}/dx matches at x = {", ".join(map(str, POINTS))}.')


# ---- 2. a new op on Value -----------------------------------------------------------------------------

def check_new_op(op: Callable[[Value], Value], reference: Callable[[float], float], name: str = 'your op') -> CheckResult:
    """Is ``op(x)`` a Value with the right data, ``x`` as its child, and a local derivative that matches
    finite differences of ``reference`` (the plain-float function)?"""
    for x in POINTS:
        leaf = Value(x, label='x')
        try:
            out = op(leaf)
        except Exception as error:  # a student's code may fail in any way; report it in words
            return _crashed(error)
        if not isinstance(out, Value):
            return CheckResult(False, f'{name} must return a Value, got {type(out).__name__}.')
        if not close(out.data, reference(x)):
            return CheckResult(False, f'at x = {x} {name} gives {out.data:.4f}, but the function is {reference(x):.4f}.')
        if leaf not in out._prev:
            return CheckResult(False, f"{name}'s result does not list x among its children (_prev = {out._prev}); "
                                      "pass (x,) as the children so gradients can flow back to x.")
        if len(out._local_grads) != len(out._prev):
            return CheckResult(False, f"{name} stores {len(out._local_grads)} local derivatives for {len(out._prev)} "
                                      "children; give one d out/d child per child.")
        out.backward()
        numeric = numerical_grad(lambda v: Value(reference(v.data)), [x])[0]
        if not close(leaf.grad, numeric):
            hint = ' It has the right size but the wrong sign.' if close(leaf.grad, -numeric) else ''
            return CheckResult(False, f'at x = {x} the gradient through {name} is {leaf.grad:.4f}, but finite '
                                      f'differences give {numeric:.4f}.{hint}\nHint: the local derivative you store '
                                      'must be d out/dx evaluated at this x.')
    return CheckResult(True, f'{name} computes the right values and gradients (checked against finite differences).')


# ---- 3. gradients of a small graph, by hand ------------------------------------------------------------

def lecture_graph() -> tuple[Value, dict[str, Value]]:
    """The graph to fill in by hand: e = a*b, d = e + c, L = d*f, g = 4*a (a is used twice), M = L + g."""
    a, b, c, f = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c'), Value(-2.0, label='f')
    e = a * b
    e.label = 'e'
    d = e + c
    d.label = 'd'
    L = d * f
    L.label = 'L'
    g = 4 * a
    g.label = 'g'
    M = L + g
    M.label = 'M'
    return M, dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L, g=g, M=M)


def check_grads_by_hand(answers: dict[str, float]) -> CheckResult:
    """Compare hand-computed ``{'a': dM/da, ...}`` for ``lecture_graph()`` with backprop; explain mistakes."""
    missing = [name for name in lecture_graph()[1] if answers.get(name) is None]
    if missing:
        return CheckResult(False, f"give a gradient for every node; missing: {', '.join(missing)}.")
    wrong = first_wrong_gradient({name: float(number) for name, number in answers.items()})
    if wrong:
        name, given, expected, hint = wrong
        return CheckResult(False, f'dM/d{name}: you gave {given:g}, but it is {expected:g}.\nHint: {hint}')
    return CheckResult(True, 'every gradient is right, including a, which collects a contribution from each of its two uses.')


def first_wrong_gradient(given: dict[str, float]) -> tuple[str, float, float, str] | None:
    """The first node of ``lecture_graph()`` whose ``given`` gradient is wrong, as (name, given, expected,
    hint naming the typical mistake), or None when all are right."""
    out, nodes = lecture_graph()
    out.backward()
    for name, node in nodes.items():
        if not close(given[name], node.grad):
            paths = [p.product for p in (explain(out, node).paths or [])]
            return name, given[name], node.grad, _gradient_hint(name, nodes, given[name], paths)
    return None


def _gradient_hint(name: str, nodes: dict[str, Value], given: float, paths: list[float]) -> str:
    """Name the typical mistake behind a wrong gradient of ``nodes[name]``."""
    node = nodes[name]
    if len(paths) > 1 and any(close(given, p) for p in paths):
        return (f'you wrote = where the chain rule needs +=: {name} is used {len(paths)} times, so its gradient is the '
                f"sum of one contribution per use ({' + '.join(f'{p:g}' for p in paths)}).")
    if close(given, -node.grad):
        return 'right size, wrong sign: check the sign of each local derivative on the way.'
    edges = [(parent, local) for parent, value in nodes.items()
             for child, local in zip(value._prev, value._local_grads) if child is node]
    for parent, local in edges:
        if close(given, local):
            return (f'that is the local derivative d{parent}/d{name} only: multiply it by the gradient arriving '
                    f'from above (the chain rule: dM/d{name} = dM/d{parent} * d{parent}/d{name}).')
    return 'work backwards from M: dM/dM = 1, and each node passes gradient * local derivative to its children.'


# ---- 4. a neuron's forward pass ---------------------------------------------------------------------------

NEURON_CASES = [([2.0, 3.0], [0.5, -1.0], 0.2), ([1.0, 2.0], [1.0, 0.5], 0.1), ([-1.0, 0.5], [0.3, 0.8], -0.4)]


def check_neuron_forward(forward: Callable[[list[float], list[float], float], float],
                         activation: str = 'relu') -> CheckResult:
    """Does ``forward(x, w, b)`` compute ``activation(w . x + b)``? (plain floats or Values are fine)."""
    act = OPS[activation]
    for x, w, b in NEURON_CASES:
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        expected = act(Value(z)).data
        try:
            given = forward(list(x), list(w), b)
        except Exception as error:  # a student's code may fail in any way; report it in words
            return _crashed(error)
        given = given.data if isinstance(given, Value) else float(given)
        if close(given, expected):
            continue
        no_bias = act(Value(z - b)).data
        if close(given, z):
            hint = f'that is z = w . x + b before the activation: apply {activation} to it.'
        elif close(given, no_bias):
            hint = 'the bias is missing: z = w1*x1 + w2*x2 + b.'
        else:
            hint = f'compute z = w1*x1 + w2*x2 + b, then {activation}(z).'
        return CheckResult(False, f'for x = {x}, w = {w}, b = {b} you gave {given:.4f}, but {activation}(w . x + b) = '
                                  f'{expected:.4f}.\nHint: {hint}')
    return CheckResult(True, f'your neuron computes {activation}(w . x + b) for every test case.')


# ---- 5. a backward pass with a reused node ------------------------------------------------------------------

def check_backward(backward: Callable[[Value], None]) -> CheckResult:
    """Does the student's ``backward(root)`` fill every ``.grad`` like ``root.backward()``? The test graph uses
    a node twice, which catches ``=`` where ``+=`` is needed."""
    out, nodes = lecture_graph()
    try:
        backward(out)
    except Exception as error:  # a student's code may fail in any way; report it in words
        return _crashed(error)
    wrong = first_wrong_gradient({name: node.grad for name, node in nodes.items()})
    if wrong:
        name, given, expected, hint = wrong
        return CheckResult(False, f'after your backward, {name}.grad = {given:g}, but it should be {expected:g}.\n'
                                  f'Hint: {hint}')
    return CheckResult(True, 'your backward pass gives the same gradients as micrograd_ext, reused node included.')


# ---- 6. picking a learning rate -------------------------------------------------------------------------------

def check_learning_rate(lr: float, steps: int = 30) -> CheckResult:
    """Minimise (w - 3)**2 from w = 0 with plain gradient descent at ``lr``: does it converge in ``steps`` steps?"""
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        return CheckResult(False, f'the learning rate must be a number, got {lr!r}.')
    if lr <= 0:
        return CheckResult(False, f'lr = {lr:g} does not go downhill: the update is w -= lr * grad, so lr must be positive.')
    w = Value(0.0, label='w')
    losses = []
    for _ in range(steps):
        loss = (w - 3) ** 2
        losses.append(loss.data)
        w.grad = 0.0
        loss.backward()
        w.data -= lr * w.grad
    final = (w.data - 3) ** 2
    if not math.isfinite(final) or final > losses[0]:
        return CheckResult(False, f'with lr = {lr:g} the loss grew from {losses[0]:.1f} to {final:.3g} in {steps} steps: '
                                  'each step overshoots the minimum by more than the last.\nHint: try a smaller learning rate.')
    if final > 1e-3 and final >= losses[0] * 0.5:
        return CheckResult(False, f'with lr = {lr:g} the loss only went from {losses[0]:.3f} to {final:.3f} in {steps} '
                                  'steps: too slow.\nHint: try a larger learning rate.')
    if final > 1e-3:
        verdict = 'oscillates around the minimum' if lr > 0.5 else 'is still on its way'
        return CheckResult(False, f'with lr = {lr:g} the loss is {final:.4f} after {steps} steps: it {verdict}.\n'
                                  f"Hint: {'a bit smaller' if lr > 0.5 else 'a bit larger'} learning rate converges.")
    return CheckResult(True, f'lr = {lr:g} brings the loss from {losses[0]:.1f} to {final:.2e} in {steps} steps.')
