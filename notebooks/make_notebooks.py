"""Write the course notebooks and run them top to bottom so they are committed with their outputs.

    python notebooks/make_notebooks.py          # needs: pip install '.[notebooks]'

The text and code of every notebook live here, so a change to the library and to its notebooks can be
made (and reviewed) in one place. The exercise notebook is written with empty exercise cells; the
reference solutions are in notebooks/solutions/exercises_solutions.py.
"""
from __future__ import annotations

import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str, tags: tuple[str, ...] = ()):
    cell = nbformat.v4.new_code_cell(text.strip())
    if tags:
        cell.metadata['tags'] = list(tags)
    return cell


NEURON = [
    md("""
# 1. The neuron

An artificial neuron weighs its inputs, adds a bias, and passes the sum through an activation function.
Here we compute the seed articles' examples with `Value`, so that every number is computed (not typed)
and can then be differentiated.
"""),
    code("""
import math
from IPython.display import SVG
from micrograd_ext import Value, gradcheck
from micrograd_ext.nn import Layer, Parameter
from micrograd_ext.viz import draw_dot, render
"""),
    md("""
## Should I go for a run?

Three yes/no inputs (sunny? slept well? have time?), weighted 0.7, 0.5 and 0.2. The neuron says *go*
when the weighted sum reaches a threshold, here 1.0.
"""),
    code("""
weights = [Value(0.7, label='w_sunny'), Value(0.5, label='w_slept'), Value(0.2, label='w_time')]
threshold = 1.0
for sunny, slept, time in [(1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]:
    score = sum(w * x for w, x in zip(weights, [sunny, slept, time]))
    print(f"sunny={sunny} slept={slept} time={time}: score {score.data:.1f} -> "
          f"{'go for a run!' if score.data >= threshold else 'stay in'}")
"""),
    md("""
The sunny day counts most: sun plus sleep (0.7 + 0.5 = 1.2) is enough even without time, but sleep plus
time (0.5 + 0.2 = 0.7) is not.

## The neuron computed by hand

With $x = [2, 3]$, $w = [0.5, -1.0]$ and $b = 0.2$: $z = 0.5 \\cdot 2 + (-1.0) \\cdot 3 + 0.2 = -1.8$.
"""),
    code("""
x1, x2 = Value(2.0, label='x1'), Value(3.0, label='x2')
w1, w2, b = Parameter(0.5, label='w1'), Parameter(-1.0, label='w2'), Parameter(0.2, label='b')  # drawn as parameters
z = w1 * x1 + w2 * x2 + b
z.label = 'z'
print(f"z = {z.data:.4g}")
assert abs(z.data - (-1.8)) < 1e-12
"""),
    md("z is the pre-activation. The activation function decides what is passed on:"),
    code("""
for name in ['relu', 'sigmoid', 'tanh']:
    print(f"{name}(z = {z.data:.1f}) = {getattr(z, name)().data:.4f}")
z_pos = Value(2.1, label='z')
for name in ['relu', 'sigmoid', 'tanh']:
    print(f"{name}(z = {z_pos.data:.1f}) = {getattr(z_pos, name)().data:.4f}")
"""),
    md("""
ReLU clips the negative z to 0 and passes 2.1 unchanged; sigmoid squashes into (0, 1): 0.142 reads as
"14% yes", 0.891 as "89% yes"; tanh squashes into (-1, 1) and keeps the sign: about -0.95 and 0.97.

## A layer of two neurons

Two neurons reading the same input $x = [1, 2]$ with weights $W = [[1.0, 0.5], [-0.5, 2.0]]$ and biases
$b = [0.1, -0.2]$ give $Wx + b = [2.1, 3.3]$:
"""),
    code("""
layer = Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], [0.1, -0.2])
outputs = layer([1.0, 2.0])
print([round(v.data, 10) for v in outputs])
"""),
    md("""
## Gradients

How does the output change when a weight changes? Backpropagation answers for every input at once.
For $y = \\tanh(z)$: $\\partial y / \\partial w_1 = x_1 (1 - \\tanh^2 z)$, a weight's gradient is its input
times the gradient arriving at $z$.
"""),
    code("""
y = z.tanh()
y.label = 'y'
y.backward()
for v in [x1, x2, w1, w2, b, z]:
    print(f"dy/d{v.label} = {v.grad:.4f}")
print('by hand: dy/dw1 =', round(2.0 * (1 - math.tanh(-1.8) ** 2), 4))
"""),
    md("With ReLU the same neuron passes no gradient at all, since z < 0: a *dead* ReLU."),
    code("""
leaves = [Value(v) for v in (2.0, 3.0, 0.5, -1.0, 0.2)]
a1, a2, v1, v2, bias = leaves
(v1 * a1 + v2 * a2 + bias).relu().backward()
print('ReLU gradients:', [leaf.grad for leaf in leaves])
for activation in ['relu', 'sigmoid', 'tanh']:
    ok = gradcheck(lambda x1, x2, w1, w2, b: getattr(w1 * x1 + w2 * x2 + b, activation)(), [2, 3, 0.5, -1.0, 0.2])
    print(f"{activation}: gradients match finite differences: {ok}")
"""),
    md("The whole computation as a graph (by the system Graphviz if installed, else by the embedded one):"),
    code("SVG(render(draw_dot(y), 'svg'))"),
]

