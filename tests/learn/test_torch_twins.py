"""The PyTorch twins' translation table covers exactly the op table's activations, and a layer without one is a
Linear module alone (PyTorch itself is not needed: a stand-in records what ``sequential()`` builds). Where PyTorch
is installed the real twins are compared with the modules; elsewhere those tests skip (CI requires them)."""
import sys
import types

import pytest

from micrograd_ext.core import ops
from micrograd_ext.learn import torch_twins
from micrograd_ext.learn.nn import MLP, FeedForward, Layer
from micrograd_ext.learn.torch_twins import TORCH_ACTIVATIONS

from .test_nn import torch_or_skip


def test_every_activation_has_its_torch_module_and_nothing_else_has_one():
    assert set(TORCH_ACTIVATIONS) == set(ops.ACTIVATIONS)


def test_the_twin_of_each_activation_is_made_from_torch_nn():
    class FakeTorchNN:  # records which module each entry asks torch.nn for
        def __getattr__(self, name):
            return lambda **options: (name, options)
    made = {name: make(FakeTorchNN()) for name, make in TORCH_ACTIVATIONS.items()}
    assert made == {'relu': ('ReLU', {}), 'tanh': ('Tanh', {}), 'sigmoid': ('Sigmoid', {}),
                    'gelu': ('GELU', {'approximate': 'tanh'}), 'silu': ('SiLU', {})}


class FakeTorch(types.SimpleNamespace):
    """Just enough of torch for ``sequential()``: Linear modules that keep their sizes, activations as names."""

    float64 = 'float64'

    class no_grad:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    @staticmethod
    def tensor(numbers, dtype):
        return numbers

    class Weight:
        def copy_(self, numbers):
            self.numbers = numbers

    class Linear:
        def __init__(self, nin, nout, dtype, bias=True):
            self.sizes, self.weight = (nin, nout), FakeTorch.Weight()
            self.bias = FakeTorch.Weight() if bias else None

    nn = types.SimpleNamespace(Linear=Linear, Sequential=lambda *modules: list(modules),
                               **{name: (lambda name=name, **options: name)
                                  for name in ('ReLU', 'Tanh', 'Sigmoid', 'GELU', 'SiLU')})


def test_a_layer_without_activation_is_a_linear_module_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, 'torch', FakeTorch())
    for activation, twin in [('tanh', 'Tanh'), ('relu', 'ReLU'), ('gelu', 'GELU')]:
        modules = MLP(2, [3, 1], activation=activation, seed=0).to_torch()
        assert [m if isinstance(m, str) else m.sizes for m in modules] == [(2, 3), twin, (3, 1)]
    modules = MLP(2, [3, 1], activation='none', seed=0).to_torch()
    assert [m.sizes for m in modules] == [(2, 3), (3, 1)]


def test_a_layer_without_biases_is_a_linear_module_without_bias_and_relu2_squares_after_the_relu(monkeypatch):
    monkeypatch.setitem(sys.modules, 'torch', FakeTorch())
    monkeypatch.setattr(torch_twins, 'classes', lambda: {'Square': lambda: 'Square'})
    (linear,) = Layer(2, 3, activation='none', bias=False, seed=0).to_torch()
    assert linear.sizes == (2, 3) and linear.bias is None and len(linear.weight.numbers) == 3
    up, relu, square, down = FeedForward(2, 4, activation='relu2', bias=False, seed=0).to_torch()
    assert (up.sizes, relu, square, down.sizes, up.bias, down.bias) == ((2, 4), 'ReLU', 'Square', (4, 2), None, None)
    (linear,) = Layer(2, 3, activation='none', seed=0).to_torch()
    assert linear.bias.numbers == [0.0, 0.0, 0.0]


# ---- without PyTorch: the error says how to install it; with it (CI: MICROGRAD_EXT_REQUIRE_TORCH=1): the twins
# compute what the modules compute


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'torch', None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match=r'^to_torch\(\) needs PyTorch: pip install torch \(the CPU build is enough\)$'):
        torch_twins.require_torch()
    with pytest.raises(ImportError, match='needs PyTorch'):
        MLP(2, [3, 1], seed=0).to_torch()


def test_a_sequential_has_the_layers_weights_and_activations():
    torch = torch_or_skip()
    layers = [Layer.from_weights([[1.0, -2.0], [0.5, 0.25], [3.0, 0.0]], [0.1, 0.2, 0.3], activation='tanh'),
              Layer.from_weights([[1.0, 2.0, -1.0]], [-0.5], activation='none')]
    twin = torch_twins.sequential(layers)
    assert [type(m).__name__ for m in twin] == ['Linear', 'Tanh', 'Linear']
    assert twin[0].weight.dtype == torch.float64
    assert twin[0].weight.tolist() == [[1.0, -2.0], [0.5, 0.25], [3.0, 0.0]] and twin[0].bias.tolist() == [0.1, 0.2, 0.3]
    assert twin[2].weight.tolist() == [[1.0, 2.0, -1.0]] and twin[2].bias.tolist() == [-0.5]


@pytest.mark.parametrize('activation', sorted(ops.ACTIVATIONS))
def test_an_mlps_twin_computes_the_same_outputs(activation):
    torch = torch_or_skip()
    model = MLP(3, [4, 2], activation=activation, seed=0)
    x = [0.3, -1.2, 0.8]
    ours = [v.data for v in model(x)]
    theirs = model.to_torch()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert theirs == pytest.approx(ours, rel=1e-12, abs=1e-12)


def test_swiglus_twin_has_the_gate_and_the_same_outputs():
    torch = torch_or_skip()
    ffn = FeedForward(3, 5, activation='swiglu', seed=2)
    twin = torch_twins.swiglu(ffn.up, ffn.gate, ffn.down)
    x = [0.5, -1.0, 2.0]
    theirs = twin(torch.tensor(x, dtype=torch.float64)).tolist()
    assert theirs == pytest.approx([v.data for v in ffn(x)], rel=1e-12, abs=1e-12)
    assert twin.gate.weight.tolist() == [[w.data for w in n.w] for n in ffn.gate.neurons]


def test_the_transformer_classes_are_made_once():
    torch_or_skip()
    classes = torch_twins.classes()
    assert set(classes) == {'CausalSelfAttention', 'TransformerBlock', 'GPT', 'Square'}
    assert torch_twins.classes() is classes
