"""``micrograd-ext train`` (cli/train.py): an MLP on a toy data set; options that involve each other are checked
before any work, progress goes to stderr and results to stdout, and Ctrl-C keeps what was trained."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from micrograd_ext.cli import main, make_parser
from micrograd_ext.cli.train import MAX_RECORDED_WORK, MAX_STEP_WORK, Progress, check_train
from micrograd_ext.learn.training import TrainingLog

from .running import run


def test_train_keeps_stdout_for_results_and_shows_progress_on_stderr(tmp_path):
    result = run('train', '--samples', '10', '--steps', '3', '--hidden', '4', '--save', str(tmp_path / 'm.json'))
    assert result.returncode == 0, result.stderr
    assert 'step' in result.stderr and '3/3' in result.stderr
    assert '3/3' not in result.stdout and 'done in' in result.stdout
    assert json.loads((tmp_path / 'm.json').read_text())['config']['nouts'] == [4, 1]


def test_ctrl_c_during_training_still_saves_the_model(tmp_path):
    model = tmp_path / 'm.json'
    process = subprocess.Popen([sys.executable, '-m', 'micrograd_ext', 'train', '--samples', '20', '--steps', '100000',
                                '--hidden', '4', '--save', str(model)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.set_blocking(process.stderr.fileno(), False)
    seen, deadline = b'', time.monotonic() + 60
    while b'step/s' not in seen and time.monotonic() < deadline:  # tqdm has shown at least one finished step
        seen += process.stderr.read() or b''
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    err = (seen + (err or b'')).decode()
    assert process.returncode == 130 and 'Traceback' not in err
    steps = int(re.search(r'interrupted at step (\d+) of 100000; keeping what was trained so far', err).group(1))
    assert f'stopped after {steps} steps' in out.decode() and 'model saved to' in out.decode()
    assert json.loads(model.read_text())['config']['nouts'] == [4, 1]


def test_train_names_the_model_in_one_short_line():
    done = subprocess.run([sys.executable, '-m', 'micrograd_ext', 'train', '--steps', '2', '--hidden', '8', '8'],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == 'moons: 100 points, 2 classes; MLP(2, [8, 8, 1]) with relu between layers'


def test_train_compiled_reports_the_eager_numbers_and_saves_the_same_model(tmp_path):
    common = ['train', '--samples', '30', '--steps', '15', '--hidden', '6', '--optimizer', 'sgd', '--batch-size', '20']
    eager = run(*common, '--save', str(tmp_path / 'eager.json'))
    replayed = run(*common, '--compiled', '--save', str(tmp_path / 'compiled.json'))
    assert eager.returncode == 0 and replayed.returncode == 0, replayed.stderr
    assert 'compiled: recorded once, replayed' in replayed.stdout
    final = [line.split('s: ', 1)[1] for line in (eager.stdout, replayed.stdout) for line in line.splitlines()
             if line.startswith('done in')]
    assert final[0] == final[1]  # loss to 4 decimals and accuracy
    weights = [json.loads((tmp_path / name).read_text())['state'] for name in ('eager.json', 'compiled.json')]
    assert weights[0].keys() == weights[1].keys()
    assert all(abs(weights[0][k] - weights[1][k]) <= 1e-12 * max(1.0, abs(weights[0][k])) for k in weights[0])


# ---- in-process -----------------------------------------------------------------------------------------

def checked(*argv):
    args = make_parser().parse_args(['train', *argv])
    return check_train(args, args.parser)


@pytest.mark.parametrize('argv, expected', [
    ([], (2, 'hinge')),
    (['--loss', 'bce'], (2, 'bce')),
    (['--dataset', 'spirals', '--classes', '3'], (3, 'cross_entropy')),
    (['--dataset', 'spirals'], (2, 'hinge')),
])
def test_the_classes_and_the_loss_follow_from_the_options(argv, expected):
    assert checked(*argv) == expected


def test_the_work_of_a_step_is_limited_and_compiled_allows_more(capsys):
    wide = ['--hidden', '400', '11']  # (2+1)*400 + (400+1)*11 + (11+1)*1 = 5,623 parameters
    assert MAX_STEP_WORK < 400 * 5_623 <= MAX_RECORDED_WORK  # 400 examples: over the eager limit, under the compiled
    assert checked(*wide, '--samples', '400', '--compiled') == (2, 'hinge')
    with pytest.raises(SystemExit):
        checked(*wide, '--samples', '400')
    error = capsys.readouterr().err
    assert 'each step would take 400 examples through 5,623 parameters (2,249,200 multiply-adds' in error
    assert checked(*wide, '--samples', '400', '--batch-size', '100') == (2, 'hinge')


def test_save_and_plot_must_be_two_files(tmp_path, capsys, monkeypatch):
    pytest.importorskip('matplotlib')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        checked('--save', 'same.png', '--plot', os.path.join(str(tmp_path), 'same.png'))
    assert '--save and --plot name the same file' in capsys.readouterr().err


def test_progress_without_tqdm_prints_a_line_every_tenth_of_the_steps(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'tqdm', None)
    progress = Progress(20)
    log = TrainingLog()
    for step in range(20):
        log.losses.append(1.0 / (step + 1))
        log.accuracies.append(0.5)
        progress(step, log)
    progress.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10 and lines[0] == 'step 2/20  loss 0.5000  accuracy 50%'
    assert lines[-1] == 'step 20/20  loss 0.0500  accuracy 50%' and progress.done == 20 and progress.log is log


def test_a_short_run_in_process_reports_loss_and_accuracy(tmp_path, capsys):
    model = tmp_path / 'm.json'
    assert main(['train', '--samples', '16', '--steps', '2', '--hidden', '3', '--seed', '1', '--save', str(model)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'moons: 16 points, 2 classes; MLP(2, [3, 1]) with relu between layers'
    assert out[1] == '13 parameters; sgd lr=1.0 (constant), loss hinge, 2 steps'
    assert re.fullmatch(r'done in \d+\.\d s: loss \d+\.\d{4}, accuracy \d+\.\d% \(best \d+\.\d%\)', out[2])
    assert out[3] == f'model saved to {model}' and json.loads(model.read_text())['config']['nouts'] == [3, 1]


def test_a_run_whose_loss_grows_by_orders_of_magnitude_exits_1_after_saving_and_says_why(tmp_path):
    done = run('train', '--lr', '10', '--steps', '30', '--save', str(tmp_path / 'model.json'))
    assert done.returncode == 1, done.stderr
    grew = re.search(r'training diverged: the loss grew from (\d\.\d{4}) to (\d\.\d{3}e\+\d\d);', done.stderr)
    assert grew and float(grew[2]) > 1e6 * float(grew[1]), done.stderr
    assert 'the learning rate is probably too large: try a lower --lr (e.g. --lr 1) or --clip 1' in done.stderr
    assert f'loss {grew[2]}, accuracy' in done.stdout and '(the model was saved anyway)' in done.stderr
    assert (tmp_path / 'model.json').is_file()
    calm = run('train', '--lr', '0.1', '--steps', '30')
    assert calm.returncode == 0 and 'diverged' not in calm.stderr, calm.stderr
