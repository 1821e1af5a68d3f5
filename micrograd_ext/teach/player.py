"""Pictures of backpropagation: one frame per step, and a self-contained player to step through them, shown
inline in a notebook (``show_backward``) or saved as one HTML file (``save_backward_html``).

>>> from micrograd_ext import Value
>>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.label = 'y'
>>> frames = backward_frames(y)
>>> len(frames), frames[0].text
(3, 'start: dy/dy = 1; every other grad is pending')
"""
from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
from dataclasses import dataclass
from typing import cast

from ..core.engine import Value
from ..viz.naming import derivative
from ..core.files import write_atomically
from .quiz import ANSWERS, HINT, NUMBER, SHOW, player_questions
from .steps import BackwardStep, BackwardSteps
from ..viz import Drawing, GraphTooLargeError, draw_dot, render_source
from ..viz.draw import HIGHLIGHT


@dataclass
class Frame:
    """One picture of the backward pass: what the step did, and the graph right after it."""
    index: int
    text: str
    drawing: Drawing
    step: BackwardStep | None = None  # None for the seed

    def svg(self) -> str:
        """The picture as SVG markup to sit inside HTML: no XML prolog, comments or Graphviz's tooltips."""
        svg = render_source(self.drawing.source, 'svg').decode('utf-8')
        svg = re.sub(r'<!--.*?-->\s*|<title>[^<]*</title>\s*', '', svg[svg.index('<svg'):], flags=re.S)
        return svg.strip()


PLAYERS_MADE = itertools.count()
MAX_DRAWN_NODES = 8_000  # over all frames: about 60 steps of a 130-node graph, some 10 MB of HTML


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
        first = base64.b64encode(svgs[0].encode('utf-8')).decode('ascii')  # an <img> survives a sanitizer
        quiz = {'quiz_panel': '', 'quiz_script': ''}
        if self.quiz:
            steps = cast(list[BackwardStep], [frame.step for frame in self.frames[1:]])  # only the seed has none
            questions = [None, *player_questions(steps)]
            quiz = {'quiz_panel': QUIZ_PANEL.format(id=self.id, help=html.escape(QUIZ_HELP)),
                    'quiz_script': QUIZ_SCRIPT.format(questions=_script_json(questions), number=json.dumps(NUMBER),
                                                      show=json.dumps(SHOW), hint=json.dumps(HINT))}
        return PLAYER.format(id=self.id, title=html.escape(self.title), last=len(self.frames) - 1, first_picture=first,
                             first=html.escape(self.frames[0].text), highlight=HIGHLIGHT,
                             texts=_script_json([f.text for f in self.frames]), svgs=_script_json(svgs), **quiz)

    def save(self, path: str) -> str:
        """Write the player as a single HTML file (no network); returns ``path``."""
        page = PAGE.format(title=html.escape(self.title), player=self._repr_html_())
        write_atomically(path, page.encode('utf-8'))
        return path


def _script_json(items: list) -> str:
    """A JSON list that can sit inside a <script> element."""
    return json.dumps(items).replace('</', '<\\/')


def show_backward(root: Value, title: str | None = None, quiz: bool = False, **draw_options) -> BackwardPlayer:
    """The step-through player of ``root``'s backward pass, shown inline when it is a notebook cell's result.

    ``quiz=True``: predict each step before it is shown. ``draw_options`` are ``draw_dot``'s (``rankdir``,
    ``cluster=True``, ...). See ``BackwardPlayer``.
    """
    return BackwardPlayer(root, title, quiz, **draw_options)


def save_backward_html(root: Value, path: str, title: str | None = None, quiz: bool = False, **draw_options) -> str:
    """Write the step-through player of ``root`` as a single HTML file; ``show_backward(...).save(path)``.

    Pictures fit the page's width but are never shrunk below 76% (labels stay 10 px or larger): a wider
    graph scrolls to show each step's node and the edges it sends gradient along, and the zoom buttons
    (-, fit, +) make it larger or smaller."""
    return show_backward(root, title, quiz, **draw_options).save(path)


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
 #{id} .mgx-graph svg {{ display: block; }}
 #{id} .mgx-text {{ white-space: pre-wrap; font-family: Menlo, Consolas, monospace; font-size: 15px;
          background: #f8f9fa; color: #212529; padding: .8em 1em; border-radius: 6px; margin-bottom: 1em; }}
 #{id} button {{ font-size: 15px; padding: .3em .9em; }}
