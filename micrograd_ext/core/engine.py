"""The scalar autograd engine: ``Value`` records a computation graph and ``backward()`` walks it.

Each operation computes its result *and* its local derivatives (d out / d child) right away and
stores them on the result node. ``backward()`` then only has to apply the chain rule,
``child.grad += local_derivative * node.grad``, to every node in reverse topological order.
The hot ops are written out below, each with its derivative; the others (``/ ** exp log tanh ...``)
are one line each in the table of ``ops.py``.

>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = a * b + a
>>> L.backward()
>>> a.grad, b.grad
(-2.0, 2.0)

An op written as in micrograd's lecture, with its own ``_backward`` closure, works as well:

>>> import math
>>> def sin(self):
...     out = Value(math.sin(self.data), (self,), 'sin')
...     def _backward():
...         self.grad += math.cos(self.data) * out.grad
...     out._backward = _backward
...     return out
>>> x = Value(0.0); y = sin(x) * 3; y.backward(); x.grad
3.0
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import cast

from . import modes, ops
from .closures import copy_attribute, own_attributes
from .graph import start_backward, topological_order
from .errors import describe
from .modes import apply_mode, chain_checked, mode
from .ops import DIV, EXP, GELU, LOG, POW, SIGMOID, SILU, SOFTPLUS, SQRT, TANH, Op, is_number, power_op

BLOCKED = ops.BLOCKED


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it.

    As in micrograd, a Value takes new attributes (``p.m = 0.0``), an op may assign its own
    ``_backward`` closure, and ``==`` and hashing are by identity (``Value(1.0) in [Value(1.0)]`` is
    False); ``<`` and ``>`` compare ``data``.
    """

    __slots__ = ('data', 'grad', '_prev', '_op', '_local_grads', '__dict__')
    label = ''  # a class default: only labelled Values store a label (in their __dict__)
    is_parameter = False  # True for a model's weights (nn.Parameter): drawings colour them as parameters

    def __init__(self, data, _children: tuple = (), _op: str = '', _local_grads: tuple = (),
                 label: str = ''):
        if type(data) is not float:
            data = as_float(data)
        self.data = data
        self.grad = 0.0
        self._prev = _children  # the operands, in order (a tuple)
        self._op = _op
        self._local_grads: tuple | None = _local_grads  # d self / d child, one per child, computed at forward time
        if label:
            self.label = label if isinstance(label, str) else str(label)
        if _children:  # an op made by hand (the ops here make theirs with result())
            self._check_children(_local_grads)
            if modes.switched_threads:  # some thread is inside no_grad() or detect_anomaly()
                apply_mode(self)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ''
        return f"Value({label}data={self.data}, grad={self.grad})"

    # ---- arithmetic: each op states its local derivatives ---------------------------------------

    def __add__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:  # not a number: e.g. a NumPy array, which then makes an array of Values
            return NotImplemented
        return result(self.data + other.data, (self, other), '+', (1.0, 1.0))  # d/da = 1, d/db = 1

    def __sub__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:
            return NotImplemented
        return result(self.data - other.data, (self, other), '-', (1.0, -1.0))  # d/da = 1, d/db = -1

    def __mul__(self, other):
        try:
            other = other if isinstance(other, Value) else leaf(other)
        except TypeError:
            return NotImplemented
        return result(self.data * other.data, (self, other), '*', (other.data, self.data))  # d/da = b, d/db = a

    def __neg__(self):
        return result(-self.data, (self,), 'neg', (-1.0,))  # d/dx = -1

    def relu(self) -> Value:
        x = self.data
        if x <= 0.0:  # d/dx = 0, and it blocks even an infinite gradient from above
            return result(0.0, (self,), 'ReLU', (BLOCKED,))
        return result(x, (self,), 'ReLU', (1.0,))  # d/dx = 1 (also for nan, as PyTorch)

    @staticmethod
    def sum(terms: Iterable) -> Value:
        """One '+' node over all ``terms`` (numbers are wrapped; a NumPy array gives all its elements),
        added left to right like ``t0 + t1 + t2 + ...``.

        >>> Value.sum([Value(1.0), 2, Value(3.0)])
        Value(data=6.0, grad=0.0)
        """
        terms = values(getattr(terms, 'flat', terms))
        total = terms[0].data if terms else 0.0
        for term in terms[1:]:
            total += term.data  # the same float additions, in the same order, as t0 + t1 + t2 + ...
        return result(total, tuple(terms), '+', (1.0,) * len(terms))  # d/d(each term) = 1

    @staticmethod
    def linear(weights: Iterable, inputs: Iterable, bias) -> Value:
        """A neuron's pre-activation ``w1*x1 + ... + wn*xn + b`` as one node (children: w..., x..., b).

        >>> w = [Value(0.5), Value(-1.0)]
        >>> Value.linear(w, [2, 3], Value(0.2))
        Value(data=-1.8, grad=0.0)
        """
        weights, inputs = values(weights), values(inputs)
        bias = bias if isinstance(bias, Value) else Value(bias)
        if len(inputs) != len(weights):
            raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
        total = bias.data
        for w, x in zip(weights, inputs):
            total += w.data * x.data  # the same float operations as b + w1*x1 + w2*x2 + ...
        return result(total, (*weights, *inputs, bias), 'linear',
                     (*[x.data for x in inputs], *[w.data for w in weights], 1.0))  # d/dwi = xi, d/dxi = wi, d/db = 1

    # ---- the other ops come from the table in ops.py ----------------------------------------------

    @staticmethod
    def apply(op: Op, *operands, check_domain: bool = True) -> Value:
        """The node of the table's ``op`` on ``operands`` (numbers are wrapped).

        ``Value.apply(ops.TANH, x)`` is ``x.tanh()``. Outside the op's domain (``log`` of 0, ...) it raises
        a clear error, unless ``check_domain=False`` (then IEEE results: inf, nan).
        """
        children = tuple(x if isinstance(x, Value) else Value(x) for x in operands)
        inputs = [child.data for child in children]
        out = float(op.value(*inputs))
        if check_domain and op.check is not None:
            op.check(out, *children)
        return result(out, children, op.name, tuple(op.derivatives(out, *inputs)))

    def __truediv__(self, other):
        return Value.apply(DIV, self, other) if isinstance(other, Value) or is_number(other) else NotImplemented

    def __rtruediv__(self, other):
        return Value.apply(DIV, other, self)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return Value.apply(POW, self, exponent)
        if not is_number(exponent):
            return NotImplemented
        return Value.apply(power_op(ops.exponent(exponent)), self)  # named '**2', as in micrograd

    def __rpow__(self, base):
        return Value.apply(POW, base, self)

    def __abs__(self):
        return Value.apply(ops.ABS, self)

    def exp(self) -> Value:
        return Value.apply(EXP, self)

    def log(self) -> Value:
        return Value.apply(LOG, self)

    def sqrt(self) -> Value:
        return Value.apply(SQRT, self)

    def tanh(self) -> Value:
        return Value.apply(TANH, self)

    def sigmoid(self) -> Value:
        return Value.apply(SIGMOID, self)

    def softplus(self) -> Value:
        return Value.apply(SOFTPLUS, self)

    def gelu(self) -> Value:
        return Value.apply(GELU, self)

    def silu(self) -> Value:
        return Value.apply(SILU, self)

    def __radd__(self, other):
        return leaf(other) + self

    def __rsub__(self, other):
        return leaf(other) - self

    def __rmul__(self, other):
        return leaf(other) * self

    # ---- ordering compares data; == and hashing stay by identity, as in micrograd ------------------

    def __lt__(self, other): return self.data < _data(other)
    def __le__(self, other): return self.data <= _data(other)
    def __gt__(self, other): return self.data > _data(other)
    def __ge__(self, other): return self.data >= _data(other)

    def __float__(self) -> float:
        return _data(self)  # noted while compiled() records, as comparisons are

    # ---- backpropagation ------------------------------------------------------------------------

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's own chain-rule step (the lecture's ``o._backward()``); an op may assign its own."""
        closure = self.__dict__.get('_backward')
        if closure is not None:
            return closure
        if self._local_grads is None:
            raise TypeError(f"the {self._op!r} node {describe(self)} has children but no way to pass gradients "
                            "back: give Value(...) its local derivatives, or assign out._backward = a function "
                            "(as micrograd's ops do) before calling backward()")
        return self._chain_rule_step

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not callable(closure):
            raise TypeError(f"_backward must be a function that adds to the children's .grad, got "
                            f"{type(closure).__name__}")
        self.__dict__['_backward'] = closure
        if self._prev:
            self._local_grads = None  # from now on backward() calls the closure

    def _chain_rule_step(self) -> None:
        """Each child.grad += local derivative * self.grad."""
        for child, local in zip(self._prev, cast(tuple, self._local_grads)):  # a table op's: never None here
            child.grad += local * self.grad

    def _check_children(self, local_grads) -> None:
        """An op made by hand: its children must be Values, with one number per child as local derivative,
        or none at all when its ``_backward`` closure follows (micrograd-style; ``_local_grads`` is None)."""
        if isinstance(self._prev, Value) or not isinstance(self._prev, Iterable):
            raise TypeError(f"Value(data, _children, ...): the children of a {self._op!r} node must be a tuple of "
                            f"Values, got {type(self._prev).__name__}; e.g. (x,) for one child")
        self._prev = tuple(self._prev)  # micrograd code may pass a set or a list
        for child in self._prev:
            if not isinstance(child, Value):
                raise TypeError(f"the children of a {self._op!r} node must be Values, got {type(child).__name__} "
                                f"{child!r}; wrap numbers first, e.g. Value({child!r})")
        if not local_grads:
            self._local_grads = None
            return
        local_grads = tuple(local_grads)
        if len(local_grads) != len(self._prev):
            raise ValueError(f"Value(..., _op={self._op!r}) got {len(local_grads)} local derivatives for "
                             f"{len(self._prev)} children; give one d out/d child per child, in order")
        for local in local_grads:
            if isinstance(local, Value) or not isinstance(local, numbers.Real):
                raise TypeError(f"the local derivatives of a {self._op!r} node must be numbers (d out/d child "
                                f"at this point), got {type(local).__name__} {local!r}")
        self._local_grads = local_grads

    def backward(self) -> None:
        """Fill ``.grad`` of every node in the graph with d self / d node.

        Leaves (parameters, inputs) *accumulate*: a second call adds to their ``.grad``, as in
        micrograd and PyTorch, so call ``model.zero_grad()`` (or ``self.zero_grad()``) between steps.
        Interior nodes hold the gradient of the latest call.
        """
        order = start_backward(self)
        if mode.anomaly is not None:
            return chain_checked(order)
        for node in reversed(order):
            local_grads = node._local_grads
            if local_grads is None:  # a micrograd-style op runs its own _backward closure
                node._backward()
                continue
            grad = node.grad
            for child, local in zip(node._prev, local_grads):
                child.grad += local * grad

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of the graph that ends here."""
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, label=self.label)

    def __deepcopy__(self, memo: dict) -> Value:
        """A copy of the whole graph that ends here, without recursion (a million-node chain is fine).

        Closures assigned as ``_backward`` are rebuilt to act on the copied nodes.
        """
        order = topological_order(self)
        for node in order:
            if id(node) not in memo:
                twin = Value.__new__(type(node))
                twin.data, twin.grad, twin._op, twin._local_grads = node.data, node.grad, node._op, node._local_grads
                twin._prev = tuple(memo[id(child)] for child in node._prev)
                memo[id(node)] = twin
        for node in order:
            extra = own_attributes(node)
            if extra:
                vars(memo[id(node)]).update({key: copy_attribute(value, memo) for key, value in extra.items()})
        return memo[id(self)]