BACKPROP = [
    md("""
# 2. Backprop by hand, then by machine

The lecture graph: $a = 2$, $b = -3$, $c = 10$, $e = ab$, $d = e + c$, $f = -2$, $L = d f$.
We compute every gradient by hand with the chain rule, then let the engine do it, step by step.
"""),
    code("""
from IPython.display import SVG
from micrograd_ext import Value, gradcheck
from micrograd_ext.player import show_backward
from micrograd_ext.table import graph_table
from micrograd_ext.viz import draw_dot, render

def lecture_graph():
    a, b, c = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c')
    e = a * b; e.label = 'e'
    d = e + c; d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'
    return L, dict(a=a, b=b, c=c, d=d, e=e, f=f)

L, v = lecture_graph()
print('L =', L.data)
"""),
    md("""
## By hand, from the output backwards

* $\\partial L/\\partial L = 1$
* $L = d f$: $\\partial L/\\partial d = f = -2$ and $\\partial L/\\partial f = d = 4$
* $d = e + c$: a sum passes its gradient unchanged, $\\partial L/\\partial e = \\partial L/\\partial c = -2$
* $e = a b$: $\\partial L/\\partial a = \\partial L/\\partial e \\cdot b = 6$ and $\\partial L/\\partial b = \\partial L/\\partial e \\cdot a = -4$
"""),
    code("""
by_hand = {'L': 1.0}
by_hand['d'] = by_hand['L'] * v['f'].data
by_hand['f'] = by_hand['L'] * v['d'].data
by_hand['e'] = by_hand['d'] * 1.0
by_hand['c'] = by_hand['d'] * 1.0
by_hand['a'] = by_hand['e'] * v['b'].data
by_hand['b'] = by_hand['e'] * v['a'].data
print(by_hand)
"""),
    md("Before `backward()` the drawing greys the grads out and marks them stale, so zeros are not mistaken for gradients:"),
    code("SVG(render(draw_dot(L), 'svg'))"),
    md("## By machine, one step at a time"),
    code("""
steps = L.backward_steps()
for step in steps:
    print(step)
print({name: node.grad for name, node in v.items()})
assert all(v[name].grad == by_hand[name] for name in v)
"""),
    md("The table names every node as the steps and the drawing do (`c1` would be a constant, `v1` an unnamed computed node):"),
    code("graph_table(L)"),
    code("SVG(render(draw_dot(L), 'svg'))"),
    md("""
## Why does a node get its gradient? Paths.

A node used more than once collects a contribution from each use. `explain` lists every path and multiplies
the local derivatives along it:
"""),
    code("""
x = Value(3.0, label='x')
y = x * x + 2 * x
y.label = 'y'
y.backward()
print(y.explain(x))
"""),
    md("""
A leaf's `.grad` *adds up* over backward passes. Run `backward()` again without `zero_grad()` and
`x.grad` holds twice the answer; `explain` notices and says what to do:
"""),
    code("""
y.backward()
print(str(y.explain(x)).splitlines()[-1])  # the last line: what .grad holds, and why
y.zero_grad(); y.backward()
print('after zero_grad() and one backward():', x.grad)
"""),
    md("""
## A small network as a picture

`cluster=True` boxes each neuron (named by layer and place, `L1.N0`) with its weights as a table in
order. A neuron's `w·x + b` is one `linear` node, as the engine computes it; `expand_linear=True`
draws the products and their sum, as micrograd's lecture does.
"""),
    code("""
from micrograd_ext.nn import MLP, Neuron
model = MLP(2, [3, 1], seed=0)
out = model([1.0, -2.0]); out.backward()
SVG(render(draw_dot(out, cluster=True), 'svg'))
"""),
    md("One neuron drawn as micrograd's lecture draws it, each product and then their sum:"),
    code("""
neuron = Neuron(2, seed=1)
out = neuron([1.0, -2.0]); out.backward()
SVG(render(draw_dot(out, expand_linear=True), 'svg'))
"""),
    md("""
## The step-through player

`show_backward(L)` (or `L.show_backward()`) shows a player right here: press Next to apply one chain-rule
step, and the picture marks the node and the edges its gradient flows along, with the step's numbers
above it (click the player, then the arrow keys work too). In a terminal its text lists the steps.
"""),
    code("""
L, v = lecture_graph()
player = show_backward(L)
player
"""),
    md("`player.save(path)` writes the same player as one HTML file to open in any browser, no network needed:"),
    code("""
print('wrote', player.save('lecture_steps.html'))
"""),
    md("## Checking against finite differences"),
    code("""
print(gradcheck(lambda a, b, c, f: (a * b + c) * f, [2.0, -3.0, 10.0, -2.0]))
"""),
]

