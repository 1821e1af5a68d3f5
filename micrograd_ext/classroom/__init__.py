"""The classroom: an exercise bank with each student's own numbers, their notebooks, and grading a whole class.

>>> from micrograd_ext.classroom import BANK, Sheet
>>> len(BANK), Sheet('ada').numbers('neuron_z')['b']
(16, -0.6)

The names below load on first use, so that ``micrograd_ext.classroom.exercises`` can build on ``student_code`` here
while the bank builds on the exercises' checkers.
"""
from importlib import import_module

EXPORTS = {'BANK': 'bank', 'exercise': 'bank', 'Exercise': 'exercise', 'Mistake': 'exercise', 'Sheet': 'sheet',
           'exercise_notebook': 'notebooks', 'write_notebooks': 'notebooks', 'diagnose': 'diagnosis',
           'Diagnosis': 'diagnosis'}
__all__ = list(EXPORTS)


def __getattr__(name: str):
    if name not in EXPORTS:
        raise AttributeError(f"module 'micrograd_ext.classroom' has no attribute {name!r}")
    return getattr(import_module(f'.{EXPORTS[name]}', __name__), name)
