"""``micrograd_ext.transformer``: The tiny GPT of ``learn/transformer.py``."""
from .learn.transformer import *  # noqa: F403
