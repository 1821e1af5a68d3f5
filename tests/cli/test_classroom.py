"""The classroom's commands (cli/classroom.py): ``exercises new|key|gradescope|list`` and ``grade``; their
rosters and ids are checked before any work starts."""
import pytest

from micrograd_ext.classroom.bank import BANK
from micrograd_ext.cli import main
from micrograd_ext.cli.arguments import Parser
from micrograd_ext.cli.classroom import checked_ids, notebooks_of, read_roster


def test_a_roster_larger_than_any_class_is_refused_unread(tmp_path):
    import subprocess
    import sys
    roster = tmp_path / 'roster.txt'
    roster.write_text('ada\n' * 300_000)  # 1.2 MB
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'exercises', 'new', '--roster', str(roster), '-o',
                           str(tmp_path / 'h')], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'is larger than 1 MB' in done.stderr and not (tmp_path / 'h').exists()


def usage_error(capsys, call) -> str:
    """The one line a usage error prints (it exits 2)."""
    with pytest.raises(SystemExit) as exited:
        call()
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    return line


def test_a_roster_is_read_without_blank_lines_comments_or_a_byte_order_mark(tmp_path):
    roster = tmp_path / 'roster.csv'
    roster.write_bytes('\ufeffada\n\n  # the second group\nbob.smith \r\ncy@uni\n'.encode('utf-8'))
    assert read_roster(str(roster), Parser(prog='p')) == ['ada', 'bob.smith', 'cy@uni']


@pytest.mark.parametrize('content, message', [
    (b'# nobody yet\n\n', 'names no student: write one student id per line'),
    (b'\xff\xfe\x00bad', 'cannot be read'),
    (b'ada\nAda\n', "the ids 'ada' and 'Ada' differ only in case"),
])
def test_a_roster_that_names_no_valid_students_is_a_usage_error(tmp_path, capsys, content, message):
    roster = tmp_path / 'roster.txt'
    roster.write_bytes(content)
    assert message in usage_error(capsys, lambda: read_roster(str(roster), Parser(prog='p')))


def test_a_folder_is_not_a_roster(tmp_path, capsys):
    line = usage_error(capsys, lambda: read_roster(str(tmp_path), Parser(prog='p')))
    assert f'--roster {tmp_path} is not a regular file' in line


def test_ids_are_checked_one_by_one(capsys):
    assert checked_ids(['ada', 'bob-2'], Parser(prog='p')) == ['ada', 'bob-2']
    assert usage_error(capsys, lambda: checked_ids(['ada', '../etc'], Parser(prog='p'))).startswith('p: error: ')


def test_grade_leaves_out_files_that_are_no_notebooks(tmp_path, capsys):
    (tmp_path / 'a.ipynb').write_text('{}')
    (tmp_path / 'notes.txt').write_text('')
    paths = [str(tmp_path / 'a.ipynb'), str(tmp_path / 'notes.txt')]
    assert notebooks_of(paths, Parser(prog='p')) == paths[:1]
    assert 'left out' in capsys.readouterr().err
    assert 'is a folder' in usage_error(capsys, lambda: notebooks_of([str(tmp_path)], Parser(prog='p')))
    assert 'no such file' in usage_error(capsys, lambda: notebooks_of([str(tmp_path / 'x.ipynb')], Parser(prog='p')))


def test_exercises_list_names_every_exercise_and_the_points(capsys):
    assert main(['exercises', 'list']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(BANK) + 1 and all(name in out for name, out in zip(BANK, lines))
    assert lines[-1] == f'{len(BANK)} exercises, {sum(entry.points for entry in BANK.values())} points'


def test_exercises_new_needs_a_student(tmp_path, capsys):
    line = usage_error(capsys, lambda: main(['exercises', 'new', '-o', str(tmp_path / 'out')]))
    assert 'give at least one --student ID (or a --roster file)' in line and not (tmp_path / 'out').exists()
