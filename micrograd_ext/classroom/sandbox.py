"""Where a student's notebook runs: a sandbox made by bubblewrap, a user of its own, or (when asked) no sandbox.

``bubblewrap`` (``bwrap``, the tool behind Flatpak) is the default on Linux. In its sandbox the notebook has
no network, its own PID namespace (the grader cannot be seen; every process the notebook starts dies with it),
the system and the Python installation read-only, and a small private ``/tmp`` as the only place it can write;
the key, the roster, the gradebook, the other submissions and every home folder are not there at all. Run as
root, the notebook's processes run as a user id of their own; run as a user, in a user
namespace of their own. Either way a process limit counts this notebook's processes alone.

``user:NAME`` runs the notebook as the unprivileged user NAME, for containers that are themselves the
sandbox (Gradescope's), where user namespaces are not allowed: the grader, running as root, keeps its files
out of NAME's reach, and kills every process of NAME after each notebook. ``none`` runs the notebook as
the grader's own user: grades can then be forged (``grade --no-sandbox`` says so).

>>> sandbox = Sandbox('none')
>>> sandbox.command(['python3', '-V'], slot=0)
['python3', '-V']
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import site
import subprocess
import sys
from collections.abc import Callable

from ..core.errors import MicrogradExtError

SANDBOX_UID = 1_900_000_000  # root's sandboxes run as user ids from here on, which no account uses
PROCESSES = 64  # processes a notebook may have at once: its runner, its kernel and what they start
FILE_BYTES = 64 * 1024 * 1024  # the largest file a notebook may write
SCRATCH_BYTES = 256 * 1024 * 1024  # its /tmp, in memory
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../micrograd_ext
LIBRARY = '/opt/micrograd-ext'  # where the sandbox sees this package: the grader's own copy, read-only
HOME = '/tmp/home'
PYTHON = os.path.normpath(os.path.abspath(sys.executable))  # the grader's Python, by a path the sandbox has too


class NoSandbox(MicrogradExtError, RuntimeError):
    """No sandbox of the kind asked for can be made here: the message says why and what to do."""


class Sandbox:
    """How each notebook's runner is started: ``command(argv, slot)``, ``limits(memory, seconds)`` to apply in
    the child before it starts, and ``clean_up()`` after it ends."""

    def __init__(self, kind: str = 'bwrap'):
        self.kind, _, self.user = kind.partition(':')
        if self.kind not in ('bwrap', 'user', 'none') or (self.kind == 'user') != bool(self.user):
            raise NoSandbox(f"unknown sandbox {kind!r}: choose bwrap, user:NAME or none")
        self.account: pwd.struct_passwd | None = None
        self.account = self._check()

    def __repr__(self) -> str:
        return f"Sandbox({self.kind + (':' + self.user if self.user else '')!r})"

    @property
    def forgeable(self) -> bool:
        """Can a notebook reach the grader's files and processes (and so forge grades)?"""
        return self.kind == 'none'

    def _check(self) -> pwd.struct_passwd | None:
        if self.kind == 'none':
            return None
        if not sys.platform.startswith('linux'):
            raise NoSandbox(f'grading in a sandbox needs Linux (this is {sys.platform}): grade on a Linux machine '
                            'or in a Linux container, or pass --no-sandbox to run notebooks unconfined (grades can '
                            'then be forged)')
        if self.kind == 'user':
            if os.geteuid() != 0:
                raise NoSandbox(f'--sandbox user:{self.user} runs notebooks as {self.user}, which needs the grader '
                                'to run as root')
            try:
                return pwd.getpwnam(self.user)
            except KeyError:
                raise NoSandbox(f'there is no user {self.user!r}: create it (useradd --no-create-home '
                                f'{self.user}) or name another') from None
        if shutil.which('bwrap') is None:
            raise NoSandbox('bubblewrap (bwrap) is not installed: install it (Debian and Ubuntu: apt-get install '
                            'bubblewrap; Fedora: dnf install bubblewrap), or pass --no-sandbox to run notebooks '
                            'unconfined (grades can then be forged)')
        probe = subprocess.run(self.command(['true'], 0), capture_output=True, text=True, timeout=30,
                               preexec_fn=self.limits(512, 10))
        if probe.returncode != 0:
            raise NoSandbox(f"bubblewrap cannot make a sandbox here ({probe.stderr.strip()[-300:] or 'no reason given'}):"
                            ' allow user namespaces (sysctl kernel.unprivileged_userns_clone=1, or '
                            'kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu), grade as root, or pass '
                            '--no-sandbox (grades can then be forged)')
        return None

    def command(self, argv: list[str], slot: int) -> list[str]:
        """``argv`` as run in this sandbox."""
        if self.kind != 'bwrap':
            return list(argv)
        as_root = os.geteuid() == 0
        command = ['bwrap', '--die-with-parent', '--new-session', '--clearenv',
                   '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try']
        command += [] if as_root else ['--unshare-user', '--disable-userns']
        for path in ('/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'):
            if os.path.islink(path):
                command += ['--symlink', os.readlink(path), path]
            elif os.path.isdir(path):
                command += ['--ro-bind', path, path]
        command += ['--size', str(SCRATCH_BYTES), '--tmpfs', '/tmp']  # first: a Python under /tmp is bound over it
        binds = [(path, path) for path in python_folders()] + [(PACKAGE, f'{LIBRARY}/micrograd_ext')]
        parents = {os.path.dirname(place) for _, place in binds}
        for parent in sorted({ancestor for place in parents for ancestor in ancestors(place)} - {'/tmp'}):
            command += ['--perms', '0755', '--dir', parent]  # (bubblewrap would make them 0700: unreachable as a user)
        for path, place in binds:
            command += ['--ro-bind', path, place]
        command += ['--proc', '/proc', '--dev', '/dev', '--dir', HOME, '--chdir', HOME]
        if as_root:
            command += ['--chmod', '1777', '/tmp', '--chmod', '0777', HOME]
        for name, value in sandbox_environment('/tmp').items():
            command += ['--setenv', name, value]
        if as_root:  # no user namespace: the notebook's processes drop to a user id of their own
            uid = str(SANDBOX_UID + (os.getpid() % 100_000) * 256 + slot % 256)  # one per grader and slot
            command += ['--', 'setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups', '--inh-caps=-all',
                        '--bounding-set=-all']
        else:
            command += ['--cap-drop', 'ALL', '--']
        return command + list(argv)

    def limits(self, memory: int, seconds: int) -> Callable[[], None]:
        """What the child does before it starts: caps on memory (MB, per process), CPU time, file size and core
        dumps; for ``user:NAME``, dropping to that user."""
        account = self.account

        def apply() -> None:
            import resource
            for limit, value in ((resource.RLIMIT_AS, memory * 1024 * 1024), (resource.RLIMIT_CPU, seconds),
                                 (resource.RLIMIT_FSIZE, FILE_BYTES), (resource.RLIMIT_CORE, 0)):
                resource.setrlimit(limit, (value, value))
            if account is not None:
                os.setgroups([])
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)
        return apply

    def runner_options(self) -> list[str]:
        """Options for the runner: a process limit where it counts this notebook's processes alone."""
        return [] if self.kind == 'none' else ['--processes', str(PROCESSES)]

    def environment(self, scratch: str) -> dict[str, str] | None:
        """The runner's environment outside bubblewrap (which sets its own), its home and temporary files in
        ``scratch``: for ``user:NAME`` nothing of the grader's, for ``none`` the grader's own."""
        if self.kind == 'bwrap':
            return None
        path = os.pathsep.join(filter(None, [os.path.dirname(PACKAGE), os.environ.get('PYTHONPATH')]))
        return {**(os.environ if self.kind == 'none' else {}), **sandbox_environment(scratch),
                'PYTHONPATH': path if self.kind == 'none' else os.path.dirname(PACKAGE)}

    def clean_up(self) -> None:
        """After a notebook: for ``user:NAME``, kill every process NAME still has."""
        if self.account is None:
            return
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                if os.stat(f'/proc/{pid}').st_uid == self.account.pw_uid:
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:  # gone already
                continue


