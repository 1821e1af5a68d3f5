"""Checkers for classroom exercises: they take a student's function or numbers and answer in words.

Each returns a ``CheckResult`` (``passed`` and a ``message``) that prints as a short verdict: which input
failed, the expected and the given value, the finite-difference value where it helps, and a hint.

>>> import math
>>> check_local_derivative('tanh', lambda x: 1 - math.tanh(x) ** 2).passed
True
>>> print(check_local_derivative('sigmoid', lambda x: math.exp(-x) / (1 + math.exp(-x))))
not yet: at x = -2.0 your derivative gives 0.8808, but d sigmoid/dx = 0.1050 (finite differences: 0.1050).
Hint: the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).

Student code cannot crash, hang or fool a checker: it runs through ``classroom.student_code``, which stops
it after ``TIME_LIMIT`` seconds and turns an exception, a timeout or an answer of the wrong kind into "not
yet" with a hint. Values are compared by identity (``is``), numbers with the tolerance ``TOLERANCE``.

>>> print(check_local_derivative('exp', lambda x: None))
not yet: at x = -2.0 your derivative returned None.
Hint: did you forget `return`? Return one plain number (a float).
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence

from .answers import observations, observed, paired, taken
from .student_code import (TIME_LIMIT, CheckResult, NotYet, as_number, as_value, checker, close, guarded,
                                     kind_of, plural, run_student)
from ..core.copying import own_attributes
from ..core.handmade import ClosureError
from ..core.engine import Value, topological_order
from ..teach.graphs import Graph, lecture_graph
from ..viz.naming import node_names
from ..core.finite_differences import analytic_grad, numerical_grad
from ..core.ops import FUNCTIONS, Op, power_op

POINTS = (-2.0, -0.5, 0.3, 1.7)


# ---- 1. local derivatives ---------------------------------------------------------------------------

# the ops whose local derivative a student writes, from the op table, and the rule a wrong answer is reminded of
OPS: dict[str, Op] = {**{name: FUNCTIONS[name] for name in ('tanh', 'sigmoid', 'relu', 'exp', 'silu', 'gelu')},
                      'square': power_op(2)}
HINTS = {'tanh': 'd tanh/dx = 1 - tanh(x)**2: use the output, squared.',
         'sigmoid': 'the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).',
         'relu': 'relu passes the gradient where x > 0 and blocks it elsewhere: 1.0 if x > 0 else 0.0.',
         'exp': 'exp is its own derivative.', 'silu': 'silu(x) = x * sigmoid(x): use the product rule.',
         'gelu': 'differentiate 0.5 * x * (1 + tanh(u)) with the product rule, then the chain rule through u.',
         'square': 'the power rule: d/dx x**n = n * x**(n-1).'}


def on_value(op: Op) -> Callable[[Value], Value]:
    """The table's ``op`` as a function of one Value: ``on_value(OPS['tanh'])(x)`` is ``x.tanh()``."""
    return lambda x: Value.apply(op, x)


def derivative_observations(derivative: Callable[[float], float], points: Sequence[float],
                            time_limit: float | None = TIME_LIMIT) -> list[dict]:
    """What ``derivative(x)`` gives at each x of ``points``, checked to be a number (beside the student's code)."""
    return observations(lambda x: run_student(derivative, {'x': x}, f'at x = {x} your derivative', as_number,
                                              'return one plain number (a float).', time_limit), points)


@checker
def judge_local_derivative(op: str, found: object, points: Sequence[float] = POINTS) -> CheckResult:
    """The verdict on ``derivative_observations`` at ``points``: does each equal d op(x)/dx?"""
    for x, observation in paired(points, found):
        given = as_number(taken(observation, f'your derivative at x = {x}'), f'at x = {x} your derivative returned')
        expected = analytic_grad(on_value(OPS[op]), [x])[0]
        if not close(given, expected):
            numeric = numerical_grad(on_value(OPS[op]), [x])[0]
            sign = ' It has the right size but the wrong sign.' if close(given, -expected) else ''
            raise NotYet(f"at x = {x} your derivative gives {given:.4f}, but d {op}/dx = {expected:.4f} "
                         f"(finite differences: {numeric:.4f}).{sign}", HINTS[op])
    return CheckResult(True, f'your d {op}/dx matches at x = {", ".join(map(str, points))}.')


