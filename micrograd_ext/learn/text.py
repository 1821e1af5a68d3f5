"""A tiny text data set for language models, and a character tokenizer.

``made_up_words()`` writes a few hundred short words from a small grammar of syllables (nothing is
downloaded): a model that learns them learns which letters follow which. ``CharTokenizer`` maps each
character to a token id, with ``'.'`` (id 0) marking where a word starts and ends.

>>> words = made_up_words(5, seed=0)
>>> tokenizer = CharTokenizer(words)
>>> tokenizer.decode(tokenizer.encode('.' + words[0] + '.')) == '.' + words[0] + '.'
True
"""
from __future__ import annotations

import random
from collections.abc import Sequence

ONSETS = ['b', 'd', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'kl', 'st', 'tr']
VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'o']  # a and o twice: the grammar prefers them
ENDINGS = ['', '', '', 'n', 's', 'l', 'r']
BOUNDARY = '.'


def made_up_words(n: int = 300, seed: int = 0) -> list[str]:
    """``n`` different words of two or three syllables (consonants, then a vowel), some with a final consonant.

    >>> made_up_words(4, seed=1)
    ['kilor', 'trabro', 'trabros', 'stiru']
    """
    rng = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < n:
        word = ''.join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice([2, 2, 3])))
        word += rng.choice(ENDINGS)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


NAME_ONSETS = [*'bcdfghjklmnpqrstvwxz', 'ch', 'sh', 'th', 'br', 'tr', 'l', 'm', 'n', 'r', 's']  # common ones twice
NAME_VOWELS = [*'aeiouy', 'a', 'e', 'i', 'a']
NAME_LENGTHS = {2: 2, 3: 4, 4: 12, 5: 21, 6: 24, 7: 17, 8: 10, 9: 5, 10: 2.5, 11: 1.2, 12: 0.6, 13: 0.3, 14: 0.2,
                15: 0.2}  # percent of names of each length, about as in the 32,033 names microgpt trains on


def made_up_names(n: int = 1000, seed: int = 0) -> list[str]:
    """``n`` names-like words (every letter from a to z occurs) whose lengths follow real first names' (2 to 15,
    mostly 5 to 7), made from syllables: a stand-in for microgpt's names file, nothing downloaded.

    >>> names = made_up_names(500, seed=0)
    >>> min(map(len, names)), max(map(len, names)) <= 15
    (2, True)
    """
    rng = random.Random(seed)
    lengths = rng.choices(list(NAME_LENGTHS), weights=list(NAME_LENGTHS.values()), k=n)
    names = []
    for length in lengths:
        name = ''
        while len(name) < length:
            name += rng.choice(NAME_ONSETS) + rng.choice(NAME_VOWELS)
        names.append(name[:length])
    return names


class CharTokenizer:
    """Characters to token ids and back; id 0 is the boundary ``'.'`` that starts and ends every word."""

    def __init__(self, texts: Sequence[str]):
        letters = sorted(set(''.join(texts)) - {BOUNDARY})
        self.chars = [BOUNDARY, *letters]
        self.ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - set(self.ids))
        if unknown:
            raise ValueError(f"the tokenizer knows {''.join(self.chars)!r}; {''.join(unknown)!r} is not among them")
        return [self.ids[c] for c in text]

    def decode(self, tokens: Sequence[int]) -> str:
        bad = [t for t in tokens if not 0 <= t < len(self.chars)]
        if bad:
            raise ValueError(f"token ids go from 0 to {len(self.chars) - 1}; {bad[:5]} are not among them")
        return ''.join(self.chars[t] for t in tokens)

    def examples(self, words: Sequence[str], block_size: int) -> list[tuple[list[int], list[int]]]:
        """(tokens, next tokens) pairs for next-token prediction: each word as ``.word.``, cut to windows of at
        most ``block_size`` tokens (position t of ``tokens`` is to predict ``targets[t]``)."""
        if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
            raise ValueError(f"block_size must be a whole number of at least 1, got {block_size!r}")
        pairs = []
        for word in words:
            ids = self.encode(BOUNDARY + word + BOUNDARY)
            for start in range(0, max(1, len(ids) - 1), block_size):
                window = ids[start:start + block_size + 1]
                pairs.append((window[:-1], window[1:]))
        return pairs
