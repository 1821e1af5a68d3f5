"""Loss functions built from ``Value`` ops, so their gradients come from the engine.

>>> from micrograd_ext import Value
>>> mse_loss([Value(2.0), Value(0.0)], [1.0, 0.0])
Value(data=0.5, grad=0.0)
"""
from __future__ import annotations

from collections.abc import Sequence

from ..compiled.indexing import Index, pick
from ..core.engine import Value, values
from ..core.ops import LOGSUMEXP


TOKEN_ID_HINT = ' (token ids are ints; a compiled step passes float arguments as Values: give the ids as ints)'


def mse_loss(predictions: Sequence, targets: Sequence) -> Value:
    """Mean of ``(prediction - target) ** 2``."""
    predictions, targets = _equal_length_values(predictions, targets)
    return Value.sum([(p - t) ** 2 for p, t in zip(predictions, targets)]) * (1.0 / len(predictions))


def hinge_loss(scores: Sequence, labels: Sequence) -> Value:
    """micrograd demo's SVM max-margin loss: mean of ``relu(1 - label * score)``, labels -1 or +1."""
    scores, labels = _equal_length_values(scores, labels)
    for label in labels:
        if label.data not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss needs labels -1 or +1, got {label.data}; for 0/1 labels use y * 2 - 1")
    return Value.sum([(1 + -y * s).relu() for y, s in zip(labels, scores)]) * (1.0 / len(scores))


def binary_cross_entropy(logits: Sequence, targets: Sequence) -> Value:
    """Mean of ``-[t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))]`` computed from logits ``z`` (targets 0..1).

    Stable for large logits, and the same formula for every logit (so a ``compiled()`` replay follows it):
    ``softplus(z) - z t``, where softplus(z) = log(1 + e^z) is computed without overflow.
    """
    logits, targets = _equal_length_values(logits, targets)
    terms = []
    for z, t in zip(logits, targets):
        if not 0.0 <= t.data <= 1.0:
            raise ValueError(f"binary_cross_entropy needs targets between 0 and 1, got {t.data}")
        terms.append(z.softplus() - z * t)
    return Value.sum(terms) * (1.0 / len(terms))


def cross_entropy(logits: Sequence, target) -> Value:
    """``-log softmax(logits)[target]`` via log-sum-exp (stable at logits of +-1000) for one example.

    ``target`` is a class index, or one probability per class (a one-hot row, as ``fit(compiled=True)``
    passes it): then the loss is ``sum_k t_k * -log softmax(logits)[k]``.

    >>> cross_entropy([Value(0.0), Value(0.0)], 1).data == cross_entropy([Value(0.0), Value(0.0)], [0.0, 1.0]).data
    True
    """
    logits = values(logits)
    if not isinstance(target, (int, bool)) and hasattr(target, '__len__'):
        probabilities = values(target)
        if len(probabilities) != len(logits):
            raise ValueError(f"target has {len(probabilities)} probabilities for {len(logits)} logits; give one per class")
        log_sum_exp = Value.apply(LOGSUMEXP, *logits)
        return Value.sum([t * (log_sum_exp - z) for t, z in zip(probabilities, logits)])
    if isinstance(target, Index):  # a compiled step's token id: picked anew at every replay
        return Value.apply(LOGSUMEXP, *logits) - pick(logits, target)
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(logits):
        hint = TOKEN_ID_HINT if isinstance(target, (Value, float)) else ''
        raise ValueError(f"target must be a class index from 0 to {len(logits) - 1}, got {target!r}{hint}")
    return Value.apply(LOGSUMEXP, *logits) - logits[target]


def softmax(logits: Sequence) -> list[Value]:
    """``exp(z_k) / sum_j exp(z_j)`` for each logit, as ``exp(z_k - logsumexp(z))``: no overflow at any scale.

    >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(1000.0)])]
    [0.0, 0.0, 1.0]
    """
    logits = values(logits)
    normaliser = Value.apply(LOGSUMEXP, *logits)  # log sum_j exp(z_j), one node
    return [(z - normaliser).exp() for z in logits]


def l2_regularization(parameters: Sequence[Value], alpha: float = 1e-4) -> Value:
    """``alpha * sum(p * p)``, micrograd demo's weight penalty."""
    return alpha * Value.sum([p * p for p in parameters])


def _equal_length_values(predictions: Sequence, targets: Sequence) -> tuple[list[Value], list[Value]]:
    """Both as lists of Values (a single Value as a list of one), checked to be equally long and not empty."""
    predictions, targets = values(_as_list(predictions)), values(_as_list(targets))
    if len(predictions) != len(targets) or not predictions:
        raise ValueError(f"need as many targets as predictions (and at least one): "
                         f"got {len(predictions)} predictions and {len(targets)} targets")
    return predictions, targets


def _as_list(xs) -> list:
    return [xs] if isinstance(xs, Value) else list(xs)
