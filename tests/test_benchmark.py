"""The benchmark keeps working: a tiny run, as a subprocess, against micrograd and the microgpt peer
(no timing assertions); and the microgpt peer computes the same gradients as micrograd_ext."""
import importlib
import json
import math
import os
import subprocess
import sys

import pytest

from micrograd_ext.core.engine import Value

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINES = ('micrograd_ext', 'compiled', 'micrograd', 'microgpt')


@pytest.fixture
def bench(monkeypatch):
    """benchmarks/run.py imported as a module (its folder on sys.path, as when it runs as a script)."""
    monkeypatch.syspath_prepend(os.path.join(ROOT, 'benchmarks'))
    return importlib.import_module('run')


def test_benchmark_runs_at_tiny_sizes_and_writes_json(tmp_path):
    out = tmp_path / 'bench.json'
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--scale', '0.0005',
                           '--repeats', '1', '--engines', *ENGINES, '--json', str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert 'vs micrograd' in done.stdout and 'vs microgpt' in done.stdout and 'import micrograd_ext' in done.stdout
    report = json.loads(out.read_text())
    rows = {(r['workload'], r['engine']): r for r in report['results']}
    expected = {('W1', e) for e in ENGINES} | {(w, e) for w in ('W2', 'W3') for e in ENGINES if e != 'compiled'}
    assert set(rows) == expected | {('W4', 'micrograd_ext'), ('W4', 'compiled'), ('W4', 'micrograd')}
    for (workload, engine), row in rows.items():
        assert row['seconds'] > 0 and row['ops'] > 0
        assert (row['bytes_per_op'] is None) == ((workload, engine) == ('W4', 'micrograd'))  # timed once, no memory
    assert rows['W1', 'compiled']['record_seconds'] > 0 and rows['W1', 'micrograd']['record_seconds'] is None
    assert rows['W2', 'micrograd']['speedup_vs_micrograd'] == 1.0
    assert rows['W2', 'microgpt']['speedup_vs_microgpt'] == 1.0
    assert rows['W1', 'micrograd_ext']['ops'] == rows['W1', 'micrograd']['ops'] == rows['W1', 'microgpt']['ops']


def test_microgpt_peer_gradients_equal_micrograd_exts(bench):
    PeerValue = bench.load_engine('microgpt')[0]

    def grads(V):
        a, b, c = V(1.5), V(-0.75), V(2.0)
        out = ((a * b + c) ** 2 / (1 - a) - (b.relu() + (-c).relu() + (a * c).relu())
               + (a * a).log() * c.exp() + 3 / c - 2 * a + 0.5)
        out.backward()
        return [out.data, a.grad, b.grad, c.grad]

    assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(grads(PeerValue), grads(Value)))


def test_microgpt_peer_runs_micrograds_w1_step(bench):
    """Same seed, same MLP and loss as the micrograd worker: the same loss and parameter gradients."""
    def loss_and_grads(engine):
        state = bench.prepare('W1', engine, 4)
        out, _ = bench.build('W1', engine, 4, state)
        state['model'].zero_grad()
        out.backward()
        return [out.data] + [p.grad for p in state['model'].parameters()]

    got, expected = loss_and_grads('microgpt'), loss_and_grads('micrograd')
    assert len(got) == len(expected) and any(expected[1:])
    assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(got, expected))


def test_benchmark_refuses_bad_arguments():
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--scale', '2'],
                          capture_output=True, text=True)
    assert done.returncode == 2 and '--scale must be in (0, 1]' in done.stderr


@pytest.mark.parametrize('engine', ['compiled', 'torch_tensors'])
def test_the_replay_and_the_tensor_step_train_as_micrograd_does(bench, engine):
    """Three W1 steps (4 points): the same loss every step and the same weights after, as micrograd's."""
    if engine == 'torch_tensors':
        pytest.importorskip('torch')

    def losses_and_weights(name):
        state = bench.prepare('W1', name, 4)
        losses = []
        for _ in range(3):
            if name == 'torch_tensors':
                losses.append(bench.tensor_step(state).item())
            else:
                out, _ = bench.build('W1', name, 4, state)
                losses.append(out.data)
                bench.step('W1', name, 4, state)  # a replay step when name == 'compiled'
        if name == 'torch_tensors':
            layers = [m for m in state['net'] if hasattr(m, 'weight')]
            weights = [x for m in layers for row, bias in zip(m.weight.tolist(), m.bias.tolist()) for x in [*row, bias]]
        else:
            weights = [p.data for layer in state['model'].layers for n in layer.neurons for p in [*n.w, n.b]]
        return losses, weights

    (got_losses, got_weights), (losses, weights) = losses_and_weights(engine), losses_and_weights('micrograd')
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got_losses, losses))
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got_weights, weights))
