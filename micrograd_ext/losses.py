"""``micrograd_ext.losses``: The losses of ``learn/losses.py``."""
from .learn.losses import *  # noqa: F403
