"""The bank's second part, backprop: a local derivative, the chain rule by hand, a new op with a ``_backward``
closure, a node used twice, and a backward pass in topological order."""
from __future__ import annotations

import math
import random
from functools import partial

from .exercises import (OPS, POINTS, backward_observations, check_grads_by_hand, derivative_observations,
                         judge_backward, judge_local_derivative, judge_new_op, lecture_graph, new_op_observations)
from ..core.finite_differences import analytic_grad, numerical_grad
from .bank_neurons import pick
from .exercise import RELATIVE, Exercise, Mistake, Numbers, numeric

# the ops whose derivative a student writes, as the task shows them; the key is rendered from the op table
LOCAL_DERIVATIVES = {'tanh': 'tanh(x)', 'sigmoid': '1 / (1 + e^(-x))', 'exp': 'e^x', 'silu': 'x * sigmoid(x)',
                     'square': 'x**2'}
KEY_FUNCTIONS = 'from math import exp, tanh\n\n\ndef sigmoid(x):\n    return 1 / (1 + exp(-x))\n\n\n'


def key_body(op: str) -> str:
    """The key's ``derivative(x)`` body: the table's formula for d op(x)/dx, with its output written out.

    >>> key_body('tanh'), key_body('square')
    ('return 1 - tanh(x)**2', 'return 2*x')
    """
    table_op = OPS[op]
    (formula,) = table_op.formulas(table_op.written('x'), 'x')  # a call, tanh(x), needs no parentheses
    return f'return {formula}'


def points(rng: random.Random | None) -> list[float]:
    """Where a student's function is tried: the checker's own points, and two fresh ones when grading."""
    return list(POINTS) + ([round(rng.uniform(-2.5, 2.5), 3) for _ in range(2)] if rng else [])


def draw_local_derivative(rng: random.Random) -> Numbers:
    op = rng.choice(sorted(LOCAL_DERIVATIVES))
    return {'op': op, 'formula': LOCAL_DERIVATIVES[op], 'body': key_body(op)}


local_derivative = Exercise(
    'local_derivative', 'A local derivative', 2, ('derivative',), draw_local_derivative,
    task='Every op in the engine knows its local derivative. Write `derivative(x)`, which returns '
         'd {op}(x)/dx as a number, where {op}(x) = {formula}.',
    starter='import math\n\ndef derivative(x):\n    """d {op}(x)/dx at the number x."""\n    raise NotImplementedError',
    solution=KEY_FUNCTIONS + 'def derivative(x):\n    {body}',
    verdict=lambda given, n, xs: judge_local_derivative(n['op'], given['derivative'], xs),
    probe=derivative_observations, inputs=lambda n, rng: points(rng))


def draw_graph(rng: random.Random) -> Numbers:
    return {name: pick(rng, -3, 3, least=0.5) for name in 'abcf'}


def chain_graph(n: Numbers, reused: bool = False):
    """The lecture graph with the student's numbers: e = a*b, d = e + c, L = d*f (and g = 4*a, M = L + g)."""
    return lecture_graph(n['a'], n['b'], n['c'], n['f'], reused=reused)


chain_rule = Exercise(
    'chain_rule', 'The chain rule by hand', 3, ('grads',), draw_graph,
    task='The graph e = a*b, d = e + c, L = d*f has a = {a}, b = {b}, c = {c}, f = {f}. Work backwards from '
         'dL/dL = 1: each node passes its gradient times the local derivative to its children. Give dL/dnode for '
         'every node.',
    starter='grads = dict(L=1.0, d=..., f=..., e=..., c=..., a=..., b=...)',
    solution='a, b, c, f = {a}, {b}, {c}, {f}\nd = a * b + c\n'
             'grads = dict(L=1.0, d=f, f=d, e=f, c=f, a=f * b, b=f * a)  # upstream * local, node by node',
    verdict=lambda given, n, _: check_grads_by_hand(given['grads'], graph=partial(chain_graph, n), tolerance=RELATIVE))

# the ops a student adds micrograd-style: (the formula, the key's data and local derivative, the float function)
NEW_OPS = {
    'cube': ('x**3', 'x.data ** 3', '3 * x.data ** 2', lambda x: x ** 3),
    'sin': ('the sine of x', 'math.sin(x.data)', 'math.cos(x.data)', math.sin),
    'softplus': ('log(1 + e^x)', 'math.log(1 + math.exp(x.data))', '1 / (1 + math.exp(-x.data))',
                 lambda x: math.log1p(math.exp(x))),
}


def draw_new_op(rng: random.Random) -> Numbers:
    op = rng.choice(sorted(NEW_OPS))
    formula, data, local, _ = NEW_OPS[op]
    return {'op': op, 'formula': formula, 'data': data, 'local': local}


