"""Token ids in compiled steps (compiled/indexing.py): integer arguments pick rows anew at every replay, a step
keeps one recording per sequence length, the softmax's shift is recomputed, and misuse says what to do."""
import math
import random

import numpy as np
import pytest

from micrograd_ext import RecordingWarning, Value, compiled
from micrograd_ext.compiled.indexing import Index, IndexWarning, Rows, gather, pick
from micrograd_ext.learn.losses import cross_entropy, softmax
from micrograd_ext.learn.transformer import GPT
from micrograd_ext.learn.optim import Adam


def table(rows: int, cols: int, seed: int = 0) -> list[list[Value]]:
    rng = random.Random(seed)
    return [[Value(rng.gauss(0, 1)) for _ in range(cols)] for _ in range(rows)]


def grads(values) -> list[float]:
    return [v.grad for row in values for v in row]


def test_plain_ints_index_as_lists_do_and_make_no_new_nodes():
    rows = table(3, 2)
    assert gather(rows, 2) == rows[2] and pick(rows[0], 1) is rows[0][1] and Rows(rows)[1] == rows[1]
    assert isinstance(Rows(rows)[:2], Rows) and len(Rows(rows)[:2]) == 2


def test_token_ids_given_to_a_step_pick_new_rows_at_every_replay():
    rows = table(5, 3)
    wte = Rows(rows)
    weights = [Value(0.5), Value(-1.5), Value(2.0)]

    def loss(ids, target):
        hidden = [Value.sum(w * x for w, x in zip(weights, wte[i])) for i in ids]
        return cross_entropy(hidden, target)

    seen = []
    step = compiled(lambda ids, target: seen.append((ids, target)) or loss(ids, target), [0, 1, 2], 1)
    assert [type(i) for i in seen[0][0]] == [Index] * 3 and isinstance(seen[0][1], Index)
    for ids, target in ([4, 4, 0], 2), (np.array([3, 1, 2]), 0), ([2, 0, 1], np.int64(1)):
        for v in [*weights, *[x for row in rows for x in row]]:
            v.grad = 0.0
        eager = loss(list(map(int, ids)), int(target))
        eager.backward()
        expected = grads(rows) + [w.grad for w in weights]
        for v in [*weights, *[x for row in rows for x in row]]:
            v.grad = 0.0
        assert step(ids, target) == pytest.approx(eager.data, rel=1e-13)
        step.backward()
        assert grads(rows) + [w.grad for w in weights] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert len(step.recorded_shapes) == 1 and len(seen) == 1  # one length: recorded once, replayed since


def test_a_row_picked_twice_gets_both_gradients_and_an_id_outside_the_table_is_a_clear_error():
    rows = table(4, 2)
    step = compiled(lambda ids: Value.sum(x * x for i in ids for x in gather(rows, i)), [1, 2])
    step([3, 3])
    step.backward()
    assert [v.grad for v in rows[3]] == pytest.approx([4 * x.data for x in rows[3]], rel=1e-15)
    assert [v.grad for v in rows[0] + rows[1] + rows[2]] == [0.0] * 6
    with pytest.raises(IndexError, match='index 4 picks from 4 rows: give a whole number from 0 to 3'):
        step([0, 4])


def test_each_sequence_length_is_recorded_once_and_kept_up_to_the_bound():
    gpt = GPT.microgpt(7, block_size=6, n_embd=4, n_head=2, seed=1)
    calls = []

    def loss(ids, targets):
        calls.append(len(ids))
        return gpt.loss(ids, targets)

    step = compiled(loss, max_recordings=2)
    assert repr(step) == '<compiled loss: not recorded yet>'
    for n in (3, 5, 3, 5, 2, 3):
        ids = [random.Random(n).randrange(7) for _ in range(n)]
        expected = gpt.loss(ids, ids[::-1]).data
        if len(calls) == 3:  # 3 was dropped when 2 came: recording it again says to keep more
            with pytest.warns(RecordingWarning, match=r'shapes \[\(3,\), \(3,\)\] again: it keeps the latest '
                                                      r'max_recordings=2'):
                assert step(ids, ids[::-1]) == pytest.approx(expected, rel=1e-12)
            continue
        assert step(ids, ids[::-1]) == pytest.approx(expected, rel=1e-12)
    assert calls == [3, 5, 2, 3]  # 3 was dropped when 2 came (the least recently used), so recorded again
    assert step.recorded_shapes == [[(2,), (2,)], [(3,), (3,)]] and '2 recordings' in repr(step)
    with pytest.raises(ValueError, match='max_recordings must be a whole number of at least 1'):
        compiled(loss, max_recordings=0)


