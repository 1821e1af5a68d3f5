"""The README's claims come from commands a reader can run: the classroom commands run top to bottom, the
performance section's figures are its table's, the chain replay's figure comes from benchmarks/chain_replay.py, and
the PyTorch agreement says how to run it in full and when it last was."""
import os
import re
import subprocess
import sys
import zipfile

import pytest

from .sandboxing import why_no_sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()


def section(title: str) -> str:
    return README.split(f'\n## {title}', 1)[1].split('\n## ', 1)[0]


def test_the_classroom_commands_run_top_to_bottom(tmp_path):
    pytest.importorskip('nbformat', reason="needs the notebooks extra (pip install 'micrograd-ext[notebooks]')")
    pytest.importorskip('nbclient', reason="needs the notebooks extra (pip install 'micrograd-ext[notebooks]')")
    why = why_no_sandbox()
    if why is not None:
        if os.environ.get('MICROGRAD_EXT_REQUIRE_SANDBOX') == '1':
            pytest.fail(f'MICROGRAD_EXT_REQUIRE_SANDBOX=1 but {why}')
        pytest.skip(f'grading needs the sandbox: {why}')
    block = re.search(r'```bash\n(.*?)```', section('The classroom'), re.S)[1]
    assert 'exercises new --roster' in block and 'grade submissions/' in block
    script = f'set -euo pipefail\nmicrograd-ext() {{ "{sys.executable}" -m micrograd_ext "$@"; }}\n{block}'
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run(['bash', '-c', script], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    students = sorted(open(tmp_path / 'roster.txt').read().split())
    assert students == ['ada', 'bob', 'cyd']
    for folder in ('handout', 'key', 'submissions'):
        assert sorted(name[:-6] for name in os.listdir(tmp_path / folder)) == students, folder
    rows = open(tmp_path / 'grades.csv', encoding='utf-8').read().splitlines()
    assert len(rows) == 1 + len(students) and 'not on the roster' not in done.stdout
    assert zipfile.ZipFile(tmp_path / 'autograder.zip').namelist()


def test_the_performance_section_quotes_its_own_table():
    text = section('Performance')
    row = re.search(r'^\| W1 \| micrograd_ext \|.*$', text, re.M)[0].split('|')
    vs_micrograd, vs_microgpt = row[7].strip(), row[8].strip()
    header = re.search(r'^\| workload \| engine \|.*vs micrograd \| vs microgpt \|.*$', text, re.M)[0]
    assert header.split('|')[7:9] == [' vs micrograd ', ' vs microgpt ']
    said = re.search(r'keeps the step at (\S+) micrograd and (\S+) microgpt', text)
    assert said and (said[1], said[2]) == (vs_micrograd, vs_microgpt)


def test_the_chain_replay_figure_comes_from_its_script():
    text = ' '.join(section('Performance').split())
    said = re.search(r'`python benchmarks/chain_replay.py`[^.]*?: eager / replay (\d+\.\d)x for the forward pass', text)
    assert said, 'the chain replay sentence names its command and figure'
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'chain_replay.py'), '--ops', '2000',
                           '--repeats', '1'], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert re.search(r'eager / replay: forward \d+\.\dx, forward and backward \d+\.\dx', done.stdout), done.stdout


def test_the_pytorch_agreement_says_how_to_run_it_in_full_and_when_it_last_was():
    text = ' '.join(README.split())
    claim = re.search(r'10,000 graphs and 1,000 second derivatives agree.*?'
                      r'`MICROGRAD_EXT_TORCH_GRAPHS=10000 MICROGRAD_EXT_TORCH_SECOND=1000[^`]*`.*?'
                      r'last run in full on (\d{4}-\d{2}-\d{2})', text)
    assert claim, 'the claim, its command and the date it was last run in full'
    source = open(os.path.join(ROOT, 'tests', 'core', 'test_torch_agreement.py'), encoding='utf-8').read()
    assert "os.environ.get('MICROGRAD_EXT_TORCH_GRAPHS'" in source and "os.environ.get('MICROGRAD_EXT_TORCH_SECOND'" in source
