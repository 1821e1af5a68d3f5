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
# # 6. Why tensors
#
# micrograd's demo step (an MLP(2, [16, 16, 1]) on 100 moons points, the max-margin loss plus L2) builds
# thousands of `Value` nodes, one Python object per number, every step. Yet the graph has the same shape
# every step: only the numbers change. `compiled()` records it once and *groups* it: all nodes of one op at
# one depth become one NumPy operation, and the `linear` nodes of a layer over the batch, which share their
# weights, become one matrix product. That grouping is exactly what a tensor library does.

# %%
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

# %% [markdown]
# ## The same step as grouped NumPy operations
#
# `compiled(loss, X)` calls `loss` once on Values made from `X`, records the graph, and plans its replay.
# `summary()` lists the operations the replay runs, in order. Three of them are matrix products, one per
# layer: `(100 points x 2 inputs) @ (2 x 16 weights)`, then `(100 x 16) @ (16 x 16)`, then `(100 x 16) @ (16 x 1)`.

# %%
step = compiled(loss, X)
print(step.summary())

# %% [markdown]
# The replay computes 7,142 of the graph's 8,318 nodes: the 741 leaves are what it reads (the inputs, the
# parameters and the constants), and each of the two `sum()` chains (the hinge losses of the 100 points,
# the 337 squares of the L2 penalty) is one sum instead of a chain of `+` nodes, 435 nodes fewer.

# %%
for group in step.program.groups:
    if group.name == 'linear (matmul)':
        print(f"points x inputs {group.inputs.shape} @ (neurons x inputs {group.weights.shape}).T")

# %% [markdown]
# A replay reads the parameters' current `.data`, runs the groups forward, then backward in reverse, and adds
# the gradients to each parameter's `.grad`, as `loss(...).backward()` does. The numbers agree with the eager
# engine's (matrix products add in another order, so to about 1e-15, not bit for bit):

# %%
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


# %% [markdown]
# ## Time per training step
#
# Forward, zero_grad, backward and the SGD update, for the eager engine, the replay and (when installed)
# PyTorch with float64 weight matrices. Your machine's numbers:

# %%
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

# %% [markdown]
# At this size the replay keeps up with PyTorch, or beats it: both make about the same number of calls into
# compiled code per step, and PyTorch's autograd spends microseconds recording each tensor operation. With a
# wider model and more points (the README's W4, MLP(2, [64, 64, 1]) on 1,000 points) PyTorch is about 2.6x
# faster: its tensors never need to be gathered from slots, and its kernels are tuned for large arrays.
#
# ## From 8,000 nodes to a language model
#
# The eager engine pays for every number: a Python object, a tuple of children, a tuple of local
# derivatives, and the interpreter's work to make and walk them. The replay pays once per *group*: a few
# NumPy calls whose inner loops run in C over contiguous arrays, and a matrix product that BLAS runs with
# the processor's vector units. PyTorch goes one step further: the whole layer is a tensor from the start,
# so nothing is gathered or scattered.
#
# Scale that to an LLM. The seed article's Llama-7B feed-forward block multiplies each token's 4,096 numbers
# by 4,096 x 11,008 weights, three times (up, gate, down): about 135 million multiply-adds per token and
# layer. Written with micrograd's `*` and `+` that would be hundreds of millions of nodes for one token; with
# this engine's `linear` node it is about 48,000 nodes holding 135 million local derivatives; as tensors it
# is three matrix products, and a GPU runs a matrix product over thousands of tokens at once, on thousands of cores.
# That is why every real framework records graphs of tensors, not of scalars, while the chain rule it
# applies is the one you can read, node by node, in `micrograd_ext/engine.py`.
