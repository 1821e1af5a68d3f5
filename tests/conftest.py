import os
import subprocess

import pytest
from hypothesis import settings

from .browser import REQUIRE_BROWSER

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


@pytest.fixture(scope='session')
def assets(tmp_path_factory) -> str:
    """The two npm tarballs of ``micrograd-ext site`` (tests/web, tests/cli/test_site.py): from the folder
    MICROGRAD_EXT_SITE_ASSETS, else ``npm pack`` (CI installs npm)."""
    from micrograd_ext.web.site import SiteError, npm_pack
    given = os.environ.get('MICROGRAD_EXT_SITE_ASSETS')
    if given:
        return given
    try:
        return npm_pack(str(tmp_path_factory.mktemp('npm')))
    except SiteError as error:
        if REQUIRE_BROWSER:
            pytest.fail(f'MICROGRAD_EXT_REQUIRE_BROWSER=1 but the site cannot get its JavaScript packages: {error}')
        pytest.skip(str(error))
