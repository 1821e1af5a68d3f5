"""Model files: the JSON format ``Module.save()`` writes and ``load_model()`` reads, checked before anything is
built.

Each saveable module type is registered in ``MODULE_TYPES`` by the module that defines it (``nn``, ``transformer``),
with its config's keys and parameter count in ``ARCHITECTURES``.

>>> parameter_count('Layer', {'nin': 3, 'nout': 2, 'activation': 'tanh'})
8
"""
from __future__ import annotations

import json
import os
import reprlib
import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core import ops
from ..core.errors import MicrogradExtError

if TYPE_CHECKING:
    from .nn import Module

FILE_FORMAT = 'micrograd_ext.model'
# Limits of a model file, checked before it is parsed or anything is built. A 491,401-parameter MLP(700, [700, 1])
# saves to 26 MB (52 bytes a parameter), so the largest model allowed, a million parameters, fits in 64 MiB.
MAX_FILE_BYTES = 64 * 2**20
MAX_PARAMETERS = 1_000_000
MAX_INT_DIGITS = 15  # sizes and integer weights (a float64 holds every integer up to 16 digits exactly)
MAX_OPENINGS = 16  # '{' and '[' in a file: a model file opens at most 4, so nothing nests deep enough to trouble json


class ModelFileError(MicrogradExtError, ValueError):
    """A saved model or state dict that cannot be loaded; the model is left unchanged."""

MODULE_TYPES: dict[str, Callable[..., Module]] = {}  # type name -> class, filled in by nn and transformer

# A neuron's activation is one of ``ops.ACTIVATIONS`` or 'none'. Files and code from before 'none' say 'linear'
# (a word kept for the w·x + b node's ``_op`` and a learning-rate schedule): read as 'none', never written.
NO_ACTIVATION = 'none'
FEED_FORWARD_ACTIVATIONS = ('swiglu', 'relu2')  # a FeedForward's beyond a neuron's: Llama's gated, squared ReLU
OLD_ACTIVATION_NAMES = {'linear': NO_ACTIVATION}


def current_activation_name(name):
    """``name`` as activations are spelt now: 'linear', the old spelling of 'none', becomes 'none'; anything
    else (checked by the caller) is returned as it is.

    >>> current_activation_name('linear'), current_activation_name('tanh')
    ('none', 'tanh')
    """
    return OLD_ACTIVATION_NAMES.get(name, name) if isinstance(name, str) else name


# Per saved type, its config's keys and the sizes its layers chain through (inputs -> ... -> outputs).
ARCHITECTURES: dict[str, tuple[tuple[str, ...], Callable[[dict], Any]]] = {  # layer sizes, or a GPT's count
    'Neuron': (('nin', 'activation'), lambda config: [config['nin'], 1]),
    'Layer': (('nin', 'nout', 'activation'), lambda config: [config['nin'], config['nout']]),
    'MLP': (('nin', 'nouts', 'activation'), lambda config: [config['nin'], *config['nouts']]),
    'FeedForward': (('d_model', 'd_hidden', 'activation'),
                    lambda config: [config['d_model'], config['d_hidden'], config['d_model']]),
}
# Per saved type, the keys its config may leave out (their defaults): a file from before they existed still loads.
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {'Neuron': ('bias',), 'Layer': ('bias',), 'FeedForward': ('bias',)}


def parameter_count(kind: str, config: dict) -> int:
    """The number of parameters a saved architecture has, after checking its keys, sizes and activation.

    >>> parameter_count('MLP', {'nin': 2, 'nouts': [4, 1], 'activation': 'relu'})
    17
    """
    keys, layer_sizes = ARCHITECTURES[kind]
    optional = OPTIONAL_KEYS.get(kind, ())
    if not set(keys) <= set(config) <= {*keys, *optional}:
        also = f" (and maybe {', '.join(optional)})" if optional else ''
        raise ModelFileError(f"a {kind} config has the keys {', '.join(keys)}{also}, this one has "
                             f"{brief(sorted(config))}")
    if 'activation' not in keys:  # a model of other parts (micrograd_ext.learn.transformer's GPT): its own count
        count: int = layer_sizes(config)
    else:
        count = layered_count(kind, config, layer_sizes)
    if count > MAX_PARAMETERS:
        raise ModelFileError(f"a {kind} {brief(config)} would have {count:,} parameters, more than the "
                             f"{MAX_PARAMETERS:,} a model file may hold; nothing was built")
    return count


def layered_count(kind: str, config: dict, layer_sizes: Callable[[dict], list]) -> int:
    """The parameters of layers chained through ``layer_sizes(config)``, each neuron with weights and a bias (unless
    the config says ``'bias': False``)."""
    activation, bias = config['activation'], config.get('bias', True)  # read_model_file() spells 'linear' 'none'
    allowed = sorted([*ops.ACTIVATIONS, NO_ACTIVATION])
    allowed += FEED_FORWARD_ACTIVATIONS if kind == 'FeedForward' else ()
    if not isinstance(activation, str) or activation not in allowed:
        raise ModelFileError(f"unknown activation {brief(activation)}; choose one of {', '.join(allowed)}")
    if not isinstance(bias, bool):
        raise ModelFileError(f"a {kind}'s 'bias' is true or false, got {brief(bias)}")
    if kind == 'MLP' and not (isinstance(config['nouts'], list) and config['nouts']):
        raise ModelFileError(f"an MLP's 'nouts' must be a non-empty list of layer sizes, got {brief(config['nouts'])}")
    sizes = whole_sizes(layer_sizes(config), config)
    count = sum((nin + bias) * nout for nin, nout in zip(sizes, sizes[1:]))
    if activation == 'swiglu':
        count += (sizes[0] + bias) * sizes[1]  # the gate, as large as the up-projection
    return count


