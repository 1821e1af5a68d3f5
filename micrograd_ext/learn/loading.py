"""``load_model(path)``: any model a file holds, rebuilt. It sits above the modules that define the model types
(``nn``, ``transformer``), which register them in ``model_files.MODULE_TYPES`` when they are imported.

>>> import os, tempfile
>>> from micrograd_ext.learn.nn import MLP
>>> path = os.path.join(tempfile.mkdtemp(), 'model.json')
>>> MLP(2, [3, 1], seed=0).save(path)
>>> type(load_model(path)).__name__, load_model(path).config()
('MLP', {'nin': 2, 'nouts': [3, 1], 'activation': 'relu'})
"""
from __future__ import annotations

from . import nn, transformer  # noqa: F401  (each registers its model types, so that a file may hold any of them)
from .model_files import MODULE_TYPES, ModelFileError, brief, parameter_count, read_model_file
from .nn import Module


def load_model(path) -> Module:
    """Rebuild a model saved by ``Module.save()``: its architecture from the file, then its parameters.

    Nothing is built until the architecture is checked: known type, sizes, activation, and a parameter
    count of at most ``MAX_PARAMETERS`` that equals the number of entries in the file's ``state``.
    """
    document = read_model_file(path)
    kind, config, state = document.get('type'), document.get('config'), document.get('state')
    if not isinstance(kind, str) or kind not in MODULE_TYPES or not isinstance(config, dict):
        raise ModelFileError(f"{path} does not name a known model type ({', '.join(MODULE_TYPES)}) with a config")
    try:
        count = parameter_count(kind, config)
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None
    if not isinstance(state, dict) or len(state) != count:
        holds = f'holds {len(state):,}' if isinstance(state, dict) else 'is not a dict of them'
        raise ModelFileError(f"{path}: a {kind} {brief(config)} has {count:,} parameters, but the file's 'state' "
                             f"{holds}; the file is truncated or was edited: save the model again")
    model = MODULE_TYPES[kind](**config, seed=0)  # seed=0: leave global random alone, the file sets every weight
    model.load_state_dict(state)
    return model
