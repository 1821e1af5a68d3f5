// Start Python in the page: the WebAssembly Graphviz (viz/viz-global.js, loaded by the page), Pyodide from
// pyodide/, then the wheels of manifest.json unpacked onto Python's path. Everything comes from this site.
const PACKAGES = '/home/pyodide/packages';

export async function startPython(report) {
  report('Loading Graphviz…');
  const viz = await globalThis.Viz.instance();
  // the drawings' renderer in the page: micrograd_ext.viz.rendering calls it for SVG
  globalThis.micrograd_ext_render_svg = (dot) => viz.renderString(dot, { format: 'svg' });
  report('Loading Python (about 15 MB, once)…');
  const { loadPyodide } = await import('./pyodide/pyodide.mjs');
  const pyodide = await loadPyodide({ indexURL: new URL('./pyodide/', import.meta.url).href });
  const manifest = await (await fetch('manifest.json')).json();
  for (const wheel of manifest.wheels) {
    report(`Unpacking ${wheel}…`);
    const data = await (await fetch(`wheels/${wheel}`)).arrayBuffer();
    pyodide.unpackArchive(data, 'zip', { extractDir: PACKAGES });
  }
  pyodide.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(PACKAGES)})\nimport micrograd_ext`);
  report('');
  return pyodide;
}

export function failed(status, error) {
  status.textContent = `Something went wrong in this page: ${error}`;
  status.className = 'failed';
}
