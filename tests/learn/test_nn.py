import copy
import json
import math
import os
import random

import numpy as np
import pytest

from micrograd_ext import Value, gradcheck
from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.nn import MLP, FeedForward, Layer, ModelFileError, Neuron, Parameter
from micrograd_ext.viz.naming import neuron_of

REQUIRE_TORCH = os.environ.get('MICROGRAD_EXT_REQUIRE_TORCH') == '1'


def torch_or_skip():
    try:
        import torch
    except ImportError:
        if REQUIRE_TORCH:
            raise
        pytest.skip('PyTorch is not installed (CI installs torch==2.13.0)')
    return torch


def test_seed_two_neuron_layer_gives_2_1_and_3_3():
    layer = Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], [0.1, -0.2])
    out = layer([1, 2])
    assert [v.data for v in out] == pytest.approx([2.1, 3.3], abs=1e-12)
    out[0].backward()
    assert [w.grad for w in layer.neurons[0].w] == [1.0, 2.0]  # d z1 / d w1j = x_j


def test_setting_weights_by_hand_does_not_consume_global_random():
    random.seed(3)
    expected = random.random()
    random.seed(3)
    Layer.from_weights([[1.0, 2.0]], [0.0])
    FeedForward.from_weights([[1.0]], [0.0], [[1.0]], [0.0])
    assert random.random() == expected


def test_seed_go_for_a_run_neuron():
    neuron = Layer.from_weights([[0.7, 0.5, 0.2]], [0.0]).neurons[0]
    sunny_slept_no_time = neuron([1, 1, 0])
    assert sunny_slept_no_time.data == pytest.approx(1.2)
    assert neuron([0, 0, 1]).data == pytest.approx(0.2)


def test_defaults_match_micrograd_initialisation_ranges_and_reprs():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    assert repr(model) == ('MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3)], '
                           'Layer of [ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4)], '
                           'Layer of [LinearNeuron(4)]]')
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    biases = [n.b.data for layer in model.layers for n in layer.neurons]
    assert all(-1 <= w <= 1 for w in weights) and len(set(weights)) == len(weights)
    assert biases == [0.0] * 9
    assert isinstance(model([1.0, 2.0, 3.0]), Value)
    assert len(Layer(2, 3)([1.0, 2.0])) == 3


def test_seed_makes_initialisation_reproducible_without_touching_global_random():
    random.seed(5)
    before = random.random()
    random.seed(5)
    a, b = MLP(2, [3, 1], seed=42), MLP(2, [3, 1], seed=42)
    assert random.random() == before
    assert a.state_dict() == b.state_dict() != MLP(2, [3, 1], seed=43).state_dict()


@pytest.mark.parametrize('activation, fn', [('relu', lambda z: max(z, 0.0)), ('tanh', math.tanh),
                                            ('sigmoid', lambda z: 1 / (1 + math.exp(-z))), ('none', lambda z: z),
                                            ('gelu', lambda z: Value(z).gelu().data),
                                            ('silu', lambda z: z / (1 + math.exp(-z)))])
def test_each_activation_is_applied_to_w_dot_x_plus_b(activation, fn):
    neuron = Neuron(2, activation=activation, seed=3)
    neuron.b.data = 0.3
    z = neuron.w[0].data * 0.5 + neuron.w[1].data * -1.5 + 0.3
    assert neuron([0.5, -1.5]).data == pytest.approx(fn(z), rel=1e-12)


def test_no_activation_is_called_none_and_linear_is_its_old_spelling():
    for neuron in (Neuron(2, activation='none', seed=0), Neuron(2, activation='linear', seed=0),
                   Neuron(2, nonlin=False, seed=0)):
        assert neuron.activation == 'none' and not neuron.nonlin and neuron.config()['activation'] == 'none'
        assert repr(neuron) == 'LinearNeuron(2)'  # micrograd's repr
        assert neuron.output_op == 'linear' == neuron([1.0, 2.0])._op  # the w.x + b node, the output itself
    assert Neuron(2, seed=0).output_op == 'ReLU' and Neuron(2, activation='tanh', seed=0).output_op == 'tanh'
    assert Layer(2, 3, activation='linear', seed=0).config()['activation'] == 'none'
    assert MLP(2, [3, 1], seed=0).layers[-1].config()['activation'] == 'none'
    assert FeedForward(2, 3, seed=0).down.config()['activation'] == 'none'
    assert MLP(2, [3, 1], activation='linear', seed=0).config()['activation'] == 'none'


