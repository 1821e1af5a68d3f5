"""Reference solutions for notebooks/05_exercises.ipynb (for teachers; keep out of the student handout).

Each section starts with '# %% exercise-NAME', the tag of the notebook cell it replaces; the test suite
fills the notebook with these and checks that every check passes. Run this file to check them all.
"""
import math

from micrograd_ext import Value, topological_order
from micrograd_ext.exercises import (check_backward, check_grads_by_hand, check_learning_rate, check_local_derivative,
                                     check_neuron_forward, check_new_op)

# %% exercise-sigmoid
def sigmoid_derivative(x):
    s = 1 / (1 + math.exp(-x))
    return s * (1 - s)


# %% exercise-tanh
def tanh_derivative(x):
    return 1 - math.tanh(x) ** 2


# %% exercise-cube
def cube(x):
    return Value(x.data ** 3, (x,), 'cube', (3 * x.data ** 2,))


# %% exercise-by-hand
# M = L + g: dM/dL = dM/dg = 1. L = d*f: dM/dd = f = -2, dM/df = d = 4. d = e + c: dM/de = dM/dc = -2.
# e = a*b: dM/db = -2 * a = -4, and a gets -2 * b = 6 through e plus 4 through g = 4*a: 10.
answers = dict(a=10.0, b=-4.0, c=-2.0, d=-2.0, e=-2.0, f=4.0, L=1.0, g=1.0, M=1.0)


# %% exercise-neuron
def neuron_forward(x, w, b):
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    return max(0.0, z)


# %% exercise-backward
def my_backward(root):
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad


# %% exercise-lr
learning_rate = 0.1


# %% run every check
if __name__ == '__main__':
    for result in [check_local_derivative('sigmoid', sigmoid_derivative), check_local_derivative('tanh', tanh_derivative),
                   check_new_op(cube, lambda v: v ** 3, 'cube'), check_grads_by_hand(answers),
                   check_neuron_forward(neuron_forward), check_backward(my_backward), check_learning_rate(learning_rate)]:
        print(result)
