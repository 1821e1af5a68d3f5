"""Pictures of backpropagation: one frame per step, and a self-contained player to step through them, shown
inline in a notebook (``show_backward``) or saved as one HTML file (``save_backward_html``). The player's HTML,
CSS and JavaScript are the files in ``player_files/``; each player fills them with its data as JSON.

>>> from micrograd_ext import Value
>>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.label = 'y'
>>> frames = backward_frames(y)
>>> len(frames), frames[0].text
(3, 'start: dy/dy = 1; every other grad is pending')
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
import itertools
import json
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import cast

from ..core.engine import Value
from ..viz.naming import derivative
from ..core.files import write_atomically
from .quiz import ANSWERS, HINT, NUMBER, SHOW, player_questions
from .steps import BackwardStep, BackwardSteps
from ..viz import Drawing, GraphTooLargeError, draw_dot, render_source
from ..viz.legend import HIGHLIGHT
from ..viz.limits import too_large_message


@dataclass
class Frame:
    """One picture of the backward pass: what the step did, and the graph right after it."""
    index: int
    text: str
    drawing: Drawing
    step: BackwardStep | None = None  # None for the seed

    def svg(self) -> str:
        """The picture as SVG markup to sit inside HTML: no XML prolog, comments or Graphviz's titles (the ids
        ``n3`` that browsers would show as tooltips); the legend's parts marked ``data-legend``, for the player's
        script (its red is not the step's)."""
        svg = render_source(self.drawing.source, 'svg').decode('utf-8')
        svg = re.sub(r'<g (id="[^"]*" class="[^"]*")>(?=\s*<title>(?:cluster_)?legend)', r'<g \1 data-legend="">',
                     svg[svg.index('<svg'):])
        svg = re.sub(r'<!--.*?-->\s*|<title>[^<]*</title>\s*', '', svg, flags=re.S)
        return svg.strip()


PLAYERS_MADE = itertools.count()
MAX_DRAWN_NODES = 8_000  # over all frames: about 60 steps of a 130-node graph, some 10 MB of HTML
QUIZ_HELP = f"Predict what this step adds to each child's grad: {ANSWERS}. Check (or Enter) marks and reveals it."


def backward_frames(root: Value, **draw_options) -> list[Frame]:
    """Frame 0 is the seed; then one frame per step with the current node and the edges it used in red,
    and the grads no step has reached yet shown as pending. Runs the steps, so afterwards every ``.grad``
    is what ``backward()`` gives."""
    if draw_options.get('collapse'):
        raise ValueError("the player steps through every node, and collapse='neuron' hides a neuron's nodes; "
                         "use cluster=True to box each neuron instead")
    steps = BackwardSteps(root)
    pictures = len(steps) + 1
    if pictures * len(steps.order) > MAX_DRAWN_NODES:
        raise GraphTooLargeError(f"the player would draw {pictures} pictures of {len(steps.order)} nodes each, more "
                                 f"than {MAX_DRAWN_NODES:,} nodes in all; step through a smaller expression, or "
                                 "print the steps instead (backward_steps())")
    steps.start()
    reached = {root}
    root_name = steps.names[root]

    def picture(**highlights) -> Drawing:
        pending = [node for node in steps.order if node not in reached]
        return draw_dot(root, pending=pending, mark_stale=False, **highlights, **draw_options)

    start = f'start: {derivative(root_name, root_name)} = 1; every other grad is pending'
    try:
        first = picture(highlight=[root])
    except GraphTooLargeError as error:  # its ways out, but collapse='neuron', which the player refuses
        if error.sizes is None:
            raise
        nodes, edges, limits, _ = error.sizes
        raise GraphTooLargeError(f"{too_large_message(nodes, edges, limits, None)} (draw options of show_backward); "
                                 "or print the steps instead (backward_steps())") from None
    frames = [Frame(0, start + (f'\nnote: {steps.warning}' if steps.warning else ''), first)]
    for step in steps:
        reached.update(step.node._prev)
        frames.append(Frame(step.index, str(step), picture(
            highlight=[step.node], highlight_edges=[(child, step.node) for child in step.node._prev]), step))
    return frames


class BackwardPlayer:
    """The step-through player of a backward pass: inline in a notebook, as text, or saved as a file.

    In Jupyter, JupyterLab, VS Code and Colab it shows itself (``_repr_html_``): the pictures, Prev / Next /
    Play, a slider, zoom and each step's text, with no external scripts, styles or fonts; every player on a
    page has its own ids, so several players move independently. In a terminal its text lists the steps.
    ``save(path)`` writes the same player as one HTML file (atomically).

    It draws one picture per step, about 1.2 KB of HTML per node drawn and at most 8,000 nodes over all
    pictures (60 steps of a 130-node graph, some 10 MB); a larger graph raises ``GraphTooLargeError`` with
    advice before drawing. In a notebook that is not trusted (JupyterLab removes scripts and inline SVG
    from its outputs) the first picture and its text show, with a note to run the cell.
    Making it runs the steps, so afterwards every ``.grad`` is what ``backward()`` gives.

    ``quiz=True`` asks before each step: one input per child for what the step adds to its grad, Check (or
    Enter) marks each answer as ``micrograd_ext.teach.quiz`` does (a wrong one with the right value, the local
    derivative and the product) and reveals the step; Show answer reveals it and counts as wrong; a running
    score, and the final one after the last step. Earlier steps stay viewable; later ones wait for an answer.

    >>> from micrograd_ext import Value
    >>> x = Value(2.0, label='x'); y = x * x; y.label = 'y'
    >>> print(show_backward(y))
    start: dy/dy = 1; every other grad is pending
    step 1/1  y = x*x  [*]  x.grad += (x = 2.0000) * 1.0000 = 2.0000 ; ...
    """

    def __init__(self, root: Value, title: str | None = None, quiz: bool = False, **draw_options):
        self.frames = backward_frames(root, **draw_options)
        self.quiz = quiz
        self.title = title or f'Backpropagation through {root.label or "the graph"}'
        content = hashlib.sha1('\n'.join(frame.drawing.source for frame in self.frames).encode()).hexdigest()[:10]
        self.id = f'mgx-player-{content}-{next(PLAYERS_MADE)}'  # unique on a page; the same when a notebook reruns

    def __repr__(self) -> str:
        if self.quiz:  # a text view (a terminal, a notebook without HTML) must not give the answers away
            return (f'{self.frames[0].text}\nquiz: {len(self.frames) - 1} steps to predict; shown with an answer '
                    'box before each one in a notebook or a browser')
        return '\n'.join(frame.text for frame in self.frames)

    def _repr_html_(self) -> str:
        svgs = [frame.svg() for frame in self.frames]
        quiz = None
        if self.quiz:
            steps = cast(list[BackwardStep], [frame.step for frame in self.frames[1:]])  # only the seed has none
            quiz = {'questions': [None, *player_questions(steps)], 'number': NUMBER, 'show': SHOW, 'hint': HINT,
                    'help': QUIZ_HELP}
        data = {'id': self.id, 'texts': [frame.text for frame in self.frames], 'svgs': svgs, 'highlight': HIGHLIGHT,
                'quiz': quiz}
        # all the script needs is in data; the title, first text and first picture are also plain HTML, for a
        # notebook that runs no scripts (the picture as an <img>, which a sanitizer keeps)
        return Template(_file('player.html')).substitute(
            css=_file('player.css'), js=_file('player.js'), data=_script_json(data), title=html.escape(self.title),
            text=html.escape(self.frames[0].text), picture=base64.b64encode(svgs[0].encode('utf-8')).decode('ascii'))

    def page(self) -> str:
        """The player as a whole HTML page, which needs no network (what ``save`` writes)."""
        return Template(_file('page.html')).substitute(title=html.escape(self.title), player=self._repr_html_())

    def save(self, path: str) -> str:
        """Write the player as a single HTML file (no network); returns ``path``."""
        write_atomically(path, self.page().encode('utf-8'))
        return path


@functools.lru_cache(maxsize=None)
def _file(name: str) -> str:
    """A file of ``player_files/`` (the player's HTML templates, CSS and JavaScript), read once.

    >>> _file('player.html').count('$data')  # the one place for the player's data, as JSON
    1
    """
    return (resources.files('micrograd_ext.teach') / 'player_files' / name).read_text(encoding='utf-8')


def _script_json(data: object) -> str:
    r"""``data`` as JSON that can sit inside a ``<script>`` element: ``&``, ``>`` and each ``<`` that could end
    the element or change how it is read (``</``, ``<!``, ``<script``, as the HTML standard advises) are written
    as ``\u`` escapes, which ``JSON.parse`` reads back. Other ``<`` stay, so the pictures' markup stays legible.

    >>> print(_script_json({'label': 'a</script><!-- & <svg>'}))
    {"label": "a\u003c/script\u003e\u003c!-- \u0026 <svg\u003e"}
    """
    return re.sub(r'[&>]|<(?=[/!]|script)', lambda match: f'\\u{ord(match[0]):04x}', json.dumps(data), flags=re.I)


def show_backward(root: Value, title: str | None = None, quiz: bool = False, **draw_options) -> BackwardPlayer:
    """The step-through player of ``root``'s backward pass, shown inline when it is a notebook cell's result.

    ``quiz=True``: predict each step before it is shown. ``draw_options`` are ``draw_dot``'s (``rankdir``,
    ``cluster=True``, ...). See ``BackwardPlayer``.
    """
    return BackwardPlayer(root, title, quiz, **draw_options)


def save_backward_html(root: Value, path: str, title: str | None = None, quiz: bool = False, **draw_options) -> str:
    """Write the step-through player of ``root`` as a single HTML file; ``show_backward(...).save(path)``.

    Each picture is shown whole (fitted to the pane's width and height, never enlarged), its inputs, output
    and legend in view; the zoom buttons (-, fit, +) make it smaller or larger, and a picture larger than the
    pane scrolls at each step to the step's node and the edges it sends gradient along."""
    return show_backward(root, title, quiz, **draw_options).save(path)

