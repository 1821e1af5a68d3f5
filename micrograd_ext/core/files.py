"""Writing a file all or nothing: what every file the package writes (models, gradebooks, notebooks,
players, the autograder) goes through, so a crash or a kill never leaves half a file."""
from __future__ import annotations

import contextlib
import os
import secrets
import stat


def write_atomically(path, data: bytes) -> None:
    """Replace the file at ``path`` by ``data``, all or nothing.

    ``data`` goes to a temporary file ``.NAME.XXXXXXXX.tmp`` in the same folder, is flushed to disk with
    ``os.fsync``, then renamed over ``path`` by ``os.replace`` (atomic); the folder is synced too where the OS
    can open folders. On any error the temporary file is removed; only a kill -9 can leave it behind, and
    nothing ever reads it. As with ``open(path, 'w')``, a symlink is followed and the permissions of the
    file replaced are kept.
    """
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path}: there is no folder {folder}")
    temp = os.path.join(folder, f'.{name}.{secrets.token_hex(4)}.tmp')
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), 0o666)
    try:
        with open(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(fd)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # POSIX: make the rename itself durable (Windows cannot open a folder)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
