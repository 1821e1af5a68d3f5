"""The Python that the site's step-through page calls (in the browser, with Pyodide): an expression and its inputs'
values, as typed, to the drawn graph, its table and the step-through player, as the command line's ``explain``
makes them. Runs on the desktop too (the tests compare the two).

>>> found = step_through('x*y + 1', 'x=2 y=3')
>>> found['value'], found['error'], len(found['steps']), found['steps'][1]
(7.0, '', 2, 'step 2/2  x*y  [*]  x.grad += (y = 3.0000) * 1.0000 = 3.0000 ;  y.grad += (x = 2.0000) * 1.0000 = 2.0000')
>>> step_through('x*y', 'x=2 y=3 z=1')['error']
'the expression does not use z: leave it out of the values or check the spelling'
>>> print(step_through('x*y', 'x=2')['error'])
name 'y' is not defined; set it with y=NUMBER (defined: x)
  x*y
    ^
"""
from __future__ import annotations

import html
import re

from ..core.errors import MicrogradExtError
from ..teach.expressions import ExpressionError, build_graph, named_inputs, parse_assignments
from ..teach.player import BackwardPlayer
from ..viz import GraphTooLargeError, draw_dot, render_source
from ..viz.table import graph_table
from ..viz.naming import short_names, spelled_out


def step_through(expression: str, values: str, quiz: bool = False) -> dict:
    """``{'value', 'shown' (the value as the command line prints it), 'graph' (SVG), 'table', 'steps' (their texts),
    'player' (an HTML page), 'error'}`` for the ``expression`` with ``values`` (``'x=2 w=-3'``, ``'x = 2, w = -3'``
    too); a bad expression or value gives only ``'error'``, its text."""
    if not expression.strip():
        return failed('type an expression, e.g. tanh(w*x + b), and the values of its names, e.g. w=-3 x=2 b=6.88')
    try:
        assignments = parse_assignments(re.sub(r'\s*=\s*', '=', values.replace(',', ' ')).split(), setting='')
        root = short_names(build_graph(expression, assignments, setting=''))
        unused = [name for name in assignments if name not in named_inputs(root)]
        if unused:
            raise ExpressionError(f"the expression does not use {', '.join(unused)}: leave it out of the values or "
                                  "check the spelling")
        svg = render_source(draw_dot(root, show_grad=False, formulas=spelled_out(root)).source, 'svg').decode('utf-8')
        table = str(graph_table(root, show_grad=False))
        player = BackwardPlayer(root, expression, quiz, formulas=spelled_out(root))  # runs the steps once
        steps, page = [frame.text for frame in player.frames[1:]], player.page()
    except GraphTooLargeError as error:  # its ways out are draw_dot's arguments, which the page does not take
        return failed(f"{str(error).split(';')[0]}; step through a shorter expression")
    except (MicrogradExtError, ArithmeticError, ValueError) as error:
        return failed(str(error))
    return {'value': root.data, 'shown': f'{root.data:.6g}', 'graph': svg[svg.index('<svg'):], 'table': table,
            'steps': steps, 'player': page, 'error': ''}


def failed(why: str) -> dict:
    return {'error': why, 'value': None, 'shown': '', 'graph': '', 'table': '', 'steps': [], 'player': ''}


def node_labels(svg: str) -> list[str]:
    """The text of every node of a Graphviz SVG, in order (what the page's test compares)."""
    return [' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', group)).split())
            for group in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, flags=re.S)]
