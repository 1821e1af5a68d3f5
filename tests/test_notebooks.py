"""Every notebook runs top to bottom in a real Jupyter kernel and reproduces its committed outputs."""
import importlib.util
import math
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from micrograd_ext.viz import RenderError, render_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, 'notebooks')
NAMES = sorted(n for n in os.listdir(NOTEBOOKS) if n.endswith('.ipynb'))
SOLUTIONS = os.path.join(NOTEBOOKS, 'solutions', 'exercises_solutions.py')
NUMBER = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?')
# A cell tagged 'timing' prints times, which vary from run to run: there a number followed by a unit of time (s, ms,
# us) or by 'x' (a ratio of times) is compared by its place in the text, not its value; its other numbers as usual.
TIMING = 'timing'
TIME = re.compile(NUMBER.pattern + r'(?= ?(?:s|ms|us)\b|x\b)')
# A cell tagged 'needs-torch' was committed from a run with PyTorch; without it, it prints a note instead, so its
# output is compared only where PyTorch is installed (CI installs it and sets MICROGRAD_EXT_REQUIRE_TORCH=1).
NEEDS_TORCH = 'needs-torch'
HAS_TORCH = importlib.util.find_spec('torch') is not None or os.environ.get('MICROGRAD_EXT_REQUIRE_TORCH') == '1'


def read(name):
    return nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)


def execute(notebook, directory):
    """Run every cell in a fresh kernel, in ``directory``; raises if a cell fails. Each cell's prints are one
    output, however they arrived."""
    NotebookClient(notebook, timeout=600, kernel_name='python3', record_timing=False, coalesce_streams=True,
                   resources={'metadata': {'path': str(directory)}}).execute()
    return notebook


def text_outputs(notebook) -> list[str]:
    """Each code cell's printed text and text results, joined (how prints split into stream messages
    depends on timing); stderr (other libraries' warnings) is left out, so are memory addresses."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == 'code':
            text = ''.join(out.get('text', '') if out.output_type == 'stream' and out.name == 'stdout'
                           else out.get('data', {}).get('text/plain', '') for out in cell.outputs)
            texts.append(re.sub(r' at 0x[0-9a-f]+', '', text))
    return texts


def cell_tags(notebook) -> list[list[str]]:
    """Each code cell's tags, in the order of ``text_outputs``."""
    return [cell.metadata.get('tags', []) for cell in notebook.cells if cell.cell_type == 'code']


def without_times(text: str) -> str:
    """``text`` with each time and ratio of times (in a 'timing' cell) replaced by the word TIME."""
    return TIME.sub('TIME', text)


def same_up_to_float_noise(fresh: str, committed: str, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """The text around the numbers is equal and the numbers are, within ``rtol`` and ``atol``: another NumPy
    build's rounding (1e-15) passes, a change in a digit that a rounded print shows does not."""
    return NUMBER.split(fresh) == NUMBER.split(committed) and all(
        math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol)
        for a, b in zip(NUMBER.findall(fresh), NUMBER.findall(committed)))


@pytest.mark.parametrize('fresh, committed', [
    ('max difference: 8.88e-16', 'max difference: 1.78e-15'),
    ('loss 0.30000000000000004', 'loss 0.3'),
    ('micrograd_ext: [ 7.918874420000001 12.39183754]', 'micrograd_ext: [ 7.91887442 12.39183754]'),
    ('grad -0.0000', 'grad 0.0000'),
])
def test_float_noise_in_an_output_is_tolerated(fresh, committed):
    assert same_up_to_float_noise(fresh, committed)


@pytest.mark.parametrize('fresh, committed', [
    ('step 99 loss 0.0121, accuracy 100%', 'step 99 loss 0.0120, accuracy 100%'),
    ('first 100% at step 35', 'first 100% at step 34'),
    ('max difference: 1.78e-11', 'max difference: 1.78e-15'),
    ('[2.1, 3.3]', '[2.1, -3.3]'),
    ('[2.1, 3.3]', '[2.1, 3.3, 4.0]'),
    ('gradcheck: False', 'gradcheck: True'),
    ('dy/dx1 = 0.0518', 'dy/dx2 = 0.0518'),
    ('[1.2 3.4]', '[1.2  3.4]'),
])
def test_a_real_difference_in_an_output_is_caught(fresh, committed):
    assert not same_up_to_float_noise(fresh, committed)


@pytest.mark.parametrize('fresh, committed, same', [
    ('step 1 loss 3.2961, 48 ms', 'step 1 loss 3.2961, 61 ms', True),
    ('replay: 2.1 ms per step, 23x faster; PyTorch 0.53x', 'replay: 1.9 ms per step, 30x faster; PyTorch 0.61x', True),
    ('1,000 steps in 4.2 s', '1,000 steps in 6 s', True),
    ('step 1 loss 3.2962, 48 ms', 'step 1 loss 3.2961, 48 ms', False),  # a loss is not a time
    ('1,000 steps in 4.2 s', '1,001 steps in 4.2 s', False),
    ('replay: 2.1 ms per step', 'replay: 2.1 s per step', False),  # the units are text
    ('recorded 14 lengths', 'recorded 15 lengths', False),
])
def test_a_timing_cell_compares_its_text_and_numbers_but_not_its_times(fresh, committed, same):
    assert same_up_to_float_noise(without_times(fresh), without_times(committed)) is same


