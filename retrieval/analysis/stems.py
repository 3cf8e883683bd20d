"""The ``proclitics`` and ``stemming`` rules over every distinct word of a collection at once.

A vocabulary build asks light10 (:mod:`retrieval.stemming`) about every Arabic word several
times: its stem for the lexicon, the stem of each reading without a proclitic stack, the stem
of the reading the corpus backs. At a couple of million distinct words that is tens of
millions of Python calls. Here the same rules run over arrays of code points: a word is a span
of :class:`retrieval.tables.CodePoints` (a suffix of a distinct word, its end moved in as
suffixes come off, its last letter read as ه where a ة written ت was restored). Every function
gives exactly what its per-word original gives; tests hold them equal on random words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.keys import CodePoints, last_replaced_keys, piece_keys, rows_of
from retrieval.stemming import (
    _IMPERFECT_PREFIXES,
    _LIGHT10_PREFIXES,
    _LIGHT10_SUFFIXES,
    _PROCLITICS,
    _PRONOUNS,
)

_HEH = ord("ه")
_TEH = ord("ت")
_ALEF = ord("ا")


@dataclass
class Spans:
    """Pieces of the strings of a :class:`CodePoints`: string ``word``, code points
    [``start``, ``end``) of it, the last one read as ه where ``heh``."""

    word: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    heh: npt.NDArray[np.bool_]

    @classmethod
    def whole(cls, points: CodePoints, words: npt.NDArray[np.int64]) -> Spans:
        return cls(
            words,
            np.zeros(len(words), dtype=np.int64),
            points.lengths[words].copy(),
            np.zeros(len(words), dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.word)

    def take(self, rows: npt.NDArray[np.int64]) -> Spans:
        return Spans(self.word[rows], self.start[rows], self.end[rows], self.heh[rows])

    def strings(self, forms: list[str]) -> list[str]:
        """The spans as strings (``forms`` are the strings of the code points)."""
        return [
            forms[w][s:e] if not h else forms[w][s : e - 1] + "ه"
            for w, s, e, h in zip(
                self.word.tolist(),
                self.start.tolist(),
                self.end.tolist(),
                self.heh.tolist(),
                strict=True,
            )
        ]

    def keys(self, points: CodePoints) -> npt.NDArray[np.uint64]:
        """The key (:func:`retrieval.tables.key_of`) of each span as a string."""
        plain = piece_keys(points, self.word, self.start, self.end)
        if not self.heh.any():
            return plain
        rows = np.flatnonzero(self.heh)
        restored = last_replaced_keys(
            points, self.word[rows], self.start[rows], self.end[rows], _HEH
        )
        plain[rows] = restored
        return plain


def _letter(points: CodePoints, spans: Spans, offset: npt.NDArray[np.int64]) -> npt.NDArray:
    """Code point at ``offset`` (within each span's string; callers keep it in range)."""
    return points.codes[points.starts[spans.word] + offset]


def _starts_with(points: CodePoints, words: npt.NDArray[np.int64], text: str) -> npt.NDArray:
    """Which of the (whole) ``words`` are long enough for ``text`` and begin with it."""
    found = points.lengths[words] >= len(text)
    where = np.flatnonzero(found)
    first = points.starts[words[where]]
    for i, letter in enumerate(text):
        found[where] &= points.codes[np.minimum(first + i, len(points.codes) - 1)] == ord(letter)
    return found


def strip_article(points: CodePoints, words: npt.NDArray[np.int64]) -> Spans:
    """:func:`retrieval.stemming.strip_article` of each whole word."""
    spans = Spans.whole(points, words)
    done = np.zeros(len(words), dtype=bool)
    for prefix in _LIGHT10_PREFIXES:
        hit = ~done & _starts_with(points, words, prefix) & (spans.end - len(prefix) >= 3)
        spans.start[hit] = len(prefix)
        done |= hit
    return spans


def strip_suffixes(points: CodePoints, spans: Spans) -> Spans:
    """:func:`retrieval.stemming.strip_suffixes` of each span: suffixes in light10's order,
    pass after pass until none comes off, a ة written ت restored before a pronoun."""
    out = Spans(spans.word, spans.start, spans.end.copy(), spans.heh.copy())
    active = np.flatnonzero(out.end - out.start >= 4)  # shorter: no suffix can come off
    while len(active):
        changed = np.zeros(len(out), dtype=bool)
        for suffix in _LIGHT10_SUFFIXES:
            size = len(suffix)
            sub = out.take(active)
            hit = sub.end - sub.start - size >= 3
            for i, letter in enumerate(suffix):
                at = sub.end - size + i
                found = _letter(points, sub, at)
                if i == size - 1:
                    found = np.where(sub.heh, _HEH, found)
                hit &= found == ord(letter)
            rows = active[hit]
            if not len(rows):
                continue
            out.end[rows] -= size
            out.heh[rows] = False
            changed[rows] = True
            if suffix in _PRONOUNS:
                now = out.take(rows)
                last = _letter(points, now, now.end - 1)
                before = _letter(points, now, now.end - 2)
                taa = (last == _TEH) & (before != _ALEF)  # a ة, not the plural ات
                out.heh[rows[taa & (now.end - now.start >= 4)]] = True
        active = active[changed[active]]
    return out


@dataclass
class Lexicon:
    """The lexicon (light10 stem → count) by key, with the stems' code points to check hits."""

    keys: npt.NDArray[np.uint64]  # sorted
    counts: npt.NDArray[np.int64]
    points: CodePoints  # the stems, in key order

    @classmethod
    def of(cls, stems: list[str], counts: list[int]) -> Lexicon:
        points = CodePoints.of(stems)
        keys = piece_keys(
            points, np.arange(len(stems)), np.zeros(len(stems), np.int64), points.lengths
        )
        order = np.argsort(keys)
        ordered = [stems[i] for i in order.tolist()]
        return cls(keys[order], np.asarray(counts, dtype=np.int64)[order], CodePoints.of(ordered))

    def counts_of(self, points: CodePoints, spans: Spans) -> npt.NDArray[np.int64]:
        """Each span's count (0 for a stem the corpus lacks), every hit checked letter by
        letter, so two stems that share a key never count for each other."""
        rows = rows_of(self.keys, spans.keys(points))
        hit = np.flatnonzero(rows >= 0)
        same = _same_letters(points, spans.take(hit), self.points, rows[hit])
        counts = np.zeros(len(spans), dtype=np.int64)
        counts[hit[same]] = self.counts[rows[hit[same]]]
        return counts


def _same_letters(
    points: CodePoints, spans: Spans, other: CodePoints, rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each span spells exactly string ``rows[i]`` of ``other``."""
    length = spans.end - spans.start
    same = length == other.lengths[rows]
    where = np.flatnonzero(same & (length > 0))
    if not len(where):
        return same
    size = length[where]
    owner = np.repeat(np.arange(len(where), dtype=np.int64), size)
    offset = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(np.cumsum(size) - size, size)
    mine = points.codes[
        points.starts[spans.word[where]][owner] + spans.start[where][owner] + offset
    ]
    last = offset == size[owner] - 1
    mine = np.where(last & spans.heh[where][owner], _HEH, mine)
    theirs = other.codes[other.starts[rows[where]][owner] + offset]
    differs = np.logical_or.reduceat(mine != theirs, np.cumsum(size) - size)
    same[where] = ~differs
    return same


def strip_proclitics(
    points: CodePoints, words: npt.NDArray[np.int64], lexicon: Lexicon
) -> npt.NDArray[np.int64]:
    """:func:`retrieval.stemming.strip_proclitics` of each whole word, as where its reading
    starts (every reading is a suffix of the word).

    The readings in the order the original tries them (light10's, the word as written, then
    each proclitic stack, longest first); the first with the largest count wins, as strictly
    greater counts replace the best there. In chunks of words: the work arrays hold a few
    readings of each word and a code point of each reading's letters, gigabytes at a couple
    of million words at once.
    """
    found = [np.zeros(0, dtype=np.int64)]
    for at in range(0, len(words), _CHUNK):
        # Over the run of words these span (keys need running sums of their code points).
        chunk = words[at : at + _CHUNK]
        first = int(chunk[0])
        window = points.window(first, int(chunk[-1]) + 1)
        found.append(_strip_proclitics(window, chunk - first, lexicon))
    return np.concatenate(found)


# Words whose readings are worked on at once (the work arrays are then a few tens of MB).
_CHUNK = 1 << 16


def _strip_proclitics(
    points: CodePoints, words: npt.NDArray[np.int64], lexicon: Lexicon
) -> npt.NDArray[np.int64]:
    article = strip_article(points, words)
    readings = [(np.arange(len(words)), article.start)]
    differs = np.flatnonzero(article.start > 0)
    readings.append((differs, np.zeros(len(differs), dtype=np.int64)))
    lengths = points.lengths[words]
    for proclitic in _PROCLITICS:
        size = len(proclitic)
        hit = _starts_with(points, words, proclitic) & (lengths - size >= 3)
        if proclitic.endswith("س"):
            next_letter = points.codes[
                np.minimum(points.starts[words] + size, len(points.codes) - 1)
            ]
            hit &= np.isin(next_letter, [ord(letter) for letter in _IMPERFECT_PREFIXES])
        rows = np.flatnonzero(hit)
        readings.append((rows, np.full(len(rows), size, dtype=np.int64)))
    owner = np.concatenate([rows for rows, _ in readings])
    start = np.concatenate([starts for _, starts in readings])
    rank = np.concatenate([np.full(len(rows), i) for i, (rows, _) in enumerate(readings)])
    order = np.lexsort((rank, owner))  # each word's readings together, in the order tried
    owner, start = owner[order], start[order]
    spans = Spans(words[owner], start, lengths[owner].copy(), np.zeros(len(owner), dtype=bool))
    counts = lexicon.counts_of(points, strip_suffixes(points, spans))
    first = np.flatnonzero(np.diff(owner, prepend=-1))
    best = np.repeat(np.maximum.reduceat(counts, first), np.diff(first, append=len(owner)))
    wins = np.flatnonzero(counts == best)
    chosen = wins[np.flatnonzero(np.diff(owner[wins], prepend=-1))]  # each word's first best
    result = np.empty(len(words), dtype=np.int64)
    result[owner[chosen]] = start[chosen]
    return result
