"""The tiny text data set and the character tokenizer."""
import pytest

from micrograd_ext.learn.text import CharTokenizer, made_up_words


def test_made_up_words_are_different_reproducible_and_follow_the_grammar():
    words = made_up_words(300, seed=0)
    assert len(set(words)) == 300 and words == made_up_words(300, seed=0) and words != made_up_words(300, seed=1)
    vowels = set('aeiou')
    for word in words:
        assert 4 <= len(word) <= 10 and word[0] not in vowels and any(c in vowels for c in word)
        assert not any(a in vowels and b in vowels for a, b in zip(word, word[1:]))  # a vowel ends each syllable


def test_the_tokenizer_round_trips_and_marks_word_boundaries_with_id_0():
    tokenizer = CharTokenizer(['kilor', 'stiru'])
    assert tokenizer.chars[0] == '.' and tokenizer.vocab_size == 1 + len(set('kilorstu'))
    assert tokenizer.decode(tokenizer.encode('.stiru.')) == '.stiru.'
    with pytest.raises(ValueError, match=r"'xy' is not among them"):
        tokenizer.encode('kyx')


def test_examples_pair_each_token_with_the_next_within_the_block():
    tokenizer = CharTokenizer(['kilor'])
    (tokens, targets), = tokenizer.examples(['kilor'], block_size=8)
    assert tokenizer.decode(tokens) == '.kilor' and tokenizer.decode(targets) == 'kilor.'
    windows = tokenizer.examples(['kilor'], block_size=3)
    assert [tokenizer.decode(t) for t, _ in windows] == ['.ki', 'lor'] and tokenizer.decode(windows[-1][1]) == 'or.'


def test_bad_token_ids_and_block_sizes_are_clear_errors():
    tokenizer = CharTokenizer(['kilor'])
    with pytest.raises(ValueError, match=r'token ids go from 0 to 5; \[-1, 9\] are not among them'):
        tokenizer.decode([1, -1, 9])
    with pytest.raises(ValueError, match='block_size must be a whole number of at least 1, got 0'):
        tokenizer.examples(['kilor'], 0)
