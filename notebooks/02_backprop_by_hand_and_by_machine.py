# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Backprop by hand, then by machine
#
# The lecture graph: $a = 2$, $b = -3$, $c = 10$, $e = ab$, $d = e + c$, $f = -2$, $L = d f$.
# We compute every gradient by hand with the chain rule, then let the engine do it, step by step.

# %%
from micrograd_ext import Value, gradcheck
from micrograd_ext.player import show_backward
from micrograd_ext.table import graph_table
from micrograd_ext.viz import draw_dot

def lecture_graph():
    a, b, c = Value(2.0, label='a'), Value(-3.0, label='b'), Value(10.0, label='c')
    e = a * b; e.label = 'e'
    d = e + c; d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'
    return L, dict(a=a, b=b, c=c, d=d, e=e, f=f)

L, v = lecture_graph()
print('L =', L.data)

# %% [markdown]
# ## By hand, from the output backwards
#
# * $\partial L/\partial L = 1$
# * $L = d f$: $\partial L/\partial d = f = -2$ and $\partial L/\partial f = d = 4$
# * $d = e + c$: a sum passes its gradient unchanged, $\partial L/\partial e = \partial L/\partial c = -2$
# * $e = a b$: $\partial L/\partial a = \partial L/\partial e \cdot b = 6$ and $\partial L/\partial b = \partial L/\partial e \cdot a = -4$

# %%
by_hand = {'L': 1.0}
by_hand['d'] = by_hand['L'] * v['f'].data
by_hand['f'] = by_hand['L'] * v['d'].data
by_hand['e'] = by_hand['d'] * 1.0
by_hand['c'] = by_hand['d'] * 1.0
by_hand['a'] = by_hand['e'] * v['b'].data
by_hand['b'] = by_hand['e'] * v['a'].data
print(by_hand)

# %% [markdown]
# Before `backward()` the drawing greys the grads out and marks them stale, so zeros are not mistaken for gradients:

# %%
draw_dot(L)

# %% [markdown]
# ## By machine, one step at a time

# %%
steps = L.backward_steps()
for step in steps:
    print(step)
print({name: node.grad for name, node in v.items()})
assert all(v[name].grad == by_hand[name] for name in v)

# %% [markdown]
# The table names every node as the steps and the drawing do (`c1` would be a constant, `v1` an unnamed computed node):

# %%
graph_table(L)

# %%
draw_dot(L)

# %% [markdown]
# ## Why does a node get its gradient? Paths.
#
# A node used more than once collects a contribution from each use. `explain` lists every path and multiplies
# the local derivatives along it:

# %%
x = Value(3.0, label='x')
y = x * x + 2 * x
y.label = 'y'
y.backward()
print(y.explain(x))

# %% [markdown]
# A leaf's `.grad` *adds up* over backward passes. Run `backward()` again without `zero_grad()` and
# `x.grad` holds twice the answer; `explain` notices and says what to do:

# %%
y.backward()
print(str(y.explain(x)).splitlines()[-1])  # the last line: what .grad holds, and why
y.zero_grad(); y.backward()
print('after zero_grad() and one backward():', x.grad)

# %% [markdown]
# ## A small network as a picture
#
# `cluster=True` boxes each neuron (named by layer and place, `L1.N0`) with its weights as a table in
# order. A neuron's `w·x + b` is one `linear` node, as the engine computes it; `expand_linear=True`
# draws the products and their sum, as micrograd's lecture does.

# %%
from micrograd_ext.nn import MLP, Neuron
model = MLP(2, [3, 1], seed=0)
out = model([1.0, -2.0]); out.backward()
draw_dot(out, cluster=True)

# %% [markdown]
# One neuron drawn as micrograd's lecture draws it, each product and then their sum:

# %%
neuron = Neuron(2, seed=1)
out = neuron([1.0, -2.0]); out.backward()
draw_dot(out, expand_linear=True)

# %% [markdown]
# ## The step-through player
#
# `show_backward(L)` (or `L.show_backward()`) shows a player right here: press Next to apply one chain-rule
# step, and the picture marks the node and the edges its gradient flows along, with the step's numbers
# above it (click the player, then the arrow keys work too). In a terminal its text lists the steps.

# %%
L, v = lecture_graph()
player = show_backward(L)
player

# %% [markdown]
# `player.save(path)` writes the same player as one HTML file to open in any browser, no network needed:

# %%
print('wrote', player.save('lecture_steps.html'))

# %% [markdown]
# ## Checking against finite differences

# %%
print(gradcheck(lambda a, b, c, f: (a * b + c) * f, [2.0, -3.0, 10.0, -2.0]))
