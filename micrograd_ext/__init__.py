"""micrograd_ext: a scalar autograd engine for learning and teaching how neural networks learn.

>>> from micrograd_ext import Value
>>> x1, x2 = Value(2.0, label='x1'), Value(3.0, label='x2')
>>> w1, w2, b = Value(0.5, label='w1'), Value(-1.0, label='w2'), Value(0.2, label='b')
>>> z = w1 * x1 + w2 * x2 + b
>>> z.data
-1.8
>>> z.backward()
>>> w1.grad, w2.grad, b.grad
(2.0, 3.0, 1.0)

The package is layered: the engine core here (engine, ops, autograd, modes, finite_differences, recording
and replay), networks and training in ``learn/``, the teaching tools in ``teach/``, drawings in ``viz/``, and
the command line on top (``cli``). The old paths (``micrograd_ext.nn``, ``micrograd_ext.exercises``, ...) still
import (see ``moved``).
"""
from . import moved
from .autograd import grad
from .engine import Value, topological_order
from .errors import MicrogradExtError
from .finite_differences import GradcheckError, gradcheck, numerical_grad
from .modes import AnomalyError, detect_anomaly, is_grad_enabled, no_grad
from .recording import RecordingWarning, StaleRecording, compiled
from .replay import ReplayError

moved.install()

__version__ = '0.1.0'
__all__ = ['Value', 'topological_order', 'grad', 'gradcheck', 'numerical_grad', 'GradcheckError',
           'no_grad', 'detect_anomaly', 'is_grad_enabled', 'AnomalyError',
           'compiled', 'ReplayError', 'RecordingWarning', 'StaleRecording', 'MicrogradExtError']
