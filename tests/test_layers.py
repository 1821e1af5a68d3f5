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


def module_level_imports() -> dict[str, set[str]]:
    """Each module's relative imports that run when it is imported (not inside a function, not for typing)."""
    graph: dict[str, set[str]] = {}
    for module, function, imported, line in relative_imports():
        graph.setdefault(module, set())
        if function is None and not typing_only(module, line):
            graph[module].add(imported)
    return graph


def typing_only(module: str, line: int) -> bool:
    """Is the import at ``line`` of ``module`` inside an ``if TYPE_CHECKING:`` block?"""
    path = os.path.join(PACKAGE, *module.split('.')[1:])
    path = os.path.join(path, '__init__.py') if os.path.isdir(path) else path + '.py'
    tree = ast.parse(open(path, encoding='utf-8').read())
    return any(isinstance(node, ast.If) and getattr(node.test, 'id', None) == 'TYPE_CHECKING'
               and node.lineno <= line <= node.end_lineno for node in ast.walk(tree))


def test_no_module_imports_itself_round_a_circle():
    graph = module_level_imports()
    known = set(graph)
    for start in graph:  # depth-first from each module, without recursion
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for imported in graph.get(module, ()):
                if imported == start:
                    raise AssertionError(f"an import circle: {' -> '.join(path + [start])}")
                if imported in known and imported not in seen:
                    seen.add(imported)
                    stack.append((imported, path + [imported]))


def test_no_module_is_over_400_lines():
    long = [(path, count) for path, count in
            ((os.path.join(folder, name), sum(1 for _ in open(os.path.join(folder, name), encoding='utf-8')))
             for folder, _, files in os.walk(PACKAGE) for name in files if name.endswith('.py')) if count > 400]
    assert long == []


def test_the_old_import_paths_give_the_modules_at_their_new_ones():
    import importlib

    from micrograd_ext.moved import HOMES
    for name, layer_name in HOMES.items():
        old, new = importlib.import_module(f'micrograd_ext.{name}'), importlib.import_module(
            f'micrograd_ext.{layer_name}.{name}')
        assert old is new and old.__spec__.name == f'micrograd_ext.{layer_name}.{name}'
    from micrograd_ext.classroom.grading import grade
    from micrograd_ext.teach.classroom import grading
    assert grade is grading.grade
