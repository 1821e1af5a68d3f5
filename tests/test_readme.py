"""The README's examples run as printed, its Quick start leaves the tree clean, and CI runs its test command."""
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
PYTHON_BLOCKS = re.findall(r'```python\n(.*?)```', README, re.S)


def run_python(block, cwd):
    return subprocess.run([sys.executable, '-c', block], capture_output=True, text=True, cwd=cwd)


def quick_start_commands() -> list[str]:
    section = README.split('## Quick start', 1)[1]
    return [line for line in re.search(r'```bash\n(.*?)```', section, re.S).group(1).splitlines()
            if line.strip() and not line.startswith('#')]


def git(*args, cwd, input=None, check=True) -> str:
    if not shutil.which('git') or not os.path.isdir(os.path.join(ROOT, '.git')):
        pytest.skip('needs git and a git checkout')
    return subprocess.run(['git', '-c', 'user.name=test', '-c', 'user.email=test@example.invalid', *args], cwd=cwd,
                          input=input, capture_output=True, text=True, check=check).stdout


@pytest.fixture
def tracked_copy(tmp_path):
    """The working tree's tracked files, dated 1970 (so that a rewrite shows), committed in a new repository."""
    tree = tmp_path / 'tree'
    for name in git('ls-files', '-z', cwd=ROOT).split('\0'):
        if name and os.path.isfile(os.path.join(ROOT, name)):
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(os.path.join(ROOT, name), tree / name)
            os.utime(tree / name, ns=(0, 0))
    git('init', '-q', cwd=tree)
    git('add', '-A', cwd=tree)
    git('commit', '-q', '-m', 'the tracked files', cwd=tree)
    return tree


def written_files(tree) -> list[str]:
    return sorted(str(p.relative_to(tree)) for p in tree.rglob('*')
                  if p.is_file() and '.git' not in p.relative_to(tree).parts and p.stat().st_mtime_ns != 0)


def test_the_quick_start_demo_and_every_python_example_run_and_leave_git_status_clean(tracked_copy):
    demo = shlex.split(quick_start_commands()[0].split('&&')[-1])
    assert os.path.basename(demo[0]) == 'micrograd-ext'
    result = subprocess.run([sys.executable, '-m', 'micrograd_ext', *demo[1:]], capture_output=True, text=True,
                            cwd=tracked_copy)
    assert result.returncode == 0, result.stderr
    assert f"drawn in {tracked_copy / 'seed_neuron.svg'}" in result.stdout
    assert len(PYTHON_BLOCKS) >= 2
    for block in PYTHON_BLOCKS:
        result = run_python(block, tracked_copy)
        assert result.returncode == 0, f'{block}\n{result.stderr}'
    written = written_files(tracked_copy)
    assert 'seed_neuron.svg' in written and 'lecture.svg' in written
    ignored = git('check-ignore', '--stdin', cwd=tracked_copy, input='\n'.join(written), check=False).split()
    assert written == sorted(ignored)  # none of them is tracked (check-ignore never names a tracked file)
    assert git('status', '--porcelain', '--untracked-files=all', cwd=tracked_copy) == ''


def test_the_files_the_readme_commands_write_are_ignored_by_git():
    outputs = re.findall(r'(?:-o|--save|--plot|--html|--csv) (\S+)',
                         ''.join(re.findall(r'```bash\n(.*?)```', README, re.S)))
    assert len(outputs) == 9
    assert sorted(git('check-ignore', *outputs, cwd=ROOT, check=False).split()) == sorted(outputs)


def test_the_hand_computed_neuron_prints_what_the_readme_says(tmp_path):
    expected = re.search(r'print\(.*\)\s+# (.*)', PYTHON_BLOCKS[0]).group(1)
    assert run_python(PYTHON_BLOCKS[0], tmp_path).stdout.strip() == expected.strip()


def test_quick_start_has_two_commands_and_ci_runs_the_second_verbatim():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert 'demo' in commands[0] and 'pytest' in commands[1]
    assert commands[1] in open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8').read()
