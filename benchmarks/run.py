"""Benchmark micrograd_ext against micrograd 0.1.0, a microgpt-style Value (and PyTorch) in the same run.

    python benchmarks/run.py                 # full sizes, 5 repeats, writes benchmarks/latest.json
    python benchmarks/run.py --scale 0.01 --repeats 1 --json /tmp/smoke.json   # a quick smoke run

Workloads:
  W1  micrograd's demo training step: MLP(2, [16, 16, 1]) on 100 moons points, SVM loss + 1e-4 L2,
      forward, zero_grad, backward and an SGD update
  W2  a chain x -> x * 1.0001 + 0.0001 of 1,000,000 ops (depth 1,000,000)
  W3  the sum of 1,000,000 products, accumulated one product at a time
  W4  W1's step for MLP(2, [64, 64, 1]) on 1,000 moons points, to show how the cost grows

Engines: micrograd_ext (eager), compiled (micrograd_ext.compiled(): recorded once in the worker, then the
step is a replay), micrograd 0.1.0, microgpt, torch (0-dim float64 tensors, one per scalar) and
torch_tensors (the same MLP step written with float64 weight matrices: PyTorch as it is meant to be used).

Every measurement runs in a fresh process; engines are interleaved and each result is the median of
the repeats. Memory is tracemalloc's current size after building the graph, divided by the op count,
measured in separate processes (tracemalloc slows everything down). micrograd and microgpt
(benchmarks/peers/microgpt.py) sort their graphs recursively, so their workers raise the recursion
limit for W2 and W3.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

WORKLOADS = ('W1', 'W2', 'W3', 'W4')
ENGINES = ('micrograd_ext', 'compiled', 'micrograd', 'microgpt', 'torch', 'torch_tensors')
REFERENCES = ('micrograd', 'microgpt', 'torch_tensors')  # the engines that a 'vs' column compares with
RECURSIVE = ('micrograd', 'microgpt')  # engines whose backward() recurses once per node of the chain
FULL_SIZE = {'W1': 100, 'W2': 1_000_000, 'W3': 1_000_000, 'W4': 1_000}
LAYERS = {'W1': [16, 16, 1], 'W4': [64, 64, 1]}  # the training workloads: MLP(2, LAYERS[w]) on moons
TRAINING_ONLY = ('compiled', 'torch_tensors')  # engines that run a training step, not W2's chain or W3's sum
W4_ENGINES = ('micrograd_ext', 'compiled', 'micrograd', 'torch_tensors')
SLOW = {('W4', 'micrograd')}  # about two minutes a step: timed once, without warm-up, memory not measured


# ---- engines: a Value type, an MLP type, and how to zero grads / apply SGD ---------------------------

def load_engine(name: str):
    if name == 'micrograd_ext':
        from micrograd_ext.engine import Value
        from micrograd_ext.nn import MLP
        return Value, MLP
    if name == 'micrograd':
        from micrograd.engine import Value
        from micrograd.nn import MLP
        return Value, MLP
    if name == 'microgpt':
        from peers.microgpt import Value
        return Value, mlp_class(Value, zero=0)
    return torch_engine()


def torch_engine():
    """PyTorch with 0-dim float64 tensors, shaped like micrograd's Value and MLP."""
    import torch

    def Value(x):
        return torch.tensor(float(x), dtype=torch.float64)

    return Value, mlp_class(lambda x: Value(x).requires_grad_(), zero=None)


