"""``micrograd-ext site OUT/``: a static folder that runs this library in the browser, nothing to install.

The folder holds Pyodide's core (Python compiled to WebAssembly), the WebAssembly Graphviz of ``@viz-js/viz``,
this library and the ``graphviz`` Python package as wheels, and three pages: ``index.html`` (the examples),
``console.html`` (Python with ``Value`` imported) and ``steps.html`` (an expression stepped through in the
player). Any static host serves it (``python -m http.server -d OUT``); nothing is fetched from elsewhere.

The JavaScript packages come from the npm registry at the pinned versions below, with ``npm pack`` (Node.js's
npm client), or from a folder that already holds the two ``.tgz`` files ``npm pack`` makes (``assets``).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..core import __version__
from ..core.errors import MicrogradExtError

# (npm package, pinned version, the file npm pack writes, {file in the package: where it goes in the site})
PYODIDE = ('pyodide', '314.0.8', 'pyodide-314.0.8.tgz',
           {f'package/{name}': f'pyodide/{name}' for name in
            ('pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json')})
VIZ = ('@viz-js/viz', '3.31.0', 'viz-js-viz-3.31.0.tgz', {'package/dist/viz-global.js': 'viz/viz-global.js'})
PACKAGES = (PYODIDE, VIZ)
MAX_ASSET_BYTES = 64 * 2 ** 20  # the largest file taken from a package (pyodide.asm.wasm is about 10 MB)
NPM_TIMEOUT = 600  # seconds for npm pack
PAGES = ('index.html', 'console.html', 'steps.html', 'site.css', 'site.js', 'console.js', 'steps.js')
PYTHON_PACKAGES = ('micrograd_ext', 'graphviz')  # the pure-Python packages the pages import


class SiteError(MicrogradExtError, RuntimeError):
    """The site cannot be built: a JavaScript package is missing, or the folder is not free."""


@dataclass
class Site:
    """A built site: its folder, its size in bytes and the wheels it holds."""
    folder: str
    size: int
    wheels: list[str]

    def __str__(self) -> str:
        return (f"wrote {self.folder} ({self.size / 2 ** 20:.1f} MB: Pyodide {PYODIDE[1]}, @viz-js/viz {VIZ[1]}, "
                f"{', '.join(self.wheels)}); serve it with: python -m http.server -d {self.folder} 8000")


def build_site(out: str, assets: str | None = None) -> Site:
    """Build the site in the folder ``out``: new, empty, or a site built before (its own files are replaced, any
    other file there stays).

    ``assets``: a folder with ``pyodide-314.0.8.tgz`` and ``viz-js-viz-3.31.0.tgz`` (``npm pack pyodide@314.0.8
    @viz-js/viz@3.31.0``); without it ``npm pack`` fetches them from the npm registry.
    """
    check_free(out)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix='.site-') as work:
        tarballs = assets if assets is not None else npm_pack(work)
        check_assets(tarballs)
        staging = os.path.join(work, 'site')
        os.makedirs(staging)
        for package in PACKAGES:
            extract(os.path.join(tarballs, package[2]), package, staging)
        wheels = [write_wheel(name, os.path.join(staging, 'wheels')) for name in PYTHON_PACKAGES]
        pages = resources.files('micrograd_ext.web') / 'site_files'
        for name in PAGES:
            Path(staging, name).write_bytes((pages / name).read_bytes())
        manifest = {'micrograd_ext': __version__, 'pyodide': PYODIDE[1], 'viz': VIZ[1], 'wheels': wheels}
        Path(staging, 'manifest.json').write_text(json.dumps(manifest, indent=1), encoding='utf-8')
        if not os.path.exists(out):
            os.replace(staging, out)  # the whole site appears at once
        else:  # a site built before: its own files are replaced, what the teacher added (a CNAME, notes) stays
            for name in os.listdir(staging):
                if os.path.isdir(os.path.join(out, name)):
                    shutil.rmtree(os.path.join(out, name))
                os.replace(os.path.join(staging, name), os.path.join(out, name))
    size = sum(f.stat().st_size for f in Path(out).rglob('*') if f.is_file())
    return Site(out, size, wheels)


def check_free(out: str) -> None:
    """``out`` must be new, empty, or a site this command built (it holds its manifest.json and pages)."""
    if not os.path.exists(out):
        return
    if not os.path.isdir(out):
        raise SiteError(f"{out} is a file; give a folder for the site")
    found = set(os.listdir(out))
    if found and not {'manifest.json', 'index.html', 'pyodide'} <= found:
        raise SiteError(f"{out} is a folder with other files in it; give a new or empty folder for the site")


def check_assets(folder: str) -> None:
    """``folder`` must hold the ``.tgz`` file of each package, as ``npm pack`` names it."""
    for name, version, filename, _ in PACKAGES:
        if not os.path.isfile(os.path.join(folder, filename)):
            raise SiteError(f"{os.path.join(folder, filename)} is missing: the assets folder needs {filename} "
                            f"(npm pack {name}@{version} writes it)")


def npm_pack(folder: str) -> str:
    """``npm pack`` the pinned packages into ``folder``; returns it."""
    npm = shutil.which('npm')
    if npm is None:
        raise SiteError(f"the site needs two JavaScript packages from the npm registry and npm is not installed: "
                        f"install Node.js (it brings npm), or run `npm pack {spec(PYODIDE)} {spec(VIZ)}` on a machine "
                        "that has it and pass the folder of the two .tgz files with --assets DIR")
    try:
        done = subprocess.run([npm, 'pack', *(spec(p) for p in PACKAGES), '--pack-destination', folder],
                              capture_output=True, text=True, timeout=NPM_TIMEOUT, cwd=folder)
    except subprocess.TimeoutExpired:
        raise SiteError(f"npm pack did not finish in {NPM_TIMEOUT} s; check the network, or pass --assets DIR with "
                        f"the .tgz files of `npm pack {spec(PYODIDE)} {spec(VIZ)}`") from None
    if done.returncode != 0:
        raise SiteError(f"npm pack {spec(PYODIDE)} {spec(VIZ)} failed: {done.stderr.strip()[-500:]}")
    return folder


def spec(package: tuple) -> str:
    return f'{package[0]}@{package[1]}'


def extract(tarball: str, package: tuple, site: str) -> None:
    """Copy the package's files the site uses out of its npm tarball (regular files only, each of bounded size)."""
    name, version, _, wanted = package
    try:
        with tarfile.open(tarball, 'r:gz') as archive:
            for member in archive.getmembers():
                target = wanted.get(member.name)
                if target is None:
                    continue
                if not member.isfile() or member.size > MAX_ASSET_BYTES:
                    raise SiteError(f"{tarball}: {member.name} is not a regular file of at most "
                                    f"{MAX_ASSET_BYTES:,} bytes")
                destination = Path(site, target)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    except (tarfile.TarError, EOFError, OSError) as error:
        raise SiteError(f"{tarball} is not the npm tarball of {name} {version} ({error}); make it again with "
                        f"npm pack {name}@{version}") from None
    missing = [path for path in wanted.values() if not Path(site, path).is_file()]
    if missing:
        raise SiteError(f"{tarball} is not {name} {version}: it lacks {', '.join(missing)}")


