from micrograd_ext import Value
from micrograd_ext.table import fmt, graph_table, node_names


def test_table_lists_every_node_in_order_with_op_inputs_data_grad():
    a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    c = a * b + 1
    c.backward()
    lines = str(graph_table(c)).splitlines()
    assert lines[0].split() == ['node', 'op', 'inputs', 'data', 'grad']
    assert [line.split()[0] for line in lines[1:]] == ['a', 'b', 'v2', '1', 'v4']
    assert lines[3].split() == ['v2', '*', 'a,', 'b', '-6.0000', '1.0000']
    assert lines[1].split() == ['a', '2.0000', '-3.0000']


def test_table_in_jupyter_is_an_escaped_html_table():
    x = Value(1.0, label='<x>')
    html = graph_table(x * 2)._repr_html_()
    assert html.startswith('<table>') and '&lt;x&gt;' in html and html.count('<tr>') == 4


def test_number_formatting_and_names():
    assert (fmt(0.5), fmt(-3.0), fmt(1e-7), fmt(2.5e8), fmt(0.0)) == ('0.5000', '-3.0000', '1.0000e-07', '2.5000e+08',
                                                                   '0.0000')
    x = Value(1.0)
    y = x * 2.5
    assert list(node_names([x, y._prev[1], y]).values()) == ['1', '2.5', 'v2']
