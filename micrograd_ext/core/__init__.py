"""The engine core, pure Python: ``Value`` and its ops (``engine``), the op table (``ops``), graph walking,
modes, gradients and finite differences. Nothing here imports from the layers above it."""

__version__ = '0.1.0'
