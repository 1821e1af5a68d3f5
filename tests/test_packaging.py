"""Ready to publish: ``python -m build`` makes a wheel and an sdist that pass ``twine check --strict``; the sdist
holds everything to build the package and run its tests, notebooks and benchmarks; each installs into a fresh
virtual environment with its package data; and every install hint names this distribution and one of its extras."""
import configparser
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = configparser.ConfigParser()
CONFIG.read(os.path.join(ROOT, 'setup.cfg'), encoding='utf-8')
NAME = CONFIG['metadata']['name']
EXTRAS = set(CONFIG['options.extras_require'])
PACKAGE_DATA = ['micrograd_ext/teach/player_files/page.html', 'micrograd_ext/teach/player_files/player.css',
                'micrograd_ext/teach/player_files/player.html', 'micrograd_ext/teach/player_files/player.js',
                'micrograd_ext/classroom/gradescope_files/pyproject.toml',
                'micrograd_ext/classroom/gradescope_files/run_autograder',
                'micrograd_ext/classroom/gradescope_files/setup.sh']
SKIPPED = ('.git', '.venv', 'build', 'dist', '__pycache__', '.hypothesis', '.mypy_cache', '.pytest_cache')
HINT = re.compile(r"pip install '?([\w.-]+)(?:\[([\w,]+)\])?'?(?=[\s`)\"]|$)")


def hints() -> list[tuple[str, int, str, str, str]]:
    """(file, line number, line, distribution, extras) of every ``pip install`` of this package in the sources, tests,
    benchmarks, notebooks and README."""
    files = [os.path.join(ROOT, 'README.md')] + [
        path for folder in ('micrograd_ext', 'tests', 'benchmarks', 'notebooks')
        for path in glob.glob(os.path.join(ROOT, folder, '**', '*.*'), recursive=True)
        if path.endswith(('.py', '.ipynb', '.md', '.sh', '.html', '.js'))]
    found = []
    for path in files:
        with open(path, encoding='utf-8') as file:
            for number, line in enumerate(file, 1):
                for match in HINT.finditer(line):
                    if match[1].startswith(('micrograd', '.')) and match[1] != 'micrograd==0.1.0':
                        found.append((os.path.relpath(path, ROOT), number, line, match[1], match[2] or ''))
    return found


def test_the_distribution_is_named_as_the_command_and_pip_normalises_it():
    assert NAME == 'micrograd-ext' == re.sub(r'[-_.]+', '-', NAME).lower()  # PEP 503's normal form


def test_every_install_hint_names_this_distribution_and_one_of_its_extras():
    found = hints()
    assert len(found) >= 8
    for path, number, line, name, extras in found:
        where = f'{path}:{number}'
        # `pip install '.[...]'` only where a checkout is certain: the Quick start's commands (and CI's copy of them)
        if name == '.':
            assert 'checkout' in line or path == 'README.md' and line.startswith('python3 -m venv .venv'), where
        else:
            assert name == NAME, f'{where}: pip install {name} (the distribution is {NAME})'
        assert set(filter(None, extras.split(','))) <= EXTRAS, f'{where}: no such extra {extras}'


# ---- building and installing ----------------------------------------------------------------------------------

def source_files() -> list[str]:
    """What a commit of this checkout would hold (tracked and new files, not ignored ones), or, outside a git
    checkout (an unpacked sdist), every file but caches and environments."""
    if shutil.which('git') and os.path.isdir(os.path.join(ROOT, '.git')):
        listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.split('\0')
        return sorted(name for name in listed if name and os.path.isfile(os.path.join(ROOT, name)))
    names = []
    for folder, folders, files in os.walk(ROOT):
        folders[:] = [f for f in folders if f not in SKIPPED and not f.endswith('.egg-info')]
        names += [os.path.relpath(os.path.join(folder, f), ROOT).replace(os.sep, '/') for f in files
                  if not f.endswith('.pyc') and f != 'PKG-INFO']
    return sorted(names)


def run(command, timeout=600, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, command))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """(source files, wheel, sdist): ``python -m build`` of a copy of the checkout (it writes build/ and
    *.egg-info where it runs)."""
    pytest.importorskip('build', reason=f"needs build and twine (pip install '{NAME}[test]')")
    pytest.importorskip('twine', reason=f"needs build and twine (pip install '{NAME}[test]')")
    base = tmp_path_factory.mktemp('packaging')
    files = source_files()
    for name in files:
        os.makedirs(os.path.dirname(base / 'source' / name), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), base / 'source' / name)
    run([sys.executable, '-m', 'build', '--outdir', str(base / 'dist'), str(base / 'source')], timeout=900)
    wheel, = glob.glob(str(base / 'dist' / '*.whl'))
    sdist, = glob.glob(str(base / 'dist' / '*.tar.gz'))
    return files, wheel, sdist


