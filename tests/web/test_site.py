"""``micrograd-ext site``: the static folder is built, served on 127.0.0.1 and used in a real headless Chromium
that can reach nothing else; each step's text and the drawn graph are compared with the desktop's."""
import functools
import http.server
import json
import os
import threading
import time
import urllib.parse
import zipfile

import pytest

from micrograd_ext import Value
from micrograd_ext.core import __version__
from micrograd_ext.viz.draw import HIGHLIGHT
from micrograd_ext.web import site as site_module
from micrograd_ext.web.page import node_labels, step_through
from micrograd_ext.web.site import PACKAGES, build_site

from ..browser import Browser, chromium_or_skip

LECTURE = ('tanh(x1*w1 + x2*w2 + b)', 'x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432')


@pytest.fixture(scope='module')
def site(assets, tmp_path_factory) -> str:
    return build_site(str(tmp_path_factory.mktemp('web') / 'site'), assets).folder


@pytest.fixture(scope='module')
def server(site):
    """The site on http://127.0.0.1:PORT/, as ``python -m http.server -d SITE`` serves it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown()
    httpd.server_close()


def test_the_site_holds_pyodide_graphviz_the_wheels_and_the_pages(site):
    manifest = json.load(open(os.path.join(site, 'manifest.json')))
    assert manifest['micrograd_ext'] == __version__ and manifest['pyodide'] == PACKAGES[0][1]
    for package in PACKAGES:
        for path in package[3].values():
            assert os.path.getsize(os.path.join(site, path)) > 1000, path
    for page in site_module.PAGES:
        assert os.path.isfile(os.path.join(site, page))
    wheels = manifest['wheels']
    assert [w.split('-')[0] for w in wheels] == ['micrograd_ext', 'graphviz']
    with zipfile.ZipFile(os.path.join(site, 'wheels', wheels[0])) as wheel:
        names = wheel.namelist()
    assert 'micrograd_ext/core/engine.py' in names and 'micrograd_ext/teach/player_files/player.js' in names
    assert f'micrograd_ext-{__version__}.dist-info/RECORD' in names and not any('__pycache__' in n for n in names)
    pages = ''.join(open(os.path.join(site, page), encoding='utf-8').read() for page in site_module.PAGES)
    assert 'http://' not in pages and 'https://' not in pages  # nothing fetched from elsewhere


def steps_url(server: str, expression: str, values: str, quiz: bool = False) -> str:
    query = urllib.parse.urlencode({'expression': expression, 'values': values, **({'quiz': '1'} if quiz else {})})
    return f'{server}steps.html?{query}'


PLAYER = "document.getElementById('player').contentDocument"


def test_the_step_through_page_in_a_browser_matches_the_desktop(server, tmp_path):
    chromium_or_skip()
    expression, values = LECTURE
    desktop = step_through(expression, values)
    started = time.perf_counter()
    browser = Browser(steps_url(server, expression, values), only_local=True)
    try:
        browser.wait_for("document.body.dataset.ready === 'yes'", timeout=240)
        print(f'first load to a ready page: {time.perf_counter() - started:.1f} s')
        assert browser.evaluate("document.getElementById('error').textContent") == ''
        svg = browser.evaluate("document.querySelector('#graph svg').outerHTML")
        labels = node_labels(svg)
        assert labels == node_labels(desktop['graph'])  # the same boxes, names and numbers, legend included
        for name, number in [('x1', '2.0000'), ('w1', '-3.0000'), ('x1*w1', '-6.0000'), ('v2', '0.7071')]:
            assert any(label.split()[1:] == [name, 'data', number] for label in labels), (name, labels)
        browser.wait_for(f"{PLAYER}.querySelector('.mgx-frame svg') !== null", timeout=30)
        texts = [browser.evaluate(f"{PLAYER}.querySelector('[data-part=text]').textContent")]
        for _ in desktop['steps']:
            browser.evaluate(f"{PLAYER}.querySelector('[data-part=next]').click()")
            texts.append(browser.evaluate(f"{PLAYER}.querySelector('[data-part=text]').textContent"))
        assert texts[0].startswith('start:') and texts[1:] == desktop['steps'] and len(texts) == 6
        shown = browser.evaluate(f"{PLAYER}.querySelector('.mgx-frame:not([hidden]) svg').outerHTML")
        assert HIGHLIGHT in shown  # the last step's node, in the player's red
        browser.screenshot(str(tmp_path / 'steps.png'))
        fetched = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert fetched and all(url.startswith(server) for url in fetched), fetched
        assert any(url.endswith('pyodide.asm.wasm') for url in fetched)
    finally:
        browser.close()


def test_a_typed_expression_and_a_mistake_in_the_page(server):
    chromium_or_skip()
    browser = Browser(steps_url(server, 'x*y + 1', 'x=2 y=3'), only_local=True)
    try:
        browser.wait_for("document.body.dataset.ready === 'yes'", timeout=240)
        assert browser.evaluate("document.getElementById('status').textContent") == 'x*y + 1 = 7'
        browser.evaluate("document.getElementById('expression').value = 'x*y + __import__(\"os\")';"
                         "document.getElementById('run').click()")
        browser.wait_for("document.body.dataset.runs === '2'")
        error = browser.evaluate("document.getElementById('error').textContent")
        assert error == step_through('x*y + __import__("os")', 'x=2 y=3')['error'] and error
        browser.evaluate("document.getElementById('expression').value = 'log(x - 2)';"
                         "document.getElementById('values').value = 'x=2';"
                         "document.getElementById('run').click()")
        browser.wait_for("document.body.dataset.runs === '3'")
        assert 'log' in browser.evaluate("document.getElementById('error').textContent")
    finally:
        browser.close()


def test_the_quiz_asks_before_each_step(server):
    chromium_or_skip()
    browser = Browser(steps_url(server, *LECTURE, quiz=True), only_local=True)
    try:
        browser.wait_for("document.body.dataset.ready === 'yes'", timeout=240)
        browser.wait_for(f"{PLAYER}.querySelector('[data-part=quiz]') !== null && "
                         f"!{PLAYER}.querySelector('[data-part=quiz]').hidden", timeout=30)
        browser.evaluate(f"{PLAYER}.querySelector('[data-part=next]').click()")
        assert browser.evaluate(f"{PLAYER}.querySelectorAll('[data-part=rows] input').length") >= 1
    finally:
        browser.close()


def test_the_console_runs_python_with_value_imported(server, tmp_path):
    chromium_or_skip()
    browser = Browser(f'{server}console.html', only_local=True)
    try:
        browser.wait_for("document.body.dataset.ready === 'yes'", timeout=240)

        def enter(line: str) -> None:
            before = browser.evaluate("document.getElementById('console').textContent.length")
            browser.evaluate(f"{{ const l = document.getElementById('line'); l.value = {json.dumps(line)};"
                             "l.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})) }")
            browser.wait_for(f"document.getElementById('console').textContent.length > {before} && "
                             "!document.getElementById('line').disabled")

        enter('Value(2.0) * 3')
        assert 'Value(data=6.0, grad=0.0)' in browser.evaluate("document.getElementById('console').textContent")
        enter('a = Value(2.0, label="a"); b = (a * a).tanh(); b.backward()')
        enter('round(a.grad, 6)')
        a = Value(2.0)
        (a * a).tanh().backward()
        assert browser.evaluate("document.getElementById('console').textContent").splitlines()[-1] == \
            repr(round(a.grad, 6))
        enter('a.grad')  # a float shows as Python shows it, not as a JavaScript number
        assert browser.evaluate("document.getElementById('console').textContent").splitlines()[-1] == repr(a.grad)
        enter('Value(2.0).data')
        assert browser.evaluate("document.getElementById('console').textContent").splitlines()[-1] == '2.0'
        enter('from micrograd_ext import gradcheck')
        assert 'needs NumPy, which this page does not load' in browser.evaluate(
            "document.getElementById('console').textContent")
        enter('draw_dot(b)')  # a drawing draws itself
        assert browser.evaluate("document.querySelectorAll('#console .picture svg g.node').length") > 3
        browser.evaluate("{ const l = document.getElementById('line'); const pasted = new DataTransfer();"
                         "pasted.setData('text', 'n = 20\\nfor i in range(2):\\n    n += i\\n\\nn * 2');"
                         "l.dispatchEvent(new ClipboardEvent('paste', {clipboardData: pasted})) }")
        browser.wait_for("document.getElementById('console').textContent.trim().endsWith('42') && "
                         "!document.getElementById('line').disabled")
        browser.evaluate("{ const l = document.getElementById('line'); l.value = 'a.tan';"
                         "l.dispatchEvent(new KeyboardEvent('keydown', {key: 'Tab'})) }")
        assert browser.evaluate("document.getElementById('line').value") == 'a.tanh()'
        browser.screenshot(str(tmp_path / 'console.png'))
    finally:
        browser.close()


def test_the_index_pages_examples_step_through_the_seed_neuron_and_the_lecture_graph(server):
    chromium_or_skip()
    browser = Browser(f'{server}index.html', only_local=True)
    try:
        browser.wait_for("document.getElementById('lecture-graph') !== null")
        links = browser.evaluate("['seed-neuron', 'lecture-graph'].map(id => document.getElementById(id).href)")
    finally:
        browser.close()
    for link, value in zip(links, (0.142, 0.7071)):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)
        desktop = step_through(query['expression'][0], query['values'][0])
        assert desktop['error'] == '' and desktop['value'] == pytest.approx(value, abs=5e-4)
        browser = Browser(link, only_local=True)
        try:
            browser.wait_for("document.body.dataset.ready === 'yes'", timeout=240)
            assert browser.evaluate("document.getElementById('status').textContent") == \
                f"{query['expression'][0]} = {desktop['shown']}"
        finally:
            browser.close()
