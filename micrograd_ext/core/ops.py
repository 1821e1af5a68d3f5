"""The op table: every primitive once, its value and local derivatives side by side, how it is written, and
its domain check.

Each value and derivative is written once, against a math namespace ``m`` (``m.tanh``, ``m.div``, ...), so
the same formula runs on floats (``core/floats.py``: the numbers ``backward()`` multiplies), on Values
(``autograd.VALUES``: gradients you can differentiate again, ``create_graph=True``) and on NumPy arrays
(``compiled/kernels.py``: the compiled replay), as HIPS autograd defines one gradient per primitive.
``engine.py`` writes its hottest ops out by hand for speed; a test checks they agree with this table.
A node refers to the op that made it: its ``_op`` is the op's name, a string that carries the op
(``node._op.op``), as PyTorch's ``grad_fn`` does.

>>> from micrograd_ext.core import floats
>>> y = TANH.value(floats, 0.5); y, TANH.derivatives(floats, y, 0.5)
(0.46211715726000974, (0.7864477329659274,))
>>> TANH.formulas('y', 'x'), TANH.written('x')
(('1 - y**2',), 'tanh(x)')

Special points follow PyTorch: 1/0 = inf and 0/0 = nan inside derivatives (never an error), a
``BLOCKED`` zero stops even an infinite gradient (relu below 0, ``x**0``), and ``0 * inf`` elsewhere
is nan, as ``torch.autograd`` gives.
"""
from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from . import floats

T = TypeVar('T')
GELU_C = math.sqrt(2.0 / math.pi)  # GELU's tanh approximation (GPT-2, PyTorch approximate='tanh')
GELU_K = 0.044715


