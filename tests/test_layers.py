"""The package's folders are its layers, and imports only go down them.

The engine core (the top-level modules) imports nothing above it but for the engine's documented shortcuts
(``Value.draw_dot``, ``backward_steps``, ``show_backward``, ``explain``), which import on use; ``learn/``
(networks and training) builds on the core; ``viz/`` and ``teach/`` on both (they use each other: the player
draws, drawings name nodes); ``cli`` and ``commands/`` on everything.
"""
import ast
import os

import micrograd_ext

PACKAGE = os.path.dirname(os.path.abspath(micrograd_ext.__file__))
RANKS = {'core': 0, 'learn': 1, 'viz': 2, 'teach': 2, 'cli': 3}
SHORTCUTS = {'draw_dot', 'backward_steps', 'show_backward', 'explain'}


def layer(module: str) -> str:
    parts = module.split('.')
    if len(parts) > 1 and parts[1] in ('learn', 'teach', 'viz'):
        return parts[1]
    return 'cli' if parts[-1] in ('cli', '__main__') or (len(parts) > 1 and parts[1] == 'commands') else 'core'


def relative_imports():
    """(module, the function it is in or None, imported module, line) for every relative import."""
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            module = 'micrograd_ext' + path[len(PACKAGE):-3].replace(os.sep, '.').replace('.__init__', '')
            package = module if name == '__init__.py' else module.rpartition('.')[0]
            tree = ast.parse(open(path, encoding='utf-8').read())
            functions = {id(inner): node.name for node in ast.walk(tree)
                         if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for inner in ast.walk(node)}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level:
                    base = package.split('.')[:len(package.split('.')) - node.level + 1]
                    target = '.'.join(base + ([node.module] if node.module else []))
                    targets = [target] if node.module else [f'{target}.{alias.name}' for alias in node.names]
                    for imported in targets:
                        yield module, functions.get(id(node)), imported, node.lineno


def test_imports_go_down_the_layers_but_for_the_engines_shortcuts():
    upward = [(module, function, imported, line) for module, function, imported, line in relative_imports()
              if RANKS[layer(imported)] > RANKS[layer(module)]]
    shortcuts = [entry for entry in upward if entry[0] == 'micrograd_ext.engine' and entry[1] in SHORTCUTS]
    assert len(shortcuts) == 4  # each shortcut imports its tool when it is called
    assert [entry for entry in upward if entry not in shortcuts] == []


def test_the_folders_are_the_layers():
    folders = sorted(entry for entry in os.listdir(PACKAGE)
                     if os.path.isdir(os.path.join(PACKAGE, entry)) and not entry.startswith('__'))
    assert folders == ['commands', 'learn', 'teach', 'viz']
