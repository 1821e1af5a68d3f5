"""The bank's first part, the forward pass: one neuron by hand, its activations and their derivatives, a layer,
a neuron in code and the seed's feed-forward block."""
from __future__ import annotations

import random

import numpy as np

from ..core.engine import Value
from .exercises import OPS, judge_neuron_forward, neuron_observations, on_value
from ..core.finite_differences import analytic_grad, numerical_grad
from .exercise import Exercise, Mistake, Numbers, numeric


def pick(rng: random.Random, low: float, high: float, digits: int = 1, least: float = 0.1) -> float:
    """A number in [low, high] with ``digits`` decimals and at least ``least`` away from 0 (a 0 hides mistakes)."""
    while True:
        value = round(rng.uniform(low, high), digits)
        if abs(value) >= least:
            return value


def dot(w: list[float], x: list[float]) -> float:
    return sum(wi * xi for wi, xi in zip(w, x))


def activation(name: str, z: float) -> float:
    return on_value(OPS[name])(Value(z)).data


ASKED = ('relu', 'sigmoid', 'tanh')  # the activations these exercises ask about (of ops.ACTIVATIONS)

neuron_z = numeric(
    'neuron_z', 'One neuron by hand', 2, ('z',),
    lambda rng: {'x': [pick(rng, -2, 3) for _ in range(3)], 'w': [pick(rng, -1, 1) for _ in range(3)],
                 'b': pick(rng, -1, 1)},
    task='The "go for a run?" neuron weighs its inputs and adds a bias: z = w1*x1 + w2*x2 + w3*x3 + b. '
         'Your neuron has the inputs x = {x}, the weights w = {w} and the bias b = {b}. Compute z.',
    starter='x = {x}\nw = {w}\nb = {b}\nz = ...  # your answer: one number',
    solution='x = {x}\nw = {w}\nb = {b}\nz = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b',
    expected=lambda n: {'z': dot(n['w'], n['x']) + n['b']},
    mistakes=[Mistake('the bias is missing: add b after the weighted sum.', lambda n: {'z': dot(n['w'], n['x'])}),
              Mistake('multiply each input by its weight: z = w1*x1 + w2*x2 + w3*x3 + b, not a sum of everything.',
                      lambda n: {'z': sum(n['w']) + sum(n['x']) + n['b']}),
              Mistake('each weight goes with its own input: w1 with x1, w2 with x2, w3 with x3.',
                      lambda n: {'z': dot(n['w'], n['x'][::-1]) + n['b']})],
    hint='multiply each input by its weight, add the three products, then add the bias.')

activations = numeric(
    'activations', 'ReLU, sigmoid and tanh of z', 3, ('relu_z', 'sigmoid_z', 'tanh_z'),
    lambda rng: {'z': pick(rng, -2.5, 2.5, digits=2, least=0.3)},  # drawn again until negative: relu's mistake shows there
    task='Apply the three activations to z = {z}: relu(z) = max(0, z), sigmoid(z) = 1 / (1 + e^(-z)) and '
         'tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z)).',
    starter='z = {z}\nrelu_z = ...\nsigmoid_z = ...\ntanh_z = ...',
    solution='import math\nz = {z}\nrelu_z = max(0.0, z)\nsigmoid_z = 1 / (1 + math.exp(-z))\ntanh_z = math.tanh(z)',
    expected=lambda n: {f'{name}_z': activation(name, n['z']) for name in ASKED},
    mistakes=[Mistake('relu keeps positive numbers and turns negative ones into 0: relu(z) = max(0, z).',
                      lambda n: {'relu_z': n['z']}),
              Mistake('mind the minus sign: sigmoid(z) = 1 / (1 + e^(-z)).',
                      lambda n: {'sigmoid_z': activation('sigmoid', -n['z'])}),
              Mistake('that is sigmoid(z): tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z)), between -1 and 1.',
                      lambda n: {'tanh_z': activation('sigmoid', n['z'])})],
    hint='put z into each formula; a calculator or math.exp and math.tanh help.')


def derivatives(z: float, estimate=analytic_grad) -> dict[str, float]:
    """d activation/dz at ``z`` for the three activations (the engine's, or ``numerical_grad``'s)."""
    return {f'd{name}': float(estimate(on_value(OPS[name]), [z])[0]) for name in ASKED}


