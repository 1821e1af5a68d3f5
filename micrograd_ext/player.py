"""Pictures of backpropagation: one frame per step, and a self-contained player to step through them, shown
inline in a notebook (``show_backward``) or saved as one HTML file (``save_backward_html``).

>>> from micrograd_ext import Value
>>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.label = 'y'
>>> frames = backward_frames(y)
>>> len(frames), frames[0].text
(3, 'start: dy/dy = 1; every other grad is pending')
"""
from __future__ import annotations

import hashlib
import html
import itertools
import json
from dataclasses import dataclass

from .engine import Value
from .naming import derivative
from .nn import write_atomically
from .steps import BackwardSteps
from .viz import Drawing, GraphTooLargeError, draw_dot, render_source
from .viz.draw import HIGHLIGHT


@dataclass
class Frame:
    """One picture of the backward pass: what the step did, and the graph right after it."""
    index: int
    text: str
    drawing: Drawing

    def svg(self) -> str:
        svg = render_source(self.drawing.source, 'svg').decode('utf-8')
        return svg[svg.index('<svg'):]  # drop the XML prolog so the SVG can sit inside HTML


PLAYERS_MADE = itertools.count()
MAX_DRAWN_NODES = 20_000  # over all frames: about 100 steps of a 200-node graph, a player of a few MB


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
    frames = [Frame(0, start + (f'\nnote: {steps.warning}' if steps.warning else ''), picture(highlight=[root]))]
    for step in steps:
        reached.update(step.node._prev)
        frames.append(Frame(step.index, str(step), picture(
            highlight=[step.node], highlight_edges=[(child, step.node) for child in step.node._prev])))
    return frames


class BackwardPlayer:
    """The step-through player of a backward pass: inline in a notebook, as text, or saved as a file.

    In Jupyter, JupyterLab, VS Code and Colab it shows itself (``_repr_html_``): the pictures, Prev / Next /
    Play, a slider, zoom and each step's text, with no external scripts, styles or fonts; every player on a
    page has its own ids, so several players move independently. In a terminal its text lists the steps.
    ``save(path)`` writes the same player as one HTML file (atomically).

    It draws one picture per step, at most 20,000 nodes over all pictures (about 100 steps of a 200-node
    graph, a few MB of HTML); a larger graph raises ``GraphTooLargeError`` with advice before drawing.
    Making it runs the steps, so afterwards every ``.grad`` is what ``backward()`` gives.

    >>> from micrograd_ext import Value
    >>> x = Value(2.0, label='x'); y = x * x; y.label = 'y'
    >>> print(show_backward(y))
    start: dy/dy = 1; every other grad is pending
    step 1/1  y = x*x  [*]  x.grad += (x = 2.0000) * 1.0000 = 2.0000 ; ...
    """

    def __init__(self, root: Value, title: str | None = None, **draw_options):
        self.frames = backward_frames(root, **draw_options)
        self.title = title or f'Backpropagation through {root.label or "the graph"}'
        content = hashlib.sha1('\n'.join(frame.drawing.source for frame in self.frames).encode()).hexdigest()[:10]
        self.id = f'mgx-player-{content}-{next(PLAYERS_MADE)}'  # unique on a page; the same when a notebook reruns

    def __repr__(self) -> str:
        return '\n'.join(frame.text for frame in self.frames)

    def _repr_html_(self) -> str:
        pictures = '\n'.join(f'<div class="mgx-frame" data-frame="{f.index}"{" hidden" if f.index else ""}>'
                             f'{f.svg()}</div>' for f in self.frames)  # without scripts (untrusted): frame 0
        texts = json.dumps([f.text for f in self.frames]).replace('</', '<\\/')
        return PLAYER.format(id=self.id, title=html.escape(self.title), last=len(self.frames) - 1, pictures=pictures,
                             first=html.escape(self.frames[0].text), highlight=HIGHLIGHT, texts=texts)

    def save(self, path: str) -> str:
        """Write the player as a single HTML file (no network); returns ``path``."""
        page = PAGE.format(title=html.escape(self.title), player=self._repr_html_())
        write_atomically(path, page.encode('utf-8'))
        return path


def show_backward(root: Value, title: str | None = None, **draw_options) -> BackwardPlayer:
    """The step-through player of ``root``'s backward pass, shown inline when it is a notebook cell's result.

    ``draw_options`` are ``draw_dot``'s (``rankdir``, ``cluster=True``, ...). See ``BackwardPlayer``.
    """
    return BackwardPlayer(root, title, **draw_options)


def save_backward_html(root: Value, path: str, title: str | None = None, **draw_options) -> str:
    """Write the step-through player of ``root`` as a single HTML file; ``show_backward(...).save(path)``.

    Pictures fit the page's width but are never shrunk below 75% (labels stay 10 px or larger): a wider
    graph scrolls to show each step's node and the edges it sends gradient along, and the zoom buttons
    (-, fit, +) make it larger or smaller."""
    return show_backward(root, title, **draw_options).save(path)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style> body {{ margin: 1em .6em; }} </style></head>
