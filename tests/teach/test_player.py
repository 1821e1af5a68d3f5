"""Frames and the HTML player, checked in a real headless browser."""
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from micrograd_ext.teach.expressions import build_graph
from micrograd_ext.teach.player import backward_frames, save_backward_html

from ..browser import Browser, chromium_or_skip


def neuron():
    return build_graph('tanh(w1*x1 + w2*x2 + b)', dict(x1=2, x2=0, w1=-3, w2=1, b=6.8814))


def test_frames_highlight_the_current_node_and_show_pending_grads():
    y = neuron()
    frames = backward_frames(y)
    assert len(frames) == 1 + 5  # the seed, then one frame per op node
    assert frames[0].drawing.source.count('grad pending') == 9  # all but the output
    assert frames[1].text.startswith('step 1/5') and '[tanh]' in frames[1].text
    assert 'penwidth=2.5' in frames[1].drawing.source  # the edge just used
    assert frames[-1].drawing.source.count('grad pending') == 0
    assert '(stale)' not in ''.join(f.drawing.source for f in frames)
    svg = ET.fromstring(frames[2].svg())
    assert sum(1 for g in svg.iter('{http://www.w3.org/2000/svg}g') if g.get('class') == 'node') >= 15
    grads_after = {n.label: n.grad for n in [y] + list(y._prev)}
    y2 = neuron()
    y2.backward()
    assert grads_after == {n.label: n.grad for n in [y2] + list(y2._prev)}


def test_the_html_file_is_self_contained(tmp_path):
    path = save_backward_html(neuron(), str(tmp_path / 'steps.html'))
    page = open(path, encoding='utf-8').read()
    assert 'http://' not in page.replace('http://www.w3.org', '') and 'https://' not in page
    assert '<script src' not in page and page.count('<svg') == 6


def test_the_player_works_in_a_real_browser(tmp_path):
    chromium_or_skip()
    path = save_backward_html(neuron(), str(tmp_path / 'steps.html'))
    browser = Browser(f'file://{path}')
    try:
        browser.wait_for("location.protocol === 'file:' && document.readyState === 'complete' "
                         "&& document.querySelector('[data-part=text]').textContent")
        assert browser.evaluate("document.querySelector('[data-part=text]').textContent").startswith('start:')
        assert browser.evaluate("document.querySelector('.mgx-frame[data-frame=\"0\"]').hidden") is False
        browser.evaluate("document.querySelector('[data-part=next]').click()")
        text = browser.evaluate("document.querySelector('[data-part=text]').textContent")
        assert text.startswith('step 1/5') and '[tanh]' in text
        assert browser.evaluate("document.querySelector('.mgx-frame[data-frame=\"1\"]').hidden") is False
        assert browser.evaluate("document.querySelector('.mgx-frame[data-frame=\"0\"]').hidden") is True
        browser.evaluate("document.querySelector('[data-part=next]').click(); document.querySelector('[data-part=next]').click()")
        assert browser.evaluate("document.querySelector('[data-part=text]').textContent").startswith('step 3/5')
        browser.evaluate("document.querySelector('[data-part=prev]').click()")
        assert browser.evaluate("document.querySelector('[data-part=slider]').value") == '2'
        browser.evaluate("const s = document.querySelector('[data-part=slider]'); s.value = 5; s.dispatchEvent(new Event('input'))")
        assert browser.evaluate("document.querySelector('[data-part=text]').textContent").startswith('step 5/5')
        browser.evaluate("document.querySelector('[data-part=play]').click()")
        assert browser.wait_for("document.querySelector('[data-part=text]').textContent.startsWith('step 1/5')", timeout=10)
        assert browser.evaluate("document.querySelector('.mgx-frame[data-frame=\"1\"]').querySelector('svg') !== null")
    finally:
        browser.close()


MIN_FONT_PX = '''Math.min(...[...document.querySelectorAll('.mgx-frame:not([hidden]) svg g.node text')].map(t =>
    parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a))'''
