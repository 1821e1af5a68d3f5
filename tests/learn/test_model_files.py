"""Hostile, huge and interrupted model files (issue 11): each raises ``ModelFileError`` and changes nothing.

Every test writes only under ``tmp_path``. The model handed to ``load()`` (seed 1) differs from the saved
one (seed 0) in every weight, so a partial load would show in its ``state_dict``.
"""
import contextlib
import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

from micrograd_ext.learn import nn
from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.nn import MLP, ModelFileError

FORMAT = '{"format": "micrograd_ext.model", "version": 1, "type": "MLP", '
needs_alarm = pytest.mark.skipif(not hasattr(signal, 'SIGALRM'), reason='needs signal.alarm (POSIX)')


@contextlib.contextmanager
def no_hang(seconds):
    """Fail with TimeoutError instead of hanging the suite when the block blocks for ``seconds``."""
    def expire(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def saved_text(tmp_path):
    """The JSON text ``MLP(2, [4, 1], seed=0).save()`` writes."""
    path = tmp_path / 'good.json'
    MLP(2, [4, 1], seed=0).save(path)
    return path.read_text()


def write(tmp_path, content):
    path = tmp_path / 'model.json'
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def assert_refused(path, match, load_match=None):
    """``load_model(path)`` and ``model.load(path)`` raise ``ModelFileError`` and the model keeps its state."""
    with pytest.raises(ModelFileError, match=match):
        load_model(path)
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ModelFileError, match=load_match or match):
        model.load(path)
    assert model.state_dict() == before


def test_the_saved_file_itself_loads(tmp_path):
    """The control for the edits below: unedited, the same text loads into both loaders."""
    path = write(tmp_path, saved_text(tmp_path))
    model = MLP(2, [4, 1], seed=1)
    model.load(path)
    assert model.state_dict() == MLP(2, [4, 1], seed=0).state_dict() == load_model(path).state_dict()


@pytest.mark.parametrize('content', [
    '[' * 10_000 + ']' * 10_000,
    FORMAT + '"config": {"nin": 2, "nouts": [4, 1], "activation": "relu"}, "state": '
    + '{"a": ' * 10_000 + '0' + '}' * 10_000 + '}',
], ids=['bare', 'inside-a-model-file'])
def test_json_nested_10000_deep_is_refused_before_parsing(tmp_path, content):
    assert_refused(write(tmp_path, content), r'opens 10,00\d JSON objects and lists; a model file opens at most 4')


@pytest.mark.parametrize('digits', [400, 5000])
@pytest.mark.parametrize('where', ['weight', 'size'])
def test_huge_integers_are_refused(tmp_path, digits, where):
    text = saved_text(tmp_path)
    pattern = r'("layers\.0\.neurons\.0\.w\.0": )[-0-9.e]+' if where == 'weight' else r'("nin": )2'
    edited, edits = re.subn(pattern, lambda m: m.group(1) + '9' * digits, text)
    assert edits == 1
    assert_refused(write(tmp_path, edited), f'has an integer of {digits:,} digits; .* at most 15')


@pytest.mark.parametrize('encode, problem', [
    (lambda text: bytes(range(256)), 'byte 128 is 0x80'),
    (lambda text: text.encode('utf-16'), 'byte 0 is 0xff'),  # with a byte order mark
    (lambda text: text.encode('utf-16-le'), 'character 1 is NUL'),  # without one: valid UTF-8, full of NULs
], ids=['binary', 'utf-16', 'utf-16-le'])
def test_binary_or_utf16_bytes_are_refused(tmp_path, encode, problem):
    path = write(tmp_path, encode(saved_text(tmp_path)))
    assert_refused(path, re.escape(f'is not UTF-8 text ({problem})') + '.*binary or re-saved as UTF-16')


