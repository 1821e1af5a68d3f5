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
# # 8. microgpt, step by step
#
# In February 2026 Andrej Karpathy published microgpt: a GPT trained and sampled in one file of plain Python,
# without NumPy or PyTorch. Its autograd is a scalar `Value`, as micrograd's; its data are 32,033 first names, one
# name per training step, with characters as tokens; after 1,000 steps of Adam it makes up new names. Every
# number of the model is a `Value`, so every step builds a graph of tens of thousands of nodes, and it is slow.
#
# This notebook builds the same model from this library's pieces, takes a few training steps node by node,
# then records the step once and replays it as NumPy operations for the full run, at the speed of PyTorch's
# tensors. At the end, one attention head's graph is drawn, every node with its value and gradient.

# %%
import io, math, random, statistics, time
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from IPython.display import Image, SVG
from micrograd_ext import Value, compiled, no_grad, topological_order
from micrograd_ext.losses import softmax
from micrograd_ext.nn import GPT
from micrograd_ext.optim import Adam
from micrograd_ext.text import made_up_names
from micrograd_ext.viz import draw_dot, render

# %% [markdown]
# ## The data: names, one character per token
#
# microgpt reads `names.txt`, 32,033 first names. Nothing is downloaded here: `made_up_names` makes as many
# names from syllables, with lengths that follow the real names' (2 to 15 letters, mostly 5 to 7) and every
# letter from a to z. **To train on the real names**, set `NAMES_FILE` to the path of a `names.txt` (one name
# per line) and run the notebook again; the numbers below will change.
#
# As in microgpt, the names are shuffled with seed 42, each distinct character is a token (`a` is 0, ..., `z`
# is 25), and one more token, BOS, numbered after the characters, starts and ends every name.

# %%
NAMES_FILE = None  # e.g. 'names.txt'

if NAMES_FILE:
    with open(NAMES_FILE) as f:
        names = [line.strip() for line in f if line.strip()]
else:
    names = made_up_names(32_033, seed=42)
random.Random(42).shuffle(names)
chars = sorted(set(''.join(names)))
bos = len(chars)
vocab_size = len(chars) + 1
print(f"{len(names):,} names, e.g. {', '.join(names[:8])}")
print(f"{len(chars)} characters and BOS: {vocab_size} tokens, BOS is token {bos}")


# %% [markdown]
# A name becomes a document `[BOS, letters..., BOS]`. At each position the model reads the tokens so far and
# predicts the next one, so the inputs are the document without its last token and the targets are the
# document without its first (at most `block_size` = 16 positions, as microgpt):

# %%
def document(name, block_size=16):
    tokens = [bos] + [chars.index(c) for c in name] + [bos]
    n = min(block_size, len(tokens) - 1)
    return tokens[:n], tokens[1:n + 1]

inputs, targets = document(names[0])
print(f"{names[0]}: inputs  {inputs}")
print(f"{'':{len(names[0])}}  targets {targets}")

# %% [markdown]
# ## The model: `GPT.microgpt`
#
# `GPT.microgpt(vocab_size)` is microgpt's model, with its sizes as defaults (`block_size=16`, `n_embd=16`,
# `n_head=4`, `n_layer=1`). Its options, as the printed config lists them, are microgpt's choices:
#
# - `norm='rmsnorm', norm_affine=False`: RMSNorm, `x / sqrt(mean(x**2) + 1e-5)`, without learned weights,
#   right after the embeddings (`embedding_norm=True`) and before the attention and the MLP of the block;
#   `final_norm=False`: none before the head.
# - `bias=False`: no biases anywhere; every linear map is a matrix times a vector.
# - `activation='relu'`: the MLP is 16 -> 64, ReLU, 64 -> 16.
# - the head is untied: its own 27 x 16 matrix, not the token embedding's table.
# - every weight is drawn from N(0, 0.08), a normal distribution with standard deviation 0.08.
# - `bos=26`: the token that starts and ends a name; `generate` stops when it samples it.

# %%
gpt = GPT.microgpt(vocab_size, seed=42)
print(gpt)
counts = {}
for name, p in gpt.named_parameters():
    part = name.split('.neurons.')[0].split('.weight.')[0]  # e.g. blocks.0.attention.query
    counts[part] = counts.get(part, 0) + 1
for part, count in counts.items():
    print(f"  {part:<30} {count:>5,}")
print(f"  {'all':<30} {len(gpt.parameters()):>5,} parameters")

# %% [markdown]
# `gpt.loss(inputs, targets)` is microgpt's loss for one document: the mean over its positions of
# -log p(next token). Before training it is close to a uniform guess, log 27. It is one `Value`, the root of a
# graph of every operation from the embeddings to the loss:

# %%
loss = gpt.loss(inputs, targets)
print(f"loss {loss.data:.4f} (a uniform guess: log {vocab_size} = {math.log(vocab_size):.4f})")
print(f"its graph: {len(topological_order(loss)):,} Value nodes for a name of {len(names[0])} letters")

