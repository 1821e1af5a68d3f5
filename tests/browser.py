"""Drive a real headless Chromium through the DevTools protocol (for the HTML player's test)."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

REQUIRE_BROWSER = os.environ.get('MICROGRAD_EXT_REQUIRE_BROWSER') == '1'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--remote-debugging-port=0', '--remote-allow-origins=*']


def chromium_or_skip() -> str:
    path = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if path is None:
        if REQUIRE_BROWSER:
            pytest.fail('MICROGRAD_EXT_REQUIRE_BROWSER=1 but no Chromium is installed')
        pytest.skip('Chromium is not installed (CI installs Debian chromium with apt-get)')
    return path


class Browser:
    """A headless Chromium showing one page; ``evaluate(js)`` runs JavaScript in it and returns the value."""

    def __init__(self, url: str, width: int = 1200, height: int = 900, only_local: bool = False):
        """``only_local``: every host name but 127.0.0.1 fails to resolve, so the page can load nothing from
        elsewhere."""
        import websocket
        self.profile = tempfile.mkdtemp()
        local = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] if only_local else []
        self.process = subprocess.Popen([chromium_or_skip(), *FLAGS, *local, f'--window-size={width},{height}',
                                         f'--user-data-dir={self.profile}', url],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = self._wait_for_port()
        except RuntimeError:
            self.process.kill()  # no Chromium left running after a failed start
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        pages = []
        for _ in range(100):
            pages = [t for t in json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list'))
                     if t['type'] == 'page']
            if pages:
                break
            time.sleep(0.1)
        self.socket = websocket.create_connection(pages[0]['webSocketDebuggerUrl'], timeout=30)
        self.next_id = 0

    def _wait_for_port(self) -> int:
        marker = os.path.join(self.profile, 'DevToolsActivePort')
        for _ in range(900):  # up to 90 s: a loaded 2-core machine can take half a minute to start Chromium
            if os.path.exists(marker):
                with open(marker) as f:
                    first = f.readline().strip()
                if first:
                    return int(first)
            time.sleep(0.1)
        raise RuntimeError('Chromium did not start its DevTools endpoint')

    def call(self, method: str, **params) -> dict:
        """One DevTools protocol command; its result."""
        self.next_id += 1
        self.socket.send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get('id') == self.next_id:
                return message['result']

    def evaluate(self, expression: str):
        result = self.call('Runtime.evaluate', expression=expression, returnByValue=True)
        if 'exceptionDetails' in result:
            raise RuntimeError(result['exceptionDetails'])
        return result['result'].get('value')

    def screenshot(self, path: str) -> str:
        """Save what the window shows as a PNG."""
        with open(path, 'wb') as f:
            f.write(base64.b64decode(self.call('Page.captureScreenshot', format='png')['data']))
        return path

    def wait_for(self, expression: str, timeout: float = 20.0):
        """Poll until ``expression`` is truthy; errors count as "not yet" (the page may still be loading)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)
