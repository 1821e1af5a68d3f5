"""The legend (viz/legend.py): beside the output, in one order with both renderers and in both layouts, and the
formulas of the boxes (issue 28, items 7, 8 and 10). Real renders, SVGs parsed and measured."""
import re
import xml.etree.ElementTree as ET

import pytest

from micrograd_ext import Value, topological_order
from micrograd_ext.learn.nn import MLP
from micrograd_ext.viz import draw_dot, render, trace

from .test_draw import SVG, extents, lecture_graph, parse


def legend_order(svg: bytes, rankdir: str) -> list[str]:
    """The legend's entries in reading order: top to bottom in a column ('LR'), left to right in a row ('TB')."""
    boxes = extents(svg)
    return [name.removeprefix('legend_') for name in sorted(
        (name for name in boxes if name.startswith('legend_')), key=lambda n: boxes[n][1 if rankdir == 'LR' else 0])]


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize('rankdir', ['LR', 'TB'])
def test_the_legend_stands_beside_the_output_in_one_order_in_every_renderer(backend, rankdir):
    """It stood in the inputs' rank, above a wide graph (doubling its height), in an order each renderer chose."""
    L, _ = lecture_graph()
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([1.0, -2.0])
    out.backward()
    for root, options, expected in [
            (L, {}, ['input', 'value', 'output', 'operation', 'stale']),
            (out, {'cluster': True}, ['input', 'parameter', 'value', 'output', 'operation', 'fields']),
            (out, {'collapse': 'neuron'}, ['input', 'value', 'output'])]:
        drawing = draw_dot(root, rankdir=rankdir, **options)
        svg = render(drawing, 'svg', backend)
        boxes = extents(svg)
        output = boxes[f'n{len(trace(root)[0]) - 1}']  # the root is the last node
        legend = boxes['cluster_legend']
        across = (0, 2) if rankdir == 'LR' else (1, 3)  # in the output's column (LR) or row (TB)
        assert overlap((legend[across[0]], legend[across[1]]), (output[across[0]], output[across[1]])), options
        assert legend_order(svg, rankdir) == expected, options


def test_every_computed_box_has_its_formula_as_a_tooltip_and_the_legend_spells_out_those_asked_for(backend):
    x = Value(2.0, label='x')
    y = (x * 3 + 1).tanh()
    nodes = topological_order(y)
    svg = render(draw_dot(y, formulas=[n for n in nodes if n._prev]), 'svg', backend)
    titles = [a.get('{http://www.w3.org/1999/xlink}title') for a in ET.fromstring(svg).iter(f'{SVG}a')]
    assert titles == ['v1 = x*c1', 'v2 = v1 + c2', 'v3 = tanh(v2)']
    _, _, text = parse(svg)
    assert 'v1 = x*c1' in text and 'v3 = tanh(v2)' in text
    chain = x
    for _ in range(15):
        chain = chain * 1.0
    source = draw_dot(chain, formulas=topological_order(chain)).source
    assert len(re.findall(r'tooltip="v\d+ = ', source)) == 15
    lines = re.search(r'legend_formulas \[label="([^"]*)"', source)[1].split('\\l')
    assert lines == ['v1 = x*c1', *(f'v{i} = v{i - 1}*c{i}' for i in range(2, 13)),
                     "... and 3 more: each box's tooltip has its formula", '']
