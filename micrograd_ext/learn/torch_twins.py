"""PyTorch twins of the modules (PyTorch is optional: it is imported only when ``to_torch()`` is called).

``nn``'s layers become ``torch.nn.Linear`` modules in a ``Sequential``; the transformer's parts become small
``torch.nn.Module`` classes with the same weights; all in float64, so outputs agree to rounding.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .model_files import NO_ACTIVATION

if TYPE_CHECKING:
    from .nn import Layer

# A translation table: each of the op table's activations (``ops.ACTIVATIONS``, the same names; a test checks
# the keys) -> a function of ``torch.nn`` that makes its module. A layer without activation ('none') has none.
TORCH_ACTIVATIONS = {'relu': lambda nn: nn.ReLU(), 'tanh': lambda nn: nn.Tanh(), 'sigmoid': lambda nn: nn.Sigmoid(),
                     'gelu': lambda nn: nn.GELU(approximate='tanh'), 'silu': lambda nn: nn.SiLU()}


def require_torch() -> Any:
    """The torch module, or an ImportError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch() needs PyTorch: pip install torch (the CPU build is enough)") from None
    return torch


def copy(parameter, numbers) -> None:
    """Set a torch parameter to ``numbers`` (nested lists), in float64."""
    torch = require_torch()
    with torch.no_grad():
        parameter.copy_(torch.tensor(numbers, dtype=torch.float64))


def copy_linear(linear, layer: Layer) -> None:
    """Set a ``torch.nn.Linear`` to a Layer's weights and biases (a Linear made with ``bias=False`` has none)."""
    copy(linear.weight, [[w.data for w in n.w] for n in layer.neurons])
    if linear.bias is not None:
        copy(linear.bias, [getattr(n.b, 'data', 0.0) for n in layer.neurons])


@functools.lru_cache(maxsize=1)
def classes() -> dict:
    """The torch.nn.Module classes of the transformer's parts, made once (torch is imported only here)."""
    torch = require_torch()
    from torch import nn  # imported, not torch.nn: a module's classes can be the bases below (mypy)

    class TorchCausalSelfAttention(nn.Module):
        def __init__(self, n_embd: int, n_head: int, bias: bool = True):
            super().__init__()
            self.n_head = n_head
            self.query, self.key, self.value, self.proj = (nn.Linear(n_embd, n_embd, bias=bias, dtype=torch.float64)
                                                           for _ in range(4))

        def forward(self, x):
            B, T, C = x.shape
            split = lambda y: y.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # noqa: E731
            q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
            scores = q @ k.transpose(-2, -1) / math.sqrt(C // self.n_head)
            future = torch.ones(T, T, dtype=torch.bool).triu(1)
            weights = scores.masked_fill(future, float('-inf')).softmax(dim=-1)
            return self.proj((weights @ v).transpose(1, 2).reshape(B, T, C))

    class TorchTransformerBlock(nn.Module):
        def __init__(self, norm1, attention, norm2, feed_forward):
            super().__init__()
            self.norm1, self.attention, self.norm2, self.feed_forward = norm1, attention, norm2, feed_forward

        def forward(self, x):
            x = x + self.attention(self.norm1(x))
            return x + self.feed_forward(self.norm2(x))

    class TorchGPT(nn.Module):
        """Embeddings (then ``embedding_norm``), the blocks, ``norm`` and the head; an absent norm is Identity."""

        def __init__(self, token_embedding, position_embedding, blocks, norm, head, embedding_norm=None):
            super().__init__()
            self.token_embedding, self.position_embedding = token_embedding, position_embedding
            self.embedding_norm = embedding_norm if embedding_norm is not None else nn.Identity()
            self.blocks, self.norm, self.head = blocks, norm, head

        def forward(self, tokens):
            x = self.token_embedding(tokens) + self.position_embedding(torch.arange(tokens.shape[1]))
            x = self.embedding_norm(x)
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    class Square(nn.Module):
        """``x ** 2``: after a ReLU, the squared ReLU of a FeedForward's 'relu2'."""

        def forward(self, x):
            return x ** 2

    return {'CausalSelfAttention': TorchCausalSelfAttention, 'TransformerBlock': TorchTransformerBlock,
            'GPT': TorchGPT, 'Square': Square}


def sequential(layers: Sequence[Layer], squared: bool = False):
    """``layers`` as a ``torch.nn.Sequential``: a Linear per layer (with or without biases, as the layer), each
    followed by its activation if it has one, squared if ``squared`` (a FeedForward's 'relu2')."""
    torch = require_torch()
    modules = []
    for layer in layers:
        config = layer.config()
        without_bias = {'bias': False} if config.get('bias') is False else {}
        linear = torch.nn.Linear(config['nin'], config['nout'], dtype=torch.float64, **without_bias)
        copy_linear(linear, layer)
        modules.append(linear)
        if config['activation'] != NO_ACTIVATION:
            modules.append(TORCH_ACTIVATIONS[config['activation']](torch.nn))
            if squared:
                modules.append(classes()['Square']())
    return torch.nn.Sequential(*modules)


def swiglu(up: Layer, gate: Layer, down: Layer):
    """Llama's gated feed-forward block, ``down(silu(gate(x)) * up(x))``, as a torch module."""
    torch = require_torch()
    up_, gate_, down_ = (sequential([layer])[0] for layer in (up, gate, down))

    from torch import nn

    class SwiGLU(nn.Module):
        def __init__(self):
            super().__init__()
            self.up, self.gate, self.down = up_, gate_, down_

        def forward(self, x):
            return self.down(torch.nn.functional.silu(self.gate(x)) * self.up(x))
    return SwiGLU()
