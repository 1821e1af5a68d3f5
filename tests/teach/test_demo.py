"""The demo (teach/demo.py): the seed article's neuron by hand and by the engine, its gradients checked."""
import math
import os

import pytest

from micrograd_ext import Value
from micrograd_ext.core.finite_differences import GradcheckError
from micrograd_ext.teach import demo
from micrograd_ext.teach.demo import INPUTS, neuron, run_demo, seed_neuron

Z = 0.5 * 2 + (-1.0) * 3 + 0.2


def test_the_seed_neuron_is_labelled_and_its_weights_are_parameters():
    nodes, y = seed_neuron()
    assert sorted(nodes) == sorted([*INPUTS, 'z'])
    assert all(nodes[name].label == name and nodes[name].data == number for name, number in INPUTS.items())
    assert {name: nodes[name].is_parameter for name in INPUTS} == {name: not name.startswith('x') for name in INPUTS}
    assert (nodes['z'].label, y.label) == ('z', 'y') and y._prev == (nodes['z'],)
    assert nodes['z'].data == pytest.approx(-1.8, abs=1e-15) and y.data == pytest.approx(math.tanh(Z), rel=1e-15)


def test_the_neurons_gradients_are_the_chain_rule_by_hand():
    nodes, y = seed_neuron()
    y.backward()
    dz = 1 - math.tanh(Z) ** 2
    expected = {'x1': 0.5 * dz, 'x2': -1.0 * dz, 'w1': 2.0 * dz, 'w2': 3.0 * dz, 'b': dz, 'z': dz}
    assert {name: node.grad for name, node in nodes.items()} == pytest.approx(expected, rel=1e-12)


def test_neuron_builds_the_same_graph_on_any_inputs():
    x1, x2, w1, w2, b = (Value(v) for v in (1.0, -1.0, 2.0, 0.5, 0.0))
    y = neuron(x1, x2, w1, w2, b)
    assert y.data == pytest.approx(math.tanh(1.5), rel=1e-15) and y._prev[0].label == 'z'


def test_the_demo_prints_the_forward_pass_the_table_and_the_check():
    lines = []
    assert run_demo(None, lines.append) is True
    text = '\n'.join(lines)
    assert 'z = 0.5*2 + (-1.0)*3 + 0.2 = -1.8' in text
    assert 'ReLU(z) = 0   sigmoid(z) = 0.142   tanh(z) = -0.947' in text
    assert 'dy/dw1 = x1 * (1 - tanh(z)^2) = 0.2071' in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.startswith(('w1 ', 'b ', 'y '))}
    assert rows == {'w1': ['0.5000', '0.2071'], 'b': ['0.2000', '0.1036'], 'y': ['tanh', 'z', '-0.9468', '1.0000']}
    assert lines[-1].endswith('gradcheck: OK, backprop matches NumPy central finite differences for all 5 inputs')
    assert 'drawn in' not in text


def test_the_demo_draws_to_the_folder_it_runs_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = []
    assert run_demo(out=lines.append) is True
    picture = tmp_path / 'seed_neuron.svg'
    assert lines[-1] == f'\nThe graph with every data and grad is drawn in {picture}'
    svg = picture.read_text()
    assert '<svg' in svg and 'w1' in svg and 'tanh' in svg


def test_a_picture_that_cannot_be_written_is_only_a_note(tmp_path):
    lines = []
    assert run_demo(str(tmp_path / 'missing' / 'n.svg'), lines.append) is True
    assert lines[-1].startswith('\n(no picture: ') and not os.path.exists(tmp_path / 'missing')


def test_a_failed_gradient_check_fails_the_demo_and_draws_nothing(tmp_path, monkeypatch):
    def failing(fn, inputs):
        raise GradcheckError('w1: backprop 0.2071, finite differences 0.3')
    monkeypatch.setattr(demo, 'gradcheck', failing)
    lines = []
    assert run_demo(str(tmp_path / 'n.svg'), lines.append) is False
    assert lines[-1] == '\ngradcheck: FAILED\nw1: backprop 0.2071, finite differences 0.3'
    assert os.listdir(tmp_path) == []
