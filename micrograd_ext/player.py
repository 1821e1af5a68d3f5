"""``micrograd_ext.player``: The step-through player of ``teach/player.py``."""
from .teach.player import *  # noqa: F403
