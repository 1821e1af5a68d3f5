"""Benchmark micrograd_ext against micrograd 0.1.0, a microgpt-style Value (and PyTorch) in the same run.

    python benchmarks/run.py                 # full sizes, 5 repeats, writes benchmarks/latest.json
    python benchmarks/run.py --scale 0.01 --repeats 1 --json /tmp/smoke.json   # a quick smoke run

Workloads:
  W1  micrograd's demo training step: MLP(2, [16, 16, 1]) on 100 moons points, SVM loss + 1e-4 L2,
      forward, zero_grad, backward and an SGD update
  W2  a chain x -> x * 1.0001 + 0.0001 of 1,000,000 ops (depth 1,000,000)
  W3  the sum of 1,000,000 products, accumulated one product at a time
  W4  W1's step for MLP(2, [64, 64, 1]) on 1,000 moons points, to show how the cost grows
  W5  one training step of microgpt's GPT (benchmarks/peers/microgpt_train.py: vocab 27, block 16, n_embd 16,
      4 heads, 1 layer, 4,192 parameters): document_loss on one name, backward(), the script's Adam step.
      The names are the script's (made_up_names, shuffled with seed 42), every engine sees the same ones:
      a worker takes one untimed warm-up step on name 0, then times one step on each of names 1..SIZE
      (SIZE = 20 at full scale). time is the mean seconds per step; ops is the number of ops the microgpt
      peer builds for a name (gpt_op_count: 54,342 for a 6-letter name), averaged over the same names, so
      ops/s is the peer's ops over the total time. bytes/op is measured on name 0's graph (the forward
      pass) for the scalar engines, '-' for torch_tensors (PyTorch's storage is outside tracemalloc's view).
      PyTorch runs on one thread in W5 (torch.set_num_threads(1)), as the scalar engines do.

Engines: micrograd_ext (eager), compiled (micrograd_ext.compiled(): recorded once in the worker, then the
step is a replay), micrograd 0.1.0, microgpt, torch (0-dim float64 tensors, one per scalar) and
torch_tensors (the same MLP step written with float64 weight matrices: PyTorch as it is meant to be used).
W5 runs microgpt (the script as it is), micrograd_ext (the same script, its `from microgpt import Value`
answered by micrograd_ext), compiled (GPT.from_microgpt on the same weights, compiled(model.loss) given the
token ids, micrograd_ext's Adam on the arrays; every document length recorded once before the timed steps, its
'record (s)' the mean time to record one length) and torch_tensors (the same model, weights, loss and Adam in
float64 tensors); micrograd has no exp() or log(), so it cannot run W5. A W5 engine is an entry of GPT_ENGINES.

Every measurement runs in a fresh process; engines are interleaved and each result is the median of
the repeats. 'record (s)' (JSON: record_seconds) is the time to record a replay, '-' (None) for engines
that do not record. Memory is tracemalloc's current size after building the graph, divided by the op count,
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

WORKLOADS = ('W1', 'W2', 'W3', 'W4', 'W5')
ENGINES = ('micrograd_ext', 'compiled', 'micrograd', 'microgpt', 'torch', 'torch_tensors')
REFERENCES = ('micrograd', 'microgpt', 'torch_tensors')  # the engines that a 'vs' column compares with
RECURSIVE = ('micrograd', 'microgpt')  # engines whose backward() recurses once per node of the chain
FULL_SIZE = {'W1': 100, 'W2': 1_000_000, 'W3': 1_000_000, 'W4': 1_000, 'W5': 20}  # W5: timed steps (names)
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


# ---- W5: microgpt's training step, one name per step ----------------------------------------------------

GPT_SEED, GPT_TOTAL_STEPS = 42, 1000  # as microgpt_train.main(): random.seed(42), Adam over 1,000 steps


def microgpt_script(value_engine: str):
    """benchmarks/peers/microgpt_train.py, imported afresh, its ``from microgpt import Value`` giving the peer's
    Value ('microgpt') or micrograd_ext's ('micrograd_ext': the package stands in for the module). sys.path
    and sys.modules are left as they were, so one process can load the script for both engines (the tests)."""
    import importlib
    peers = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'peers')
    saved = {name: sys.modules.pop(name, None) for name in ('microgpt', 'microgpt_train')}
    sys.path.insert(0, peers)
    try:
        if value_engine == 'micrograd_ext':
            import micrograd_ext
            sys.modules['microgpt'] = micrograd_ext  # the one line a user changes, made from outside
        return importlib.import_module('microgpt_train')
    finally:
        sys.path.remove(peers)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def gpt_prepare(engine: str, size: int) -> dict:
    """What microgpt_train.main() sets up (seed, shuffled names, characters, make_weights), on the Value of
    GPT_ENGINES[engine], and the token lists of the first size + 1 names (name 0 is the warm-up step)."""
    import random
    script = microgpt_script(GPT_ENGINES[engine][0])
    random.seed(GPT_SEED)
    names = script.load_names()
    random.shuffle(names)
    chars = sorted(set(''.join(names)))
    bos = len(chars)
    weights = script.make_weights(len(chars) + 1)
    params = [p for rows in weights.values() for row in rows for p in row]
    return {'script': script, 'weights': weights, 'params': params,
            'documents': [[bos] + [chars.index(c) for c in name] + [bos] for name in names[:size + 1]]}


def gpt_op_count(tokens: list[int], vocab_size: int = 27) -> int:
    """The ops (Values with children) the microgpt peer builds for document_loss on ``tokens``: W5's unit. Every
    op the forward pass runs counts, also the 26 probabilities per position that the loss does not use (the graph
    that backward() walks has 52 nodes fewer per position). ``a - b`` and ``a / b`` are two ops in the peer,
    ``x / 16`` one (16 ** -1 is a float); sum() of k Values is k ops; rmsnorm raises to -0.5 once."""
    n_embd, n_head, block_size, mlp = 16, 4, 16, 64
    head_dim = n_embd // n_head
    rmsnorm = 3 * n_embd + 3  # the squares and their sum, / n, + eps, ** -0.5, then * scale per element
    per_position = (n_embd + 2 * rmsnorm + 3 * 2 * n_embd * n_embd  # embeddings, two rmsnorms, q, k, v
                    + 2 * n_embd * n_embd + n_embd + rmsnorm + 2 * mlp * n_embd + mlp + 2 * n_embd * mlp + n_embd
                    + 2 * n_embd * vocab_size + 5 * vocab_size + 2)  # head, softmax (- top, exp, sum, / total), -log
    per_key = n_head * (2 * head_dim + 1 + 5 + 2 * head_dim)  # a score, its softmax share, its part of the heads
    n = min(block_size, len(tokens) - 1)
    return sum(per_position + per_key * (pos + 1) for pos in range(n)) + n + 1  # + the sum and (1 / n) *


def script_step(run: dict):
    """The script's own step (microgpt, micrograd_ext): document_loss, backward(), its Adam."""
    script, weights = run['script'], run['weights']
    adam = script.Adam(run['params'], total_steps=GPT_TOTAL_STEPS)

    def step(tokens):
        loss = script.document_loss(weights, tokens)
        loss.backward()
        adam.step()
        return loss.data
    return step


