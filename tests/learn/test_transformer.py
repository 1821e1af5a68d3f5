"""Transformer pieces from Values: the same outputs and gradients as their PyTorch twins (where PyTorch is
installed), finite differences, causality, sampling, a tiny GPT that learns, and microgpt's GPT: the same loss
and gradients as Karpathy's microgpt (benchmarks/peers/microgpt_train.py) computes."""
import importlib
import json
import math
import os
import random
import sys

import pytest

import micrograd_ext
from micrograd_ext import Value
from micrograd_ext.learn.losses import cross_entropy
from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.nn import FeedForward, ModelFileError
from micrograd_ext.learn.optim import AdamW
from micrograd_ext.learn.transformer import (GPT, CausalSelfAttention, Embedding, LayerNorm, RMSNorm,
                                       TransformerBlock)

from .test_nn import torch_or_skip

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
    'RMSNorm without weights': lambda: RMSNorm(6, 1e-5, elementwise_affine=False),  # microgpt's
    'LayerNorm without bias': lambda: LayerNorm(6, bias=False),
    'LayerNorm without weights': lambda: LayerNorm(6, elementwise_affine=False),
    'TransformerBlock microgpt relu2': lambda: TransformerBlock(6, 2, activation='relu2', seed=0, bias=False,
                                                                norm='rmsnorm', norm_affine=False),
}


