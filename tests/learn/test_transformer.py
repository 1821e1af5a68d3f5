"""Transformer pieces from Values: the same outputs and gradients as their PyTorch twins, finite differences,
causality, sampling, and a tiny GPT that learns."""
import math
import random

import pytest

from micrograd_ext import Value
from micrograd_ext.learn.losses import cross_entropy
from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.nn import FeedForward
from micrograd_ext.learn.optim import AdamW
from micrograd_ext.learn.transformer import (GPT, CausalSelfAttention, Embedding, LayerNorm, RMSNorm,
                                       TransformerBlock)

torch = pytest.importorskip('torch')


def sequence(length: int, width: int, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(width)] for _ in range(length)]


def close(a: float, b: float, tolerance: float = 1e-9) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def assert_finite_differences(loss, named_parameters, eps: float = 1e-6) -> None:
    """Each parameter's gradient from backward() equals the central finite difference of ``loss()`` (float64)."""
    for _, p in named_parameters:
        p.grad = 0.0
    loss().backward()
    for name, p in named_parameters:
        analytic, saved = p.grad, p.data
        p.data = saved + eps
        up = loss().data
        p.data = saved - eps
        down = loss().data
        p.data = saved
        assert abs(analytic - (up - down) / (2 * eps)) <= 1e-6 * max(1.0, abs(analytic)), name


def randomize(module, seed: int = 1) -> None:
    """Move every parameter off its initial value (norms start at exactly 1 and 0)."""
    rng = random.Random(seed)
    for p in module.parameters():
        p.data += rng.uniform(-0.5, 0.5)


def vectors(module, xs):
    """A module's output on a sequence: per position for sequence modules, per vector for the norms."""
    if isinstance(module, (LayerNorm, RMSNorm, FeedForward)):
        return [module(x) for x in xs]
    return module(xs)


SEQUENCE_MODULES = {
    'LayerNorm': lambda: LayerNorm(6),
    'RMSNorm': lambda: RMSNorm(6),
    'CausalSelfAttention': lambda: CausalSelfAttention(6, 2, seed=0),
    'TransformerBlock': lambda: TransformerBlock(6, 3, seed=0),
    'TransformerBlock swiglu': lambda: TransformerBlock(6, 2, d_hidden=8, activation='swiglu', seed=0),
    'FeedForward swiglu': lambda: FeedForward(6, 10, activation='swiglu', seed=0),
}


@pytest.mark.parametrize('name', sorted(SEQUENCE_MODULES))
def test_each_module_computes_what_its_torch_twin_computes_with_the_same_gradients(name):
    module = SEQUENCE_MODULES[name]()
    randomize(module)
    xs = sequence(4, 6)
    twin = module.to_torch()
    ours = [[v for v in row] for row in vectors(module, [[Value(x) for x in row] for row in xs])]
    theirs = twin(torch.tensor([xs], dtype=torch.float64))[0]
    assert all(close(a.data, b) for row, trow in zip(ours, theirs.tolist()) for a, b in zip(row, trow))
    weights = sequence(4, 6, seed=7)  # a scalar loss that weighs every output differently
    Value.sum([o * w for row, wrow in zip(ours, weights) for o, w in zip(row, wrow)]).backward()
    (theirs * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    their_grads = [p.grad.flatten().tolist() for p in twin.parameters()]
    assert sorted(round(g, 9) for grads in their_grads for g in grads) == pytest.approx(
        sorted(round(p.grad, 9) for p in module.parameters()), abs=1e-8)


def test_an_embedding_is_a_row_of_its_table_and_refuses_other_indices():
    embedding = Embedding(5, 3, seed=0)
    twin = embedding.to_torch()
    assert [v.data for v in embedding(4)] == twin(torch.tensor(4)).tolist()
    with pytest.raises(ValueError, match='takes an index from 0 to 4, got 5'):
        embedding(5)


def test_the_gpts_logits_for_a_batch_equal_its_torch_twins():
    gpt = GPT(vocab_size=7, block_size=5, n_embd=6, n_head=2, n_layer=2, seed=3)
    batch = [[1, 4, 2, 6, 0], [3, 3, 5, 1, 2]]
    theirs = gpt.to_torch()(torch.tensor(batch)).tolist()
    for tokens, their_logits in zip(batch, theirs):
        ours = gpt(tokens)
        assert all(close(a.data, b, 1e-9) for row, trow in zip(ours, their_logits) for a, b in zip(row, trow))


def test_gpt_gradients_agree_with_central_finite_differences_on_a_sample_of_parameters():
    gpt = GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=5)
    tokens, targets = [1, 3, 0, 2], [3, 0, 2, 4]

    def loss() -> Value:
        return Value.sum([cross_entropy(z, t) for z, t in zip(gpt(tokens), targets)])

    named = gpt.named_parameters()
    sample = random.Random(0).sample(named, 25) + [n for n in named if n[0].startswith('blocks.0.attention.query')][:3]
    assert_finite_differences(loss, sample)


