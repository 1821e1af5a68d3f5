import pytest

from micrograd_ext import Value
from micrograd_ext.viz.naming import fmt
from micrograd_ext.viz.table import graph_table


def test_table_lists_every_node_in_order_with_op_inputs_data_grad():
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    c = a * b + 1
    c.backward()
    lines = str(graph_table(c)).splitlines()
    assert lines[0].split() == ['node', 'op', 'inputs', 'data', 'grad']
    assert [line.split()[0] for line in lines[1:]] == ['a', 'b', 'v1', 'c1', 'v2']
    assert lines[3].split() == ['v1', '*', 'a,', 'b', '-6.0000', '1.0000']
    assert lines[1].split() == ['a', '2.0000', '-3.0000']
    assert lines[5].split() == ['v2', '+', 'v1,', 'c1', '-5.0000', '1.0000']
    assert '(stale)' not in str(graph_table(c))


def test_two_constants_with_the_same_value_are_two_rows_with_two_names():
    w, x = Value(2.0, label='w'), Value(3.0, label='x')
    y = (w * x + 3) * 3
    assert [row[0] for row in graph_table(y).rows if not row[1]] == ['w', 'x', 'c1', 'c2']


def test_before_backward_the_grads_are_marked_stale_or_left_out():
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    y = a * b
    text = str(graph_table(y))
    assert text.count('(stale)') == 3  # a, b and y: their true derivatives are -3, 2 and 1, the grads hold 0
    assert 'run backward()' in text.splitlines()[-1]
    assert 'grad' not in str(graph_table(y, show_grad=False))
    y.backward()
    assert '(stale)' not in str(graph_table(y))
    y.backward()  # leaves accumulate: a.grad is now -6, twice dy/da
    rows = {row[0]: row[4] for row in graph_table(y).rows}
    assert rows['a'] == '-6.0000 (stale)' and rows['v1'] == '1.0000' and 'zero_grad()' in str(graph_table(y))


def test_pending_grads_say_so():
    a = Value(2.0, label='a')
    y = a * a
    rows = {row[0]: row[4] for row in graph_table(y, pending=[a]).rows}
    assert rows == {'a': 'pending', 'v1': '0.0000 (stale)'}


def test_table_in_jupyter_is_an_escaped_html_table():
    x = Value(1.0, label='<x>')
    html = graph_table(x * 2)._repr_html_()
    assert html.startswith('<table>') and '&lt;x&gt;' in html and html.count('<tr>') == 4


@pytest.mark.parametrize('number, text', [(0.5, '0.5000'), (-3.0, '-3.0000'), (1e-7, '1.0000e-07'),
                                          (2.5e8, '2.5000e+08'), (0.0, '0.0000')])
def test_number_formatting(number, text):
    assert fmt(number) == text


def test_a_negative_zero_is_written_as_zero():
    assert fmt(-0.0) == '0.0000' and fmt(-1e-9) == '-1.0000e-09'


def test_data_changed_after_the_forward_pass_is_marked_in_the_table_and_the_drawing():
    from micrograd_ext.viz import draw_dot
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    y = a * b
    y.label = 'y'
    y.backward()
    a.data -= 0.01 * a.grad  # an SGD step; the graph still holds a*b from before
    rows = {row[0]: row[3] for row in graph_table(y).rows}
    assert rows == {'a': '2.0300', 'b': '-3.0000', 'y': '-6.0000 (out of date)'}
    assert 'the data changed since this graph was built' in str(graph_table(y))
    source = draw_dot(y).source
    assert 'data -6.0000 (out of date)' in source and 'legend_changed' in source
    fresh = a * b
    assert '(out of date)' not in str(graph_table(fresh)) and 'legend_changed' not in draw_dot(fresh).source
