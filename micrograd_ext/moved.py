"""The import paths of modules that moved into the layers' folders keep working: ``micrograd_ext.nn`` is
``micrograd_ext.learn.nn``, ``micrograd_ext.exercises`` is ``micrograd_ext.teach.exercises``, and so on (the
same module object, imported when first asked for).

>>> import micrograd_ext.table, micrograd_ext.teach.table
>>> micrograd_ext.table is micrograd_ext.teach.table
True
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

PACKAGE = __name__.rpartition('.')[0]
LAYERS = {'learn': ('nn', 'losses', 'optim', 'datasets', 'training', 'transformer', 'text', 'model_files',
                    'torch_twins', 'plotting'),
          'teach': ('steps', 'explain', 'table', 'player', 'exercises', 'expressions', 'demo', 'naming', 'quiz',
                    'classroom')}
HOMES = {name: layer for layer, names in LAYERS.items() for name in names}


def new_name(fullname: str) -> str | None:
    """``micrograd_ext.classroom.grading`` -> ``micrograd_ext.teach.classroom.grading``; None if not moved."""
    head, _, rest = fullname.partition('.')
    first = rest.partition('.')[0]
    return f'{head}.{HOMES[first]}.{rest}' if head == PACKAGE and first in HOMES else None


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and hands over the module at its new one."""

    def find_spec(self, fullname, path, target=None):
        return importlib.machinery.ModuleSpec(fullname, self) if new_name(fullname) else None

    def create_module(self, spec):
        module = importlib.import_module(new_name(spec.name))
        spec.loader_state = module.__spec__  # import sets the old path's spec on it: put its own back after
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = module.__spec__.loader_state  # it ran at its new path: keep that spec


def install() -> None:
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModules())  # before the path finder, which would load a second copy
