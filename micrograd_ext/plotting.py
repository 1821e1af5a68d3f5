"""``micrograd_ext.plotting``: The training plots of ``learn/plotting.py``."""
from .learn.plotting import *  # noqa: F403
