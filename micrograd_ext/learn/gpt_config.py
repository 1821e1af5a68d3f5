"""A GPT's config: its sizes and keyword options, their defaults and checks, and the parameters they make; the
checks of its sampling settings; and its weight matrices by microgpt's names (``GPT.from_microgpt``).

``transformer.GPT`` checks its options here, and ``load_model`` a saved GPT's config, before anything is built.
A config lists only the options that differ from their defaults, so a file saved before an option existed
reads as today's default GPT.

>>> sizes = {'vocab_size': 27, 'block_size': 16, 'n_embd': 16, 'n_head': 4, 'n_layer': 1}
>>> gpt_parameter_count(sizes), gpt_parameter_count({**sizes, **MICROGPT_OPTIONS})
(4459, 4192)
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from ..core import ops
from .model_files import FEED_FORWARD_ACTIVATIONS, NO_ACTIVATION, ModelFileError, brief, whole_sizes

GPT_KEYS = ('vocab_size', 'block_size', 'n_embd', 'n_head', 'n_layer')
GPT_OPTIONS: dict[str, Any] = {  # each option's default: today's GPT, a nanoGPT-like pre-norm transformer
    'norm': 'layernorm',  # or 'rmsnorm'
    'norm_affine': True,  # the norms' weights (and LayerNorm's biases): PyTorch's elementwise_affine
    'norm_eps': 1e-5,
    'bias': True,  # a bias in every linear, and in LayerNorm (nanoGPT's bias)
    'activation': 'gelu',  # of the feed-forward networks
    'embedding_norm': False,  # a norm of the token + position embedding, before the first block
    'final_norm': True,  # a norm after the last block, before the head
    'tie_weights': False,  # the head reuses the token embedding's table (nanoGPT's weight tying)
    'bos': None,  # the token id that starts and ends a document: generate() stops at it
}
# microgpt's choices (Karpathy, Feb 2026), and its BOS: the last token id
MICROGPT_OPTIONS: dict[str, Any] = {'norm': 'rmsnorm', 'norm_affine': False, 'bias': False, 'activation': 'relu',
                                    'embedding_norm': True, 'final_norm': False}
NORMS = ('layernorm', 'rmsnorm')
INITS = ('default', 'normal')
DEFAULT_INIT_STD = 0.08  # microgpt's (nanoGPT's is 0.02)


def check_sizes(**sizes) -> None:
    """Each size a whole number of at least 1 (the message names the first that is not)."""
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {size!r}")


def feed_forward_activations() -> list[str]:
    """The names ``activation=`` takes: a neuron's (the op table's, and 'none'), 'swiglu' and 'relu2'."""
    return sorted([*ops.ACTIVATIONS, NO_ACTIVATION, *FEED_FORWARD_ACTIVATIONS])


def check_options(options: dict, vocab_size: int, error: type[ValueError] = ValueError) -> dict:
    """``options`` (a GPT's keyword options, each known) after checking their values, or ``error`` saying which is
    wrong and what it may be; a ``bos`` is an int."""
    def wrong(name: str, should: str) -> ValueError:
        return error(f"a GPT's {name} must be {should}, got {brief(options[name])}")

    unknown = sorted(set(options) - set(GPT_OPTIONS), key=str)
    if unknown:
        raise error(f"a GPT has no option {brief(unknown[0])}; its options are {', '.join(GPT_OPTIONS)}")
    options = {**GPT_OPTIONS, **options}
    if options['norm'] not in NORMS:
        raise wrong('norm', "'layernorm' or 'rmsnorm'")
    for name in ('norm_affine', 'bias', 'embedding_norm', 'final_norm', 'tie_weights'):
        if not isinstance(options[name], bool):
            raise wrong(name, 'True or False')
    eps = options['norm_eps']
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < math.inf:
        raise wrong('norm_eps', 'a positive number (1e-5 by default)')
    activation = options['activation']
    if not isinstance(activation, str) or activation not in feed_forward_activations():
        raise wrong('activation', f"one of {', '.join(feed_forward_activations())}")
    bos = options['bos']
    if bos is not None:
        if isinstance(bos, bool) or not isinstance(bos, numbers.Integral) or not 0 <= int(bos) < vocab_size:
            raise wrong('bos', f'None or a token id from 0 to {vocab_size - 1}')
        options['bos'] = int(bos)
    options['norm_eps'] = float(eps)
    return options


def check_init(init: str, init_std: float) -> None:
    """A ValueError unless ``init`` is 'default' (today's) or 'normal' (every weight from N(0, init_std))."""
    if init not in INITS:
        raise ValueError(f"a GPT's init must be 'default' (micrograd's uniform weights, scaled to the inputs) or "
                         f"'normal' (every weight from N(0, init_std), as microgpt's), got {init!r}")
    if isinstance(init_std, bool) or not isinstance(init_std, numbers.Real) or not 0 < init_std < math.inf:
        raise ValueError(f"init_std must be a positive number, got {init_std!r}")
    if init == 'default' and init_std != DEFAULT_INIT_STD:
        raise ValueError(f"init_std={init_std!r} is the spread of init='normal'; give that too")


def gpt_parameter_count(config: dict) -> int:
    """How many parameters a saved GPT's config makes, after checking its sizes and options (``load_model`` asks
    first)."""
    vocab, block, n_embd, n_head, n_layer = whole_sizes([config[k] for k in GPT_KEYS], config)
    if n_embd % n_head:
        raise ModelFileError(f"a GPT's n_embd ({n_embd}) must be a multiple of its n_head ({n_head})")
    options = check_options({k: v for k, v in config.items() if k not in GPT_KEYS}, vocab, ModelFileError)
    bias, hidden = options['bias'], 4 * n_embd
    per_norm = (n_embd + n_embd * (bias and options['norm'] == 'layernorm')) * options['norm_affine']
    norms = 2 * n_layer + options['embedding_norm'] + options['final_norm']
    attention = 4 * (n_embd + bias) * n_embd
    projections_up = 2 if options['activation'] == 'swiglu' else 1  # swiglu's gate is a second up-projection
    feed_forward = projections_up * (n_embd + bias) * hidden + (hidden + bias) * n_embd
    head = (0 if options['tie_weights'] else n_embd * vocab) + bias * vocab
    return (vocab + block) * n_embd + norms * per_norm + n_layer * (attention + feed_forward) + head


MIN_TEMPERATURE = 1e-6  # below it 1 / temperature overflows the logits' range for any useful model


def check_sampling(tokens, max_new_tokens: int, temperature: float, stop: int | None, vocab_size: int) -> None:
    """A ValueError unless ``GPT.generate`` can continue ``tokens`` with these settings."""
    if not isinstance(temperature, numbers.Real) or not MIN_TEMPERATURE <= temperature < math.inf:
        raise ValueError(f"temperature must be a number from {MIN_TEMPERATURE} up (small: the likeliest token; "
                         f"1: the model's probabilities), got {temperature!r}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, numbers.Integral) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be a whole number of at least 0, got {max_new_tokens!r}")
    if not len(tokens):
        raise ValueError("generate() continues a sequence: give at least one token, e.g. tokenizer.encode('.')")
    if stop is not None and (isinstance(stop, bool) or not isinstance(stop, numbers.Integral)
                             or not 0 <= stop < vocab_size):
        raise ValueError(f"stop must be a token id from 0 to {vocab_size - 1} (None: the model's bos), got {stop!r}")


class Zeros:
    """An rng that draws zeros, to build a model's shapes when its weights are set afterwards."""

    @staticmethod
    def uniform(a: float, b: float) -> float:
        return 0.0

    @staticmethod
    def gauss(mu: float, sigma: float) -> float:
        return 0.0


ZEROS = Zeros()


def weight_matrices(gpt) -> list[tuple[str, list[list]]]:
    """A GPT's weight matrices (a row per output; not biases nor norms) by microgpt's names, in microgpt's order."""
    def rows(layer) -> list[list]:
        return [neuron.w for neuron in layer.neurons]

    matrices = [('wte', gpt.token_embedding.weight), ('wpe', gpt.position_embedding.weight)]
    for i, block in enumerate(gpt.blocks):
        attention, ffn = block.attention, block.feed_forward
        matrices += [(f'layer{i}.attn_w{c}', rows(getattr(attention, name)))
                     for c, name in zip('qkvo', ('query', 'key', 'value', 'proj'))]
        matrices += [(f'layer{i}.mlp_{name}', rows(layer))
                     for name, layer in (('fc1', ffn.up), ('gate', ffn.gate), ('fc2', ffn.down)) if layer is not None]
    return matrices + ([] if gpt.options['tie_weights'] else [('lm_head', rows(gpt.head))])


def microgpt_sizes(state_dict: dict, n_head: int) -> tuple[int, int, int, int, int]:
    """(vocab_size, block_size, n_embd, n_head, n_layer) of microgpt's weights, read from their shapes."""
    def matrix(key: str) -> bool:
        rows = state_dict.get(key)
        return isinstance(rows, Sequence) and len(rows) > 0 and isinstance(rows[0], Sequence)

    if not isinstance(state_dict, dict) or not (matrix('wte') and matrix('wpe')):
        raise ValueError("from_microgpt takes microgpt's state_dict: a dict of weight matrices 'wte', 'wpe', "
                         "'layer0.attn_wq', ..., 'lm_head', each a list of rows")
    n_layer = 0
    while f'layer{n_layer}.attn_wq' in state_dict:
        n_layer += 1
    wte = state_dict['wte']
    return len(wte), len(state_dict['wpe']), len(wte[0]), n_head, max(n_layer, 1)


def copy_microgpt_weights(matrices: list[tuple[str, list[list]]], state_dict: dict) -> None:
    """Set each of a GPT's weight ``matrices`` (by microgpt's names) to ``state_dict``'s, after checking them all."""
    ours = dict(matrices)
    missing, unexpected = sorted(ours.keys() - state_dict.keys()), sorted(state_dict.keys() - ours.keys(), key=str)
    if missing or unexpected:
        raise ValueError(f"microgpt's state_dict of these sizes has the weights {', '.join(ours)}: missing "
                         f"{brief(missing)}, unexpected {brief(unexpected)}")
    numbers_by_name = {}
    for name, rows in ours.items():
        theirs = state_dict[name]
        if not isinstance(theirs, Sequence) or len(theirs) != len(rows) or not all(
                isinstance(row, Sequence) and len(row) == len(rows[0]) for row in theirs):
            raise ValueError(f"microgpt's {name!r} must be {len(rows)} rows of {len(rows[0])} numbers (a row per "
                             f"output), as its 'wte' is {len(ours['wte'])} x {len(ours['wte'][0])}")
        numbers_by_name[name] = [[microgpt_number(name, number) for number in row] for row in theirs]
    for name, rows in ours.items():
        for row, numbers_row in zip(rows, numbers_by_name[name]):
            for p, number in zip(row, numbers_row):
                p.data = number


def microgpt_number(name: str, number) -> float:
    """A weight of microgpt's ``name`` (a Value, or a number) as a finite float, or a ValueError."""
    number = getattr(number, 'data', number)
    if isinstance(number, bool) or not isinstance(number, numbers.Real) or not math.isfinite(number):
        raise ValueError(f"microgpt's {name!r} holds {brief(number)}, where a finite number belongs")
    return float(number)