# what of the picture's nodes and clusters (the legend's too) lies outside the pane's visible part, and how far
# the pane is scrolled: a picture shown whole has nothing outside and is not scrolled
OUT_OF_VIEW = '''((player) => {
    const pane = player.querySelector('[data-part=graph]'), view = pane.getBoundingClientRect();
    const inside = r => r.left >= view.left - 1 && r.right <= view.left + pane.clientWidth + 1
        && r.top >= view.top - 1 && r.bottom <= view.top + pane.clientHeight + 1;
    const parts = [...player.querySelectorAll('.mgx-frame:not([hidden]) svg g.node, .mgx-frame:not([hidden]) svg g.cluster')];
    return {outside: parts.filter(g => !inside(g.getBoundingClientRect())).map(g => g.id),
            parts: parts.length, scrolled: [pane.scrollLeft, pane.scrollTop]}; })(document.querySelectorAll('.mgx-player')[{k}])'''


def out_of_view(browser, k: int = 0) -> dict:
    return browser.evaluate(OUT_OF_VIEW.replace('{k}', str(k)))


def test_the_first_frame_of_explains_player_shows_the_whole_graph_with_the_legend_beside_it(tmp_path):
    """explain --html opened scrolled to the output: the inputs and the legend off-screen to the left, half the
    pane empty (the legend stood above the graph), and two zoom-outs still did not show it whole."""
    from micrograd_ext.cli import main
    chromium_or_skip()
    path = tmp_path / 'steps.html'
    assert main(['explain', 'tanh(w1*x1 + w2*x2 + b)', '--set', 'x1=2', 'x2=0', 'w1=-3', 'w2=1', 'b=6.8814',
                 '--html', str(path)]) == 0
    browser = Browser(f'file://{path}', width=1200, height=900)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelector('[data-part=counter]').textContent")
        seen = out_of_view(browser)
        assert seen['parts'] >= 10 + 5 + 5 and seen['outside'] == [] and seen['scrolled'] == [0, 0], seen
        beside = browser.evaluate('''(() => {
            const svg = document.querySelector('.mgx-frame:not([hidden]) svg');
            const legend = svg.querySelector('g.cluster[data-legend]').getBoundingClientRect();
            const output = svg.querySelector('g.node:not([data-legend]) [stroke="#e03131"]').getBoundingClientRect();
            const top = Math.min(...[...svg.querySelectorAll('g.node:not([data-legend])')].map(g =>
                g.getBoundingClientRect().top));
            return [legend.left < output.right && output.left < legend.right, legend.top > top]; })()''')
        assert beside == [True, True]  # in the output's column (the output is red at first), not above the inputs
        assert browser.evaluate(MIN_FONT_PX) >= 7  # all of it at 1200 px: 7.3 px labels; + enlarges them
        for _ in range(5):  # the steps keep the whole picture in view
            browser.evaluate("document.querySelector('[data-part=next]').click()")
            assert out_of_view(browser)['outside'] == []
        browser.screenshot(str(tmp_path / 'first.png'))
    finally:
        browser.close()


def test_at_1200_px_a_wide_graph_is_shown_whole_and_zooming_in_follows_the_steps(tmp_path):
    chromium_or_skip()
    y = build_graph('tanh(w1*x1 + w2*x2 + w3*x3 + w4*x4 + b)', dict(x1=2, x2=0, x3=1, x4=-1, w1=-3, w2=1, w3=2, w4=1, b=1))
    path = save_backward_html(y, str(tmp_path / 'long.html'))
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelector('[data-part=text]').textContent")
        assert browser.evaluate('window.innerWidth') == 1200
        assert out_of_view(browser)['outside'] == []  # the whole graph, however small its labels
        assert float(browser.evaluate("getComputedStyle(document.querySelector('[data-part=text]')).fontSize")[:-2]) >= 10
        for _ in range(4):  # + until the labels are 10 px or more
            if browser.evaluate(MIN_FONT_PX) >= 10:
                break
            browser.evaluate("document.querySelector('[data-part=zoom-in]').click()")
        assert browser.evaluate(MIN_FONT_PX) >= 10
        wide = browser.evaluate("document.querySelector('.mgx-frame:not([hidden]) svg').getBoundingClientRect().width")
        assert wide > browser.evaluate("document.querySelector('[data-part=graph]').clientWidth")  # now it scrolls
        for _ in range(3):
            browser.evaluate("document.querySelector('[data-part=next]').click()")
            assert browser.evaluate(MIN_FONT_PX) >= 10
            assert browser.evaluate('''(() => {  // the step's node is in view
                const pane = document.querySelector('[data-part=graph]').getBoundingClientRect();
                const r = document.querySelector('.mgx-frame:not([hidden]) g.node:not([data-legend]) [stroke="#e03131"]')
                    .getBoundingClientRect();
                return r.left >= pane.left - 1 && r.right <= pane.right + 1; })()''')
        browser.evaluate("document.querySelector('[data-part=zoom-fit]').click()")
        assert out_of_view(browser)['outside'] == []  # fit: the whole graph again
        browser.screenshot(str(tmp_path / 'player.png'))
        assert (tmp_path / 'player.png').stat().st_size > 10_000
    finally:
        browser.close()


