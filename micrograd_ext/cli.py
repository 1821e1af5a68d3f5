"""The ``micrograd-ext`` command: ``demo``, ``graph`` and ``explain`` here, and in ``commands/`` ``train``,
``quiz`` and the classroom's ``exercises`` and ``grade``.

Every error is one line on stderr that names the problem and the fix: a usage error (a bad argument,
an output path that cannot be written, an expression outside the whitelist) exits 2 before any work
starts; a failure (numbers outside a function's domain, training that diverges)
exits 1; Ctrl-C exits 130, and ``train`` then still saves and plots what it has trained so far.
"""
from __future__ import annotations

import argparse
import difflib
import errno
import math
import os
import re
import sys
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import cast

from . import __version__
from .ops import FUNCTIONS

PROG = 'micrograd-ext'


class Failure(Exception):
    """A run that cannot finish: ``main`` prints the message as one line on stderr and exits 1."""


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (not the usage block), saying how to pass an expression
    that starts with '-' (argparse takes it for an option)."""

    def error(self, message):
        if 'required: expression' in message:
            message += ' (one that starts with - goes last, after --: --set x=1 -- "-x*2")'
        typo = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if typo:  # a misspelt command or choice: name the nearest
            choices = [choice.strip().strip("'") for choice in typo.group(2).split(',')]
            nearest = difflib.get_close_matches(typo.group(1), choices, n=1)
            message += f"; did you mean '{nearest[0]}'?" if nearest else ''
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class HelpFormatter(argparse.HelpFormatter):
    """``--help`` shows each option's limits (from ``number``) and its default, where it has them."""

    def _get_help_string(self, action):
        text = action.help + (f"; {action.type.bounds}" if hasattr(action.type, 'bounds') else '')
        default = action.default
        if default is None or default is False or default == [] or default == argparse.SUPPRESS:
            return text
        shown = ' '.join(map(str, default)) if isinstance(default, list) else str(default)
        return f"{text} (default: {shown.replace('%', '%%')})"


def number(kind: type, high, low=None):
    """An argparse type: a ``kind`` (int or float) from ``low`` to ``high``, or above 0 up to ``high`` without
    ``low``. NaN and infinities never pass."""
    bounds = f"positive and at most {high}" if low is None else f"from {low} to {high}"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}: it must be {bounds}") from None
        if not ((value > 0 if low is None else value >= low) and value <= high):
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value
    parse.bounds = bounds  # type: ignore[attr-defined]  # shown by HelpFormatter
    return parse


def output_file(formats: Callable[[], Collection[str]] | None = None):
    """An argparse type: a path that can be written now, checked before any work starts; ``formats()``
    lists the extensions that name the allowed formats."""
    def parse(path: str):
        why = unwritable(path)
        if why:
            raise argparse.ArgumentTypeError(why)
        allowed = formats() if formats else ()
        if allowed and os.path.splitext(path)[1].lstrip('.').lower() not in allowed:
            raise argparse.ArgumentTypeError(f"{path}: the file name must end in one of "
                                             f"{', '.join('.' + f for f in sorted(allowed))}, which names the format")
        return path
    return parse


def unwritable(path: str) -> str | None:
    """Why ``path`` cannot be written, or None: it is opened for appending (created and removed if new)."""
    existed = os.path.lexists(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, 'O_NONBLOCK', 0), 0o666))
    except OSError as error:
        folder = os.path.dirname(path) or '.'
        messages: dict[int | None, str] = {errno.ENOENT: f"the folder {folder} does not exist; create it first or choose another folder",
                errno.ENOTDIR: f"{path}: part of the path is a file, not a folder; choose a path inside a folder",
                errno.EISDIR: f"{path} is a folder; give a file name in it",
                errno.EACCES: f"no permission to write {path}; choose a folder you can write to",
                errno.EPERM: f"no permission to write {path}; choose a folder you can write to",
                errno.EROFS: f"{path} is on a read-only file system; choose another folder"}
        return messages.get(error.errno, f"cannot write {path} ({error.strerror}); choose another path")
    if not existed:
        os.remove(path)
    return None


def drawing_formats() -> Collection[str]:
    """The file extensions a graph can be drawn to."""
    from .viz.rendering import FORMATS
    return FORMATS


def plot_formats() -> Collection[str]:
    """The file extensions matplotlib can save a figure to (an ArgumentTypeError if it is not installed)."""
    from .learn.plotting import require_matplotlib
    try:
        require_matplotlib()
    except ImportError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    from matplotlib.backend_bases import FigureCanvasBase
    return FigureCanvasBase.get_supported_filetypes()


