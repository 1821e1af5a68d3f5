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

from ..compiled.indexing import Index, gather
from ..core.engine import Value, values
from ..core.ops import inverse_rms_op
from .losses import TOKEN_ID_HINT, cross_entropy, softmax
from ..core.modes import no_grad
from . import torch_twins
from .gpt_config import (DEFAULT_INIT_STD, GPT_KEYS, GPT_OPTIONS, MICROGPT_OPTIONS, ZEROS, check_init, check_options,
                         check_sampling, check_sizes, copy_microgpt_weights, gpt_parameter_count, microgpt_sizes,
                         weight_matrices)
from .model_files import ARCHITECTURES, MODULE_TYPES, OPTIONAL_KEYS
from .nn import NO_ACTIVATION, FeedForward, Layer, Module, Parameter, make_rng


def _gauss_or_uniform(rng, std: float) -> float:
    """A number from N(0, std), or from uniform(-std, std) for an ``rng`` with only ``uniform`` (``make_rng``)."""
    return rng.gauss(0.0, std) if hasattr(rng, 'gauss') else rng.uniform(-std, std)


def projection(nin: int, nout: int, rng, bias: bool = True) -> Layer:
    """A layer without activation (its outputs are ``w . x + b``, or ``w . x``) with ``scaled_to_inputs`` weights."""
    return scaled_to_inputs(Layer(nin, nout, seed=rng, activation=NO_ACTIVATION, bias=bias))


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


def check_length(module: Module, x: list, dim: int) -> None:
    if len(x) != dim:
        raise ValueError(f"{module!r} takes vectors of {dim} numbers, got {len(x)}")


class Embedding(Part):
    """A table of ``num`` vectors of ``dim`` numbers (drawn from N(0, 1), as PyTorch's); ``emb(i)`` is row i."""

    def __init__(self, num: int, dim: int, seed=None):
        check_sizes(num=num, dim=dim)
        rng = make_rng(seed)
        self.weight = [[Parameter(_gauss_or_uniform(rng, 1.0)) for _ in range(dim)] for _ in range(num)]

    def __call__(self, index: int | Index) -> list[Value]:
        """Row ``index``; a compiled step's token id (an ``Index``) picks it anew at every replay."""
        if isinstance(index, Index):
            return gather(self.weight, index)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < len(self.weight):
            hint = TOKEN_ID_HINT if isinstance(index, (Value, float)) else ''
            raise ValueError(f"an Embedding of {len(self.weight)} rows takes an index from 0 to {len(self.weight) - 1}, "
                             f"got {index!r}{hint}")
        return gather(self.weight, int(index))

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
    """What LayerNorm and RMSNorm share: a weight per number (and a bias), their eps, and PyTorch's twin.
    ``elementwise_affine=False`` (PyTorch's name) leaves out the weights and biases: microgpt's RMSNorm."""

    torch_name = ''

    def __init__(self, dim: int, eps: float, bias: bool, elementwise_affine: bool = True):
        check_sizes(dim=dim)
        self.dim, self.eps, self.elementwise_affine = dim, eps, elementwise_affine
        self.weight: list[Value] = [Parameter(1.0) for _ in range(dim)] if elementwise_affine else []
        self.bias: list[Value] = [Parameter(0.0) for _ in range(dim)] if bias and elementwise_affine else []

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'weight.{i}', p) for i, p in enumerate(self.weight)] + [(f'bias.{i}', p) for i, p in enumerate(self.bias)]

    def config(self) -> dict:
        return {'dim': self.dim, 'eps': self.eps, **({} if self.elementwise_affine else {'elementwise_affine': False})}

    def vector(self, x: Sequence) -> list[Value]:
        """``x`` as Values, checked to hold ``dim`` numbers."""
        x = values(x)
        check_length(self, x, self.dim)
        return x

    def scaled(self, xs: list[Value], scale: Value) -> list[Value]:
        """``x * scale * weight + bias``, with the weights and biases that this norm has."""
        if self.bias:
            return [x * scale * w + b for x, w, b in zip(xs, self.weight, self.bias)]
        if self.weight:
            return [x * scale * w for x, w in zip(xs, self.weight)]
        return [x * scale for x in xs]

    def inverse_rms(self, xs: list[Value]) -> Value:
        """``1 / sqrt(mean(x**2) + eps)``: what both norms divide by, one node."""
        return Value.apply(inverse_rms_op(self.eps), *xs)

    def to_torch(self):
        torch = torch_twins.require_torch()
        options = {'bias': bool(self.bias)} if self.elementwise_affine and self.torch_name == 'LayerNorm' else {}
        norm = getattr(torch.nn, self.torch_name)(self.dim, eps=self.eps, elementwise_affine=self.elementwise_affine,
                                                  dtype=torch.float64, **options)
        if self.weight:
            torch_twins.copy(norm.weight, [p.data for p in self.weight])
        if self.bias:
            torch_twins.copy(norm.bias, [p.data for p in self.bias])
        return norm


