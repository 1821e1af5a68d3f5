"""The fixture every drawing test renders with: ``backend``, the system dot and the embedded Graphviz in turn."""
import os

import pytest

from micrograd_ext.viz import system_dot

REQUIRE_DOT = os.environ.get('MICROGRAD_EXT_REQUIRE_DOT') == '1'


@pytest.fixture(params=['system', 'embedded'])
def backend(request, monkeypatch, tmp_path):
    if request.param == 'system':
        if system_dot() is None:
            if REQUIRE_DOT:
                pytest.fail('MICROGRAD_EXT_REQUIRE_DOT=1 but the system dot is not on PATH')
            pytest.skip('the system Graphviz is not installed (CI installs it with apt-get)')
    else:
        monkeypatch.setenv('PATH', str(tmp_path))  # hide the system dot
        assert system_dot() is None
    return request.param