def test_a_player_too_large_to_draw_is_refused_before_drawing():
    from micrograd_ext.viz import GraphTooLargeError
    y = build_graph('+'.join(['x'] * 200), {'x': 1.0})
    with pytest.raises(GraphTooLargeError, match='the player would draw 200 pictures'):
        backward_frames(y)


def test_a_player_too_large_to_draw_offers_only_what_the_player_can_draw(tmp_path):
    """draw_dot's advice offered collapse='neuron', which the player refuses."""
    from micrograd_ext.learn.nn import Neuron
    from micrograd_ext.viz import GraphTooLargeError
    neuron = Neuron(200, seed=0)
    with pytest.raises(GraphTooLargeError) as caught:
        backward_frames(neuron([0.5] * 200))
    message = str(caught.value)
    assert 'this graph has 403 nodes' in message and 'collapse' not in message and 'backward_steps()' in message
    limits = eval('dict(' + re.search(r'draw_dot\(\.\.\., ([^()]*)\)', message)[1] + ')')  # noqa: S307 (our message)
    assert len(backward_frames(neuron([0.5] * 200), **limits)) == 3  # the way it offers draws


def test_the_player_refuses_collapse_and_scrolls_to_the_steps_node(tmp_path):
    from micrograd_ext.learn.nn import MLP
    model = MLP(2, [4, 4, 1], seed=0)
    with pytest.raises(ValueError, match="collapse='neuron' hides a neuron's nodes; use cluster=True"):
        backward_frames(model([1.0, -2.0]), collapse='neuron')
    chromium_or_skip()
    path = save_backward_html(model([1.0, -2.0]), str(tmp_path / 'model.html'), cluster=True)
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelector('[data-part=text]').textContent")
        for _ in range(8):
            browser.evaluate("document.querySelector('[data-part=next]').click()")
            visible = browser.evaluate('''(() => {
                const box = document.querySelector('[data-part=graph]').getBoundingClientRect();
                const inside = e => { const r = e.getBoundingClientRect();
                    return r.left >= box.left - 1 && r.right <= box.right + 1; };
                const red = [...document.querySelectorAll('.mgx-frame:not([hidden]) [stroke="#e03131"]')];
                const rects = red.map(e => e.getBoundingClientRect());
                const width = Math.max(...rects.map(r => r.right)) - Math.min(...rects.map(r => r.left));
                const node = document.querySelector('.mgx-frame:not([hidden]) g.node [stroke="#e03131"]');
                return red.length > 0 && (width <= box.width ? red.every(inside) : inside(node)); })()''')
            assert visible  # the step's node, and the edges to its children when they fit, are in view
            assert browser.evaluate('window.scrollY') == 0  # the page itself stays put: the text stays on screen
    finally:
        browser.close()


def test_the_picture_keeps_its_size_from_frame_to_frame(tmp_path):
    chromium_or_skip()
    path = save_backward_html(neuron(), str(tmp_path / 'steps.html'))
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelector('[data-part=text]').textContent")
        sizes, scales = set(), set()
        for _ in range(6):
            sizes.add(browser.evaluate("(() => { const r = document.querySelector('.mgx-frame:not([hidden]) svg')"
                                       ".getBoundingClientRect(); return [r.width, r.height].join(); })()"))
            scales.add(round(browser.evaluate("document.querySelector('.mgx-frame:not([hidden]) svg g').getScreenCTM().a"), 6))
            browser.evaluate("document.querySelector('[data-part=next]').click()")
        assert len(sizes) == 1 and max(scales) / min(scales) < 1.01  # one box; the drawings inside it alike to 1%
    finally:
        browser.close()


