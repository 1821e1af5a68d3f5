"""Whether this machine can make the grader's sandbox: tests that grade in it skip where it cannot, but fail
under CI, which installs bubblewrap and sets MICROGRAD_EXT_REQUIRE_SANDBOX=1."""
import os

import pytest

from micrograd_ext.classroom.sandbox import NoSandbox, Sandbox

SANDBOXED_KERNEL = 'ipykernel_launcher -f /tmp/jupyter/'  # a kernel started in the sandbox (its runtime folder)


def why_no_sandbox() -> str | None:
    """None where a bubblewrap sandbox can be made, else why not."""
    try:
        Sandbox('bwrap')
    except NoSandbox as error:
        return str(error)
    return None


def need_sandbox() -> None:
    """Skip the calling test module where there is no sandbox (fail under MICROGRAD_EXT_REQUIRE_SANDBOX=1)."""
    why = why_no_sandbox()
    if why is None:
        return
    if os.environ.get('MICROGRAD_EXT_REQUIRE_SANDBOX') == '1':
        pytest.fail(f'MICROGRAD_EXT_REQUIRE_SANDBOX=1 but {why}', pytrace=False)
    pytest.skip(f'no sandbox here: {why}', allow_module_level=True)


def processes_running(words: str) -> list[str]:
    """The pids of the processes whose command line contains ``words`` (read from /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as cmdline:
                if words in cmdline.read().replace(b'\0', b' ').decode(errors='replace'):
                    found.append(pid)
        except OSError:
            continue
    return found
