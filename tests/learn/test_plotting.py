"""Pictures of training (learn/plotting.py): the decision boundary and the loss curve, with matplotlib's Agg."""
import sys

import numpy as np
import pytest

from micrograd_ext.learn.nn import Layer
from micrograd_ext.learn.plotting import INSTALL_HINT, plot_training, require_matplotlib
from micrograd_ext.learn.training import TrainingLog

X = np.array([[-1.0, 0.5], [-0.5, -1.0], [1.0, 0.0], [0.5, 1.5]])
Y = np.array([0, 0, 1, 1])


def left_or_right():
    """A one-neuron model whose score is x: class 1 right of x = 0."""
    return Layer.from_weights([[1.0, 0.0]], [0.0], activation='none')


def log_of(losses, accuracies) -> TrainingLog:
    log = TrainingLog()
    log.losses.extend(losses)
    log.accuracies.extend(accuracies)
    return log


def test_without_matplotlib_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'matplotlib', None)  # import matplotlib now raises ImportError
    with pytest.raises(ImportError, match=r"^plots need matplotlib: pip install 'micrograd-ext\[train\]'") as caught:
        require_matplotlib()
    assert str(caught.value) == INSTALL_HINT and caught.value.__cause__ is None
    with pytest.raises(ImportError, match='plots need matplotlib'):
        plot_training(left_or_right(), X, Y, log_of([1.0], [0.5]))


def test_plots_use_the_non_interactive_backend():
    pytest.importorskip('matplotlib')
    import matplotlib
    plt = require_matplotlib()
    assert matplotlib.get_backend().lower() == 'agg' and plt.__name__ == 'matplotlib.pyplot'


def test_the_figure_shows_the_points_the_boundary_and_the_curves():
    pytest.importorskip('matplotlib')
    plt = require_matplotlib()
    log = log_of([0.9, 0.5, 0.25], [0.5, 0.75, 1.0])
    figure = plot_training(left_or_right(), X, Y, log, resolution=12)
    try:
        boundary, curve = figure.axes
        assert boundary.get_title() == 'decision boundary' and curve.get_title() == 'training'
        (points,) = boundary.collections[-1:]
        assert np.array_equal(points.get_offsets(), X)
        lines = {line.get_label(): list(line.get_ydata()) for line in curve.get_lines()}
        assert lines == {'loss': [0.9, 0.5, 0.25], 'accuracy': [0.5, 0.75, 1.0]}
        (x_low, x_high), (y_low, y_high) = boundary.get_xlim(), boundary.get_ylim()
        assert x_low == pytest.approx(-1.5) and x_high == pytest.approx(1.5)
        assert y_low == pytest.approx(-1.5) and y_high == pytest.approx(2.0)
        assert plt.fignum_exists(figure.number)  # not saved: left open for the notebook to show
    finally:
        plt.close(figure)


def test_a_path_saves_a_png_and_closes_the_figure(tmp_path):
    pytest.importorskip('matplotlib')
    plt = require_matplotlib()
    path = tmp_path / 'training.png'
    figure = plot_training(left_or_right(), X, Y, log_of([1.0, 0.5], [0.5, 1.0]), path=str(path), resolution=8)
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert not plt.fignum_exists(figure.number)
