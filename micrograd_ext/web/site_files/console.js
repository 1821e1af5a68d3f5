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
  const [pyconsole, awaitResult, shorten] = pyodide.runPython(`
import builtins
from pyodide.console import PyodideConsole, repr_shorten
from pyodide.ffi import to_js
from micrograd_ext import Value
from micrograd_ext.nn import MLP
from micrograd_ext.viz import draw_dot
from micrograd_ext.table import graph_table

console = PyodideConsole({'Value': Value, 'MLP': MLP, 'draw_dot': draw_dot, 'graph_table': graph_table})

async def await_result(future):
    result = await future
    if result is not None:
        builtins._ = result
    return to_js([result], depth=1)

(console, await_result, repr_shorten)
`, { globals: namespace }).toJs({ depth: 1 });
  pyconsole.stdout_callback = (text) => show(text);
  pyconsole.stderr_callback = (text) => show(text, 'error');
  show(`Python ${pyodide.runPython('import sys; sys.version.split()[0]')} in this page (Pyodide ${pyodide.version}); `
       + `micrograd_ext ${pyodide.runPython('import micrograd_ext; micrograd_ext.__version__')}\n`);

  async function run(text) {
    show(prompt.textContent + text + '\n', 'input');
    const future = pyconsole.push(text);
    prompt.textContent = future.syntax_check === 'incomplete' ? '...\u00a0' : '>>>\u00a0';
    if (future.syntax_check === 'syntax-error') {
      show(future.formatted_error, 'error');
    } else if (future.syntax_check === 'complete') {
      const wrapped = awaitResult(future);
      try {
        const [value] = await wrapped;
        if (value !== undefined) show(shorten(value, 1000) + '\n');
        if (value instanceof pyodide.ffi.PyProxy) value.destroy();
      } catch (error) {
        show(future.formatted_error || String(error), 'error');
      } finally {
        wrapped.destroy();
      }
    }
    future.destroy();
  }

  line.disabled = false;
  line.focus();
  line.addEventListener('keydown', async (event) => {
    if (event.key === 'Enter') {
      const text = line.value;
      line.value = '';
      if (text.trim()) history.push(text);
      back = 0;
      line.disabled = true;
      await run(text);
      line.disabled = false;
      line.focus();
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
  status.textContent = 'Ready.';
  document.body.dataset.ready = 'yes';
}

main().catch((problem) => failed(status, problem));
