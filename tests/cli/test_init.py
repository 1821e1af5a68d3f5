"""``micrograd-ext`` itself (cli/__init__.py): main() with no command, --version, a misspelt command, and how each
kind of error becomes one line and an exit code."""
import re
import subprocess
import sys

import pytest

from micrograd_ext import __version__
from micrograd_ext.cli import COMMANDS, main, make_parser
from micrograd_ext.cli.arguments import Failure


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


def test_the_help_lists_every_command_in_order(capsys):
    assert main([]) == 2
    listed = capsys.readouterr().out
    assert re.findall(r'^    (\w+)', listed, re.M) == ['demo', 'train', 'graph', 'explain', 'quiz', 'exercises',
                                                         'grade', 'site']
    assert len(COMMANDS) == 6 and make_parser().prog == 'micrograd-ext'


def test_version_exits_0_in_process(capsys):
    with pytest.raises(SystemExit) as exited:
        main(['--version'])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f'micrograd-ext {__version__}'


@pytest.mark.parametrize('raised, code, line', [
    (Failure('the numbers\n  grew   too large; try --clip 1'), 1,
     'micrograd-ext demo: error: the numbers grew too large; try --clip 1'),
    (MemoryError(), 1, 'micrograd-ext demo: error: out of memory; use fewer --samples, a smaller --hidden or a '
                       'shorter expression'),
    (KeyboardInterrupt(), 130, 'micrograd-ext demo: interrupted'),
])
def test_each_kind_of_error_is_one_line_naming_the_command(raised, code, line, monkeypatch, capsys, tmp_path):
    def fail(picture, out=print):
        raise raised
    monkeypatch.setattr('micrograd_ext.teach.demo.run_demo', fail)
    assert main(['demo', '-o', str(tmp_path / 'n.svg')]) == code
    captured = capsys.readouterr()
    assert captured.err == line + '\n' and captured.out == ''


def test_a_reader_that_goes_away_ends_the_run_quietly():
    long = '+'.join(['x'] * 250)  # explain prints some 77 KB for it: more than a pipe holds
    process = subprocess.Popen([sys.executable, '-m', 'micrograd_ext', 'explain', long, '--set', 'x=1', '--wrt', 'x'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()  # like | head -n 1
    _, err = process.communicate(timeout=60)
    assert first.startswith(b'forward: x+x') and process.returncode == 1 and err == b''