def test_unknown_activation_and_wrong_input_count_are_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of gelu, none, relu, sigmoid"):
        Neuron(2, activation='swish')
    with pytest.raises(ValueError, match=r'ReLUNeuron\(2\) expects 2 inputs, got 3'):
        Neuron(2)([1, 2, 3])
    with pytest.raises(TypeError, match='seed must be an int'):
        MLP(2, [1], seed='abc')


def test_neuron_gradients_pass_gradcheck():
    neuron = Neuron(3, activation='tanh', seed=1)

    def fn(w0, w1, w2, b, x0):
        neuron.w, neuron.b = [w0, w1, w2], b
        return neuron([x0, 0.5, -2.0])
    assert gradcheck(fn, [0.3, -0.7, 0.2, 0.1, 1.5])


def test_named_parameters_have_stable_dotted_names():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b',
                         'layers.0.neurons.1.w.0']
    assert names[-1] == 'layers.1.neurons.0.b' and len(names) == len(model.parameters()) == 13
    ffn = FeedForward(2, 3, seed=0)
    assert [n for n, _ in ffn.named_parameters()][0] == 'up.neurons.0.w.0'


def test_each_linear_node_knows_its_neuron():
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    assert out._op == 'linear' and neuron_of(out) is model.layers[1].neurons[0]
    hidden = out._prev[2]  # children of the output's linear node: weights, inputs, bias
    assert hidden._op == 'ReLU' and neuron_of(hidden._prev[0]) is model.layers[0].neurons[0]
    assert neuron_of(hidden) is None and neuron_of(Value.linear([1.0], [2.0], 0.5)) is None
    replaced = model.layers[0].neurons[1]
    old_bias, replaced.b = replaced.b, Value(0.0)
    assert neuron_of(Value.linear(replaced.w, [1.0, 2.0], old_bias)) is None  # no longer its bias


def test_state_dict_roundtrip_and_bad_states_change_nothing():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    other = MLP(2, [3, 1], seed=1)
    other.load_state_dict(state)
    assert other.state_dict() == state
    before = other.state_dict()
    bad = dict(state, **{'layers.0.neurons.0.w.0': math.nan})
    with pytest.raises(ModelFileError, match="must be a finite number, got nan"):
        other.load_state_dict(bad)
    with pytest.raises(ModelFileError, match='missing.*another architecture'):
        other.load_state_dict({k: v for k, v in state.items() if 'layers.1' not in k})
    with pytest.raises(ModelFileError, match='finite number'):
        other.load_state_dict(dict(state, **{'layers.1.neurons.0.b': 'x'}))
    assert other.state_dict() == before


def test_save_and_load_as_json(tmp_path):
    path = tmp_path / 'model.json'
    model = MLP(2, [4, 1], activation='tanh', seed=0)
    model.save(path)
    document = json.loads(path.read_text())
    assert document['type'] == 'MLP' and document['config'] == {'nin': 2, 'nouts': [4, 1], 'activation': 'tanh'}
    fresh = MLP(2, [4, 1], activation='tanh', seed=9)
    fresh.load(path)
    assert fresh.state_dict() == model.state_dict()
    rebuilt = load_model(path)
    assert repr(rebuilt) == repr(model) and rebuilt([0.5, 0.5]).data == model([0.5, 0.5]).data


def test_save_writes_none_for_no_activation(tmp_path):
    path = tmp_path / 'layer.json'
    Layer(2, 3, activation='linear', seed=0).save(path)
    assert json.loads(path.read_text())['config'] == {'nin': 2, 'nout': 3, 'activation': 'none'}
    assert '"linear"' not in path.read_text()
    FeedForward(2, 3, activation='none', seed=0).save(path)
    assert json.loads(path.read_text())['config']['activation'] == 'none'


