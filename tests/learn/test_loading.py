"""load_model (learn/loading.py): whatever model a file holds comes back, of its own type, with its weights, in a
fresh interpreter that imported nothing else; a file whose state does not fit its architecture builds nothing."""
import json
import subprocess
import sys

import pytest

from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.model_files import ModelFileError
from micrograd_ext.learn.nn import MLP, FeedForward, Layer, Neuron
from micrograd_ext.learn.transformer import GPT

MODELS = [lambda: Neuron(3, activation='tanh', seed=1), lambda: Layer(2, 3, activation='none', seed=2),
          lambda: MLP(2, [4, 1], seed=3), lambda: FeedForward(4, 8, seed=4),
          lambda: GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=5)]


@pytest.mark.parametrize('make', MODELS, ids=['Neuron', 'Layer', 'MLP', 'FeedForward', 'GPT'])
def test_every_model_type_comes_back_with_its_weights(make, tmp_path):
    model = make()
    model.save(str(tmp_path / 'model.json'))
    again = load_model(str(tmp_path / 'model.json'))
    assert type(again) is type(model) and again.config() == model.config()
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]


def test_a_fresh_interpreter_loads_a_gpt_without_importing_the_transformer_itself(tmp_path):
    GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=5).save(str(tmp_path / 'gpt.json'))
    code = ('import sys; from micrograd_ext.learn.loading import load_model; '
            'print(type(load_model(sys.argv[1])).__name__)')
    done = subprocess.run([sys.executable, '-c', code, str(tmp_path / 'gpt.json')], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'GPT'


def test_a_state_that_does_not_fit_the_architecture_builds_nothing(tmp_path):
    MLP(2, [3, 1], seed=0).save(str(tmp_path / 'model.json'))
    document = json.loads((tmp_path / 'model.json').read_text())
    document['state'].popitem()
    (tmp_path / 'cut.json').write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"has 13 parameters, but the file's 'state' holds 12; the file is truncated"):
        load_model(str(tmp_path / 'cut.json'))