@pytest.mark.parametrize('config, message', [
    ({'nouts': []}, "'nouts' must be a non-empty list"),
    ({'nouts': 4}, "'nouts' must be a non-empty list"),
    ({'nin': 0}, 'at least 1, got 0'),
    ({'nouts': [4, 0]}, 'at least 1, got 0'),
    ({'nin': -2}, 'at least 1, got -2'),
    ({'nin': 2.0}, 'whole numbers of at least 1, got 2.0'),
    ({'nin': True}, 'whole numbers of at least 1, got True'),
    ({'nin': '2'}, "whole numbers of at least 1, got '2'"),
    ({'activation': 'swish'}, "unknown activation 'swish'"),
    ({'activation': ['relu']}, r"unknown activation \['relu'\]"),
    ({'seed': 0}, "has the keys nin, nouts, activation, this one has"),
])
def test_empty_zero_or_wrong_sizes_are_refused(tmp_path, config, message):
    document = json.loads(saved_text(tmp_path))
    document['config'].update(config)
    assert_refused(write(tmp_path, json.dumps(document)), message, load_match='holds a MLP')


@pytest.mark.parametrize('size, message', [
    ('1e5', 'whole numbers of at least 1, got 100000.0'),
    ('100000', 'would have 10,000,100,000 parameters, more than the 1,000,000 a model file may hold'),
    ('999999', 'would have 999,999,000,000 parameters'),
])
def test_absurd_sizes_in_a_small_file_are_refused_before_building(tmp_path, monkeypatch, size, message):
    path = write(tmp_path, FORMAT + f'"config": {{"nin": {size}, "nouts": [{size}], "activation": "relu"}}, '
                                    '"state": {"layers.0.neurons.0.w.0": 0.5}}')
    assert path.stat().st_size < 1024
    model = MLP(2, [4, 1], seed=1)
    monkeypatch.setattr(nn.Layer, '__init__', lambda *args, **kwargs: pytest.fail('a layer was built'))
    with pytest.raises(ModelFileError, match=message):
        load_model(path)
    before = model.state_dict()
    with pytest.raises(ModelFileError, match='holds a MLP'):
        model.load(path)
    assert model.state_dict() == before


def test_a_state_with_too_few_or_too_many_entries_is_refused_before_building(tmp_path, monkeypatch):
    document = json.loads(saved_text(tmp_path))
    for state in ({k: v for k, v in document['state'].items() if k != 'layers.1.neurons.0.b'},
                  dict(document['state'], extra=0.0), [0.0] * 17):
        path = write(tmp_path, json.dumps(dict(document, state=state)))
        expected = f'holds {len(state)}' if isinstance(state, dict) else 'is not a dict of them'
        with monkeypatch.context() as patch:
            patch.setattr(nn.Layer, '__init__', lambda *args, **kwargs: pytest.fail('a layer was built'))
            with pytest.raises(ModelFileError, match=f"has 17 parameters, but the file's 'state' {expected}"):
                load_model(path)
        model = MLP(2, [4, 1], seed=1)
        before = model.state_dict()
        with pytest.raises(ModelFileError, match='does not fit|must be a dict'):
            model.load(path)
        assert model.state_dict() == before


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path):
    """The message comes from the size ``os.stat`` gives; reading first would end in another one."""
    path = tmp_path / 'model.json'
    with open(path, 'wb') as f:
        f.truncate(nn.MAX_FILE_BYTES + 1)  # sparse: nothing is really written
    assert_refused(path, f'is {nn.MAX_FILE_BYTES + 1:,} bytes, more than the {nn.MAX_FILE_BYTES:,}')


@needs_alarm
@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='needs os.mkfifo')
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / 'model.json'
    os.mkfifo(fifo)
    with no_hang(10):
        assert_refused(fifo, r'is a FIFO \(named pipe\), not a model file')


@needs_alarm
@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='needs os.mkfifo')
def test_a_fifo_swapped_in_after_the_stat_check_does_not_block(tmp_path, monkeypatch):
    """``os.stat`` is made to see a regular file; opening with O_NONBLOCK and ``fstat`` still catch the FIFO."""
    regular, fifo = tmp_path / 'regular.json', tmp_path / 'model.json'
    regular.write_text('{}')
    os.mkfifo(fifo)
    real_stat, regular_status = os.stat, os.stat(regular)
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    monkeypatch.setattr(os, 'stat', lambda path, *args, **kwargs:
                        regular_status if str(path) == str(fifo) else real_stat(path, *args, **kwargs))
    with no_hang(10):
        with pytest.raises(ModelFileError, match='is a FIFO'):
            model.load(fifo)
    assert model.state_dict() == before