def test_the_softmax_shift_is_recomputed_so_a_replay_is_right_at_any_logit_scale():
    scale = [Value(1.0)]

    def loss(logits, target):
        return cross_entropy([scale[0] * z for z in logits], target) + Value.sum(softmax(logits)[:1])

    step = compiled(loss, [0.1, 0.2, 0.3], 0)
    for logits in ([800.0, -3.0, 5.0], [-1000.0, -999.0, -2000.0], [0.5, 900.0, 901.0]):
        expected = loss([Value(z) for z in logits], 1).data
        got = step(logits, 1)
        assert math.isfinite(got) and got == pytest.approx(expected, rel=1e-12)


def test_token_ids_used_where_a_replay_cannot_follow_them_warn_at_the_users_line():
    rows = table(3, 2)
    logits = [Value(0.1), Value(0.2), Value(0.3)]
    with pytest.warns(IndexWarning, match=r'the token id 2 .* indexes a plain list') as caught:
        compiled(lambda target: -softmax(logits)[target].log(), 2)  # microgpt's probs[target_id]
    assert caught[0].filename == __file__
    outside = [1, 0]  # token ids read from outside the function: every replay would keep them
    with pytest.warns(IndexWarning, match='pass the ids as an argument instead') as caught:
        compiled(lambda: Value.sum(x for i in outside for x in gather(rows, i)))
    assert caught[0].filename == __file__


def test_token_ids_are_not_numbers_and_say_how_to_pass_numbers():
    with pytest.raises(TypeError, match=r'the token id 3 is an index, not a number.*dtype=float'):
        compiled(lambda x: Value(2.0) * x, 3)
    step = compiled(lambda x: Value(2.0) * x, 3.0)  # a float is data, as always
    assert step(4.0) == 8.0


def test_parameters_trained_through_a_compiled_step_match_eager_training():
    names = [[5, 1, 2, 5], [5, 3, 5], [5, 0, 4, 4, 2, 5], [5, 2, 1, 5]]
    models = [GPT.microgpt(6, block_size=8, n_embd=4, n_head=2, seed=3) for _ in range(2)]
    optimizers = [Adam(m.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8) for m in models]
    step = compiled(models[1].loss)
    for doc in names * 2:
        for model, optimizer in zip(models, optimizers):
            optimizer.zero_grad()
            if model is models[0]:
                model.loss(doc[:-1], doc[1:]).backward()
            else:
                step(doc[:-1], doc[1:])
                step.backward()
            optimizer.step()
    eager, replayed = ([p.data for p in m.parameters()] for m in models)
    assert replayed == pytest.approx(eager, rel=1e-10, abs=1e-13) and eager != [p.data for p in GPT.microgpt(
        6, block_size=8, n_embd=4, n_head=2, seed=3).parameters()]
    assert isinstance(optimizers[1].m, np.ndarray) and isinstance(optimizers[0].m, list)  # arrays vs the loop
    assert all(type(p.grad) is float for p in models[1].parameters())


def test_token_ids_given_as_floats_are_refused_by_the_embedding_with_what_to_pass():
    gpt = GPT.microgpt(5, block_size=4, n_embd=4, n_head=2, seed=0)
    with pytest.raises(ValueError, match='token ids are ints; a compiled step passes float arguments as Values: give the ids as ints'):
        compiled(gpt.loss, [1.0, 2.0], [2, 3])
