"""The nn issue's acceptance: micrograd's demo recipe, Adam, resuming, and the ``train`` command."""
import json
import random
import subprocess
import sys

import numpy as np
import pytest

from micrograd_ext.learn.datasets import make_moons, make_spirals
from micrograd_ext.core.engine import Value
from micrograd_ext.learn.nn import MLP
from micrograd_ext.learn.optim import Adam
from micrograd_ext.learn.training import batch_loss, fit, predict

X, Y = make_moons(100, noise=0.1, seed=0)
Y_SVM = Y * 2 - 1


def micrograd_loss(model):
    """micrograd's demo loss, written exactly as in its notebook."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y_SVM, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(Y_SVM, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def steps_to_perfect_accuracy(model, update):
    first = None
    for k in range(100):
        total_loss, acc = micrograd_loss(model)
        model.zero_grad()
        total_loss.backward()
        update(k)
        if acc == 1.0 and first is None:
            first = k
    return first, acc


def test_micrograd_demo_recipe_reaches_100_percent_and_adam_gets_there_sooner():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def sgd(k):
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    sgd_first, sgd_final = steps_to_perfect_accuracy(model, sgd)
    assert sgd_final == 1.0

    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    adam = Adam(model.parameters(), lr=0.05)
    adam_first, adam_final = steps_to_perfect_accuracy(model, lambda k: adam.step())
    assert adam_final == 1.0 and adam_first < sgd_first


def test_save_load_and_continue_gives_the_same_losses_as_not_stopping(tmp_path):
    def make():
        model = MLP(2, [8, 1], seed=0)
        return model, Adam(model.parameters(), lr=0.05)
    model, opt = make()
    straight = fit(model, X, Y, opt, steps=20).losses
    model, opt = make()
    first = fit(model, X, Y, opt, steps=10).losses
    model.save(tmp_path / 'model.json')
    (tmp_path / 'optimizer.json').write_text(json.dumps(opt.state_dict()))
    resumed, resumed_opt = make()
    resumed.load(tmp_path / 'model.json')
    resumed_opt.load_state_dict(json.loads((tmp_path / 'optimizer.json').read_text()))
    second = fit(resumed, X, Y, resumed_opt, steps=10).losses
    assert first + second == straight


def test_fit_with_batches_clipping_and_cross_entropy():
    Xs, ys = make_spirals(60, n_classes=3, noise=0.05, seed=0)
    model = MLP(2, [12, 3], activation='tanh', seed=0)
    log = fit(model, Xs, ys, Adam(model.parameters(), lr=0.05), steps=40, loss='cross_entropy',
              batch_size=20, clip=1.0)
    assert len(log.losses) == 40 and all(n is not None for n in log.grad_norms)
    assert np.mean(log.losses[-5:]) < np.mean(log.losses[:5])
    assert set(predict(model, Xs, 'cross_entropy').tolist()) <= {0, 1, 2}
    with pytest.raises(ValueError, match='unknown loss'):
        batch_loss(model, Xs, ys, loss='l1')


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', 'train', *args], capture_output=True, text=True,
                          cwd=cwd)


def test_train_command_trains_saves_and_plots(tmp_path):
    pytest.importorskip('matplotlib')
    result = run_cli('--dataset', 'moons', '--hidden', '8', '--optimizer', 'adam', '--lr', '0.05', '--steps', '30',
                     '--seed', '0', '--warmup', '3', '--schedule', 'cosine', '--clip', '5', '--batch-size', '50',
                     '--save', str(tmp_path / 'm.json'), '--plot', str(tmp_path / 'p.png'))
    assert result.returncode == 0, result.stderr
    assert 'done in' in result.stdout and 'accuracy' in result.stdout
    assert json.loads((tmp_path / 'm.json').read_text())['config']['nouts'] == [8, 1]
    assert (tmp_path / 'p.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_train_command_reaches_full_accuracy_with_micrograds_recipe():
    result = run_cli('--steps', '100', '--schedule', 'linear', '--seed', '0')
    assert result.returncode == 0, result.stderr
    assert 'accuracy 100.0%' in result.stdout


@pytest.mark.parametrize('args, message', [
    (['--steps', '0'], 'must be positive'),
    (['--optimizer', 'rmsprop'], 'invalid choice'),
    (['--dataset', 'spirals', '--classes', '3', '--loss', 'hinge'], 'use --loss cross_entropy'),
    (['--schedule', 'linear', '--warmup', '5'], '--warmup goes with'),
    (['--lr', 'fast'], 'not a valid float'),
])
def test_train_command_bad_arguments_get_argparse_errors(args, message):
    result = run_cli(*args)
    assert result.returncode == 2 and message in result.stderr and 'Traceback' not in result.stderr


@pytest.mark.parametrize('loss, data, outputs', [
    ('hinge', make_moons(40, noise=0.1, seed=1), 1), ('bce', make_moons(40, noise=0.1, seed=1), 1),
    ('mse', make_moons(40, noise=0.1, seed=1), 1), ('cross_entropy', make_spirals(40, 3, 0.1, seed=1), 3)])
def test_fit_compiled_gives_the_eager_losses_accuracies_and_weights(loss, data, outputs):
    X, y = data
    logs, models = [], []
    for compiled in (False, True):
        model = MLP(2, [6, 6, outputs], seed=2)
        logs.append(fit(model, X, y, Adam(model.parameters(), lr=0.05), steps=12, loss=loss, batch_size=20,
                        compiled=compiled))
        models.append(model)
    eager, replayed = logs
    assert np.allclose(replayed.losses, eager.losses, rtol=1e-12, atol=0) and replayed.accuracies == eager.accuracies
    assert np.allclose([p.data for p in models[1].parameters()], [p.data for p in models[0].parameters()],
                       rtol=1e-10, atol=1e-12)
    assert eager.losses[-1] < eager.losses[0]


def test_cross_entropy_with_one_hot_targets_is_the_class_index_loss():
    from micrograd_ext.learn.losses import cross_entropy
    logits = [Value(0.3), Value(-1.2), Value(2.0)]
    by_index, by_row = cross_entropy(logits, 2), cross_entropy(logits, [0.0, 0.0, 1.0])
    assert by_index.data == pytest.approx(by_row.data, rel=1e-15)
    by_row.backward()
    softmax = np.exp([z.data for z in logits]) / np.exp([z.data for z in logits]).sum()
    assert np.allclose([z.grad for z in logits], softmax - [0, 0, 1], rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match='2 probabilities for 3 logits'):
        cross_entropy(logits, [0.0, 1.0])
