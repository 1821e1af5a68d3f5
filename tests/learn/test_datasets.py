import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.learn.datasets import make_circles, make_moons, make_spirals


@pytest.mark.parametrize('make', [make_moons, make_circles, make_spirals])
def test_shapes_labels_seeding(make):
    X, y = make(101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.shape == (101,)
    assert sorted(set(y.tolist())) == [0, 1] and abs((y == 0).sum() - (y == 1).sum()) <= 1
    X2, y2 = make(101, noise=0.1, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(101, noise=0.1, seed=4)[0])
    assert isinstance(Value(X[0, 0]) * 2, Value)  # rows feed Values directly


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(50, seed=0)
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*top.T), 1.0)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1, bottom[:, 1] - 0.5), 1.0)
    assert (top[:, 1] >= 0).all() and (bottom[:, 1] <= 0.5).all()


def test_circles_radii_and_spirals_classes():
    X, y = make_circles(40, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)
    X, y = make_spirals(90, n_classes=3, seed=0)
    assert np.bincount(y).tolist() == [30, 30, 30]


def test_bad_arguments():
    with pytest.raises(ValueError, match='positive integer'):
        make_moons(0)
    with pytest.raises(ValueError, match='cannot be negative'):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match='between 0 and 1'):
        make_circles(10, factor=2)
    with pytest.raises(ValueError, match='at least 2 classes'):
        make_spirals(10, n_classes=1)