FEED_FORWARD = [
    md("""
# 3. The transformer's feed-forward block

Every transformer block has a feed-forward network: an up-projection to a wider hidden layer, an
activation, and a down-projection back. The seed article's NumPy "hello world" builds one with
4 → 8 → 4 neurons. We run it, then rebuild it with `FeedForward` and the very same weights.
"""),
    code("""
import numpy as np
from micrograd_ext import Value, gradcheck, grad
from micrograd_ext.nn import FeedForward

np.random.seed(42)
def relu(x):
    return np.maximum(0, x)

class Neuron:
    def __init__(self, num_inputs):
        self.weights = np.random.rand(num_inputs)
        self.bias = np.random.rand(1)
    def forward(self, inputs):
        return relu(np.dot(self.weights, inputs) + self.bias)

class Layer:
    def __init__(self, num_neurons, num_inputs_per_neuron):
        self.neurons = [Neuron(num_inputs_per_neuron) for _ in range(num_neurons)]
    def forward(self, inputs):
        return np.array([neuron.forward(inputs) for neuron in self.neurons])

class SimpleFFN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_layer = Layer(num_neurons=hidden_size, num_inputs_per_neuron=input_size)
        self.output_layer = Layer(num_neurons=output_size, num_inputs_per_neuron=hidden_size)
    def forward(self, inputs):
        hidden_output = self.hidden_layer.forward(inputs)
        print(f" -> Output after Hidden Layer (and ReLU): {hidden_output.flatten()}")
        return self.output_layer.forward(hidden_output)

ffn = SimpleFFN(input_size=4, hidden_size=8, output_size=4)
input_vector = np.array([-0.5, 2.0, -1.0, 3.5])
output_vector = ffn.forward(input_vector)
print(f"Final Output Vector: {output_vector.flatten()}")
"""),
    md("""
The seed's output layer applies ReLU too. Its weights and biases come from `rand` (all positive) and
its inputs are ReLU outputs (never negative), so every output is positive and that last ReLU changes
nothing: a linear down-projection, as in a transformer, gives the same numbers.
"""),
    code("""
ours = FeedForward.from_weights(
    [n.weights for n in ffn.hidden_layer.neurons], [n.bias[0] for n in ffn.hidden_layer.neurons],
    [n.weights for n in ffn.output_layer.neurons], [n.bias[0] for n in ffn.output_layer.neurons])
out = np.array([v.data for v in ours(list(input_vector))])
print(ours)
print('micrograd_ext:', out)
print('equal to 1e-12:', np.allclose(out, output_vector.flatten(), rtol=0, atol=1e-12))
"""),
    md("## Its gradients, checked"),
    code("""
def first_output(*inputs):
    return ours(list(inputs))[0]

leaves = [Value(float(x)) for x in input_vector]
print('d out[0] / d input:', np.round(grad(first_output(*leaves), leaves), 6))
print('gradcheck:', gradcheck(first_output, list(input_vector)))
"""),
    md("""
## How many parameters does a real FFN have?

Llama 7B: $d_{model} = 4096$, hidden size 11008, 32 layers. The seed's two-projection FFN has
$4096 \\cdot 11008 + 11008$ parameters up and $11008 \\cdot 4096 + 4096$ down per layer.
"""),
    code("""
d_model, d_hidden, n_layers = 4096, 11008, 32
two_projection = (d_model * d_hidden + d_hidden) + (d_hidden * d_model + d_model)
swiglu = 3 * d_model * d_hidden          # Llama's FFN really has three matrices (gate, up, down), no biases
attention = 4 * d_model * d_model        # query, key, value and output projections
embeddings = 2 * 32000 * d_model         # input embeddings and the output projection
total = n_layers * (swiglu + attention) + embeddings
print(f"seed-style FFN per layer: {two_projection:,}  ({n_layers * two_projection / 1e9:.2f} B over {n_layers} layers)")
print(f"Llama FFN (SwiGLU) per layer: {swiglu:,}; attention per layer: {attention:,}")
print(f"FFN share of Llama 7B's {total / 1e9:.2f} B parameters: {n_layers * swiglu / total:.0%}")
"""),
    md("""
Most parameters live in the FFNs because the hidden layer is wide (11008 ≈ 2.7 × 4096) and every one of its
neurons has a weight for each of the 4096 inputs, and again on the way back: each layer's FFN is about
twice its attention, so about two thirds of the model's knowledge sits in these simple neurons.
"""),
]