def check_local_derivative(op: str, derivative: Callable[[float], float],
                           time_limit: float | None = TIME_LIMIT) -> CheckResult:
    """Does ``derivative(x)`` equal d op(x)/dx at several points? ``op`` is a name in ``OPS``."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; choose one of {', '.join(OPS)}")
    return judge_local_derivative(op, derivative_observations(derivative, POINTS, time_limit))


# ---- 2. a new op on Value -----------------------------------------------------------------------------

NODE_SHAPE = "Value(data, (x,), 'name', (local_derivative,))"


def new_op_observations(op: Callable[[Value], Value], points: Sequence[float], name: str = 'your op',
                        time_limit: float | None = TIME_LIMIT, closure: bool = False) -> dict:
    """What ``op`` gives at each x of ``points`` (data, x.grad after backward, local derivatives and children
    counted) and x.grad for y = 2 * op(x) + x; the shape is checked here, the numbers by ``judge_new_op``."""
    def at(x: float) -> dict:
        leaf = Value(x, label='x')
        who = f'at x = {x} {name}'
        out = run_student(op, {'x': leaf}, who, as_value, f'build the result as {NODE_SHAPE}.', time_limit)
        if closure and '_backward' not in own_attributes(out):
            made = ('stores its local derivative at forward time' if out._op == name else
                    f"was made by the engine's own ops ({out._op or 'a leaf'})")
            raise NotYet(f"{name}(x) returned a Value that {made}: this exercise asks for a _backward closure.",
                         f"build out = Value(<data>, (x,), '{name}') and assign out._backward = a function that adds "
                         'd out/dx * out.grad to x.grad.')
        data = guarded(lambda: as_number(out.data, f"{who} gives a Value whose data is",
                                         'compute the data as a number from x.data.'), who, time_limit)
        local_count, child_count = guarded(lambda: _node_shape(out, leaf, name), who, time_limit)
        leaf.grad = 0.0
        guarded(lambda: backward_of(out, f'at x = {x} the _backward of {name}'),
                f'at x = {x} the backward pass through {name}', time_limit,
                crash_hint=f'store one number per child as its local derivative: {NODE_SHAPE}.')
        grad = guarded(lambda: as_number(leaf.grad, f'at x = {x}, after backward, x.grad is',
                                         'store plain numbers as the local derivatives.'), who, time_limit)
        return {'data': data, 'grad': grad, 'locals': local_count, 'children': child_count}

    def twice() -> float:
        x = points[-1]
        leaf = Value(x, label='x')
        who = f'with y = 2 * {name}(x) + x at x = {x}'
        out = run_student(op, {'x': leaf}, f'{who} {name}', as_value, f'build the result as {NODE_SHAPE}.',
                          time_limit)
        guarded(lambda: (2 * out + leaf).backward(), f'{who} the backward pass', time_limit)
        return guarded(lambda: as_number(leaf.grad, f'{who}, after backward, x.grad is', 'add numbers to x.grad.'),
                       who, time_limit)
    found = observations(at, points)
    return {'points': found, 'twice': observed(twice) if 'problem' not in found[-1] else None}


@checker
def judge_new_op(found: object, reference: Callable[[float], float], points: Sequence[float] = POINTS,
                 name: str = 'your op') -> CheckResult:
    """The verdict on ``new_op_observations``: the data against ``reference`` (the plain-float function), the
    gradient against its finite differences, also with x used twice."""
    found = found if type(found) is dict else {}
    for x, observation in paired(points, found.get('points')):
        who = f'at x = {x} {name}'
        node = taken(observation, who)
        node = node if type(node) is dict else {}
        data, grad = (as_number(node.get(key), f'{who}: the {what} the checker got is') for key, what in
                      (('data', 'data'), ('grad', 'gradient')))
        expected = on_reference(lambda: reference(x), x)
        if not close(data, expected):
            raise NotYet(f'{who} gives {data:.4f}, but the function is {expected:.4f}.',
                         'compute the data from x.data with the function itself.')
        numeric = on_reference(lambda: numerical_grad(lambda v: Value(reference(v.data)), [x])[0], x)
        if not close(grad, numeric):
            local_count, child_count = node.get('locals'), node.get('children')
            if type(local_count) is int and type(child_count) is int and 0 <= local_count != child_count:
                raise NotYet(f"{name} stores {plural(local_count, 'local derivative')} for "  # (a closure op: -1)
                             f"{plural(child_count, 'child', 'children')}.",
                             'give one d out/d child per child, in the same order as the children.')
            sign = ' It has the right size but the wrong sign.' if close(grad, -numeric) else ''
            raise NotYet(f'at x = {x} the gradient through {name} is {grad:.4f}, but finite differences give '
                         f'{numeric:.4f}.{sign}',
                         'the local derivative you store must be d out/dx evaluated at this x.')
    _judge_accumulates(found.get('twice'), reference, name, points[-1])
    return CheckResult(True, f'{name} computes the right values and gradients (checked against finite differences), '
                             'also when x is used twice.')


def on_reference(thunk: Callable[[], float], x: float) -> float:
    """``thunk()`` (the reference function near ``x``, maybe a student's) as a float, or a "not yet" naming it."""
    return guarded(lambda: as_number(thunk(), f'near x = {x} the reference function gave'),
                   f'near x = {x} the reference function', crash_hint='check the function the op is compared with.')


def check_new_op(op: Callable[[Value], Value], reference: Callable[[float], float], name: str = 'your op',
                 time_limit: float | None = TIME_LIMIT, closure: bool = False) -> CheckResult:
    """Is ``op(x)`` a Value with the right data, ``x`` itself as a child, and a local derivative that matches
    finite differences of ``reference`` (the plain-float function)? With ``closure``, the result must be one new
    node with a ``_backward`` of its own (micrograd's way), not built from the engine's ops."""
    return judge_new_op(new_op_observations(op, POINTS, name, time_limit, closure), reference, POINTS, name)


CLOSURE_SLIPS = {  # a closure's slip (ClosureError.slip) -> what it did, and the fix
    'forgets out.grad': ('passed back its local derivative without the gradient arriving from above',
                         'multiply by out.grad in _backward: x.grad += (d out/dx) * out.grad.'),
    'assigns': ('set x.grad instead of adding to it, so the gradient from another use of x is lost',
                'add to x.grad in _backward (x.grad += ...), do not assign it (x.grad = ...): x may be used '
                'elsewhere too.'),
}


def backward_of(out: Value, who: str) -> None:
    """``out.backward()``; a closure's slip, which ``backward()`` names, becomes a "not yet" with the fix."""
    try:
        out.backward()
    except ClosureError as error:
        what, fix = CLOSURE_SLIPS[error.slip]
        raise NotYet(f'{who} {what}.', fix) from None


def _judge_accumulates(observation: object, reference: Callable[[float], float], name: str, x: float) -> None:
    """With x used twice, y = 2 * op(x) + x, is dy/dx = 2 d op/dx + 1? An ``x.grad = ...`` in a closure loses the
    1, and a closure that forgets ``* out.grad`` loses the 2."""
    who = f'with y = 2 * {name}(x) + x at x = {x}'
    grad = as_number(taken(observation, who), f'{who}, after backward, x.grad is', 'add numbers to x.grad.')
    local = on_reference(lambda: numerical_grad(lambda v: Value(reference(v.data)), [x])[0], x)
    if close(grad, 2 * local + 1):
        return
    if close(grad, local + 1):
        what, fix = CLOSURE_SLIPS['forgets out.grad']
        raise NotYet(f'{who}, x.grad is {grad:.4f}, but it should be {2 * local + 1:.4f}: {name} {what}.', fix)
    what, fix = CLOSURE_SLIPS['assigns']
    raise NotYet(f'{who}, x.grad is {grad:.4f}, but it should be {2 * local + 1:.4f}: {name} {what}.', fix)


def _node_shape(out: Value, leaf: Value, name: str) -> tuple[int, int]:
    """Check the children of the student's node; return (number of local derivatives, of children)."""
    children = out._prev
    if type(children) not in (tuple, list, set, frozenset):
        raise NotYet(f"{name}'s children (_prev) are {kind_of(children)}, not a tuple.", f'pass (x,): {NODE_SHAPE}.')
    children = tuple(children)
    if not any(child is leaf for child in children):  # identity: a copy of x is another node
        copies = [c for c in children if isinstance(c, Value) and type(c.data) is float and c.data == leaf.data]
        numbers_ = [c for c in children if isinstance(c, numbers.Number)]
        problem = f"{name}'s result does not list x among its children"
        if copies:
            raise NotYet(f'{problem}: its child is a new Value with the same data as x, not x itself.',
                         'pass x itself, (x,): a copy such as Value(x.data) is another node, so no gradient reaches x.')
        if numbers_:
            raise NotYet(f'{problem}: _prev holds the number {kind_of(numbers_[0])} instead of the Value x.',
                         'pass the Value x, not x.data: (x,).')
        held = 'is empty' if not children else f"holds {', '.join(kind_of(c) for c in children)}"
        raise NotYet(f'{problem}: _prev {held}.',
                     f'pass (x,) as the children so gradients can flow back to x: {NODE_SHAPE}.')
    local_grads = getattr(out, '_local_grads', ())
    if local_grads is None and '_backward' not in own_attributes(out):
        raise NotYet(f"{name} stores 0 local derivatives for {plural(len(children), 'child', 'children')} and has "
                     "no _backward of its own, so no gradient can flow back to x.",
                     f"store one number per child as its local derivative: {NODE_SHAPE}, or, micrograd-style, "
                     "assign out._backward = a function that adds to x.grad.")
    return (len(local_grads) if type(local_grads) in (tuple, list) else -1), len(children)


# ---- 3. gradients of a small graph, by hand ------------------------------------------------------------

@checker
def check_grads_by_hand(answers: dict[str, float], time_limit: float | None = TIME_LIMIT,
                        graph: Graph = lecture_graph, tolerance: float | None = None) -> CheckResult:
    """Compare hand-computed ``{'a': dM/da, ...}`` for ``graph()`` (the lecture graph) with backprop; explain mistakes.
    With ``tolerance``, a gradient within that relative distance of the right one counts as right (rounding)."""
    out, nodes = graph()
    given = guarded(lambda: _read_answers(answers, list(nodes), out.label), 'reading your answers', time_limit)
    first_wrong_gradient(given, graph, time_limit, tolerance)
    reused = [name for name, node in nodes.items() if sum(node in n._prev for n in nodes.values()) > 1]
    collects = (f', including {reused[0]}, which collects a contribution from each of its uses' if reused else '')
    return CheckResult(True, f'every gradient is right{collects}.')


def _read_answers(answers, names: list[str], root: str) -> dict[str, float]:
    """``answers`` as ``{name: float}`` for every node name, or NotYet naming what is missing, unknown or no number."""
    example = f"dict({', '.join(f'{name}=...' for name in names)})"
    if not isinstance(answers, Mapping):
        raise NotYet(f'the answers should be a dict, but they are {kind_of(answers)}.',
                     f'write {example}, one number per node.')
    entries = dict(answers.items())
    unknown = [repr(key) if type(key) is str else kind_of(key)
               for key in entries if type(key) is not str or key not in names]
    missing = [name for name in names if entries.get(name) is None]
    if missing or unknown:
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"not nodes of the graph: {', '.join(unknown)}"] if unknown else [])
        raise NotYet(f"give a gradient for every node; {'; '.join(parts)}.",
                     f"the nodes are {', '.join(names)} (names are case-sensitive): {example}.")
    return {name: as_number(entries[name], f'd{root}/d{name} is', 'write one number per node, e.g. a=1.5.')
            for name in names}


