"""BM25 over an inverted index held in flat numpy arrays.

Scores are rank_bm25's ``BM25Okapi`` term-frequency formula (the (k1 + 1) factor kept) with
Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)). Robertson's idf, which BM25Okapi uses, goes
to zero or below for a term in half the documents or more, so a small collection (one article,
a few paragraphs) could not answer at all; Lucene's idf is always positive and measured within
0.003 hit@1 of it on both evaluation sets (BENCHMARKS.md). The tests compare against rank_bm25
with exactly this idf swapped in. The layout is what lets it scale: postings in CSR form (one
``indptr`` into ``doc_ids``/``weights``), each posting's term-frequency part precomputed at build
time, so a query costs a few numpy operations over the postings of its own terms and never a
Python loop over paragraphs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.forward import ForwardIndex
from retrieval.tables import TermIds

# Postings weighed per slice at build time: float64 temporaries of a few MB.
_SLICE = 1 << 20
# Sorting P postings beats scanning N documents while P * _SCAN_RATIO < N.
_SCAN_RATIO = 16


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25 parameters: k1 = 1.2 and b = 0.75, Lucene's defaults, measured best here."""

    k1: float = 1.2
    b: float = 0.75


class BM25Index:
    """Immutable BM25 index over tokenised documents, addressed by document position."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        indptr: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float32],
        idf: npt.NDArray[np.float64],
        doc_count: int,
        mean_length: float,
        forward: ForwardIndex,
    ) -> None:
        self.vocabulary = vocabulary
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.weights = weights
        self.idf = idf
        self.doc_count = doc_count
        # Mean paragraph length in term occurrences (BM25's avgdl), for scores computed elsewhere.
        self.mean_length = mean_length
        # Each paragraph's terms and their frequencies, for scores computed elsewhere.
        self.forward = forward
        self._local = threading.local()

    @classmethod
    def build(
        cls, documents: Sequence[Sequence[str]], params: BM25Params | None = None
    ) -> BM25Index:
        """Index ``documents`` (each a list of terms; duplicates count as term frequency)."""
        vocabulary: dict[str, int] = {}
        keys = [
            vocabulary.setdefault(term, len(vocabulary)) * len(documents) + doc_id
            for doc_id, terms in enumerate(documents)
            for term in terms
        ]
        return cls.from_occurrences(
            list(vocabulary), np.asarray(keys, dtype=np.int64), len(documents), params
        )

    @classmethod
    def from_occurrences(
        cls,
        terms: Sequence[str],
        keys: npt.NDArray[np.int64],
        doc_count: int,
        params: BM25Params | None = None,
    ) -> BM25Index:
        """Index one key per term occurrence, ``term id * doc_count + document`` (sorted in place).

        One value sort of packed keys groups the postings by term and, within a term, by
        document; run lengths are the term frequencies.
        """
        term_of, doc_ids, tf = group_occurrences(keys, doc_count)
        df = np.bincount(term_of, minlength=len(terms))
        doc_len = np.bincount(doc_ids, weights=tf, minlength=doc_count)
        forward = ForwardIndex.of(term_of, doc_ids, tf, doc_count)
        return cls.from_postings(terms, df, doc_ids, tf, doc_len, forward, params)

    @classmethod
    def from_postings(
        cls,
        terms: Sequence[str],
        df: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        tf: npt.NDArray[np.integer],
        doc_len: npt.NDArray[np.float64],
        forward: ForwardIndex,
        params: BM25Params | None = None,
    ) -> BM25Index:
        """Index postings grouped by term in ``terms`` order, documents ascending in each;
        ``forward`` is the same postings by paragraph (term ids of ``terms``).

        Terms without postings (read only inside a joined phrase) are left out.
        """
        params = params or BM25Params()
        avgdl = mean_length(doc_len)
        weights = np.empty(len(doc_ids), dtype=np.float32)

        def weigh(start: int) -> None:
            where = slice(start, start + _SLICE)
            weights[where] = tf_weights(tf[where], doc_ids[where], doc_len, avgdl, params)

        # In slices (float64 temporaries of megabytes, not gigabytes), on every core: numpy
        # releases the GIL for the arithmetic.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(weigh, range(0, len(doc_ids), _SLICE)))
        return cls.from_weights(terms, df, doc_ids, weights, len(doc_len), avgdl, forward)

    @classmethod
    def from_weights(
        cls,
        terms: Sequence[str],
        df: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float32],
        doc_count: int,
        avgdl: float,
        forward: ForwardIndex,
        used: UsedTerms | None = None,
    ) -> BM25Index:
        """:meth:`from_postings` with each posting's term-frequency part already computed
        (:func:`tf_weights`; ``avgdl`` is :func:`mean_length` of the paragraph lengths);
        ``used`` is :meth:`UsedTerms.of` ``terms`` and ``df`` when it was made already."""
        used = used or UsedTerms.of(terms, df)
        if len(used.ids) < len(terms):
            new_ids = np.full(len(terms), -1, dtype=np.int32)
            new_ids[used.ids] = np.arange(len(used.ids), dtype=np.int32)
            forward.renumber(new_ids)
        idf = lucene_idf(used.df, doc_count)
        return cls(used.vocabulary, used.indptr, doc_ids, weights, idf, doc_count, avgdl, forward)

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """Ids of the terms the index knows, repeated as often as the query repeats them."""
        found = [self.vocabulary.get(t) for t in terms]
        return [term_id for term_id in found if term_id is not None]

    def postings(self, term_id: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """The documents containing a term (ascending) and their term-frequency weights."""
        where = slice(int(self.indptr[term_id]), int(self.indptr[term_id + 1]))
        return self.doc_ids[where], self.weights[where]

    def scores(
        self, terms: Sequence[str]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """BM25 scores of the documents that contain at least one query term (others score 0)."""
        ids = self.term_ids(terms)
        if not ids:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        accumulator, postings = self._accumulate(ids)
        try:
            touched = self._touched(accumulator, postings)
            return touched, accumulator[touched].astype(np.float64)
        finally:
            self._clear(accumulator, postings)

    def top(self, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best (document, score) pairs, best first; ties keep document order."""
        return self.top_matching(terms, k)[0]

    def top_matching(
        self, terms: Sequence[str], k: int
    ) -> tuple[list[tuple[int, float]], dict[str, npt.NDArray[np.bool_]]]:
        """:meth:`top`, and for each query term which of those documents contain it.

        The no-answer rule needs both; the postings are read once for the two.
        """
        ids = self.term_ids(terms)
        if not ids or k <= 0:
            return [], {}
        accumulator, postings = self._accumulate(ids)
        try:
            candidates = self._candidates(accumulator, postings, k)
            scores = accumulator[candidates]
        finally:
            self._clear(accumulator, postings)
        candidates, scores = _best(candidates, scores, k)
        order = np.lexsort((candidates, -scores))[:k]
        docs = candidates[order]
        ranked = [(int(d), float(s)) for d, s in zip(docs, scores[order], strict=True)]
        known = [t for t in terms if t in self.vocabulary]
        matches = {
            term: in_sorted(term_docs, docs)
            for term, (term_docs, _) in zip(known, postings, strict=True)
        }
        return ranked, matches

    def _accumulate(
        self, ids: list[int]
    ) -> tuple[
        npt.NDArray[np.float32], list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]
    ]:
        """Add every query term's contributions into this thread's dense accumulator.

        A term's postings name each document once, so one vectorised gather-add-scatter per
        term is exact; float32 halves the memory traffic (scores agree with a float64 sum to
        about 1e-7, far below any difference BM25 ranks on).
        """
        accumulator = getattr(self._local, "accumulator", None)
        if accumulator is None:
            accumulator = self._local.accumulator = np.zeros(self.doc_count, dtype=np.float32)
        postings = [self.postings(t) for t in ids]
        try:
            for (docs, weights), term_id in zip(postings, ids, strict=True):
                contribution = weights * np.float32(self.idf[term_id])
                contribution += accumulator[docs]
                accumulator[docs] = contribution
        except BaseException:
            accumulator.fill(0)
            raise
        return accumulator, postings

    def _few(self, postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]) -> bool:
        """Whether sorting the postings costs less than scanning every document."""
        return sum(len(docs) for docs, _ in postings) * _SCAN_RATIO < self.doc_count

    def _candidates(
        self,
        accumulator: npt.NDArray[np.float32],
        postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]],
        k: int,
    ) -> npt.NDArray[np.int32]:
        """Documents that may be among the ``k`` best, ascending.

        The k-th best score among the documents of the shortest posting list is a lower
        bound of the k-th best overall, so only documents scoring at least that can rank:
        one scan of the accumulator then finds a few hundred candidates, not the hundreds of
        thousands a common word touches.
        """
        shortest = min((docs for docs, _ in postings), key=len)
        if self._few(postings) or len(shortest) < k:
            return self._touched(accumulator, postings)
        bound = np.partition(accumulator[shortest], len(shortest) - k)[len(shortest) - k]
        return np.flatnonzero(accumulator >= bound).astype(np.int32)

    def _touched(
        self,
        accumulator: npt.NDArray[np.float32],
        postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]],
    ) -> npt.NDArray[np.int32]:
        """Every document a query scored, ascending: from its postings when they are few, else
        by one boolean scan of the accumulator (several times faster than nonzero on floats)."""
        if self._few(postings):
            return _distinct(postings)
        return np.flatnonzero(accumulator > 0).astype(np.int32)

    def _clear(
        self,
        accumulator: npt.NDArray[np.float32],
        postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]],
    ) -> None:
        """Zero what a query added: scatter when it touched little, else one memset."""
        if self._few(postings):
            for docs, _ in postings:
                accumulator[docs] = 0
        else:
            accumulator.fill(0)

    def dense_scores(self, terms: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of every document, in document order (the shape rank_bm25 returns)."""
        dense = np.zeros(self.doc_count, dtype=np.float64)
        docs, scores = self.scores(terms)
        dense[docs] = scores
        return dense


def _best(
    docs: npt.NDArray[np.int32], scores: npt.NDArray[np.float32], k: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """The documents scoring at least the ``k``-th best score (ties included), in their
    order: what sorting all of them would put first, found by one partition. A lower bound
    leaves thousands of candidates when common words dominate a question (19 000 on average
    over distinct ARCD questions at a million paragraphs), and sorting them all took a
    millisecond."""
    if len(scores) <= k:
        return docs, scores
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    keep = scores >= kth
    return docs[keep], scores[keep]


def _distinct(
    postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]],
) -> npt.NDArray[np.int32]:
    """The documents in any of ``postings``, ascending, each once."""
    docs = np.sort(np.concatenate([docs for docs, _ in postings]))
    return docs[np.diff(docs, prepend=-1) != 0]


def in_sorted(
    sorted_values: npt.NDArray[np.integer], values: npt.NDArray[np.integer]
) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` occurs in ``sorted_values`` (ascending): one searchsorted."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=np.bool_)
    where = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[where] == values


@dataclass(frozen=True)
class UsedTerms:
    """The terms an index keeps, those with postings (a term read only inside a joined phrase
    has none): their ids among all terms, the index's vocabulary of them, their document
    frequencies and the postings' CSR offsets, known before the postings themselves."""

    ids: npt.NDArray[np.int64]
    vocabulary: TermIds
    df: npt.NDArray[np.int64]
    indptr: npt.NDArray[np.int64]

    @classmethod
    def of(cls, terms: Sequence[str], df: npt.NDArray[np.int64]) -> UsedTerms:
        used = np.flatnonzero(df)
        vocabulary = TermIds.build([terms[i] for i in used.tolist()])
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(df[used], out=indptr[1:])
        return cls(used, vocabulary, df[used], indptr)


def mean_length(doc_len: npt.NDArray[np.float64]) -> float:
    """BM25's avgdl: the mean paragraph length in term occurrences (0 without paragraphs)."""
    return float(doc_len.sum() / len(doc_len)) if len(doc_len) else 0.0


def tf_weights(
    tf: npt.NDArray[np.integer],
    docs: npt.NDArray[np.integer],
    doc_len: npt.NDArray[np.float64],
    avgdl: float,
    params: BM25Params,
) -> npt.NDArray[np.float32]:
    """Each posting's term-frequency part of its BM25 score, ``tf * (k1 + 1) / (tf + k1 *
    (1 - b + b * len / avgdl))``, computed in float64 and kept as float32; ``docs`` are the
    postings' paragraphs, ``doc_len`` every paragraph's length."""
    freq = tf.astype(np.float64)
    norm = params.k1 * (1 - params.b + params.b * doc_len[docs] / avgdl)
    return (freq * (params.k1 + 1) / (freq + norm)).astype(np.float32)


def lucene_idf(df: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """Lucene's BM25 idf: log(1 + (N - df + 0.5) / (df + 0.5)), positive for every term."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


def group_occurrences(
    keys: npt.NDArray[np.int64], doc_count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """(term, document, frequency) of each distinct ``term * doc_count + document`` key, sorted.

    Sorts ``keys`` in place: numpy sorts int64 values with SIMD, an order of magnitude faster
    than an argsort of (term, document) pairs.
    """
    keys.sort()
    starts = np.flatnonzero(np.diff(keys, prepend=-1))
    tf = np.diff(starts, append=len(keys)).astype(np.int32)
    postings = keys[starts]
    term_of = postings // max(doc_count, 1)
    doc_ids = (postings - term_of * doc_count).astype(np.int32)
    return term_of, doc_ids, tf