def test_twine_check_passes_on_the_wheel_and_the_sdist(built):
    _, wheel, sdist = built
    done = run([sys.executable, '-m', 'twine', 'check', '--strict', wheel, sdist])
    assert done.stdout.count('PASSED') == 2, done.stdout


def test_the_sdist_holds_every_source_file_and_nothing_else(built):
    files, _, sdist = built
    with tarfile.open(sdist) as archive:
        names = {member.name.split('/', 1)[1] for member in archive.getmembers() if member.isfile()}
        metadata = archive.extractfile(f"{archive.getnames()[0].split('/')[0]}/PKG-INFO").read().decode()
    assert set(files) - names == set()  # the sources, the tests, notebooks, benchmarks, README, LICENSE, CI
    assert {name for name in names - set(files) if '.egg-info/' not in name} == {'PKG-INFO'}  # no caches, no junk
    for needed in ['setup.cfg', 'pyproject.toml', 'MANIFEST.in', 'README.md', 'LICENSE', '.ci/run', 'tests/conftest.py',
                   'tests/core/test_torch_agreement.py', 'notebooks/01_the_neuron.ipynb', 'benchmarks/run.py',
                   *PACKAGE_DATA]:
        assert needed in names, needed
    assert f'Name: {NAME}\n' in metadata and 'License-Expression: MIT\n' in metadata
    assert 'Requires-Python: >=3.10\n' in metadata and 'Description-Content-Type: text/markdown\n' in metadata


def test_the_wheel_holds_the_package_data(built):
    files, wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert set(PACKAGE_DATA) <= names
    assert {name for name in files if name.startswith('micrograd_ext/')} - names == set()  # every file of the package
    assert not any(name.startswith(('tests/', 'notebooks/', 'benchmarks/')) for name in names)
    assert any(name.endswith('.dist-info/licenses/LICENSE') for name in names)


def fresh_environment(folder) -> str:
    """A new virtual environment whose own site-packages comes first, then this one's (so the dependencies are
    there without downloading them); its python."""
    run([sys.executable, '-m', 'venv', '--without-pip', str(folder)], timeout=300)  # this pip installs into it
    python = os.path.join(folder, 'Scripts' if os.name == 'nt' else 'bin', 'python')
    own = run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).stdout.strip()
    outer = [path for path in sys.path if path.endswith('site-packages')]
    with open(os.path.join(own, 'outer_environment.pth'), 'w', encoding='utf-8') as file:
        file.write('\n'.join(outer) + '\n')
    return python


CHECK = """
import importlib.metadata, importlib.resources, os, sys
import micrograd_ext
assert micrograd_ext.__file__.startswith(sys.prefix), micrograd_ext.__file__  # this copy, not the checkout
assert importlib.metadata.version('micrograd-ext') == micrograd_ext.__version__
for folder, name in [('teach/player_files', 'player.html'), ('classroom/gradescope_files', 'setup.sh')]:
    assert (importlib.resources.files('micrograd_ext') / folder / name).is_file(), name
from micrograd_ext import Value
from micrograd_ext.teach.player import save_backward_html
x = Value(2.0, label='x'); y = x * x; y.backward()
print(x.grad)
save_backward_html(y, 'steps.html')
print(os.path.getsize('steps.html') > 1000)
"""


@pytest.mark.parametrize('kind', ['wheel', 'sdist'])
def test_each_installs_in_a_fresh_environment_with_its_package_data(built, tmp_path, kind):
    _, wheel, sdist = built
    python = fresh_environment(tmp_path / 'env')
    run([sys.executable, '-m', 'pip', '--python', python, 'install', '--no-deps', '--ignore-installed', '--quiet',
         wheel if kind == 'wheel' else sdist], timeout=900)  # ignore the copy these tests may run with
    done = run([python, '-I', '-c', CHECK], cwd=tmp_path)
    assert done.stdout.split() == ['4.0', 'True']
    script = os.path.join(os.path.dirname(python), 'micrograd-ext')
    assert 'demo' in run([script, '--help'], cwd=tmp_path).stdout


def test_the_tests_run_from_the_unpacked_sdist(built, tmp_path):
    _, _, sdist = built
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter='data') if hasattr(tarfile, 'data_filter') else archive.extractall(tmp_path)
    unpacked, = glob.glob(str(tmp_path / 'micrograd_ext-*'))
    done = run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/core/test_copying.py',
                'tests/test_readme.py', 'micrograd_ext/core/copying.py'], cwd=unpacked, timeout=600)
    assert ' passed' in done.stdout and ' failed' not in done.stdout
