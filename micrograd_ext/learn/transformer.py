"""A transformer's pieces built from Values: embeddings, normalisation, causal self-attention, a block, a GPT.

Every number of a (tiny) language model is a ``Value``, so a student can see every gradient. Each module
has ``parameters()``, ``named_parameters()`` and ``to_torch()``, which gives a PyTorch module (float64) with
the same weights and the same outputs.

>>> gpt = GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=0)
>>> logits = gpt([1, 3, 2])               # one list of 5 logits per position
>>> len(logits), len(logits[0])
(3, 5)
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from ..core.engine import Value, values
from .losses import softmax
from ..core.modes import no_grad
from . import torch_twins
from .model_files import ARCHITECTURES, MODULE_TYPES, ModelFileError, whole_sizes
from .nn import NO_ACTIVATION, FeedForward, Layer, Module, Parameter, make_rng


def _gauss_or_uniform(rng, std: float) -> float:
    """A number from N(0, std), or from uniform(-std, std) for an ``rng`` with only ``uniform`` (``make_rng``)."""
    return rng.gauss(0.0, std) if hasattr(rng, 'gauss') else rng.uniform(-std, std)


def projection(nin: int, nout: int, rng) -> Layer:
    """A layer without activation (its outputs are ``w . x + b``) with ``scaled_to_inputs`` weights."""
    return scaled_to_inputs(Layer(nin, nout, seed=rng, activation=NO_ACTIVATION))


def scaled_to_inputs(layer: Layer) -> Layer:
    """``layer`` with micrograd's uniform(-1, 1) weights divided by sqrt(inputs), so that outputs keep the size
    of the inputs however wide the layer is (PyTorch's nn.Linear scales its init the same way)."""
    for neuron in layer.neurons:
        for w in neuron.w:
            w.data /= math.sqrt(len(neuron.w))
    return layer


def as_list(out) -> list[Value]:
    return out if isinstance(out, list) else [out]


class Part(Module):
    """A transformer module: printed with its config, ``GPT(vocab_size=5, ...)``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{key}={value!r}' for key, value in self.config().items())})"


def check_sizes(**sizes) -> None:
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {size!r}")


def check_length(module: Module, x: list, dim: int) -> None:
    if len(x) != dim:
        raise ValueError(f"{module!r} takes vectors of {dim} numbers, got {len(x)}")


class Embedding(Part):
    """A table of ``num`` vectors of ``dim`` numbers (drawn from N(0, 1), as PyTorch's); ``emb(i)`` is row i."""

    def __init__(self, num: int, dim: int, seed=None):
        check_sizes(num=num, dim=dim)
        rng = make_rng(seed)
        self.weight = [[Parameter(_gauss_or_uniform(rng, 1.0)) for _ in range(dim)] for _ in range(num)]

    def __call__(self, index: int) -> list[Value]:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < len(self.weight):
            raise ValueError(f"an Embedding of {len(self.weight)} rows takes an index from 0 to {len(self.weight) - 1}, "
                             f"got {index!r}")
        return list(self.weight[int(index)])

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'weight.{i}.{j}', p) for i, row in enumerate(self.weight) for j, p in enumerate(row)]

    def config(self) -> dict:
        return {'num': len(self.weight), 'dim': len(self.weight[0])}

    def to_torch(self):
        torch = torch_twins.require_torch()
        embedding = torch.nn.Embedding(len(self.weight), len(self.weight[0]), dtype=torch.float64)
        torch_twins.copy(embedding.weight, [[p.data for p in row] for row in self.weight])
        return embedding


class Norm(Part):
    """What LayerNorm and RMSNorm share: a weight per number (and a bias), their eps, and PyTorch's twin."""

    torch_name = ''

    def __init__(self, dim: int, eps: float, bias: bool):
        check_sizes(dim=dim)
        self.eps = eps
        self.weight: list[Value] = [Parameter(1.0) for _ in range(dim)]
        self.bias: list[Value] = [Parameter(0.0) for _ in range(dim)] if bias else []

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'weight.{i}', p) for i, p in enumerate(self.weight)] + [(f'bias.{i}', p) for i, p in enumerate(self.bias)]

    def config(self) -> dict:
        return {'dim': len(self.weight), 'eps': self.eps}

    def vector(self, x: Sequence) -> list[Value]:
        """``x`` as Values, checked to hold one number per weight."""
        x = values(x)
        check_length(self, x, len(self.weight))
        return x

    def inverse_rms(self, xs: list[Value]) -> Value:
        """``1 / sqrt(mean(x**2) + eps)``: what both norms divide by."""
        return (Value.sum([v * v for v in xs]) * (1.0 / len(xs)) + self.eps) ** -0.5

    def to_torch(self):
        torch = torch_twins.require_torch()
        norm = getattr(torch.nn, self.torch_name)(len(self.weight), eps=self.eps, dtype=torch.float64)
        torch_twins.copy(norm.weight, [p.data for p in self.weight])
        if self.bias:
            torch_twins.copy(norm.bias, [p.data for p in self.bias])
        return norm


