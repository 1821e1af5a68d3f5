"""The command line, run as a real subprocess."""
import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True)


def test_demo_computes_the_seed_neuron_and_checks_its_gradients():
    result = run('demo')
    assert result.returncode == 0, result.stderr
    assert 'z = 0.5*2 + (-1.0)*3 + 0.2 = -1.8' in result.stdout
    assert 'ReLU(z) = 0' in result.stdout and 'sigmoid(z) = 0.142' in result.stdout
    assert 'gradcheck: OK' in result.stdout
    table = [line.split() for line in result.stdout.splitlines() if line.startswith(('w1 ', 'b '))]
    assert table == [['w1', '0.5000', '0.2071'], ['b', '0.2000', '0.1036']]


def test_unknown_commands_get_a_usage_message_not_a_traceback():
    result = run('fly')
    assert result.returncode == 2
    assert 'invalid choice' in result.stderr and 'Traceback' not in result.stderr


def test_graph_command_draws_an_expression_and_reports_gradients(tmp_path):
    out = tmp_path / 'graph.svg'
    result = run('graph', 'tanh(x*w + b)', '--set', 'x=2', 'w=-3', 'b=6.88', '--backward', '-o', str(out))
    assert result.returncode == 0, result.stderr
    assert 'tanh(x*w + b) = 0.706419' in result.stdout and 'd/dw = 1.00194' in result.stdout
    assert f'wrote {out}' in result.stdout
    svg = out.read_text()
    assert svg.count('class="node"') == 9 + 4  # 6 values (x, w, b, x*w, x*w + b, tanh) and 3 ops; legend 4


def test_graph_command_without_system_graphviz_uses_the_embedded_one(tmp_path):
    import os
    env = {**os.environ, 'PATH': str(tmp_path)}
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'graph', 'x*x', '--set', 'x=3', '-o',
                           str(tmp_path / 'g.svg')], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and 'embedded Graphviz' in done.stdout
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'graph', 'x*x', '--set', 'x=3', '-o',
                           str(tmp_path / 'g.png')], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and 'apt-get install graphviz' in done.stderr and 'Traceback' not in done.stderr


@pytest.mark.parametrize('args, message', [
    (['x.__class__'], 'Attribute is not allowed'),
    (['x + q', '--set', 'x=1'], "name 'q' is not defined"),
    (['x', '--set', 'x=abc'], 'x must be set to a number'),
    (['x', '--set', 'x'], 'NAME=NUMBER'),
    (['log(x)', '--set', 'x=-1'], 'log needs a positive input'),
])
def test_graph_command_refuses_bad_input_without_a_traceback(args, message):
    result = run('graph', *args)
    assert result.returncode == 2 and message in result.stderr and 'Traceback' not in result.stderr


def test_demo_draws_the_seed_neuron(tmp_path):
    result = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'demo', '-o', str(tmp_path / 'n.svg')],
                            capture_output=True, text=True)
    assert result.returncode == 0 and f"drawn in {tmp_path / 'n.svg'}" in result.stdout
    assert (tmp_path / 'n.svg').read_text().count('class="node"') >= 16


def test_explain_command_prints_steps_gradients_checks_and_writes_the_player(tmp_path):
    html = tmp_path / 'steps.html'
    result = run('explain', 'tanh(w1*x1 + w2*x2 + b)', '--set', 'x1=2', 'x2=0', 'w1=-3', 'w2=1', 'b=6.8814',
                 '--wrt', 'x1', '--html', str(html))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 'forward: tanh(w1*x1 + w2*x2 + b) = 0.70712' in out
    assert out.count('\nstep ') == 5 and 'step 5/5  w1*x1  [*]' in out
    assert 'd/dx1 = -1.4999   finite differences -1.4999   ok' in out and 'MISMATCH' not in out
    assert 'path 1: x1 -> w1*x1' in out and 'they match' in out
    assert f'wrote {html}' in out and html.read_text().count('<svg') == 6


def test_explain_command_bad_wrt_is_an_argparse_error():
    result = run('explain', 'x*y', '--set', 'x=1', 'y=2', '--wrt', 'z')
    assert result.returncode == 2 and "no input named 'z'" in result.stderr and 'Traceback' not in result.stderr
