"""Neurons, layers and networks built on ``Value``: micrograd's API plus activations, names and saving.

>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(4)]]
>>> len(model.parameters())
17
"""
from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, cast

from ..core import ops
from ..core.ops import ACTIVATIONS  # noqa: F401  (a neuron's activations: the op table's list, re-exported)
from . import torch_twins
from ..core.engine import Value, values
from ..core.files import write_atomically
from .model_files import (FEED_FORWARD_ACTIVATIONS, FILE_FORMAT, MAX_FILE_BYTES, MAX_PARAMETERS, MODULE_TYPES,
                          NO_ACTIVATION, ModelFileError, brief, current_activation_name, parameter_count,
                          read_model_file)

__all__ = ['Module', 'Parameter', 'Neuron', 'Layer', 'MLP', 'FeedForward', 'ACTIVATIONS', 'NO_ACTIVATION',
           'ModelFileError', 'write_atomically']


class Module:
    """Base class: parameters, gradients reset, and saving as JSON.

    Subclasses define ``named_parameters()`` (or, micrograd style, just ``parameters()``).
    """

    __call__: Callable[..., Any]  # every module computes its outputs from its inputs (its own signature)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs with stable dotted names such as ``layers.0.neurons.3.w.1``."""
        return []

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name.

        >>> Neuron(2, seed=0).state_dict()
        {'w.0': 0.68884..., 'w.1': 0.51590..., 'b': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: object) -> None:
        """Set parameters from ``state``; checks everything first, so a bad state changes nothing."""
        named = dict(self.named_parameters())
        if not isinstance(state, dict):
            raise ModelFileError(f"a state dict must be a dict of name -> number, got {type(state).__name__}")
        missing, unexpected = sorted(named.keys() - state.keys()), sorted(state.keys() - named.keys(), key=str)
        if missing or unexpected:
            raise ModelFileError(f"the state does not fit this {type(self).__name__}: missing {missing[:5]}"
                                 f"{' ...' if len(missing) > 5 else ''}, unexpected {brief(unexpected[:5])}"
                                 f"{' ...' if len(unexpected) > 5 else ''} (was it saved from another architecture?)")
        for name, number in state.items():
            finite = isinstance(number, (int, float)) and abs(number) <= sys.float_info.max  # no float(): huge ints
            if isinstance(number, bool) or not finite:
                raise ModelFileError(f"parameter {name!r} must be a finite number, got {brief(number)}")
        for name, number in state.items():
            named[name].data = float(number)

    def config(self) -> dict:
        """The constructor arguments that rebuild this module's architecture."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    def torch_layers(self) -> list[Layer]:
        """The layers, in order, that ``to_torch()`` turns into ``torch.nn.Linear`` modules."""
        raise NotImplementedError(f"{type(self).__name__} cannot be exported to PyTorch")

    def to_torch(self):
        """The same network as a ``torch.nn.Sequential`` in float64, with the same weights and outputs.

        PyTorch is optional: ``pip install torch`` (the CPU build is enough).
        """
        return torch_twins.sequential(self.torch_layers())

    def save(self, path) -> None:
        """Write architecture and parameters to ``path`` as JSON (never pickle), all or nothing.

        Killing the process midway leaves the previous file as it was (see ``write_atomically``). A
        non-finite weight, or a model too large for ``load_model``, is refused and nothing is written.
        """
        kind = type(self).__name__
        if MODULE_TYPES.get(kind) is not type(self):
            raise ValueError(f"load_model() can rebuild {', '.join(MODULE_TYPES)}, not a {kind}; save the model that "
                             f"holds it (its parameters are among the model's); nothing was saved")
        try:
            expected = parameter_count(kind, self.config())
        except ModelFileError:  # too large for a file: said below, with the sizes
            expected = len(self.parameters())
        if expected != len(self.parameters()):
            raise ValueError(f"this {kind} was changed after it was built (it has {len(self.parameters()):,} parameters, "
                             f"its config makes {expected:,}), so load_model() could not rebuild it; nothing was saved")
        state = self.state_dict()
        for name, number in state.items():
            if not math.isfinite(number):
                raise ValueError(f"{name} is {number}; nothing was saved (a file already at {path} is unchanged). "
                                 "Training diverged: reload the last good file, lower the learning rate or clip "
                                 "gradients")
        document = {'format': FILE_FORMAT, 'version': 1, 'type': type(self).__name__,
                    'config': self.config(), 'state': state}
        data = json.dumps(document, indent=1).encode()
        if len(state) > MAX_PARAMETERS or len(data) > MAX_FILE_BYTES:
            raise ValueError(f"this {type(self).__name__} has {len(state):,} parameters ({len(data):,} bytes of JSON), "
                             f"but a model file holds at most {MAX_PARAMETERS:,} in {MAX_FILE_BYTES:,} bytes; "
                             "nothing was saved")
        write_atomically(path, data)

    def load(self, path) -> None:
        """Load parameters saved by ``save()``; raises ``ModelFileError`` and changes nothing if they don't fit."""
        document = read_model_file(path)
        kind, config = document.get('type'), document.get('config')
        if kind != type(self).__name__:
            raise ModelFileError(f"{path} holds a model of type {brief(kind)}, but this model is a "
                                 f"{type(self).__name__}; load_model(path) rebuilds whatever a file holds")
        if json.dumps(config, sort_keys=True) != json.dumps(self.config(), sort_keys=True):  # 2.0 is not 2 here
            raise ModelFileError(f"{path} holds a {kind} {brief(config)}, but this model is a {kind} {self.config()}")
        self.load_state_dict(document.get('state'))