TRAINING = [
    md("""
# 4. Training on moons

micrograd's demo recipe first: an MLP with two hidden layers of 16 ReLU neurons, the SVM max-margin loss
plus a little L2, and SGD with a learning rate decaying from 1.0 to 0.1. Then the optimisers large
models use: Adam and AdamW, with warmup, cosine decay and gradient clipping.
"""),
    code("""
import random
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from IPython.display import Image
from micrograd_ext import Value
from micrograd_ext.datasets import make_moons
from micrograd_ext.nn import MLP
from micrograd_ext.optim import Adam, AdamW, cosine_with_warmup, linear_decay, SGD
from micrograd_ext.training import fit
from micrograd_ext.plotting import plot_training

X, y = make_moons(100, noise=0.1, seed=0)
print(X.shape, y[:10])
"""),
    md("## micrograd's recipe, written the micrograd way"),
    code("""
random.seed(1337)
model = MLP(2, [16, 16, 1])
print(model)
print('number of parameters', len(model.parameters()))
ys = y * 2 - 1

def loss():
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(ys, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)

sgd_losses = []
for k in range(100):
    total_loss, acc = loss()
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    sgd_losses.append(total_loss.data)
    if k % 20 == 0 or k == 99:
        print(f"step {k} loss {total_loss.data:.4f}, accuracy {acc * 100:.0f}%")
"""),
    md("## The same with `fit` and an optimizer object"),
    code("""
def train(optimizer_name):
    model = MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    if optimizer_name == 'SGD, linear decay':
        optimizer = SGD(params, lr=linear_decay(1.0, 0.1, 100))
        clip = None
    elif optimizer_name == 'Adam, warmup + cosine':
        optimizer = Adam(params, lr=cosine_with_warmup(0.05, warmup_steps=10, total_steps=100))
        clip = 5.0
    else:
        optimizer = AdamW(params, lr=cosine_with_warmup(0.05, warmup_steps=10, total_steps=100), weight_decay=0.01)
        clip = 5.0
    log = fit(model, X, y, optimizer, steps=100, loss='hinge', clip=clip)
    first_perfect = next((k for k, a in enumerate(log.accuracies) if a == 1.0), None)
    print(f"{optimizer_name:24s} final loss {log.losses[-1]:.4f}, accuracy {log.accuracies[-1]:.0%}, "
          f"first 100% at step {first_perfect}")
    return model, log

runs = {name: train(name) for name in ['SGD, linear decay', 'Adam, warmup + cosine', 'AdamW, warmup + cosine']}
"""),
    code("""
figure, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, (model, log) in runs.items():
    axes[0].plot(log.losses, label=name)
    axes[1].plot(log.learning_rates, label=name)
axes[0].set_yscale('log'); axes[0].set_title('loss'); axes[0].set_xlabel('step'); axes[0].legend()
axes[1].set_title('learning rate'); axes[1].set_xlabel('step'); axes[1].legend()
figure.tight_layout(); figure.savefig('training_curves.png', dpi=80); plt.close(figure)
Image('training_curves.png')
"""),
    md("The decision boundary AdamW learned, and its loss curve:"),
    code("""
model, log = runs['AdamW, warmup + cosine']
plot_training(model, X, y, log, 'adamw_moons.png', resolution=50)
Image('adamw_moons.png')
"""),
    md("""
Warmup keeps the first, noisy Adam steps small; the cosine schedule then shrinks the steps as the
model settles; clipping caps any single step's gradient norm. Gradient norms before clipping:
"""),
    code("""
norms = runs['AdamW, warmup + cosine'][1].grad_norms
print('largest gradient norm:', round(max(norms), 3), ' median:', round(sorted(norms)[len(norms) // 2], 3))
"""),
]

