"""What works without NumPy: the engine, ``nn``, the drawings' DOT text, the step-through and the player run in
plain Python (a browser page with Pyodide); gradcheck, ``compiled()``, the optimizers' arrays, datasets and the
classroom need NumPy and say so when it is missing.

>>> HAS_NUMPY
True
"""
from __future__ import annotations

import sys

try:
    import numpy  # noqa: F401  (the desktop always has it: a dependency of the package)
    HAS_NUMPY = True
except ImportError:
    HAS_NUMPY = False


def needs_numpy(what: str) -> None:
    """Raise an ImportError naming ``what`` and how to get NumPy (nothing when it is installed)."""
    if not HAS_NUMPY and sys.platform == 'emscripten':  # a page of micrograd-ext site, which loads no NumPy
        raise ImportError(f"{what} needs NumPy, which this page does not load. The engine, nn, drawings and the "
                          "step-through work here; for the rest, install the library: pip install micrograd-ext")
    if not HAS_NUMPY:
        raise ImportError(f"{what} needs NumPy, which is not installed here: pip install numpy (in a Pyodide page: "
                          "await pyodide.loadPackage('numpy')). The engine, nn, drawings and the step-through work "
                          "without it.")