class Parameter(Value):
    """A Value that is a model's weight, as PyTorch's ``nn.Parameter`` is a Tensor that is one: a leaf with
    ``is_parameter`` True, which drawings colour as a parameter. Models make their weights with it; what is
    computed from it is a plain Value.

    >>> w = Parameter(-3.0, label='w'); w
    Value(label='w', data=-3.0, grad=0.0)
    >>> isinstance(w, Value), w.is_parameter, type(w * 2).__name__, (w * 2).is_parameter
    (True, True, 'Value', False)
    """

    __slots__ = ()
    is_parameter = True

    def __init__(self, data: float, label: str = ''):
        super().__init__(data, label=label)


class Neuron(Module):
    """``activation(w . x + b)`` with weights drawn from uniform(-1, 1) and bias 0, as in micrograd.

    ``activation`` is one of ``ACTIVATIONS`` (the op table's: relu, tanh, ...) or ``'none'``, which outputs
    ``w . x + b`` itself (``'linear'``, its old name, is read as ``'none'``); without it ``nonlin`` picks, as in
    micrograd: relu, or none for ``nonlin=False``. ``seed`` (an int or a ``random.Random``) makes initialisation
    reproducible; without it Python's global ``random`` is used. ``bias=False`` (PyTorch's ``nn.Linear``
    option) computes ``w . x`` without a bias parameter: ``b`` is None, and the ``linear`` node's last child is a
    constant 0 (one per neuron), which drawings do not box as a neuron's bias.

    >>> n = Neuron(2, activation='tanh', seed=1)
    >>> n([1.0, -1.0])
    Value(data=-0.8..., grad=0.0)
    >>> Neuron(2, bias=False, seed=1).parameters()
    [Value(label='w0', data=-0.73..., grad=0.0), Value(label='w1', data=0.69..., grad=0.0)]
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None, seed=None, bias: bool = True):
        rng = make_rng(seed)
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        self.activation = check_activation(activation or ('relu' if nonlin else NO_ACTIVATION))
        self.nonlin = self.activation != NO_ACTIVATION
        self.w: list[Value] = [Parameter(rng.uniform(-1, 1), label=f'w{i}') for i in range(nin)]
        self.b: Value | None = Parameter(0.0, label='b') if bias else None
        self.name = ''  # its place in a model, e.g. 'L1.N0' (first layer, first neuron), given by Layer and MLP
        self._activate = getattr(Value, self.activation) if self.nonlin else None  # Value.relu, ... (relu by hand)
        self.constant_bias = None if bias else Value(0.0)  # one constant 0, so compiled() sees shared weight rows
        self.bias_input._neuron = self  # type: ignore[attr-defined]  # for drawings: viz.naming.neuron_of

    @property
    def bias_input(self) -> Value:
        """The last child of this neuron's ``linear`` node: its bias, or the constant 0 without one."""
        return self.b if self.b is not None else cast(Value, self.constant_bias)

    @property
    def output_op(self) -> str:
        """The ``_op`` of the node this neuron outputs: its activation op's name (``'ReLU'``, ``'tanh'``, ...), or
        ``'linear'``, the ``w . x + b`` node's, without one."""
        op = ops.ACTIVATIONS.get(self.activation)
        return op.name if op is not None else ops.LINEAR.name

    def __call__(self, x: Sequence) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        out = Value.linear(self.w, x, self.bias_input)  # w1*x1 + w2*x2 + ... + b: one node
        return out if self._activate is None else self._activate(out)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'w.{i}', wi) for i, wi in enumerate(self.w)] + ([('b', self.b)] if self.b is not None else [])

    def parameters(self) -> list[Value]:
        # what named_parameters() lists, without making names (zero_grad runs every step)
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def config(self) -> dict:
        return {'nin': len(self.w), 'activation': self.activation, **({} if self.b is not None else {'bias': False})}

    def __repr__(self) -> str:  # micrograd's ReLUNeuron(2) and LinearNeuron(2), and TanhNeuron(2), ...
        kind = {'relu': 'ReLU', NO_ACTIVATION: 'Linear'}.get(self.activation, self.activation.capitalize())
        return f"{kind}Neuron({len(self.w)}{'' if self.b is not None else ', bias=False'})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns a list, or a single Value when ``nout == 1``. Keyword
    arguments go to each ``Neuron`` (``activation=``, ``bias=False``)."""

    def __init__(self, nin: int, nout: int, seed=None, **kwargs):
        rng = make_rng(seed)
        self.neurons = [Neuron(nin, seed=rng, **kwargs) for _ in range(nout)]
        self.name_neurons('')

    def name_neurons(self, prefix: str) -> None:
        """Call the neurons ``N0, N1, ...`` after ``prefix`` (an MLP gives ``L1.`` for its first layer)."""
        for j, neuron in enumerate(self.neurons):
            neuron.name = f'{prefix}N{j}'

    @classmethod
    def from_weights(cls, weights: Sequence[Sequence[float]], biases: Sequence[float] | None,
                     activation: str = NO_ACTIVATION) -> Layer:
        """A layer with weights set by hand: one row of ``weights`` and one bias per neuron (``biases=None``: a
        layer without biases).

        >>> Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], [0.1, -0.2])([1, 2])
        [Value(data=2.1, grad=0.0), Value(data=3.3, grad=0.0)]
        """
        if not weights or (biases is not None and len(weights) != len(biases)):
            raise ValueError(f"need one bias per row of weights: got {len(weights)} rows and "
                             f"{'no' if biases is None else len(biases)} biases")
        nins = {len(row) for row in weights}
        if len(nins) != 1:
            raise ValueError(f"every row of weights needs the same length, got lengths {sorted(nins)}")
        layer = cls(nins.pop(), len(weights), seed=0, activation=activation,  # seed=0: leave global random alone
                    bias=biases is not None)
        for i, (neuron, row) in enumerate(zip(layer.neurons, weights)):
            for w, number in zip(neuron.w, row):
                w.data = float(number)
            if neuron.b is not None and biases is not None:
                neuron.b.data = float(biases[i])
        return layer

    def __call__(self, x: Sequence) -> Value | list[Value]:
        x = values(x)  # wrap plain numbers once, so every neuron reads the same input nodes
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def torch_layers(self) -> list[Layer]:
        return [self]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'neurons.{i}.{name}', p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def config(self) -> dict:
        first = self.neurons[0].config()
        return {'nin': first['nin'], 'nout': len(self.neurons), **{k: v for k, v in first.items() if k != 'nin'}}

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ``activation`` between layers, none after the last (its
    neurons output ``w . x + b``, micrograd's ``LinearNeuron``).

    >>> MLP(3, [4, 4, 1], seed=0)([2.0, 3.0, -1.0])
    Value(data=..., grad=0.0)
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = 'relu', seed=None):
        rng = make_rng(seed)
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], seed=rng,
                             activation=activation if i != len(nouts) - 1 else NO_ACTIVATION)
                       for i in range(len(nouts))]
        for i, layer in enumerate(self.layers, 1):
            layer.name_neurons(f'L{i}.')

    def __call__(self, x: Sequence) -> Value | list[Value]:
        out: Any = x
        for layer in self.layers:
            out = layer(out)
        return out

    def torch_layers(self) -> list[Layer]:
        return self.layers

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f'layers.{i}.{name}', p) for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def config(self) -> dict:
        return {'nin': self.layers[0].config()['nin'], 'nouts': [len(l.neurons) for l in self.layers],
                'activation': self.layers[0].config()['activation'] if len(self.layers) > 1 else 'relu'}

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


class FeedForward(Module):
    """A transformer block's feed-forward network: up-projection, activation, down-projection.

    ``d_model`` inputs -> ``d_hidden`` neurons with ``activation`` -> ``d_model`` neurons without one, each
    neuron with its own weights and bias (none with ``bias=False``). Always returns a list of ``d_model`` Values.
    Besides a neuron's activations: ``'swiglu'`` (Llama's gated form, ``silu(gate . x) * (up . x)``, a third
    projection) and ``'relu2'``, the squared ReLU ``relu(up . x) ** 2`` (Primer; one version of microgpt).

    >>> ffn = FeedForward(4, 8, seed=0)
    >>> len(ffn([-0.5, 2.0, -1.0, 3.5])), len(ffn.parameters()), len(FeedForward(4, 8, bias=False).parameters())
    (4, 76, 64)
    """

    squared = False  # 'relu2' (a class default, for FeedForwards made before it existed)

    def __init__(self, d_model: int, d_hidden: int, activation: str = 'relu', seed=None, bias: bool = True):
        rng = make_rng(seed)
        activation = check_activation(activation, FEED_FORWARD_ACTIVATIONS)
        gated = activation == 'swiglu'  # Llama's SwiGLU: silu(gate(x)) * up(x), a third projection
        self.squared = activation == 'relu2'  # relu(up(x)) ** 2
        up_activation = NO_ACTIVATION if gated else 'relu' if self.squared else activation
        self.up = Layer(d_model, d_hidden, seed=rng, activation=up_activation, bias=bias)
        self.gate = Layer(d_model, d_hidden, seed=rng, activation='silu', bias=bias) if gated else None
        self.down = Layer(d_hidden, d_model, seed=rng, activation=NO_ACTIVATION, bias=bias)

    @classmethod
    def from_weights(cls, w_up, b_up, w_down, b_down, activation: str = 'relu') -> FeedForward:
        """Weights given as rows per neuron: ``w_up`` is d_hidden x d_model, ``w_down`` d_model x d_hidden
        (``b_up`` and ``b_down`` both None: no biases)."""
        if activation == 'swiglu':
            raise ValueError("from_weights builds an ungated FeedForward; for 'swiglu' set the gate's weights too: "
                             "ffn = FeedForward(d_model, d_hidden, 'swiglu'), then ffn.load_state_dict(...)")
        if (b_up is None) != (b_down is None):
            raise ValueError("give both b_up and b_down, or neither (None, None) for a FeedForward without biases")
        ffn = cls.__new__(cls)
        ffn.gate, ffn.squared = None, activation == 'relu2'
        ffn.up = Layer.from_weights(w_up, b_up, activation='relu' if ffn.squared else activation)
        ffn.down = Layer.from_weights(w_down, b_down, activation=NO_ACTIVATION)
        if ffn.down.config()['nin'] != len(ffn.up.neurons) or len(ffn.down.neurons) != ffn.up.config()['nin']:
            raise ValueError("w_down must be d_model x d_hidden when w_up is d_hidden x d_model")
        return ffn

    def __call__(self, x: Sequence) -> list[Value]:
        x = values(x)
        hidden = [n(x) for n in self.up.neurons]
        if self.gate is not None:
            hidden = [g(x) * h for g, h in zip(self.gate.neurons, hidden)]  # silu(gate . x) * (up . x)
        elif self.squared:
            hidden = [h ** 2 for h in hidden]  # relu(up . x) ** 2
        return [n(hidden) for n in self.down.neurons]

    def torch_layers(self) -> list[Layer]:
        return [self.up, self.down]

    def to_torch(self):
        """The same network in PyTorch (float64): a ``Sequential`` (for 'relu2' with a squaring module after the
        ReLU), or for 'swiglu' a module with the gate."""
        if self.gate is not None:
            return torch_twins.swiglu(self.up, self.gate, self.down)
        return torch_twins.sequential(self.torch_layers(), squared=self.squared)

    def named_parameters(self) -> list[tuple[str, Value]]:
        parts = (('up', self.up), ('gate', self.gate), ('down', self.down))
        return [(f'{part}.{name}', p) for part, layer in parts if layer is not None
                for name, p in layer.named_parameters()]

    def config(self) -> dict:
        up = self.up.config()
        activation = 'swiglu' if self.gate is not None else 'relu2' if self.squared else up['activation']
        return {'d_model': up['nin'], 'd_hidden': up['nout'], 'activation': activation,
                **({'bias': False} if 'bias' in up else {})}

    def __repr__(self) -> str:
        config = self.config()
        return f"FeedForward({config['d_model']} -> {config['d_hidden']} ({config['activation']}) -> {config['d_model']})"


MODULE_TYPES.update(Neuron=Neuron, Layer=Layer, MLP=MLP, FeedForward=FeedForward)  # so load_model() rebuilds them


def check_activation(name: str, more: Sequence[str] = ()) -> str:
    """``name`` as activations are spelt now ('linear' becomes 'none'), or a ValueError naming the choices (a
    neuron's, and ``more``)."""
    name = current_activation_name(name)
    if name != NO_ACTIVATION and name not in ops.ACTIVATIONS and name not in more:
        choices = sorted([*ops.ACTIVATIONS, NO_ACTIVATION, *more])
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(choices)}")
    return name


def make_rng(seed) -> random.Random | ModuleType:
    """``None`` -> Python's global ``random`` (micrograd's behaviour); an int -> a seeded generator.

    Anything with a ``uniform(a, b)`` method (``random.Random``, the ``random`` module) is used as is.
    """
    if seed is None:
        return random
    if hasattr(seed, 'uniform'):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
