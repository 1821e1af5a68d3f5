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
# # 4. Training on moons
#
# micrograd's demo recipe first: an MLP with two hidden layers of 16 ReLU neurons, the SVM max-margin loss
# plus a little L2, and SGD with a learning rate decaying from 1.0 to 0.1. Then the optimisers large
# models use: Adam and AdamW, with warmup, cosine decay and gradient clipping.

# %%
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

# %% [markdown]
# ## micrograd's recipe, written the micrograd way

# %%
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


# %% [markdown]
# ## The same with `fit` and an optimizer object

# %%
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

# %%
figure, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, (model, log) in runs.items():
    axes[0].plot(log.losses, label=name)
    axes[1].plot(log.learning_rates, label=name)
axes[0].set_yscale('log'); axes[0].set_title('loss'); axes[0].set_xlabel('step'); axes[0].legend()
axes[1].set_title('learning rate'); axes[1].set_xlabel('step'); axes[1].legend()
figure.tight_layout(); figure.savefig('training_curves.png', dpi=80); plt.close(figure)
Image('training_curves.png')

# %% [markdown]
# The decision boundary AdamW learned, and its loss curve:

# %%
model, log = runs['AdamW, warmup + cosine']
plot_training(model, X, y, log, 'adamw_moons.png', resolution=50)
Image('adamw_moons.png')

# %% [markdown]
# Warmup keeps the first, noisy Adam steps small; the cosine schedule then shrinks the steps as the
# model settles; clipping caps any single step's gradient norm. Gradient norms before clipping:

# %%
norms = runs['AdamW, warmup + cosine'][1].grad_norms
print('largest gradient norm:', round(max(norms), 3), ' median:', round(sorted(norms)[len(norms) // 2], 3))
