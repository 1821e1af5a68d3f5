"""The float math of the op table (core/floats.py): IEEE results where Python raises, BLOCKED, and the domain
errors a user sees."""
import copy
import math
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_ext import Value
from micrograd_ext.core import floats
from micrograd_ext.core.floats import BLOCKED
from micrograd_ext.core.ops import LOG

from ..strategies import any_floats, finite_floats

inf, nan = math.inf, math.nan


def same(a: float, b: float) -> bool:
    """Equal as IEEE values: NaN matches NaN, and a zero or infinity matches only one of its own sign."""
    if math.isnan(b):
        return math.isnan(a)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize('result, expected', [
    (floats.div(1.0, 0.0), inf), (floats.div(-1.0, 0.0), -inf), (floats.div(1.0, -0.0), -inf),
    (floats.div(0.0, 0.0), nan), (floats.div(nan, 0.0), nan), (floats.div(6.0, 3.0), 2.0),
    (floats.power(0.0, -1), inf), (floats.power(-0.0, -1), -inf), (floats.power(-0.0, -2), inf),
    (floats.power(0.0, -0.5), inf), (floats.power(10.0, 400), inf), (floats.power(-10.0, 401), -inf),
    (floats.power(-10.0, 400), inf), (floats.power(-8.0, 1 / 3), nan), (floats.power(2.0, 0.5), math.sqrt(2.0)),
    (floats.log(0.0), -inf), (floats.log(-1.0), nan), (floats.log(math.e), 1.0), (floats.log(nan), nan),
    (floats.sqrt(-1.0), nan), (floats.sqrt(4.0), 2.0),
    (floats.exp(1000.0), inf), (floats.exp(floats.MAX_EXP_INPUT), math.exp(floats.MAX_EXP_INPUT)),
    (floats.exp(-inf), 0.0), (floats.exp(nan), nan),
    (floats.relu(-2.0), 0.0), (floats.relu(nan), nan), (floats.relu(3.0), 3.0),
    (floats.sign(-2.5), -1.0), (floats.sign(0.0), 0.0), (floats.sign(nan), 0.0), (floats.sign(7.0), 1.0),
    (floats.sigmoid(-1000.0), 0.0), (floats.sigmoid(1000.0), 1.0), (floats.sigmoid(0.0), 0.5),
    (floats.softplus(1000.0), 1000.0), (floats.softplus(-1000.0), 0.0), (floats.softplus(0.0), math.log(2.0)),
    (floats.softplus(nan), nan),
])
def test_ieee_results_where_python_raises(result, expected):
    assert same(result, expected), (result, expected)


def test_exp_overflows_exactly_where_math_exp_does():
    above = math.nextafter(floats.MAX_EXP_INPUT, inf)
    with pytest.raises(OverflowError):
        math.exp(above)
    assert floats.exp(above) == inf and math.isfinite(floats.exp(floats.MAX_EXP_INPUT))


@given(any_floats, any_floats)
def test_div_is_python_division_wherever_python_divides(a, b):
    if b != 0.0:
        assert same(floats.div(a, b), a / b)
    else:
        assert math.isnan(floats.div(a, b)) if a == 0.0 or math.isnan(a) else math.isinf(floats.div(a, b))


@given(finite_floats(-1e3, 1e3), st.sampled_from([-3, -2, -1, 0, 1, 2, 3, 0.5, 1.5, -0.5, 2.5]))
def test_power_is_math_pow_wherever_math_pow_succeeds(x, n):
    try:
        expected = math.pow(x, n)
    except (ValueError, OverflowError, ZeroDivisionError):
        result = floats.power(x, n)
        assert math.isnan(result) or math.isinf(result)
    else:
        assert same(floats.power(x, n), expected)


@given(finite_floats(-700, 700))
def test_sigmoid_and_softplus_agree_with_their_textbook_formulas(x):
    assert floats.sigmoid(x) == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12, abs=1e-300)
    assert floats.sigmoid(x) + floats.sigmoid(-x) == pytest.approx(1.0, rel=1e-15)
    assert floats.softplus(x) == pytest.approx(math.log1p(math.exp(x)), rel=1e-12, abs=1e-300)


@given(finite_floats(-1e308, 1e308))
def test_sigmoid_and_softplus_never_overflow(x):
    assert 0.0 <= floats.sigmoid(x) <= 1.0
    assert floats.softplus(x) >= 0.0 and floats.softplus(x) >= x and math.isfinite(floats.softplus(x))


