"""The README's examples run as printed, and its Quick start is what CI runs."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()


def test_every_python_example_in_the_readme_runs():
    blocks = re.findall(r'```python\n(.*?)```', README, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        result = subprocess.run([sys.executable, '-c', block], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f'{block}\n{result.stderr}'


def test_the_hand_computed_neuron_prints_what_the_readme_says():
    block = re.findall(r'```python\n(.*?)```', README, re.S)[0]
    expected = re.search(r'print\(.*\)\s+# (.*)', block).group(1)
    result = subprocess.run([sys.executable, '-c', block], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == expected.strip()


def test_quick_start_has_two_commands_and_ci_runs_the_second_verbatim():
    section = README.split('## Quick start', 1)[1]
    commands = [line for line in re.search(r'```bash\n(.*?)```', section, re.S).group(1).splitlines()
                if line.strip() and not line.startswith('#')]
    assert len(commands) == 2
    assert 'demo' in commands[0] and 'pytest' in commands[1]
    assert commands[1] in open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8').read()
