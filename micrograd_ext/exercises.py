"""``micrograd_ext.exercises``: The exercise checkers of ``classroom/exercises.py``."""
from .classroom.exercises import *  # noqa: F403