activation_derivatives = numeric(
    'activation_derivatives', 'The activations\' derivatives', 3, ('drelu', 'dsigmoid', 'dtanh'),
    lambda rng: {'z': pick(rng, -2.5, 2.5, digits=2, least=0.3)},
    task='Backprop needs each activation\'s local derivative. At z = {z}, compute d relu/dz, d sigmoid/dz and '
         'd tanh/dz.',
    starter='z = {z}\ndrelu = ...\ndsigmoid = ...\ndtanh = ...',
    solution='import math\nz = {z}\ndrelu = 1.0 if z > 0 else 0.0\ns = 1 / (1 + math.exp(-z))\n'
             'dsigmoid = s * (1 - s)\ndtanh = 1 - math.tanh(z) ** 2',
    expected=lambda n: derivatives(n['z']),
    check_by=lambda n: derivatives(n['z'], numerical_grad),
    mistakes=[Mistake('that is relu(z) itself: its derivative is 1 where z > 0 and 0 where z < 0.',
                      lambda n: {'drelu': activation('relu', n['z'])}),
              Mistake('that is sigmoid(z) itself: its derivative is s * (1 - s), where s = sigmoid(z).',
                      lambda n: {'dsigmoid': activation('sigmoid', n['z'])}),
              Mistake('that is tanh(z) itself: its derivative is 1 - tanh(z)**2.',
                      lambda n: {'dtanh': activation('tanh', n['z'])}),
              Mistake('square tanh: d tanh/dz = 1 - tanh(z)**2, not 1 - tanh(z).',
                      lambda n: {'dtanh': 1 - activation('tanh', n['z'])})],
    hint='write each derivative with the activation\'s own output: s * (1 - s) for sigmoid, 1 - t**2 for tanh.')


def layer_outputs(W: list[list[float]], x: list[float], b: list[float]) -> list[float]:
    return [dot(row, x) + bias for row, bias in zip(W, b)]


layer = numeric(
    'layer', 'A layer of two neurons: W x + b', 2, ('z',),
    lambda rng: {'x': [pick(rng, -2, 3) for _ in range(2)], 'W': [[pick(rng, -1, 1) for _ in range(2)] for _ in range(2)],
                 'b': [pick(rng, -1, 1) for _ in range(2)]},
    task='A layer is neurons side by side, one row of W each: z = W x + b. With x = {x}, W = {W} (row 0 is '
         'neuron 1\'s weights) and b = {b}, compute both neurons\' z.',
    starter='x = {x}\nW = {W}\nb = {b}\nz = [..., ...]  # neuron 1, neuron 2',
    solution='x = {x}\nW = {W}\nb = {b}\nz = [W[0][0] * x[0] + W[0][1] * x[1] + b[0], W[1][0] * x[0] + W[1][1] * x[1] + b[1]]',
    expected=lambda n: {'z': layer_outputs(n['W'], n['x'], n['b'])},
    mistakes=[Mistake('each neuron uses its own row of W: z1 = W[0][0]*x[0] + W[0][1]*x[1] + b[0]; you used the '
                      'columns.', lambda n: {'z': layer_outputs([list(col) for col in zip(*n['W'])], n['x'], n['b'])}),
              Mistake('the biases are missing: add b[0] to neuron 1 and b[1] to neuron 2.',
                      lambda n: {'z': layer_outputs(n['W'], n['x'], [0.0, 0.0])}),
              Mistake('each neuron has its own bias: b[0] for neuron 1, b[1] for neuron 2.',
                      lambda n: {'z': layer_outputs(n['W'], n['x'], n['b'][::-1])})],
    hint='neuron i computes W[i][0]*x[0] + W[i][1]*x[1] + b[i].')

ACTIVATION_CODE = {'relu': 'max(0.0, z)', 'sigmoid': '1 / (1 + math.exp(-z))', 'tanh': 'math.tanh(z)'}


def draw_neuron(rng: random.Random) -> Numbers:
    """An activation, its code for the key, and three (x, w, b) inputs to try, with z of both signs (so that
    relu's 0 side and its identity side are both tried)."""
    name = rng.choice(ASKED)
    while True:
        cases = [([pick(rng, -2, 3) for _ in range(2)], [pick(rng, -1, 1) for _ in range(2)], pick(rng, -1, 1))
                 for _ in range(3)]
        z = [dot(w, x) + b for x, w, b in cases]
        if min(z) < -0.1 and max(z) > 0.1:
            return {'activation': name, 'code': ACTIVATION_CODE[name], 'cases': cases}


def fresh_neuron_case(rng: random.Random) -> tuple[list[float], list[float], float]:
    """A case with three inputs (the task says any length), tried when grading."""
    return [pick(rng, -2, 3) for _ in range(3)], [pick(rng, -1, 1) for _ in range(3)], pick(rng, -1, 1)


