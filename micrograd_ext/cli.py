"""The ``micrograd-ext`` command: ``demo`` (and more subcommands from the other modules)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='micrograd-ext', description='A scalar autograd engine for learning backprop.')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    commands.add_parser('demo', help="the seed article's neuron: forward, backward, gradcheck")
    args = parser.parse_args(argv)
    if args.command == 'demo':
        from .demo import run_demo
        return 0 if run_demo() else 1
    return 2


if __name__ == '__main__':
    sys.exit(main())