@needs_alarm
@pytest.mark.skipif(not os.path.exists('/dev/zero'), reason='needs /dev/zero')
def test_a_device_is_refused_unread(tmp_path):
    with no_hang(10):
        assert_refused('/dev/zero', r'/dev/zero is a character device, not a model file')


def test_a_missing_file_or_a_folder_is_refused_with_a_clear_message(tmp_path):
    assert_refused(tmp_path / 'nothing.json', 'there is no file .*nothing.json .*check the path')
    assert_refused(tmp_path / 'no-folder' / 'model.json', 'there is no file .*check the path')
    assert_refused(tmp_path, 'is a folder, not a model file: give the path of a .json file')


@pytest.mark.parametrize('content, message', [
    ('', 'not valid JSON'),
    (FORMAT.replace('"version": 1', '"version": 2') + '"config": {}, "state": {}}', 'version 2; .* reads version 1'),
    (FORMAT.replace('"version": 1', '"version": true') + '"config": {}, "state": {}}', 'the version true, where a whole number belongs'),
    (FORMAT.replace('"version": 1', '"version": 1.0') + '"config": {}, "state": {}}', 'the version 1.0, where a whole number belongs'),
])
def test_an_empty_file_or_another_version_is_refused(tmp_path, content, message):
    assert_refused(write(tmp_path, content), message)


@pytest.mark.parametrize('digits', [400, 5000])
def test_huge_python_ints_in_a_state_dict_are_refused_not_overflowed(digits):
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    bits = (10 ** digits).bit_length()
    message = f"'layers.0.neurons.0.b' must be a finite number, got <an int of {bits:,} bits>"
    with pytest.raises(ModelFileError, match=message):
        model.load_state_dict(dict(before, **{'layers.0.neurons.0.b': -10 ** digits}))
    assert model.state_dict() == before


def test_load_model_leaves_global_random_alone(tmp_path):
    path = write(tmp_path, saved_text(tmp_path))
    state = random.getstate()
    load_model(path)
    assert random.getstate() == state


@pytest.mark.parametrize('value', [float('nan'), float('inf'), float('-inf')])
def test_saving_a_non_finite_weight_names_it_and_writes_nothing(tmp_path, value):
    path = tmp_path / 'model.json'
    model = MLP(2, [4, 1], seed=0)
    model.save(path)
    old = path.read_bytes()
    model.layers[0].neurons[3].w[1].data = value
    for target in (path, tmp_path / 'new.json'):
        with pytest.raises(ValueError, match=rf'^layers\.0\.neurons\.3\.w\.1 is {value}; nothing was saved'):
            model.save(target)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ['model.json']


@pytest.mark.parametrize('limit', ['MAX_PARAMETERS', 'MAX_FILE_BYTES'])
def test_saving_a_model_too_large_to_load_writes_nothing(tmp_path, monkeypatch, limit):
    monkeypatch.setattr(nn, limit, 16)  # MLP(2, [4, 1]) has 17 parameters in about 800 bytes
    with pytest.raises(ValueError, match='has 17 parameters .* holds at most .*nothing was saved'):
        MLP(2, [4, 1], seed=0).save(tmp_path / 'model.json')
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('failing', ['fsync', 'replace', 'interrupt'])
def test_a_failed_save_keeps_the_old_file_and_removes_its_temporary_file(tmp_path, monkeypatch, failing):
    path = tmp_path / 'model.json'
    MLP(2, [4, 1], seed=0).save(path)
    old = path.read_bytes()
    error = KeyboardInterrupt if failing == 'interrupt' else OSError

    def fail(*args):
        raise error('the disk is full')
    monkeypatch.setattr(os, 'fsync' if failing != 'replace' else 'replace', fail)
    with pytest.raises(error):
        MLP(2, [4, 1], seed=1).save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ['model.json']


