"""The benchmark keeps working: a tiny run, as a subprocess, against micrograd and the microgpt peer
(no timing assertions); the microgpt peer computes the same gradients as micrograd_ext; W5's engines
(microgpt's training script on either Value, and its PyTorch twin) train alike."""
import importlib
import importlib.util
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
    assert set(rows) == expected | {('W4', 'micrograd_ext'), ('W4', 'compiled'), ('W4', 'micrograd'),
                                    ('W5', 'micrograd_ext'), ('W5', 'microgpt'), ('W5', 'compiled')}
    for (workload, engine), row in rows.items():
        assert row['seconds'] > 0 and row['ops'] > 0
        assert (row['bytes_per_op'] is None) == ((workload, engine) in {('W4', 'micrograd'), ('W5', 'compiled')})
    assert rows['W1', 'compiled']['record_seconds'] > 0 and rows['W1', 'micrograd']['record_seconds'] is None
    assert 'record (s)' in done.stdout and rows['W5', 'micrograd_ext']['record_seconds'] is None
    assert rows['W5', 'compiled']['record_seconds'] > 0
    assert rows['W5', 'micrograd_ext']['ops'] == rows['W5', 'microgpt']['ops'] > 20_000  # the peer's ops per step
    assert rows['W5', 'microgpt']['size'] == 2 and rows['W5', 'microgpt']['speedup_vs_microgpt'] == 1.0
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


W5_REFERENCE = {}  # microgpt's losses and weights, computed once for both engines compared with it


def w5_losses_and_weights(bench, engine: str):
    """The losses of three W5 steps (the worker's warm-up name and two timed ones) and the weights after them."""
    if engine in W5_REFERENCE:
        return W5_REFERENCE[engine]
    run = bench.gpt_prepare(engine, 2)
    assert len(run['params']) == 4192 and len(run['weights']['wte']) == 27 and len(run['documents']) == 3
    step = bench.GPT_ENGINES[engine][1](run)
    losses = [step(tokens) for tokens in run['documents']]
    if engine == 'torch_tensors':
        weights = [x for matrix in step.weights.values() for row in matrix.tolist() for x in row]
    elif engine == 'compiled':
        weights = [p.data for matrix in step.weights.values() for row in matrix for p in row]
    else:
        weights = [p.data for p in run['params']]
    if engine == 'microgpt':
        W5_REFERENCE[engine] = losses, weights
    return losses, weights


@pytest.mark.parametrize('engine', ['micrograd_ext', 'torch_tensors', 'compiled'])
def test_w5_engines_compute_microgpts_losses_and_weights(bench, engine):
    """The same first-step loss as the microgpt script to 1e-9, and (its Adam against torch.optim.Adam for
    torch_tensors) the same next two losses and the same weights after."""
    if engine == 'torch_tensors' and importlib.util.find_spec('torch') is None:
        assert os.environ.get('MICROGRAD_EXT_REQUIRE_TORCH') != '1', 'CI sets MICROGRAD_EXT_REQUIRE_TORCH=1'
        pytest.skip('PyTorch is not installed')
    modules = [sys.modules.get(name) for name in ('microgpt', 'microgpt_train')]
    losses, weights = w5_losses_and_weights(bench, 'microgpt')
    got_losses, got_weights = w5_losses_and_weights(bench, engine)
    assert 2.5 < losses[0] < 4.5  # about log(27) = 3.3 for a model that knows nothing yet
    assert math.isclose(got_losses[0], losses[0], rel_tol=1e-9)
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(got_losses, losses))
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got_weights, weights))
    assert weights != [p.data for p in bench.gpt_prepare('microgpt', 0)['params']]  # Adam did move them
    assert [sys.modules.get(name) for name in ('microgpt', 'microgpt_train')] == modules  # the loader cleans up


def test_w5_op_count_is_what_the_microgpt_peer_builds(bench, monkeypatch):
    """gpt_op_count (W5's ops column) counts the Values with children the peer creates for document_loss."""
    run = bench.gpt_prepare('microgpt', 0)
    Value, built = run['script'].Value, []
    init = Value.__init__

    def counting(self, data, children=(), local_grads=()):
        built.append(bool(children))
        init(self, data, children, local_grads)
    monkeypatch.setattr(Value, '__init__', counting)
    bos = 26
    for tokens in ([bos, 3, bos], run['documents'][0], [bos, *range(20), bos]):  # 2 positions, a name, 16 (capped)
        built.clear()
        bench.script_graph(run, tokens)
        assert sum(built) == bench.gpt_op_count(tokens)
    assert bench.gpt_op_count([bos, *range(6), bos]) == 54_342  # the module docstring's example
