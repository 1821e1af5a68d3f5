"""``micrograd-ext quiz``: predict each backward step's gradients in the terminal (``teach.quiz``), or write
the quiz player (``--html``)."""
from __future__ import annotations

from .arguments import drawn, output_file
from .expressions import add_expression_command, build_expression
from ..viz.naming import fmt
from ..teach.player import save_backward_html
from ..teach.quiz import quiz
from ..viz.table import graph_table


def register(commands) -> None:
    """``micrograd-ext quiz EXPRESSION --set NAME=NUMBER ... [--html QUIZ.html]``."""
    command = add_expression_command(
        commands, 'quiz', "predict each backward step's gradients, then see them",
        'Before each backward step, type what it adds to each child\'s grad; right answers score, wrong ones '
        'are shown the local derivative and the chain-rule product, e.g. micrograd-ext quiz "x*w + b" '
        '--set x=2 w=-3 b=1. Exits 0 after the last step, 1 when the input ends first (Ctrl-D), 130 on Ctrl-C.',
        run_quiz)
    command.add_argument('--html', type=output_file(lambda: ('html', 'htm')), metavar='QUIZ.html',
                         help='write the quiz as a step-through player (one HTML file) instead of asking here')


def run_quiz(args, parser) -> int:
    """The ``quiz`` command: 0 after a whole quiz (or writing --html), 1 when the input ended first, 130 on Ctrl-C;
    either way every .grad ends as ``backward()`` leaves it."""
    root, _ = build_expression(args, parser)
    if args.html:
        drawn(lambda: save_backward_html(root, args.html, args.expression, quiz=True), 'shorten the expression')
        print(f'wrote {args.html}: open it in a browser to take the quiz')
        return 0
    print(f"forward: {args.expression} = {fmt(root.data)}\n{graph_table(root, show_grad=False)}\n")
    result = quiz(root)
    print(f'\n{result}')
    return {None: 0, 'end of input': 1, 'Ctrl-C': 130}[result.stopped]
