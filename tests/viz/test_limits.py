"""How much a drawing may hold (viz/limits.py): every way out that GraphTooLargeError offers draws when it is
followed (issue 28, item 11a)."""
import re

import pytest

from micrograd_ext.learn.nn import MLP
from micrograd_ext.viz import GraphTooLargeError, draw_dot


def test_the_advice_of_a_graph_too_large_draws_when_followed():
    """The loss of 20 examples through MLP(2, [4, 4, 1]) offered collapse='neuron', which was refused too."""
    model = MLP(2, [4, 4, 1], seed=0)
    X = [[(i % 5) / 2 - 1, (i // 5) / 2 - 1] for i in range(20)]
    loss = sum((model(x) - 1) ** 2 for x in X)
    with pytest.raises(GraphTooLargeError) as caught:
        draw_dot(loss)
    message = str(caught.value)
    calls = re.findall(r'draw_dot\(\.\.\., ([^()]*)\)', message)
    assert any('collapse=' in call for call in calls), message  # collapsing, with the limits it needs
    for call in calls:
        options = eval(f'dict({call})')  # noqa: S307 (our own message: keyword=literal pairs)
        assert draw_dot(loss, **options).source  # every way offered draws
    small = MLP(2, [16, 16, 1], seed=0)([1.0, 2.0])  # collapsed, it fits: offered as is
    with pytest.raises(GraphTooLargeError, match=r"collapse='neuron' draws each neuron as one box \(35 nodes, 304 "
                                                 r"edges\); or raise"):
        draw_dot(small)
