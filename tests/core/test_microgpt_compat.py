"""Code written for microgpt runs unchanged after swapping the import: its ``Value(data, children,
local_grads)`` nodes, ``_children``, and its whole training script (benchmarks/peers/microgpt_train.py,
written here in microgpt's style) with the same losses and samples."""
import math
import re
import os
import subprocess
import sys

import numpy as np
import pytest

import micrograd_ext
from micrograd_ext import Value

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'benchmarks', 'peers', 'microgpt_train.py')
PEER_IMPORT = 'from microgpt import Value'


def test_a_microgpt_node_takes_its_local_grads_third():
    a, b = Value(2.0), Value(-3.0)
    out = Value(a.data * b.data, (a, b), (b.data, a.data))  # microgpt's __mul__
    (out * out).backward()
    assert out._op == '' and out._local_grads == (-3.0, 2.0) and out._children == (a, b)
    assert (a.grad, b.grad) == (2 * -6.0 * -3.0, 2 * -6.0 * 2.0)  # d(ab)^2/da = 2ab * b


def test_children_and_local_grads_work_as_keywords_and_a_string_stays_micrograds_op():
    x = Value(3.0)
    by_keyword = Value(9.0, children=(x,), local_grads=[6.0])
    micrograd_style = Value(9.0, (x,), '**2', (6.0,))
    for node in (by_keyword, micrograd_style):
        x.grad = 0.0
        node.backward()
        assert x.grad == 6.0 and node._children is node._prev
    assert micrograd_style._op == '**2'


def test_local_grads_may_be_a_list_or_a_numpy_array_as_microgpt_code_passes_them():
    x = Value(0.5)
    out = Value(math.exp(0.5), [x], np.array([math.exp(0.5)]))
    out.backward()
    assert x.grad == pytest.approx(math.exp(0.5), rel=1e-15)


@pytest.mark.parametrize('make, message', [
    (lambda x: Value(1.0, (x,), 5), "op name (a string) or microgpt's local derivatives"),
    (lambda x: Value(1.0, (x,), (1.0,), children=(x,)), 'got its children twice'),
    (lambda x: Value(1.0, (x,), (1.0, 2.0)), 'a node made by hand with 2 local derivatives for 1 children'),
    (lambda x: Value(1.0, (x,), ('a',)), 'must be numbers'),
])
def test_wrong_microgpt_nodes_say_what_to_give(make, message):
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        make(Value(1.0))


def run_script(path, steps: int) -> tuple[list[float], list[str]]:
    """The losses and samples the script prints after ``steps`` steps."""
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([os.path.dirname(SCRIPT), os.path.dirname(os.path.dirname(
        micrograd_ext.__file__))])}
    done = subprocess.run([sys.executable, str(path), str(steps)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    losses = [float(line.split()[-1]) for line in lines if line.startswith('step')]
    return losses, [line.split(' ', 1)[1] for line in lines if line.startswith('sample')]


def test_microgpts_training_script_gives_the_same_losses_and_samples_with_only_the_import_swapped(tmp_path):
    original = open(SCRIPT).read()
    assert original.count(PEER_IMPORT) == 1
    swapped = tmp_path / 'microgpt_train.py'
    swapped.write_text(original.replace(PEER_IMPORT, 'from micrograd_ext import Value'))
    theirs, their_samples = run_script(SCRIPT, steps=3)
    ours, our_samples = run_script(swapped, steps=3)
    assert len(ours) == len(theirs) == 3 and all(math.isfinite(x) for x in ours)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert our_samples == their_samples and len(our_samples) == 5


def test_one_backward_per_loss_over_a_shared_node_adds_up_the_true_gradients():
    """microgpt's first version calls backward() once per position over shared keys: each call must add that
    loss's own gradient (micrograd's backward would send the shared node's stale grad down again)."""
    w, x = Value(0.5), Value(2.0)
    shared = (w * x).tanh()  # read by both losses, as a cached key is by every later position
    (shared * 3.0).backward()
    (shared * shared).backward()
    t = math.tanh(1.0)
    assert w.grad == pytest.approx((3.0 + 2.0 * t) * (1.0 - t * t) * 2.0, rel=1e-14)  # d(3t + t^2)/dw
    assert w.grad != pytest.approx((3.0 + 3.0 + 2.0 * t) * (1.0 - t * t) * 2.0)  # what re-sending 3 would give
