"""``micrograd-ext graph`` and ``micrograd-ext explain``: an expression typed on the command line, drawn or
backpropagated one chain-rule step at a time.

Each computed node is named by its piece of the expression (``w1*x1``) while that is short; a longer piece
would make the boxes wide and, cut short, two names alike, so such a node is named ``v1, v2, ...`` as the
library names unlabelled nodes (``viz.naming.short_names``), and the drawing's legend and the box's tooltip
give its formula (``v2 = v1 + b``), as the forward table and the steps do."""
from __future__ import annotations

import argparse
import math
from functools import partial
from typing import cast

from ..core.ops import FUNCTIONS
from ..viz.naming import short_names, spelled_out
from .arguments import Failure, add_command, drawing_formats, drawn, one_line, output_file, problem


def register(commands) -> None:
    add_graph_parser(commands)
    add_explain_parser(commands)


def add_expression_command(commands, name: str, summary: str, description: str, run) -> argparse.ArgumentParser:
    """A subcommand taking an expression and its ``--set NAME=NUMBER`` values: ``graph`` and ``explain``."""
    command = add_command(commands, name, summary, description, run)
    command.add_argument('expression', help=f"numbers, names, + - * / ** and {' '.join(FUNCTIONS)}")
    command.add_argument('--set', nargs='+', action='extend', default=[], metavar='NAME=NUMBER',
                         help='the value of each name in the expression')
    return command


def add_graph_parser(commands) -> None:
    graph = add_expression_command(commands, 'graph', 'draw the computation graph of an expression',
                                   'Draw an expression\'s computation graph, e.g. '
                                   'micrograd-ext graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --backward', run_graph)
    graph.add_argument('--backward', action='store_true',
                       help='run the backward pass first and draw the grads (without it they are left out)')
    graph.add_argument('-o', '--output', type=output_file(drawing_formats), default='graph.svg',
                       help='output file; .svg, or .png and .pdf with the system Graphviz')
    graph.add_argument('--rankdir', choices=('LR', 'TB'),
                       help='left to right or top to bottom (default: LR); without it, an expression more than '
                            '12 operations deep (a long chain) is drawn top to bottom')
    graph.add_argument('--no-legend', action='store_true', help='leave out the colour legend')
    graph.add_argument('--backend', choices=('auto', 'system', 'embedded'), default='auto',
                       help="Graphviz to use: the system 'dot', the embedded one, or auto (system if installed)")


def build_expression(args, parser):
    """(the Value graph of ``args.expression``, the ``--set`` values). The text and ``--set`` are usage
    errors; numbers outside a function's domain or beyond the float range are a ``Failure``."""
    from ..core.engine import topological_order
    from ..teach.expressions import ExpressionError, build_graph, named_inputs, parse_assignments
    try:
        assignments = parse_assignments(args.set)
    except ExpressionError as error:
        parser.error(str(error))
    try:
        root = build_graph(args.expression, assignments)
    except ExpressionError as error:
        if is_math_error(error):
            raise Failure(f"{problem(error)}; {other_values(assignments)}") from None
        parser.error(one_line(str(error)))
    unused = [name for name in assignments if name not in named_inputs(root)]
    if unused:
        parser.error(f"--set {unused[0]}={assignments[unused[0]]:g}: the expression does not use {', '.join(unused)}; "
                     "leave it out or check the spelling")
    overflow = next((node for node in topological_order(root) if not math.isfinite(node.data)), None)
    if overflow is not None:
        raise Failure(f"{overflow.label or overflow._op} = {overflow.data} is beyond the float range; "
                      f"{other_values(assignments)}")
    return short_names(root), assignments


def is_math_error(error) -> bool:
    """True if ``build_graph`` failed on the numbers (log of 0, ...), not the text: it re-raises the engine's
    ArithmeticError or ValueError as an ExpressionError that points at the op."""
    from ..teach.expressions import ExpressionError
    cause = error.__context__
    return isinstance(cause, (ArithmeticError, ValueError)) and not isinstance(cause, ExpressionError)


