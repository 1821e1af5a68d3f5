"""``micrograd-ext demo`` (cli/demo.py): the seed article's neuron, run as a real subprocess and in-process."""
import subprocess
import sys

from micrograd_ext.cli import main, make_parser
from micrograd_ext.core.finite_differences import GradcheckError

from .running import run


def test_demo_computes_the_seed_neuron_and_checks_its_gradients(tmp_path):
    result = run('demo', '-o', str(tmp_path / 'seed_neuron.svg'))
    assert result.returncode == 0, result.stderr
    assert 'z = 0.5*2 + (-1.0)*3 + 0.2 = -1.8' in result.stdout
    assert 'ReLU(z) = 0' in result.stdout and 'sigmoid(z) = 0.142' in result.stdout
    assert 'gradcheck: OK' in result.stdout
    table = [line.split() for line in result.stdout.splitlines() if line.startswith(('w1 ', 'b '))]
    assert table == [['w1', '0.5000', '0.2071'], ['b', '0.2000', '0.1036']]


def test_demo_draws_the_seed_neuron(tmp_path):
    result = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'demo', '-o', str(tmp_path / 'n.svg')],
                            capture_output=True, text=True)
    assert result.returncode == 0 and f"drawn in {tmp_path / 'n.svg'}" in result.stdout
    assert (tmp_path / 'n.svg').read_text().count('class="node"') >= 16


def test_demo_draws_seed_neuron_svg_where_it_runs_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert make_parser().parse_args(['demo']).output == 'seed_neuron.svg'
    assert main(['demo']) == 0
    assert (tmp_path / 'seed_neuron.svg').read_text().startswith('<?xml')
    assert capsys.readouterr().out.rstrip().endswith(f"drawn in {tmp_path / 'seed_neuron.svg'}")


def test_a_failed_gradient_check_exits_1(tmp_path, monkeypatch, capsys):
    def failing(fn, inputs):
        raise GradcheckError('w1 disagrees')
    monkeypatch.setattr('micrograd_ext.teach.demo.gradcheck', failing)
    assert main(['demo', '-o', str(tmp_path / 'n.svg')]) == 1
    assert 'gradcheck: FAILED\nw1 disagrees' in capsys.readouterr().out and not (tmp_path / 'n.svg').exists()
