"""The replay's groups (compiled/groups.py): slots read as views or gathered, gradients added once per listing,
and each group's forward and backward against the engine's."""
import numpy as np
import pytest

from micrograd_ext import Value
from micrograd_ext.compiled.groups import Elementwise, Slots, Sum
from micrograd_ext.core.ops import MUL


def test_repeated_slots_add_up_and_contiguous_slots_are_read_without_copying():
    values, grads = np.arange(10.0), np.zeros(10)
    repeated = Slots(np.array([3, 1, 3, 3]))
    repeated.add(grads, np.array([1.0, 2.0, 4.0, 8.0]))
    assert grads[3] == 13.0 and grads[1] == 2.0 and grads.sum() == 15.0
    contiguous = Slots(np.array([[4, 5], [6, 7]]))
    view = contiguous.read(values)
    assert view.tolist() == [[4.0, 5.0], [6.0, 7.0]] and np.shares_memory(view, values)


def test_slots_listed_once_and_listed_several_times_add_the_same_as_one_by_one():
    rng = np.random.default_rng(0)
    for slots in (np.array([7, 2, 9, 4]), np.array([[5, 5], [1, 5]]), np.array([3, 4, 5, 6])):
        contributions = rng.normal(size=slots.shape)
        grads, expected = np.zeros(10), np.zeros(10)
        Slots(slots).add(grads, contributions)
        for slot, c in zip(slots.ravel().tolist(), contributions.ravel().tolist()):
            expected[slot] += c
        assert grads == pytest.approx(expected, rel=1e-15, abs=0)


def test_an_elementwise_group_and_a_sum_compute_and_send_back_as_the_engine_does():
    a, b = Value(2.0), Value(-3.0)
    y = a * b
    y.backward()
    values, grads = np.array([2.0, -3.0, 0.0]), np.zeros(3)
    group = Elementwise(MUL, slice(2, 3), [Slots(np.array([0])), Slots(np.array([1]))])
    group.forward(values)
    grads[2] = 1.0
    group.backward(values, grads)
    assert values[2] == y.data and grads[:2].tolist() == [a.grad, b.grad]
    values, grads = np.array([0.1, 0.2, 0.3, 0.0]), np.zeros(4)
    total = Sum(slice(3, 4), Slots(np.array([[0, 1, 2]])))
    total.forward(values)
    grads[3] = 2.0
    total.backward(values, grads)
    assert values[3] == 0.1 + 0.2 + 0.3 and grads[:3].tolist() == [2.0, 2.0, 2.0]
