"""What each word of a collection can be in a split pair: the ``split-names`` step's tables.

Two words join when the corpus writes them as one word (ديب سيك = ديبسيك), also behind a
one-letter proclitic (بديب سيك), or when their consonants are those of a corpus Latin name
(every cut of every Latin name's consonants is a pair of consonant strings). Everything is
computed by key (:mod:`retrieval.tables`) over all words at once.

Two results: for questions, bits per word saying whether its consonants can begin or end a
name's (:data:`retrieval.analysis.phrases.HEAD` …), so most pairs never look at the names; for
the bulk indexer, what it takes to test every adjacent pair of a block of paragraphs at once by
key (the key of two words written together follows from each word's hash parts), so that only
the pairs that may join are handed to :meth:`retrieval.analysis.Analyzer.phrase_at`, which
decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from retrieval.analysis.phrases import HEAD, HEAD_BARE, NAME_TAIL, PAIR_PROCLITICS
from retrieval.analysis.tokenizer import ARABIC
from retrieval.keys import (
    STRINGS_AT_ONCE,
    CodePoints,
    Prefixable,
    keys_of,
    piece_keys,
    rows_of,
)
from retrieval.stopwords import STOPWORDS
from retrieval.transliteration import _ARABIC_CLASSES

# Consonant class of each Arabic code point (0: none), as the code point of its class letter.
_CLASS_CODE = np.zeros(0x10000, dtype=np.int64)
for _letter, _class in _ARABIC_CLASSES.items():
    _CLASS_CODE[ord(_letter)] = ord(_class)


def in_sorted(
    sorted_values: npt.NDArray[np.integer], values: npt.NDArray[np.integer]
) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` occurs in ``sorted_values`` (ascending)."""
    return rows_of(sorted_values, values) >= 0