def other_values(assignments: dict[str, float]) -> str:
    """The fix for numbers the expression cannot take, in command-line words."""
    if not assignments:
        return 'change the numbers in the expression'
    return f"choose other values with --set (given: {' '.join(f'{n}={v:g}' for n, v in assignments.items())})"


def run_graph(args, parser) -> int:
    from ..teach.expressions import named_inputs
    from ..viz import draw_dot, render, system_dot
    root, _ = build_expression(args, parser)
    if args.backward:
        root.backward()
    picture = partial(draw_dot, root, rankdir=args.rankdir, legend=not args.no_legend, show_grad=args.backward,
                      formulas=spelled_out(root))
    path = drawn(lambda: cast(str, render(picture(), args.output, args.backend)),  # to a file: its path
                 'draw a shorter expression')
    used = 'system dot' if args.backend != 'embedded' and system_dot() else 'embedded Graphviz'
    print(f"{args.expression} = {root.data:.6g}")
    if args.backward:
        print('gradients: ' + ', '.join(f"d/d{name} = {x.grad:.6g}" for name, x in named_inputs(root).items()))
    print(f"wrote {path} (rendered with {used})")
    return 0


def add_explain_parser(commands) -> None:
    explain = add_expression_command(commands, 'explain', 'backprop through an expression one step at a time',
                                     'Print the forward values, every backward step, the final gradients and '
                                     'a finite-difference check, e.g. micrograd-ext explain '
                                     '"tanh(w1*x1 + w2*x2 + b)" --set x1=2 x2=0 w1=-3 w2=1 b=6.8814', run_explain)
    explain.add_argument('--wrt', metavar='NAME', help='also explain this input\'s gradient path by path')
    explain.add_argument('--html', type=output_file(lambda: ('html', 'htm')), metavar='STEPS.html',
                         help='write a step-through player (one HTML file)')


def run_explain(args, parser) -> int:
    from ..teach.expressions import build_graph, named_inputs
    from ..core.finite_differences import NotCheckableError, agrees, derivative
    from ..viz.naming import fmt
    from ..viz.table import graph_table

    root, assignments = build_expression(args, parser)
    leaves = named_inputs(root)
    if args.wrt is not None and args.wrt not in leaves:
        parser.error(f"--wrt {args.wrt}: the expression has no input named {args.wrt!r} "
                     f"(inputs: {', '.join(leaves) or 'none'})")
    if args.html:  # first, so that a graph too large to draw fails before anything is printed
        from ..teach.player import save_backward_html
        fresh = short_names(build_graph(args.expression, assignments))  # the player replays it from the start
        drawn(lambda: save_backward_html(fresh, args.html, args.expression, formulas=spelled_out(fresh)),
              'leave out --html or shorten the expression')
    print(f"forward: {args.expression} = {root.data:.6g}\n{graph_table(root, show_grad=False)}\n\n"
          "backward, one chain-rule step at a time:")
    for step in root.backward_steps():
        print(step)
    print('\ngradients (backprop vs central finite differences):')
    for name, leaf in leaves.items():
        try:
            estimate = derivative(lambda t: build_graph(args.expression, {**assignments, name: t}).data, leaf.data)
        except NotCheckableError as reason:
            print(f"  d/d{name} = {fmt(leaf.grad)}   finite differences n/a   not checkable here ({reason})")
            continue
        verdict = 'ok' if agrees(leaf.grad, estimate) else 'MISMATCH'
        print(f"  d/d{name} = {fmt(leaf.grad)}   finite differences {fmt(estimate)}   {verdict}")
    if args.wrt:
        print(f"\n{root.explain(leaves[args.wrt])}")
    if args.html:
        print(f"\nwrote {args.html}")
    return 0
