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