def test_blocked_is_a_zero_that_stops_even_an_infinite_gradient():
    assert BLOCKED == 0.0 and repr(BLOCKED) == 'BLOCKED'
    assert BLOCKED * inf == 0.0 and inf * BLOCKED == 0.0 and BLOCKED * nan == 0.0 and nan * BLOCKED == 0.0
    assert math.isnan(0.0 * inf)  # an ordinary zero follows IEEE
    assert BLOCKED + 1.0 == 1.0
    assert copy.deepcopy(BLOCKED) is BLOCKED and pickle.loads(pickle.dumps(BLOCKED)) is BLOCKED
    assert floats.blocked(True, 5.0) is BLOCKED and floats.blocked(False, 5.0) == 5.0


def test_relu_below_zero_blocks_sqrts_infinite_slope_in_the_engine():
    x = Value(-2.0)
    y = x.relu()
    assert y._local_grads[0] is BLOCKED
    y.sqrt().backward()  # sqrt'(0) = inf; inf * BLOCKED = 0
    assert x.grad == 0.0
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == inf  # without relu the infinite slope arrives


def v(number: float, label: str = '') -> Value:
    return Value(number, label=label)


@pytest.mark.parametrize('check, error, message', [
    (lambda: floats.check_div(inf, v(1.0), v(0.0, 'd')), ZeroDivisionError,
     r'^division by zero: 1\.0 / d \(= 0\.0\); make sure the denominator cannot be 0'),
    (lambda: floats.check_log(-inf, v(0.0, 'x')), ValueError,
     r'^log\(x \(= 0\.0\)\): log needs a positive input; add a small epsilon, e\.g\. \(x \+ 1e-12\)\.log\(\)$'),
    (lambda: floats.check_log(nan, v(-2.0)), ValueError, r'^log\(-2\.0\): .*no real log: take log\(abs\(x\)\)'),
    (lambda: floats.check_sqrt(nan, v(-1.0, 'x')), ValueError,
     r'^sqrt\(x \(= -1\.0\)\): sqrt needs a non-negative input; take sqrt\(abs\(x\)\) or sqrt\(relu\(x\)\)'),
    (lambda: floats.check_exp(inf, v(710.0, 'z')), OverflowError,
     r'^exp\(z \(= 710\.0\)\) is too large for a float \(inputs above ~709\.78 overflow\)'),
    (lambda: floats.check_pow_value(0.0, v(0.0, 'x'), v(2.0, 'n')), ValueError,
     r'^x \(= 0\.0\) \*\* n \(= 2\.0\): a Value exponent needs a positive base.*use a plain number'),
    (lambda: floats.check_pow_value(inf, v(10.0), v(400.0)), OverflowError, r'^10\.0 \*\* 400\.0 is too large'),
    (lambda: floats.pow_checker(-1)(inf, v(0.0, 'x')), ZeroDivisionError,
     r'^x \(= 0\.0\) \*\* -1: 0 cannot be raised to a negative power$'),
    (lambda: floats.pow_checker(0.5)(nan, v(-8.0, 'x')), ValueError,
     r'^x \(= -8\.0\) \*\* 0\.5: a negative base needs an integer exponent'),
    (lambda: floats.pow_checker(400)(inf, v(10.0, 'x')), OverflowError, r'^x \(= 10\.0\) \*\* 400 is too large'),
])
def test_each_domain_error_names_the_input_and_the_fix(check, error, message):
    with pytest.raises(error, match=message):
        check()


@pytest.mark.parametrize('check', [
    lambda: floats.check_div(2.0, v(1.0), v(0.5)),
    lambda: floats.check_log(nan, v(nan)),  # NaN in, NaN out: not a domain error
    lambda: floats.check_sqrt(0.0, v(0.0)),
    lambda: floats.check_exp(inf, v(inf)),  # infinite in, infinite out: no overflow
    lambda: floats.check_pow_value(1.0, v(2.0), v(0.0)),
    lambda: floats.pow_checker(-1)(-0.125, v(-8.0)),
    lambda: floats.pow_checker(2)(inf, v(inf)),
])
def test_inputs_inside_the_domain_pass_the_checks(check):
    assert check() is None


def test_the_engine_raises_the_checks_errors_unless_told_not_to():
    with pytest.raises(ValueError, match=r'log\(x \(= 0\.0\)\)'):
        Value(0.0, label='x').log()
    out = Value.apply(LOG, Value(0.0), check_domain=False)
    assert out.data == -inf and out._local_grads[0] == inf
