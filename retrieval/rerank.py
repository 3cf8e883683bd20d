"""A second look at BM25's best paragraphs: letter trigrams of their terms against the question's.

Light stemming matches a word only in the forms it folds together, and Arabic derives many more:
استقلال / استقلت, انتشار / ينتشر, مهاجر / هاجر. Their letter trigrams still overlap, so
scoring trigrams as BM25 terms credits a paragraph that uses a variant of the question's word
(measured in BENCHMARKS.md: ARCD hit@1 +0.02). Indexing trigrams would multiply the postings
four times over (gigabytes at a million paragraphs), so only the best candidates are rescored,
and a trigram's document frequency is estimated from the index's terms: a paragraph lacks the
trigram when it lacks every term containing it, taken as independent events. A candidate's
trigrams are counted from its indexed terms as the index saved them
(:class:`retrieval.forward.ForwardIndex`) and each term's trigrams, listed at index time.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from retrieval.bm25 import BM25Params
from retrieval.keys import CodePoints
from retrieval.tables import Array, Map, check_indptr

GRAM = 3
# How many of BM25's best paragraphs are rescored: 10 measured as good as 50.
RERANK_DEPTH = 10
# Weight of the trigram score beside BM25's, each relative to the best candidate's.
GRAM_WEIGHT = 1.0
_ARABIC = re.compile("[\u0621-\u064a]+")


@lru_cache(maxsize=1 << 14)  # about 500 bytes an entry
def letter_grams(term: str) -> tuple[str, ...]:
    """Letter trigrams of an Arabic term; any other term (Latin, digits, short) stays whole."""
    if len(term) <= GRAM or not _ARABIC.fullmatch(term):
        return (term,)
    return tuple(term[i : i + GRAM] for i in range(len(term) - GRAM + 1))


def gram_counts(terms: Sequence[str]) -> Counter[str]:
    """How often each trigram occurs in a paragraph's (or a question's) terms."""
    return Counter(itertools.chain.from_iterable(map(letter_grams, terms)))


# Code of an Arabic trigram: three letters of U+0621-U+064A, six bits each. Any other gram (a
# whole Latin term, a number, an Arabic term of one or two letters) is numbered after them by
# its term: each is a distinct term.
_ARABIC_FIRST = 0x620
_TRIGRAM_CODES = 64**GRAM


class GramStatistics:
    """Trigram idf and the mean paragraph length in trigrams, estimated from an index's
    terms once, at index time, and saved with it (a table of the collection's grams), and
    each index term's grams as rows of that table (CSR by term id, in :func:`letter_grams`
    order)."""

    def __init__(
        self, table: Map, mean_length: float, term_indptr: Array, term_grams: Array
    ) -> None:
        self._table = table
        self.mean_length = mean_length
        self.term_indptr = term_indptr
        self.term_grams = term_grams

    @classmethod
    def build(
        cls, vocabulary: Mapping[str, int], indptr: Array, doc_count: int, mean_length: float
    ) -> GramStatistics:
        """One pass over an index's terms (``vocabulary``, its postings' offsets ``indptr``,
        its paragraphs' count and mean length in terms): a paragraph lacks a trigram when it
        lacks every term containing it, taken as independent events. Sums run in term id
        order, as a loop over the vocabulary would add them."""
        terms = list(vocabulary)  # in id order
        df = (indptr[1:] - indptr[:-1]).astype(np.float64)
        absent = np.log1p(-np.minimum(df / max(doc_count, 1), 1 - 1e-9))
        points = CodePoints.of(terms)
        lengths = points.lengths
        arabic = np.fromiter((bool(_ARABIC.fullmatch(t)) for t in terms), bool, len(terms))
        windowed = arabic & (lengths > GRAM)
        per_term = np.where(windowed, lengths - GRAM + 1, 1)
        owner = np.repeat(np.arange(len(terms), dtype=np.int64), per_term)
        first = np.repeat(np.cumsum(per_term) - per_term, per_term)
        position = np.arange(len(owner), dtype=np.int64) - first
        at = points.starts[owner] + position
        letter = points.codes - _ARABIC_FIRST
        trigram = np.zeros(len(owner), dtype=np.int64)
        is_trigram = windowed[owner] | (arabic & (lengths == GRAM))[owner]
        where = at[is_trigram]
        trigram[is_trigram] = (letter[where] << 12) + (letter[where + 1] << 6) + letter[where + 2]
        gram_id = np.where(is_trigram, trigram, _TRIGRAM_CODES + owner)
        grams, inverse = np.unique(gram_id, return_inverse=True)
        log_absent = np.bincount(inverse, weights=absent[owner], minlength=len(grams))
        n = doc_count
        idf = []
        for log_p in log_absent.tolist():
            gram_df = n * -math.expm1(log_p)
            idf.append(math.log(1 + (n - gram_df + 0.5) / (gram_df + 0.5)))
        names = [_gram_text(int(code), terms) for code in grams.tolist()]
        # Trigrams per term occurrence, estimated over postings (term frequencies are gone).
        total_grams = float(int((per_term * (indptr[1:] - indptr[:-1])).sum()))
        postings = float(int(indptr[-1]))
        table = Map.build(names, {"idf": (idf, np.float64)})
        order = table.keys.built_from
        assert order is not None  # a table just built knows it
        row_of = np.empty(len(grams), dtype=np.int32)
        row_of[order] = np.arange(len(grams), dtype=np.int32)
        term_indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(per_term, out=term_indptr[1:])
        gram_length = mean_length * total_grams / max(postings, 1)
        return cls(table, gram_length, term_indptr, row_of[inverse.reshape(-1)])

    def row(self, gram: str) -> int:
        """A gram's row, or -1 for a gram no term of the index has."""
        return self._table.find(gram)

    def idf(self, row: int) -> float:
        """The idf of the gram in ``row`` (:meth:`row`; 0 for -1, a gram no term has)."""
        return self._table.value("idf", row) if row >= 0 else 0.0

    def paragraphs_grams(
        self, paragraphs: Sequence[tuple[npt.NDArray[np.integer], npt.NDArray[np.integer]]]
    ) -> list[Counter[int]]:
        """How often each gram (by row) occurs in each paragraph, given as the term ids it uses
        and how often it uses each: :func:`gram_counts` of its terms, without their strings.
        In one pass for all of them: the reordering reads ten paragraphs for every question,
        and numpy's calls cost more than their arithmetic on one paragraph's hundred grams."""
        if not paragraphs:
            return []
        term_ids = np.concatenate([ids for ids, _ in paragraphs]).astype(np.int64)
        counts = np.concatenate([n for _, n in paragraphs]).astype(np.int64)
        owner = np.repeat(
            np.arange(len(paragraphs), dtype=np.int64), [len(ids) for ids, _ in paragraphs]
        )
        starts = self.term_indptr[term_ids]
        lengths = self.term_indptr[term_ids + 1] - starts
        firsts = np.cumsum(lengths) - lengths
        at = np.repeat(starts - firsts, lengths) + np.arange(int(lengths.sum()))
        rows = self.term_grams[at].astype(np.int64)
        base = int(rows.max(initial=0)) + 1  # (paragraph, gram row) as one sortable key
        distinct, inverse = np.unique(np.repeat(owner, lengths) * base + rows, return_inverse=True)
        found = np.bincount(inverse, weights=np.repeat(counts, lengths)).astype(np.int64)
        bounds = np.searchsorted(distinct, np.arange(len(paragraphs) + 1) * base).tolist()
        gram_rows = (distinct % base).tolist()
        totals = found.tolist()
        return [
            Counter(dict(zip(gram_rows[lo:hi], totals[lo:hi], strict=True)))
            for lo, hi in itertools.pairwise(bounds)
        ]

    def arrays(self, name: str) -> dict[str, Array]:
        return self._table.arrays(name) | {
            f"{name}.term_indptr": self.term_indptr,
            f"{name}.term_grams": self.term_grams,
        }

    @classmethod
    def from_arrays(
        cls, name: str, arrays: dict[str, Array], mean_length: float, term_count: int
    ) -> GramStatistics:
        """Checked against an index of ``term_count`` terms: ValueError (KeyError when an
        array is missing) unless every term's grams are rows of the table."""
        table = Map.from_arrays(name, arrays, {"idf": np.float64})
        term_indptr = np.asarray(arrays[f"{name}.term_indptr"])
        term_grams = np.asarray(arrays[f"{name}.term_grams"])
        if term_indptr.dtype != np.int64 or term_grams.dtype != np.int32:
            raise ValueError(f"{name}: term grams of the wrong type")
        check_indptr(f"{name}.term_indptr", term_indptr, term_count, len(term_grams))
        if len(term_grams) and (term_grams.min() < 0 or term_grams.max() >= len(table)):
            raise ValueError(f"{name}: term grams out of range")
        return cls(table, float(mean_length), term_indptr, term_grams)