@pytest.mark.parametrize('kind, config', [
    ('Neuron', {'nin': 2, 'activation': 'linear'}),
    ('Layer', {'nin': 2, 'nout': 1, 'activation': 'linear'}),
    ('MLP', {'nin': 2, 'nouts': [1, 1], 'activation': 'linear'}),
    ('FeedForward', {'d_model': 1, 'd_hidden': 2, 'activation': 'linear'}),
])
def test_a_model_file_from_before_with_linear_for_no_activation_loads(tmp_path, kind, config):
    model = {'Neuron': Neuron, 'Layer': Layer, 'MLP': MLP, 'FeedForward': FeedForward}[kind](**config, seed=0)
    state = {name: 0.25 * (i + 1) for i, (name, _) in enumerate(model.named_parameters())}
    path = tmp_path / 'old.json'
    path.write_text(json.dumps({'format': 'micrograd_ext.model', 'version': 1, 'type': kind, 'config': config,
                                'state': state}))  # as save() wrote it before 'none'
    rebuilt = load_model(path)
    assert type(rebuilt) is type(model) and rebuilt.state_dict() == state
    assert rebuilt.config() == dict(config, activation='none')
    model.load(path)  # into a model built today: the same architecture
    assert model.state_dict() == state
    rebuilt.save(path)
    assert json.loads(path.read_text())['config']['activation'] == 'none'


def test_parameter_is_a_value_and_what_is_computed_from_it_is_a_plain_value():
    w = Parameter(0.5, 'w')  # the label may be given by position, as before
    assert isinstance(w, Parameter) and isinstance(w, Value) and issubclass(Parameter, Value)
    assert w.is_parameter and not Value(0.5).is_parameter and w.label == 'w' and w.data == 0.5
    assert repr(w) == "Value(label='w', data=0.5, grad=0.0)"
    for out in (w * 2, 2 * w, w + w, -w, w - 1, w / 2, w ** 2, w.tanh(), w.relu(), Value.sum([w, w]),
                Value.linear([w], [3.0], w), w.detach()):
        assert type(out) is Value and not out.is_parameter
    y = w * w + w
    y.backward()
    assert w.grad == 2.0
    assert Parameter.__slots__ == ()  # no slots of its own: the class says it is a parameter
    model = MLP(2, [2, 1], seed=0)
    assert all(type(p) is Parameter for p in model.parameters())
    twin = copy.deepcopy(model)
    assert all(type(p) is Parameter and p.is_parameter for p in twin.parameters())
    assert twin([1.0, 2.0]).data == model([1.0, 2.0]).data and twin.parameters()[0] is not model.parameters()[0]


