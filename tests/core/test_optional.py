"""Without NumPy (a browser page with Pyodide) the engine, nn, the drawings' DOT text, the step-through and the
player work; the parts that need NumPy say so when imported (core/optional.py)."""
import os
import subprocess
import sys
import textwrap

import pytest

HIDE_NUMPY = '''
import importlib.abc, sys
class HideNumpy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == 'numpy' or name.startswith('numpy.'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, HideNumpy())
'''


def run_without_numpy(tmp_path, code: str) -> subprocess.CompletedProcess:
    (tmp_path / 'sitecustomize.py').write_text(HIDE_NUMPY)
    env = {**os.environ, 'PYTHONPATH': str(tmp_path)}
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


def test_the_core_works_without_numpy(tmp_path):
    done = run_without_numpy(tmp_path, '''
        import sys
        import micrograd_ext
        from micrograd_ext import Value, grad
        from micrograd_ext.nn import MLP
        from micrograd_ext.viz import draw_dot
        from micrograd_ext.table import graph_table
        from micrograd_ext.player import show_backward
        x, w, b = Value(2.0, label='x'), Value(-3.0, label='w'), Value(6.88, label='b')
        y = (x * w + b).tanh(); y.label = 'y'
        assert 'numpy' not in sys.modules
        assert len(list(y.backward_steps())) == 3 and 'dy/dx' in str(y.explain(x))
        assert 'v1    *     x, w' in str(graph_table(y)) and 'digraph' in draw_dot(y).source
        model = MLP(2, [3, 1]); loss = (model([1.0, -1.0]) - 1.0) ** 2; loss.backward()
        assert any(p.grad for p in model.parameters())
        assert grad(y, [x])[0] == x.grad
        assert '<svg' in show_backward(y)._repr_html_()
        assert not micrograd_ext.HAS_NUMPY and 'numpy' not in sys.modules
        print('ok')
    ''')
    assert done.returncode == 0 and done.stdout.strip() == 'ok', done.stderr


@pytest.mark.parametrize('statement, what', [
    ('from micrograd_ext import gradcheck', 'micrograd_ext.gradcheck'),
    ('from micrograd_ext import compiled', 'micrograd_ext.compiled'),
    ('from micrograd_ext.nn import MLP; from micrograd_ext import compiled', 'micrograd_ext.compiled'),
    ('import micrograd_ext.nn, micrograd_ext; micrograd_ext.compiled(abs, 1.0)', 'micrograd_ext.compiled'),
    ('import micrograd_ext.compiled.recording', 'micrograd_ext.compiled'),
    ('from micrograd_ext.learn.optim import SGD', 'micrograd_ext.optim'),
    ('from micrograd_ext.classroom import Sheet', 'micrograd_ext.classroom'),
    ('from micrograd_ext.datasets import make_moons', 'micrograd_ext.datasets'),
    ('from micrograd_ext.core.finite_differences import gradcheck', 'gradcheck'),
])
def test_what_needs_numpy_says_so_with_the_fix(tmp_path, statement, what):
    done = run_without_numpy(tmp_path, statement)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f'ImportError: {what}') and 'needs NumPy' in last and 'pip install numpy' in last, last