def test_save_syncs_the_whole_file_then_its_folder(tmp_path, monkeypatch):
    synced, real_fsync = [], os.fsync

    def spy(fd):
        status = os.fstat(fd)
        synced.append('folder' if stat.S_ISDIR(status.st_mode) else status.st_size)
        real_fsync(fd)
    monkeypatch.setattr(os, 'fsync', spy)
    MLP(2, [4, 1], seed=0).save(tmp_path / 'model.json')
    folder = ['folder'] if hasattr(os, 'O_DIRECTORY') else []
    assert synced == [(tmp_path / 'model.json').stat().st_size] + folder


@pytest.mark.skipif(not hasattr(os, 'symlink') or os.name != 'posix', reason='needs POSIX permissions and symlinks')
def test_save_replaces_the_file_a_symlink_points_to_and_keeps_its_permissions(tmp_path):
    real, link = tmp_path / 'real.json', tmp_path / 'link.json'
    MLP(2, [4, 1], seed=0).save(real)
    real.chmod(0o600)
    link.symlink_to(real)
    MLP(2, [4, 1], seed=1).save(link)
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert load_model(real).state_dict() == MLP(2, [4, 1], seed=1).state_dict()
    assert sorted(os.listdir(tmp_path)) == ['link.json', 'real.json']


CHILD = """
import sys
from micrograd_ext.learn.nn import MLP
model = MLP(700, [700, 1], seed=1)  # 491,401 parameters: a 26 MB file
model.save(sys.argv[2])
print('ready', flush=True)
while True:
    model.save(sys.argv[1])
"""


@needs_alarm
@pytest.mark.skipif(not hasattr(signal, 'SIGKILL'), reason='needs SIGKILL')
def test_kill_9_during_a_26_mb_save_leaves_the_old_file_or_the_complete_new_one(tmp_path):
    """A child saves a 26 MB model over model.json in a loop; it is SIGKILLed as soon as a save starts writing.

    Checked: the kill landed while a save was writing (its temporary file, or a change to model.json itself
    for a save that writes in place, was seen just before); model.json is then byte for byte the old file or
    the child's complete new version (new.json, saved beforehand) and loads; the only other file left is at
    most one temporary ``.model.json.*.tmp``, which nothing reads; and the 26 MB version itself loads (the
    size cap fits it; test_nn checks that loading restores every weight).
    """
    path, new = tmp_path / 'model.json', tmp_path / 'new.json'
    MLP(2, [4, 1], seed=0).save(path)
    old, first = path.read_bytes(), os.stat(path)
    temporary = re.compile(r'\.model\.json\.[0-9a-f]{8}\.tmp')

    def writing():
        now = os.stat(path)
        return ((now.st_ino, now.st_size, now.st_mtime_ns) != (first.st_ino, first.st_size, first.st_mtime_ns)
                or any(temporary.fullmatch(name) for name in os.listdir(tmp_path)))
    child = subprocess.Popen([sys.executable, '-c', CHILD, str(path), str(new)], stdout=subprocess.PIPE, text=True)
    try:
        with no_hang(120):
            assert child.stdout.readline() == 'ready\n'
            while not writing():
                assert child.poll() is None
                time.sleep(0.0005)  # leave the cores to the child; writing 26 MB takes far longer
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    new_bytes = new.read_bytes()
    assert 25e6 < len(new_bytes) < nn.MAX_FILE_BYTES
    assert path.read_bytes() in (old, new_bytes)
    leftovers = set(os.listdir(tmp_path)) - {'model.json', 'new.json'}
    assert len(leftovers) <= 1 and all(temporary.fullmatch(name) for name in leftovers)
    assert load_model(path).config() in ({'nin': 2, 'nouts': [4, 1], 'activation': 'relu'},
                                         {'nin': 700, 'nouts': [700, 1], 'activation': 'relu'})
    big = load_model(new)
    assert big.config() == {'nin': 700, 'nouts': [700, 1], 'activation': 'relu'} and len(big.parameters()) == 491_401
