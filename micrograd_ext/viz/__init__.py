"""Drawing computation graphs: ``draw_dot`` builds a Graphviz picture, ``render`` turns it into SVG or PNG."""
from .draw import Drawing, draw_dot, neuron_groups, roles, trace
from .limits import DEFAULT_MAX_EDGES, DEFAULT_MAX_NODES, GraphTooLargeError
from .rendering import (DEFAULT_TIMEOUT, RenderError, RenderTimeoutError, RenderWarning, render, render_source,
                        system_dot)

__all__ = ['draw_dot', 'trace', 'render', 'render_source', 'system_dot', 'Drawing', 'RenderError',
           'RenderTimeoutError', 'RenderWarning', 'GraphTooLargeError', 'roles', 'neuron_groups', 'DEFAULT_MAX_NODES',
           'DEFAULT_MAX_EDGES', 'DEFAULT_TIMEOUT']
