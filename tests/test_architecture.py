"""The package's folders are its layers, and every import goes down them: no exceptions.

``core/`` (the engine, pure Python) < ``compiled/`` (the NumPy replay) < ``learn/`` (networks and training)
< ``viz/`` (drawings) < ``teach/`` (step-through, explanations) < ``classroom/`` (exercises, grading)
< ``web/`` (the library in a web page) < ``cli/``
< the package's own modules (``__init__`` and the short public paths such as ``micrograd_ext.nn``). Every
``import`` counts, at module level or inside a function; only ``if TYPE_CHECKING:`` blocks are left out of
the circle check, as they never run.
"""
import ast
import os

import micrograd_ext

PACKAGE = os.path.dirname(os.path.abspath(micrograd_ext.__file__))
LAYERS = ('core', 'compiled', 'learn', 'viz', 'teach', 'classroom', 'web', 'cli', 'top')


def layer(module: str) -> str:
    """'micrograd_ext.viz.draw' -> 'viz'; the package's own modules (``__init__``, ``nn``, ...) are 'top'."""
    parts = module.split('.')
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else 'top'


def module_files():
    """(module name, path) of every module of the package."""
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                module = 'micrograd_ext' + path[len(PACKAGE):-3].replace(os.sep, '.').replace('.__init__', '')
                yield module, path


def imports():
    """(module, imported module, line, typing only) for every import of a package module, wherever it is."""
    for module, path in module_files():
        package = module if path.endswith('__init__.py') else module.rpartition('.')[0]
        tree = ast.parse(open(path, encoding='utf-8').read())
        typing_lines = {line for node in ast.walk(tree) if isinstance(node, ast.If)
                        and getattr(node.test, 'id', None) == 'TYPE_CHECKING'
                        for line in range(node.lineno, node.end_lineno + 1)}
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split('.')[:len(package.split('.')) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
                targets = [target] if node.module else [f'{target}.{alias.name}' for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or '').startswith('micrograd_ext'):
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names if alias.name.startswith('micrograd_ext')]
            for imported in targets:
                yield module, imported, node.lineno, node.lineno in typing_lines


def test_no_module_imports_by_name_at_run_time():
    """``importlib.import_module`` would hide an import from the checks here."""
    assert [path for _, path in module_files() if 'import_module(' in open(path, encoding='utf-8').read()] == []


def test_the_folders_are_the_layers():
    folders = sorted(entry for entry in os.listdir(PACKAGE)
                     if os.path.isdir(os.path.join(PACKAGE, entry)) and not entry.startswith('__'))
    assert folders == sorted(LAYERS[:-1])


def test_every_import_goes_down_the_layers():
    upward = [(module, imported, line) for module, imported, line, _ in imports()
              if LAYERS.index(layer(imported)) > LAYERS.index(layer(module))]
    assert upward == []


def test_the_engine_page_imports_only_the_core_and_reads_in_one_sitting():
    imported = {imported for module, imported, _, _ in imports() if module == 'micrograd_ext.core.engine'}
    assert imported and all(layer(name) == 'core' for name in imported)
    with open(os.path.join(PACKAGE, 'core', 'engine.py'), encoding='utf-8') as page:
        assert sum(1 for _ in page) <= 220  # micrograd's engine is 94 lines; ours has nine more ops and sum/linear


def test_no_module_imports_itself_round_a_circle():
    graph: dict[str, set[str]] = {}
    for module, imported, _, typing_only in imports():
        graph.setdefault(module, set())
        if not typing_only:
            graph[module].add(imported)
    for start in graph:  # depth-first from each module, without recursion
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for imported in graph.get(module, ()):
                if imported == start:
                    raise AssertionError(f"an import circle: {' -> '.join(path + [start])}")
                if imported in graph and imported not in seen:
                    seen.add(imported)
                    stack.append((imported, path + [imported]))


def test_a_module_is_one_idea_of_readable_length():
    """A smell check, not a target: a module past 450 lines probably holds two ideas."""
    long = [(path, count) for _, path in module_files()
            if (count := sum(1 for _ in open(path, encoding='utf-8'))) > 450]
    assert long == []


def test_the_short_public_paths_give_the_same_objects():
    import importlib
    for short, home, name in [('engine', 'core.engine', 'Value'), ('nn', 'learn.nn', 'MLP'), ('nn', 'core.engine', 'Value'),
                              ('nn', 'learn.loading', 'load_model'), ('nn', 'learn.transformer', 'GPT'),
                              ('losses', 'learn.losses', 'cross_entropy'), ('optim', 'learn.optim', 'AdamW'),
                              ('datasets', 'learn.datasets', 'make_moons'), ('training', 'learn.training', 'fit'),
                              ('transformer', 'learn.transformer', 'GPT'), ('text', 'learn.text', 'CharTokenizer'),
                              ('plotting', 'learn.plotting', 'plot_training'),
                              ('exercises', 'classroom.exercises', 'check_backward'),
                              ('table', 'viz.table', 'graph_table'), ('player', 'teach.player', 'show_backward')]:
        assert getattr(importlib.import_module(f'micrograd_ext.{short}'), name) is getattr(
            importlib.import_module(f'micrograd_ext.{home}'), name)


def test_tests_mirror_the_package():
    """Every module of a layer has its test file, tests/<layer>/test_<module>.py."""
    tests = os.path.dirname(os.path.abspath(__file__))
    missing = []
    for module, path in module_files():
        parts = module.split('.')
        if len(parts) != 3 or parts[2] == '__init__' or path.endswith('__init__.py'):
            continue
        if not os.path.exists(os.path.join(tests, parts[1], f'test_{parts[2]}.py')):
            missing.append(module)
    assert missing == []
