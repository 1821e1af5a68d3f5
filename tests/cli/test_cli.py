"""The command line, run as a real subprocess (hostile input: test_cli_hostile.py)."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_demo_computes_the_seed_neuron_and_checks_its_gradients(tmp_path):
    result = run('demo', '-o', str(tmp_path / 'seed_neuron.svg'))
    assert result.returncode == 0, result.stderr
    assert 'z = 0.5*2 + (-1.0)*3 + 0.2 = -1.8' in result.stdout
    assert 'ReLU(z) = 0' in result.stdout and 'sigmoid(z) = 0.142' in result.stdout
    assert 'gradcheck: OK' in result.stdout
    table = [line.split() for line in result.stdout.splitlines() if line.startswith(('w1 ', 'b '))]
    assert table == [['w1', '0.5000', '0.2071'], ['b', '0.2000', '0.1036']]



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


def finite_difference_verdicts(expression, *assignments):
    """explain's check of each gradient: {name: (backprop, finite difference, verdict)}."""
    result = run('explain', expression, '--set', *assignments)
    assert result.returncode == 0 and 'Traceback' not in result.stderr, result.stderr
    rows = re.findall(r'^  d/d(\w+) = (\S+)   finite differences (\S+)   (.+)$', result.stdout, re.M)
    return {name: (backprop, estimate, verdict) for name, backprop, estimate, verdict in rows}


@pytest.mark.parametrize('expression, x, exact', [
    ('log(x)', 1e-7, 1e7),        # a step of 1e-6 would leave log's domain
    ('1/x', 1e-6, -1e12),         # ... or divide by zero
    ('relu(x)', 1e-7, 1.0),       # ... or cross the kink at 0
    ('x ** 3', 1e8, 3e16),        # a fixed step of 1e-6 is lost in rounding at 1e8
])
def test_explain_checks_gradients_near_the_edge_of_the_domain(expression, x, exact):
    (backprop, estimate, verdict), = finite_difference_verdicts(expression, f'x={x!r}').values()
    assert verdict == 'ok'
    assert float(estimate) == pytest.approx(exact, rel=1e-3) and float(backprop) == pytest.approx(exact, rel=1e-3)


@pytest.mark.parametrize('expression, x, reason', [
    ('sqrt(x)', 0.0, 'boundary'), ('log(x) + sqrt(x)', 1e-14, 'boundary'),
    ('relu(x)', 0.0, 'kink'), ('abs(x)', 0.0, 'kink'), ('x + 1e12', 0.0, 'rounding'),
])
def test_explain_says_where_finite_differences_cannot_check(expression, x, reason):
    (_, estimate, verdict), = finite_difference_verdicts(expression, f'x={x!r}').values()
    assert (estimate, verdict) == ('n/a', f'not checkable here ({reason})')


