"""The scalar autograd engine: ``Value`` records a computation graph and ``backward()`` walks it.

Each op computes its result *and* its local derivatives (d out / d child) right away, and the result
node keeps them. ``backward()`` then only applies the chain rule, ``child.grad += local * node.grad``,
to every node in reverse topological order. The hottest ops are written out here, each with its local
derivatives on the same line; the others (``/ exp log tanh ...``, and ``x ** n`` for each n) come from the
op table (``ops.py``), where every op's value and derivatives are written once. A node's ``_op`` is its
op's name (``MUL.name`` is ``'*'``), a string that also carries the op. ``result`` and ``leaf``, at the
bottom, make nodes as ``Value(data, children, op, local_grads)`` and ``Value(number)`` would, only faster.

>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = a * b + a
>>> L.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from . import copying, floats, graph, handmade, modes, nodes, slips
from .graph import start_backward, topological_order
from .ops import (ABS, ADD, DIV, EXP, GELU, LINEAR, LOG, MUL, NEG, POW, RELU, SIGMOID, SILU, SOFTPLUS, SQRT, SUB,
                  TANH, Op, exponent, is_number, power_op)

__all__ = ['Value', 'topological_order']


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it.

    As in micrograd, a Value takes new attributes (``p.m = 0.0``), an op may assign its own ``_backward``
    closure (``handmade.py``), and ``==`` and hashing are by identity; ``<`` and ``>`` compare ``data``.
    """

    __slots__ = ('data', 'grad', '_prev', '_op', '_local_grads', '__dict__')
    label = ''  # a class default: only labelled Values store a label (in their __dict__)
    is_parameter = False  # True for a model's weights (nn.Parameter): drawings colour them as parameters

    def __init__(self, data, _children: tuple = (), _op: str = '', _local_grads: tuple = (), label: str = '', *,
                 children: tuple = (), local_grads: tuple = ()):
        self.data = data if type(data) is float else nodes.as_float(data)
        self.grad = 0.0
        self._prev = _children  # the operands, in order
        self._op = _op  # the op's name, e.g. '*' (for the table's ops a string that carries the op)
        self._local_grads = _local_grads  # d self / d child, one per child (None: a _backward closure instead)
        if label:
            self.label = str(label)
        if _children or children or local_grads or type(_op) is not str:  # made by hand, as micrograd or microgpt do
            handmade.check(self, Value, children, local_grads)
            if modes.switched_threads:
                modes.apply_mode(self)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ''
        return f"Value({label}data={self.data}, grad={self.grad})"

    # ---- the hottest ops, each with its local derivatives ---------------------------------------------

    def __add__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:  # not a number: a NumPy array then makes an array of Values
            return NotImplemented
        return result(self.data + other.data, (self, other), ADD.name, (1.0, 1.0))  # d/da = 1, d/db = 1

    def __sub__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:  # not a number: a NumPy array then makes an array of Values
            return NotImplemented
        return result(self.data - other.data, (self, other), SUB.name, (1.0, -1.0))  # d/da = 1, d/db = -1

    def __mul__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:  # not a number: a NumPy array then makes an array of Values
            return NotImplemented
        return result(self.data * other.data, (self, other), MUL.name, (other.data, self.data))  # d/da = b, d/db = a

    def __truediv__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:  # not a number: a NumPy array then makes an array of Values
            return NotImplemented
        if not other.data:  # division by 0: the table's op says what to do
            return Value.apply(DIV, self, other)
        out = self.data / other.data
        return result(out, (self, other), DIV.name, (1.0 / other.data, -out / other.data))  # d/da = 1/b, d/db = -a/b**2

    def exp(self) -> Value:
        if self.data > floats.MAX_EXP_INPUT:  # too large for a float: the table's op says what to do
            return Value.apply(EXP, self)
        out = math.exp(self.data)
        return result(out, (self,), EXP.name, (out,))  # d/dx = e^x

    def __neg__(self):
        return result(-self.data, (self,), NEG.name, (-1.0,))  # d/dx = -1

    def relu(self) -> Value:
        if self.data <= 0.0:  # d/dx = 0, a zero that blocks even an infinite gradient
            return result(0.0, (self,), RELU.name, (floats.BLOCKED,))
        return result(self.data, (self,), RELU.name, (1.0,))  # d/dx = 1 (also for nan, as PyTorch)

    @staticmethod
    def sum(terms: Iterable) -> Value:
        """One '+' node over all ``terms``, added left to right like ``t0 + t1 + ...`` (d/d each term = 1).

        >>> Value.sum([Value(1.0), 2, Value(3.0)])
        Value(data=6.0, grad=0.0)
        """
        terms = values(getattr(terms, 'flat', terms))
        return result(ADD.value(floats, *[t.data for t in terms]), tuple(terms), ADD.name, (1.0,) * len(terms))

    @staticmethod
    def linear(weights: Iterable, inputs: Iterable, bias) -> Value:
        """A neuron's ``w1*x1 + ... + wn*xn + b`` as one node (children: w..., x..., b).

        >>> Value.linear([Value(0.5), Value(-1.0)], [2, 3], Value(0.2))
        Value(data=-1.8, grad=0.0)
        """
        weights, inputs = values(weights), values(inputs)
        bias = bias if isinstance(bias, Value) else Value(bias)
        if len(inputs) != len(weights):
            raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
        total = bias.data
        for w, x in zip(weights, inputs):
            total += w.data * x.data  # the same float operations as b + w1*x1 + w2*x2 + ...
        return result(total, (*weights, *inputs, bias), LINEAR.name,
                      (*[x.data for x in inputs], *[w.data for w in weights], 1.0))  # d/dwi = xi, d/dxi = wi, d/db = 1

    # ---- every other op: one entry of the table in ops.py ---------------------------------------------

    @staticmethod
    def apply(op: Op, *operands, check_domain: bool = True) -> Value:
        """The node of the table's ``op`` on ``operands`` (numbers are wrapped): ``Value.apply(TANH, x)`` is
        ``x.tanh()``. Outside the op's domain (log of 0, ...) a clear error, unless ``check_domain=False``."""
        children = tuple(values(operands))
        inputs = [child.data for child in children]
        out = float(op.value(floats, *inputs))
        if check_domain and op.check is not None:
            op.check(out, *children)
        return result(out, children, op.name, tuple(op.derivatives(floats, out, *inputs)))

    def __rtruediv__(self, other): return Value.apply(DIV, other, self) if is_number(other) else NotImplemented
    def __rpow__(self, base): return Value.apply(POW, base, self) if is_number(base) else NotImplemented
    def __abs__(self): return Value.apply(ABS, self)
    def log(self) -> Value: return Value.apply(LOG, self)
    def sqrt(self) -> Value: return Value.apply(SQRT, self)
    def tanh(self) -> Value: return Value.apply(TANH, self)
    def sigmoid(self) -> Value: return Value.apply(SIGMOID, self)
    def softplus(self) -> Value: return Value.apply(SOFTPLUS, self)
    def gelu(self) -> Value: return Value.apply(GELU, self)
    def silu(self) -> Value: return Value.apply(SILU, self)

    def __pow__(self, n):
        if isinstance(n, Value):
            return Value.apply(POW, self, n)
        return Value.apply(power_op(exponent(n)), self) if is_number(n) else NotImplemented  # named '**2', as micrograd

    def __radd__(self, other): return leaf(other) + self if is_number(other) else NotImplemented
    def __rsub__(self, other): return leaf(other) - self if is_number(other) else NotImplemented
    def __rmul__(self, other): return leaf(other) * self if is_number(other) else NotImplemented

    # ---- comparing: ordering compares data; == and hashing stay by identity, as in micrograd ------------

    def __lt__(self, other): return self.data < data_of(other)
    def __le__(self, other): return self.data <= data_of(other)
    def __gt__(self, other): return self.data > data_of(other)
    def __ge__(self, other): return self.data >= data_of(other)
    def __float__(self): raise TypeError(nodes.NOT_A_FLOAT)  # math.exp(x) would lose x's gradient: x.exp(), x.data
    def __format__(self, spec: str) -> str: return format(self.data, spec) if spec else str(self)  # f"{loss:.4f}"
    def __round__(self, ndigits=None): return round(data_of(self), ndigits)  # round(loss, 2): a number, not a node

    # ---- backpropagation ------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``.grad`` of every node in the graph with d self / d node.

        Leaves (parameters, inputs) *accumulate*: a second call adds to their ``.grad``, as in micrograd and
        PyTorch, so call ``model.zero_grad()`` between steps. Interior nodes hold the latest call's gradient.
        """
        checking = modes.mode.anomaly is not None  # inside detect_anomaly(): check every step
        for node in reversed(start_backward(self)):
            local_grads = node._local_grads
            if local_grads is None:  # a micrograd-style op's own _backward, checked: it must add local * node.grad
                handmade.apply_closure(node)
            else:
                grad = node.grad
                for child, local in zip(node._prev, local_grads):
                    child.grad += local * grad
            if checking:
                modes.check_backward(node)
        slips.after_backward()  # the first pass after an optimizer step: were the parameters' grads zeroed?

    zero_grad = graph.zero_grad  # y.zero_grad(): .grad = 0 on every node of the graph that ends at y

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, label=self.label)

    _children = property(lambda node: node._prev, doc="The operands, as microgpt names them (micrograd: _prev).")
    _backward = handmade.backward_closure  # node._backward(): this node's own chain-rule step, as in the lecture
    __deepcopy__ = copying.copy_graph  # copy.deepcopy(y): the whole graph, without recursion
    __reduce_ex__ = copying.reduce_graph  # pickle.dumps(y): the whole graph, flat, without recursion


result, leaf, data_of = nodes.makers(Value)  # fast Value(data, children, op, local_grads) and Value(number); x.data


def values(xs: Iterable) -> list[Value]:
    """Wrap numbers as leaf Values (Values pass through).

    >>> values([1, 2.5])
    [Value(data=1.0, grad=0.0), Value(data=2.5, grad=0.0)]
    """
    return [x if isinstance(x, Value) else Value(x) for x in xs]
