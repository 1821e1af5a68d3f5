"""The teaching tools as methods of ``Value``: ``y.draw_dot()``, ``y.backward_steps()``, ``y.show_backward()`` and
``y.explain(x)``. They are attached here, from above, so that the engine knows nothing of them (as pandas attaches
accessors); each imports its tool when it is called, which keeps ``import micrograd_ext`` light.

>>> from micrograd_ext import Value
>>> y = Value(2.0, label='x') * 3
>>> [str(step)[:22] for step in y.backward_steps()]
['step 1/1  v1 = x*c1  [']
"""
from __future__ import annotations

from ..core.engine import Value


def draw_dot(self: Value, **options):
    """``micrograd_ext.viz.draw_dot(self, **options)``: a picture of this graph."""
    from ..viz import draw_dot
    return draw_dot(self, **options)


def backward_steps(self: Value, quiz: bool = False):
    """``micrograd_ext.teach.steps.backward_steps(self)``: backward() one chain-rule step at a time;
    ``quiz=True``: predict each step's gradients in the terminal first, and get a score."""
    if quiz:
        from .quiz import quiz as run_quiz
        return run_quiz(self)
    from .steps import backward_steps
    return backward_steps(self)


def show_backward(self: Value, **draw_options):
    """``micrograd_ext.teach.player.show_backward(self)``: the step-through player, inline in a notebook."""
    from .player import show_backward
    return show_backward(self, **draw_options)


def explain(self: Value, target: Value):
    """``micrograd_ext.teach.explain.explain(self, target)``: why ``target.grad`` has its value."""
    from .explain import explain
    return explain(self, target)


for _method in (draw_dot, backward_steps, show_backward, explain):
    setattr(Value, _method.__name__, _method)
