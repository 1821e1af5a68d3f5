"""Pictures of training: the decision boundary over the data, and the loss curve (needs matplotlib)."""
from __future__ import annotations

import numpy as np

from .nn import Module
from .training import TrainingLog, predict

INSTALL_HINT = "plots need matplotlib: pip install 'micrograd-ext[train]' (or: pip install matplotlib)"


def require_matplotlib():
    """The pyplot module with a non-interactive backend, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_training(model: Module, X: np.ndarray, y: np.ndarray, log: TrainingLog, path: str | None = None,
                  loss: str = 'hinge', resolution: int = 60):
    """A figure with the decision boundary (left) and loss and accuracy per step (right); saved if ``path``."""
    plt = require_matplotlib()
    figure, (boundary, curve) = plt.subplots(1, 2, figsize=(10, 4))
    (x_min, y_min), (x_max, y_max) = X.min(0) - 0.5, X.max(0) + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    classes = predict(model, np.c_[xx.ravel(), yy.ravel()], loss).reshape(xx.shape)
    boundary.contourf(xx, yy, classes, cmap='Spectral', alpha=0.6)
    boundary.scatter(X[:, 0], X[:, 1], c=y, cmap='Spectral', edgecolors='k', s=25)
    boundary.set_title('decision boundary')
    curve.plot(log.losses, label='loss')
    curve.plot(log.accuracies, label='accuracy')
    curve.set_xlabel('step')
    curve.set_title('training')
    curve.legend()
    figure.tight_layout()
    if path:
        figure.savefig(path, dpi=100)
        plt.close(figure)
    return figure
