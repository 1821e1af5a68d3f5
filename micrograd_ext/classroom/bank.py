"""The exercise bank, in the seeds' order: from one neuron by hand, through backprop, to training.

>>> [exercise.name for exercise in BANK.values()][:4]
['neuron_z', 'activations', 'layer', 'activation_derivatives']
>>> sum(exercise.points for exercise in BANK.values())
39
"""
from __future__ import annotations

from . import bank_backprop, bank_neurons, bank_training
from .exercise import Exercise

ORDER = ['neuron_z', 'activations', 'layer', 'activation_derivatives', 'local_derivative', 'chain_rule', 'new_op',
         'reuse', 'backward', 'neuron_forward', 'feed_forward', 'sgd_step', 'adam_step', 'warmup_cosine', 'clipping',
         'learning_rate']
_ALL = {e.name: e for part in (bank_neurons, bank_backprop, bank_training) for e in part.EXERCISES}
BANK: dict[str, Exercise] = {name: _ALL[name] for name in ORDER}


def exercise(name: str) -> Exercise:
    """The bank's exercise called ``name``, or a ValueError listing the names."""
    try:
        return BANK[name]
    except (KeyError, TypeError):
        raise ValueError(f"no exercise is called {name!r}; the bank has {', '.join(BANK)}") from None