def test_there_are_nine_notebooks_committed_with_outputs():
    assert NAMES == ['01_the_neuron.ipynb', '02_backprop_by_hand_and_by_machine.ipynb', '03_feed_forward_block.ipynb',
                     '04_training_on_moons.ipynb', '05_exercises.ipynb', '06_why_tensors.ipynb', '07_tiny_gpt.ipynb',
                     '08_microgpt_step_by_step.ipynb', '09_classroom.ipynb']
    for name in NAMES:
        code_cells = [c for c in read(name).cells if c.cell_type == 'code']
        assert [c.execution_count for c in code_cells] == list(range(1, len(code_cells) + 1)), name
        assert sum(len(c.outputs) for c in code_cells) >= 3, name


def renderer_or_skip(notebook):
    """Skip a notebook that draws graphs where nothing can render them (Python 3.10 without the system Graphviz)."""
    if any('draw_dot(' in cell.source for cell in notebook.cells):
        try:
            render_source('digraph {}')
        except RenderError as error:
            pytest.skip(str(error))


@pytest.mark.parametrize('name', NAMES)
def test_notebook_runs_and_matches_its_committed_outputs(name, tmp_path):
    renderer_or_skip(read(name))
    committed = text_outputs(read(name))
    fresh = text_outputs(execute(read(name), tmp_path))
    assert len(fresh) == len(committed)
    for new, old, tags in zip(fresh, committed, cell_tags(read(name))):
        if NEEDS_TORCH in tags and not HAS_TORCH:
            continue  # it ran (a failing cell raises), printing a note where the committed run printed PyTorch's numbers
        if TIMING in tags:
            new, old = without_times(new), without_times(old)
        assert same_up_to_float_noise(new, old), f'now:\n{new}\ncommitted:\n{old}'


def test_seed_numbers_appear_in_the_outputs():
    outputs = {name: '\n'.join(text_outputs(read(name))) for name in NAMES}
    neuron = outputs['01_the_neuron.ipynb']
    for expected in ['z = -1.8', 'relu(z = -1.8) = 0.0000', 'sigmoid(z = -1.8) = 0.1419', 'tanh(z = -1.8) = -0.9468',
                     'relu(z = 2.1) = 2.1000', 'sigmoid(z = 2.1) = 0.8909', 'tanh(z = 2.1) = 0.9705', '[2.1, 3.3]',
                     'score 1.2 -> go for a run!']:
        assert expected in neuron
    assert 'equal to 1e-12: True' in outputs['03_feed_forward_block.ipynb']
    assert 'gradcheck: True' in outputs['03_feed_forward_block.ipynb']
    assert 'step 99 loss 0.0120, accuracy 100%' in outputs['04_training_on_moons.ipynb']
    tensors = outputs['06_why_tensors.ipynb']
    assert "one step's graph: 8,318 Value nodes" in tensors and 'in 14 NumPy operations' in tensors
    assert tensors.count('linear (matmul)') == 3 and 'gradients equal to 1e-12: True' in tensors
    gpt = outputs['07_tiny_gpt.ipynb']
    assert 'tiny GPT: 4,098 parameters' in gpt and 'one Llama-7B feed-forward block: 135,266,304 weights' in gpt
    first, last = (float(x) for x in re.findall(r'loss at step 0: ([\d.]+) .* at step 149: ([\d.]+)', gpt)[0])
    assert last < 0.5 * first  # the tiny GPT learned
    microgpt = outputs['08_microgpt_step_by_step.ipynb']
    assert 'all                            4,192 parameters' in microgpt and 'BOS is token 26' in microgpt
    first, last = (float(x) for x in re.findall(r'steps 1-100: ([\d.]+), of steps 901-1000: ([\d.]+)', microgpt)[0])
    assert last < first - 0.3  # microgpt's model learned
    assert 'the same 200 losses to 1e-9: True' in microgpt  # the compiled step and PyTorch's twin agree
    classroom = outputs['09_classroom.ipynb']
    assert 'ada.ipynb ada 39 / 39' in classroom and 'bob.ipynb bob 0 / 39' in classroom
    assert "right for ada's numbers, not for yours (cy)" in classroom and '= instead of +=' in classroom
    images = [o for c in read('04_training_on_moons.ipynb').cells
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
    notebook = read('05_exercises.ipynb')
    solutions = solution_sections()
    exercise_cells = [c for c in notebook.cells if 'exercise' in c.metadata.get('tags', [])]
    assert len(exercise_cells) == 7
    for cell in exercise_cells:
        tag = next(t for t in cell.metadata['tags'] if t.startswith('exercise-'))
        assert solutions[tag] not in cell.source  # the answers are not handed out
    verdicts = check_verdicts(execute(notebook, tmp_path))
    assert len(verdicts) == 7 and all(v.startswith('not yet') for v in verdicts)


def test_the_notebook_with_the_reference_solutions_passes_every_check(tmp_path):
    notebook = read('05_exercises.ipynb')
    solutions = solution_sections()
    for cell in notebook.cells:
        tags = [t for t in cell.metadata.get('tags', []) if t.startswith('exercise-')]
        if tags:
            cell.source = solutions[tags[0]]
    verdicts = check_verdicts(execute(notebook, tmp_path))
    assert len(verdicts) == 7 and all(v.startswith('correct') for v in verdicts), verdicts


def test_each_notebook_is_paired_with_its_percent_format_source():
    """notebooks/NAME.py (jupytext's percent format, the file to edit and review) has the .ipynb's cells."""
    import jupytext
    for name in NAMES:
        source = jupytext.read(os.path.join(NOTEBOOKS, name.replace('.ipynb', '.py')))
        notebook = read(name)
        assert notebook.metadata['jupytext']['formats'] == 'ipynb,py:percent', name
        cells = [[(c.cell_type, c.source, c.metadata.get('tags', [])) for c in nb.cells] for nb in (notebook, source)]
        assert cells[0] == cells[1], name
