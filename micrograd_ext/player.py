"""Pictures of backpropagation: one frame per step, and a self-contained HTML player to step through them.

>>> from micrograd_ext import Value
>>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.label = 'y'
>>> frames = backward_frames(y)
>>> len(frames), frames[0].text
(3, 'start: dy/dy = 1; every other grad is pending')
"""
from __future__ import annotations

import html
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


def save_backward_html(root: Value, path: str, title: str | None = None, **draw_options) -> str:
    """Write a single HTML file (no network, no external scripts) that plays the backward pass of ``root``
    with Prev / Next / Play buttons, a slider and each step's text beside the graph. Returns ``path``.

    Pictures fit the page's width but are never shrunk below 75% (labels stay 10 px or larger): a wider
    graph scrolls to show each step's node and the edges it sends gradient along, and the zoom buttons
    (-, fit, +) make it larger or smaller."""
    frames = backward_frames(root, **draw_options)
    title = title or f'Backpropagation through {root.label or "the graph"}'
    pictures = '\n'.join(f'<div class="frame" id="frame-{f.index}" hidden>{f.svg()}</div>' for f in frames)
    page = PAGE.format(title=html.escape(title), last=len(frames) - 1, pictures=pictures, highlight=HIGHLIGHT,
                       texts=json.dumps([f.text for f in frames]).replace('</', '<\\/'))
    write_atomically(path, page.encode('utf-8'))
    return path


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
 body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em .6em; }}
 .controls {{ display: flex; gap: .6em; align-items: center; margin-bottom: 1em; }}
 .graph {{ overflow: auto; max-height: 75vh; border: 1px solid #e9ecef; }}
 #text {{ white-space: pre-wrap; font-family: Menlo, Consolas, monospace; font-size: 15px;
          background: #f8f9fa; padding: .8em 1em; border-radius: 6px; margin-bottom: 1em; }}
 button {{ font-size: 15px; padding: .3em .9em; }}
</style></head>
<body>
<h2>{title}</h2>
<div class="controls">
 <button id="prev">&#9664; Prev</button><button id="play">Play</button><button id="next">Next &#9654;</button>
 <input id="slider" type="range" min="0" max="{last}" value="0" step="1">
 <span id="counter"></span>
 <span class="zoom">zoom <button id="zoom-out" title="smaller">&minus;</button><button id="zoom-fit"
  title="fit the width (text stays legible: scroll to pan)">fit</button><button id="zoom-in" title="larger">+</button></span>
</div>
<div id="text"></div>
<div class="graph">
{pictures}
</div>
<script>
const texts = {texts};
const MIN_FIT = 0.75;  // fitting never shrinks a picture below 75%: Graphviz's 10-11 pt labels stay at 10 px or more
const CHILD_LABEL = 120;  // px left of a red edge's start: the child's name, at the left of its box
let current = 0, timer = null, zoom = null, shown = 1;  // zoom null: fit the width, down to MIN_FIT (then scroll)
function layout() {{  // every frame at one size (the largest), so the picture does not shift on Next
  const width = document.querySelector('.graph').clientWidth - 2, svgs = [...document.querySelectorAll('.frame svg')];
  svgs.forEach(svg => {{ if (!svg.dataset.width) {{
    svg.dataset.width = svg.width.baseVal.value; svg.dataset.height = svg.height.baseVal.value;
    svg.setAttribute('preserveAspectRatio', 'xMinYMin meet'); }} }});
  const most = Math.max(...svgs.map(svg => Number(svg.dataset.width)));
  const tallest = Math.max(...svgs.map(svg => Number(svg.dataset.height)));
  shown = zoom === null ? Math.max(MIN_FIT, Math.min(1, width / most)) : zoom;
  svgs.forEach(svg => {{ svg.setAttribute('width', most * shown); svg.setAttribute('height', tallest * shown); }});
}}
function setZoom(z) {{ zoom = z === null ? null : Math.max(0.25, Math.min(4, z)); layout(); }}

function show(k) {{
  current = Math.max(0, Math.min(texts.length - 1, k));
  document.querySelectorAll('.frame').forEach(f => f.hidden = f.id !== 'frame-' + current);
  document.getElementById('text').textContent = texts[current];
  document.getElementById('slider').value = current;
  document.getElementById('counter').textContent = 'frame ' + current + ' of ' + (texts.length - 1);
  reveal();
}}
function reveal() {{  // scroll a wide picture to the step's node and the edges its gradient flows along
  const pane = document.querySelector('.graph'), view = pane.getBoundingClientRect();
  const marked = [...document.querySelectorAll('#frame-' + current + ' [stroke="{highlight}"]')]
    .map(e => e.getBoundingClientRect());
  if (!marked.length) return;
  const left = Math.min(...marked.map(r => r.left)) - CHILD_LABEL, right = Math.max(...marked.map(r => r.right));
  const top = Math.min(...marked.map(r => r.top)), bottom = Math.max(...marked.map(r => r.bottom));
  const fit = (low, high, start, size) => high - low <= size ? (low + high - size) / 2 - start : high - start - size;
  pane.scrollLeft += fit(left, right, view.left, pane.clientWidth);
  pane.scrollTop += fit(top, bottom, view.top, pane.clientHeight);
}}
function play() {{
  if (timer) {{ clearInterval(timer); timer = null; document.getElementById('play').textContent = 'Play'; return; }}
  if (current === texts.length - 1) show(0);
  document.getElementById('play').textContent = 'Pause';
  timer = setInterval(() => {{ if (current >= texts.length - 1) play(); else show(current + 1); }}, 1200);
}}
document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
document.getElementById('play').onclick = play;
document.getElementById('zoom-in').onclick = () => setZoom(shown * 1.25);
document.getElementById('zoom-out').onclick = () => setZoom(shown / 1.25);
document.getElementById('zoom-fit').onclick = () => setZoom(null);
window.addEventListener('resize', layout);
document.getElementById('slider').oninput = e => show(Number(e.target.value));
document.addEventListener('keydown', e => {{ if (e.key === 'ArrowRight') show(current + 1); if (e.key === 'ArrowLeft') show(current - 1); }});
layout();
show(0);
</script>
</body></html>
"""