<body>
{player}
</body></html>
"""

PLAYER = """<div class="mgx-player" id="{id}" tabindex="0">
<style>
 #{id} {{ font-family: Helvetica, Arial, sans-serif; outline: none; }}
 #{id} .mgx-title {{ font-size: 1.4em; font-weight: bold; margin: .4em 0 .8em; }}
 #{id} .mgx-controls {{ display: flex; flex-wrap: wrap; gap: .6em; align-items: center; margin-bottom: 1em; }}
 #{id} .mgx-graph {{ overflow: auto; max-height: 75vh; border: 1px solid #e9ecef; }}
 #{id} .mgx-text {{ white-space: pre-wrap; font-family: Menlo, Consolas, monospace; font-size: 15px;
          background: #f8f9fa; color: #212529; padding: .8em 1em; border-radius: 6px; margin-bottom: 1em; }}
 #{id} button {{ font-size: 15px; padding: .3em .9em; }}
</style>
<div class="mgx-title">{title}</div>
<div class="mgx-controls">
 <button data-part="prev">&#9664; Prev</button><button data-part="play">Play</button><button data-part="next">Next &#9654;</button>
 <input data-part="slider" type="range" min="0" max="{last}" value="0" step="1">
 <span data-part="counter"></span>
 <span>zoom <button data-part="zoom-out" title="smaller">&minus;</button><button data-part="zoom-fit"
  title="fit the width (text stays legible: scroll to pan)">fit</button><button data-part="zoom-in" title="larger">+</button></span>
</div>
<div class="mgx-text" data-part="text">{first}</div>
<div class="mgx-graph" data-part="graph">
{pictures}
</div>
<script>
(function () {{  // everything below looks only inside this player, so several players on a page do not interfere
const root = document.getElementById('{id}'), part = name => root.querySelector('[data-part="' + name + '"]');
const texts = {texts};
const MIN_FIT = 0.75;  // fitting never shrinks a picture below 75%: Graphviz's 10-11 pt labels stay at 10 px or more
const CHILD_LABEL = 120;  // px left of a red edge's start: the child's name, at the left of its box
let current = 0, timer = null, zoom = null, shown = 1;  // zoom null: fit the width, down to MIN_FIT (then scroll)
function layout() {{  // every frame at one size (the largest), so the picture does not shift on Next
  const width = part('graph').clientWidth - 2, svgs = [...root.querySelectorAll('.mgx-frame svg')];
  svgs.forEach(svg => {{ if (!svg.dataset.width) {{
    svg.dataset.width = svg.width.baseVal.value; svg.dataset.height = svg.height.baseVal.value;
    svg.setAttribute('preserveAspectRatio', 'xMinYMin meet'); }} }});
  const most = Math.max(...svgs.map(svg => Number(svg.dataset.width)));
  const tallest = Math.max(...svgs.map(svg => Number(svg.dataset.height)));
  shown = zoom === null ? Math.max(MIN_FIT, Math.min(1, width / most)) : zoom;
  svgs.forEach(svg => {{  // inline styles: a notebook's stylesheet (max-width: 100%, height: auto) must not shrink it
    svg.style.width = most * shown + 'px'; svg.style.height = tallest * shown + 'px'; svg.style.maxWidth = 'none'; }});
}}
function setZoom(z) {{ zoom = z === null ? null : Math.max(0.25, Math.min(4, z)); layout(); }}
function frame(k) {{ return root.querySelector('.mgx-frame[data-frame="' + k + '"]'); }}
function show(k) {{
  current = Math.max(0, Math.min(texts.length - 1, k));
  root.querySelectorAll('.mgx-frame').forEach(f => f.hidden = f !== frame(current));
  part('text').textContent = texts[current];
  part('slider').value = current;
  part('counter').textContent = 'frame ' + current + ' of ' + (texts.length - 1);
  reveal();
}}
function reveal() {{  // scroll a wide picture to the step's node and the edges its gradient flows along
  const pane = part('graph'), view = pane.getBoundingClientRect();
  const marked = [...frame(current).querySelectorAll('[stroke="{highlight}"]')].map(e => e.getBoundingClientRect());
  if (!marked.length) return;
  const left = Math.min(...marked.map(r => r.left)) - CHILD_LABEL, right = Math.max(...marked.map(r => r.right));
  const top = Math.min(...marked.map(r => r.top)), bottom = Math.max(...marked.map(r => r.bottom));
  const fit = (low, high, start, size) => high - low <= size ? (low + high - size) / 2 - start : high - start - size;
  pane.scrollLeft += fit(left, right, view.left, pane.clientWidth);
  pane.scrollTop += fit(top, bottom, view.top, pane.clientHeight);
}}
function play() {{
  if (timer) {{ clearInterval(timer); timer = null; part('play').textContent = 'Play'; return; }}
  if (current === texts.length - 1) show(0);
  part('play').textContent = 'Pause';
  timer = setInterval(() => {{ if (current >= texts.length - 1) play(); else show(current + 1); }}, 1200);
}}
part('prev').onclick = () => show(current - 1);
part('next').onclick = () => show(current + 1);
part('play').onclick = play;
part('zoom-in').onclick = () => setZoom(shown * 1.25);
part('zoom-out').onclick = () => setZoom(shown / 1.25);
part('zoom-fit').onclick = () => setZoom(null);
part('slider').oninput = e => show(Number(e.target.value));
window.addEventListener('resize', layout);
root.addEventListener('keydown', e => {{  // arrow keys move the player that has the focus (click it first)
  if (e.key === 'ArrowRight') show(current + 1); if (e.key === 'ArrowLeft') show(current - 1); }});
layout();
show(0);
}})();
</script>
</div>
"""