class LayerNorm(Norm):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over one vector (the variance divides by n)."""

    torch_name = 'LayerNorm'

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__(dim, eps, bias=True)

    def __call__(self, x: Sequence) -> list[Value]:
        x = self.vector(x)
        mean = Value.sum(x) * (1.0 / len(x))
        centered = [xi - mean for xi in x]
        scale = self.inverse_rms(centered)  # the variance divides by n
        return [c * scale * w + b for c, w, b in zip(centered, self.weight, self.bias)]


class RMSNorm(Norm):
    """``x / sqrt(mean(x**2) + eps) * weight``: LayerNorm without centring or bias (Llama's normalisation)."""

    torch_name = 'RMSNorm'

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__(dim, eps, bias=False)

    def __call__(self, x: Sequence) -> list[Value]:
        x = self.vector(x)
        scale = self.inverse_rms(x)
        return [xi * scale * w for xi, w in zip(x, self.weight)]


class CausalSelfAttention(Part):
    """Multi-head self-attention in which position t attends to positions 0..t only.

    Per head: ``softmax(q_t . k_s / sqrt(head_dim))`` over s <= t weighs the values ``v_s``; the heads'
    outputs are concatenated and projected. Call it on a sequence (a list of ``n_embd``-vectors).
    """

    def __init__(self, n_embd: int, n_head: int, seed=None):
        check_sizes(n_embd=n_embd, n_head=n_head)
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        rng = make_rng(seed)
        self.n_head = n_head
        self.query, self.key, self.value, self.proj = (projection(n_embd, n_embd, rng) for _ in range(4))
        for name in ('query', 'key', 'value', 'proj'):
            getattr(self, name).name_neurons(f'{name}.')  # drawings box them as query.N0, key.N1, ...

    def __call__(self, xs: Sequence[Sequence]) -> list[list[Value]]:
        q, k, v = ([as_list(layer(x)) for x in xs] for layer in (self.query, self.key, self.value))
        size = len(q[0]) // self.n_head
        out = []
        for t in range(len(xs)):
            heads = []
            for h in range(0, len(q[0]), size):
                scores = [Value.linear(q[t][h:h + size], k[s][h:h + size], 0.0) * (1.0 / math.sqrt(size))
                          for s in range(t + 1)]  # the past only: causal
                weights = softmax(scores)
                heads += [Value.sum([w * v[s][h + j] for s, w in enumerate(weights)]) for j in range(size)]
            out.append(as_list(self.proj(heads)))
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'{name}.{inner}', p) for name in ('query', 'key', 'value', 'proj')
                for inner, p in getattr(self, name).named_parameters()]

    def config(self) -> dict:
        return {'n_embd': len(self.query.neurons), 'n_head': self.n_head}

    def to_torch(self):
        module = torch_twins.classes()['CausalSelfAttention'](len(self.query.neurons), self.n_head)
        for name in ('query', 'key', 'value', 'proj'):
            torch_twins.copy_linear(getattr(module, name), getattr(self, name))
        return module


class TransformerBlock(Part):
    """Pre-norm: ``x + attention(norm1(x))``, then ``x + feed_forward(norm2(x))``, position by position."""

    def __init__(self, n_embd: int, n_head: int, d_hidden: int | None = None, activation: str = 'gelu', seed=None):
        d_hidden = 4 * n_embd if d_hidden is None else d_hidden
        check_sizes(n_embd=n_embd, n_head=n_head, d_hidden=d_hidden)
        rng = make_rng(seed)
        self.norm1, self.norm2 = LayerNorm(n_embd), LayerNorm(n_embd)
        self.attention = CausalSelfAttention(n_embd, n_head, seed=rng)
        self.feed_forward = FeedForward(n_embd, d_hidden, activation, seed=rng)
        for layer in (self.feed_forward.up, self.feed_forward.gate, self.feed_forward.down):
            if layer is not None:  # the gate exists for swiglu only
                scaled_to_inputs(layer)

    def __call__(self, xs: Sequence[Sequence]) -> list[list[Value]]:
        attended = self.attention([self.norm1(x) for x in xs])
        xs = [[a + b for a, b in zip(x, y)] for x, y in zip(xs, attended)]
        return [[a + b for a, b in zip(x, self.feed_forward(self.norm2(x)))] for x in xs]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'{name}.{inner}', p) for name in ('norm1', 'attention', 'norm2', 'feed_forward')
                for inner, p in getattr(self, name).named_parameters()]

    def config(self) -> dict:
        ffn = self.feed_forward.config()
        return {'n_embd': ffn['d_model'], 'n_head': self.attention.n_head, 'd_hidden': ffn['d_hidden'],
                'activation': ffn['activation']}

    def to_torch(self):
        return torch_twins.classes()['TransformerBlock'](self.norm1.to_torch(), self.attention.to_torch(),
                                                         self.norm2.to_torch(), self.feed_forward.to_torch())


