// A Python console in the page (Pyodide's PyodideConsole): a line at a time, results shown as the REPL shows them.
import { failed, startPython } from './site.js';

const status = document.getElementById('status');
const output = document.getElementById('console');
const line = document.getElementById('line');
const prompt = document.getElementById('prompt');
const history = [];
let back = 0;

function show(text, kind) {
  const span = document.createElement('span');
  if (kind) span.className = kind;
  span.textContent = text;
  output.appendChild(span);
  output.scrollTop = output.scrollHeight;
}

async function main() {
  const pyodide = await startPython((text) => { status.textContent = text; });
  const namespace = pyodide.globals.get('dict')();
  const [pyconsole, awaitResult] = pyodide.runPython(`
import builtins
from pyodide.console import PyodideConsole, repr_shorten
from pyodide.ffi import to_js
from micrograd_ext import Value
from micrograd_ext.nn import MLP
from micrograd_ext.viz import draw_dot
from micrograd_ext.table import graph_table

console = PyodideConsole({'Value': Value, 'MLP': MLP, 'draw_dot': draw_dot, 'graph_table': graph_table})

def shown(result):
    """[kind, text]: a player as its page, a drawing as its SVG, anything else as the REPL's repr."""
    if callable(getattr(result, 'page', None)) and hasattr(result, '_repr_html_'):
        return ['page', result.page()]
    if callable(getattr(result, '_repr_mimebundle_', None)):
        svg = result._repr_mimebundle_(include=['image/svg+xml']).get('image/svg+xml')
        if svg:
            return ['svg', svg]
    return ['text', repr_shorten(result, 1000, separator='\\n<long output truncated>\\n')]

async def await_result(future):
    result = await future
    if result is None:
        return None
    builtins._ = result
    return to_js(shown(result))

(console, await_result)
`, { globals: namespace }).toJs({ depth: 1 });
  pyconsole.stdout_callback = (text) => show(text);
  pyconsole.stderr_callback = (text) => show(text, 'error');
  show(`Python ${pyodide.runPython('import sys; sys.version.split()[0]')} in this page (Pyodide ${pyodide.version}); `
       + `micrograd_ext ${pyodide.runPython('import micrograd_ext; micrograd_ext.__version__')}\n`);

  function picture(kind, text) {
    if (kind === 'svg') {
      const box = document.createElement('div');
      box.className = 'picture';
      box.innerHTML = text.slice(text.indexOf('<svg'));
      output.appendChild(box);
    } else {  // the step-through player: its own page, whose script runs in the frame
      const frame = document.createElement('iframe');
      frame.className = 'player';
      frame.srcdoc = text;
      output.appendChild(frame);
    }
    output.scrollTop = output.scrollHeight;
  }

  async function run(text) {
    show(prompt.textContent + text + '\n', 'input');
    const future = pyconsole.push(text);
    prompt.textContent = future.syntax_check === 'incomplete' ? '...\u00a0' : '>>>\u00a0';
    if (future.syntax_check === 'syntax-error') {
      show(future.formatted_error, 'error');
    } else if (future.syntax_check === 'complete') {
      const wrapped = awaitResult(future);
      try {
        const found = await wrapped;
        if (found) {
          const [kind, value] = found;
          if (kind === 'text') show(value + '\n');
          else picture(kind, value);
        }
      } catch (error) {
        show(future.formatted_error || String(error), 'error');
      } finally {
        wrapped.destroy();
      }
    }
    future.destroy();
  }

  async function runLines(lines) {  // typed or pasted: one line at a time, as the REPL reads them
    line.disabled = true;
    for (const text of lines) {
      if (text.trim()) history.push(text);
      await run(text);
    }
    back = 0;
    line.disabled = false;
    line.focus();
  }

  line.disabled = false;
  line.focus();
  line.addEventListener('keydown', async (event) => {
    if (event.key === 'Enter') {
      const text = line.value;
      line.value = '';
      await runLines([text]);
    } else if (event.key === 'Tab') {
      event.preventDefault();
      const [completions, start] = pyconsole.complete(line.value).toJs();
      if (completions.length === 1) line.value = line.value.slice(0, start) + completions[0];
      else if (completions.length > 1) show(completions.join('  ') + '\n');
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      back = Math.max(0, Math.min(history.length, back + (event.key === 'ArrowUp' ? 1 : -1)));
      line.value = back ? history[history.length - back] : '';
    }
  });
  line.addEventListener('paste', async (event) => {  // several lines pasted: each runs, as in a terminal
    const text = event.clipboardData.getData('text');
    if (!text.includes('\n')) return;
    event.preventDefault();
    const lines = (line.value + text).replace(/\r\n?/g, '\n').split('\n');
    line.value = '';
    await runLines(lines);
  });
  status.textContent = 'Ready.';
  document.body.dataset.ready = 'yes';
}

main().catch((problem) => failed(status, problem));