EXERCISES = [
    md("""
# 5. Exercises

Fill in each cell marked **Your turn**, then run the `check_...` cell below it: it tells you whether you
are right and, if not, which input failed and a hint. (Teachers: reference solutions are in
`notebooks/solutions/exercises_solutions.py`.)
"""),
    code("""
import math
from micrograd_ext import Value, topological_order
from micrograd_ext.exercises import (check_local_derivative, check_new_op, check_grads_by_hand, lecture_graph,
                                     check_neuron_forward, check_backward, check_learning_rate)
"""),
    md("## 1. The derivative of sigmoid\n**Your turn**: return $d\\,\\sigma/dx$ at `x`."),
    code("""
def sigmoid_derivative(x):
    raise NotImplementedError
""", ('exercise', 'exercise-sigmoid')),
    code("check_local_derivative('sigmoid', sigmoid_derivative)"),
    md("## 2. The derivative of tanh\n**Your turn**."),
    code("""
def tanh_derivative(x):
    raise NotImplementedError
""", ('exercise', 'exercise-tanh')),
    code("check_local_derivative('tanh', tanh_derivative)"),
    md("""
## 3. A new op: cube

**Your turn**: return a `Value` with `data = x.data ** 3`, children `(x,)`, op name `'cube'` and its local
derivative: `Value(data, (x,), 'cube', (local_derivative,))`.
"""),
    code("""
def cube(x):
    raise NotImplementedError
""", ('exercise', 'exercise-cube')),
    code("check_new_op(cube, lambda v: v ** 3, 'cube')"),
    md("""
## 4. Gradients by hand

The graph: $e = ab$, $d = e + c$, $L = d f$, $g = 4a$, $M = L + g$ with $a = 2, b = -3, c = 10, f = -2$.
**Your turn**: fill in $\\partial M / \\partial \\text{node}$ for every node (watch out: $a$ is used twice).
"""),
    code("""
answers = dict(a=None, b=None, c=None, d=None, e=None, f=None, L=None, g=None, M=None)
""", ('exercise', 'exercise-by-hand')),
    code("check_grads_by_hand(answers)"),
    md("## 5. A neuron's forward pass\n**Your turn**: return `relu(w . x + b)` for lists `x`, `w` and a number `b`."),
    code("""
def neuron_forward(x, w, b):
    raise NotImplementedError
""", ('exercise', 'exercise-neuron')),
    code("check_neuron_forward(neuron_forward)"),
    md("""
## 6. Your own backward pass

**Your turn**: set `.grad` of every node of `root`'s graph, using `topological_order(root)` (children
first) and each node's `_prev` and `_local_grads`. Careful: the test graph uses a node twice.
"""),
    code("""
def my_backward(root):
    raise NotImplementedError
""", ('exercise', 'exercise-backward')),
    code("check_backward(my_backward)"),
    md("""
## 7. Pick a learning rate

Gradient descent on $(w - 3)^2$ from $w = 0$ for 30 steps. **Your turn**: choose a learning rate that
gets there: not so small it crawls, not so large it overshoots.
"""),
    code("learning_rate = None", ('exercise', 'exercise-lr')),
    code("check_learning_rate(learning_rate)"),
]

