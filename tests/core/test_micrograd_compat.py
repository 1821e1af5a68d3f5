"""Code written for micrograd runs unchanged after swapping the import."""
import os
import random
import subprocess
import sys
import tarfile

import pytest

import micrograd_ext.engine
import micrograd_ext.nn

REQUIRE_TORCH = os.environ.get('MICROGRAD_EXT_REQUIRE_TORCH') == '1'


def micrograd_sdist(directory) -> str:
    """Download micrograd 0.1.0's source distribution (it holds test/test_engine.py) and unpack it."""
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--no-binary', ':all:',
                    'micrograd==0.1.0', '-d', str(directory)], check=True)
    with tarfile.open(directory / 'micrograd-0.1.0.tar.gz') as archive:
        archive.extractall(directory, filter='data')
    return str(directory / 'micrograd-0.1.0')


def test_micrograds_own_test_suite_passes_with_only_the_import_changed(tmp_path):
    try:
        import torch  # noqa: F401  (micrograd's tests compare against PyTorch)
    except ImportError:
        if REQUIRE_TORCH:
            raise
        pytest.skip('PyTorch is not installed (CI installs torch==2.13.0 and sets MICROGRAD_EXT_REQUIRE_TORCH=1)')
    source = os.path.join(micrograd_sdist(tmp_path), 'test', 'test_engine.py')
    original = open(source).read()
    assert 'from micrograd.engine import Value' in original
    swapped = tmp_path / 'test_micrograd_engine.py'
    swapped.write_text(original.replace('from micrograd.engine import Value', 'from micrograd_ext.engine import Value'))
    result = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(swapped)],
                            capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, 'PYTHONPATH': os.path.dirname(os.path.dirname(micrograd_ext.__file__))})
    assert result.returncode == 0, result.stdout + result.stderr
    assert '2 passed' in result.stdout


def test_same_seed_gives_micrograds_weights_outputs_and_gradients():
    micrograd_nn = pytest.importorskip('micrograd.nn')
    random.seed(1337)
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    random.seed(1337)
    ours = micrograd_ext.nn.MLP(3, [4, 4, 1])
    assert repr(ours) == repr(theirs)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    x = [2.0, 3.0, -1.0]
    out_theirs, out_ours = theirs(x), ours(x)
    assert out_ours.data == out_theirs.data  # the same float operations in the same order
    out_theirs.backward()
    out_ours.backward()
    # micrograd keeps children in a set, so the order in which a reused node (a neuron's output, read by
    # every neuron of the next layer) collects its contributions follows memory addresses: the sums agree
    # to the last bit or two, not always exactly
    assert [p.grad for p in ours.parameters()] == pytest.approx([p.grad for p in theirs.parameters()],
                                                                rel=1e-12, abs=1e-15)
    ours.zero_grad()
    assert all(p.grad == 0 for p in ours.parameters())


def test_micrograd_style_module_subclass_and_value_constructor_work():
    class Affine(micrograd_ext.nn.Module):
        def __init__(self):
            self.a, self.b = micrograd_ext.engine.Value(2.0), micrograd_ext.engine.Value(1.0)

        def __call__(self, x):
            return self.a * x + self.b

        def parameters(self):
            return [self.a, self.b]

    model = Affine()
    model(3.0).backward()
    assert [p.grad for p in model.parameters()] == [3.0, 1.0]
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [0.0, 0.0]
    a, b = micrograd_ext.engine.Value(1.0), micrograd_ext.engine.Value(2.0)
    node = micrograd_ext.engine.Value(3.0, (a, b), '+')
    assert node._prev == (a, b) and node._op == '+'
