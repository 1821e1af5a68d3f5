import os
import subprocess

import pytest
from hypothesis import settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUS = pytest.StashKey[set]()

# CI runs the same examples every time, so a red build is reproducible; locally each run explores anew.
settings.register_profile('ci', derandomize=True)
if os.environ.get('CI'):
    settings.load_profile('ci')


def git_status() -> set[str]:
    """``git status --porcelain`` of the checkout, one entry a file (empty outside a git checkout)."""
    done = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=ROOT, capture_output=True,
                          text=True)
    return set(done.stdout.splitlines()) if done.returncode == 0 else set()


# On CI (a fresh clone that nobody edits meanwhile) the run fails if the tests changed what git sees: tests write
# only under tmp_path. Locally other people's edits would trip it, so there `CI=1 pytest` asks for the check.
def pytest_sessionstart(session):
    if os.environ.get('CI'):
        session.config.stash[STATUS] = git_status()


def pytest_sessionfinish(session):
    if STATUS in session.config.stash:
        changed = sorted(git_status() - session.config.stash[STATUS])
        if changed:
            reporter = session.config.pluginmanager.get_plugin('terminalreporter')
            reporter.write_sep('=', 'the tests changed the working tree: write under tmp_path instead', red=True)
            reporter.write_line('\n'.join(changed))
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

