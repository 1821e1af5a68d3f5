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
# # 3. The transformer's feed-forward block
#
# Every transformer block has a feed-forward network: an up-projection to a wider hidden layer, an
# activation, and a down-projection back. The seed article's NumPy "hello world" builds one with
# 4 → 8 → 4 neurons. We run it, then rebuild it with `FeedForward` and the very same weights.

# %%
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

# %% [markdown]
# The seed's output layer applies ReLU too. Its weights and biases come from `rand` (all positive) and
# its inputs are ReLU outputs (never negative), so every output is positive and that last ReLU changes
# nothing: a linear down-projection, as in a transformer, gives the same numbers.

# %%
ours = FeedForward.from_weights(
    [n.weights for n in ffn.hidden_layer.neurons], [n.bias[0] for n in ffn.hidden_layer.neurons],
    [n.weights for n in ffn.output_layer.neurons], [n.bias[0] for n in ffn.output_layer.neurons])
out = np.array([v.data for v in ours(list(input_vector))])
print(ours)
print('micrograd_ext:', out)
print('equal to 1e-12:', np.allclose(out, output_vector.flatten(), rtol=0, atol=1e-12))


# %% [markdown]
# ## Its gradients, checked

# %%
def first_output(*inputs):
    return ours(list(inputs))[0]

leaves = [Value(float(x)) for x in input_vector]
print('d out[0] / d input:', np.round(grad(first_output(*leaves), leaves), 6))
print('gradcheck:', gradcheck(first_output, list(input_vector)))

# %% [markdown]
# ## How many parameters does a real FFN have?
#
# Llama 7B: $d_{model} = 4096$, hidden size 11008, 32 layers. The seed's two-projection FFN has
# $4096 \cdot 11008 + 11008$ parameters up and $11008 \cdot 4096 + 4096$ down per layer.

# %%
d_model, d_hidden, n_layers = 4096, 11008, 32
two_projection = (d_model * d_hidden + d_hidden) + (d_hidden * d_model + d_model)
swiglu = 3 * d_model * d_hidden          # Llama's FFN really has three matrices (gate, up, down), no biases
attention = 4 * d_model * d_model        # query, key, value and output projections
embeddings = 2 * 32000 * d_model         # input embeddings and the output projection
total = n_layers * (swiglu + attention) + embeddings
print(f"seed-style FFN per layer: {two_projection:,}  ({n_layers * two_projection / 1e9:.2f} B over {n_layers} layers)")
print(f"Llama FFN (SwiGLU) per layer: {swiglu:,}; attention per layer: {attention:,}")
print(f"FFN share of Llama 7B's {total / 1e9:.2f} B parameters: {n_layers * swiglu / total:.0%}")

# %% [markdown]
# Most parameters live in the FFNs because the hidden layer is wide (11008 ≈ 2.7 × 4096) and every one of its
# neurons has a weight for each of the 4096 inputs, and again on the way back: each layer's FFN is about
# twice its attention, so about two thirds of the model's knowledge sits in these simple neurons.