class OpName(str):
    """A node's ``_op``: the string micrograd code reads (``'tanh'``, ``'**2'``), carrying the table's op.

    >>> name = TANH.name; name == 'tanh', name.op is TANH, '(' + name + ')'
    (True, True, '(tanh)')
    """

    op: Op

    def __new__(cls, name: str, op: Op) -> OpName:
        self = super().__new__(cls, name)
        self.op = op
        return self

    def __reduce__(self):
        return table_name, (str(self), self.op.exponent, self.op.eps)  # pickles and copies are the table's own


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: what it computes, its local derivatives, and how steps and explanations write it."""

    name: str                                    # the node's ``_op``, as micrograd names it: 'tanh', 'ReLU', '**2'
    value: Callable[..., Any]                    # (m, *inputs) -> the result (inf/nan rather than errors)
    derivatives: Callable[..., tuple]            # (m, out, *inputs) -> d out / d input for each input
    formulas: Callable[..., tuple[str, ...]]     # (out name, *input names) -> those derivatives as text
    written: Callable[..., str]                  # (*input names) -> how the node is written: 'tanh(x)'
    check: Callable[..., None] | None = None     # (out, *input Values) raises a clear error outside the domain
    function: str | None = None                  # the Value method and command-line function: 'tanh'
    activation: bool = False                     # usable as a neuron's activation
    exponent: int | float | None = None          # the constant n of ``x ** n``
    eps: float | None = None                     # the constant eps of ``1/rms``

    def __post_init__(self) -> None:
        object.__setattr__(self, 'name', OpName(self.name, self))

    def __repr__(self) -> str:
        return f'Op({str(self.name)!r})'


def _infix(symbol: str, spaced: bool = False) -> Callable[..., str]:
    return lambda a, b: f'{a} {symbol} {b}' if spaced else f'{a}{symbol}{b}'


def _call(function: str) -> Callable[..., str]:
    return lambda *xs: f"{function}({', '.join(xs)})"


def _gelu(m, x):
    return 0.5 * x * (1.0 + m.tanh(GELU_C * (x + GELU_K * x * x * x)))  # x*x*x: inf, not OverflowError


def _gelu_derivative(m, x):
    """PyTorch's gelu_backward (approximate='tanh'), term by term: the product rule, then the chain rule."""
    t = m.tanh(GELU_C * (x + GELU_K * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (GELU_C * (1.0 + 3.0 * GELU_K * x * x))


# ---- the table: name, value, local derivatives (d out / d each input), the derivatives as text ------------

ADD = Op('+', lambda m, *xs: _sum(xs),
         lambda m, out, *xs: (1.0,) * len(xs),                                           # d(a + b + ...)/d(each) = 1
         lambda out, *xs: ('1',) * len(xs), written=lambda *xs: ' + '.join(xs))
SUB = Op('-', lambda m, a, b: a - b,
         lambda m, out, a, b: (1.0, -1.0),                                               # d/da = 1, d/db = -1
         lambda out, a, b: ('1', '-1'), written=_infix('-', spaced=True))
MUL = Op('*', lambda m, a, b: a * b,
         lambda m, out, a, b: (b, a),                                                    # d/da = b, d/db = a
         lambda out, a, b: (b, a), written=_infix('*'))
DIV = Op('/', lambda m, a, b: m.div(a, b),
         lambda m, out, a, b: (m.div(1.0, b), -m.div(out, b)),                           # d/da = 1/b, d/db = -a/b**2
         lambda out, a, b: (f'1/{b}', f'-{a}/{b}**2'), written=_infix('/'), check=floats.check_div)
NEG = Op('neg', lambda m, x: -x,
         lambda m, out, x: (-1.0,),                                                      # d(-x)/dx = -1
         lambda out, x: ('-1',), written=lambda x: f'-{x}')
POW = Op('**', lambda m, x, n: m.power(x, n),                                           # x ** n, n a Value
         lambda m, out, x, n: (m.blocked(m.data(n) == 0.0, n * m.power(x, n - 1.0)),    # d/dx = n x**(n-1)
                               out * m.log(x)),                                          # d/dn = x**n log(x)
         lambda out, x, n: (f'{n}*{x}**({n} - 1)', f'{out}*log({x})'), written=_infix('**'),
         check=floats.check_pow_value)
EXP = Op('exp', lambda m, x: m.exp(x),
         lambda m, out, x: (out,),                                                       # d e^x/dx = e^x
         lambda out, x: (out,), written=_call('exp'), check=floats.check_exp, function='exp')
LOG = Op('log', lambda m, x: m.log(x),
         lambda m, out, x: (m.div(1.0, x),),                                             # d log(x)/dx = 1/x
         lambda out, x: (f'1/{x}',), written=_call('log'), check=floats.check_log, function='log')
SQRT = Op('sqrt', lambda m, x: m.sqrt(x),
          lambda m, out, x: (m.div(0.5, out),),                                          # d sqrt(x)/dx = 1/(2 sqrt(x))
          lambda out, x: (f'1/(2*{out})',), written=_call('sqrt'), check=floats.check_sqrt, function='sqrt')
ABS = Op('abs', lambda m, x: abs(x),
         lambda m, out, x: (m.sign(m.data(x)),),                                         # d|x|/dx = sign(x)
         lambda out, x: (f'sign({x})',), written=_call('abs'), function='abs')
RELU = Op('ReLU', lambda m, x: m.relu(x),
          lambda m, out, x: (m.blocked(out <= 0.0, 1.0),),                               # d relu(x)/dx = [x > 0]
          lambda out, x: (f'[{x} > 0]',), written=_call('relu'), function='relu', activation=True)
TANH = Op('tanh', lambda m, x: m.tanh(x),
          lambda m, out, x: (1.0 - out * out,),                                          # d tanh(x)/dx = 1 - tanh(x)**2
          lambda out, x: (f'1 - {out}**2',), written=_call('tanh'), function='tanh', activation=True)
SIGMOID = Op('sigmoid', lambda m, x: m.sigmoid(x),
             lambda m, out, x: (out * (1.0 - out),),                                     # d s(x)/dx = s (1 - s)
             lambda out, x: (f'{out}*(1 - {out})',), written=_call('sigmoid'), function='sigmoid', activation=True)
SOFTPLUS = Op('softplus', lambda m, x: m.softplus(x),
              lambda m, out, x: (m.sigmoid(x),),                                         # d log(1 + e^x)/dx = sigmoid(x)
              lambda out, x: (f'sigmoid({x})',), written=_call('softplus'), function='softplus')
GELU = Op('gelu', _gelu,
          lambda m, out, x: (_gelu_derivative(m, x),),                                   # see _gelu_derivative
          lambda out, x: (f"gelu'({x})",), written=_call('gelu'), function='gelu', activation=True)
SILU = Op('silu', lambda m, x: x * m.sigmoid(x),
          lambda m, out, x: (m.sigmoid(x) * (1.0 + x * (1.0 - m.sigmoid(x))),),          # s(x) (1 + x (1 - s(x)))
          lambda out, x: (f'sigmoid({x})*(1 + {x}*(1 - sigmoid({x})))',), written=_call('silu'), function='silu',
          activation=True)
LINEAR = Op('linear', lambda m, *items: _linear_value(items),                           # w1*x1 + ... + wn*xn + b
            lambda m, out, *items: _linear_derivatives(items, 1.0),                     # dz/dwi = xi, dz/dxi = wi, dz/db = 1
            lambda out, *names: _linear_derivatives(names, '1'), written=lambda *names: _linear_written(names))

LOGSUMEXP = Op('logsumexp', lambda m, *xs: m.logsumexp(xs),                             # log(e^x1 + ... + e^xn)
               lambda m, out, *xs: tuple(m.exp(x - out) for x in xs),                    # d/dxi = e^(xi - out): softmax
               lambda out, *xs: tuple(f'exp({x} - {out})' for x in xs), written=_call('logsumexp'))
GATHER = Op('gather', lambda m, i, *xs: m.pick(i, xs),                                   # xs[i]: a row of a table
            lambda m, out, i, *xs: (0.0, *[(m.data(i) == k) * 1.0 for k in range(len(xs))]),  # 1 for xs[i], else 0
            lambda out, i, *xs: ('0', *[f'[{i} == {k}]' for k in range(len(xs))]),
            written=lambda i, *xs: f"[{', '.join(xs)}][{i}]", check=floats.check_pick)


@functools.lru_cache(maxsize=64)
def inverse_rms_op(eps: float) -> Op:
    """``1 / sqrt(mean(x**2) + eps)`` over the inputs (what RMSNorm and LayerNorm scale by), one node.

    >>> from micrograd_ext.core import floats
    >>> op = inverse_rms_op(0.0); out = op.value(floats, 3.0, 4.0); out, op.derivatives(floats, out, 3.0, 4.0)
    (0.28284271247461..., (-0.03394..., -0.04525...))
    """
    return Op('1/rms', lambda m, *xs: m.power(_sum([x * x for x in xs]) * (1.0 / len(xs)) + eps, -0.5),
              lambda m, out, *xs: tuple(-(out * out * out) * x * (1.0 / len(xs)) for x in xs),  # -out**3 xi / n
              lambda out, *xs: tuple(f'-{out}**3*{x}/{len(xs)}' for x in xs),
              written=lambda *xs: f"1/rms({', '.join(xs)})", eps=eps)


@functools.lru_cache(maxsize=1024)
def power_op(n: int | float) -> Op:
    """The op ``x ** n`` for a constant exponent ``n`` (an int or a float), named ``'**n'`` as in micrograd.

    >>> from micrograd_ext.core import floats
    >>> p = power_op(3); p.name, p.derivatives(floats, 8.0, 2.0), p.formulas('y', 'x')
    ('**3', (12.0,), ('3*x**2',))
    """
    lower = n - 1
    shown = f'{lower:g}' if isinstance(lower, float) else str(lower)
    return Op(f'**{n}', lambda m, x: m.power(x, n),
              lambda m, out, x: (m.blocked(n == 0, n * m.power(x, lower)),),            # d x**n/dx = n x**(n-1)
              lambda out, x: ('0',) if n == 0 else (f'{n}*{x}' if lower == 1 else f'{n}*{x}**{shown}',),
              written=lambda x: f'{x}**{n}', check=floats.pow_checker(n), exponent=n)


def _sum(terms):
    total = terms[0] if terms else 0.0
    for term in terms[1:]:
        total = total + term  # left to right, as t0 + t1 + ... (not sum(), which compensates on 3.12+)
    return total


def split_linear(items: Sequence[T]) -> tuple[Sequence[T], Sequence[T], T]:
    """A ``linear`` node's children (or anything listed like them) as (weights, inputs, bias).

    >>> split_linear(['w0', 'w1', 'x0', 'x1', 'b'])
    (['w0', 'w1'], ['x0', 'x1'], 'b')
    """
    n = (len(items) - 1) // 2
    return items[:n], items[n:2 * n], items[-1]


def _linear_value(items):
    weights, inputs, bias = split_linear(items)
    total = bias
    for w, x in zip(weights, inputs):
        total = total + w * x  # the same float operations, in the same order, as b + w1*x1 + w2*x2 + ...
    return total


def _linear_derivatives(items, one) -> tuple:
    weights, inputs, _ = split_linear(items)
    return (*inputs, *weights, one)


def _linear_written(names) -> str:
    weights, inputs, bias = split_linear(names)
    return ' + '.join([f'{w}*{x}' for w, x in zip(weights, inputs)] + [bias])


def exponent(n: numbers.Real) -> int | float:
    """A constant exponent as micrograd names it: an int if it is one (bool, NumPy int, Fraction(4, 2)), else a float."""
    if isinstance(n, numbers.Integral):
        return int(n)
    if isinstance(n, numbers.Rational) and n.denominator == 1:
        return int(n.numerator)
    return float(n)


OPS: dict[str, Op] = {op.name: op for op in (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, ABS, RELU, TANH,
                                             SIGMOID, SOFTPLUS, GELU, SILU, LINEAR, LOGSUMEXP, GATHER)}
FUNCTIONS: dict[str, Op] = {op.function: op for op in OPS.values() if op.function}  # tanh(x), relu(x), ...
ACTIVATIONS: dict[str, Op] = {name: op for name, op in FUNCTIONS.items() if op.activation}  # a neuron's choices


def table_name(name: str, n: int | float | None = None, eps: float | None = None) -> OpName:
    """The table's ``_op`` string for ``name`` (``'**n'`` from its exponent ``n``, ``'1/rms'`` from its ``eps``):
    what a pickled name becomes."""
    op = power_op(n) if n is not None else inverse_rms_op(eps) if eps is not None else OPS[name]
    return cast(OpName, op.name)


def op_of(node) -> Op | None:
    """The table's op that made ``node``, or None: an op written elsewhere (its own ``_backward``), or a node made
    by hand, even under a table name (``Value(e, (x,), 'exp', (2 * e,))`` for exp(2x)), whose own local
    derivatives are all there is.

    >>> from micrograd_ext import Value
    >>> x = Value(0.5)
    >>> op_of(x.tanh()) is TANH, op_of(Value(1.0, (x,), 'tanh', (2.0,)))
    (True, None)
    """
    op = getattr(node._op, 'op', None)
    return op if node._local_grads is not None else None


def value_now(node) -> float | None:
    """The node's op applied to its children's data now, or None (a leaf, or not an op of the table). A node
    whose data differs was computed before a child's data changed (an optimizer step).

    >>> from micrograd_ext import Value
    >>> w = Value(2.0); y = w * 3; w.data = 2.5
    >>> y.data, value_now(y)
    (6.0, 7.5)
    """
    op = op_of(node)
    return None if op is None else float(op.value(floats, *[child.data for child in node._prev]))


def is_number(x) -> bool:
    """A plain number, not a Value (floats and ints first: the check against numbers.Real is slow)."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)
