"""The scalar autograd engine: ``Value`` records a computation graph and ``backward()`` walks it.

Each operation computes its result *and* its local derivatives (d out / d child) right away and
stores them on the result node. ``backward()`` then only has to apply the chain rule,
``child.grad += local_derivative * node.grad``, to every node in reverse topological order.

>>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
>>> L = a * b + a
>>> L.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

from .modes import apply_mode, chain_checked, describe, mode

GELU_C = math.sqrt(2.0 / math.pi)  # the tanh approximation of GELU, as in GPT-2


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back through it."""

    __slots__ = ('data', 'grad', 'label', '_prev', '_op', '_local_grads')

    def __init__(self, data, _children: tuple = (), _op: str = '', _local_grads: tuple = (),
                 label: str = ''):
        if type(data) is not float:
            data = as_float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self._prev = _children  # the operands, in order (a tuple)
        self._op = _op
        self._local_grads = _local_grads  # d self / d child, one per child, computed at forward time
        if _children and not mode.is_default:  # inside no_grad() or detect_anomaly()
            apply_mode(self)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ''
        return f"Value({label}data={self.data}, grad={self.grad})"

    # ---- arithmetic: each op states its local derivatives ---------------------------------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), '+', (1.0, 1.0))  # d/da = 1, d/db = 1

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), '-', (1.0, -1.0))  # d/da = 1, d/db = -1

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), '*', (other.data, self.data))  # d/da = b, d/db = a

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {describe(self)} / {describe(other)}; "
                                    "make sure the denominator cannot be 0 (e.g. add a small epsilon)")
        inverse = 1.0 / other.data
        return Value(self.data * inverse, (self, other), '/',
                     (inverse, -self.data * inverse * inverse))  # d/da = 1/b, d/db = -a/b**2

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        if not isinstance(exponent, numbers.Real):
            return NotImplemented
        n, x = exponent, self.data
        if x == 0.0 and n < 0:
            raise ZeroDivisionError(f"{describe(self)} ** {n}: 0 cannot be raised to a negative power")
        if x < 0.0 and not float(n).is_integer():
            raise ValueError(f"{describe(self)} ** {n}: a negative base needs an integer exponent "
                             "(the result would be a complex number)")
        try:
            out, slope = x ** n, (n * x ** (n - 1) if x != 0.0 or n >= 1 else math.inf)
        except OverflowError:
            raise OverflowError(f"{describe(self)} ** {n} is too large for a float") from None
        return Value(out, (self,), f'**{n}', (slope,))  # d/dx = n * x**(n-1)

    def _pow_value(self, exponent: Value) -> Value:
        base, n = self.data, exponent.data
        if base <= 0.0:
            raise ValueError(f"{describe(self)} ** {describe(exponent)}: a Value exponent needs a positive base, "
                             "because d/dn x**n = x**n * log(x) is undefined otherwise; "
                             "use a plain number as the exponent")
        try:
            out = base ** n
        except OverflowError:
            raise OverflowError(f"{describe(self)} ** {describe(exponent)} is too large for a float") from None
        return Value(out, (self, exponent), '**',
                     (n * base ** (n - 1), out * math.log(base)))  # d/dx = n*x**(n-1), d/dn = x**n*log(x)

    @staticmethod
    def sum(terms: Iterable) -> Value:
        """One '+' node over all ``terms`` (numbers are wrapped), left to right like ``sum()``.

        >>> Value.sum([Value(1.0), 2, Value(3.0)])
        Value(data=6.0, grad=0.0)
        """
        terms = tuple(terms)
        total = 0.0
        try:
            for term in terms:
                total += term.data  # the same float additions, in the same order, as sum()
        except AttributeError:  # a plain number among the terms: wrap the numbers first
            return Value.sum(values(terms))
        return Value(total, terms, '+', (1.0,) * len(terms))  # d/d(each term) = 1

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
        return Value(total, (*weights, *inputs, bias), 'linear',
                     (*[x.data for x in inputs], *[w.data for w in weights], 1.0))  # d/dwi = xi, d/dxi = wi, d/db = 1

    def __neg__(self):
        return Value(-self.data, (self,), 'neg', (-1.0,))  # d/dx = -1

    def __abs__(self):
        x = self.data
        return Value(abs(x), (self,), 'abs', ((x > 0.0) - (x < 0.0) + 0.0,))  # d/dx = sign(x)

    def __radd__(self, other):
        return Value(other) + self

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return Value(other) * self

    def __rtruediv__(self, other):
        return Value(other) / self

    def __rpow__(self, base):
        return Value(base) ** self

    # ---- functions ------------------------------------------------------------------------------

    def relu(self) -> Value:
        x = self.data
        return Value(x if x > 0.0 else 0.0, (self,), 'ReLU', (1.0 if x > 0.0 else 0.0,))  # d/dx = [x > 0]

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), 'tanh', (1.0 - t * t,))  # d/dx = 1 - tanh(x)**2

    def sigmoid(self) -> Value:
        s = sigmoid(self.data)
        return Value(s, (self,), 'sigmoid', (s * (1.0 - s),))  # d/dx = s * (1 - s)

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({describe(self)}) is too large for a float (inputs above ~709.78 overflow); "
                                "scale the input down or subtract a maximum first") from None
        return Value(e, (self,), 'exp', (e,))  # d/dx = exp(x)

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log({describe(self)}): log needs a positive input; "
                             "clamp it or add a small epsilon, e.g. (x + 1e-12).log()")
        return Value(math.log(x), (self,), 'log', (1.0 / x,))  # d/dx = 1 / x

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt({describe(self)}): sqrt needs a non-negative input")
        r = math.sqrt(x)
        return Value(r, (self,), 'sqrt', (0.5 / r if r else math.inf,))  # d/dx = 1 / (2 sqrt(x))

    def gelu(self) -> Value:
        x = self.data
        t = math.tanh(GELU_C * (x + 0.044715 * x ** 3))
        slope = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x * x)
        return Value(0.5 * x * (1.0 + t), (self,), 'gelu', (slope,))  # d/dx: product and chain rule

    def silu(self) -> Value:
        x = self.data
        s = sigmoid(x)
        return Value(x * s, (self,), 'silu', (s * (1.0 + x * (1.0 - s)),))  # d/dx = s * (1 + x(1 - s))

    # ---- comparisons use data; hashing stays by identity so Values can key dicts and sets --------

    def __lt__(self, other): return self.data < _data(other)
    def __le__(self, other): return self.data <= _data(other)
    def __gt__(self, other): return self.data > _data(other)
    def __ge__(self, other): return self.data >= _data(other)
    def __eq__(self, other): return isinstance(other, (Value, numbers.Real)) and self.data == _data(other)
    def __ne__(self, other): return not self == other
    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # ---- backpropagation ------------------------------------------------------------------------

    def _backward(self) -> None:
        """Apply this node's own chain-rule step: each child.grad += local derivative * self.grad."""
        for child, local in zip(self._prev, self._local_grads):
            child.grad += local * self.grad

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
            grad = node.grad
            for child, local in zip(node._prev, node._local_grads):
                child.grad += local * grad

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of the graph that ends here."""
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, label=self.label)

    # ---- shortcuts to the teaching tools (imported on use, to keep the engine light) ---------------

    def draw_dot(self, **options):
        """``micrograd_ext.viz.draw_dot(self, **options)``: a picture of this graph."""
        from .viz import draw_dot
        return draw_dot(self, **options)

    def backward_steps(self):
        """``micrograd_ext.steps.backward_steps(self)``: backward() one chain-rule step at a time."""
        from .steps import backward_steps
        return backward_steps(self)

    def explain(self, target: Value):
        """``micrograd_ext.explain.explain(self, target)``: why ``target.grad`` has its value."""
        from .explain import explain
        return explain(self, target)


def topological_order(root: Value, zero_interior_grads: bool = False) -> list[Value]:
    """Every node reachable from ``root``, each after all of its children (iterative, no recursion).

    ``backward()`` asks for ``zero_interior_grads`` to reset non-leaf grads on the way.

    >>> x = Value(1.0, label='x'); y = x * 2
    >>> [node.label or node._op for node in topological_order(y + x)]
    ['x', '', '*', '+']
    """
    order, visited = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every child of the node below it is listed by now
            order.append(stack.pop())
            continue
        if node in visited:  # pushed twice, and already expanded from the later push
            continue
        visited.add(node)
        if not node._prev:  # a leaf: nothing to expand
            order.append(node)
            continue
        stack.append(node)
        stack.append(None)
        if zero_interior_grads:
            node.grad = 0.0
        for child in reversed(node._prev):  # reversed, so the first operand is expanded first
            if child not in visited:
                stack.append(child)
    return order


def start_backward(root: Value) -> list[Value]:
    """Begin a backward pass: the nodes children first, interior grads reset to 0 and d root / d root = 1.

    A leaf root just accumulates 1, like every leaf.
    """
    if not root._prev:
        root.grad += 1.0
        return [root]
    order = topological_order(root, zero_interior_grads=True)
    root.grad = 1.0
    return order


def split_linear(items: Sequence) -> tuple[Sequence, Sequence, object]:
    """A ``linear`` node's children (or anything listed like them) as (weights, inputs, bias).

    >>> split_linear(['w0', 'w1', 'x0', 'x1', 'b'])
    (['w0', 'w1'], ['x0', 'x1'], 'b')
    """
    n = (len(items) - 1) // 2
    return items[:n], items[n:2 * n], items[-1]


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


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
    return x.data if isinstance(x, Value) else x


def values(xs: Iterable) -> list[Value]:
    """Wrap numbers as leaf Values (Values pass through).

    >>> values([1, 2.5])
    [Value(data=1.0, grad=0.0), Value(data=2.5, grad=0.0)]
    """
    return [x if isinstance(x, Value) else Value(x) for x in xs]