</style>
<div class="mgx-title">{title}</div>
<div class="mgx-controls" style="display: none">
 <button data-part="prev">&#9664; Prev</button><button data-part="play">Play</button><button data-part="next">Next &#9654;</button>
 <input data-part="slider" type="range" min="0" max="{last}" value="0" step="1">
 <span data-part="counter"></span>
 <span>zoom <button data-part="zoom-out" title="smaller">&minus;</button><button data-part="zoom-fit"
  title="fit the width (text stays legible: scroll to pan)">fit</button><button data-part="zoom-in" title="larger">+</button></span>
</div>
<div class="mgx-note"><i>This is the first step. To step through the others, run this cell (or trust the notebook):
the player's buttons need its script.</i></div>
<div class="mgx-text" data-part="text">{first}</div>{quiz_panel}
<div class="mgx-graph" data-part="graph"><img alt="the graph before the first step"
 src="data:image/svg+xml;base64,{first_picture}"></div>
<script>
(function () {{  // everything below looks only inside this player, so several players on a page do not interfere
const root = (document.currentScript && document.currentScript.closest('.mgx-player')) || document.getElementById('{id}');
const part = name => root.querySelector('[data-part="' + name + '"]');
const texts = {texts}, svgs = {svgs};
const MIN_FIT = 0.76;  // fitting never shrinks a picture below 76%: Graphviz's 10-11 pt labels stay above 10 px
const CHILD_LABEL = 120;  // px left of a red edge's start: the child's name, at the left of its box
let current = 0, timer = null, zoom = null, shown = 1;  // zoom null: fit the width, down to MIN_FIT (then scroll)
part('graph').innerHTML = svgs.map((svg, k) => '<div class="mgx-frame" data-frame="' + k + '"' + (k ? ' hidden' : '')
  + '>' + svg + '</div>').join('');
root.querySelector('.mgx-note').remove();
root.querySelector('.mgx-controls').style.display = '';
function layout() {{  // every frame at one size (the largest), so the picture does not shift on Next
  const width = part('graph').clientWidth - 2, all = [...root.querySelectorAll('.mgx-frame svg')];
  if (width <= 0) return;  // not on screen yet (a background tab): the observer calls again
  all.forEach(svg => {{ if (!svg.dataset.width) {{
    svg.dataset.width = svg.width.baseVal.value; svg.dataset.height = svg.height.baseVal.value;
    svg.setAttribute('preserveAspectRatio', 'xMinYMin meet'); }} }});
  const most = Math.max(...all.map(svg => Number(svg.dataset.width)));
  const tallest = Math.max(...all.map(svg => Number(svg.dataset.height)));
  shown = zoom === null ? Math.max(MIN_FIT, Math.min(1, width / most)) : zoom;
  all.forEach(svg => {{  // inline styles: a notebook's stylesheet (max-width: 100%, height: auto) must not shrink it
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
let width = -1;  // re-fit when the pane's width changes: a window, a notebook's sidebar, a tab shown again
new ResizeObserver(() => {{ const now = part('graph').clientWidth;
  if (now !== width) {{ width = now; layout(); reveal(); }} }}).observe(part('graph'));
root.addEventListener('keydown', e => {{  // arrow keys move the player that has the focus (click it first)
  if (e.key === 'ArrowRight') show(current + 1); if (e.key === 'ArrowLeft') show(current - 1); }});
{quiz_script}layout();
show(0);
}})();
</script>
</div>
"""

QUIZ_HELP = f"Predict what this step adds to each child's grad: {ANSWERS}. Check (or Enter) marks and reveals it."

QUIZ_PANEL = """
<style>
 #{id} .mgx-quiz {{ font-size: 15px; color: #212529; background: #f1f4ff; border: 2px solid #4c6ef5;
          border-radius: 6px; padding: .7em 1em; margin-bottom: 1em; }}
 #{id} .mgx-quiz-score {{ float: right; font-weight: bold; }}
 #{id} .mgx-quiz-question, #{id} .mgx-quiz-row, #{id} .mgx-quiz-mark {{ font-family: Menlo, Consolas, monospace; }}
 #{id} .mgx-quiz-question {{ white-space: pre-wrap; font-weight: bold; margin-bottom: .5em; }}
 #{id} [data-part="rows"] {{ display: grid; grid-template-columns: max-content 11em; gap: .4em .6em;
          align-items: center; margin-bottom: .6em; }}
 #{id} .mgx-quiz-row {{ display: contents; }}
 #{id} .mgx-quiz-row input {{ font: inherit; padding: .15em .35em; }}
 #{id} .mgx-quiz-mark {{ white-space: pre-wrap; margin: .25em 0; }}
 #{id} [data-part="marks"]:not(:empty) {{ padding-bottom: .5em; margin-bottom: .6em;
          border-bottom: 1px solid #bac8ff; }}
 #{id} .mgx-quiz-right {{ color: #1b6e2e; }}
 #{id} .mgx-quiz-wrong {{ color: #c92a2a; }}
 #{id} .mgx-quiz-help {{ color: #495057; font-size: 13px; margin-top: .5em; }}
</style>
<div class="mgx-quiz" data-part="quiz" hidden>
 <div class="mgx-quiz-score" data-part="score"></div>
 <div data-part="marks"></div>
 <div data-part="ask">
  <div class="mgx-quiz-question" data-part="question"></div>
  <div data-part="rows"></div>
  <button data-part="check">Check</button> <button data-part="show">Show answer</button>
  <span class="mgx-quiz-wrong" data-part="message"></span>
  <div class="mgx-quiz-help" data-part="help">{help}</div>
 </div>
</div>"""

QUIZ_SCRIPT = """const questions = {questions}, SHOW = {show}, HINT = {hint};
const NUMBER = new RegExp('^(?:' + {number} + ')$');
let revealed = 0, right = 0, asked = 0;  // frames after the first unanswered step wait for its answers
const marks = [], plainShow = show;
show = k => {{ if (k > revealed && timer) play(); plainShow(Math.min(k, revealed)); quiz(); }};
function quiz() {{  // the marks of the step shown, and at the newest step the next question
  part('marks').replaceChildren(...(marks[current] || []).map(([kind, text]) => {{
    const mark = document.createElement('div'); mark.className = 'mgx-quiz-mark mgx-quiz-' + kind;
    mark.textContent = text; return mark; }}));
  const next = revealed + 1, open = current === revealed && next < texts.length;
  part('ask').hidden = !open;
  part('score').textContent = (next < texts.length ? 'score ' : 'final score ') + right + '/' + asked;
  part('help').hidden = asked > 0;  // said once, with the first question
  if (!open || part('rows').dataset.step === String(next)) return;
  part('rows').dataset.step = next;
  part('question').textContent = questions[next].question;
  part('message').textContent = '';
  part('rows').replaceChildren(...questions[next].children.map(child => {{
    const row = document.createElement('label'), input = document.createElement('input');
    row.className = 'mgx-quiz-row';
    row.append(Object.assign(document.createElement('span'), {{textContent: child.ask}}));
    Object.assign(input, {{type: 'text', inputMode: 'decimal', autocomplete: 'off', spellcheck: false}});
    row.append(input); return row; }}));
  if (asked) part('rows').querySelector('input').focus({{preventScroll: true}});  // not on load: keep a notebook's
}}
function parse(text) {{  // a number, null for "show the answer", undefined if it is neither (as quiz.parse_answer)
  text = text.replace(/\\u2212/g, '-');
  if (SHOW.includes(text.toLowerCase())) return null;
  const parts = text.split('/').map(p => p.trim().replace(/^([+-])\\s+/, '$1'));
  if (parts.length > 2 || !parts.every(p => NUMBER.test(p))) return undefined;
  const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(parts[0]);
  return isFinite(value) ? value : undefined;
}}
function check(shown) {{
  const step = revealed + 1, inputs = [...part('rows').querySelectorAll('input')];
  const typed = inputs.map(input => input.value.trim()), values = typed.map(text => shown ? null : parse(text));
  const bad = values.indexOf(undefined);
  if (bad >= 0) {{
    part('message').textContent = (typed[bad] ? "'" + typed[bad] + "': " : '') + HINT;
    inputs[bad].focus(); return;
  }}
  marks[step] = questions[step].children.map((child, i) => {{
    const good = values[i] !== null && Math.abs(values[i] - child.value) <= child.tolerance;
    asked += 1; right += good;
    if (good) return ['right', child.right];
    return ['wrong', values[i] === null ? child.shown : child.wrong.replace('{{given}}', typed[i])];
  }});
  revealed = step;
  show(step);
}}
part('check').onclick = () => check(false);
part('show').onclick = () => check(true);
part('quiz').addEventListener('keydown', e => {{  // typing in an answer does not move the player
  e.stopPropagation(); if (e.key === 'Enter' && e.target.tagName === 'INPUT') check(false); }});
part('quiz').hidden = false;
"""
