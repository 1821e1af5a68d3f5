// The step-through page: the expression and values go to micrograd_ext.web.page.step_through (Python, in the
// page), which returns the drawn graph, its table and the player's HTML; the player runs in the iframe.
import { failed, startPython } from './site.js';

const status = document.getElementById('status');
const form = document.getElementById('form');
const expression = document.getElementById('expression');
const values = document.getElementById('values');
const quiz = document.getElementById('quiz');
const error = document.getElementById('error');

const query = new URLSearchParams(location.search);
if (query.has('expression')) expression.value = query.get('expression');
if (query.has('values')) values.value = query.get('values');
quiz.checked = query.get('quiz') === '1';

async function main() {
  const pyodide = await startPython((text) => { status.textContent = text; });
  const page = pyodide.pyimport('micrograd_ext.web.page');
  function run() {
    status.textContent = 'Working…';
    const result = page.step_through(expression.value, values.value, quiz.checked).toJs({ dict_converter: Object.fromEntries });
    error.textContent = result.error || '';
    document.getElementById('graph').innerHTML = result.graph || '';
    document.getElementById('table').textContent = result.table || '';
    document.getElementById('player').srcdoc = result.player || '';
    status.textContent = result.error ? '' : `${expression.value} = ${result.shown}`;
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
  document.getElementById('run').disabled = false;
  run();
  document.body.dataset.ready = 'yes';
}

main().catch((problem) => failed(status, problem));
