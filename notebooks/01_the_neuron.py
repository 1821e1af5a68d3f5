# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. The neuron
#
# An artificial neuron weighs its inputs, adds a bias, and passes the sum through an activation function.
# Here we compute the seed articles' examples with `Value`, so that every number is computed (not typed)
# and can then be differentiated.

# %%
import math
from IPython.display import SVG
from micrograd_ext import Value, gradcheck
from micrograd_ext.nn import Layer, Parameter
from micrograd_ext.viz import draw_dot, render

# %% [markdown]
# ## Should I go for a run?
#
# Three yes/no inputs (sunny? slept well? have time?), weighted 0.7, 0.5 and 0.2. The neuron says *go*
# when the weighted sum reaches a threshold, here 1.0.

# %%
weights = [Value(0.7, label='w_sunny'), Value(0.5, label='w_slept'), Value(0.2, label='w_time')]
threshold = 1.0
for sunny, slept, time in [(1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]:
    score = sum(w * x for w, x in zip(weights, [sunny, slept, time]))
    print(f"sunny={sunny} slept={slept} time={time}: score {score.data:.1f} -> "
          f"{'go for a run!' if score.data >= threshold else 'stay in'}")

# %% [markdown]
# The sunny day counts most: sun plus sleep (0.7 + 0.5 = 1.2) is enough even without time, but sleep plus
# time (0.5 + 0.2 = 0.7) is not.
#
# ## The neuron computed by hand
#
# With $x = [2, 3]$, $w = [0.5, -1.0]$ and $b = 0.2$: $z = 0.5 \cdot 2 + (-1.0) \cdot 3 + 0.2 = -1.8$.

# %%
x1, x2 = Value(2.0, label='x1'), Value(3.0, label='x2')
w1, w2, b = Parameter(0.5, label='w1'), Parameter(-1.0, label='w2'), Parameter(0.2, label='b')  # drawn as parameters
z = w1 * x1 + w2 * x2 + b
z.label = 'z'
print(f"z = {z.data:.4g}")
assert abs(z.data - (-1.8)) < 1e-12

# %% [markdown]
# z is the pre-activation. The activation function decides what is passed on:

# %%
for name in ['relu', 'sigmoid', 'tanh']:
    print(f"{name}(z = {z.data:.1f}) = {getattr(z, name)().data:.4f}")
z_pos = Value(2.1, label='z')
for name in ['relu', 'sigmoid', 'tanh']:
    print(f"{name}(z = {z_pos.data:.1f}) = {getattr(z_pos, name)().data:.4f}")

# %% [markdown]
# ReLU clips the negative z to 0 and passes 2.1 unchanged; sigmoid squashes into (0, 1): 0.142 reads as
# "14% yes", 0.891 as "89% yes"; tanh squashes into (-1, 1) and keeps the sign: about -0.95 and 0.97.
#
# ## A layer of two neurons
#
# Two neurons reading the same input $x = [1, 2]$ with weights $W = [[1.0, 0.5], [-0.5, 2.0]]$ and biases
# $b = [0.1, -0.2]$ give $Wx + b = [2.1, 3.3]$:

# %%
layer = Layer.from_weights([[1.0, 0.5], [-0.5, 2.0]], [0.1, -0.2])
outputs = layer([1.0, 2.0])
print([round(v.data, 10) for v in outputs])

# %% [markdown]
# ## Gradients
#
# How does the output change when a weight changes? Backpropagation answers for every input at once.
# For $y = \tanh(z)$: $\partial y / \partial w_1 = x_1 (1 - \tanh^2 z)$, a weight's gradient is its input
# times the gradient arriving at $z$.

# %%
y = z.tanh()
y.label = 'y'
y.backward()
for v in [x1, x2, w1, w2, b, z]:
    print(f"dy/d{v.label} = {v.grad:.4f}")
print('by hand: dy/dw1 =', round(2.0 * (1 - math.tanh(-1.8) ** 2), 4))

# %% [markdown]
# With ReLU the same neuron passes no gradient at all, since z < 0: a *dead* ReLU.

# %%
leaves = [Value(v) for v in (2.0, 3.0, 0.5, -1.0, 0.2)]
a1, a2, v1, v2, bias = leaves
(v1 * a1 + v2 * a2 + bias).relu().backward()
print('ReLU gradients:', [leaf.grad for leaf in leaves])
for activation in ['relu', 'sigmoid', 'tanh']:
    ok = gradcheck(lambda x1, x2, w1, w2, b: getattr(w1 * x1 + w2 * x2 + b, activation)(), [2, 3, 0.5, -1.0, 0.2])
    print(f"{activation}: gradients match finite differences: {ok}")

# %% [markdown]
# The whole computation as a graph (by the system Graphviz if installed, else by the embedded one):

# %%
SVG(render(draw_dot(y), 'svg'))
