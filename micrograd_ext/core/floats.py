"""The math the op table's formulas use on floats (``m`` in ``ops.py``): IEEE results where Python raises
(1/0 = inf, log(0) = -inf, overflow = inf), sigmoid and softplus without overflow, a ``BLOCKED`` zero; and the
domain errors a user sees when an op's input is outside its domain (each names the input and the fix).

The functions that derivative formulas use exist for Values too (``autograd.VALUES``: each a node of a table
op), and all of them for NumPy arrays (``compiled/kernels.py``), so that one formula serves all three.

>>> div(1.0, 0.0), log(0.0), power(0.0, -1), sigmoid(-1000.0)
(inf, -inf, inf, 0.0)
"""
from __future__ import annotations

import math
from collections.abc import Callable

from .errors import describe

MAX_EXP_INPUT = math.log(1.7976931348623157e308)  # exp overflows above ~709.78
tanh = math.tanh


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


def blocked(where: bool, local):
    """``local``, or ``BLOCKED`` where the gradient must stop completely."""
    return BLOCKED if where else local


def data(x) -> float:
    """The number itself (a Value gives its ``.data`` in ``autograd.VALUES``)."""
    return x


def logsumexp(xs) -> float:
    """``log(e^x1 + ... + e^xn)`` without overflow (the largest is taken out first), as torch.logsumexp."""
    if any(x != x for x in xs):
        return math.nan
    top = max(xs)
    if math.isinf(top):  # inf if any is inf, -inf if all are
        return top
    total = 0.0
    for x in xs:
        total += math.exp(x - top)  # left to right, as a sum of Values adds
    return top + math.log(total)


def pick(i: float, xs) -> float:
    """``xs[i]``; an index outside them is nan (``check_pick`` says why)."""
    k = int(i) if i == i and abs(i) < len(xs) + 1 else -1
    return xs[k] if 0 <= k < len(xs) and k == i else math.nan


def div(a: float, b: float) -> float:
    if b:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def power(x: float, n: float) -> float:
    try:
        result = x ** n
    except ZeroDivisionError:  # 0.0 ** negative
        odd = float(n).is_integer() and n % 2 == 1
        return math.copysign(math.inf, x) if odd else math.inf
    except OverflowError:
        odd = float(n).is_integer() and n % 2 == 1
        return -math.inf if x < 0.0 and odd else math.inf
    return math.nan if isinstance(result, complex) else result


def log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else math.nan


def exp(x: float) -> float:
    return math.inf if x > MAX_EXP_INPUT else math.exp(x)  # exp(nan) is nan


def relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # relu(nan) = nan


def sign(x: float) -> float:
    """-1.0, 0.0 or 1.0 (0.0 for nan), as torch.sgn."""
    return float((x > 0.0) - (x < 0.0))


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + e^x) without overflow: x + log(1 + e^-x) above 0."""
    return x + math.log1p(math.exp(-x)) if x > 0.0 else math.log1p(math.exp(x))  # nan stays nan


# ---- domain checks: the errors a user sees --------------------------------------------------------------

def check_div(out: float, a, b) -> None:
    if b.data == 0.0:
        raise ZeroDivisionError(f"division by zero: {describe(a)} / {describe(b)}; "
                                "make sure the denominator cannot be 0 (e.g. add a small epsilon)")


def check_pick(out: float, i, *xs) -> None:
    if not (0 <= i.data < len(xs) and float(i.data).is_integer()):
        raise IndexError(f"index {i.data:g} picks from {len(xs)} rows: give a whole number from 0 to {len(xs) - 1}")


def check_log(out: float, x) -> None:
    if x.data <= 0.0:
        fix = ("add a small epsilon, e.g. (x + 1e-12).log()" if x.data == 0.0 else
               "a negative number has no real log: take log(abs(x)), or make sure x stays positive")
        raise ValueError(f"log({describe(x)}): log needs a positive input; {fix}")


def check_sqrt(out: float, x) -> None:
    if x.data < 0.0:
        raise ValueError(f"sqrt({describe(x)}): sqrt needs a non-negative input; take sqrt(abs(x)) or "
                         "sqrt(relu(x)), or make sure x stays >= 0")


def check_exp(out: float, x) -> None:
    if math.isinf(out) and math.isfinite(x.data):
        raise OverflowError(f"exp({describe(x)}) is too large for a float (inputs above ~709.78 overflow); "
                            "scale the input down or subtract a maximum first")


def check_pow_value(out: float, x, n) -> None:
    if x.data <= 0.0:
        raise ValueError(f"{describe(x)} ** {describe(n)}: a Value exponent needs a positive base, "
                         "because d/dn x**n = x**n * log(x) is undefined otherwise; use a plain number as the exponent")
    if math.isinf(out) and math.isfinite(x.data) and math.isfinite(n.data):
        raise OverflowError(f"{describe(x)} ** {describe(n)} is too large for a float")


def pow_checker(n: float) -> Callable[..., None]:
    def check(out: float, x) -> None:
        if x.data == 0.0 and n < 0:
            raise ZeroDivisionError(f"{describe(x)} ** {n}: 0 cannot be raised to a negative power")
        if x.data < 0.0 and not float(n).is_integer():
            raise ValueError(f"{describe(x)} ** {n}: a negative base needs an integer exponent "
                             "(the result would be a complex number)")
        if math.isinf(out) and math.isfinite(x.data):
            raise OverflowError(f"{describe(x)} ** {n} is too large for a float")
    return check