@pytest.mark.parametrize('content, message', [
    ('{not json', 'not valid JSON'),
    ('[1, 2]', 'not a micrograd_ext model file'),
    ('{"format": "micrograd_ext.model", "type": "MLP", "config": {"nin": 2, "nouts": [5, 1], "activation": "relu"},'
     ' "state": {}}', 'holds a MLP'),
])
def test_malformed_or_mismatched_files_raise_and_leave_the_model_unchanged(tmp_path, content, message):
    path = tmp_path / 'bad.json'
    path.write_text(content)
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ModelFileError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_a_file_with_non_finite_numbers_is_refused(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / 'model.json'
    model.save(path)
    path.write_text(path.read_text().replace('0.0', 'Infinity', 1))
    with pytest.raises(ModelFileError, match='finite number'):
        MLP(2, [2, 1], seed=1).load(path)
    path.write_text('{"format": "micrograd_ext.model", "type": "Robot", "config": {}}')
    with pytest.raises(ModelFileError, match='known model type'):
        load_model(path)


def test_feedforward_matches_the_seed_numpy_network():
    rng = np.random.RandomState(42)  # the seed article: np.random.seed(42); rand weights, then rand bias
    up = [(rng.rand(4), rng.rand(1)) for _ in range(8)]
    down = [(rng.rand(8), rng.rand(1)) for _ in range(4)]
    x = np.array([-0.5, 2.0, -1.0, 3.5])
    hidden = np.array([np.maximum(0, w @ x + b) for w, b in up]).ravel()
    expected = np.array([np.maximum(0, w @ hidden + b) for w, b in down]).ravel()
    ffn = FeedForward.from_weights([w for w, _ in up], [b[0] for _, b in up],
                                   [w for w, _ in down], [b[0] for _, b in down])
    out = ffn(list(x))
    np.testing.assert_allclose([v.data for v in out], expected, rtol=0, atol=1e-12)
    assert len(ffn.parameters()) == 8 * 5 + 4 * 9


def test_feedforward_shapes_and_errors():
    ffn = FeedForward(3, 6, activation='gelu', seed=0)
    assert repr(ffn) == 'FeedForward(3 -> 6 (gelu) -> 3)' and len(ffn([1, 2, 3])) == 3
    with pytest.raises(ValueError, match='w_down must be d_model x d_hidden'):
        FeedForward.from_weights([[1, 2]], [0], [[1, 2]], [0])


def backward_through_both(model, x: list, torch):
    """``model``'s PyTorch twin, after checking that both give the same outputs for ``x`` and running backward
    through both (the sum of the outputs)."""
    ours = model(x)
    ours = ours if isinstance(ours, list) else [ours]
    Value.sum(ours).backward()
    exported = model.to_torch()
    theirs = exported(torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(theirs.detach().numpy(), [v.data for v in ours], rtol=1e-12, atol=1e-12)
    theirs.sum().backward()
    return exported


@pytest.mark.parametrize('make', [lambda: MLP(3, [5, 4, 2], activation='tanh', seed=0),
                                  lambda: MLP(2, [4, 1], seed=1), lambda: FeedForward(3, 5, activation='gelu', seed=2)])
def test_to_torch_gives_the_same_outputs_and_gradients(make):
    torch = torch_or_skip()
    model = make()
    exported = backward_through_both(model, [0.3, -1.2, 0.8][:model.torch_layers()[0].config()['nin']], torch)
    torch_grads = [g for m in exported if hasattr(m, 'weight') for g in (m.weight.grad, m.bias.grad)]
    our_grads = []
    for layer in model.torch_layers():
        our_grads += [[[w.grad for w in n.w] for n in layer.neurons], [n.b.grad for n in layer.neurons]]
    for t, o in zip(torch_grads, our_grads):
        np.testing.assert_allclose(t.numpy(), o, rtol=1e-10, atol=1e-12)


def test_a_neuron_without_bias_computes_w_dot_x_and_has_no_bias_parameter(tmp_path):
    neuron = Neuron(3, activation='none', bias=False, seed=0)
    x = [0.5, -1.0, 2.0]
    assert neuron.b is None and neuron.parameters() == neuron.w and [n for n, _ in neuron.named_parameters()] == [
        'w.0', 'w.1', 'w.2']
    assert neuron(x).data == sum(w.data * xi for w, xi in zip(neuron.w, x))  # the same float operations, + 0.0
    assert repr(neuron) == 'LinearNeuron(3, bias=False)' and neuron.config() == {'nin': 3, 'activation': 'none',
                                                                                 'bias': False}
    relu_neuron = Neuron(2, bias=False, seed=1)
    z = relu_neuron([1.0, 2.0])._prev[0]  # the ReLU's linear node: its last child is a constant 0
    assert z._op == 'linear' and z._prev[-1].data == 0.0 and not z._prev[-1].is_parameter
    assert neuron_of(z) is relu_neuron and relu_neuron.bias_input is z._prev[-1]  # drawings box it too
    def output(w0, w1, x0):
        tanh_neuron = Neuron(2, activation='tanh', bias=False, seed=0)
        tanh_neuron.w = [w0, w1]
        return tanh_neuron([x0, -0.5])
    assert gradcheck(output, [0.3, -0.7, 1.5])
    with pytest.raises(TypeError, match='bias must be True or False'):
        Neuron(2, bias=0)


def test_a_layer_without_biases_saves_loads_and_is_set_by_hand(tmp_path):
    layer = Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], None)
    assert [v.data for v in layer([1, 2])] == [2.0, 3.5] and len(layer.parameters()) == 4
    assert layer.config() == {'nin': 2, 'nout': 2, 'activation': 'none', 'bias': False}
    layer.save(tmp_path / 'layer.json')
    again = load_model(tmp_path / 'layer.json')
    assert again.config() == layer.config() and again.state_dict() == layer.state_dict()
    assert [n.b for n in again.neurons] == [None, None]
    with pytest.raises(ModelFileError, match="'bias' is true or false"):
        (tmp_path / 'bad.json').write_text(json.dumps({**json.loads((tmp_path / 'layer.json').read_text()),
                                                       'config': {**layer.config(), 'bias': 'no'}}))
        load_model(tmp_path / 'bad.json')
    with pytest.raises(ValueError, match='need one bias per row of weights: got 2 rows and 1 biases'):
        Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], [0.0])


