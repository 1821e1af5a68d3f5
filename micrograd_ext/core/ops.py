"""Every primitive op, defined once: its value, its local derivatives, and how the teaching tools write it.

An op's ``derivatives(out, *inputs)`` returns d out / d input for each input. It is written once and
works on floats (the numbers ``backward()`` multiplies, computed when the op runs) and on Values (the
differentiable expressions ``grad(..., create_graph=True)`` builds), as HIPS autograd defines one
gradient per primitive. ``engine.py`` writes the hottest ops (``+ - * neg relu sum linear``) out by
hand for speed; a test checks that they agree with this table.

>>> TANH.value(0.5), TANH.derivatives(TANH.value(0.5), 0.5)
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
from typing import TypeVar

from . import floats as fm

T = TypeVar('T')



class BlockedZero(float):
    """A local derivative of 0 that blocks the gradient completely: ``BLOCKED * inf == 0``.

    relu below 0 and ``x ** 0`` pass nothing back, not even an infinite or NaN gradient (PyTorch masks
    them the same way), while an ordinary zero follows IEEE arithmetic: ``0.0 * inf`` is nan.

    >>> BLOCKED * math.inf, 0.0 * math.inf
    (0.0, nan)
    """

    def __new__(cls):
        return super().__new__(cls, 0.0)

    def __mul__(self, other):
        return 0.0

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return 'BLOCKED'

    def __reduce__(self) -> str:
        return 'BLOCKED'  # copies and pickles are the one BLOCKED


BLOCKED = BlockedZero()


@dataclass(frozen=True)
class Op:
    """One primitive: what it computes, its local derivatives, and how steps and explanations write it."""

    name: str                                    # the node's ``_op``, as micrograd names it: 'tanh', 'ReLU', '**2'
    value: Callable[..., float]                  # the result from the inputs (floats; inf/nan rather than errors)
    derivatives: Callable[..., tuple]            # (out, *inputs) -> d out / d input for each input
    formulas: Callable[..., tuple[str, ...]]     # (out name, *input names) -> those derivatives as text
    written: Callable[..., str]                  # (*input names) -> how the node is written: 'tanh(x)'
    check: Callable[..., None] | None = None     # (out, *input Values) raises a clear error outside the domain
    function: str | None = None                  # the Value method and command-line function: 'tanh'
    activation: bool = False                     # usable as a neuron's activation
    hint: str = ''                               # what to remember when deriving it by hand (exercises)


# ---- math on floats or Values ------------------------------------------------------------------------
# Floats get IEEE results (1/0 = inf, log(0) = -inf); when an input is a Value the result is a new
# node of the table's op, without the domain check, so create_graph=True never raises where
# backward() gives a number.

def is_number(x) -> bool:
    """A plain number, not a Value (floats first: the check against numbers.Real is slow)."""
    return type(x) is float or isinstance(x, numbers.Real)


def _on(op: Op, *inputs):
    for x in inputs:
        if not is_number(x):
            return type(x).apply(op, *inputs, check_domain=False)
    return op.value(*inputs)


def div(a, b):
    """a / b, with x/0 = ±inf and 0/0 = nan."""
    return _on(DIV, a, b)


def power(x, n):
    """x ** n, with 0 ** -1 = inf, overflow = ±inf and a complex result = nan."""
    if not is_number(n):
        return _on(POW, x, n)
    return fm.power(x, n) if is_number(x) else _on(power_op(n), x)


def log(x):
    return _on(LOG, x)


def tanh(x):
    return _on(TANH, x)


def sigmoid(x):
    return _on(SIGMOID, x)


def data(x) -> float:
    """The number inside a Value, or the number itself."""
    return x if is_number(x) else x.data


def sign(x) -> float:
    """-1.0, 0.0 or 1.0 (0.0 for nan), as torch.sgn."""
    x = data(x)
    return float((x > 0.0) - (x < 0.0))


def _gelu_derivative(out, x):
    """PyTorch's gelu_backward (approximate='tanh'), term by term."""
    t = tanh(fm.GELU_C * (x + fm.GELU_K * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (fm.GELU_C * (1.0 + 3.0 * fm.GELU_K * x * x))


def _silu_derivative(out, x):
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


# ---- the table -------------------------------------------------------------------------------------------

def _infix(symbol: str, spaced: bool = False) -> Callable[..., str]:
    return lambda a, b: f'{a} {symbol} {b}' if spaced else f'{a}{symbol}{b}'


def _call(function: str) -> Callable[..., str]:
    return lambda *xs: f"{function}({', '.join(xs)})"


def split_linear(items: Sequence[T]) -> tuple[Sequence[T], Sequence[T], T]:
    """A ``linear`` node's children (or anything listed like them) as (weights, inputs, bias).

    >>> split_linear(['w0', 'w1', 'x0', 'x1', 'b'])
    (['w0', 'w1'], ['x0', 'x1'], 'b')
    """
    n = (len(items) - 1) // 2
    return items[:n], items[n:2 * n], items[-1]


ADD = Op('+', lambda *xs: _sum(xs),
         derivatives=lambda out, *xs: (1.0,) * len(xs),                          # d(a + b + ...)/d(each) = 1
         formulas=lambda out, *xs: ('1',) * len(xs), written=lambda *xs: ' + '.join(xs),
         hint='a sum passes its gradient unchanged to every term.')
SUB = Op('-', lambda a, b: a - b,
         derivatives=lambda out, a, b: (1.0, -1.0),                              # d(a - b)/da = 1, /db = -1
         formulas=lambda out, a, b: ('1', '-1'), written=_infix('-', spaced=True))
MUL = Op('*', lambda a, b: a * b,
         derivatives=lambda out, a, b: (b, a),                                   # d(a*b)/da = b, /db = a
         formulas=lambda out, a, b: (b, a), written=_infix('*'),
         hint='each factor gets the other factor times the gradient.')
DIV = Op('/', fm.divide,
         derivatives=lambda out, a, b: (div(1.0, b), -div(out, b)),              # d(a/b)/da = 1/b, /db = -a/b**2
         formulas=lambda out, a, b: (f'1/{b}', f'-{a}/{b}**2'), written=_infix('/'), check=fm.check_div)
NEG = Op('neg', lambda x: -x,
         derivatives=lambda out, x: (-1.0,),                                     # d(-x)/dx = -1
         formulas=lambda out, x: ('-1',), written=lambda x: f'-{x}')
POW = Op('**', fm.power,                                                        # x ** n with a Value exponent n
         derivatives=lambda out, x, n: (BLOCKED if data(n) == 0.0 else n * power(x, n - 1.0),  # d/dx = n x**(n-1)
                                        out * log(x)),                           # d/dn = x**n log(x)
         formulas=lambda out, x, n: (f'{n}*{x}**({n} - 1)', f'{out}*log({x})'), written=_infix('**'),
         check=fm.check_pow_value)
EXP = Op('exp', fm.exp,
         derivatives=lambda out, x: (out,),                                      # d exp(x)/dx = exp(x)
         formulas=lambda out, x: (out,), written=_call('exp'), check=fm.check_exp, function='exp',
         hint='exp is its own derivative.')
LOG = Op('log', fm.log,
         derivatives=lambda out, x: (div(1.0, x),),                              # d log(x)/dx = 1/x
         formulas=lambda out, x: (f'1/{x}',), written=_call('log'), check=fm.check_log, function='log',
         hint='d log(x)/dx = 1/x.')
SQRT = Op('sqrt', fm.sqrt,
          derivatives=lambda out, x: (div(0.5, out),),                           # d sqrt(x)/dx = 1/(2 sqrt(x))
          formulas=lambda out, x: (f'1/(2*{out})',), written=_call('sqrt'), check=fm.check_sqrt, function='sqrt',
          hint='d sqrt(x)/dx = 1 / (2 sqrt(x)): use the output.')
ABS = Op('abs', abs,
         derivatives=lambda out, x: (sign(x),),                                  # d|x|/dx = sign(x)
         formulas=lambda out, x: (f'sign({x})',), written=_call('abs'), function='abs',
         hint='|x| passes the gradient with the sign of x.')
RELU = Op('ReLU', lambda x: 0.0 if x <= 0.0 else x,                             # relu(nan) = nan
          derivatives=lambda out, x: (BLOCKED if out <= 0.0 else 1.0,),          # d relu(x)/dx = [x > 0]
          formulas=lambda out, x: (f'[{x} > 0]',), written=_call('relu'), function='relu', activation=True,
          hint='relu passes the gradient where x > 0 and blocks it elsewhere: 1.0 if x > 0 else 0.0.')
TANH = Op('tanh', math.tanh,
          derivatives=lambda out, x: (1.0 - out * out,),                         # d tanh(x)/dx = 1 - tanh(x)**2
          formulas=lambda out, x: (f'1 - {out}**2',), written=_call('tanh'), function='tanh', activation=True,
          hint='d tanh/dx = 1 - tanh(x)**2: use the output, squared.')
SIGMOID = Op('sigmoid', fm.sigmoid,
             derivatives=lambda out, x: (out * (1.0 - out),),                    # d s(x)/dx = s (1 - s)
             formulas=lambda out, x: (f'{out}*(1 - {out})',), written=_call('sigmoid'), function='sigmoid',
             activation=True,
             hint='the derivative of sigmoid can be written with its own output: s * (1 - s), where s = sigmoid(x).')
SOFTPLUS = Op('softplus', fm.softplus,
              derivatives=lambda out, x: (sigmoid(x),),                          # d log(1 + e^x)/dx = sigmoid(x)
              formulas=lambda out, x: (f'sigmoid({x})',), written=_call('softplus'), function='softplus',
              hint='d softplus(x)/dx = e^x / (1 + e^x) = sigmoid(x).')
GELU = Op('gelu', fm.gelu,
          derivatives=lambda out, x: (_gelu_derivative(out, x),),                # product rule, then chain rule
          formulas=lambda out, x: (f"gelu'({x})",), written=_call('gelu'), function='gelu', activation=True,
          hint='differentiate 0.5 * x * (1 + tanh(u)) with the product rule, then the chain rule through u.')
SILU = Op('silu', lambda x: x * fm.sigmoid(x),
          derivatives=lambda out, x: (_silu_derivative(out, x),),                # s(x) (1 + x (1 - s(x)))
          formulas=lambda out, x: (f"silu'({x})",), written=_call('silu'), function='silu', activation=True,
          hint='silu(x) = x * sigmoid(x): use the product rule.')
LINEAR = Op('linear', lambda *items: _linear_value(*items),                     # w1*x1 + ... + wn*xn + b
            derivatives=lambda out, *items: _linear_derivatives(items, 1.0),    # dz/dwi = xi, dz/dxi = wi, dz/db = 1
            formulas=lambda out, *names: _linear_derivatives(names, '1'),
            written=lambda *names: _linear_written(names),
            hint='dz/dwi = xi, dz/dxi = wi, dz/db = 1.')


def _sum(terms) -> float:
    total = terms[0] if terms else 0.0
    for term in terms[1:]:
        total += term  # left to right, as t0 + t1 + ... (not sum(), which compensates on 3.12+)
    return total


def _linear_value(*items: float) -> float:
    weights, inputs, bias = split_linear(items)
    total = bias
    for w, x in zip(weights, inputs):
        total += w * x  # the same float operations, in the same order, as b + w1*x1 + w2*x2 + ...
    return total


def _linear_derivatives(items, one) -> tuple:
    weights, inputs, _ = split_linear(items)
    return (*inputs, *weights, one)


def _linear_written(names) -> str:
    weights, inputs, bias = split_linear(names)
    return ' + '.join([f'{w}*{x}' for w, x in zip(weights, inputs)] + [bias])


@functools.lru_cache(maxsize=1024)
def power_op(n: int | float) -> Op:
    """The op ``x ** n`` for a constant exponent ``n`` (an int or a float), named ``'**n'`` as in micrograd.

    >>> power_op(3).name, power_op(3).derivatives(8.0, 2.0), power_op(3).formulas('y', 'x')
    ('**3', (12.0,), ('3*x**2',))
    """
    lower = n - 1
    shown = f'{lower:g}' if isinstance(lower, float) else str(lower)
    return Op(f'**{n}', lambda x: fm.power(x, n),
              derivatives=lambda out, x: (BLOCKED if n == 0 else n * power(x, lower),),  # d x**n/dx = n x**(n-1)
              formulas=lambda out, x: ('0',) if n == 0 else (f'{n}*{x}' if lower == 1 else f'{n}*{x}**{shown}',),
              written=lambda x: f'{x}**{n}', check=fm.pow_checker(n),
              hint='the power rule: d/dx x**n = n * x**(n-1).')


def exponent(n: numbers.Real) -> int | float:
    """A constant exponent as micrograd names it: an int if it is one (bool, NumPy int, Fraction(4, 2)), else a float."""
    if isinstance(n, numbers.Integral):
        return int(n)
    if isinstance(n, numbers.Rational) and n.denominator == 1:
        return int(n.numerator)
    return float(n)


OPS: dict[str, Op] = {op.name: op for op in (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, ABS, RELU, TANH,
                                             SIGMOID, SOFTPLUS, GELU, SILU, LINEAR)}
FUNCTIONS: dict[str, Op] = {op.function: op for op in OPS.values() if op.function}  # tanh(x), relu(x), ...
ACTIVATIONS: dict[str, Op] = {name: op for name, op in FUNCTIONS.items() if op.activation}


def op_of(node) -> Op | None:
    """The table's op that made ``node``, or None: an op defined elsewhere (its own ``_backward``, or a
    name the table lacks), or a node made by hand under a table name whose local derivatives are not
    the table's (``Value(e, (x,), 'exp', (2 * e,))`` for exp(2x)): then its own numbers are all it has."""
    op = op_named(node._op)
    if op is None or node._local_grads is None:
        return None
    try:
        expected = op.derivatives(node.data, *[child.data for child in node._prev])
    except TypeError:  # another number of inputs than the table's op takes
        return None
    stored = node._local_grads
    if len(expected) != len(stored):
        return None
    if tuple(expected) == stored or all(a == b or (a != a and b != b) for a, b in zip(expected, stored)):
        return op  # (the tuples compare at C speed; NaNs, never equal, are compared one by one)
    return None


def value_now(node) -> float | None:
    """The table's op of ``node`` applied to its children's data now, or None: no table op by that name, or
    one that takes another number of inputs (a node made by hand). A node whose data differs was made by
    hand, or a child's data changed after the forward pass.

    >>> from micrograd_ext import Value
    >>> w = Value(2.0); y = w * 3; w.data = 2.5
    >>> y.data, value_now(y)
    (6.0, 7.5)
    """
    op = op_named(node._op)
    if op is None:
        return None
    try:
        return float(op.value(*[child.data for child in node._prev]))
    except TypeError:
        return None


def op_named(name: str) -> Op | None:
    """The table's op for a node's ``_op`` (``'**2'`` included), or None for an op defined elsewhere.

    >>> op_named('tanh') is TANH, op_named('**0.5').name, op_named('my_op')
    (True, '**0.5', None)
    """
    if name in OPS:
        return OPS[name]
    if name.startswith('**'):
        try:
            n = float(name[2:])
        except ValueError:
            return None
        return power_op(int(n) if name[2:].lstrip('-').isdigit() else n)
    return None