WHY_TENSORS = [
    md("""
# 6. Why tensors

micrograd's demo step (an MLP(2, [16, 16, 1]) on 100 moons points, the max-margin loss plus L2) builds
thousands of `Value` nodes, one Python object per number, every step. Yet the graph has the same shape
every step: only the numbers change. `compiled()` records it once and *groups* it: all nodes of one op at
one depth become one NumPy operation, and the `linear` nodes of a layer over the batch, which share their
weights, become one matrix product. That grouping is exactly what a tensor library does.
"""),
    code("""
import random, time
from collections import Counter
from IPython.display import HTML, display
from micrograd_ext import Value, compiled, topological_order
from micrograd_ext.datasets import make_moons
from micrograd_ext.nn import MLP

random.seed(1337)
model = MLP(2, [16, 16, 1])
X, y = make_moons(100, noise=0.1, seed=1337)
X, ys = X.tolist(), (y * 2 - 1).tolist()

def loss(points):
    scores = [model(x) for x in points]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())

graph = loss([[Value(a) for a in row] for row in X])
nodes = topological_order(graph)
print(f"one step's graph: {len(nodes):,} Value nodes")
print(Counter(node._op or 'leaf' for node in nodes).most_common())
"""),
    md("""
## The same step as grouped NumPy operations

`compiled(loss, X)` calls `loss` once on Values made from `X`, records the graph, and plans its replay.
`summary()` lists the operations the replay runs, in order. Three of them are matrix products, one per
layer: `(100 points x 2 inputs) @ (2 x 16 weights)`, then `(100 x 16) @ (16 x 16)`, then `(100 x 16) @ (16 x 1)`.
"""),
    code("""
step = compiled(loss, X)
print(step.summary())
"""),
    md("""
The replay computes 7,142 of the graph's 8,318 nodes: the 741 leaves are what it reads (the inputs, the
parameters and the constants), and each of the two `sum()` chains (the hinge losses of the 100 points,
the 337 squares of the L2 penalty) is one sum instead of a chain of `+` nodes, 435 nodes fewer.
"""),
    code("""
for group in step.program.groups:
    if group.name == 'linear (matmul)':
        print(f"points x inputs {group.inputs.shape} @ (neurons x inputs {group.weights.shape}).T")
"""),
    md("""
A replay reads the parameters' current `.data`, runs the groups forward, then backward in reverse, and adds
the gradients to each parameter's `.grad`, as `loss(...).backward()` does. The numbers agree with the eager
engine's (matrix products add in another order, so to about 1e-15, not bit for bit):
"""),
    code("""
model.zero_grad()
graph.backward()
eager = [p.grad for p in model.parameters()]
model.zero_grad()
replayed_loss = step(X)
step.backward()
replayed = [p.grad for p in model.parameters()]
worst = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in zip(eager, replayed))  # 0 where both are 0
print('loss', round(graph.data, 12), 'replayed', round(replayed_loss, 12))
print('gradients equal to 1e-12:', worst < 1e-12)
"""),
    md("""
## Time per training step

Forward, zero_grad, backward and the SGD update, for the eager engine, the replay and (when installed)
PyTorch with float64 weight matrices. Your machine's numbers:
"""),
    code("""
def sgd(lr=0.05):
    for p in model.parameters():
        p.data -= lr * p.grad

def eager_step():
    total = loss([[Value(a) for a in row] for row in X])
    model.zero_grad(); total.backward(); sgd()

def replayed_step():
    step(X); model.zero_grad(); step.backward(); sgd()

try:
    import torch
    net = model.to_torch()  # the same weights, as a torch.nn.Sequential in float64
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)
    torch_sgd = torch.optim.SGD(net.parameters(), lr=0.05)

    def torch_step():
        scores = net(Xt).squeeze(1)
        total = torch.relu(1 - yt * scores).mean() + 1e-4 * sum(p.pow(2).sum() for p in net.parameters())
        torch_sgd.zero_grad(); total.backward(); torch_sgd.step()
except ImportError:
    torch_step = None

def milliseconds(run, repeats):
    run()
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    return (time.perf_counter() - start) / repeats * 1000

rows = [('eager Values', milliseconds(eager_step, 5)), ('compiled replay', milliseconds(replayed_step, 50))]
if torch_step:
    rows.append(('PyTorch float64 tensors', milliseconds(torch_step, 50)))
display(HTML('<table><tr><th>engine</th><th>ms per step</th><th>vs eager</th></tr>' + ''.join(
    f'<tr><td>{name}</td><td>{ms:.3f}</td><td>{rows[0][1] / ms:.0f}x</td></tr>' for name, ms in rows)
    + '</table>' + ('' if torch_step else '<p>(PyTorch is not installed here.)</p>')))
"""),
    md("""
At this size the replay keeps up with PyTorch, or beats it: both make about the same number of calls into
compiled code per step, and PyTorch's autograd spends microseconds recording each tensor operation. With a
wider model and more points (the README's W4, MLP(2, [64, 64, 1]) on 1,000 points) PyTorch is about 2.6x
faster: its tensors never need to be gathered from slots, and its kernels are tuned for large arrays.

## From 8,000 nodes to a language model

The eager engine pays for every number: a Python object, a tuple of children, a tuple of local
derivatives, and the interpreter's work to make and walk them. The replay pays once per *group*: a few
NumPy calls whose inner loops run in C over contiguous arrays, and a matrix product that BLAS runs with
the processor's vector units. PyTorch goes one step further: the whole layer is a tensor from the start,
so nothing is gathered or scattered.

Scale that to an LLM. The seed article's Llama-7B feed-forward block multiplies each token's 4,096 numbers
by 4,096 x 11,008 weights, three times (up, gate, down): about 135 million multiply-adds per token and
layer. Written with micrograd's `*` and `+` that would be hundreds of millions of nodes for one token; with
this engine's `linear` node it is about 48,000 nodes holding 135 million local derivatives; as tensors it
is three matrix products, and a GPU runs a matrix product over thousands of tokens at once, on thousands of cores.
That is why every real framework records graphs of tensors, not of scalars, while the chain rule it
applies is the one you can read, node by node, in `micrograd_ext/engine.py`.
"""),
]