def first_wrong_gradient(given: Mapping[str, float] | Callable[[Value], None], graph: Graph = lecture_graph,
                         time_limit: float | None = TIME_LIMIT, tolerance: float | None = None, left_by_backward: bool = False) -> None:
    """Raise NotYet at the first node of ``graph()``, in backward order, where ``given`` (gradients by node name, or
    the student's ``backward(root)``) leaves backprop, naming the likely mistake: ``classroom.diagnose``'s, with
    ``tolerance`` as its relative tolerance and ``left_by_backward`` as given."""
    from .diagnosis import CRASHED, OTHER, REL_TOL, UNREADABLE, diagnose
    out, _ = graph()
    wrong = diagnose(out, given, time_limit, REL_TOL if tolerance is None else tolerance, left_by_backward)
    if wrong is None:
        return
    if wrong.category in (CRASHED, UNREADABLE):  # its message has its hint already
        raise NotYet(*wrong.message.split('\nHint: ', 1)) if '\nHint: ' in wrong.message else NotYet(wrong.message, '')
    raise NotYet(wrong.message, f'the likely mistake: {wrong.category}.' if wrong.category != OTHER else
                 'work backwards from the output: each node passes its gradient times the local derivative down.')


# ---- 4. a neuron's forward pass ---------------------------------------------------------------------------

