"""How much a drawing holds (its boxes and edges) and what to say when it is more than reads well: the ways
out of ``GraphTooLargeError``, each checked to draw before it is offered.

>>> message = too_large_message(404, 738, {'max_nodes': 300, 'max_edges': 600}, (35, 304))
>>> message.split('; ')[2]
"collapse='neuron' draws each neuron as one box (35 nodes, 304 edges)"
"""
from __future__ import annotations

from ..core.engine import Value
from ..core.errors import MicrogradExtError

DEFAULT_MAX_NODES = 300
DEFAULT_MAX_EDGES = 600


class GraphTooLargeError(MicrogradExtError, ValueError):
    """The graph has more nodes than ``max_nodes`` or edges than ``max_edges``; the message lists the ways out.

    ``sizes`` is (nodes, edges, the limits, (nodes, edges) with collapse='neuron' or None) when ``draw_dot``
    raised it, so that a caller that cannot collapse (the player) can give the other ways out."""

    def __init__(self, message: str, sizes: tuple | None = None):
        super().__init__(message)
        self.sizes = sizes


def links_drawn(nodes: list[Value], collapsed: list, hidden: dict) -> list[tuple[Value, Value]]:
    """Every drawn edge into an operation or a collapsed neuron's box, as (child, user): each ``collapsed`` group's
    inputs into its box (``hidden`` maps the nodes inside a box to its output), then each drawn node's children."""
    links = [(x, output) for _, output, _, inputs in collapsed for x in dict.fromkeys(inputs)]
    links += [(child, node) for node in nodes if node not in hidden for child in node._prev]
    return links


def size_drawn(nodes: list[Value], collapsed: list, hidden: dict, links: list, expanded: set) -> tuple[int, int]:
    """(values, edges) a drawing has: the values not inside a collapsed box plus one box per collapsed neuron;
    the ``links``, each op's edge to its result, and each expanded product's two."""
    values = len(nodes) - len(hidden) + len(collapsed)
    edges = len(links) + sum(1 for node in nodes if node._prev and node not in hidden)
    edges += sum(len(node._prev) // 2 * 2 for node in expanded)
    return values, edges


def too_large_message(nodes: int, edges: int, limits: dict[str, int], collapsed: tuple[int, int] | None) -> str:
    """Both counts, the limits they are over, and only the ways out that draw: ``collapsed`` is (nodes, edges)
    with collapse='neuron' (None when it cannot help), offered with the limits it needs when it is over them."""
    over = {name: count for name, count in (('max_nodes', nodes), ('max_edges', edges)) if count > limits[name]}
    ways = ['draw one example instead of the whole batch (e.g. the loss of X[0] alone) or a part of the expression']
    if collapsed is not None and collapsed[0] < nodes:
        needs = {name: count for name, count in zip(limits, collapsed) if count > limits[name]}
        sized = ''.join(f', {name}={count}' for name, count in needs.items())
        ways.append(f"collapse='neuron' draws each neuron as one box ({collapsed[0]} nodes, {collapsed[1]} edges"
                    + (f": draw_dot(..., collapse='neuron'{sized}))" if needs else ')'))
    raised = ', '.join(f'{name}={count}' for name, count in over.items())
    ways.append(f"or raise {' and '.join(over)} (draw_dot(..., {raised}))")
    limit_text = ' and '.join(f'{name}={limits[name]}' for name in over)
    return (f"this graph has {nodes} nodes and {edges} edges, more than {limit_text} can draw readably; "
            + '; '.join(ways))
