import math
import threading

import pytest

from micrograd_ext import AnomalyError, Value, detect_anomaly, is_grad_enabled, no_grad


def test_no_grad_results_are_leaves_and_the_switch_is_restored():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3).tanh()
    assert is_grad_enabled()
    assert y._prev == () and y._op == '' and y.data == pytest.approx(math.tanh(6.0))
    z = x * 3
    assert z._prev == (x, z._prev[1])


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()
    assert (Value(1.0) * 2)._prev


def test_no_grad_is_thread_local():
    seen = {}

    def worker():
        seen['enabled'] = is_grad_enabled()
        seen['children'] = len((Value(1.0) + 1)._prev)

    with no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == {'enabled': True, 'children': 2}


def test_another_threads_no_grad_does_not_change_what_this_thread_records():
    from micrograd_ext.core import modes
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with no_grad(), detect_anomaly():
            seen['children'] = len((Value(1.0) + 1)._prev)
            inside.set()
            done.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(10)
    x = Value(math.inf)
    y = (x * 2 + 1).relu()  # recorded as usual here, and no anomaly raised for inf
    done.set()
    thread.join()
    assert seen == {'children': 0}
    assert len(y._prev) == 1 and y._prev[0]._op == '+' and y.data == math.inf
    assert modes.switched_threads == 0  # every thread is back: the engine's fast path is on again


def test_anomaly_in_the_forward_pass_names_op_inputs_and_place():
    a = Value(math.inf, label='a')
    with detect_anomaly():
        with pytest.raises(AnomalyError) as caught:
            a - math.inf
    message = str(caught.value)
    assert "'-' produced nan in the forward pass" in message
    assert 'a (= inf)' in message
    assert 'test_modes.py' in message and 'test_anomaly_in_the_forward_pass' in message


def test_anomaly_in_the_backward_pass_names_the_op_and_where_it_was_created():
    x = Value(0.0, label='x')
    with detect_anomaly():
        y = x.sqrt() * 2  # sqrt'(0) is infinite
        with pytest.raises(AnomalyError) as caught:
            y.backward()
    message = str(caught.value)
    assert "the backward pass of 'sqrt'" in message and 'x (= 0.0)' in message and 'inf' in message
    assert 'test_modes.py' in message


def test_without_anomaly_mode_the_same_graph_just_gives_inf():
    x = Value(0.0)
    y = x.sqrt() * 2
    y.backward()
    assert x.grad == math.inf


def test_anomaly_mode_leaves_finite_graphs_alone():
    with detect_anomaly():
        x = Value(0.5)
        y = (x * x).tanh()
        y.backward()
    assert x.grad == pytest.approx(2 * 0.5 * (1 - math.tanh(0.25) ** 2))