def test_attention_is_causal_a_later_token_does_not_change_earlier_outputs():
    gpt = GPT(vocab_size=6, block_size=5, n_embd=4, n_head=2, n_layer=2, seed=1)
    first, second = gpt([1, 2, 3, 4]), gpt([1, 2, 3, 0])
    assert [[v.data for v in row] for row in first[:3]] == [[v.data for v in row] for row in second[:3]]
    assert [v.data for v in first[3]] != [v.data for v in second[3]]


def test_generate_samples_reproducibly_within_the_vocabulary_and_the_block():
    gpt = GPT(vocab_size=6, block_size=3, n_embd=4, n_head=1, n_layer=1, seed=2)
    a, b = gpt.generate([1], 8, seed=11), gpt.generate([1], 8, seed=11)
    assert a == b and len(a) == 9 and a[0] == 1 and all(0 <= t < 6 for t in a)
    greedy = gpt.generate([1], 4, temperature=1e-6, seed=0)
    logits = gpt(greedy[:1])[-1]
    assert greedy[1] == max(range(6), key=lambda k: logits[k].data)  # a tiny temperature picks the largest logit
    for temperature in (0, float('nan'), 1e-310, '1'):
        with pytest.raises(ValueError, match='temperature must be a number from 1e-06 up'):
            gpt.generate([1], 2, temperature=temperature)
    with pytest.raises(ValueError, match='give at least one token'):
        gpt.generate([], 2)
    with pytest.raises(ValueError, match='max_new_tokens must be a whole number of at least 0'):
        gpt.generate([1], -2)
    import numpy as np
    assert gpt.generate(np.array([1]), 2, seed=11) == a[:3]  # NumPy token ids work as ints
    with pytest.raises(ValueError, match='reads 1 to 3 tokens at a time'):
        gpt([1, 2, 3, 4])


def test_bad_sizes_are_clear_errors():
    with pytest.raises(ValueError, match=r'n_embd \(6\) must be a multiple of n_head \(4\)'):
        CausalSelfAttention(6, 4)


def test_a_tiny_gpt_learns_to_continue_a_repeating_pattern():
    gpt = GPT(vocab_size=4, block_size=4, n_embd=8, n_head=2, n_layer=1, seed=0)
    optimizer = AdamW(gpt.parameters(), lr=0.02, weight_decay=0.0)
    text = [0, 1, 2, 3, 0, 1, 2, 3]
    losses = []
    for step in range(15):
        start = step % 4
        tokens, targets = text[start:start + 4], text[start + 1:start + 5]
        loss = Value.sum([cross_entropy(z, t) for z, t in zip(gpt(tokens), targets)]) * 0.25
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0] and math.isfinite(losses[-1])


def test_a_swiglu_feed_forward_is_gated_and_saves_and_loads(tmp_path):
    ffn = FeedForward(3, 5, activation='swiglu', seed=1)
    assert len(ffn.parameters()) == (3 + 1) * 5 * 2 + (5 + 1) * 3  # up and gate, then down
    x = [0.5, -1.0, 2.0]
    linear = lambda n, inputs: sum(w.data * v for w, v in zip(n.w, inputs)) + n.b.data  # noqa: E731
    gates = [linear(n, x) for n in ffn.gate.neurons]
    hidden = [g / (1 + math.exp(-g)) * linear(u, x) for g, u in zip(gates, ffn.up.neurons)]  # silu(gate) * up
    expected = [linear(n, hidden) for n in ffn.down.neurons]
    assert all(close(v.data, e, 1e-12) for v, e in zip(ffn(x), expected))
    ffn.save(str(tmp_path / 'ffn.json'))
    again = load_model(str(tmp_path / 'ffn.json'))
    assert again.config() == {'d_model': 3, 'd_hidden': 5, 'activation': 'swiglu'}
    assert [v.data for v in again(x)] == [v.data for v in ffn(x)]