@dataclass
class PairRoute:
    """One way two words join: codes for each word as a left and as a right word (-1: never),
    and the sorted ``left * right_count + right`` codes of the pairs that join."""

    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    pairs: npt.NDArray[np.int64]
    right_count: int

    @classmethod
    def from_cuts(
        cls, cuts: list[tuple[str, str]], left: list[str | None], right: list[str | None]
    ) -> PairRoute:
        """Pairs (a, b) that join are ``cuts``; word i is known as ``left[i]`` / ``right[i]``."""
        lefts = {a: i for i, a in enumerate(dict.fromkeys(a for a, _ in cuts))}
        rights = {b: i for i, b in enumerate(dict.fromkeys(b for _, b in cuts))}
        return cls(
            np.fromiter(
                (-1 if a is None else lefts.get(a, -1) for a in left), np.int64, len(left)
            ),
            np.fromiter(
                (-1 if b is None else rights.get(b, -1) for b in right), np.int64, len(right)
            ),
            np.unique(
                np.asarray([lefts[a] * len(rights) + rights[b] for a, b in cuts], dtype=np.int64)
            ),
            len(rights),
        )

    def joins(
        self, left: npt.NDArray[np.int32], right: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """For each pair of word ids (left[i], right[i]): does this route join them?"""
        left_codes = self.left[left]
        where = np.flatnonzero(left_codes >= 0)  # few words can be a left half: look there only
        right_codes = self.right[right[where]]
        known = right_codes >= 0
        where = where[known]
        found = np.zeros(len(left), dtype=bool)
        codes = left_codes[where] * self.right_count + right_codes[known]
        found[where] = in_sorted(self.pairs, codes)
        return found


@dataclass
class SplitPairs:
    """The ``split-names`` tables of a collection's words (ids in the order they were given):
    bits per word for questions, and for the bulk indexer what it takes to test millions of
    adjacent pairs at once (:meth:`may_join`)."""

    flags: npt.NDArray[np.uint8]  # HEAD, HEAD_BARE, NAME_TAIL; 0 for a function word
    keys: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    whole: Prefixable | None = None  # every word's hash parts
    bare: Prefixable | None = None  # every word's without its first letter
    word_left: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    word_right: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    bare_left: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    routes: list[PairRoute] = field(default_factory=list)  # the name routes

    def may_join(
        self, left: npt.NDArray[np.int32], right: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """For each (left[i], right[i]) pair of word ids: may it be one word (the two, or the
        first without its proclitic, written together are a corpus word: tested by key) or one
        name (:class:`PairRoute`)?"""
        found = np.zeros(len(left), dtype=bool)
        if self.whole is None or self.bare is None:
            return found
        for route in self.routes:
            found |= route.joins(left, right)
        for allowed, first in ((self.word_left, self.whole), (self.bare_left, self.bare)):
            where = np.flatnonzero(allowed[left] & self.word_right[right])
            joined = first.joined_keys(left[where], self.whole, right[where])
            found[where[in_sorted(self.keys, joined)]] = True
        return found


def split_pairs(forms: Sequence[str], latin_names: Iterable[str]) -> SplitPairs:
    """The tables of ``forms`` (distinct words), given the consonant strings of the corpus's
    Latin names. A key shared by chance can only let a pair through to the lookups and
    :meth:`Analyzer.phrase_at`, which decide."""
    count = len(forms)
    flags = np.zeros(count, dtype=np.uint8)
    if not count:
        return SplitPairs(flags)
    stop = np.fromiter((form in STOPWORDS for form in forms), bool, count)
    # A joined word is only read as a word when it is one script (Analyzer: ARABIC or LATIN).
    alpha = np.fromiter((form.isalpha() for form in forms), bool, count) & ~stop
    arabic = np.fromiter((bool(ARABIC.fullmatch(form)) for form in forms), bool, count)
    proclitic = np.fromiter((form[:1] in PAIR_PROCLITICS for form in forms), bool, count)
    lengths = np.fromiter(map(len, forms), np.int64, count)
    bare = np.flatnonzero(proclitic & (lengths > 2))
    name_keys = sorted(set(latin_names))
    words = _WordKeys.of(forms, bare, bool(name_keys))
    routes: list[PairRoute] = []
    if name_keys:
        heads = sorted({key[:cut] for key in name_keys for cut in range(len(key) + 1)})
        tails = sorted({key[cut:] for key in name_keys for cut in range(len(key) + 1)})
        head_keys, tail_keys = np.sort(keys_of(heads)), np.sort(keys_of(tails))
        flags[in_sorted(head_keys, words.classes)] |= HEAD
        flags[bare[in_sorted(head_keys, words.bare_classes)]] |= HEAD_BARE
        flags[in_sorted(tail_keys, words.tail_classes)] |= NAME_TAIL
        routes = _name_routes(
            name_keys,
            heads,
            tails,
            words.classes,
            bare,
            words.bare_classes,
            words.tail_classes,
            arabic & ~stop,
        )
    flags[stop] = 0
    bare_left = np.zeros(count, dtype=bool)
    bare_left[bare] = alpha[bare]
    return SplitPairs(
        flags, np.sort(words.keys), words.whole, words.bare, alpha, alpha, bare_left, routes
    )


@dataclass
class _WordKeys:
    """What :func:`split_pairs` keys of each word: the word's key and hash parts, its hash
    parts without its first letter, and (when the corpus has Latin names) the keys of its
    consonant classes, as written, without a one-letter proclitic (``bare`` words only) and
    without a final ه."""

    keys: npt.NDArray[np.uint64]
    whole: Prefixable
    bare: Prefixable
    classes: npt.NDArray[np.uint64]
    bare_classes: npt.NDArray[np.uint64]
    tail_classes: npt.NDArray[np.uint64]

    @classmethod
    def of(cls, forms: Sequence[str], bare: npt.NDArray[np.int64], names: bool) -> _WordKeys:
        """A run of words at a time: every value is the word's own, and the code points and
        running sums of a couple of million words at once would be gigabytes."""
        runs = []
        empty = np.zeros(0, dtype=np.uint64)
        for at in range(0, len(forms), STRINGS_AT_ONCE):
            points = CodePoints.of(forms[at : at + STRINGS_AT_ONCE])
            size = len(points.starts) - 1
            run = [
                keys_of(points),
                Prefixable.of(points),
                Prefixable.of(points, np.ones(size, dtype=np.int64)),
            ]
            if names:
                classes = _consonant_points(points, drop_final_heh=False)
                here = bare[(bare >= at) & (bare < at + size)] - at
                run += [
                    keys_of(classes),
                    _bare_head_keys(points, classes, here),
                    keys_of(_consonant_points(points, drop_final_heh=True)),
                ]
            else:
                run += [empty, empty, empty]
            runs.append(run)
        return cls(
            np.concatenate([run[0] for run in runs]),
            Prefixable.concatenate([run[1] for run in runs]),
            Prefixable.concatenate([run[2] for run in runs]),
            *(np.concatenate([run[k] for run in runs]) for k in (3, 4, 5)),
        )


def _name_routes(
    names: list[str],
    heads: list[str],
    tails: list[str],
    class_keys: npt.NDArray[np.uint64],
    bare: npt.NDArray[np.int64],
    bare_class_keys: npt.NDArray[np.uint64],
    tail_class_keys: npt.NDArray[np.uint64],
    arabic: npt.NDArray[np.bool_],
) -> list[PairRoute]:
    """Pairs of Arabic words whose consonants (the second's without a final ه) make a corpus
    Latin name's, the first as written and without its one-letter proclitic."""
    head_id = {head: i for i, head in enumerate(heads)}
    tail_id = {tail: i for i, tail in enumerate(tails)}
    pairs = np.unique(
        np.asarray(
            [
                head_id[key[:cut]] * len(tails) + tail_id[key[cut:]]
                for key in names
                for cut in range(len(key) + 1)
            ],
            dtype=np.int64,
        )
    )
    head_keys, tail_keys = keys_of(heads), keys_of(tails)
    right = np.where(arabic, _ids(tail_keys, tail_class_keys), -1)
    left = np.where(arabic, _ids(head_keys, class_keys), -1)
    bare_left = np.full(len(arabic), -1, dtype=np.int64)
    bare_left[bare] = np.where(arabic[bare], _ids(head_keys, bare_class_keys), -1)
    return [
        PairRoute(left, right, pairs, len(tails)),
        PairRoute(bare_left, right, pairs, len(tails)),
    ]


def _ids(keys: npt.NDArray[np.uint64], wanted: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Index of each wanted key among ``keys`` (unsorted, distinct), -1 where absent."""
    order = np.argsort(keys)
    rows = rows_of(keys[order], wanted)
    return np.where(rows >= 0, order[np.maximum(rows, 0)], -1)


def _consonant_points(points: CodePoints, drop_final_heh: bool) -> CodePoints:
    """Each word's consonant classes (``consonant_classes``) as code points."""
    codes = _CLASS_CODE[np.minimum(points.codes, 0xFFFF)]
    codes[points.codes > 0xFFFF] = 0
    if drop_final_heh:
        last = points.starts[1:] - 1
        ends_heh = (points.lengths > 0) & (points.codes[np.maximum(last, 0)] == ord("ه"))
        codes[last[ends_heh]] = 0
    keep = codes > 0
    kept_before = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    return CodePoints(codes[keep], kept_before[points.starts])


def _bare_head_keys(
    points: CodePoints, classes: CodePoints, rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint64]:
    """Keys of the consonants of ``word[1:]`` for the given words (their first letter is a
    one-letter proclitic: و has no class, ف ب ل ك drop their first class)."""
    first_is_class = _CLASS_CODE[np.minimum(points.codes[points.starts[rows]], 0xFFFF)] > 0
    counts = classes.lengths[rows]
    start = np.minimum(first_is_class.astype(np.int64), counts)
    return piece_keys(classes, rows, start, counts)
