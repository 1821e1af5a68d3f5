"""``micrograd_ext.optim``: The optimizers and schedules of ``learn/optim.py``."""
from .learn.optim import *  # noqa: F403