def mlp_class(parameter, zero):
    """micrograd's MLP (same layers, initialisation and ops) on another engine's parameter(x) and grad zero."""
    import random

    class Neuron:
        def __init__(self, nin, nonlin=True):
            self.w = [parameter(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = parameter(0.0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

        def parameters(self):
            return self.w + [self.b]

    class MLP:
        def __init__(self, nin, nouts):
            sizes = [nin] + nouts
            self.layers = [[Neuron(sizes[i], nonlin=i != len(nouts) - 1) for _ in range(sizes[i + 1])]
                           for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = [n(x) for n in layer]
            return x[0] if len(x) == 1 else x

        def parameters(self):
            return [p for layer in self.layers for n in layer for p in n.parameters()]

        def zero_grad(self):
            for p in self.parameters():
                p.grad = zero

    return MLP


# ---- workloads: build the graph (returns the output and its op count), then step() finishes it ------

def build(workload: str, engine: str, size: int, state: dict):
    Value = state['Value']
    if workload in LAYERS:
        return demo_loss(state, [[Value(x) for x in row] for row in state['X']]), state['ops']
    if workload == 'W2':
        y = state['x']
        for _ in range(size // 2):
            y = y * 1.0001 + 0.0001
        return y, size
    total = Value(0.0)
    for a, b in zip(state['a'], state['b']):
        total = total + a * b
    return total, 2 * size


def demo_loss(state: dict, inputs):
    """micrograd's demo loss, as its notebook writes it: SVM max-margin on the scores plus 1e-4 L2."""
    scores = [state['model'](x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(state['y'], scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = 1e-4 * sum(p * p for p in state['model'].parameters())
    return data_loss + reg


def prepare(workload: str, engine: str, size: int) -> dict:
    import random

    import numpy as np

    from micrograd_ext.datasets import make_moons
    Value, MLP = load_engine('micrograd_ext' if engine in TRAINING_ONLY else engine)
    if engine == 'torch':
        grad_value = lambda x: Value(x).requires_grad_()  # noqa: E731
    else:
        grad_value = Value
    state = {'Value': Value, 'MLP': MLP}
    if workload in LAYERS:
        random.seed(1337)
        X, y = make_moons(size, noise=0.1, seed=1337)
        state.update(X=X.tolist(), y=(y * 2 - 1).tolist(), model=MLP(2, LAYERS[workload]))
        state['ops'] = micrograd_op_count(size, LAYERS[workload])
        if engine == 'compiled':
            from micrograd_ext import compiled
            start = time.perf_counter()
            state['replay'] = compiled(lambda points: demo_loss(state, points), state['X'])
            state['record_seconds'] = time.perf_counter() - start
        elif engine == 'torch_tensors':
            state.update(tensor_state(state))
    elif workload == 'W2':
        state['x'] = grad_value(1.0)
    else:
        rng = np.random.default_rng(0)
        state['a'] = [grad_value(v) for v in rng.uniform(-1, 1, size).tolist()]
        state['b'] = [Value(v) for v in rng.uniform(-1, 1, size).tolist()]
    if engine in RECURSIVE:  # W4's L2 term alone is a chain of 8,800 ops
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * size + 20_000))
    return state


def tensor_state(state: dict) -> dict:
    """The demo MLP (the same weights as the scalar engines') as a torch.nn.Sequential of float64 layers."""
    import torch
    return {'net': state['model'].to_torch(), 'X_tensor': torch.tensor(state['X'], dtype=torch.float64),
            'y_tensor': torch.tensor(state['y'], dtype=torch.float64)}


def tensor_step(state: dict):
    """W1's step with tensors: the same loss (sum of the margins times 1/n, plus 1e-4 L2) and SGD update."""
    import torch
    params = list(state['net'].parameters())
    margins = (1 + -state['y_tensor'] * state['net'](state['X_tensor'])[:, 0]).relu()
    total = margins.sum() * (1.0 / len(margins)) + 1e-4 * sum((p * p).sum() for p in params)
    for p in params:
        p.grad = None
    total.backward()
    with torch.no_grad():
        for p in params:
            p -= 0.5 * p.grad
    return total


def micrograd_op_count(n_points: int, layers: list[int]) -> int:
    """Scalar ops of one training step as micrograd writes it (its graph's interior nodes): the unit for ops/s."""
    sizes = [2, *layers]
    per_point = sum(n * (2 * nin + 1) for nin, n in zip(sizes, sizes[1:])) - layers[-1]  # mul+add, relu; last linear
    per_point += 3  # the margin: -y * s, 1 + ..., relu
    params = sum(n * (nin + 1) for nin, n in zip(sizes, sizes[1:]))
    return n_points * per_point + (n_points - 1) + 1 + 2 * params + 2


def step(workload: str, engine: str, size: int, state: dict) -> tuple[float, int]:
    """One timed run: build the graph (or replay it), zero grads, backward, and (W1, W4) the SGD update."""
    start = time.perf_counter()
    if engine == 'torch_tensors':
        tensor_step(state)
        return time.perf_counter() - start, state['ops']
    if engine == 'compiled':
        state['replay'](state['X'])
        state['model'].zero_grad()
        state['replay'].backward()
        ops = state['ops']
    else:
        out, ops = build(workload, engine, size, state)
        if workload in LAYERS:
            state['model'].zero_grad()
        out.backward()
    if workload in LAYERS:
        params = state['model'].parameters()
        if engine == 'torch':
            import torch
            with torch.no_grad():
                for p in params:
                    p -= 0.5 * p.grad
        else:
            for p in params:
                p.data -= 0.5 * p.grad
    return time.perf_counter() - start, ops


def worker(engine: str, workload: str, size: int, measure: str) -> dict:
    state = prepare(workload, engine, size)
    if measure == 'memory':
        state.pop('replay', None)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        if engine == 'compiled':  # what the replay keeps: its slots, index arrays and captured Values
            from micrograd_ext import compiled
            kept, ops = compiled(lambda points: demo_loss(state, points), state['X']), state['ops']
        elif engine == 'torch_tensors':
            kept, ops = tensor_step(state), state['ops']
        else:
            kept, ops = build(workload, engine, size, state)
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return {'bytes_per_op': (after - before) / ops, 'ops': ops}
    if workload in LAYERS and (workload, engine) not in SLOW:
        step(workload, engine, size, state)  # warm-up: the first step also creates every grad
    seconds, ops = step(workload, engine, size, state)
    return {'seconds': seconds, 'ops': ops, 'record_seconds': state.get('record_seconds')}


# ---- the driver ---------------------------------------------------------------------------------------

def run_worker(engine: str, workload: str, size: int, measure: str) -> dict:
    command = [sys.executable, os.path.abspath(__file__), '--worker', engine, workload, str(size), measure]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} {workload} ({measure}) failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def available_engines(requested: list[str]) -> list[str]:
    found = []
    for engine in requested:
        module = {'microgpt': 'peers.microgpt', 'compiled': 'micrograd_ext', 'torch_tensors': 'torch'}.get(engine, engine)
        probe = subprocess.run([sys.executable, '-c', f'import {module}'], capture_output=True,
                               cwd=os.path.dirname(os.path.abspath(__file__)))
        if probe.returncode == 0:
            found.append(engine)
        else:
            print(f"note: {engine} is not installed, so it is left out (pip install '.[bench]')", file=sys.stderr)
    return found


def benchmark(engines: list[str], workloads: list[str], scale: float, repeats: int) -> dict:
    sizes = {w: max(2, int(FULL_SIZE[w] * scale)) for w in workloads}
    runs = {w: [e for e in engines if (w in LAYERS or e not in TRAINING_ONLY) and (w != 'W4' or e in W4_ENGINES)]
            for w in workloads}
    times = {(e, w): [] for w in workloads for e in runs[w]}
    memory = {}
    for w in workloads:
        for e in runs[w]:
            memory[e, w] = {'bytes_per_op': None} if (w, e) in SLOW else run_worker(e, w, sizes[w], 'memory')
        for repeat in range(repeats):  # interleaved: each repeat runs every engine once, in fresh processes
            for e in runs[w]:
                if not (repeat and (w, e) in SLOW):
                    times[e, w].append(run_worker(e, w, sizes[w], 'time'))
    results = []
    for w in workloads:
        median = {e: statistics.median(r['seconds'] for r in times[e, w]) for e in runs[w]}
        for e in runs[w]:
            seconds, ops = median[e], times[e, w][0]['ops']
            results.append({'workload': w, 'engine': e, 'size': sizes[w], 'ops': ops, 'seconds': seconds,
                            'ops_per_second': ops / seconds, 'bytes_per_op': memory[e, w]['bytes_per_op'],
                            **{f'speedup_vs_{ref}': median[ref] / seconds if ref in median else None
                               for ref in REFERENCES},
                            'runs': [r['seconds'] for r in times[e, w]],
                            'record_seconds': times[e, w][0].get('record_seconds')})
    return {'python': platform.python_version(), 'machine': platform.machine(), 'repeats': repeats,
            'scale': scale, 'date': time.strftime('%Y-%m-%d'), 'import_seconds': import_time(),
            'results': results}


def import_time() -> float:
    """Seconds to import micrograd_ext in a fresh interpreter (median of 5)."""
    code = 'import time; t = time.perf_counter(); import micrograd_ext; print(time.perf_counter() - t)'
    runs = [float(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return statistics.median(runs)


def table(report: dict) -> str:
    lines = [f"{'workload':<9}{'engine':<15}{'ops':>10}{'time (s)':>11}{'ops/s':>12}{'bytes/op':>10}"
             + ''.join(f"{'vs ' + ref:>18}" for ref in REFERENCES)]
    for r in report['results']:
        ratios = [ratio_text(r[f'speedup_vs_{ref}']) for ref in REFERENCES]
        lines.append(f"{r['workload']:<9}{r['engine']:<15}{r['ops']:>10}{r['seconds']:>11.4f}"
                     f"{r['ops_per_second']:>12,.0f}{memory_column(r['bytes_per_op']):>10}"
                     + ''.join(f"{ratio:>18}" for ratio in ratios))
    lines.append(f"import micrograd_ext: {report['import_seconds']:.3f} s; median of {report['repeats']} "
                 f"fresh-process runs; Python {report['python']}")
    return '\n'.join(lines)


def ratio_text(ratio: float | None) -> str:
    """'33.6x', or two significant digits below 1 ('0.0036x'); '-' when the reference did not run."""
    if not ratio:
        return '-'
    return f'{ratio:.1f}x' if ratio >= 1 else f'{ratio:.2g}x'


def memory_column(bytes_per_op: float | None) -> str:
    return '-' if bytes_per_op is None else f'{bytes_per_op:.0f}'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--engines', nargs='+', default=list(ENGINES), choices=ENGINES)
    parser.add_argument('--workloads', nargs='+', default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument('--scale', type=float, default=1.0, help='fraction of the full sizes (default 1)')
    parser.add_argument('--repeats', type=int, default=5, help='fresh-process runs per measurement (default 5)')
    parser.add_argument('--json', default=os.path.join(os.path.dirname(__file__), 'latest.json'))
    parser.add_argument('--worker', nargs=4, metavar=('ENGINE', 'WORKLOAD', 'SIZE', 'MEASURE'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, workload, size, measure = args.worker
        print(json.dumps(worker(engine, workload, int(size), measure)))
        return 0
    if not 0 < args.scale <= 1 or args.repeats < 1:
        parser.error('--scale must be in (0, 1] and --repeats at least 1')
    report = benchmark(available_engines(args.engines), args.workloads, args.scale, args.repeats)
    print(table(report))
    with open(args.json, 'w') as f:
        json.dump(report, f, indent=1)
    print(f"wrote {args.json}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