NEURON_CASES = [([2.0, 3.0], [0.5, -1.0], 0.2), ([1.0, 2.0], [1.0, 0.5], 0.1), ([-1.0, 0.5], [0.3, 0.8], -0.4)]


def neuron_observations(forward: Callable[[list[float], list[float], float], float], cases: Sequence,
                        activation: str = 'relu', time_limit: float | None = TIME_LIMIT) -> list[dict]:
    """What ``forward(x, w, b)`` gives for each (x, w, b) of ``cases``, checked to be a number (a Value counts as
    its .data), beside the student's code."""
    return observations(lambda case: run_student(
        forward, {'x': list(case[0]), 'w': list(case[1]), 'b': case[2]},
        f'for x = {case[0]}, w = {case[1]}, b = {case[2]} your neuron', as_number,
        f'return one number: {activation}(w . x + b).', time_limit), cases)


@checker
def judge_neuron_forward(found: object, activation: str = 'relu', cases: Sequence = NEURON_CASES) -> CheckResult:
    """The verdict on ``neuron_observations``: is each ``activation(w . x + b)``?"""
    act = on_value(OPS[activation])
    for (x, w, b), observation in paired(cases, found):
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        expected = act(Value(z)).data
        given = as_number(taken(observation, f'your neuron for x = {x}, w = {w}, b = {b}'),
                          f'for x = {x}, w = {w}, b = {b} your neuron returned')
        if close(given, expected):
            continue
        no_bias = act(Value(z - b)).data
        if close(given, z):
            hint = f'that is z = w . x + b before the activation: apply {activation} to it.'
        elif close(given, no_bias):
            hint = 'the bias is missing: z = w1*x1 + w2*x2 + b.'
        else:
            hint = f'compute z = w1*x1 + w2*x2 + b, then {activation}(z).'
        raise NotYet(f'for x = {x}, w = {w}, b = {b} you gave {given:.4f}, but {activation}(w . x + b) = '
                     f'{expected:.4f}.', hint)
    return CheckResult(True, f'your neuron computes {activation}(w . x + b) for every test case.')