TINY_GPT = [
    md("""
# 7. A tiny GPT, every number a Value

The seed article's story ends at the transformer of a large language model: embeddings, self-attention,
the feed-forward block, residual connections and normalisation, trained to predict the next token,
P(x_t | x_1..x_{t-1}), with AdamW, warmup, a cosine schedule and gradient clipping. Here is all of it on
scalars, small enough to train in seconds, so that every gradient of a language model can be looked at.
"""),
    code("""
import math, random
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from IPython.display import Image, SVG
from micrograd_ext import Value, compiled
from micrograd_ext.losses import cross_entropy
from micrograd_ext.optim import AdamW, clip_grad_norm, cosine_with_warmup
from micrograd_ext.text import CharTokenizer, made_up_words
from micrograd_ext.transformer import GPT, CausalSelfAttention
from micrograd_ext.viz import draw_dot, render

words = made_up_words(300, seed=0)          # a few hundred words from a small grammar of syllables
tokenizer = CharTokenizer(words)
print(len(words), 'words, e.g.', ', '.join(words[:8]))
print('vocabulary:', ''.join(tokenizer.chars), f'({tokenizer.vocab_size} tokens; "." starts and ends a word)')
"""),
    md("""
## The model

Token and position embeddings, one transformer block (pre-norm LayerNorm, two-head causal self-attention,
a GELU feed-forward block, residual connections), a final LayerNorm and a linear head that gives one
logit per token of the vocabulary. Its parameters, next to the seed's Llama-7B feed-forward block:
"""),
    code("""
gpt = GPT(vocab_size=tokenizer.vocab_size, block_size=12, n_embd=16, n_head=2, n_layer=1, seed=0)
print(f"tiny GPT: {len(gpt.parameters()):,} parameters")
llama_ffn = 3 * 4096 * 11008                # up, gate and down projections of one Llama-7B layer
print(f"one Llama-7B feed-forward block: {llama_ffn:,} weights; 32 layers of them: {32 * llama_ffn:,}")
print(f"that is {llama_ffn // len(gpt.parameters()):,} tiny GPTs per layer")
"""),
    md("Before training, its words are random letters:"),
    code("""
def sample_words(n, seed):
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        tokens = gpt.generate(tokenizer.encode('.'), max_new_tokens=11, seed=rng)
        text = tokenizer.decode(tokens[1:])
        found.append(text.split('.')[0])
    return found

print(sample_words(6, seed=1))
"""),
    md("""
## Training: next-token prediction

Each word is written `.word.`; at every position the model predicts the next character, and the loss is
the mean cross-entropy. The batch is 32 words, the same every step, so the graph of a step has the same
shape every time: `compiled()` records it once (154,000 operations) and replays it, and AdamW, warmup plus a
cosine schedule and clipping run on the parameters as usual.
"""),
    code("""
batch = tokenizer.examples(words[:32], block_size=12)

def loss():
    terms = [cross_entropy(z, t) for tokens, targets in batch for z, t in zip(gpt(tokens), targets)]
    return Value.sum(terms) * (1.0 / len(terms))

step = compiled(loss)
steps = 150
optimizer = AdamW(gpt.parameters(), lr=cosine_with_warmup(0.02, warmup_steps=15, total_steps=steps),
                  weight_decay=0.01)
losses = []
for k in range(steps):
    losses.append(step())
    optimizer.zero_grad()
    step.backward()
    clip_grad_norm(gpt.parameters(), 1.0)
    optimizer.step()
print(f"loss at step 0: {losses[0]:.3f} (log {tokenizer.vocab_size} = {math.log(tokenizer.vocab_size):.3f} is a "
      f"uniform guess); at step {steps - 1}: {losses[-1]:.3f}")
"""),
    code("""
figure, axis = plt.subplots(figsize=(6, 3))
axis.plot(losses); axis.set_xlabel('step'); axis.set_ylabel('cross-entropy'); axis.set_title('training loss')
figure.tight_layout(); figure.savefig('tiny_gpt_loss.png', dpi=80); plt.close(figure)
Image('tiny_gpt_loss.png')
"""),
    md("After training, its words follow the grammar's pattern of consonants and vowels:"),
    code("""
print(sample_words(6, seed=1))
"""),
    md("""
## One attention head, drawn

Self-attention for two tokens, with one head of two numbers: the second position's output is a
softmax-weighted sum of the values of both positions. Every node of that computation, with its gradient:
"""),
    code("""
head = CausalSelfAttention(2, 1, seed=0)
x0, x1 = [Value(0.5, label='x0_0'), Value(-1.0, label='x0_1')], [Value(1.5, label='x1_0'), Value(0.2, label='x1_1')]
out = head([x0, x1])[1][0]
out.label = 'out'
out.backward()
SVG(render(draw_dot(out, cluster=True), 'svg'))
"""),
]


