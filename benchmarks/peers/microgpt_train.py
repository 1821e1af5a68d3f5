"""A GPT trained on names with a scalar autograd, in the style of Andrej Karpathy's microgpt (Feb 2026).

Written here from microgpt's published description (not copied from it): character tokens with one BOS
token that starts and ends a name, token and position embeddings, RMSNorm without weights, one layer of
4-head causal attention and a ReLU MLP, an untied head, no biases, Gaussian initialisation (std 0.08),
Adam with a linearly decaying learning rate and one name per step. 4,192 parameters at its sizes.

    python benchmarks/peers/microgpt_train.py [STEPS] [NAMES_FILE]

The next line is the only one a user changes to train with another engine: ``from micrograd_ext import
Value`` (tests/core/test_microgpt_compat.py does exactly that; benchmarks/run.py's W5 imports this file).
"""
from microgpt import Value

import random
import sys

n_embd, n_head, n_layer, block_size = 16, 4, 1, 16
head_dim = n_embd // n_head


def load_names(path=None):
    """One name per line from ``path``, else made-up names of the real names' lengths."""
    if path:
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]
    from micrograd_ext.text import made_up_names
    return made_up_names(2000, seed=42)


def matrix(rows, cols, std=0.08):
    return [[Value(random.gauss(0, std)) for _ in range(cols)] for _ in range(rows)]


def make_weights(vocab_size):
    weights = {'wte': matrix(vocab_size, n_embd), 'wpe': matrix(block_size, n_embd)}
    for i in range(n_layer):
        for name in ('attn_wq', 'attn_wk', 'attn_wv', 'attn_wo'):
            weights[f'layer{i}.{name}'] = matrix(n_embd, n_embd)
        weights[f'layer{i}.mlp_fc1'] = matrix(4 * n_embd, n_embd)
        weights[f'layer{i}.mlp_fc2'] = matrix(n_embd, 4 * n_embd)
    weights['lm_head'] = matrix(vocab_size, n_embd)
    return weights


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    top = max(z.data for z in logits)
    exps = [(z - top).exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    mean_square = sum(xi * xi for xi in x) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(weights, token_id, pos_id, keys, values):
    """The logits for the next token, given this one; ``keys`` and ``values`` collect the earlier positions'."""
    x = [t + p for t, p in zip(weights['wte'][token_id], weights['wpe'][pos_id])]
    x = rmsnorm(x)
    for i in range(n_layer):
        residual = x
        x = rmsnorm(x)
        q = linear(x, weights[f'layer{i}.attn_wq'])
        keys[i].append(linear(x, weights[f'layer{i}.attn_wk']))
        values[i].append(linear(x, weights[f'layer{i}.attn_wv']))
        heads = []
        for h in range(n_head):
            part = slice(h * head_dim, (h + 1) * head_dim)
            scores = [sum(a * b for a, b in zip(q[part], k[part])) / head_dim ** 0.5 for k in keys[i]]
            attention = softmax(scores)
            heads.extend(sum(attention[t] * v[part][j] for t, v in enumerate(values[i])) for j in range(head_dim))
        x = [a + b for a, b in zip(linear(heads, weights[f'layer{i}.attn_wo']), residual)]
        residual = x
        hidden = [u.relu() for u in linear(rmsnorm(x), weights[f'layer{i}.mlp_fc1'])]
        x = [a + b for a, b in zip(linear(hidden, weights[f'layer{i}.mlp_fc2']), residual)]
    return linear(x, weights['lm_head'])


def document_loss(weights, tokens):
    """The mean of -log p(next token) over a document's positions (at most ``block_size``)."""
    n = min(block_size, len(tokens) - 1)
    keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
    losses = []
    for pos in range(n):
        probs = softmax(gpt(weights, tokens[pos], pos, keys, values))
        losses.append(-probs[tokens[pos + 1]].log())
    return (1 / n) * sum(losses)


class Adam:
    """microgpt's Adam: betas (0.85, 0.99), the learning rate decaying linearly to 0 over the run."""

    def __init__(self, params, lr=0.01, total_steps=1000, beta1=0.85, beta2=0.99, eps=1e-8):
        self.params, self.lr, self.total_steps = params, lr, total_steps
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v, self.t = [0.0] * len(params), [0.0] * len(params), 0

    def step(self):
        lr = self.lr * (1 - self.t / self.total_steps)
        self.t += 1
        for i, p in enumerate(self.params):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad ** 2
            m_hat = self.m[i] / (1 - self.beta1 ** self.t)
            v_hat = self.v[i] / (1 - self.beta2 ** self.t)
            p.data -= lr * m_hat / (v_hat ** 0.5 + self.eps)
            p.grad = 0


def sample(weights, chars, bos, rng, temperature=0.5):
    keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
    token, out = bos, []
    for pos in range(block_size):
        probs = softmax([z / temperature for z in gpt(weights, token, pos, keys, values)])
        token = rng.choices(range(len(probs)), weights=[p.data for p in probs])[0]
        if token == bos:
            break
        out.append(chars[token])
    return ''.join(out)


def main(steps=1000, path=None):
    random.seed(42)
    docs = load_names(path)
    random.shuffle(docs)
    chars = sorted(set(''.join(docs)))
    bos = len(chars)
    weights = make_weights(len(chars) + 1)
    params = [p for rows in weights.values() for row in rows for p in row]
    print(f"parameters: {len(params)}")
    adam = Adam(params, total_steps=steps)
    for step in range(steps):
        tokens = [bos] + [chars.index(c) for c in docs[step % len(docs)]] + [bos]
        loss = document_loss(weights, tokens)
        loss.backward()
        adam.step()
        print(f"step {step + 1:4d} loss {loss.data!r}")
    rng = random.Random(7)
    for _ in range(5):
        print('sample', sample(weights, chars, bos, rng))


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, sys.argv[2] if len(sys.argv) > 2 else None)