def check_neuron_forward(forward: Callable[[list[float], list[float], float], float], activation: str = 'relu',
                         time_limit: float | None = TIME_LIMIT, cases=NEURON_CASES) -> CheckResult:
    """Does ``forward(x, w, b)`` compute ``activation(w . x + b)`` for each (x, w, b) of ``cases``? (a float, or a
    Value read by its .data)."""
    return judge_neuron_forward(neuron_observations(forward, cases, activation, time_limit), activation, cases)


# ---- 5. a backward pass with a reused node ------------------------------------------------------------------

def backward_observations(backward: Callable[[Value], None], graphs: Sequence[Graph], passes: int = 1,
                          time_limit: float | None = TIME_LIMIT) -> list[dict]:
    """The ``.grad`` of every node (by ``naming.node_names``) after the student's ``backward(root)`` ran
    ``passes`` times on each graph, every grad set to 0 first (beside the student's code)."""
    def run(graph: Graph) -> dict:
        root, _ = graph()
        order = topological_order(root)
        for node in order:
            node.grad = 0.0
        for _ in range(passes):
            run_student(backward, {'root': root}, 'your backward', None, '', time_limit)
        return {name: node.grad for node, name in node_names(order).items()}
    return observations(run, graphs)


@checker
def judge_backward(found: object, graphs: Sequence[Graph] = (lecture_graph,)) -> CheckResult:
    """The verdict on ``backward_observations``: the first node of each graph whose grad is not backprop's, and
    the likely mistake."""
    for graph, observation in paired(graphs, found):
        grads = taken(observation, 'your backward')
        if not isinstance(grads, dict):
            raise NotYet('the checker got no gradients from your backward.', 'set the .grad of every node.')
        first_wrong_gradient(grads, graph, None, left_by_backward=True)
    return CheckResult(True, 'your backward pass gives the same gradients as micrograd_ext, reused node included.')