def python_folders() -> list[str]:
    """The folders of this Python installation (prefixes and site-packages), outermost first, none inside
    another."""
    folders = sorted({os.path.realpath(path) for path in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                          *site.getsitepackages()) if os.path.isdir(path)})
    kept: list[str] = []
    for folder in folders:
        if not any(folder.startswith(outer.rstrip('/') + '/') for outer in kept) and not folder.startswith('/usr/'):
            kept.append(folder)
    if sys.prefix != os.path.realpath(sys.prefix):  # a venv reached through a symlink: its own path too
        kept.append(sys.prefix)
    return kept


def ancestors(path: str) -> list[str]:
    """'/a/b/c' -> ['/a', '/a/b', '/a/b/c']."""
    parts = path.strip('/').split('/')
    return ['/' + '/'.join(parts[:i]) for i in range(1, len(parts) + 1) if parts[0]]


def sandbox_environment(scratch: str) -> dict[str, str]:
    """The environment a notebook runs with, its temporary files in ``scratch``: a search path and these."""
    home = HOME if scratch == '/tmp' else scratch
    return {'PATH': f'{os.path.dirname(PYTHON)}:/usr/local/bin:/usr/bin:/bin', 'HOME': home, 'LANG': 'C.UTF-8',
            'TMPDIR': scratch, 'PYTHONPATH': LIBRARY, 'PYTHONNOUSERSITE': '1', 'PYTHONDONTWRITEBYTECODE': '1',
            'JUPYTER_RUNTIME_DIR': f'{scratch}/jupyter', 'MPLBACKEND': 'Agg', 'MPLCONFIGDIR': f'{scratch}/matplotlib',
            'OPENBLAS_NUM_THREADS': '1', 'MALLOC_ARENA_MAX': '2'}
