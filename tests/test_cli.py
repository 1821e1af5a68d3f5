"""The command line, run as a real subprocess."""
import subprocess
import sys


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
