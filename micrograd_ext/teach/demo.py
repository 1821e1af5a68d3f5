"""The demo: the seed article's neuron computed by hand, then by the engine, with its gradients checked."""
from __future__ import annotations

import os
from typing import cast

from ..core.engine import Value
from ..core.finite_differences import GradcheckError, gradcheck
from ..viz.naming import fmt
from ..learn.nn import Parameter
from ..viz.table import graph_table


INPUTS = {'x1': 2.0, 'x2': 3.0, 'w1': 0.5, 'w2': -1.0, 'b': 0.2}


def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    """y = tanh(z) with z = w1*x1 + w2*x2 + b, labelled as in the article."""
    z = w1 * x1 + w2 * x2 + b
    z.label = 'z'
    y = z.tanh()
    y.label = 'y'
    return y


def seed_neuron() -> tuple[dict[str, Value], Value]:
    """The hand-computed neuron: x = [2, 3], w = [0.5, -1.0], b = 0.2, so z = -1.8; output tanh(z)."""
    leaves = {name: (Value if name.startswith('x') else Parameter)(number, label=name) for name, number in INPUTS.items()}
    y = neuron(**leaves)
    return {**leaves, 'z': y._prev[0]}, y


def run_demo(picture: str | None = 'seed_neuron.svg', out=print) -> bool:
    """Print the neuron forward, its activations, every node's data and grad, a gradcheck verdict;
    draw the graph to ``picture`` (SVG needs no system Graphviz)."""
    nodes, y = seed_neuron()
    z = nodes['z']
    out("The neuron from the seed article: z = w1*x1 + w2*x2 + b with x = [2, 3], w = [0.5, -1.0], b = 0.2")
    out(f"  z = 0.5*2 + (-1.0)*3 + 0.2 = {z.data:.4g}")
    out(f"  ReLU(z) = {z.relu().data:.4g}   sigmoid(z) = {z.sigmoid().data:.3f}   tanh(z) = {z.tanh().data:.3f}")
    out("\nBackpropagation through y = tanh(z): every node's value and dy/dnode")
    y.backward()
    out(str(graph_table(y)))
    out(f"\nReading it: dy/dw1 = x1 * (1 - tanh(z)^2) = {fmt(nodes['w1'].grad)}; "
        "a weight's gradient is its input times the gradient arriving at z.")
    try:
        gradcheck(neuron, [nodes[name] for name in INPUTS])
    except GradcheckError as error:
        out(f"\ngradcheck: FAILED\n{error}")
        return False
    out("\ngradcheck: OK, backprop matches NumPy central finite differences for all 5 inputs")
    if picture:
        from ..viz import RenderError, draw_dot, render
        try:
            path = cast(str, render(draw_dot(y), os.path.abspath(picture)))  # a file as target: render() gives its path
            out(f"\nThe graph with every data and grad is drawn in {path}")
        except (RenderError, ValueError, OSError) as error:
            out(f"\n(no picture: {error})")
    return True
