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
# # 7. A tiny GPT, every number a Value
#
# The seed article's story ends at the transformer of a large language model: embeddings, self-attention,
# the feed-forward block, residual connections and normalisation, trained to predict the next token,
# P(x_t | x_1..x_{t-1}), with AdamW, warmup, a cosine schedule and gradient clipping. Here is all of it on
# scalars, small enough to train in seconds, so that every gradient of a language model can be looked at.

# %%
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

# %% [markdown]
# ## The model
#
# Token and position embeddings, one transformer block (pre-norm LayerNorm, two-head causal self-attention,
# a GELU feed-forward block, residual connections), a final LayerNorm and a linear head that gives one
# logit per token of the vocabulary. Its parameters, next to the seed's Llama-7B feed-forward block:

# %%
gpt = GPT(vocab_size=tokenizer.vocab_size, block_size=12, n_embd=16, n_head=2, n_layer=1, seed=0)
print(f"tiny GPT: {len(gpt.parameters()):,} parameters")
llama_ffn = 3 * 4096 * 11008                # up, gate and down projections of one Llama-7B layer
print(f"one Llama-7B feed-forward block: {llama_ffn:,} weights; 32 layers of them: {32 * llama_ffn:,}")
print(f"that is {llama_ffn // len(gpt.parameters()):,} tiny GPTs per layer")


# %% [markdown]
# Before training, its words are random letters:

# %%
def sample_words(n, seed):
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        tokens = gpt.generate(tokenizer.encode('.'), max_new_tokens=11, seed=rng)
        text = tokenizer.decode(tokens[1:])
        found.append(text.split('.')[0])
    return found

print(sample_words(6, seed=1))

# %% [markdown]
# ## Training: next-token prediction
#
# Each word is written `.word.`; at every position the model predicts the next character, and the loss is
# the mean cross-entropy. The batch is 32 words, the same every step, so the graph of a step has the same
# shape every time: `compiled()` records it once (154,000 operations) and replays it, and AdamW, warmup plus a
# cosine schedule and clipping run on the parameters as usual.

# %%
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

# %%
figure, axis = plt.subplots(figsize=(6, 3))
axis.plot(losses); axis.set_xlabel('step'); axis.set_ylabel('cross-entropy'); axis.set_title('training loss')
figure.tight_layout(); figure.savefig('tiny_gpt_loss.png', dpi=80); plt.close(figure)
Image('tiny_gpt_loss.png')

# %% [markdown]
# After training, its words follow the grammar's pattern of consonants and vowels:

# %%
print(sample_words(6, seed=1))

# %% [markdown]
# ## One attention head, drawn
#
# Self-attention for two tokens, with one head of two numbers: the second position's output is a
# softmax-weighted sum of the values of both positions. Every node of that computation, with its gradient:

# %%
head = CausalSelfAttention(2, 1, seed=0)
x0, x1 = [Value(0.5, label='x0_0'), Value(-1.0, label='x0_1')], [Value(1.5, label='x1_0'), Value(0.2, label='x1_1')]
out = head([x0, x1])[1][0]
out.label = 'out'
out.backward()
SVG(render(draw_dot(out, cluster=True), 'svg'))
