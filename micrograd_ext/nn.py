"""``micrograd_ext.nn``: micrograd's ``from micrograd.nn import MLP`` path: the networks of ``learn/nn.py``."""
from .learn.nn import *  # noqa: F403
