"""What every command shares (cli/arguments.py): one-line usage errors, number and output-path argument types
checked before any work, the help's limits and defaults, and how errors are worded."""
import argparse
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_ext.cli.arguments import (Failure, HelpFormatter, Parser, drawn, number, one_line, output_file,
                                         problem, unwritable)
from micrograd_ext.viz import GraphTooLargeError, RenderError

from .running import run


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


@given(st.integers(-5, 15))
def test_a_bounded_int_takes_exactly_its_range(value):
    parse = number(int, 10)
    if 0 < value <= 10:
        assert parse(str(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError, match=f'^must be positive and at most 10, got {value}$'):
            parse(str(value))


@pytest.mark.parametrize('text, message', [
    ('nan', '^must be from 0 to 1, got nan$'), ('inf', '^must be from 0 to 1, got inf$'),
    ('-inf', '^must be from 0 to 1, got -inf$'), ('1.5', '^must be from 0 to 1, got 1.5$'),
    ('x', "^'x' is not a valid float: it must be from 0 to 1$"), ('', "^'' is not a valid float"),
])
def test_a_number_refuses_nan_infinities_and_what_is_out_of_range(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        number(float, 1, low=0)(text)


def test_a_number_with_a_low_bound_takes_it_and_tells_the_help():
    assert number(float, 1, low=0)('0') == 0.0 and number(int, 3, low=2)('3') == 3
    assert number(int, 5).bounds == 'positive and at most 5' and number(float, 1, low=0).bounds == 'from 0 to 1'


def test_an_output_file_is_checked_and_no_probe_is_left(tmp_path):
    parse = output_file(lambda: ('svg', 'png'))
    assert parse(str(tmp_path / 'g.SVG')) == str(tmp_path / 'g.SVG') and os.listdir(tmp_path) == []
    existing = tmp_path / 'kept.png'
    existing.write_bytes(b'old picture')
    assert parse(str(existing)) == str(existing) and existing.read_bytes() == b'old picture'
    with pytest.raises(argparse.ArgumentTypeError, match=r'g\.txt: the file name must end in one of \.png, \.svg'):
        parse(str(tmp_path / 'g.txt'))
    assert output_file()(str(tmp_path / 'any.name')) == str(tmp_path / 'any.name')
    assert os.listdir(tmp_path) == ['kept.png']


def test_unwritable_says_why(tmp_path):
    (tmp_path / 'file').write_text('')
    assert unwritable(str(tmp_path / 'new.json')) is None and not (tmp_path / 'new.json').exists()
    assert unwritable(str(tmp_path / 'no' / 'm.json')) == (f'the folder {tmp_path / "no"} does not exist; create it '
                                                           'first or choose another folder')
    assert unwritable(str(tmp_path)) == f'{tmp_path} is a folder; give a file name in it'
    assert 'part of the path is a file' in unwritable(str(tmp_path / 'file' / 'm.json'))


@pytest.mark.skipif(os.name != 'posix' or os.geteuid() == 0, reason='needs file permissions (root ignores them)')
def test_unwritable_names_a_missing_permission(tmp_path):
    locked = tmp_path / 'locked.json'
    locked.write_text('')
    os.chmod(locked, stat.S_IRUSR)
    assert unwritable(str(locked)) == f'no permission to write {locked}; choose a folder you can write to'


def test_a_usage_error_is_one_line_and_names_the_nearest_choice(capsys):
    parser = Parser(prog='tool')
    parser.add_argument('--optimizer', choices=['sgd', 'adam', 'adamw'])
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(['--optimizer', 'adma'])
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("tool: error: argument --optimizer: invalid choice: 'adma'")
    assert line.endswith("; did you mean 'adam'? (see tool --help)")


def test_a_missing_expression_says_how_to_pass_one_that_starts_with_minus(capsys):
    parser = Parser(prog='tool')
    parser.add_argument('expression')
    with pytest.raises(SystemExit):
        parser.parse_args([])
    assert 'goes last, after --: --set x=1 -- "-x*2"' in capsys.readouterr().err


def test_the_help_formatter_leaves_out_empty_defaults():
    parser = argparse.ArgumentParser(prog='tool', formatter_class=HelpFormatter)
    parser.add_argument('--rate', type=number(float, 10), default=0.5, help='the rate')
    parser.add_argument('--names', nargs='+', default=[], help='names')
    parser.add_argument('--flag', action='store_true', help='a flag')
    parser.add_argument('--ratio', default='50%', help='a ratio')
    text = ' '.join(parser.format_help().split())
    assert 'the rate; positive and at most 10 (default: 0.5)' in text and 'a ratio (default: 50%)' in text
    assert 'names --flag a flag --ratio' in text and 'default: False' not in text and 'default: []' not in text


def test_problem_and_one_line_shorten_messages():
    assert problem(ValueError('log(0.0): log needs a positive input; add a small epsilon\nmore')) == \
        'log(0.0): log needs a positive input'
    pointed = 'not a valid expression\n  x + * y\n      ^'
    assert one_line(pointed) == 'not a valid expression (at column 5: "*")'
    assert one_line('one line only') == 'one line only'


def test_drawn_turns_a_drawings_failures_into_one_failure():
    assert drawn(lambda: 'g.svg', 'shorten it') == 'g.svg'

    def too_large():
        raise GraphTooLargeError('the graph has 900 nodes, more than 500; pass max_nodes=...')
    with pytest.raises(Failure, match=r'^the graph has 900 nodes, more than 500; shorten it$'):
        drawn(too_large, 'shorten it')
    for error in (RenderError('no renderer'), OSError(28, 'No space left on device')):
        def fail(error=error):
            raise error
        with pytest.raises(Failure, match=str(error).replace('[', r'\[').replace(']', r'\]')):
            drawn(fail, 'shorten it')