class GPT(Part):
    """A tiny GPT: token and position embeddings, ``n_layer`` blocks, a final LayerNorm and a linear head.

    ``gpt(tokens)`` (a list of token ids, at most ``block_size``) returns one list of ``vocab_size`` logits per
    position: position t predicts token t + 1 from tokens 0..t, P(x_t+1 | x_1..x_t).
    """

    def __init__(self, vocab_size: int, block_size: int, n_embd: int, n_head: int, n_layer: int, seed=None):
        check_sizes(vocab_size=vocab_size, block_size=block_size, n_embd=n_embd, n_head=n_head, n_layer=n_layer)
        rng = make_rng(seed)
        self.block_size = block_size
        self.token_embedding = Embedding(vocab_size, n_embd, seed=rng)
        self.position_embedding = Embedding(block_size, n_embd, seed=rng)
        self.blocks = [TransformerBlock(n_embd, n_head, seed=rng) for _ in range(n_layer)]
        self.norm = LayerNorm(n_embd)
        self.head = projection(n_embd, vocab_size, rng)

    def __call__(self, tokens: Sequence[int]) -> list[list[Value]]:
        if not 0 < len(tokens) <= self.block_size:
            raise ValueError(f"the GPT reads 1 to {self.block_size} tokens at a time (its block_size), got {len(tokens)}")
        xs = [[a + b for a, b in zip(self.token_embedding(token), self.position_embedding(t))]
              for t, token in enumerate(tokens)]
        for block in self.blocks:
            xs = block(xs)
        return [as_list(self.head(self.norm(x))) for x in xs]

    def generate(self, tokens: Sequence[int], max_new_tokens: int, temperature: float = 1.0, seed=None) -> list[int]:
        """``tokens`` followed by ``max_new_tokens`` sampled one at a time from softmax(logits / temperature)."""
        if not isinstance(temperature, numbers.Real) or not MIN_TEMPERATURE <= temperature < math.inf:
            raise ValueError(f"temperature must be a number from {MIN_TEMPERATURE} up (small: the likeliest token; "
                             f"1: the model's probabilities), got {temperature!r}")
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, numbers.Integral) or max_new_tokens < 0:
            raise ValueError(f"max_new_tokens must be a whole number of at least 0, got {max_new_tokens!r}")
        if not tokens:
            raise ValueError("generate() continues a sequence: give at least one token, e.g. tokenizer.encode('.')")
        rng, tokens = make_rng(seed), list(tokens)
        with no_grad():
            for _ in range(max_new_tokens):
                logits = self(tokens[-self.block_size:])[-1]
                probabilities = [p.data for p in softmax([z * (1.0 / temperature) for z in logits])]
                tokens.append(rng.choices(range(len(probabilities)), weights=probabilities)[0])
        return tokens

    def named_parameters(self) -> list[tuple[str, Value]]:
        parts = [('token_embedding', self.token_embedding), ('position_embedding', self.position_embedding),
                 *[(f'blocks.{i}', block) for i, block in enumerate(self.blocks)], ('norm', self.norm),
                 ('head', self.head)]
        return [(f'{name}.{inner}', p) for name, part in parts for inner, p in part.named_parameters()]

    def config(self) -> dict:
        embedding = self.token_embedding.config()
        return {'vocab_size': embedding['num'], 'block_size': self.block_size, 'n_embd': embedding['dim'],
                'n_head': self.blocks[0].attention.n_head, 'n_layer': len(self.blocks)}

    def to_torch(self):
        """A PyTorch module with the same weights: ``module(batch)`` maps (B, T) token ids to (B, T, vocab) logits."""
        torch = torch_twins.require_torch()
        head = torch.nn.Linear(self.head.config()['nin'], len(self.head.neurons), dtype=torch.float64)
        torch_twins.copy_linear(head, self.head)
        return torch_twins.classes()['GPT'](self.token_embedding.to_torch(), self.position_embedding.to_torch(),
                                            torch.nn.ModuleList([block.to_torch() for block in self.blocks]),
                                            self.norm.to_torch(), head)


MIN_TEMPERATURE = 1e-6  # below it 1 / temperature overflows the logits' range for any useful model


def gpt_parameter_count(config: dict) -> int:
    """How many parameters a saved GPT's config makes, after checking its sizes (``load_model`` asks first)."""
    vocab, block, n_embd, n_head, n_layer = whole_sizes([config[k] for k in GPT_KEYS], config)
    if n_embd % n_head:
        raise ModelFileError(f"a GPT's n_embd ({n_embd}) must be a multiple of its n_head ({n_head})")
    per_block = 4 * n_embd + 4 * (n_embd + 1) * n_embd + (n_embd + 1) * 4 * n_embd + (4 * n_embd + 1) * n_embd
    return (vocab + block) * n_embd + n_layer * per_block + 2 * n_embd + (n_embd + 1) * vocab


GPT_KEYS = ('vocab_size', 'block_size', 'n_embd', 'n_head', 'n_layer')
MODULE_TYPES['GPT'] = GPT  # so that save() and load_model() know it
ARCHITECTURES['GPT'] = (GPT_KEYS, gpt_parameter_count)
