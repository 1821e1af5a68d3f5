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
# # 5. Exercises
#
# Fill in each cell marked **Your turn**, then run the `check_...` cell below it: it tells you whether you
# are right and, if not, which input failed and a hint. (Teachers: reference solutions are in
# `notebooks/solutions/exercises_solutions.py`.)

# %%
import math
from micrograd_ext import Value, topological_order
from micrograd_ext.exercises import (check_local_derivative, check_new_op, check_grads_by_hand, lecture_graph,
                                     check_neuron_forward, check_backward, check_learning_rate)


# %% [markdown]
# ## 1. The derivative of sigmoid
# **Your turn**: return $d\,\sigma/dx$ at `x`.

# %% tags=["exercise", "exercise-sigmoid"]
def sigmoid_derivative(x):
    raise NotImplementedError


# %%
check_local_derivative('sigmoid', sigmoid_derivative)


# %% [markdown]
# ## 2. The derivative of tanh
# **Your turn**.

# %% tags=["exercise", "exercise-tanh"]
def tanh_derivative(x):
    raise NotImplementedError


# %%
check_local_derivative('tanh', tanh_derivative)


# %% [markdown]
# ## 3. A new op: cube
#
# **Your turn**: return a `Value` with `data = x.data ** 3`, children `(x,)`, op name `'cube'` and its local
# derivative: `Value(data, (x,), 'cube', (local_derivative,))`.

# %% tags=["exercise", "exercise-cube"]
def cube(x):
    raise NotImplementedError


# %%
check_new_op(cube, lambda v: v ** 3, 'cube')

# %% [markdown]
# ## 4. Gradients by hand
#
# The graph: $e = ab$, $d = e + c$, $L = d f$, $g = 4a$, $M = L + g$ with $a = 2, b = -3, c = 10, f = -2$.
# **Your turn**: fill in $\partial M / \partial \text{node}$ for every node (watch out: $a$ is used twice).

# %% tags=["exercise", "exercise-by-hand"]
answers = dict(a=None, b=None, c=None, d=None, e=None, f=None, L=None, g=None, M=None)

# %%
check_grads_by_hand(answers)


# %% [markdown]
# ## 5. A neuron's forward pass
# **Your turn**: return `relu(w . x + b)` for lists `x`, `w` and a number `b`.

# %% tags=["exercise", "exercise-neuron"]
def neuron_forward(x, w, b):
    raise NotImplementedError


# %%
check_neuron_forward(neuron_forward)


# %% [markdown]
# ## 6. Your own backward pass
#
# **Your turn**: set `.grad` of every node of `root`'s graph, using `topological_order(root)` (children
# first) and each node's `_prev` and `_local_grads`. Careful: the test graph uses a node twice.

# %% tags=["exercise", "exercise-backward"]
def my_backward(root):
    raise NotImplementedError


# %%
check_backward(my_backward)

# %% [markdown]
# ## 7. Pick a learning rate
#
# Gradient descent on $(w - 3)^2$ from $w = 0$ for 30 steps. **Your turn**: choose a learning rate that
# gets there: not so small it crawls, not so large it overshoots.

# %% tags=["exercise", "exercise-lr"]
learning_rate = None

# %%
check_learning_rate(learning_rate)