@pytest.mark.parametrize('name', sorted(SEQUENCE_MODULES))
def test_each_modules_gradients_agree_with_central_finite_differences(name):
    module = SEQUENCE_MODULES[name]()
    randomize(module, seed=3)
    xs, weights = sequence(3, 6, seed=4), sequence(3, 6, seed=5)

    def loss() -> Value:
        outputs = vectors(module, [[Value(x) for x in row] for row in xs])
        return Value.sum([o * w for row, wrow in zip(outputs, weights) for o, w in zip(row, wrow)])

    named = module.named_parameters()
    assert_finite_differences(loss, random.Random(0).sample(named, min(12, len(named))))


def test_a_gpt_step_replayed_by_compiled_gives_the_eager_loss_and_gradients():
    from micrograd_ext import compiled
    gpt = GPT(vocab_size=6, block_size=5, n_embd=4, n_head=2, n_layer=1, seed=4)
    batch = [([0, 2, 3, 1], [2, 3, 1, 0]), ([0, 5, 4], [5, 4, 0])]

    def loss() -> Value:
        return Value.sum([cross_entropy(z, t) for tokens, targets in batch for z, t in zip(gpt(tokens), targets)])

    step = compiled(loss)
    for p in gpt.parameters():
        p.data += 0.01  # the replay reads the parameters' data now
    expected = loss()
    gpt.zero_grad()
    expected.backward()
    eager = [p.grad for p in gpt.parameters()]
    gpt.zero_grad()
    assert close(step(), expected.data, 1e-12)
    step.backward()
    assert all(close(a, b, 1e-11) for a, b in zip([p.grad for p in gpt.parameters()], eager))


def test_a_gpt_saves_and_loads_and_a_bad_gpt_file_is_refused_before_anything_is_built(tmp_path):
    import json
    from micrograd_ext.learn.nn import ModelFileError
    gpt = GPT(vocab_size=7, block_size=5, n_embd=6, n_head=2, n_layer=2, seed=1)
    path = tmp_path / 'gpt.json'
    gpt.save(str(path))
    again = load_model(str(path))
    assert isinstance(again, GPT) and again.config() == gpt.config()
    assert [z.data for z in again([3, 1, 4])[-1]] == [z.data for z in gpt([3, 1, 4])[-1]]
    document = json.loads(path.read_text())
    for change, message in [({'n_head': 4}, r'n_embd \(6\) must be a multiple of its n_head \(4\)'),
                            ({'n_layer': 0}, 'whole numbers of at least 1'),
                            ({'vocab_size': 10 ** 9}, 'more than the 1,000,000 a model file may hold'),
                            ({'n_layer': 3}, 'the file is truncated or was edited')]:
        bad = dict(document, config={**document['config'], **change})
        (tmp_path / 'bad.json').write_text(json.dumps(bad))
        with pytest.raises(ModelFileError, match=message):
            load_model(str(tmp_path / 'bad.json'))


def test_the_transformer_parts_are_also_in_micrograd_ext_nn():
    import micrograd_ext.nn as nn_module
    from micrograd_ext.learn import transformer
    parts = ('Embedding', 'LayerNorm', 'RMSNorm', 'CausalSelfAttention', 'TransformerBlock', 'GPT')
    assert all(getattr(nn_module, name) is getattr(transformer, name) for name in parts)
    with pytest.raises(AttributeError, match="has no attribute 'Transformer'"):
        nn_module.Transformer


def test_wrong_sizes_and_parts_that_cannot_be_saved_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r'LayerNorm\(dim=3, eps=1e-05\) takes vectors of 3 numbers, got 4'):
        LayerNorm(3)([1.0, 2.0, 3.0, 100.0])
    with pytest.raises(ValueError, match='takes vectors of 3 numbers, got 2'):
        RMSNorm(3)([1.0, 2.0])
    with pytest.raises(ValueError, match='n_layer must be a whole number of at least 1, got 0'):
        GPT(5, 4, 4, 2, 0)
    with pytest.raises(ValueError, match='d_hidden must be a whole number of at least 1, got 0'):
        TransformerBlock(4, 2, d_hidden=0)
    with pytest.raises(ValueError, match='load_model\\(\\) can rebuild .*GPT, not a LayerNorm; save the model that holds it'):
        LayerNorm(3).save(str(tmp_path / 'norm.json'))
    assert not (tmp_path / 'norm.json').exists()
    gpt = GPT(5, 4, 4, 2, 1, seed=0)
    gpt.blocks[0] = TransformerBlock(4, 2, activation='swiglu', seed=0)
    with pytest.raises(ValueError, match='was changed after it was built'):
        gpt.save(str(tmp_path / 'gpt.json'))
    assert repr(GPT(5, 4, 4, 2, 1)) == 'GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1)'
