"""``micrograd_ext.table``: The node table of ``viz/table.py``."""
from .viz.table import *  # noqa: F403
