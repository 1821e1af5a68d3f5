"""``micrograd_ext.training``: The training loop of ``learn/training.py``."""
from .learn.training import *  # noqa: F403