def add_command(commands, name: str, summary: str, description: str, run) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` shows the defaults; ``run(args, parser)`` carries it out."""
    command = commands.add_parser(name, help=summary, description=description, formatter_class=HelpFormatter)
    command.set_defaults(run=run, parser=command)
    return command


def add_demo_parser(commands) -> None:
    demo = add_command(commands, 'demo', "the seed article's neuron: forward, backward, gradcheck, a picture",
                       "The seed article's neuron: forward, backward, every node's gradient, a gradient check "
                       "and a drawing of its graph.", run_demo_command)
    demo.add_argument('-o', '--output', type=output_file(drawing_formats), default='seed_neuron.svg',
                      help='where to draw the graph')


def run_demo_command(args, parser) -> int:
    from .teach.demo import run_demo
    return 0 if run_demo(args.output) else 1


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
    graph.add_argument('--rankdir', choices=('LR', 'TB'), default='LR', help='left to right or top to bottom')
    graph.add_argument('--no-legend', action='store_true', help='leave out the colour legend')
    graph.add_argument('--backend', choices=('auto', 'system', 'embedded'), default='auto',
                       help="Graphviz to use: the system 'dot', the embedded one, or auto (system if installed)")


def build_expression(args, parser):
    """(the Value graph of ``args.expression``, the ``--set`` values). The text and ``--set`` are usage
    errors; numbers outside a function's domain or beyond the float range are a ``Failure``."""
    from .engine import topological_order
    from .teach.expressions import ExpressionError, build_graph, named_inputs, parse_assignments
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
    return root, assignments


def is_math_error(error) -> bool:
    """True if ``build_graph`` failed on the numbers (log of 0, ...), not the text: it re-raises the engine's
    ArithmeticError or ValueError as an ExpressionError that points at the op."""
    from .teach.expressions import ExpressionError
    cause = error.__context__
    return isinstance(cause, (ArithmeticError, ValueError)) and not isinstance(cause, ExpressionError)


def other_values(assignments: dict[str, float]) -> str:
    """The fix for numbers the expression cannot take, in command-line words."""
    if not assignments:
        return 'change the numbers in the expression'
    return f"choose other values with --set (given: {' '.join(f'{n}={v:g}' for n, v in assignments.items())})"


def problem(error: Exception) -> str:
    """The first line of an error message without its suggested fix (after '; '), which speaks Python."""
    return str(error).split('\n', 1)[0].split('; ', 1)[0]


def one_line(message: str) -> str:
    """An expression error on one line: the ``^^^`` under the expression becomes 'at column N: part'."""
    first, *pointer = message.split('\n')
    if len(pointer) == 2 and '^' in pointer[1]:
        text, marks = pointer[0][2:], pointer[1][2:]
        start = marks.index('^')
        first += f" (at column {start + 1}: \"{text[start:len(marks)][:40]}\")"
    return first


def run_graph(args, parser) -> int:
    from .teach.expressions import named_inputs
    from .viz import draw_dot, render, system_dot
    root, _ = build_expression(args, parser)
    if args.backward:
        root.backward()
    picture = partial(draw_dot, root, rankdir=args.rankdir, legend=not args.no_legend, show_grad=args.backward)
    path = drawn(lambda: cast(str, render(picture(), args.output, args.backend)),  # to a file: its path
                 'draw a shorter expression')
    used = 'system dot' if args.backend != 'embedded' and system_dot() else 'embedded Graphviz'
    print(f"{args.expression} = {root.data:.6g}")
    if args.backward:
        print('gradients: ' + ', '.join(f"d/d{name} = {x.grad:.6g}" for name, x in named_inputs(root).items()))
    print(f"wrote {path} (rendered with {used})")
    return 0


def drawn(draw: Callable[[], str], too_large_fix: str) -> str:
    """``draw()``, with a drawing's failures (too many nodes, no renderer, the disk) as a ``Failure``."""
    from .viz import GraphTooLargeError, RenderError
    try:
        return draw()
    except GraphTooLargeError as error:
        raise Failure(f"{problem(error)}; {too_large_fix}") from None
    except (RenderError, OSError) as error:
        raise Failure(str(error)) from None


def add_explain_parser(commands) -> None:
    explain = add_expression_command(commands, 'explain', 'backprop through an expression one step at a time',
                                     'Print the forward values, every backward step, the final gradients and '
                                     'a finite-difference check, e.g. micrograd-ext explain '
                                     '"tanh(w1*x1 + w2*x2 + b)" --set x1=2 x2=0 w1=-3 w2=1 b=6.8814', run_explain)
    explain.add_argument('--wrt', metavar='NAME', help='also explain this input\'s gradient path by path')
    explain.add_argument('--html', type=output_file(lambda: ('html', 'htm')), metavar='STEPS.html',
                         help='write a step-through player (one HTML file)')


def run_explain(args, parser) -> int:
    from .teach.expressions import build_graph, named_inputs
    from .finite_differences import NotCheckableError, agrees, derivative
    from .teach.naming import fmt
    from .teach.table import graph_table

    root, assignments = build_expression(args, parser)
    leaves = named_inputs(root)
    if args.wrt is not None and args.wrt not in leaves:
        parser.error(f"--wrt {args.wrt}: the expression has no input named {args.wrt!r} "
                     f"(inputs: {', '.join(leaves) or 'none'})")
    if args.html:  # first, so that a graph too large to draw fails before anything is printed
        from .teach.player import save_backward_html
        drawn(lambda: save_backward_html(build_graph(args.expression, assignments), args.html, args.expression),
              'leave out --html or shorten the expression')  # a fresh graph: the player replays it from the start
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


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description='A scalar autograd engine for learning backprop.',
                    formatter_class=HelpFormatter)
    parser.add_argument('--version', action='version', version=f'{PROG} {__version__}')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    from .commands.classroom import add_exercises_parser, add_grade_parser
    from .commands.quiz import add_quiz_parser
    from .commands.train import add_train_parser
    for add in (add_demo_parser, add_train_parser, add_graph_parser, add_explain_parser, add_quiz_parser,
                add_exercises_parser, add_grade_parser):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    command = PROG
    if not (sys.argv[1:] if argv is None else argv):  # no command at all: what there is to run
        make_parser().print_help()
        return 2
    try:
        args = make_parser().parse_args(argv)
        command = f"{PROG} {args.command}"
        return args.run(args, args.parser)
    except Failure as error:
        print(f"{command}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"{command}: error: out of memory; use fewer --samples, a smaller --hidden or a shorter expression",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (e.g. | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == '__main__':
    sys.exit(main())