def _gram_text(code: int, terms: list[str]) -> str:
    if code >= _TRIGRAM_CODES:
        return terms[code - _TRIGRAM_CODES]
    return "".join(chr(_ARABIC_FIRST + (code >> shift & 63)) for shift in (12, 6, 0))


class GramScorer:
    """BM25 over letter trigrams for a few paragraphs, with statistics estimated from an index."""

    def __init__(self, statistics: GramStatistics, params: BM25Params) -> None:
        self._params = params
        self.statistics = statistics

    def scores(self, question: Sequence[str], paragraphs: Sequence[Counter[int]]) -> list[float]:
        """Trigram BM25 of each paragraph (given as its
        :meth:`GramStatistics.paragraphs_grams`) for the question's terms."""
        k1, b = self._params.k1, self._params.b
        statistics = self.statistics
        mean_length = statistics.mean_length
        rows = [(statistics.row(gram), n) for gram, n in gram_counts(question).items()]
        wanted = [(row, n * statistics.idf(row)) for row, n in rows]
        scores = []
        for counts in paragraphs:
            norm = k1 * (1 - b + b * counts.total() / max(mean_length, 1e-9))
            score = 0.0
            for gram, weight in wanted:
                tf = counts.get(gram, 0)
                if tf:
                    score += weight * tf * (k1 + 1) / (tf + norm)
            scores.append(score)
        return scores


def fuse(bm25: Sequence[float], grams: Sequence[float]) -> list[float]:
    """One score from both, each relative to its best candidate (their scales differ)."""
    best_bm25 = max(bm25, default=0.0) or 1.0
    best_gram = max(grams, default=0.0) or 1.0
    return [s / best_bm25 + GRAM_WEIGHT * g / best_gram for s, g in zip(bm25, grams, strict=True)]