def test_explain_checks_each_input_on_its_own():
    verdicts = finite_difference_verdicts('sqrt(x) * y', 'x=0', 'y=2')
    assert verdicts['x'][2] == 'not checkable here (boundary)'
    assert verdicts['y'][2] == 'ok' and float(verdicts['y'][1]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize('command, shown', [
    ('demo', ['where to draw the graph (default: seed_neuron.svg)']),
    ('train', ['number of points; positive and at most 10000 (default: 100)',
               'hidden layer sizes; positive and at most 1000 (default: 16 16)',
               "decay to 10% of --lr (default: constant)", 'SGD momentum; from 0 to 1 (default: 0.0)',
               'clip the gradient norm to this; positive and at most 1000000 --momentum']),
    ('graph', ['Graphviz (default: graph.svg)', 'left to right or top to bottom (default: LR)']),
    ('explain', ['the value of each name in the expression --wrt NAME']),
])
def test_every_help_shows_limits_and_defaults_but_no_empty_ones(command, shown):
    result = run(command, '--help')
    text = ' '.join(result.stdout.split())
    assert result.returncode == 0 and 'default: None' not in text and 'default: []' not in text
    for fragment in shown:
        assert fragment in text


def test_train_keeps_stdout_for_results_and_shows_progress_on_stderr(tmp_path):
    result = run('train', '--samples', '10', '--steps', '3', '--hidden', '4', '--save', str(tmp_path / 'm.json'))
    assert result.returncode == 0, result.stderr
    assert 'step' in result.stderr and '3/3' in result.stderr
    assert '3/3' not in result.stdout and 'done in' in result.stdout
    assert json.loads((tmp_path / 'm.json').read_text())['config']['nouts'] == [4, 1]


def test_ctrl_c_during_training_still_saves_the_model(tmp_path):
    model = tmp_path / 'm.json'
    process = subprocess.Popen([sys.executable, '-m', 'micrograd_ext', 'train', '--samples', '20', '--steps', '100000',
                                '--hidden', '4', '--save', str(model)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.set_blocking(process.stderr.fileno(), False)
    seen, deadline = b'', time.monotonic() + 60
    while b'step/s' not in seen and time.monotonic() < deadline:  # tqdm has shown at least one finished step
        seen += process.stderr.read() or b''
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    err = (seen + (err or b'')).decode()
    assert process.returncode == 130 and 'Traceback' not in err
    steps = int(re.search(r'interrupted at step (\d+) of 100000; keeping what was trained so far', err).group(1))
    assert f'stopped after {steps} steps' in out.decode() and 'model saved to' in out.decode()
    assert json.loads(model.read_text())['config']['nouts'] == [4, 1]


def test_explain_prints_no_grad_column_before_the_backward_pass():
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'explain', 'x*w + 3', '--set', 'x=2', 'w=-1'],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    table = done.stdout.split('backward, one chain-rule step')[0]
    assert table.splitlines()[1].split() == ['node', 'op', 'inputs', 'data'] and 'grad' not in table
    assert 'c1' in table and 'c1.grad += 1 * 1.0000' in done.stdout


def test_graph_without_backward_draws_no_grads(tmp_path):
    out = tmp_path / 'g.svg'
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'graph', 'x*w + 3', '--set', 'x=2', 'w=-1',
                           '-o', str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert 'data 2.0000' in text and 'grad' not in text


def test_train_names_the_model_in_one_short_line():
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'train', '--steps', '2', '--hidden', '8', '8'],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == 'moons: 100 points, 2 classes; MLP(2, [8, 8, 1]) with relu between layers'


def test_train_compiled_reports_the_eager_numbers_and_saves_the_same_model(tmp_path):
    common = ['train', '--samples', '30', '--steps', '15', '--hidden', '6', '--optimizer', 'sgd', '--batch-size', '20']
    eager = run(*common, '--save', str(tmp_path / 'eager.json'))
    replayed = run(*common, '--compiled', '--save', str(tmp_path / 'compiled.json'))
    assert eager.returncode == 0 and replayed.returncode == 0, replayed.stderr
    assert 'compiled: recorded once, replayed' in replayed.stdout
    final = [line.split('s: ', 1)[1] for line in (eager.stdout, replayed.stdout) for line in line.splitlines()
             if line.startswith('done in')]
    assert final[0] == final[1]  # loss to 4 decimals and accuracy
    weights = [json.loads((tmp_path / name).read_text())['state'] for name in ('eager.json', 'compiled.json')]
    assert weights[0].keys() == weights[1].keys()
    assert all(abs(weights[0][k] - weights[1][k]) <= 1e-12 * max(1.0, abs(weights[0][k])) for k in weights[0])


def test_no_command_prints_the_help_and_a_typo_is_named_with_the_nearest_command():
    import subprocess
    import sys
    bare = subprocess.run([sys.executable, '-m', 'micrograd_ext'], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2 and bare.stdout.startswith('usage: micrograd-ext') and 'grade' in bare.stdout
    typo = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'trian'], capture_output=True, text=True, timeout=60)
    assert typo.returncode == 2 and "did you mean 'train'?" in typo.stderr
    far = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'fly'], capture_output=True, text=True, timeout=60)
    assert 'did you mean' not in far.stderr
    from micrograd_ext import __version__
    version = subprocess.run([sys.executable, '-m', 'micrograd_ext', '--version'], capture_output=True, text=True,
                             timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f'micrograd-ext {__version__}'


def test_a_roster_larger_than_any_class_is_refused_unread(tmp_path):
    import subprocess
    import sys
    roster = tmp_path / 'roster.txt'
    roster.write_text('ada\n' * 300_000)  # 1.2 MB
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'exercises', 'new', '--roster', str(roster), '-o',
                           str(tmp_path / 'h')], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'is larger than 1 MB' in done.stderr and not (tmp_path / 'h').exists()