def check_backward(backward: Callable[[Value], None], time_limit: float | None = TIME_LIMIT,
                   graph: Graph = lecture_graph, passes: int = 1) -> CheckResult:
    """Does the student's ``backward(root)``, run ``passes`` times (2: it must zero the grads first), fill every
    ``.grad`` of ``graph()`` like ``root.backward()``? The lecture graph uses a node twice, which catches ``=``
    where ``+=`` is needed."""
    return judge_backward(backward_observations(backward, [graph], passes, time_limit), [graph])


# ---- 6. picking a learning rate -------------------------------------------------------------------------------

@checker
def check_learning_rate(lr: float, steps: int = 30, time_limit: float | None = TIME_LIMIT,
                        target: float = 3.0, curvature: float = 1.0) -> CheckResult:
    """Minimise ``curvature * (w - target)**2`` from w = 0 with plain gradient descent at ``lr``: does it converge
    in ``steps`` steps? The verdict reads the whole trajectory: crawling, converging, oscillating in place, or
    diverging."""
    rate = guarded(lambda: as_number(lr, 'the learning rate is', 'set it to a positive number, e.g. '
                                   'learning_rate = 0.01.'), 'reading your learning rate', time_limit)
    if rate <= 0:
        raise NotYet(f'lr = {rate:g} does not go downhill: the update is w -= lr * grad.', 'lr must be positive.')
    errors = descent_errors(rate, steps, target, curvature)
    first, final = (curvature * error * error for error in (errors[0], errors[-1]))  # * gives inf where ** raises
    pairs = list(zip(errors, errors[1:]))
    overshoots = sum(before * after < 0 for before, after in pairs)  # w jumped over the minimum w = target
    if final <= 1e-3:
        note = ', overshooting the minimum at each step but by less each time' if overshoots else ''
        return CheckResult(True, f'lr = {rate:g} brings the loss from {first:.1f} to {final:.2e} in {steps} '
                                 f'steps{note}.')
    if not overshoots and final >= first * 0.5:
        raise NotYet(f'with lr = {rate:g} the loss only went from {first:.3f} to {final:.3f} in {steps} steps: '
                     'too slow.',
                     'the learning rate is too small: try a larger one.')
    if not overshoots:
        raise NotYet(f'with lr = {rate:g} the loss is {final:.4f} after {steps} steps: it is still on its way.',
                     'a bit larger learning rate converges.')
    if abs(errors[-1]) > abs(errors[0]):
        raise NotYet(f'with lr = {rate:g} the loss grew from {first:.1f} to {final:.6g} in '
                     f'{plural(len(pairs), "step")}: each step overshoots the minimum by more than the last, so it '
                     'diverges.',
                     'the learning rate is too large: try a smaller one.')
    if all(abs(after) >= abs(before) for before, after in pairs):
        raise NotYet(f'with lr = {rate:g} w jumps between {errors[-2] + target:g} and {errors[-1] + target:g} and the loss '
                     f'stays at {final:.6g}: it oscillates around the minimum without converging.',
                     'the learning rate is too large: try a smaller one.')
    raise NotYet(f'with lr = {rate:g} the loss is {final:.4f} after {steps} steps: w overshoots the minimum at every '
                 'step, so it oscillates around it and converges only slowly.',
                 'the learning rate is a bit too large: a bit smaller converges.')


def descent_errors(lr: float, steps: int, target: float = 3.0, curvature: float = 1.0) -> list[float]:
    """w - target at the start and after each of ``steps`` gradient-descent steps on curvature * (w - target)**2
    from w = 0."""
    w = Value(0.0, label='w')
    errors = [w.data - target]
    for _ in range(steps):
        loss = curvature * (w - target) ** 2
        w.grad = 0.0
        loss.backward()
        w.data -= lr * w.grad
        errors.append(w.data - target)
        if not abs(errors[-1]) < 1e100:  # diverged: stop before the square overflows
            break
    return errors