# %% [markdown]
# ## Training, one name per step: eager
#
# microgpt's optimizer is Adam with betas (0.85, 0.99), eps 1e-8 and a learning rate that decays linearly from
# 0.01 to 0 over the run: `0.01 * (1 - step / 1000)` at step `step`. `micrograd_ext.optim.Adam` takes such a
# schedule as `lr`. An eager step builds the graph of one name's loss, runs `backward()` over it, and updates
# the 4,192 parameters:

# %% tags=["timing"]
steps = 1000
schedule = lambda step: 0.01 * (1 - step / steps)
optimizer = Adam(gpt.parameters(), lr=schedule, betas=(0.85, 0.99), eps=1e-8)
losses, eager_seconds = [], []
for k in range(3):
    inputs, targets = document(names[k])
    start = time.perf_counter()
    loss = gpt.loss(inputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    eager_seconds.append(time.perf_counter() - start)
    losses.append(loss.data)
    print(f"step {k + 1}: {names[k]!r:<12} loss {loss.data:.4f}, {len(topological_order(loss)):,} nodes, "
          f"{eager_seconds[-1] * 1000:.0f} ms")

# %% [markdown]
# ## The full run, compiled
#
# Each step builds a graph of the same shape for names of the same length; only the token ids and the weights
# change. `compiled(gpt.loss)` records the graph once per document length and replays it as grouped NumPy
# operations. Integer arguments are token ids: each call `step(inputs, targets)` replays the recording for that
# length with the new ids (the embedding rows and the targets' probabilities are picked anew). A document has
# at most `block_size` = 16 positions, so `max_recordings=gpt.block_size` keeps a recording of every length
# (the default keeps the latest 8, and would record lengths again and again).
#
# The loop is the eager one with `step` in place of `gpt.loss(...).backward()`. After the first replay the
# parameters' numbers live in NumPy arrays (each `p.data` still reads its own), and Adam updates them as arrays.

# %% tags=["timing"]
step = compiled(gpt.loss, max_recordings=gpt.block_size)
start = time.perf_counter()
for k in range(3, steps):
    inputs, targets = document(names[k])
    losses.append(step(inputs, targets))
    optimizer.zero_grad()
    step.backward()
    optimizer.step()
seconds = time.perf_counter() - start
print(f"recorded {len(step.recorded_shapes)} lengths (positions per document): "
      f"{sorted(shape[0][0] for shape in step.recorded_shapes)}")
print(f"mean loss of steps 1-100: {statistics.mean(losses[:100]):.4f}, of steps 901-1000: "
      f"{statistics.mean(losses[-100:]):.4f}")
print(f"{steps - 3:,} compiled steps in {seconds:.1f} s")

# %%
window = 50
smoothed = [statistics.mean(losses[max(0, k - window + 1):k + 1]) for k in range(len(losses))]
figure, axis = plt.subplots(figsize=(7, 3.2))
axis.plot(range(1, steps + 1), losses, color='lightgray', linewidth=0.8, label='one name')
axis.plot(range(1, steps + 1), smoothed, color='tab:blue', label=f'mean of the last {window}')
axis.set_xlabel('step'); axis.set_ylabel('loss'); axis.set_title('training loss, one name per step')
axis.legend(); figure.tight_layout()
png = io.BytesIO(); figure.savefig(png, format='png', dpi=90); plt.close(figure)
Image(png.getvalue())

# %% [markdown]
# ## New names
#
# `generate` starts from BOS and samples one token at a time from softmax(logits / temperature) until it
# samples BOS again (`stop=bos`) or has made `block_size` tokens. At temperature 0.5, as microgpt, the model
# picks likely letters more often than their probabilities say:

# %%
rng = random.Random(7)
for _ in range(10):
    tokens = gpt.generate([bos], max_new_tokens=gpt.block_size, temperature=0.5, seed=rng, stop=bos)
    print(''.join(chars[t] for t in tokens[1:] if t != bos))

# %% [markdown]
# ## Time per step, next to PyTorch
#
# A step's time does not depend on the weights, so it is timed on a fresh model, on the first 200 names: the
# compiled step (each length recorded first, then forward, backward and Adam on the arrays) and, when PyTorch
# is installed, the same model as a PyTorch module, `gpt.to_torch()`, with the same weights, trained in float64
# with `torch.optim.Adam` and the same schedule. Each is the median of 200 steps. Your machine's numbers:

# %% tags=["timing"]
def median_ms(run, documents):
    times, results = [], []
    for inputs, targets in documents:
        start = time.perf_counter()
        results.append(run(inputs, targets))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, results

documents = [document(name) for name in names[:200]]
fresh = GPT.microgpt(vocab_size, seed=42)
replay = compiled(fresh.loss, max_recordings=fresh.block_size)
for inputs, targets in {len(inputs): (inputs, targets) for inputs, targets in documents}.values():
    replay(inputs, targets)  # record each length before the timed steps
fresh_adam = Adam(fresh.parameters(), lr=schedule, betas=(0.85, 0.99), eps=1e-8)

def replay_step(inputs, targets):
    loss = replay(inputs, targets)
    fresh_adam.zero_grad(); replay.backward(); fresh_adam.step()
    return loss

replay_ms, replay_losses = median_ms(replay_step, documents)
print(f"compiled replay: {replay_ms:.2f} ms per step")
print(f"an eager step above: {statistics.mean(eager_seconds) * 1000:.0f} ms, "
      f"{statistics.mean(eager_seconds) * 1000 / replay_ms:.0f}x the replay's time")

# %% tags=["timing", "needs-torch"]
try:
    import torch
except ImportError:
    torch = None
if torch is None:
    print("PyTorch is not installed here (pip install torch to compare with it)")
else:
    torch.set_num_threads(1)  # one thread, as the replay: tensors of at most 64 x 16 gain nothing from more
    net = GPT.microgpt(vocab_size, seed=42).to_torch()  # the fresh model's weights, float64
    torch_adam = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    decay = torch.optim.lr_scheduler.LambdaLR(torch_adam, lambda step: 1 - step / steps)

    def torch_step(inputs, targets):
        logits = net(torch.tensor([inputs]))[0]  # a batch of one name: (1, T) ids -> (T, 27) logits
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(targets))
        torch_adam.zero_grad(); loss.backward(); torch_adam.step(); decay.step()
        return loss.item()

    torch_ms, torch_losses = median_ms(torch_step, documents)
    print(f"PyTorch, float64 tensors: {torch_ms:.2f} ms per step")
    print(f"the replay takes {replay_ms / torch_ms:.2f}x PyTorch's time per step")
    print("the same 200 losses to 1e-9:", all(math.isclose(a, b, rel_tol=1e-9)
                                            for a, b in zip(replay_losses, torch_losses)))

