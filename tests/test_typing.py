"""The package type-checks: ``python -m mypy micrograd_ext`` from the repository root (configured in setup.cfg)
finds no errors.

mypy comes with the test extra; where it is not installed the test skips, unless MICROGRAD_EXT_REQUIRE_MYPY=1
(as CI sets), and then it fails.
"""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRE_MYPY = os.environ.get('MICROGRAD_EXT_REQUIRE_MYPY') == '1'
TIMEOUT = 600  # seconds; a run without a cache takes some 20 s (PyTorch's stubs are most of it)


def test_mypy_finds_no_errors(tmp_path):
    if importlib.util.find_spec('mypy') is None:
        if REQUIRE_MYPY:
            pytest.fail('MICROGRAD_EXT_REQUIRE_MYPY=1 but mypy is not installed')
        pytest.skip("mypy is not installed (pip install 'micrograd-ext[test]'; CI sets MICROGRAD_EXT_REQUIRE_MYPY=1)")
    command = [sys.executable, '-m', 'mypy', '--cache-dir', str(tmp_path / 'mypy_cache'), 'micrograd_ext']
    try:  # the cache goes under tmp_path: tests leave the checkout as it was
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f'mypy did not finish within {TIMEOUT} s')
    output = done.stdout + done.stderr
    assert done.returncode == 0 and 'Success' in output, output
