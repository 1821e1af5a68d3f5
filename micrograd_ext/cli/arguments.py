"""The pieces every command shares: the parser whose usage errors are one line, argument types that check
their limits and output paths before any work starts, and ``Failure``, the error ``main`` prints as one line."""
from __future__ import annotations

import argparse
import difflib
import errno
import os
import re
from collections.abc import Callable, Collection

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
    from ..viz.rendering import FORMATS
    return FORMATS


def plot_formats() -> Collection[str]:
    """The file extensions matplotlib can save a figure to (an ArgumentTypeError if it is not installed)."""
    from ..learn.plotting import require_matplotlib
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


def drawn(draw: Callable[[], str], too_large_fix: str) -> str:
    """``draw()``, with a drawing's failures (too many nodes, no renderer, the disk) as a ``Failure``."""
    from ..viz import GraphTooLargeError, RenderError
    try:
        return draw()
    except GraphTooLargeError as error:
        raise Failure(f"{problem(error)}; {too_large_fix}") from None
    except (RenderError, OSError) as error:
        raise Failure(str(error)) from None