# %% [markdown]
# ## One attention head, drawn
#
# Inside the block, each of the 4 heads compares the current position's query with the keys of every position
# so far: the scores `q·k / sqrt(head size)` go through a softmax, and the resulting weights mix the positions'
# values. Here it is for two tokens, BOS and a first letter, in a tiny model of the same kind
# (`n_embd=4`, `n_head=2`, so each head has 2 numbers): the second position's query `q1`, the keys `k0`, `k1`
# and values `v0`, `v1` of both positions are the model's (its query, key and value weights times the normalised
# embeddings). From them on, every operation of the head's first output is a node: the two products of each
# score, the scaling by 1/sqrt(2) (the constants `c1`, `c2`), the library's softmax, which turns the scores into
# the attention weights `a0` and `a1`, and the weighted sum of the values. The model computes each q·k as one
# `linear` node; it is written out here to show its products.

# %%
tiny = GPT.microgpt(vocab_size, n_embd=4, n_head=2, block_size=2, seed=0)
block, pair = tiny.blocks[0], [bos, chars.index(names[0][0])]
with no_grad():  # what enters the attention: the embeddings, normalised twice (after the embeddings, in the block)
    xs = [block.norm1(tiny.embedding_norm([a + b for a, b in zip(tiny.token_embedding(token), tiny.position_embedding(t))]))
          for t, token in enumerate(pair)]
    q, k, v = ([[neuron(x).data for neuron in layer.neurons[:2]] for x in xs]  # head 0: the first 2 of 4 outputs
               for layer in (block.attention.query, block.attention.key, block.attention.value))
q1 = [Value(q[1][j], label=f'q1_{j}') for j in range(2)]
keys = [[Value(k[t][j], label=f'k{t}_{j}') for j in range(2)] for t in range(2)]
values = [[Value(v[t][j], label=f'v{t}_{j}') for j in range(2)] for t in range(2)]
scores = [(q1[0] * key[0] + q1[1] * key[1]) * (1 / math.sqrt(2)) for key in keys]
weights = softmax(scores)
out = Value.sum([w * value[0] for w, value in zip(weights, values)])
for t in range(2):
    scores[t].label, weights[t].label = f'score{t}', f'a{t}'
out.label = 'out0'
out.backward()
SVG(render(draw_dot(out, rankdir='TB'), 'svg'))

# %% [markdown]
# Untrained, the head weighs both positions about equally (`a0` and `a1` near 0.5, and they add up to 1): with
# weights of size 0.08 the scores are close to 0. The gradients say how the head's output would change with each
# number: `v0_0.grad` is `a0`, and a score's gradient goes through both attention weights.
#
# ## What the library adds to microgpt
#
# The model and the training loop are microgpt's, written with `GPT.microgpt`, `gpt.loss` and `Adam`. What
# changes is what you can do with them: step through a training step node by node (`loss.backward_steps()`,
# `explain()`, the drawings), check every gradient against finite differences or PyTorch, and replay the
# recorded step at the speed of PyTorch's tensors, so that the full run of 1,000 names takes seconds.
