"""The teaching tools, built on the engine and the networks: stepping through backprop (``steps``, ``quiz``,
``player``), explaining gradients (``explain``, ``table``), expressions, the exercises and the ``classroom``."""