new_op = Exercise(
    'new_op', 'A new op with a _backward closure', 3, ('{op}',), draw_new_op,
    task='Add the op {op}(x) = {formula} to the engine as the lecture does: build the result '
         "`out = Value(data, (x,), '{op}')` and give it a `_backward` closure that adds d out/dx * out.grad to "
         'x.grad (+=: x may be used elsewhere too).',
    starter='import math\nfrom micrograd_ext import Value\n\ndef {op}(x):\n'
            "    # out = Value(<{op} of x.data>, (x,), '{op}')\n    # def _backward():\n"
            '    #     x.grad += <d {op}/dx at x.data> * out.grad\n    # out._backward = _backward\n    # return out\n'
            '    raise NotImplementedError',
    solution="import math\nfrom micrograd_ext import Value\n\ndef {op}(x):\n    out = Value({data}, (x,), '{op}')\n\n"
             '    def _backward():\n        x.grad += {local} * out.grad\n    out._backward = _backward\n    return out',
    verdict=lambda given, n, tried: judge_new_op(given[n['op']], NEW_OPS[n['op']][3], tried['points'], n['op']),
    probe=lambda op, tried: new_op_observations(op, tried['points'], tried['op'], closure=True),
    inputs=lambda n, rng: {'op': n['op'], 'points': points(rng)})


def reuse_gradients(n: Numbers, estimate=analytic_grad) -> dict[str, float]:
    grads = estimate(lambda a, b, c: a * b + a * c, [n['a'], n['b'], n['c']])
    return {'dy_da': float(grads[0]), 'dy_db': float(grads[1]), 'dy_dc': float(grads[2])}


def draw_reuse(rng: random.Random) -> Numbers:
    """a, b, c with b and c apart and b + c away from 0, so each one-use answer differs from the right one."""
    while True:
        n = {name: pick(rng, -3, 3, least=0.5) for name in 'abc'}
        if abs(n['b'] - n['c']) > 0.3 and abs(n['b'] + n['c']) > 0.3:
            return n


ONE_USE = 'that is one use of a only: its gradient adds one contribution per use (+=, not =), here b + c.'
reuse = numeric(
    'reuse', 'A node used twice', 2, ('dy_da', 'dy_db', 'dy_dc'),
    draw_reuse,
    task='In y = a*b + a*c the node a is used twice. With a = {a}, b = {b}, c = {c}, compute dy/da, dy/db and dy/dc.',
    starter='dy_da = ...\ndy_db = ...\ndy_dc = ...',
    solution='a, b, c = {a}, {b}, {c}\ndy_da = b + c  # one contribution per use of a, added up (+=)\n'
             'dy_db = a\ndy_dc = a',
    expected=reuse_gradients,
    check_by=partial(reuse_gradients, estimate=numerical_grad),
    mistakes=[Mistake(ONE_USE, lambda n: {'dy_da': n['b']}), Mistake(ONE_USE, lambda n: {'dy_da': n['c']})],
    hint='a reaches y along two paths: dy/da = (d(a*b)/da) + (d(a*c)/da).')

def lecture_graphs(numbers: list[Numbers]) -> list:
    """The lecture graph (a used twice) with each set of numbers a, b, c, f."""
    return [partial(chain_graph, n, reused=True) for n in numbers]


backward = Exercise(
    'backward', 'A backward pass in topological order', 3, ('backward',), draw_graph,
    task='Write `backward(root)`, micrograd\'s `backward()`: put the nodes in topological order (every node after '
         'its children, `node._prev`), set every `.grad` to 0 and `root.grad` to 1, then go through the nodes from '
         'the root down, adding `local * node.grad` to each child\'s grad for each (child, local) in '
         '`zip(node._prev, node._local_grads)`. It is checked on the lecture graph e = a*b, d = e + c, L = d*f, '
         'g = 4*a, M = L + g with a = {a}, b = {b}, c = {c}, f = {f} (a is used twice), and run twice in a row: '
         'the second pass must give the same gradients.',
    starter='def backward(root):\n    """Fill every .grad of root\'s graph with d root / d node."""\n'
            '    raise NotImplementedError',
    solution='def backward(root):\n    order, seen, stack = [], set(), [(root, False)]\n    while stack:  # '
             'depth first, without recursion\n        node, children_done = stack.pop()\n        if children_done:\n'
             '            order.append(node)\n        elif node not in seen:\n            seen.add(node)\n'
             '            stack.append((node, True))\n            stack.extend((child, False) for child in node._prev)\n'
             '    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0\n    for node in reversed(order):\n'
             '        for child, local in zip(node._prev, node._local_grads):\n'
             '            child.grad += local * node.grad',
    verdict=lambda given, n, graphs: judge_backward(given['backward'], lecture_graphs(graphs)),
    probe=lambda backward, graphs: backward_observations(backward, lecture_graphs(graphs), passes=2),
    inputs=lambda n, rng: [n] + ([draw_graph(rng)] if rng else []))

EXERCISES = [local_derivative, chain_rule, new_op, reuse, backward]
