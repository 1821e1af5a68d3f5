/* The step-through player of micrograd_ext.teach.player: Prev / Next / Play, a slider, zoom, each step's text,
   and in a quiz an answer box before each step. It is inlined into every player, just before the JSON block
   (the script element of type application/json, data-part "data") that holds the player's data:
   {id, texts, svgs, highlight, quiz}, the quiz null or {questions, number, show, hint, help}.
   Everything below looks only inside its own player, so several players on a page do not interfere. */
(function () {
  'use strict';
  const DATA = 'script[type="application/json"][data-part="data"]';
  // A notebook that runs an output's scripts away from it (classic Jupyter) leaves no current script inside the
  // player; then it is the first player on the page whose script has not run yet.
  const script = document.currentScript;
  const root = (script && script.closest('.mgx-player'))
    || [...document.querySelectorAll('.mgx-player:not([data-started])')].find(player => player.querySelector(DATA));
  if (!root || 'started' in root.dataset) return;
  root.dataset.started = '';
  if (root.querySelector(DATA)) start();
  else document.addEventListener('DOMContentLoaded', start);  // a page still loading: the data comes after this

  function start() {
    const data = JSON.parse(root.querySelector(DATA).textContent), texts = data.texts, quiz = data.quiz;
    const part = name => root.querySelector('[data-part="' + name + '"]');
    const CHILD_LABEL = 120;  // px left of a red edge's start: the child's name, at the left of its box
    let current = 0, timer = null, zoom = null, shown = 1;  // zoom null: fit, the whole picture in the pane
    let revealed = quiz ? 0 : texts.length - 1;  // in a quiz, the frames after the first unanswered step wait
    root.id = data.id;
    part('graph').innerHTML = data.svgs.map((svg, k) => '<div class="mgx-frame" data-frame="' + k + '"'
      + (k ? ' hidden' : '') + '>' + svg + '</div>').join('');
    part('slider').max = texts.length - 1;
    root.querySelector('.mgx-note').remove();
    root.querySelector('.mgx-controls').style.display = '';

    function layout() {  // every frame at one size (the largest), so the picture does not shift on Next
      const pane = part('graph'), all = [...root.querySelectorAll('.mgx-frame svg')];
      const width = pane.clientWidth - 2, room = parseFloat(getComputedStyle(pane).maxHeight) - 2;  // 75vh
      if (width <= 0) return;  // not on screen yet (a background tab): the observer calls again
      all.forEach(svg => {
        if (!svg.dataset.width) {
          svg.dataset.width = svg.width.baseVal.value; svg.dataset.height = svg.height.baseVal.value;
          svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
        }
      });
      const most = Math.max(...all.map(svg => Number(svg.dataset.width)));
      const tallest = Math.max(...all.map(svg => Number(svg.dataset.height)));
      // fit: the whole picture, its inputs, its output and the legend, in the pane's width and height (never
      // enlarged); zoom in (+) to read a large graph's labels, and each step then scrolls to its node
      const fit = Math.min(1, width / most, room > 0 ? room / tallest : Infinity);
      shown = zoom === null ? fit : zoom;
      all.forEach(svg => {  // inline styles: a notebook's stylesheet (max-width: 100%, height: auto) must not shrink it
        svg.style.width = most * shown + 'px'; svg.style.height = tallest * shown + 'px'; svg.style.maxWidth = 'none';
      });
    }
    function setZoom(z) { zoom = z === null ? null : Math.max(0.25, Math.min(4, z)); layout(); }
    function frame(k) { return root.querySelector('.mgx-frame[data-frame="' + k + '"]'); }
    function show(k) {
      if (quiz && k > revealed && timer) play();  // playing a quiz stops at the first unanswered step
      current = Math.max(0, Math.min(revealed, k));
      root.querySelectorAll('.mgx-frame').forEach(f => { f.hidden = f !== frame(current); });
      part('text').textContent = texts[current];
      part('slider').value = current;
      part('counter').textContent = 'frame ' + current + ' of ' + (texts.length - 1);
      reveal();
      if (quiz) ask();
    }
    function reveal() {  // scroll a wide picture to the step's node and the edges its gradient flows along
      const pane = part('graph'), view = pane.getBoundingClientRect();
      const marked = [...frame(current).querySelectorAll('[stroke="' + data.highlight + '"]')]
        .filter(e => !e.closest('[data-legend]'))  // not the legend's red
        .map(e => e.getBoundingClientRect());
      if (!marked.length) return;
      const left = Math.min(...marked.map(r => r.left)) - CHILD_LABEL, right = Math.max(...marked.map(r => r.right));
      const top = Math.min(...marked.map(r => r.top)), bottom = Math.max(...marked.map(r => r.bottom));
      const fit = (low, high, start, size) =>
        high - low <= size ? (low + high - size) / 2 - start : high - start - size;
      pane.scrollLeft += fit(left, right, view.left, pane.clientWidth);
      pane.scrollTop += fit(top, bottom, view.top, pane.clientHeight);
    }
    function play() {
      if (timer) { clearInterval(timer); timer = null; part('play').textContent = 'Play'; return; }
      if (current === texts.length - 1) show(0);
      part('play').textContent = 'Pause';
      timer = setInterval(() => { if (current >= texts.length - 1) play(); else show(current + 1); }, 1200);
    }
    part('prev').onclick = () => show(current - 1);
    part('next').onclick = () => show(current + 1);
    part('play').onclick = play;
    part('zoom-in').onclick = () => setZoom(shown * 1.25);
    part('zoom-out').onclick = () => setZoom(shown / 1.25);
    part('zoom-fit').onclick = () => setZoom(null);
    part('slider').oninput = e => show(Number(e.target.value));
    let width = -1;  // re-fit when the pane's width changes: a window, a notebook's sidebar, a tab shown again
    new ResizeObserver(() => {
      const now = part('graph').clientWidth;
      if (now !== width) { width = now; layout(); reveal(); }
    }).observe(part('graph'));
    root.addEventListener('keydown', e => {  // arrow keys move the player that has the focus (click it first)
      if (e.key === 'ArrowRight') show(current + 1);
      if (e.key === 'ArrowLeft') show(current - 1);
    });

    // ---- the quiz: before each step, what it adds to each child's grad (marked as micrograd_ext.teach.quiz does)
    const NUMBER = quiz && new RegExp('^(?:' + quiz.number + ')$');
    const marks = [];
    let right = 0, asked = 0;
    function ask() {  // the marks of the step shown, and at the newest step the next question
      part('marks').replaceChildren(...(marks[current] || []).map(([kind, text]) => {
        const mark = document.createElement('div');
        mark.className = 'mgx-quiz-mark mgx-quiz-' + kind; mark.textContent = text;
        return mark;
      }));
      const next = revealed + 1, open = current === revealed && next < texts.length;
      part('ask').hidden = !open;
      part('score').textContent = (next < texts.length ? 'score ' : 'final score ') + right + '/' + asked;
      part('help').hidden = asked > 0;  // said once, with the first question
      if (!open || part('rows').dataset.step === String(next)) return;
      part('rows').dataset.step = next;
      part('question').textContent = quiz.questions[next].question;
      part('message').textContent = '';
      part('rows').replaceChildren(...quiz.questions[next].children.map(child => {
        const row = document.createElement('label'), input = document.createElement('input');
        row.className = 'mgx-quiz-row';
        row.append(Object.assign(document.createElement('span'), {textContent: child.ask}));
        Object.assign(input, {type: 'text', inputMode: 'decimal', autocomplete: 'off', spellcheck: false});
        row.append(input);
        return row;
      }));
      if (asked) part('rows').querySelector('input').focus({preventScroll: true});  // not on load: keep a notebook's
    }
    function parse(text) {  // a number, null for "show the answer", undefined if it is neither (as quiz.parse_answer)
      text = text.replace(/\u2212/g, '-');
      if (quiz.show.includes(text.toLowerCase())) return null;
      const parts = text.split('/').map(p => p.trim().replace(/^([+-])\s+/, '$1'));
      if (parts.length > 2 || !parts.every(p => NUMBER.test(p))) return undefined;
      const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(parts[0]);
      return isFinite(value) ? value : undefined;
    }
    function check(showAnswer) {
      const step = revealed + 1, inputs = [...part('rows').querySelectorAll('input')];
      const typed = inputs.map(input => input.value.trim());
      const values = typed.map(text => showAnswer ? null : parse(text));
      const bad = values.indexOf(undefined);
      if (bad >= 0) {
        part('message').textContent = (typed[bad] ? "'" + typed[bad] + "': " : '') + quiz.hint;
        inputs[bad].focus();
        return;
      }
      marks[step] = quiz.questions[step].children.map((child, i) => {
        const good = values[i] !== null && Math.abs(values[i] - child.value) <= child.tolerance;
        asked += 1; right += good;
        if (good) return ['right', child.right];
        return ['wrong', values[i] === null ? child.shown : child.wrong.replace('{given}', typed[i])];
      });
      revealed = step;
      show(step);
    }
    if (quiz) {
      part('help').textContent = quiz.help;
      part('check').onclick = () => check(false);
      part('show').onclick = () => check(true);
      part('quiz').addEventListener('keydown', e => {  // typing in an answer does not move the player
        e.stopPropagation();
        if (e.key === 'Enter' && e.target.tagName === 'INPUT') check(false);
      });
      part('quiz').hidden = false;
    }
    layout();
    show(0);
  }
})();
