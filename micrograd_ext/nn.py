"""``micrograd_ext.nn``: micrograd's ``from micrograd.nn import MLP`` path: the networks of ``learn/nn.py``, the
transformer's parts (``learn/transformer.py``) and ``load_model`` (``learn/loading.py``)."""
from .core.engine import Value  # noqa: F401  (micrograd's nn module has it too)
from .learn.loading import load_model  # noqa: F401
from .learn.nn import *  # noqa: F403
from .learn.transformer import CausalSelfAttention, Embedding, GPT, LayerNorm, RMSNorm, TransformerBlock  # noqa: F401