# ---- the player inline in a notebook (show_backward) -------------------------------------------------------

def lecture():
    from micrograd_ext.classroom.exercises import lecture_graph
    return lecture_graph()[0]


class Links(__import__('html.parser').parser.HTMLParser):
    """Every src/href/xlink:href value and every style text of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.styles, self.in_style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ('src', 'href', 'xlink:href') and value]
        self.in_style = tag == 'style'

    def handle_data(self, data):
        if self.in_style:
            self.styles.append(data)


def test_the_inline_player_fetches_nothing_and_each_player_has_its_own_ids():
    import html
    from micrograd_ext.teach.player import show_backward
    first, second = show_backward(neuron()), lecture().show_backward()
    pages = [first._repr_html_(), second._repr_html_()]
    for page in pages:
        parser = Links()
        parser.feed(page)
        assert not [link for link in parser.links if link.startswith(('http:', 'https:', '//'))]
        assert parser.styles and not any('@import' in style or 'url(' in style for style in parser.styles)
        assert '<script src' not in page
    assert first.id != second.id and first.id in pages[0] and first.id not in pages[1]
    unscripted = pages[0][:pages[0].index('<script>')]  # what a notebook that is not trusted shows: no scripts
    assert unscripted.count('<img') == 1 and 'src="data:image/svg+xml;base64,' in unscripted
    assert '<svg' not in unscripted and 'class="mgx-controls" style="display: none"' in unscripted
    assert 'run this cell (or trust the notebook)' in unscripted and html.escape(first.frames[0].text) in unscripted
    assert pages[0].count('<svg') == 6  # every picture, for the script to show


def test_the_players_text_lists_the_steps_and_save_writes_the_same_player(tmp_path):
    from micrograd_ext.teach.player import show_backward
    player = show_backward(lecture())
    expected = [str(step) for step in lecture().backward_steps()]
    lines = repr(player).split('\n')
    assert lines[0].startswith('start: dM/dM = 1') and lines[1:] == expected
    path = player.save(str(tmp_path / 'lecture.html'))
    page = open(path, encoding='utf-8').read()
    assert page.startswith('<!DOCTYPE html>') and player._repr_html_() in page


def executed_notebook_page(tmp_path) -> str:
    """A notebook with two players, run by a real kernel (nbclient) and converted to HTML (nbconvert)."""
    nbformat = pytest.importorskip('nbformat')
    nbconvert = pytest.importorskip('nbconvert')
    from nbclient import NotebookClient
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from micrograd_ext.teach.expressions import build_graph\n"
                                  "from micrograd_ext.teach.player import show_backward"),
        nbformat.v4.new_code_cell("y = build_graph('tanh(w1*x1 + w2*x2 + b)', dict(x1=2, x2=0, w1=-3, w2=1, b=6.8814))\n"
                                  "show_backward(y)"),
        nbformat.v4.new_code_cell("from micrograd_ext.classroom.exercises import lecture_graph\n"
                                  "L, _ = lecture_graph()\nL.show_backward()"),
    ])
    NotebookClient(notebook, timeout=120, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}}).execute()
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    page = tmp_path / 'notebook.html'
    page.write_text(body, encoding='utf-8')
    return str(page)


PLAYER_JS = "document.querySelectorAll('.mgx-player')[{k}]"


def player_text(browser, k: int) -> str:
    return browser.evaluate(PLAYER_JS.format(k=k) + ".querySelector('[data-part=text]').textContent")


def test_two_inline_players_in_an_executed_notebook_step_independently_in_a_browser(tmp_path):
    chromium_or_skip()
    path = executed_notebook_page(tmp_path)
    expected = [[str(step) for step in graph.backward_steps()] for graph in (neuron(), lecture())]
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelectorAll('.mgx-player').length == 2 "
                         "&& [...document.querySelectorAll('.mgx-player [data-part=counter]')].every(c => c.textContent)")
        assert player_text(browser, 0).startswith('start:') and player_text(browser, 1).startswith('start:')
        for k, text in enumerate(expected[0]):
            browser.evaluate(PLAYER_JS.format(k=0) + ".querySelector('[data-part=next]').click()")
            assert player_text(browser, 0) == text, k
            assert player_text(browser, 1).startswith('start:')  # the other player did not move
            assert out_of_view(browser, 0)['outside'] == []  # shown whole
        for k, text in enumerate(expected[1]):
            browser.evaluate(PLAYER_JS.format(k=1) + ".querySelector('[data-part=next]').click()")
            assert player_text(browser, 1) == text, k
            assert player_text(browser, 0) == expected[0][-1]
        assert float(browser.evaluate("getComputedStyle(" + PLAYER_JS.format(k=1)
                                      + ".querySelector('[data-part=text]')).fontSize")[:-2]) >= 10
        assert out_of_view(browser, 1)['outside'] == []
        browser.screenshot(str(tmp_path / 'notebook.png'))
        assert (tmp_path / 'notebook.png').stat().st_size > 10_000
    finally:
        browser.close()


MIN_FONT_PX_IN = ("Math.min(...[..." + PLAYER_JS + ".querySelectorAll('.mgx-frame:not([hidden]) svg g.node text')]"
                  ".map(t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a))")


def test_the_inline_player_works_inside_an_iframe_and_shows_its_first_step_without_scripts(tmp_path):
    """VS Code and Colab show each output in its own iframe; an untrusted JupyterLab notebook runs no scripts."""
    import html as html_module
    from micrograd_ext.teach.player import show_backward
    chromium_or_skip()
    player = show_backward(lecture())
    page = tmp_path / 'frames.html'
    page.write_text('<!DOCTYPE html><html><body><iframe id="out" sandbox="allow-scripts allow-same-origin" '
                    f'width="1150" height="800" srcdoc="{html_module.escape(player._repr_html_(), quote=True)}">'
                    '</iframe></body></html>', encoding='utf-8')
    inside = "document.getElementById('out').contentDocument"
    browser = Browser(f'file://{page}', width=1200)
    try:
        browser.wait_for(f"{inside}.querySelector('[data-part=counter]').textContent")
        for text in [str(step) for step in lecture().backward_steps()]:
            browser.evaluate(f"{inside}.querySelector('[data-part=next]').click()")
            assert browser.evaluate(f"{inside}.querySelector('[data-part=text]').textContent") == text
    finally:
        browser.close()
    player.save(str(tmp_path / 'player.html'))
    browser = Browser('about:blank', width=1200)
    try:
        browser.call('Emulation.setScriptExecutionDisabled', value=True)
        browser.call('Page.navigate', url=f"file://{tmp_path / 'player.html'}")
        browser.wait_for("document.readyState === 'complete' && document.querySelector('img').complete")
        assert browser.evaluate("document.querySelector('img').naturalWidth") > 300  # the first picture
        assert browser.evaluate("document.querySelector('.mgx-controls').offsetParent") is None  # no dead buttons
        assert 'run this cell' in browser.evaluate("document.querySelector('.mgx-note').textContent")
        assert browser.evaluate("document.querySelector('[data-part=text]').textContent").startswith('start:')
    finally:
        browser.close()


# ---- the player's files (micrograd_ext/teach/player_files) and its data -----------------------------------------

DATA = re.compile(r'<script type="application/json" data-part="data">(.*?)</script>', re.S)


def test_the_javascript_and_css_are_plain_files_a_page_can_inline():
    from micrograd_ext.teach.player import _file
    js, css = _file('player.js'), _file('player.css')
    for text in (js, css):
        assert '{{' not in text and '}}' not in text  # no str.format leftovers
        assert '</script' not in text.lower() and '</style' not in text.lower() and '<!--' not in text
    template = _file('player.html')  # the data as JSON in one place; what a page shows with no script; the files
    assert template.count('$data') == 1 and set(re.findall(r'\$(\w+)', template)) == {
        'data', 'title', 'text', 'picture', 'css', 'js'}
    if shutil.which('node'):
        checked = subprocess.run(['node', '--check', '-'], input=js, capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr


def test_the_players_data_is_json_that_survives_a_label_that_closes_the_script(tmp_path):
    from micrograd_ext import Value
    from micrograd_ext.teach.player import show_backward
    x = Value(2.0, label='</script><!--x')
    y = x * 3
    y.label = 'y & <b>'
    player = show_backward(y, quiz=True)
    path = player.save(str(tmp_path / 'hostile.html'))
    page = open(path, encoding='utf-8').read()
    assert page.count('</script>') == 2 and len(DATA.findall(page)) == 1  # the label did not end the script
    raw = DATA.search(page)[1]
    assert '</' not in raw and '<!' not in raw and '&' not in raw and '>' not in raw
    data = json.loads(raw)
    assert data['texts'] == [frame.text for frame in player.frames] and '</script><!--x' in data['texts'][1]
    assert data['id'] == player.id and len(data['svgs']) == len(data['texts']) == len(data['quiz']['questions'])
    assert 'y &amp; &lt;b&gt;' in page[:page.index('<script>')]  # the title and first text as escaped HTML
    chromium_or_skip()
    browser = Browser(f'file://{path}', width=1200)
    try:
        browser.wait_for("document.readyState === 'complete' && document.querySelector('[data-part=counter]')"
                         ".textContent")
        parsed = browser.evaluate("JSON.parse(document.querySelector('[data-part=data]').textContent)")
        assert parsed['texts'] == data['texts'] and parsed['quiz']['questions'][1] == data['quiz']['questions'][1]
        assert browser.evaluate("document.querySelector('.mgx-player').id") == player.id
        browser.evaluate("document.querySelector('[data-part=show]').click()")  # the quiz: show the answer
        assert browser.evaluate("document.querySelector('[data-part=text]').textContent") == data['texts'][1]
    finally:
        browser.close()


def test_an_installed_copy_finds_the_players_files(tmp_path):
    """Run from a temporary folder in isolated mode, Python imports the installed micrograd_ext, not this checkout:
    its package data must hold the player's files (setup.cfg's package_data)."""
    script = ("import sys; from micrograd_ext import Value; from micrograd_ext.teach.player import save_backward_html\n"
              "x = Value(2.0, label='x'); y = x * x; y.label = 'y'\n"
              "print(save_backward_html(y, sys.argv[1]))")
    done = subprocess.run([sys.executable, '-I', '-c', script, str(tmp_path / 'installed.html')], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    if "No module named 'micrograd_ext'" in done.stderr:
        pytest.skip('micrograd_ext is not installed (pip install . in this checkout)')
    assert done.returncode == 0, done.stderr
    page = (tmp_path / 'installed.html').read_text(encoding='utf-8')
    assert json.loads(DATA.search(page)[1])['texts'][1].startswith('step 1/1')
    assert '.mgx-player .mgx-text {' in page and 'JSON.parse(' in page  # the CSS and the JavaScript, inlined


def test_no_picture_of_notebook_2_exported_to_html_overflows_the_page(tmp_path):
    """Exported with nbconvert, notebook 2's drawings (SVG outputs) stood up to 1,850 px wide on a 1,000 px page."""
    nbformat = pytest.importorskip('nbformat')
    nbconvert = pytest.importorskip('nbconvert')
    chromium_or_skip()
    import os
    notebook = nbformat.read(os.path.join(os.path.dirname(__file__), '..', '..', 'notebooks',
                                          '02_backprop_by_hand_and_by_machine.ipynb'), as_version=4)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    page = tmp_path / 'notebook2.html'
    page.write_text(body, encoding='utf-8')
    browser = Browser(f'file://{page}', width=1000)
    try:
        browser.wait_for("document.readyState === 'complete' && [...document.querySelectorAll('img')].every(i => "
                         "i.complete) && document.querySelector('.mgx-player [data-part=counter]').textContent")
        found = browser.evaluate('''(() => {
            const page = document.documentElement.clientWidth;
            const pictures = [...document.querySelectorAll('img, svg, .mgx-player')]
                .filter(e => !e.closest('.mgx-frame[hidden]'));
            return {pictures: pictures.length, page, scroll: document.documentElement.scrollWidth,
                    over: pictures.filter(e => e.getBoundingClientRect().right > page + 1)
                        .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().width))}; })()''')
        assert found['pictures'] >= 5 and found['over'] == [] and found['scroll'] <= found['page'], found
        assert out_of_view(browser)['outside'] == []  # the player's first picture, whole
    finally:
        browser.close()