def result(data: float, children: tuple, op: str, local_grads: tuple) -> Value:
    """The Value an op of the engine or of the table returns: ``Value(data, children, op, local_grads)``
    without the checks these ops never need (a float, Values as children, one local derivative each)."""
    node = new_value(Value)
    node.data = data
    node.grad = 0.0
    node._prev = children
    node._op = op
    node._local_grads = local_grads
    if modes.switched_threads:  # some thread is inside no_grad() or detect_anomaly()
        apply_mode(node)
    return node


new_value = object.__new__


def leaf(number) -> Value:
    """``Value(number)`` for the plain number an op was given (the 2 of ``x * 2``), without ``__init__``'s checks
    of arguments these leaves never have."""
    node = new_value(Value)
    node.data = number if type(number) is float else as_float(number)
    node.grad = 0.0
    node._prev = ()
    node._op = ''
    node._local_grads = ()
    return node


def as_float(data) -> float:
    """``data`` as a float: ints, bools and NumPy scalars convert; anything else is a ``TypeError``."""
    if isinstance(data, numbers.Real):
        return float(data)
    if isinstance(data, Value):
        raise TypeError("Value(data) got a Value; pass its .data, or use the Value itself")
    hint = ' (use .item() for a one-element NumPy array)' if hasattr(data, 'item') else ''
    raise TypeError(f"Value(data) needs a real number (int, float, bool or NumPy scalar), "
                    f"got {type(data).__name__}: {data!r}{hint}")


def _data(x) -> float:
    """The number a comparison or ``float()`` reads (noted while ``compiled()`` records: a replay keeps it)."""
    if mode.comparisons is not None:
        modes.note_comparison()
    return x.data if isinstance(x, Value) else x


def values(xs: Iterable) -> list[Value]:
    """Wrap numbers as leaf Values (Values pass through).

    >>> values([1, 2.5])
    [Value(data=1.0, grad=0.0), Value(data=2.5, grad=0.0)]
    """
    return [x if isinstance(x, Value) else Value(x) for x in xs]

