"""The library in a web page, nothing installed: ``site`` builds a static folder with Pyodide and the WebAssembly
Graphviz; ``page`` is the Python the pages call (the step-through of a typed expression)."""