neuron_forward = Exercise(
    'neuron_forward', "A neuron's forward pass in code", 2, ('neuron',), draw_neuron,
    task='Write `neuron(x, w, b)`, which returns {activation}(w . x + b) for lists x and w of any length and a '
         'number b. The checker tries it on the inputs (x, w, b) = {cases}.',
    starter='import math\n\ndef neuron(x, w, b):\n    """{activation}(w . x + b) as a number."""\n'
            '    raise NotImplementedError',
    solution='import math\n\ndef neuron(x, w, b):\n    z = sum(wi * xi for wi, xi in zip(w, x)) + b\n    return {code}',
    verdict=lambda given, n, cases: judge_neuron_forward(given['neuron'], n['activation'], cases),
    probe=lambda neuron, cases: neuron_observations(neuron, cases),
    inputs=lambda n, rng: n['cases'] + ([fresh_neuron_case(rng)] if rng else []))


def feed_forward_output(n: Numbers, relu_hidden: bool = True, relu_out: bool = False,
                        biases: bool = True) -> list[float]:
    """The seed's FFN block: up-projection, ReLU, down-projection (with switches for the typical mistakes)."""
    hidden = np.array(n['W_up']) @ np.array(n['x']) + (np.array(n['b_up']) if biases else 0)
    if relu_hidden:
        hidden = np.maximum(0.0, hidden)
    out = np.array(n['W_down']) @ hidden + (np.array(n['b_down']) if biases else 0)
    return [float(v) for v in (np.maximum(0.0, out) if relu_out else out)]


def draw_feed_forward(rng: random.Random) -> Numbers:
    """Weights with hidden pre-activations of both signs, so the ReLU matters, and outputs of both signs."""
    while True:
        n = {'x': [pick(rng, -2, 2) for _ in range(2)], 'W_up': [[pick(rng, -1, 1) for _ in range(2)] for _ in range(4)],
             'b_up': [pick(rng, -0.5, 0.5) for _ in range(4)], 'W_down': [[pick(rng, -1, 1) for _ in range(4)]
                                                                         for _ in range(2)],
             'b_down': [pick(rng, -0.5, 0.5) for _ in range(2)]}
        hidden = np.array(n['W_up']) @ np.array(n['x']) + np.array(n['b_up'])
        if min(hidden) < -0.1 < 0.1 < max(hidden) and min(feed_forward_output(n)) < -0.1:
            return n


feed_forward = numeric(
    'feed_forward', "The transformer's feed-forward block", 3, ('y',), draw_feed_forward,
    task='Every transformer block has a feed-forward block: an up-projection to a wider hidden layer, ReLU, and a '
         'down-projection back: y = W_down relu(W_up x + b_up) + b_down. Compute y for x = {x}, W_up = {W_up}, '
         'b_up = {b_up}, W_down = {W_down} and b_down = {b_down} (NumPy\'s @ multiplies a matrix and a vector).',
    starter='import numpy as np\nx = np.array({x})\nW_up = np.array({W_up})\nb_up = np.array({b_up})\n'
            'W_down = np.array({W_down})\nb_down = np.array({b_down})\ny = ...  # a list of 2 numbers',
    solution='import numpy as np\nx = np.array({x})\nW_up = np.array({W_up})\nb_up = np.array({b_up})\n'
             'W_down = np.array({W_down})\nb_down = np.array({b_down})\n'
             'hidden = np.maximum(0.0, W_up @ x + b_up)  # up-projection, then ReLU\n'
             'y = list(W_down @ hidden + b_down)  # down-projection',
    expected=lambda n: {'y': feed_forward_output(n)},
    mistakes=[Mistake('the ReLU is missing: apply it to the hidden layer, W_up x + b_up, before the down-projection.',
                      lambda n: {'y': feed_forward_output(n, relu_hidden=False)}),
              Mistake('the ReLU goes on the hidden layer only: the down-projection\'s output is not activated.',
                      lambda n: {'y': feed_forward_output(n, relu_out=True)}),
              Mistake('the biases are missing: add b_up to the up-projection and b_down to the down-projection.',
                      lambda n: {'y': feed_forward_output(n, biases=False)})],
    hint='compute hidden = relu(W_up @ x + b_up) (4 numbers), then y = W_down @ hidden + b_down.')

EXERCISES = [neuron_z, activations, layer, activation_derivatives, neuron_forward, feed_forward]
