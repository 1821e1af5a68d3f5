import numpy as np
import pytest

from micrograd_ext import GradcheckError, Value, gradcheck, numerical_grad
from micrograd_ext.core.finite_differences import analytic_grad


def test_numerical_grad_is_float64_central_differences():
    result = numerical_grad(lambda x, y: x * x * y, [3.0, 2.0])
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [12.0, 9.0], rtol=1e-8)


def test_gradcheck_accepts_correct_gradients_and_values_as_inputs():
    assert gradcheck(lambda a, b: (a / b).exp() * b.sigmoid(), [Value(0.3), 1.2])
    np.testing.assert_allclose(analytic_grad(lambda a: a ** 3, [2.0]), [12.0])


class WrongTanh(Value):
    """A Value whose tanh stores a wrong local derivative, as a student's bug would."""
    __slots__ = ()

    def tanh(self):
        out = super().tanh()
        out._local_grads = (1.0 - out.data,)  # forgot to square
        return out


def test_gradcheck_reports_a_table_of_analytic_and_numeric_gradients():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: WrongTanh(x.data * 1.0, (x,), '*', (1.0,)).tanh() + y, [0.8, 1.0])
    message = str(caught.value)
    assert 'analytic' in message and 'numeric' in message and '<- mismatch' in message
    assert message.count('<- mismatch') == 1  # only x's row; y's gradient is right


def test_gradcheck_needs_a_value_back():
    with pytest.raises(TypeError, match='must return a Value'):
        gradcheck(lambda x: 3.0, [1.0])
