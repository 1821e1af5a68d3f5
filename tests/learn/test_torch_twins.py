"""The PyTorch twins' translation table covers exactly the op table's activations (PyTorch itself is not needed)."""
from micrograd_ext.core import ops
from micrograd_ext.learn.torch_twins import TORCH_ACTIVATIONS


def test_every_activation_has_its_torch_module_and_nothing_else_has_one():
    assert set(TORCH_ACTIVATIONS) == set(ops.ACTIVATIONS)


def test_the_twin_of_each_activation_is_made_from_torch_nn():
    class FakeTorchNN:  # records which module each entry asks torch.nn for
        def __getattr__(self, name):
            return lambda **options: (name, options)
    made = {name: make(FakeTorchNN()) for name, make in TORCH_ACTIVATIONS.items()}
    assert made == {'relu': ('ReLU', {}), 'tanh': ('Tanh', {}), 'sigmoid': ('Sigmoid', {}),
                    'gelu': ('GELU', {'approximate': 'tanh'}), 'silu': ('SiLU', {})}


def test_a_layer_without_activation_is_a_linear_module_alone(monkeypatch):
    import sys
    import types

    from micrograd_ext.learn.nn import MLP

    class Weight:
        def copy_(self, numbers):
            self.numbers = numbers

    class Linear:
        def __init__(self, nin, nout, dtype):
            self.sizes, self.weight, self.bias = (nin, nout), Weight(), Weight()

    torch = types.SimpleNamespace(float64='float64', no_grad=lambda: types.SimpleNamespace(
        __enter__=None, __exit__=None), tensor=lambda numbers, dtype: numbers)

    class NoGrad:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False
    torch.no_grad = NoGrad
    torch.nn = types.SimpleNamespace(Linear=Linear, Sequential=lambda *modules: list(modules),
                                     **{name: (lambda name=name, **options: name)
                                        for name in ('ReLU', 'Tanh', 'Sigmoid', 'GELU', 'SiLU')})
    monkeypatch.setitem(sys.modules, 'torch', torch)
    for activation, twin in [('tanh', 'Tanh'), ('relu', 'ReLU')]:
        modules = MLP(2, [3, 1], activation=activation, seed=0).to_torch()
        assert [m if isinstance(m, str) else m.sizes for m in modules] == [(2, 3), twin, (3, 1)]