def whole_sizes(sizes: list, config: dict) -> list[int]:
    """``sizes``, after checking that each is a whole number of at least 1 (else a ModelFileError)."""
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ModelFileError(f"layer sizes must be whole numbers of at least 1, got {brief(size)} "
                                 f"in {brief(config)}")
    return sizes


def read_model_file(path) -> dict:
    """The JSON document of a model file, or ``ModelFileError`` saying why it is not one.

    Only a regular file of at most ``MAX_FILE_BYTES`` is read (a FIFO or a device never blocks), as UTF-8
    text opening at most ``MAX_OPENINGS`` objects and lists, with integers of at most ``MAX_INT_DIGITS``.
    A config's activation spelt the old way, 'linear', is read as 'none', so files saved before load.
    """
    text = utf8_text(path, read_regular_file(path))
    openings = text.count('{') + text.count('[')
    if openings > MAX_OPENINGS:
        raise ModelFileError(f"{path} opens {openings:,} JSON objects and lists; a model file opens at most 4 "
                             "(deeply nested JSON is refused unparsed): was it written by Module.save()?")
    try:
        document = json.loads(text, parse_int=bounded_int)
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{path} is not valid JSON ({e}); was it written by Module.save()?") from None
    except ModelFileError as e:
        raise ModelFileError(f"{path} has {e}") from None
    if not isinstance(document, dict) or document.get('format') != FILE_FORMAT:
        raise ModelFileError(f"{path} is not a micrograd_ext model file (no 'format': {FILE_FORMAT!r})")
    version = document.get('version', 1)
    if type(version) is not int:  # exactly an int: true is an int in Python too, and 1.0 no version number
        raise ModelFileError(f"{path} has the version {json.dumps(version)[:40]}, where a whole number belongs: the "
                             "file is corrupted or was edited; was it written by Module.save()?")
    if version != 1:
        raise ModelFileError(f"{path} is model file version {brief(document['version'])}; this micrograd_ext "
                             "reads version 1: upgrade micrograd_ext")
    config = document.get('config')
    if isinstance(config, dict) and 'activation' in config:
        config['activation'] = current_activation_name(config['activation'])
    return document


def utf8_text(path, data: bytes) -> str:
    """``data`` decoded as UTF-8 without NUL characters (UTF-16 of ASCII text is valid UTF-8, full of NULs)."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        problem = f'byte {e.start:,} is {data[e.start]:#04x}'
    else:
        if '\0' not in text:
            return text
        problem = f"character {text.index(chr(0)):,} is NUL"
    raise ModelFileError(f"{path} is not UTF-8 text ({problem}): a model file is UTF-8 JSON, and this one looks "
                         "binary or re-saved as UTF-16; save the model again")


def bounded_int(digits: str) -> int:
    """``json.loads``'s ``parse_int`` for model files: an int of at most ``MAX_INT_DIGITS`` digits."""
    if len(digits.lstrip('-')) > MAX_INT_DIGITS:
        raise ModelFileError(f"an integer of {len(digits.lstrip('-')):,} digits; a model file's sizes and weights "
                             f"have at most {MAX_INT_DIGITS}: the file is corrupted or was edited")
    return int(digits)


FILE_KINDS = {stat.S_IFDIR: 'a folder', stat.S_IFIFO: 'a FIFO (named pipe)', stat.S_IFCHR: 'a character device',
              stat.S_IFBLK: 'a block device', stat.S_IFSOCK: 'a socket'}


def read_regular_file(path) -> bytes:
    """The bytes of the regular file at ``path``, or ``ModelFileError`` if it is anything else or too large.

    ``os.stat`` refuses folders, FIFOs and devices before they are opened; the file is opened with
    ``O_NONBLOCK`` where the OS has it and checked again with ``fstat``, so a swapped-in FIFO cannot block.
    """
    def check(status: os.stat_result) -> None:
        if not stat.S_ISREG(status.st_mode):
            raise ModelFileError(f"{path} is {FILE_KINDS.get(stat.S_IFMT(status.st_mode), 'not a regular file')}, "
                                 "not a model file: give the path of a .json file written by Module.save()")
        if status.st_size > MAX_FILE_BYTES:
            raise ModelFileError(f"{path} is {status.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a model file "
                                 f"may have ({MAX_PARAMETERS:,} parameters): is it a model file?")

    try:
        check(os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_BINARY', 0))
        with open(fd, 'rb') as f:
            check(os.fstat(fd))
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ModelFileError(f"there is no file {path} (the current folder is {os.getcwd()}): check the path") from None
    except OSError as e:
        raise ModelFileError(f"cannot read {path}: {e.strerror}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew after the check
        raise ModelFileError(f"{path} has grown past the {MAX_FILE_BYTES:,} bytes a model file may have")
    return data


class BriefRepr(reprlib.Repr):
    """``reprlib``'s short reprs, and a huge int by its size (``repr()`` refuses ints of over 4,300 digits)."""

    def repr_int(self, x: int, level: int) -> str:
        return f'<an int of {x.bit_length():,} bits>' if x.bit_length() > 64 else super().repr_int(x, level)


def brief(value) -> str:
    """A ``repr`` cut to a readable length, for messages about what a file or state dict holds.

    >>> brief('x' * 100), brief([1, 10 ** 5000])
    ("'xxxxxxxxxxxx...xxxxxxxxxxxxx'", '[1, <an int of 16,610 bits>]')
    """
    return BriefRepr().repr(value)
