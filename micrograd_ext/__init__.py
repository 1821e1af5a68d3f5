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

Each folder is a layer and imports only go down: ``core/`` (the engine), ``compiled/`` (the NumPy replay),
``learn/`` (networks and training), ``viz/`` (drawings), ``teach/`` (step-through, explanations),
``classroom/`` (exercises and grading), ``web/`` (the library in a web page) and ``cli/`` (the command line).
The short paths of the public modules (``micrograd_ext.engine``, ``micrograd_ext.nn``, ...) are modules here
that re-export them. Without NumPy (a web page) the engine, nn, the drawings and the step-through still work.
"""
from .core import __version__
from .core.autograd import grad
from .core.engine import Value, topological_order
from .core.errors import MicrogradExtError
from .core.modes import AnomalyError, detect_anomaly, is_grad_enabled, no_grad
from .core.optional import HAS_NUMPY, needs_numpy
from .core.slips import TrainingSlipWarning
from .teach import shortcuts  # noqa: F401  (attaches y.draw_dot(), y.backward_steps(), y.show_backward(), y.explain(x))

if HAS_NUMPY:  # without NumPy (a browser page) the engine, drawings and step-through work; these say what they need
    from .core.finite_differences import GradcheckError, gradcheck, numerical_grad
    from .compiled.recording import RecordingWarning, StaleRecording, compiled
    from .compiled.replay import ReplayError
else:  # the subpackage is loaded now and its name freed, so that micrograd_ext.compiled (the function) asks
    from . import compiled as _subpackage  # __getattr__ below, even after nn imported micrograd_ext.compiled.indexing
    del globals()['compiled'], _subpackage


def __getattr__(name: str):
    """Only reached without NumPy, for the names that need it: an ImportError that says so."""
    if name in __all__:
        needs_numpy(f'micrograd_ext.{name}')
    raise AttributeError(f"module 'micrograd_ext' has no attribute {name!r}")


__all__ = ['Value', 'topological_order', 'grad', 'gradcheck', 'numerical_grad', 'GradcheckError',
           'no_grad', 'detect_anomaly', 'is_grad_enabled', 'AnomalyError', 'TrainingSlipWarning',
           'compiled', 'ReplayError', 'RecordingWarning', 'StaleRecording', 'MicrogradExtError']
