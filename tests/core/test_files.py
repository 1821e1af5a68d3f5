"""write_atomically (core/files.py): a file is replaced all or nothing, keeps its permissions, follows a symlink
and leaves no temporary file behind."""
import os
import stat
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ext.core.files import write_atomically

needs_posix = pytest.mark.skipif(os.name != 'posix', reason='needs POSIX permissions and symlinks')


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=5000), st.binary(max_size=5000))
def test_the_file_holds_exactly_the_bytes_written_last(first, second):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'model.json')
        write_atomically(path, first)
        write_atomically(path, second)
        with open(path, 'rb') as f:
            assert f.read() == second
        assert os.listdir(folder) == ['model.json']


@pytest.mark.parametrize('failing', ['write', 'fsync', 'replace', 'interrupt'])
def test_a_failure_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch, failing):
    path = tmp_path / 'grades.csv'
    path.write_bytes(b'old contents\n')

    def fail(*args, **kwargs):
        raise KeyboardInterrupt if failing == 'interrupt' else OSError(28, 'No space left on device')
    if failing == 'write':
        data = memoryview(b'x')  # a view that is released before the write: writing it raises
        data.release()
    else:
        data = b'new contents\n' * 1000
        monkeypatch.setattr(os, 'replace' if failing == 'replace' else 'fsync', fail)
    expected = {'write': ValueError, 'interrupt': KeyboardInterrupt}.get(failing, OSError)
    with pytest.raises(expected):
        write_atomically(str(path), data)
    monkeypatch.undo()
    assert path.read_bytes() == b'old contents\n'
    assert os.listdir(tmp_path) == ['grades.csv']


def test_a_missing_folder_is_named_and_nothing_is_created(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'there is no folder {tmp_path / "missing"}'):
        write_atomically(str(tmp_path / 'missing' / 'm.json'), b'{}')
    assert os.listdir(tmp_path) == []


@needs_posix
def test_the_permissions_of_the_file_replaced_are_kept(tmp_path):
    path = tmp_path / 'secret.json'
    path.write_bytes(b'{}')
    os.chmod(path, 0o640)
    write_atomically(str(path), b'{"a": 1}')
    assert mode(path) == 0o640 and path.read_bytes() == b'{"a": 1}'


@needs_posix
def test_a_new_file_gets_the_permissions_open_would_give(tmp_path):
    umask = os.umask(0o027)
    try:
        write_atomically(str(tmp_path / 'new.json'), b'{}')
    finally:
        os.umask(umask)
    assert mode(tmp_path / 'new.json') == 0o640


@needs_posix
def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path):
    (tmp_path / 'real').mkdir()
    target = tmp_path / 'real' / 'model.json'
    target.write_bytes(b'old')
    os.chmod(target, 0o600)
    link = tmp_path / 'link.json'
    link.symlink_to(target)
    write_atomically(str(link), b'new')
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b'new' and mode(target) == 0o600
    assert sorted(os.listdir(tmp_path / 'real')) == ['model.json'] and sorted(os.listdir(tmp_path)) == [
        'link.json', 'real']


@needs_posix
def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / 'link.json'
    link.symlink_to(tmp_path / 'later.json')
    write_atomically(str(link), b'made')
    assert link.is_symlink() and (tmp_path / 'later.json').read_bytes() == b'made'
