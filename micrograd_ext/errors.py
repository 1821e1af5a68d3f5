"""The base of micrograd_ext's own errors, so that one ``except MicrogradExtError`` catches any of them.

Each specific error keeps its builtin base too, so code that catches that still works:

>>> from micrograd_ext.viz import GraphTooLargeError
>>> issubclass(GraphTooLargeError, MicrogradExtError), issubclass(GraphTooLargeError, ValueError)
(True, True)
"""


class MicrogradExtError(Exception):
    """An error raised by micrograd_ext itself; each kind also derives from the builtin error it is."""
