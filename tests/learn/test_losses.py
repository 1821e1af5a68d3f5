import math

import pytest

from micrograd_ext import Value, gradcheck
from micrograd_ext.learn.losses import binary_cross_entropy, cross_entropy, hinge_loss, l2_regularization, mse_loss


def test_mse_by_hand_and_gradcheck():
    p = [Value(2.0), Value(-1.0)]
    loss = mse_loss(p, [1.0, 1.0])
    loss.backward()
    assert loss.data == 2.5 and [v.grad for v in p] == [1.0, -2.0]  # d/dp (p - t)^2 / 2 = p - t
    assert gradcheck(lambda a, b: mse_loss([a, b], [0.3, -0.2]), [1.1, 0.4])


def test_hinge_is_micrograds_svm_loss():
    scores = [Value(0.5), Value(-2.0), Value(3.0)]
    loss = hinge_loss(scores, [1, 1, -1])
    assert loss.data == pytest.approx((0.5 + 3.0 + 4.0) / 3)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([-1 / 3, -1 / 3, 1 / 3])
    assert gradcheck(lambda a, b: hinge_loss([a, b], [1, -1]), [0.3, 0.2])
    with pytest.raises(ValueError, match='labels -1 or \\+1.*y \\* 2 - 1'):
        hinge_loss([Value(1.0)], [0])


@pytest.mark.parametrize('z, t', [(0.0, 1.0), (2.0, 0.0), (-3.0, 1.0), (0.7, 0.3)])
def test_binary_cross_entropy_by_hand_and_gradcheck(z, t):
    loss = binary_cross_entropy([Value(z)], [t])
    s = 1 / (1 + math.exp(-z))
    assert loss.data == pytest.approx(-(t * math.log(s) + (1 - t) * math.log(1 - s)))
    assert gradcheck(lambda a: binary_cross_entropy([a], [t]), [z])
    logit = Value(z)
    binary_cross_entropy([logit], [t]).backward()
    assert logit.grad == pytest.approx(s - t)  # the classic result: sigmoid(z) - t


def test_binary_cross_entropy_is_stable_for_large_logits():
    for z, t, expected in [(1000.0, 1.0, 0.0), (-1000.0, 0.0, 0.0), (1000.0, 0.0, 1000.0), (-1000.0, 1.0, 1000.0)]:
        logit = Value(z)
        loss = binary_cross_entropy([logit], [t])
        loss.backward()
        assert loss.data == pytest.approx(expected) and math.isfinite(logit.grad)
    with pytest.raises(ValueError, match='between 0 and 1'):
        binary_cross_entropy([Value(0.0)], [2])


def test_cross_entropy_by_hand_gradcheck_and_stability():
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    loss = cross_entropy(logits, 1)
    exps = [math.exp(v) for v in (1.0, 2.0, 0.5)]
    assert loss.data == pytest.approx(-math.log(exps[1] / sum(exps)))
    loss.backward()
    softmax = [e / sum(exps) for e in exps]
    assert [v.grad for v in logits] == pytest.approx([softmax[0], softmax[1] - 1, softmax[2]])  # softmax - onehot
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 2), [0.2, -1.0, 0.4])
    big = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy(big, 1)
    loss.backward()
    assert loss.data == pytest.approx(2000.0) and big[0].grad == pytest.approx(1.0)
    with pytest.raises(ValueError, match='class index from 0 to 1'):
        cross_entropy(big, 2)


def test_l2_regularization_and_mismatched_lengths():
    params = [Value(1.0), Value(-2.0)]
    reg = l2_regularization(params, alpha=0.5)
    reg.backward()
    assert reg.data == 2.5 and [p.grad for p in params] == [1.0, -2.0]
    assert gradcheck(lambda a, b: l2_regularization([a, b], alpha=0.3), [0.7, -1.1])
    with pytest.raises(ValueError, match='2 predictions and 1 targets'):
        mse_loss([Value(1.0), Value(2.0)], [1.0])
