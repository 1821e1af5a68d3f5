"""The grader's sandbox (``classroom.sandbox``): what a notebook's process can see and do in it."""
import os
import subprocess
import sys

import pytest

from micrograd_ext.classroom.sandbox import LIBRARY, NoSandbox, Sandbox

from ..sandboxing import need_sandbox

SEE = '''import os, socket, resource
print(os.getuid())
print(len([pid for pid in os.listdir('/proc') if pid.isdigit()]))
print(os.path.exists(SECRET))
try:
    socket.create_connection(('127.0.0.1', PORT), timeout=2)
    print('connected')
except OSError:
    print('no connection')
try:
    open(os.path.join(os.path.dirname(os.__file__), 'planted.py'), 'w')
    print('wrote')
except OSError:
    print('read-only')
import micrograd_ext
print(micrograd_ext.__file__)
'''


def test_unknown_kinds_and_impossible_users_are_refused_with_the_fix():
    with pytest.raises(NoSandbox, match='choose bwrap, user:NAME or none'):
        Sandbox('docker')
    with pytest.raises(NoSandbox, match='choose bwrap'):
        Sandbox('user')
    if os.geteuid() != 0:
        with pytest.raises(NoSandbox, match='needs the grader to run as root'):
            Sandbox('user:nobody')
    else:
        with pytest.raises(NoSandbox, match='useradd'):
            Sandbox('user:no-such-user-here')
    assert Sandbox('none').forgeable and Sandbox('none').command(['x'], 0) == ['x']


def test_in_the_sandbox_nothing_of_the_grader_is_seen_or_reached(tmp_path):
    need_sandbox()
    import socket
    secret = tmp_path / 'key.ipynb'
    secret.write_text('{}')
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    listener.setblocking(False)
    code = SEE.replace('SECRET', repr(str(secret))).replace('PORT', str(listener.getsockname()[1]))
    sandbox = Sandbox('bwrap')
    seen = subprocess.run(sandbox.command([sys.executable, '-c', code], slot=5), capture_output=True, text=True,
                          timeout=60, preexec_fn=sandbox.limits(1024, 30))
    assert seen.returncode == 0, seen.stderr
    uid, pids, secret_seen, network, writing, package = seen.stdout.split('\n')[:6]
    assert uid != '0' and int(pids) <= 2  # not root; bubblewrap's init and this python are all it sees
    assert secret_seen == 'False' and network == 'no connection' and writing == 'read-only'
    assert package.startswith(LIBRARY)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