def script_graph(run: dict, tokens: list[int]):
    """What the memory worker measures for the scalar engines: the graph of document_loss (before backward)."""
    return run['script'].document_loss(run['weights'], tokens)


def tensor_gpt_step(run: dict):
    """The same GPT and step as a PyTorch user writes them: float64 weight matrices copied from the Values,
    causal multi-head attention with a mask, cross-entropy, torch.optim.Adam with microgpt's betas, eps and
    linearly decaying learning rate (the same update as the script's Adam, up to rounding)."""
    import torch
    import torch.nn.functional as F
    script = run['script']
    w = {name: torch.tensor([[p.data for p in row] for row in rows], dtype=torch.float64, requires_grad=True)
         for name, rows in run['weights'].items()}
    optimizer = torch.optim.Adam(w.values(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1 - t / GPT_TOTAL_STEPS)
    n_embd, n_head, block_size = script.n_embd, script.n_head, script.block_size
    head_dim = n_embd // n_head
    causal = torch.ones(block_size, block_size, dtype=torch.bool).tril()

    def rmsnorm(x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)

    def step(tokens):
        n = min(block_size, len(tokens) - 1)
        ids = torch.tensor(tokens[:n + 1])
        x = rmsnorm(w['wte'][ids[:-1]] + w['wpe'][:n])
        for i in range(script.n_layer):
            q, k, v = ((rmsnorm(x) @ w[f'layer{i}.attn_w{c}'].T).view(n, n_head, head_dim).transpose(0, 1)
                       for c in 'qkv')
            scores = (q @ k.transpose(1, 2)) / head_dim ** 0.5
            attention = scores.masked_fill(~causal[:n, :n], float('-inf')).softmax(-1)
            x = x + (attention @ v).transpose(0, 1).reshape(n, n_embd) @ w[f'layer{i}.attn_wo'].T
            x = x + torch.relu(rmsnorm(x) @ w[f'layer{i}.mlp_fc1'].T) @ w[f'layer{i}.mlp_fc2'].T
        loss = F.cross_entropy(x @ w['lm_head'].T, ids[1:])
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        return loss.item()
    step.weights = w  # for the tests
    return step


def compiled_gpt_step(run: dict):
    """The same GPT with this library's pieces: GPT.from_microgpt (the script's initial weights), a compiled step
    taking the token ids, optim.Adam with microgpt's betas, eps and linear decay. Each document length is recorded
    once, before the timed steps (at most block_size recordings in a run): run['record_seconds'] is the mean time
    to record one length, and a timed step is a replay, the arrays' Adam update included."""
    from micrograd_ext import compiled
    from micrograd_ext.learn.optim import Adam
    from micrograd_ext.learn.gpt_config import weight_matrices
    from micrograd_ext.learn.transformer import GPT
    model = GPT.from_microgpt(run['weights'], n_head=run['script'].n_head)
    replay = compiled(model.loss, max_recordings=run['script'].block_size)
    optimizer = Adam(model.parameters(), lr=lambda t: 0.01 * (1 - t / GPT_TOTAL_STEPS), betas=(0.85, 0.99), eps=1e-8)
    block_size = run['script'].block_size

    def step(tokens):
        n = min(block_size, len(tokens) - 1)
        loss = replay(tokens[:n], tokens[1:n + 1])
        optimizer.zero_grad()
        replay.backward()
        optimizer.step()
        return loss

    lengths = {min(block_size, len(tokens) - 1): tokens for tokens in run['documents']}
    start = time.perf_counter()
    for n, tokens in lengths.items():
        replay(tokens[:n], tokens[1:n + 1])
    run['record_seconds'] = (time.perf_counter() - start) / len(lengths)
    step.weights = dict(weight_matrices(model))  # for the tests: microgpt's matrices, in its order
    return step


# W5's engines: the Value the script imports (make_weights draws the initial weights with it), a function of
# the prepared run that returns the engine's step(tokens) -> loss (it may set run['record_seconds']), and
# the graph the memory worker measures (None: not measured, '-'). Adding an engine is adding a line here.
GPT_ENGINES = {
    'micrograd_ext': ('micrograd_ext', script_step, script_graph),
    'microgpt': ('microgpt', script_step, script_graph),
    'torch_tensors': ('micrograd_ext', tensor_gpt_step, None),
    'compiled': ('micrograd_ext', compiled_gpt_step, None),
}


def gpt_worker(engine: str, size: int, measure: str) -> dict:
    run = gpt_prepare(engine, size)
    first = run['documents'][0]
    if measure == 'memory':
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        run['graph'] = GPT_ENGINES[engine][2](run, first)  # alive while the size is read
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        ops = gpt_op_count(first, len(run['weights']['wte']))
        return {'bytes_per_op': (after - before) / ops, 'ops': ops}
    step = GPT_ENGINES[engine][1](run)
    # PyTorch on one thread, as the scalar engines: intra-op threads do not help tensors of at most 64 x 16, and
    # waiting for a busy second core made its steps take 12 to 260 ms instead of 4 on a shared 2-core machine
    if 'torch' in sys.modules:
        sys.modules['torch'].set_num_threads(1)
    step(first)  # warm-up
    seconds = []
    for tokens in run['documents'][1:]:
        start = time.perf_counter()
        step(tokens)
        seconds.append(time.perf_counter() - start)
    ops = [gpt_op_count(tokens, len(run['weights']['wte'])) for tokens in run['documents'][1:]]
    return {'seconds': statistics.mean(seconds), 'ops': round(statistics.mean(ops)), 'step_seconds': seconds,
            'record_seconds': run.get('record_seconds')}


def worker(engine: str, workload: str, size: int, measure: str) -> dict:
    if workload == 'W5':
        return gpt_worker(engine, size, measure)
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
            hint = {'micrograd': "pip install 'micrograd-ext[bench]'", 'torch': 'pip install torch',
                    'torch_tensors': 'pip install torch'}.get(engine, 'pip install micrograd-ext')
            print(f"note: {engine} is not installed, so it is left out ({hint})", file=sys.stderr)
    return found


def benchmark(engines: list[str], workloads: list[str], scale: float, repeats: int) -> dict:
    sizes = {w: max(2, int(FULL_SIZE[w] * scale)) for w in workloads}
    runs = {w: [e for e in engines if runs_on(e, w)] for w in workloads}
    times = {(e, w): [] for w in workloads for e in runs[w]}
    memory = {}
    for w in workloads:
        for e in runs[w]:
            unmeasured = (w, e) in SLOW or (w == 'W5' and GPT_ENGINES[e][2] is None)
            memory[e, w] = {'bytes_per_op': None} if unmeasured else run_worker(e, w, sizes[w], 'memory')
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


def runs_on(engine: str, workload: str) -> bool:
    if workload == 'W5':
        return engine in GPT_ENGINES
    if workload == 'W4':
        return engine in W4_ENGINES
    return workload in LAYERS or engine not in TRAINING_ONLY


def import_time() -> float:
    """Seconds to import micrograd_ext in a fresh interpreter (median of 5)."""
    code = 'import time; t = time.perf_counter(); import micrograd_ext; print(time.perf_counter() - t)'
    runs = [float(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return statistics.median(runs)


def table(report: dict) -> str:
    lines = [f"{'workload':<9}{'engine':<15}{'ops':>10}{'time (s)':>11}{'ops/s':>12}{'bytes/op':>10}"
             + ''.join(f"{'vs ' + ref:>18}" for ref in REFERENCES) + f"{'record (s)':>12}"]
    for r in report['results']:
        ratios = [ratio_text(r[f'speedup_vs_{ref}']) for ref in REFERENCES]
        record = '-' if r.get('record_seconds') is None else f"{r['record_seconds']:.3f}"
        lines.append(f"{r['workload']:<9}{r['engine']:<15}{r['ops']:>10}{r['seconds']:>11.4f}"
                     f"{r['ops_per_second']:>12,.0f}{memory_column(r['bytes_per_op']):>10}"
                     + ''.join(f"{ratio:>18}" for ratio in ratios) + f"{record:>12}")
    lines.append(f"import micrograd_ext: {report['import_seconds']:.3f} s; median of {report['repeats']} "
                 f"fresh-process runs; Python {report['python']}"
                 + ("; W5: mean seconds and ops per step" if any(r['workload'] == 'W5' for r in report['results'])
                    else ''))
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
