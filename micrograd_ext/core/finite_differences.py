"""Check the engine's gradients against NumPy central finite differences in float64.

>>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
True
"""
from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

from .optional import needs_numpy

needs_numpy('gradcheck (micrograd_ext.core.finite_differences)')

import numpy as np

from .errors import MicrogradExtError
from .autograd import grad
from .engine import Value


class GradcheckError(MicrogradExtError, AssertionError):
    """The analytic and numeric gradients disagree; the message holds a table of both."""


def numerical_grad(fn: Callable[..., Value], inputs: Sequence, eps: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` for each input, as a float64 array.

    >>> numerical_grad(lambda x: x ** 2, [3.0]).round(6)
    array([6.])
    """
    point = _point(inputs)
    result = np.empty_like(point)
    for i in range(point.size):
        up, down = point.copy(), point.copy()
        up[i] += eps
        down[i] -= eps
        result[i] = (_call(fn, up) - _call(fn, down)) / (2 * eps)
    return result


class NotCheckableError(MicrogradExtError, ArithmeticError):
    """No finite difference can be trusted at this point; the message is 'boundary', 'kink' or 'rounding'."""


def derivative(f: Callable[[float], float], x: float, eps: float = 1e-4, atol: float = 1e-5, rtol: float = 1e-3,
               tries: int = 9) -> float:
    """``f'(x)`` by a central difference that stays inside ``f``'s domain.

    The step starts at ``eps * max(1, |x|)`` and shrinks tenfold, at most ``tries - 1`` times, while ``f``
    fails or is not finite on either side (a boundary of its domain is near) or the forward and backward
    differences disagree by gradcheck's rule (the slope changes too fast, as at a kink). Raises
    ``NotCheckableError`` naming the reason when no step works, or when the step has become too small
    for the size of ``f``'s values ('rounding').

    >>> round(derivative(math.log, 1e-7) / 1e7, 6)  # a step of 1e-6 would leave log's domain
    1.0
    >>> derivative(math.sqrt, 0.0)
    Traceback (most recent call last):
    ...
    micrograd_ext.core.finite_differences.NotCheckableError: boundary
    >>> derivative(abs, 0.0)
    Traceback (most recent call last):
    ...
    micrograd_ext.core.finite_differences.NotCheckableError: kink
    """
    centre, reason = f(x), 'kink'
    for k in range(tries):
        step = eps * max(1.0, abs(x)) / 10 ** k
        up, down = x + step, x - step
        try:
            f_up, f_down = f(up), f(down)
        except (ArithmeticError, ValueError):
            f_up = f_down = math.nan
        if not (math.isfinite(f_up) and math.isfinite(f_down)):
            reason = 'boundary'
            continue
        central = (f_up - f_down) / (up - down)  # the steps as rounded
        if 4 * sys.float_info.epsilon * max(abs(f_up), abs(f_down)) / step > atol + rtol * abs(central):
            raise NotCheckableError('rounding')  # and smaller steps would only round worse
        if agrees((f_up - centre) / (up - x), (centre - f_down) / (x - down), atol, rtol):
            return central
    raise NotCheckableError(reason)


def analytic_grad(fn: Callable[..., Value], inputs: Sequence) -> np.ndarray:
    """The engine's gradient of ``fn`` at ``inputs`` (via backpropagation), as a float64 array."""
    leaves = [Value(float(x)) for x in _point(inputs)]
    return np.array(grad(_output(fn, leaves), leaves), dtype=np.float64)


def gradcheck(fn: Callable[..., Value], inputs: Sequence, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """True if backprop agrees with finite differences for every input; else raise ``GradcheckError``.

    ``fn`` takes one Value per input and returns a Value. A gradient passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``.
    """
    analytic = analytic_grad(fn, inputs)
    numeric = numerical_grad(fn, inputs, eps)
    ok = agrees(analytic, numeric, atol, rtol)
    if ok.all():
        return True
    rows = [f"{'input':>5} {'value':>12} {'analytic':>14} {'numeric':>14} {'difference':>12}"]
    for i, (x, a, n, good) in enumerate(zip(_point(inputs), analytic, numeric, ok)):
        rows.append(f"{i:>5} {x:>12.6g} {a:>14.8g} {n:>14.8g} {a - n:>12.3g}{'' if good else '  <- mismatch'}")
    raise GradcheckError(f"gradients differ from finite differences (eps={eps}, atol={atol}, rtol={rtol}):\n"
                         + '\n'.join(rows))


def agrees(analytic, numeric, atol: float = 1e-5, rtol: float = 1e-3):
    """gradcheck's rule, element-wise: ``|analytic - numeric| <= atol + rtol * |numeric|``.

    >>> bool(agrees(2.0, 2.0000001)), bool(agrees(2.0, 2.1))
    (True, False)
    """
    return np.abs(np.subtract(analytic, numeric)) <= atol + rtol * np.abs(numeric)


def _point(inputs: Sequence) -> np.ndarray:
    return np.array([x.data if isinstance(x, Value) else x for x in inputs], dtype=np.float64)


def _call(fn: Callable[..., Value], point: np.ndarray) -> float:
    return _output(fn, [Value(float(x)) for x in point]).data


def _output(fn: Callable[..., Value], leaves: list[Value]) -> Value:
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"the function under check must return a Value, got {type(out).__name__}")
    return out