CLASSROOM = [
    md("""
# The classroom: a notebook per student, a key, and grading the whole class

For teachers. The exercise bank follows the seed articles from one neuron by hand to training. Each student
gets numbers of their own (drawn from a hash of their id), so a neighbour's answers do not fit; each
checker answers in words (which input failed, expected vs given, a hint naming the likely mistake).
The same steps from the command line are at the end.
"""),
    code("""
from micrograd_ext.classroom import BANK, Sheet, diagnose, write_notebooks
for number, entry in enumerate(BANK.values(), 1):
    print(f'{number:>2}. {entry.name:<24} {entry.points} points  {entry.title}')
print(sum(entry.points for entry in BANK.values()), 'points in all')
"""),
    md("""
## Each student's numbers

`write_notebooks` writes `ID.ipynb` per student, without solutions; the student id is kept in the notebook's
metadata, and grading reads it from there. Ada's and Bob's layer exercise:
"""),
    code("""
import json, os, tempfile
folder = tempfile.mkdtemp()
handout = write_notebooks(['ada', 'bob', 'cy'], os.path.join(folder, 'handout'))
print([os.path.basename(path) for path in handout])
print(json.load(open(handout[0]))['metadata']['micrograd_ext'])
print(Sheet('ada').numbers('layer'))
print(Sheet('bob').numbers('layer'))
"""),
    md("""
In the notebook, the student writes an answer and runs the check below it. Ada forgets the bias:
"""),
    code("""
x, W, b = Sheet('ada').numbers('layer').values()
z = [W[0][0] * x[0] + W[0][1] * x[1], W[1][0] * x[0] + W[1][1] * x[1]]
Sheet('ada').check('layer', z)
"""),
    md("""
## Which step went wrong

`diagnose` compares a student's backward pass (or a table of hand-computed gradients) with the engine and
stops at the first node, in backward order, where they part, naming the mistake. A backward pass written with
`=` instead of `+=`, on a graph where `a` is used twice:
"""),
    code("""
from micrograd_ext import topological_order
from micrograd_ext.exercises import lecture_graph

def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad = local * node.grad   # = where the chain rule needs +=

out, nodes = lecture_graph()
wrong = diagnose(out, backward)
print(wrong.category)
print(wrong)
"""),
    md("""
## Grading the class

Three submissions: Ada solved everything, Bob handed his notebook in untouched, and Cy copied Ada's answer
cells into his own notebook. `grade` runs each file in its own process and kernel (time limits per cell and
per notebook, a memory limit) and scores it against the student in its metadata, so Cy's copied numbers fail
and the feedback says whose numbers they fit.
"""),
    code("""
from micrograd_ext.classroom import exercise_notebook
from micrograd_ext.classroom.grading import grade, gradebook, summary
from micrograd_ext.classroom.notebooks import cell_role

os.chdir(folder)  # the gradebook names the files as given: submitted/ada.ipynb, ...
os.makedirs('submitted')
ada = exercise_notebook('ada', solutions=True)
ada['metadata']['micrograd_ext']['solutions'] = False  # as if Ada had typed the key's answers
cy = exercise_notebook('cy')
answers = {cell_role(c): c['source'] for c in ada['cells'] if cell_role(c)}
for cell in cy['cells']:
    cell['source'] = answers.get(cell_role(cell), cell['source'])
for name, notebook in [('ada', ada), ('cy', cy)]:
    json.dump(notebook, open(f'submitted/{name}.ipynb', 'w'))
json.dump(json.load(open(handout[1])), open('submitted/bob.ipynb', 'w'))

results = grade(['submitted/ada.ipynb', 'submitted/bob.ipynb', 'submitted/cy.ipynb'], timeout=10)
print(summary(results))
"""),
    md("The gradebook has one row per file: its points per exercise and the feedback."),
    code("""
import csv, io
rows = list(csv.DictReader(io.StringIO(gradebook(results))))
for row in rows:
    print(os.path.basename(row['file']), row['student'], row['score'], '/', row['max_score'])
print(rows[2]['feedback'][:400])
"""),
    md("""
## The same from the command line

```bash
micrograd-ext exercises list
micrograd-ext exercises new --roster roster.txt -o handout     # handout/ID.ipynb, one per line of roster.txt
micrograd-ext exercises key --roster roster.txt -o key         # the solved notebooks, for the teacher
micrograd-ext grade submissions/*.ipynb --csv grades.csv --timeout 10
```

Grading keeps going whatever a submission does (a loop, a crash, `os._exit`, a corrupt file); each of those
gets its row and its feedback. The limits stop accidents, not attacks: run untrusted code in a container, as
nbgrader and otter-grader advise.

## Predict, then reveal

Before each backward step, the student types the gradient it will add; a wrong answer shows the local
derivative and the chain-rule product. In a terminal: `micrograd-ext quiz "x*w + b" --set x=2 w=-3 b=1`;
in Python: `y.backward_steps(quiz=True)`; in a notebook, the player with an answer box before each step:
"""),
    code("""
from micrograd_ext import Value
x, w, b = Value(2.0, label='x'), Value(-3.0, label='w'), Value(1.0, label='b')
y = x * w + b; y.label = 'y'
y.show_backward(quiz=True)
"""),
]


NOTEBOOKS = {'01_the_neuron.ipynb': NEURON, '02_backprop_by_hand_and_by_machine.ipynb': BACKPROP,
             '03_feed_forward_block.ipynb': FEED_FORWARD, '04_training_on_moons.ipynb': TRAINING,
             '05_exercises.ipynb': EXERCISES, '06_why_tensors.ipynb': WHY_TENSORS, '07_tiny_gpt.ipynb': TINY_GPT,
             '08_classroom.ipynb': CLASSROOM}


def new_notebook(cells) -> nbformat.NotebookNode:
    """A notebook of ``cells`` with ids by position, so that writing it again only changes what changed."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    for index, cell in enumerate(notebook.cells):
        cell.id = f'cell-{index}'
    return notebook


def execute(notebook, directory: str) -> None:
    """Run every cell in a fresh kernel, in ``directory``; raises if a cell fails. No timings are recorded and
    each cell's prints are one output, however they arrived, so that running it again writes the same file."""
    NotebookClient(notebook, timeout=600, kernel_name='python3', record_timing=False, coalesce_streams=True,
                   resources={'metadata': {'path': directory}}).execute()


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells)
        execute(notebook, HERE)
        nbformat.write(notebook, os.path.join(HERE, name))
        print('wrote', name)
    return 0


if __name__ == '__main__':
    sys.exit(main())
