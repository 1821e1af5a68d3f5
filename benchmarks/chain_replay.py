"""A chain replayed: W2's x -> x * 1.0001 + 0.0001 (1,000,000 ops), built eagerly against compiled()'s replay,
which runs such a long narrow graph as a flat loop (no NumPy groups: each op needs the previous one).

    python benchmarks/chain_replay.py                        # 1,000,000 ops, the median of 5 of each phase
    python benchmarks/chain_replay.py --ops 100000 --repeats 3

In one process it times four phases: eager forward (building the graph of Values), eager backward, and, after
recording once, the replay's forward and its backward; then prints each phase's median and the ratios of eager
to replay for the forward pass and for forward plus backward.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, if not installed

from micrograd_ext import Value, compiled  # noqa: E402


def chain(x, steps: int):
    for _ in range(steps):
        x = x * 1.0001 + 0.0001
    return x


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure(ops: int, repeats: int) -> dict[str, float]:
    steps = ops // 2  # two ops a step, as in W2
    times: dict[str, list[float]] = {'eager forward': [], 'eager backward': [], 'replay forward': [],
                                     'replay backward': []}
    x = Value(1.0)  # the leaf the gradient reaches, captured by the replay as a model's parameter is
    replay = compiled(lambda scale: chain(x * scale, steps), 1.0)
    for _ in range(repeats):
        x.grad = 0.0
        seconds, y = timed(lambda: chain(x * 1.0, steps))
        times['eager forward'].append(seconds)
        times['eager backward'].append(timed(y.backward)[0])
        eager = (y.data, x.grad)
        del y
        gc.collect()
        x.grad = 0.0
        seconds, value = timed(lambda: replay(1.0))
        times['replay forward'].append(seconds)
        times['replay backward'].append(timed(replay.backward)[0])
        assert (value, x.grad) == eager, ((value, x.grad), eager)  # the same numbers
    return {phase: statistics.median(found) for phase, found in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--ops', type=int, default=1_000_000, help='ops in the chain (default: 1,000,000, as W2)')
    parser.add_argument('--repeats', type=int, default=5, help='runs of each phase; the median is shown')
    args = parser.parse_args(argv)
    median = measure(args.ops, args.repeats)
    print(f"a chain of {args.ops:,} ops, the median of {args.repeats} runs of each phase, Python "
          f"{sys.version.split()[0]}")
    for phase, seconds in median.items():
        print(f"  {phase:<16} {seconds:8.3f} s")
    forward = median['eager forward'] / median['replay forward']
    both = ((median['eager forward'] + median['eager backward'])
            / (median['replay forward'] + median['replay backward']))
    print(f"eager / replay: forward {forward:.1f}x, forward and backward {both:.1f}x")
    return 0


if __name__ == '__main__':
    sys.exit(main())
