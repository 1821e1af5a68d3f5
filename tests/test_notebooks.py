"""Every notebook runs top to bottom in a real Jupyter kernel and reproduces its committed outputs."""
import os
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, 'notebooks')
NAMES = sorted(n for n in os.listdir(NOTEBOOKS) if n.endswith('.ipynb'))
SOLUTIONS = os.path.join(NOTEBOOKS, 'solutions', 'exercises_solutions.py')


def execute(notebook, directory):
    NotebookClient(notebook, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(directory)}}).execute()
    return notebook


def text_outputs(notebook) -> list[str]:
    texts = []
    for cell in notebook.cells:
        for out in cell.get('outputs', []):
            text = out.get('text') or out.get('data', {}).get('text/plain', '')
            texts.append(re.sub(r' at 0x[0-9a-f]+', '', text))
    return texts


def test_there_are_five_notebooks_committed_with_outputs():
    assert NAMES == ['01_the_neuron.ipynb', '02_backprop_by_hand_and_by_machine.ipynb', '03_feed_forward_block.ipynb',
                     '04_training_on_moons.ipynb', '05_exercises.ipynb']
    for name in NAMES:
        notebook = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
        code_cells = [c for c in notebook.cells if c.cell_type == 'code']
        assert [c.execution_count for c in code_cells] == list(range(1, len(code_cells) + 1)), name
        assert sum(len(c.outputs) for c in code_cells) >= 3, name


@pytest.mark.parametrize('name', NAMES)
def test_notebook_runs_and_matches_its_committed_outputs(name, tmp_path):
    committed = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
    fresh = execute(nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4), tmp_path)
    assert text_outputs(fresh) == text_outputs(committed)


def test_seed_numbers_appear_in_the_outputs():
    outputs = {name: '\n'.join(text_outputs(nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)))
               for name in NAMES}
    neuron = outputs['01_the_neuron.ipynb']
    for expected in ['z = -1.8', 'relu(z = -1.8) = 0.0000', 'sigmoid(z = -1.8) = 0.1419', 'tanh(z = -1.8) = -0.9468',
                     'relu(z = 2.1) = 2.1000', 'sigmoid(z = 2.1) = 0.8909', 'tanh(z = 2.1) = 0.9705', '[2.1, 3.3]',
                     'score 1.2 -> go for a run!']:
        assert expected in neuron
    assert 'gradcheck: True' in outputs['03_feed_forward_block.ipynb']
    assert 'step 99 loss 0.0120, accuracy 100%' in outputs['04_training_on_moons.ipynb']
    images = [o for c in nbformat.read(os.path.join(NOTEBOOKS, '04_training_on_moons.ipynb'), 4).cells
              for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
    assert len(images) == 2


def solution_sections() -> dict[str, str]:
    text = open(SOLUTIONS, encoding='utf-8').read()
    parts = re.split(r'^# %% (\S+)\n', text, flags=re.M)
    return {tag: body.strip() for tag, body in zip(parts[1::2], parts[2::2])}


def check_verdicts(notebook) -> list[str]:
    return [out['data']['text/plain'] for cell in notebook.cells if cell.source.startswith('check_')
            for out in cell.outputs if 'data' in out]


def test_the_student_notebook_has_empty_exercises_and_every_check_says_not_yet(tmp_path):
    notebook = nbformat.read(os.path.join(NOTEBOOKS, '05_exercises.ipynb'), as_version=4)
    solutions = solution_sections()
    exercise_cells = [c for c in notebook.cells if 'exercise' in c.metadata.get('tags', [])]
    assert len(exercise_cells) == 7
    for cell in exercise_cells:
        tag = next(t for t in cell.metadata['tags'] if t.startswith('exercise-'))
        assert solutions[tag] not in cell.source  # the answers are not handed out
    verdicts = check_verdicts(execute(notebook, tmp_path))
    assert len(verdicts) == 7 and all(v.startswith('not yet') for v in verdicts)


def test_the_notebook_with_the_reference_solutions_passes_every_check(tmp_path):
    notebook = nbformat.read(os.path.join(NOTEBOOKS, '05_exercises.ipynb'), as_version=4)
    solutions = solution_sections()
    for cell in notebook.cells:
        tags = [t for t in cell.metadata.get('tags', []) if t.startswith('exercise-')]
        if tags:
            cell.source = solutions[tags[0]]
    verdicts = check_verdicts(execute(notebook, tmp_path))
    assert len(verdicts) == 7 and all(v.startswith('correct') for v in verdicts), verdicts


def test_the_generator_and_the_committed_notebooks_agree():
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_notebooks', os.path.join(NOTEBOOKS, 'make_notebooks.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, cells in module.NOTEBOOKS.items():
        committed = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in cells], name
    shutil.rmtree(os.path.join(NOTEBOOKS, '__pycache__'), ignore_errors=True)
