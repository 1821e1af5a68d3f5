"""``micrograd_ext.engine``: micrograd's ``from micrograd.engine import Value`` path: the engine, which lives in ``core/engine.py``."""
from .core.engine import *  # noqa: F403
