"""``micrograd_ext.text``: The character data of ``learn/text.py``."""
from .learn.text import *  # noqa: F403
