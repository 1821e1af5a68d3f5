"""``micrograd_ext.datasets``: The toy datasets of ``learn/datasets.py``."""
from .learn.datasets import *  # noqa: F403
