"""The benchmark keeps working: a tiny run, as a subprocess, against micrograd (no timing assertions)."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmark_runs_at_tiny_sizes_and_writes_json(tmp_path):
    out = tmp_path / 'bench.json'
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--scale', '0.0005',
                           '--repeats', '1', '--engines', 'micrograd_ext', 'micrograd', '--json', str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert 'vs micrograd' in done.stdout and 'import micrograd_ext' in done.stdout
    report = json.loads(out.read_text())
    rows = {(r['workload'], r['engine']): r for r in report['results']}
    assert set(rows) == {(w, e) for w in ('W1', 'W2', 'W3') for e in ('micrograd_ext', 'micrograd')}
    for row in rows.values():
        assert row['seconds'] > 0 and row['ops'] > 0 and row['bytes_per_op'] > 0
    assert rows['W2', 'micrograd']['speedup_vs_micrograd'] == 1.0
    assert rows['W1', 'micrograd_ext']['ops'] == rows['W1', 'micrograd']['ops']


def test_benchmark_refuses_bad_arguments():
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--scale', '2'],
                          capture_output=True, text=True)
    assert done.returncode == 2 and '--scale must be in (0, 1]' in done.stderr
