"""The classroom: an exercise bank with each student's own numbers, their notebooks, and grading a whole class.

>>> from micrograd_ext.classroom import BANK, Sheet
>>> len(BANK), Sheet('ada').numbers('neuron_z')['b']
(16, -0.6)
"""
from ..core.optional import needs_numpy

needs_numpy('micrograd_ext.classroom')

from .exercise import Exercise, Mistake
from .bank import BANK, exercise  # after .exercise: the name exercise is the bank's function, not that module
from .diagnosis import Diagnosis, diagnose
from .notebooks import exercise_notebook, write_notebooks
from .sheet import Sheet

__all__ = ['BANK', 'exercise', 'Exercise', 'Mistake', 'Sheet', 'exercise_notebook', 'write_notebooks', 'diagnose',
           'Diagnosis']