def test_a_feedforward_without_biases_and_with_squared_relu():
    ffn = FeedForward(3, 4, activation='relu2', bias=False, seed=0)
    assert len(ffn.parameters()) == 2 * 3 * 4 and ffn.config() == {'d_model': 3, 'd_hidden': 4,
                                                                  'activation': 'relu2', 'bias': False}
    assert repr(ffn) == 'FeedForward(3 -> 4 (relu2) -> 3)'
    x = [0.5, -1.0, 2.0]
    hidden = [max(0.0, sum(w.data * xi for w, xi in zip(n.w, x))) ** 2 for n in ffn.up.neurons]
    assert any(hidden) and not all(hidden)  # some neurons are cut by the ReLU, some are squared
    expected = [sum(w.data * h for w, h in zip(n.w, hidden)) for n in ffn.down.neurons]
    assert [v.data for v in ffn(x)] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    by_hand = FeedForward.from_weights([[w.data for w in n.w] for n in ffn.up.neurons], None,
                                       [[w.data for w in n.w] for n in ffn.down.neurons], None, activation='relu2')
    assert by_hand.config() == ffn.config() and [v.data for v in by_hand(x)] == [v.data for v in ffn(x)]

    def outputs(*weights):  # the up-projection's first two neurons' weights as inputs (both pass the ReLU at x)
        ffn.up.neurons[0].w, ffn.up.neurons[1].w = list(weights[:3]), list(weights[3:])
        return Value.sum(ffn(x))
    assert gradcheck(outputs, [0.4, -0.2, 0.3, 0.1, 0.5, 0.6])
    with pytest.raises(ValueError, match='give both b_up and b_down, or neither'):
        FeedForward.from_weights([[1.0]], None, [[1.0]], [0.0])
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of .*relu2.*swiglu"):
        FeedForward(2, 3, activation='swish')
    with pytest.raises(ValueError, match="unknown activation 'relu2'"):
        Neuron(2, activation='relu2')  # a neuron's activation is one op; the square is the FeedForward's


@pytest.mark.parametrize('make', [lambda: FeedForward(3, 5, activation='relu2', seed=3),
                                  lambda: FeedForward(3, 5, activation='relu', bias=False, seed=4),
                                  lambda: MLP(3, [4, 2], seed=5)])
def test_to_torch_of_squared_relu_and_bias_free_layers_gives_the_same_outputs_and_gradients(make):
    torch = torch_or_skip()
    model = make()
    for p in model.parameters():
        p.data += 0.1  # biases off 0
    exported = backward_through_both(model, [0.3, -1.2, 0.8], torch)
    np.testing.assert_allclose(sorted(g for p in exported.parameters() for g in p.grad.flatten().tolist()),
                               sorted(p.grad for p in model.parameters()), rtol=1e-10, atol=1e-12)
