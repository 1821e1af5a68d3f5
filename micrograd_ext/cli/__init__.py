"""The ``micrograd-ext`` command line. Each command is a module here that adds itself with ``register``:
``demo``, ``graph`` and ``explain`` (``expressions``), ``train``, ``quiz``, the classroom's ``exercises``
and ``grade``, and ``site``.

Every error is one line on stderr that names the problem and the fix: a usage error (a bad argument,
an output path that cannot be written, an expression outside the whitelist) exits 2 before any work
starts; a failure (numbers outside a function's domain, training that diverges)
exits 1; Ctrl-C exits 130, and ``train`` then still saves and plots what it has trained so far.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..core import __version__
from . import classroom, demo, expressions, quiz, site, train
from .arguments import PROG, Failure, HelpFormatter, Parser

COMMANDS = (demo, train, expressions, quiz, classroom, site)  # in the order --help lists them


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description='A scalar autograd engine for learning backprop.',
                    formatter_class=HelpFormatter)
    parser.add_argument('--version', action='version', version=f'{PROG} {__version__}')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for command in COMMANDS:
        command.register(commands)
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