@pytest.mark.parametrize('name', sorted(SEQUENCE_MODULES))
def test_each_module_computes_what_its_torch_twin_computes_with_the_same_gradients(name):
    torch = torch_or_skip()
    module = SEQUENCE_MODULES[name]()
    randomize(module)
    xs = sequence(4, 6)
    twin = module.to_torch()
    inputs = [[Value(x) for x in row] for row in xs]
    ours = [[v for v in row] for row in vectors(module, inputs)]
    their_inputs = torch.tensor([xs], dtype=torch.float64, requires_grad=True)
    theirs = twin(their_inputs)[0]
    assert all(close(a.data, b) for row, trow in zip(ours, theirs.tolist()) for a, b in zip(row, trow))
    weights = sequence(4, 6, seed=7)  # a scalar loss that weighs every output differently
    Value.sum([o * w for row, wrow in zip(ours, weights) for o, w in zip(row, wrow)]).backward()
    (theirs * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    their_grads = [p.grad.flatten().tolist() for p in twin.parameters()]
    assert sorted(round(g, 9) for grads in their_grads for g in grads) == pytest.approx(
        sorted(round(p.grad, 9) for p in module.parameters()), abs=1e-8)
    assert all(close(x.grad, g) for row, grow in zip(inputs, their_inputs.grad[0].tolist()) for x, g in zip(row, grow))


def test_an_embedding_is_a_row_of_its_table_and_refuses_other_indices():
    torch = torch_or_skip()
    embedding = Embedding(5, 3, seed=0)
    twin = embedding.to_torch()
    assert [v.data for v in embedding(4)] == twin(torch.tensor(4)).tolist()
    with pytest.raises(ValueError, match='takes an index from 0 to 4, got 5'):
        embedding(5)


def test_the_gpts_logits_for_a_batch_equal_its_torch_twins():
    torch = torch_or_skip()
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


def replayed_like_eager(gpt, loss, step, *args) -> None:
    """``step(*args)`` and its gradients equal ``loss(*args)`` computed eagerly, after the parameters changed."""
    for p in gpt.parameters():
        p.data += 0.01  # the replay reads the parameters' data now
    expected = loss(*args)
    gpt.zero_grad()
    expected.backward()
    eager = [p.grad for p in gpt.parameters()]
    gpt.zero_grad()
    assert close(step(*args), expected.data, 1e-12)
    step.backward()
    assert all(close(a, b, 1e-11) for a, b in zip([p.grad for p in gpt.parameters()], eager))


def test_a_gpt_step_replayed_by_compiled_gives_the_eager_loss_and_gradients_on_new_tokens():
    from micrograd_ext import compiled
    gpt = GPT(vocab_size=6, block_size=5, n_embd=4, n_head=2, n_layer=1, seed=4)

    def loss(tokens, targets, more_tokens, more_targets) -> Value:
        batch = [(tokens, targets), (more_tokens, more_targets)]
        return Value.sum([cross_entropy(z, t) for ids, next_ids in batch for z, t in zip(gpt(ids), next_ids)])

    step = compiled(loss, [0, 2, 3, 1], [2, 3, 1, 0], [0, 5, 4], [5, 4, 0])
    replayed_like_eager(gpt, loss, step, [0, 2, 3, 1], [2, 3, 1, 0], [0, 5, 4], [5, 4, 0])
    replayed_like_eager(gpt, loss, step, [4, 4, 1, 5], [4, 1, 5, 0], [3, 0, 2], [0, 2, 2])  # other tokens
    assert len(step.recorded_shapes) == 1


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


# ---- microgpt's model (Karpathy, Feb 2026) as GPT options, checked against benchmarks/peers/microgpt_train.py

@pytest.fixture
def microgpt(monkeypatch):
    """microgpt_train.py on micrograd_ext's Value: its ``from microgpt import Value`` finds this package, as for a
    user who switches engines; Python's global random is restored afterwards (make_weights draws from it)."""
    monkeypatch.setitem(sys.modules, 'microgpt', micrograd_ext)
    monkeypatch.syspath_prepend(os.path.join(ROOT, 'benchmarks', 'peers'))
    sys.modules.pop('microgpt_train', None)
    state = random.getstate()
    module = importlib.import_module('microgpt_train')
    assert module.Value is Value and (module.n_embd, module.n_head, module.n_layer, module.block_size) == (16, 4, 1, 16)
    yield module
    random.setstate(state)
    sys.modules.pop('microgpt_train', None)


OUR_NAMES = {'wte': 'token_embedding.weight.{i}.{j}', 'wpe': 'position_embedding.weight.{i}.{j}',
             'attn_wq': 'blocks.{layer}.attention.query.neurons.{i}.w.{j}',
             'attn_wk': 'blocks.{layer}.attention.key.neurons.{i}.w.{j}',
             'attn_wv': 'blocks.{layer}.attention.value.neurons.{i}.w.{j}',
             'attn_wo': 'blocks.{layer}.attention.proj.neurons.{i}.w.{j}',
             'mlp_fc1': 'blocks.{layer}.feed_forward.up.neurons.{i}.w.{j}',
             'mlp_fc2': 'blocks.{layer}.feed_forward.down.neurons.{i}.w.{j}', 'lm_head': 'head.neurons.{i}.w.{j}'}


def pairs(gpt, weights):
    """(our parameter, microgpt's) for each of microgpt's weights, by what each is (row i = output neuron i)."""
    ours = dict(gpt.named_parameters())
    found = []
    for key, rows in weights.items():
        layer, _, name = key.rpartition('.')
        for i, row in enumerate(rows):
            found += [(ours.pop(OUR_NAMES[name].format(layer=layer[5:], i=i, j=j)), p) for j, p in enumerate(row)]
    assert ours == {}  # and nothing else: no biases, no norm weights
    return found


def document(length: int, seed: int) -> list[int]:
    """A made-up name of ``length`` letters between microgpt's BOS tokens (26, after the letters 0..25)."""
    rng = random.Random(seed)
    return [26] + [rng.randrange(26) for _ in range(length)] + [26]


def test_microgpts_gpt_has_its_4192_parameters_named_for_what_they_are():
    gpt = GPT.microgpt(27, seed=0)
    named = gpt.named_parameters()
    assert len(named) == len(gpt.parameters()) == len({id(p) for _, p in named}) == 4192
    parts = {}
    for name, _ in named:
        part = name.split('.neurons.')[0].split('.weight.')[0]
        parts[part] = parts.get(part, 0) + 1
    assert parts == {'token_embedding': 27 * 16, 'position_embedding': 16 * 16, 'blocks.0.attention.query': 256,
                     'blocks.0.attention.key': 256, 'blocks.0.attention.value': 256, 'blocks.0.attention.proj': 256,
                     'blocks.0.feed_forward.up': 64 * 16, 'blocks.0.feed_forward.down': 16 * 64, 'head': 27 * 16}
    assert gpt.embedding_norm is not None and gpt.norm is None and gpt.bos == 26
    assert repr(gpt) == ("GPT(vocab_size=27, block_size=16, n_embd=16, n_head=4, n_layer=1, norm='rmsnorm', "
                         "norm_affine=False, bias=False, activation='relu', embedding_norm=True, final_norm=False, "
                         "bos=26)")
    weights = [p.data for p in gpt.parameters()]
    mean = sum(weights) / len(weights)
    assert abs(mean) < 0.005 and 0.075 < math.sqrt(sum((w - mean) ** 2 for w in weights) / len(weights)) < 0.085
    assert len(GPT.microgpt(27, seed=0, activation='relu2').parameters()) == 4192


def test_gpt_microgpt_starts_from_the_weights_microgpt_makes_after_the_same_seed(microgpt):
    random.seed(7)
    weights = microgpt.make_weights(27)
    gpt = GPT.microgpt(27, seed=7)
    assert all(ours.data == theirs.data for ours, theirs in pairs(gpt, weights))
    random.seed(7)  # without a seed, from Python's global random, as microgpt draws
    assert [p.data for p in GPT.microgpt(27).parameters()] == [p.data for p in gpt.parameters()]


@pytest.mark.parametrize('length', [0, 1, 5, 15, 22])  # 15 letters: block_size (16) positions; 22: cut at 16
def test_the_loss_and_every_gradient_are_those_microgpt_computes(microgpt, length):
    random.seed(100 + length)
    weights = microgpt.make_weights(27)
    for rows in weights.values():  # trained a little: not the initial spread
        for row in rows:
            for p in row:
                p.data *= 1.0 + 5.0 * random.random()
    gpt = GPT.from_microgpt(weights)
    doc = document(length, seed=length)
    theirs = microgpt.document_loss(weights, doc)
    theirs.backward()
    n = min(16, len(doc) - 1)
    ours = gpt.loss(doc[:n], doc[1:n + 1])
    ours.backward()
    assert abs(ours.data - theirs.data) <= 1e-12 * abs(theirs.data)
    matched = pairs(gpt, weights)
    assert all(a is not b and a.data == b.data for a, b in matched)  # the numbers copied, not shared
    assert sum(b.grad != 0 for _, b in matched) > 1000
    assert all(math.isclose(a.grad, b.grad, rel_tol=1e-10, abs_tol=1e-13) for a, b in matched)


def test_from_microgpt_refuses_weights_it_cannot_read(microgpt):
    random.seed(0)
    weights = microgpt.make_weights(5)
    assert GPT.from_microgpt({k: [[p.data for p in row] for row in rows] for k, rows in weights.items()}).config() == \
        GPT.microgpt(5, seed=0).config()  # plain numbers too
    with pytest.raises(ValueError, match="missing \\['lm_head'\\], unexpected \\['bias'\\]"):
        GPT.from_microgpt({**{k: v for k, v in weights.items() if k != 'lm_head'}, 'bias': [[0.0]]})
    with pytest.raises(ValueError, match="'layer0.mlp_fc2' must be 16 rows of 64 numbers"):
        GPT.from_microgpt({**weights, 'layer0.mlp_fc2': weights['layer0.mlp_fc1']})
    with pytest.raises(ValueError, match="'wpe' holds nan, where a finite number belongs"):
        GPT.from_microgpt({**weights, 'wpe': [[math.nan] * 16] * 16})
    with pytest.raises(ValueError, match="takes microgpt's state_dict"):
        GPT.from_microgpt({'wte': []})
    with pytest.raises(ValueError, match=r'n_embd \(16\) must be a multiple of n_head \(3\)'):
        GPT.from_microgpt(weights, n_head=3)


@pytest.mark.parametrize('options', [
    {'norm': 'rmsnorm', 'norm_affine': False, 'bias': False, 'activation': 'relu', 'embedding_norm': True,
     'final_norm': False, 'init': 'normal'},  # microgpt's
    {'norm': 'rmsnorm', 'norm_affine': False, 'bias': False, 'activation': 'relu2', 'embedding_norm': True,
     'final_norm': False},
    {'bias': False, 'tie_weights': True, 'norm_eps': 1e-3},  # nanoGPT's bias=False: LayerNorms without bias too
    {'norm': 'rmsnorm', 'embedding_norm': True, 'activation': 'swiglu', 'tie_weights': True},
])
def test_the_torch_twin_of_a_gpt_with_options_computes_the_same_logits_and_gradients(options):
    torch = torch_or_skip()
    gpt = GPT(vocab_size=7, block_size=5, n_embd=6, n_head=2, n_layer=2, seed=3, **options)
    randomize(gpt, seed=4)
    twin = gpt.to_torch()
    batch = [[1, 4, 2, 6, 0], [3, 3, 5, 1, 2]]
    theirs = twin(torch.tensor(batch))
    ours = [gpt(tokens) for tokens in batch]
    assert all(close(a.data, b, 1e-12) for seq, tseq in zip(ours, theirs.tolist()) for row, trow in zip(seq, tseq)
               for a, b in zip(row, trow))
    weights = [sequence(5, 7, seed=s) for s in (8, 9)]
    Value.sum([o * w for seq, wseq in zip(ours, weights) for row, wrow in zip(seq, wseq)
               for o, w in zip(row, wrow)]).backward()
    (theirs * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    their_grads = sorted(g for p in twin.parameters() for g in p.grad.flatten().tolist())
    assert len(their_grads) == len(gpt.parameters())
    assert their_grads == pytest.approx(sorted(p.grad for p in gpt.parameters()), rel=1e-10, abs=1e-12)


def test_a_tied_head_is_the_token_embeddings_table_and_gets_the_gradients_of_both_uses():
    gpt = GPT(vocab_size=5, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=5, tie_weights=True, bias=False)
    assert all(n.w[j] is gpt.token_embedding.weight[i][j] for i, n in enumerate(gpt.head.neurons) for j in range(4))
    assert len(gpt.parameters()) == (5 + 4) * 4 + 4 * 4 * 4 + 2 * 4 * 16 + 3 * 4  # no head of its own; 3 LayerNorms
    assert not any(name.startswith('head.') for name, _ in gpt.named_parameters())
    tokens, targets = [1, 3, 0, 2], [3, 0, 2, 4]
    assert_finite_differences(lambda: gpt.loss(tokens, targets),
                              [(n, p) for n, p in gpt.named_parameters() if n.startswith('token_embedding.')][:12])


def test_loss_is_the_mean_cross_entropy_over_positions():
    import numpy as np
    gpt = GPT(vocab_size=6, block_size=4, n_embd=4, n_head=2, n_layer=1, seed=6)
    tokens, targets = [1, 5, 2], [5, 2, 0]
    expected = sum(cross_entropy(z, t).data for z, t in zip(gpt(tokens), targets)) / 3
    assert close(gpt.loss(tokens, targets).data, expected, 1e-14)
    assert gpt.loss(np.array(tokens), np.array(targets)).data == gpt.loss(tokens, targets).data
    with pytest.raises(ValueError, match='a target per token: got 3 tokens and 2 targets'):
        gpt.loss(tokens, targets[:2])
    with pytest.raises(ValueError, match='target must be a class index from 0 to 5, got 6'):
        gpt.loss(tokens, [5, 2, 6])


def test_generate_stops_after_sampling_the_stop_token_which_defaults_to_bos():
    gpt = GPT.microgpt(5, block_size=8, n_embd=8, n_head=2, seed=0)  # bos: 4
    unstopped = GPT(5, 8, 8, 2, 1, seed=0, **{k: v for k, v in gpt.config().items() if k not in (
        'vocab_size', 'block_size', 'n_embd', 'n_head', 'n_layer', 'bos')})
    unstopped.load_state_dict(gpt.state_dict())
    assert unstopped.bos is None
    for seed in range(5):
        free = unstopped.generate([4], 20, seed=seed)  # the same draws, without a stop
        assert 4 in free[1:]  # so that stopping is tested
        stopped = gpt.generate([4], 20, seed=seed)
        assert stopped == free[:free.index(4, 1) + 1]  # up to and with the first BOS sampled
        at_1 = gpt.generate([4], 20, seed=seed, stop=1)  # another stop token, given
        assert at_1 == (free[:free.index(1, 1) + 1] if 1 in free[1:] else free)
    assert gpt.generate([4], 0, seed=0) == [4]
    for stop in (5, -1, True, 1.0):
        with pytest.raises(ValueError, match=r"stop must be a token id from 0 to 4 \(None: the model's bos\)"):
            gpt.generate([4], 3, stop=stop)


@pytest.mark.parametrize('options, error, message', [
    ({'norm': 'batchnorm'}, ValueError, "a GPT's norm must be 'layernorm' or 'rmsnorm', got 'batchnorm'"),
    ({'norm_affine': 'no'}, ValueError, "norm_affine must be True or False, got 'no'"),
    ({'bias': 0}, ValueError, 'bias must be True or False, got 0'),
    ({'final_norm': None}, ValueError, 'final_norm must be True or False'),
    ({'norm_eps': 0}, ValueError, 'norm_eps must be a positive number'),
    ({'norm_eps': math.inf}, ValueError, 'norm_eps must be a positive number'),
    ({'activation': 'swish'}, ValueError, "activation must be one of gelu, none, relu, relu2, sigmoid, silu, swiglu"),
    ({'init': 'xavier'}, ValueError, "init must be 'default' .* or 'normal'"),
    ({'init': 'normal', 'init_std': -0.1}, ValueError, 'init_std must be a positive number, got -0.1'),
    ({'init_std': 0.02}, ValueError, "init_std=0.02 is the spread of init='normal'; give that too"),
    ({'bos': 5}, ValueError, 'bos must be None or a token id from 0 to 4, got 5'),
    ({'bos': True}, ValueError, 'bos must be None or a token id'),
    ({'dropout': 0.1}, TypeError, "unexpected keyword argument 'dropout'"),
])
def test_bad_options_are_clear_errors(options, error, message):
    with pytest.raises(error, match=message):
        GPT(5, 4, 4, 2, 1, seed=0, **options)


def test_a_gpt_with_options_saves_and_loads_and_a_file_from_before_the_options_loads_as_todays_gpt(tmp_path):
    gpt = GPT.microgpt(7, block_size=5, n_embd=8, n_head=2, seed=3, activation='relu2')
    path = tmp_path / 'microgpt.json'
    gpt.save(path)
    assert json.loads(path.read_text())['config'] == {
        'vocab_size': 7, 'block_size': 5, 'n_embd': 8, 'n_head': 2, 'n_layer': 1, 'norm': 'rmsnorm',
        'norm_affine': False, 'bias': False, 'activation': 'relu2', 'embedding_norm': True, 'final_norm': False,
        'bos': 6}
    again = load_model(path)
    assert again.config() == gpt.config() and again.bos == 6
    assert [z.data for z in again([6, 1, 2])[-1]] == [z.data for z in gpt([6, 1, 2])[-1]]
    fresh = GPT.microgpt(7, block_size=5, n_embd=8, n_head=2, seed=4, activation='relu2')
    fresh.load(path)
    assert fresh.state_dict() == gpt.state_dict()
    with pytest.raises(ModelFileError, match='holds a GPT .* but this model is a GPT'):
        GPT(7, 5, 8, 2, 1, seed=0).load(path)  # today's default GPT is another architecture
    tied = GPT(7, 5, 8, 2, 1, seed=5, tie_weights=True, bos=0, norm_eps=1e-6, final_norm=False)
    tied.save(tmp_path / 'tied.json')
    loaded = load_model(tmp_path / 'tied.json')
    assert loaded.config() == tied.config() and loaded.state_dict() == tied.state_dict()
    assert loaded.head.neurons[2].w[3] is loaded.token_embedding.weight[2][3]  # still one table
    old = GPT(7, 5, 8, 2, 1, seed=6)  # as save() wrote a GPT before the options: the sizes alone
    sizes = {'vocab_size': 7, 'block_size': 5, 'n_embd': 8, 'n_head': 2, 'n_layer': 1}
    document_ = {'format': 'micrograd_ext.model', 'version': 1, 'type': 'GPT', 'config': sizes,
                 'state': old.state_dict()}
    (tmp_path / 'old.json').write_text(json.dumps(document_))
    loaded = load_model(tmp_path / 'old.json')
    assert loaded.config() == sizes and loaded.norm is not None and loaded.bos is None
    assert [z.data for z in loaded([1, 2])[-1]] == [z.data for z in old([1, 2])[-1]]
    for change, message in [({'norm': 'batchnorm'}, "norm must be 'layernorm' or 'rmsnorm'"),
                            ({'bias': 'no'}, 'bias must be True or False'),
                            ({'bos': 7}, 'bos must be None or a token id from 0 to 6'),
                            ({'activation': 'swish'}, 'activation must be one of'),
                            ({'dropout': 0.1}, r'has the keys vocab_size, .* \(and maybe norm, .*bos\), this one'),
                            ({'bias': False}, 'the file is truncated or was edited')]:  # counts as another GPT
        (tmp_path / 'bad.json').write_text(json.dumps(dict(document_, config={**sizes, **change})))
        with pytest.raises(ModelFileError, match=message):
            load_model(tmp_path / 'bad.json')


def test_a_microgpt_step_replayed_by_compiled_gives_the_eager_loss_and_gradients_for_any_document():
    from micrograd_ext import compiled
    gpt = GPT.microgpt(6, block_size=5, n_embd=4, n_head=2, seed=4)
    step = compiled(gpt.loss, [5, 0, 3, 1], [0, 3, 1, 5])
    replayed_like_eager(gpt, gpt.loss, step, [5, 2, 2, 4], [2, 2, 4, 5])  # another document of the same length
    replayed_like_eager(gpt, gpt.loss, step, [5, 1], [1, 5])  # another length: recorded once more
    assert step.recorded_shapes == [[(4,), (4,)], [(2,), (2,)]]
