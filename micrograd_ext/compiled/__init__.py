"""The compiled replay: ``compiled()`` records a step once and replays it with NumPy kernels derived from the
op table (the only part of the engine that needs NumPy)."""
