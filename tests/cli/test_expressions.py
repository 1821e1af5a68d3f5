"""``micrograd-ext graph`` and ``micrograd-ext explain`` (cli/expressions.py): an expression typed on the command
line, drawn or backpropagated one step at a time; its numbers' failures are one line in command-line words."""
import re
import subprocess
import sys

import pytest

from micrograd_ext.cli import main, make_parser
from micrograd_ext.cli.arguments import Failure
from micrograd_ext.cli.expressions import build_expression, is_math_error, other_values
from micrograd_ext.teach.expressions import ExpressionError, build_graph

from .running import run


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


# ---- in-process -----------------------------------------------------------------------------------------

def parsed(*argv):
    args = make_parser().parse_args(argv)
    return args, args.parser


def test_build_expression_gives_the_graph_and_the_values():
    root, assignments = build_expression(*parsed('graph', 'x*w + 1', '--set', 'x=2', 'w=-3'))
    assert assignments == {'x': 2.0, 'w': -3.0} and root.data == -5.0


@pytest.mark.parametrize('argv, message', [
    (['log(x)', '--set', 'x=0'], r'^log\(x \(= 0\.0\)\): log needs a positive input; choose other values with '
                                 r'--set \(given: x=0\)$'),
    (['x*y', '--set', 'x=1e200', 'y=1e200'], r'^x\*y = inf is beyond the float range; choose other values'),
    (['exp(800)'], r'^exp\(800\.0\) is too large for a float .*; change the numbers in the expression$'),
])
def test_numbers_outside_the_domain_are_a_failure_in_command_line_words(argv, message):
    with pytest.raises(Failure, match=message):
        build_expression(*parsed('graph', *argv))


def test_a_value_the_expression_does_not_use_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        build_expression(*parsed('explain', 'x', '--set', 'x=1', 'y=2.5'))
    assert exited.value.code == 2
    assert '--set y=2.5: the expression does not use y; leave it out or check the spelling' in capsys.readouterr().err


def test_is_math_error_tells_the_numbers_from_the_text():
    for text, values, numbers in [('log(x)', {'x': 0.0}, True), ('x +', {'x': 1.0}, False), ('q', {}, False)]:
        with pytest.raises(ExpressionError) as caught:
            build_graph(text, values)
        assert is_math_error(caught.value) is numbers


def test_other_values_names_what_was_given():
    assert other_values({}) == 'change the numbers in the expression'
    assert other_values({'x': 0.5, 'y': 1e-7}) == 'choose other values with --set (given: x=0.5 y=1e-07)'


def test_graph_in_process_writes_the_drawing_and_reports(tmp_path, capsys):
    out = tmp_path / 'g.svg'
    assert main(['graph', 'x*x', '--set', 'x=3', '--backward', '--backend', 'embedded', '--no-legend',
                 '-o', str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ['x*x = 9', 'gradients: d/dx = 6', f'wrote {out} (rendered with embedded Graphviz)']
    assert 'grad 6.0000' in out.read_text() and 'legend' not in out.read_text().lower()


def test_explain_asks_for_an_input_the_expression_has(capsys):
    with pytest.raises(SystemExit):
        main(['explain', 'x*y', '--set', 'x=1', 'y=2', '--wrt', 'w'])
    assert "--wrt w: the expression has no input named 'w' (inputs: x, y)" in capsys.readouterr().err