def write_wheel(package: str, folder: str) -> str:
    """A pure-Python wheel of the installed ``package`` (its files as installed, and its metadata) in ``folder``;
    returns the wheel's file name. The page unpacks it into a folder on Python's path."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SiteError(f"the Python package {package} is not installed here: pip install {package}")
    root = Path(spec.submodule_search_locations[0])
    distribution = importlib.metadata.distribution(package)
    version = distribution.version
    info = f'{distribution.metadata["Name"].replace("-", "_")}-{version}.dist-info'
    files = {f'{package}/{path.relative_to(root).as_posix()}': path.read_bytes()
             for path in sorted(root.rglob('*')) if path.is_file() and '__pycache__' not in path.parts}
    files[f'{info}/METADATA'] = f'Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n'.encode()
    files[f'{info}/WHEEL'] = (b'Wheel-Version: 1.0\nGenerator: micrograd-ext site\nRoot-Is-Purelib: true\n'
                              b'Tag: py3-none-any\n')
    record = io.StringIO()
    writer = csv.writer(record, lineterminator='\n')
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        writer.writerow([path, f'sha256={digest}', len(data)])
    writer.writerow([f'{info}/RECORD', '', ''])
    files[f'{info}/RECORD'] = record.getvalue().encode()
    name = f'{package}-{version}-py3-none-any.whl'
    os.makedirs(folder, exist_ok=True)
    with zipfile.ZipFile(os.path.join(folder, name), 'w', zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return name
