"""The base of micrograd_ext's own errors, so that one ``except MicrogradExtError`` catches any of them, and
how their messages name a node (``describe``).

Each specific error keeps its builtin base too, so code that catches that still works:

>>> from micrograd_ext.viz import GraphTooLargeError
>>> issubclass(GraphTooLargeError, MicrogradExtError), issubclass(GraphTooLargeError, ValueError)
(True, True)
"""


class MicrogradExtError(Exception):
    """An error raised by micrograd_ext itself; each kind also derives from the builtin error it is."""


def describe(node) -> str:
    """How error messages name a node: its label and value, or just its value.

    >>> from micrograd_ext import Value
    >>> describe(Value(2.0, label='x')), describe(Value(0.5))
    ('x (= 2.0)', '0.5')
    """
    return f"{node.label} (= {node.data!r})" if node.label else repr(node.data)


def node_kind(node) -> str:
    """How error messages name a node's op: ``'sin' node``, or for a node made without a name (microgpt's
    ``Value(data, children, local_grads)``) ``node made by hand``.

    >>> from micrograd_ext import Value
    >>> x = Value(1.0); node_kind(Value(0.8, (x,), 'sin', (0.5,))), node_kind(Value(0.8, (x,), (0.5,)))
    ("'sin' node", 'node made by hand')
    """
    return f"{str(node._op)!r} node" if isinstance(node._op, str) and node._op else 'node made by hand'
