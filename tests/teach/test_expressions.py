import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ext.teach.expressions import MAX_LENGTH, ExpressionError, build_graph, parse_assignments


def test_builds_the_graph_with_labels_and_shared_names():
    y = build_graph('tanh(x*w + b)', {'x': 2, 'w': -3, 'b': 6.88})
    assert y.data == pytest.approx(math.tanh(0.88)) and y.label == 'tanh(x*w + b)' and y._op == 'tanh'
    z = build_graph('x*x + x', {'x': 3.0})
    z.backward()
    x = z._prev[1]
    assert x.label == 'x' and x.grad == 7.0  # one node for x, reached by three paths


def test_constant_exponents_are_micrograd_pow_ops():
    assert build_graph('x ** 2', {'x': 3})._op == '**2'
    assert build_graph('x ** -1', {'x': 4}).data == 0.25
    assert build_graph('2 ** x', {'x': 3})._op == '**'


@pytest.mark.parametrize('text, message', [
    ('__import__("os").system("ls")', 'only these functions can be called'),
    ('x.__class__', 'Attribute is not allowed'),
    ('lambda: 1', 'Lambda is not allowed'),
    ('[i for i in x]', 'ListComp is not allowed'),
    ('x[0]', 'Subscript is not allowed'),
    ('x ** 1000', 'exponent 1000 is too large'),
    ('9 ** 99 ** 99', 'too large'),
    ('q * 2', "name 'q' is not defined; set it with --set q=NUMBER"),
    ('x ^ 2', 'write powers as x \\*\\* 2'),
    ('x < 2', 'a comparison \\(== < > ...\\) is not allowed'),
    ('x % 2', 'the operator % is not allowed'),
    ('~x', 'the operator ~ is not allowed'),
    ('"text"', 'only numbers'),
    ('True + x', 'only numbers'),
    ('9e999 - x', 'too large for a float'),
    ('1' + '0' * 400, 'too large for a float'),
    ('tanh', 'is a function: call it'),
    ('tanh(x, x)', 'exactly one argument'),
    ('relu(x=1)', 'exactly one argument'),
    ('log(x - 5)', 'log needs a positive input'),
    ('x / (x - 2)', 'division by zero'),
    ('x +', 'not a valid expression'),
    ('', 'not a valid expression'),
    ('x\nimport os', 'single line'),
    ('x' + '+x' * MAX_LENGTH, 'the limit is'),
])
def test_anything_else_is_refused_with_a_pointer(text, message):
    with pytest.raises(ExpressionError, match=message):
        build_graph(text, {'x': 2.0})


def test_errors_point_at_the_offending_part():
    with pytest.raises(ExpressionError) as caught:
        build_graph('x + y.z', {'x': 1, 'y': 2})
    assert caught.value.args[0].endswith('  x + y.z\n      ^^^')


def test_long_expressions_are_evaluated_without_recursion():
    text = '+'.join(['x'] * 240)
    assert build_graph(text, {'x': 1.5}).data == 360.0


def test_assignments():
    assert parse_assignments(['x=2', ' w = -3e-1']) == {'x': 2.0, 'w': -0.3}
    for bad, message in [('x', 'NAME=NUMBER'), ('2x=1', 'NAME=NUMBER'), ('x=abc', "x must be set to a number, got 'abc'"),
                         ('x=inf', 'finite')]:
        with pytest.raises(ExpressionError, match=message):
            parse_assignments([bad])
    with pytest.raises(ExpressionError, match='cannot be a variable name'):
        build_graph('1', {'tanh': 1.0})


def graph_or_clear_error(text: str) -> None:
    """Any input gives either a graph that can be differentiated or an ExpressionError with a message."""
    try:
        value = build_graph(text, {'x': 0.5, 'y': -1.5})
    except ExpressionError as error:
        assert str(error)
    else:
        value.backward()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_graph_or_a_clear_error(text):
    graph_or_clear_error(text)


EXPRESSION_ALPHABET = st.sampled_from(['x', 'y', '1', '2.5', '+', '-', '*', '/', '**', '(', ')', 'tanh(', 'exp(',
                                       'log(', 'relu(', 'sqrt(', ' ', '.', ',', 'import', '[', ']', '_'])


@settings(max_examples=300, deadline=None)
@given(st.lists(EXPRESSION_ALPHABET, max_size=25).map(''.join))
def test_expression_like_text_gives_a_graph_or_a_clear_error(text):
    graph_or_clear_error(text)