class LayerNorm(Norm):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over one vector (the variance divides by n); PyTorch's
    options ``elementwise_affine=False`` (neither weight nor bias) and ``bias=False``."""

    torch_name = 'LayerNorm'

    def __init__(self, dim: int, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True):
        super().__init__(dim, eps, bias, elementwise_affine)
        self.has_bias = bias

    def __call__(self, x: Sequence) -> list[Value]:
        x = self.vector(x)
        mean = Value.sum(x) * (1.0 / len(x))
        centered = [xi - mean for xi in x]
        return self.scaled(centered, self.inverse_rms(centered))  # the variance divides by n

    def config(self) -> dict:
        return {**super().config(), **({} if self.has_bias else {'bias': False})}


class RMSNorm(Norm):
    """``x / sqrt(mean(x**2) + eps) * weight``: LayerNorm without centring or bias (Llama's normalisation);
    ``elementwise_affine=False``: without the weight too (microgpt's).

    >>> [round(v.data, 4) for v in RMSNorm(2, elementwise_affine=False)([3.0, -4.0])]
    [0.8485, -1.1314]
    """

    torch_name = 'RMSNorm'

    def __init__(self, dim: int, eps: float = 1e-6, elementwise_affine: bool = True):
        super().__init__(dim, eps, bias=False, elementwise_affine=elementwise_affine)

    def __call__(self, x: Sequence) -> list[Value]:
        x = self.vector(x)
        return self.scaled(x, self.inverse_rms(x))


def make_norm(kind: str, dim: int, eps: float = 1e-5, affine: bool = True, bias: bool = True) -> Norm:
    """A ``'layernorm'`` or an ``'rmsnorm'`` of ``dim`` numbers (``affine``: with weights; ``bias``: LayerNorm's)."""
    if kind == 'layernorm':
        return LayerNorm(dim, eps, elementwise_affine=affine, bias=bias)
    if kind == 'rmsnorm':
        return RMSNorm(dim, eps, elementwise_affine=affine)
    raise ValueError(f"norm must be 'layernorm' or 'rmsnorm', got {kind!r}")


class CausalSelfAttention(Part):
    """Multi-head self-attention in which position t attends to positions 0..t only.

    Per head: ``softmax(q_t . k_s / sqrt(head_dim))`` over s <= t weighs the values ``v_s``; the heads'
    outputs are concatenated and projected. Call it on a sequence (a list of ``n_embd``-vectors).
    """

    def __init__(self, n_embd: int, n_head: int, seed=None, bias: bool = True):
        check_sizes(n_embd=n_embd, n_head=n_head)
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        rng = make_rng(seed)
        self.n_head = n_head
        self.query, self.key, self.value, self.proj = (projection(n_embd, n_embd, rng, bias) for _ in range(4))
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
        return {'n_embd': len(self.query.neurons), 'n_head': self.n_head, **biases(self.query)}

    def to_torch(self):
        module = torch_twins.classes()['CausalSelfAttention'](**self.config())  # n_embd, n_head (, bias=False)
        for name in ('query', 'key', 'value', 'proj'):
            torch_twins.copy_linear(getattr(module, name), getattr(self, name))
        return module


def biases(layer: Layer) -> dict:
    """``{'bias': False}`` for a layer without biases (a config's entry), else ``{}``."""
    return {} if layer.neurons[0].b is not None else {'bias': False}


class TransformerBlock(Part):
    """Pre-norm: ``x + attention(norm1(x))``, then ``x + feed_forward(norm2(x))``, position by position.

    Options as ``GPT``'s: ``bias`` (in every linear and LayerNorm), ``norm`` ('layernorm' or 'rmsnorm'),
    ``norm_affine`` (the norms' weights) and ``norm_eps``.
    """

    def __init__(self, n_embd: int, n_head: int, d_hidden: int | None = None, activation: str = 'gelu', seed=None,
                 *, bias: bool = True, norm: str = 'layernorm', norm_affine: bool = True, norm_eps: float = 1e-5):
        d_hidden = 4 * n_embd if d_hidden is None else d_hidden
        check_sizes(n_embd=n_embd, n_head=n_head, d_hidden=d_hidden)
        rng = make_rng(seed)
        self.options = {'bias': bias, 'norm': norm, 'norm_affine': norm_affine, 'norm_eps': norm_eps}
        self.norm1, self.norm2 = (make_norm(norm, n_embd, norm_eps, norm_affine, bias) for _ in range(2))
        self.attention = CausalSelfAttention(n_embd, n_head, seed=rng, bias=bias)
        self.feed_forward = FeedForward(n_embd, d_hidden, activation, seed=rng, bias=bias)
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
                'activation': ffn['activation'], **{k: v for k, v in self.options.items() if v != GPT_OPTIONS[k]}}

    def to_torch(self):
        return torch_twins.classes()['TransformerBlock'](self.norm1.to_torch(), self.attention.to_torch(),
                                                         self.norm2.to_torch(), self.feed_forward.to_torch())


class GPT(Part):
    """A tiny GPT: token and position embeddings, ``n_layer`` blocks, a final LayerNorm and a linear head.

    ``gpt(tokens)`` (a list of token ids, at most ``block_size``) returns one list of ``vocab_size`` logits per
    position: position t predicts token t + 1 from tokens 0..t, P(x_t+1 | x_1..x_t); ``gpt.loss(tokens, targets)``
    is their mean cross-entropy.

    Keyword options (their defaults make the GPT above, nanoGPT's design): ``norm`` ('layernorm' or 'rmsnorm'),
    ``norm_affine`` (the norms' weights, PyTorch's elementwise_affine), ``norm_eps``, ``bias`` (in every linear and
    LayerNorm), ``activation`` (the feed-forward's: 'gelu', 'relu', 'relu2' for the squared ReLU, 'swiglu', ...),
    ``embedding_norm`` (a norm right after the embeddings), ``final_norm``, ``tie_weights`` (the head reuses the
    token embedding's table), ``init`` ('default', or 'normal': every weight from N(0, ``init_std``), biases 0)
    and ``bos`` (the token id that starts and ends a document: ``generate`` stops at it).
    ``GPT.microgpt(vocab_size)`` makes Karpathy's microgpt.

    >>> gpt = GPT(5, 4, 4, 2, 1, seed=0, norm='rmsnorm', bias=False, tie_weights=True)
    >>> gpt, len(gpt.parameters())
    (GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, norm='rmsnorm', bias=False, tie_weights=True), 240)
    """

    def __init__(self, vocab_size: int, block_size: int, n_embd: int, n_head: int, n_layer: int, seed=None, *,
                 norm: str = 'layernorm', norm_affine: bool = True, norm_eps: float = 1e-5, bias: bool = True,
                 activation: str = 'gelu', embedding_norm: bool = False, final_norm: bool = True,
                 tie_weights: bool = False, init: str = 'default', init_std: float = DEFAULT_INIT_STD,
                 bos: int | None = None):
        check_sizes(vocab_size=vocab_size, block_size=block_size, n_embd=n_embd, n_head=n_head, n_layer=n_layer)
        self.options = check_options({'norm': norm, 'norm_affine': norm_affine, 'norm_eps': norm_eps, 'bias': bias,
                                      'activation': activation, 'embedding_norm': embedding_norm,
                                      'final_norm': final_norm, 'tie_weights': tie_weights, 'bos': bos}, vocab_size)
        check_init(init, init_std)
        rng = make_rng(seed)
        shapes = ZEROS if init == 'normal' else rng  # 'normal' draws every weight afterwards, in microgpt's order
        self.block_size = block_size
        self.token_embedding = Embedding(vocab_size, n_embd, seed=shapes)
        self.position_embedding = Embedding(block_size, n_embd, seed=shapes)
        self.embedding_norm = make_norm(norm, n_embd, norm_eps, norm_affine, bias) if embedding_norm else None
        self.blocks = [TransformerBlock(n_embd, n_head, activation=activation, seed=shapes, bias=bias, norm=norm,
                                        norm_affine=norm_affine, norm_eps=norm_eps) for _ in range(n_layer)]
        self.norm = make_norm(norm, n_embd, norm_eps, norm_affine, bias) if final_norm else None
        self.head = projection(n_embd, vocab_size, ZEROS if tie_weights else shapes, bias)
        if tie_weights:
            for neuron, row in zip(self.head.neurons, self.token_embedding.weight):
                neuron.w = list(row)  # the embedding's own Parameters: one table, two uses
        if init == 'normal':
            for p in [p for _, matrix in weight_matrices(self) for row in matrix for p in row]:
                p.data = _gauss_or_uniform(rng, init_std)

    @classmethod
    def microgpt(cls, vocab_size: int, block_size: int = 16, n_embd: int = 16, n_head: int = 4, n_layer: int = 1,
                 seed=None, *, activation: str = 'relu', bos: int | None = None) -> GPT:
        """Karpathy's microgpt (Feb 2026): RMSNorm without weights (eps 1e-5) after the embeddings and before
        attention and MLP, no biases, a ReLU MLP (``activation='relu2'``: a later version's squared ReLU), no final
        norm, an untied head, every weight from N(0, 0.08), and ``bos`` its BOS, the last token id. With ``seed``
        s (or none, after ``random.seed(s)``) the weights are those microgpt makes after ``random.seed(s)``.

        >>> gpt = GPT.microgpt(27, seed=42)
        >>> len(gpt.parameters()), gpt.bos, gpt.loss([26, 0, 1], [0, 1, 26])
        (4192, 26, Value(data=3.20..., grad=0.0))
        """
        check_sizes(vocab_size=vocab_size)
        options = {**MICROGPT_OPTIONS, 'activation': activation, 'bos': vocab_size - 1 if bos is None else bos}
        return cls(vocab_size, block_size, n_embd, n_head, n_layer, seed, init='normal', init_std=0.08, **options)

    @classmethod
    def from_microgpt(cls, state_dict: dict, n_head: int = 4, *, activation: str = 'relu',
                      bos: int | None = None) -> GPT:
        """The ``GPT.microgpt`` computing what microgpt does with its ``state_dict`` ('wte', 'wpe', 'layer0.attn_wq',
        ..., 'lm_head': lists of rows of Values or numbers, a row per output), copied; its weights do not say n_head.

        >>> rows = lambda n, m: [[0.01 * (i - j) for j in range(m)] for i in range(n)]
        >>> weights = {'wte': rows(5, 8), 'wpe': rows(3, 8), 'layer0.mlp_fc1': rows(32, 8), 'lm_head': rows(5, 8),
        ...            'layer0.mlp_fc2': rows(8, 32), **{f'layer0.attn_w{c}': rows(8, 8) for c in 'qkvo'}}
        >>> gpt = GPT.from_microgpt(weights); gpt.block_size, gpt.bos, len(gpt.parameters())
        (3, 4, 872)
        """
        gpt = cls.microgpt(*microgpt_sizes(state_dict, n_head), seed=ZEROS, activation=activation, bos=bos)
        copy_microgpt_weights(weight_matrices(gpt), state_dict)
        return gpt

    @property
    def bos(self) -> int | None:  # the token id that starts and ends a document (or None): generate() stops at it
        return self.options['bos']

    def __call__(self, tokens: Sequence[int]) -> list[list[Value]]:
        if not 0 < len(tokens) <= self.block_size:
            raise ValueError(f"the GPT reads 1 to {self.block_size} tokens at a time (its block_size), got {len(tokens)}")
        xs = [[a + b for a, b in zip(self.token_embedding(token), self.position_embedding(t))]
              for t, token in enumerate(tokens)]
        if self.embedding_norm is not None:
            xs = [self.embedding_norm(x) for x in xs]
        for block in self.blocks:
            xs = block(xs)
        return [as_list(self.head(self.norm(x) if self.norm is not None else x)) for x in xs]

    def loss(self, tokens: Sequence[int], targets: Sequence[int]) -> Value:
        """The mean of ``cross_entropy(logits_t, targets[t])`` over positions t: microgpt's loss of a document.

        >>> GPT.microgpt(4, seed=0).loss([3, 0, 1], [0, 1, 3])
        Value(data=1.52..., grad=0.0)
        """
        if not (hasattr(tokens, '__len__') and hasattr(targets, '__len__')) or len(targets) != len(tokens):
            got = f"{len(tokens)} tokens and {len(targets)} targets" if hasattr(tokens, '__len__') and hasattr(
                targets, '__len__') else f"{tokens!r} and {targets!r}"
            raise ValueError(f"loss(tokens, targets) takes two lists of token ids, a target per token: got {got}")
        targets = [int(t) if isinstance(t, numbers.Integral) and not isinstance(t, bool) else t for t in targets]
        losses = [cross_entropy(logits, target) for logits, target in zip(self(tokens), targets)]
        return Value.sum(losses) * (1.0 / len(losses))

    def generate(self, tokens: Sequence[int], max_new_tokens: int, temperature: float = 1.0, seed=None,
                 stop: int | None = None) -> list[int]:
        """``tokens`` followed by up to ``max_new_tokens`` sampled one at a time from softmax(logits / temperature),
        ending with the ``stop`` token (default: the model's ``bos``) once sampled: kept, as Hugging Face's
        generate keeps its EOS, so that ``out[-1] == stop`` tells that it stopped (microgpt's name is the tokens
        between the BOS tokens).

        >>> gpt = GPT.microgpt(5, seed=0)
        >>> out = gpt.generate([gpt.bos], 20, seed=1)
        >>> out[0] == out[-1] == gpt.bos, gpt.bos in out[1:-1]
        (True, False)
        """
        stop = self.bos if stop is None else stop
        check_sampling(tokens, max_new_tokens, temperature, stop, len(self.token_embedding.weight))
        rng, tokens = make_rng(seed), list(tokens)
        with no_grad():
            for _ in range(max_new_tokens):
                logits = self(tokens[-self.block_size:])[-1]
                probabilities = [p.data for p in softmax([z * (1.0 / temperature) for z in logits])]
                tokens.append(rng.choices(range(len(probabilities)), weights=probabilities)[0])
                if tokens[-1] == stop:
                    break
        return tokens

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each parameter once, by its first name (a tied head's weights are the token embedding's)."""
        parts = [('token_embedding', self.token_embedding), ('position_embedding', self.position_embedding),
                 ('embedding_norm', self.embedding_norm), *[(f'blocks.{i}', b) for i, b in enumerate(self.blocks)],
                 ('norm', self.norm), ('head', self.head)]
        first: dict[int, tuple[str, Value]] = {}  # by id: a Value's == makes a node
        for name, part in parts:
            for inner, p in part.named_parameters() if part is not None else ():
                first.setdefault(id(p), (f'{name}.{inner}', p))
        return list(first.values())

    def config(self) -> dict:
        """The sizes, and the options that differ from their defaults (so today's files and configs stay as they
        were); ``init`` is not kept: a file's weights replace the initial ones."""
        embedding = self.token_embedding.config()
        return {'vocab_size': embedding['num'], 'block_size': self.block_size, 'n_embd': embedding['dim'],
                'n_head': self.blocks[0].attention.n_head, 'n_layer': len(self.blocks),
                **{key: value for key, value in self.options.items() if value != GPT_OPTIONS[key]}}

    def to_torch(self):
        """A PyTorch module with the same weights: ``module(batch)`` maps (B, T) token ids to (B, T, vocab) logits."""
        torch = torch_twins.require_torch()
        token_embedding = self.token_embedding.to_torch()
        head = torch.nn.Linear(self.head.config()['nin'], len(self.head.neurons), bias=not biases(self.head),
                               dtype=torch.float64)
        torch_twins.copy_linear(head, self.head)
        if self.options['tie_weights']:
            head.weight = token_embedding.weight  # one table, as here
        return torch_twins.classes()['GPT'](
            token_embedding, self.position_embedding.to_torch(),
            torch.nn.ModuleList([block.to_torch() for block in self.blocks]),
            self.norm.to_torch() if self.norm is not None else torch.nn.Identity(), head,
            self.embedding_norm.to_torch() if self.embedding_norm is not None else None)


MODULE_TYPES['GPT'] = GPT  # so that save() and load_model() know it
ARCHITECTURES['GPT'] = (GPT_KEYS, gpt_parameter_count)
OPTIONAL_KEYS['GPT'] = tuple(GPT_OPTIONS)
