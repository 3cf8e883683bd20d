"""Keys of strings computed at once equal keys computed one by one, for any str."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from retrieval.keys import (
    CodePoints,
    Prefixable,
    deletion_keys,
    key_of,
    keys_of,
    last_replaced_keys,
    piece_keys,
    prefixed_keys,
)

# Arabic and Latin letters, digits, a character beyond the BMP and a lone surrogate (a JSON
# question can carry one): every key must be computable for any str.
LETTERS = st.sampled_from(list("ابتةجحدرسعغفقكلمنهويءئؤ") + list("abcxyz019") + ["😀", "\ud800"])
WORDS = st.lists(st.text(LETTERS, max_size=12), min_size=1, max_size=40)


@given(WORDS)
def test_keys_of_many_strings_equal_their_keys_one_by_one(words):
    assert keys_of(words).tolist() == [key_of(word) for word in words]


@given(WORDS)
def test_keys_of_pieces_deletions_and_joins_equal_the_keys_of_those_strings(words):
    points = CodePoints.of(words)
    owner = np.repeat(np.arange(len(words)), [len(w) + 1 for w in words])
    cut = np.concatenate([np.arange(len(w) + 1) for w in words]).astype(np.int64)
    ends = points.lengths[owner]
    assert piece_keys(points, owner, cut, ends).tolist() == [
        key_of(words[o][c:]) for o, c in zip(owner, cut, strict=True)
    ]
    assert prefixed_keys(points, owner, np.zeros_like(cut), cut, "ب").tolist() == [
        key_of("ب" + words[o][:c]) for o, c in zip(owner, cut, strict=True)
    ]
    deleted, of = deletion_keys(points)
    assert deleted.tolist() == [key_of(w[:i] + w[i + 1 :]) for w in words for i in range(len(w))]
    assert of.tolist() == [j for j, w in enumerate(words) for _ in w]
    long = np.flatnonzero(points.lengths > 0)
    assert last_replaced_keys(
        points, long, np.zeros(len(long), np.int64), points.lengths[long], ord("ه")
    ).tolist() == [key_of(words[i][:-1] + "ه") for i in long]
    whole, bare = Prefixable.of(points), Prefixable.of(points, np.ones(len(words), np.int64))
    first, second = np.arange(len(words)), np.arange(len(words))[::-1].copy()
    assert whole.joined_keys(first, whole, second).tolist() == [
        key_of(words[a] + words[b]) for a, b in zip(first, second, strict=True)
    ]
    assert bare.joined_keys(first, whole, second).tolist() == [
        key_of(words[a][1:] + words[b]) for a, b in zip(first, second, strict=True)
    ]
