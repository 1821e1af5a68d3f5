"""``micrograd-ext site OUT``, run as a subprocess: it builds the site, replaces one it built, and says what is
missing (the npm tarballs) or in the way (a folder with other files). The site itself: tests/web/."""
import subprocess
import sys


def test_the_command_builds_the_site_and_says_what_is_missing(assets, tmp_path):
    run = lambda *args: subprocess.run([sys.executable, '-m', 'micrograd_ext', 'site', *args], capture_output=True,
                                       text=True, timeout=300)
    out = tmp_path / 'site'
    done = run(str(out), '--assets', assets)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f'wrote {out} (') and 'python -m http.server' in done.stdout
    (out / 'CNAME').write_text('class.example.org')  # what a teacher adds to the folder they host
    (out / 'wheels' / 'stale.whl').write_text('left by an older build')
    assert run(str(out), '--assets', assets).returncode == 0  # a site built before: its own files are replaced
    assert (out / 'CNAME').read_text() == 'class.example.org' and not (out / 'wheels' / 'stale.whl').exists()
    done = run(str(tmp_path / 'other'), '--assets', str(tmp_path))
    assert done.returncode == 2 and 'pyodide-314.0.8.tgz' in done.stderr and 'npm pack' in done.stderr
    (tmp_path / 'taken').mkdir()
    (tmp_path / 'taken' / 'notes.txt').write_text('mine')
    done = run(str(tmp_path / 'taken'), '--assets', assets)
    assert done.returncode == 2 and 'other files in it' in done.stderr
    assert (tmp_path / 'taken' / 'notes.txt').read_text() == 'mine'


def test_a_folder_that_cannot_be_written_is_one_line_with_the_fix(assets, tmp_path):
    (tmp_path / 'notes.txt').write_text('a file, not a folder')
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'site', str(tmp_path / 'notes.txt' / 'site'),
                           '--assets', assets], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.count('\n') == 1, done.stderr
    assert 'cannot write the site to' in done.stderr and 'choose another folder' in done.stderr


def test_a_damaged_tarball_is_one_line_naming_it(tmp_path):
    broken = tmp_path / 'assets'
    broken.mkdir()
    for name in ('pyodide-314.0.8.tgz', 'viz-js-viz-3.31.0.tgz'):
        (broken / name).write_bytes(b'not a tarball')
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'site', str(tmp_path / 'site'), '--assets',
                           str(broken)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.count('\n') == 1, done.stderr
    assert 'pyodide-314.0.8.tgz is not the npm tarball of pyodide 314.0.8' in done.stderr
    assert not (tmp_path / 'site').exists()  # nothing half-built is left
