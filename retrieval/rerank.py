"""A second look at BM25's best paragraphs: letter trigrams of their terms against the question's.

Light stemming matches a word only in the forms it folds together, and Arabic derives many more:
استقلال / استقلت, انتشار / ينتشر, مهاجر / هاجر. Their letter trigrams still overlap, so
scoring trigrams as BM25 terms credits a paragraph that uses a variant of the question's word
(measured in BENCHMARKS.md: ARCD hit@1 +0.02). Indexing trigrams would multiply the postings
four times over (gigabytes at a million paragraphs), so only the best candidates are rescored,
and a trigram's document frequency is estimated from the index's terms: a paragraph lacks the
trigram when it lacks every term containing it, taken as independent events.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from retrieval.bm25 import BM25Index, BM25Params

GRAM = 3
# How many of BM25's best paragraphs are rescored: 10 measured as good as 50 (each costs
# re-analysing a paragraph, about 0.1-0.2 ms).
RERANK_DEPTH = 10
# Weight of the trigram score beside BM25's, each relative to the best candidate's.
GRAM_WEIGHT = 1.0
_ARABIC = re.compile("[\u0621-\u064a]+")


@lru_cache(maxsize=1 << 16)
def letter_grams(term: str) -> tuple[str, ...]:
    """Letter trigrams of an Arabic term; any other term (Latin, digits, short) stays whole."""
    if len(term) <= GRAM or not _ARABIC.fullmatch(term):
        return (term,)
    return tuple(term[i : i + GRAM] for i in range(len(term) - GRAM + 1))


def gram_counts(terms: Sequence[str]) -> Counter[str]:
    """How often each trigram occurs in a paragraph's (or a question's) terms."""
    return Counter(itertools.chain.from_iterable(map(letter_grams, terms)))


class GramScorer:
    """BM25 over letter trigrams for a few paragraphs, with statistics estimated from an index."""

    def __init__(self, index: BM25Index, params: BM25Params) -> None:
        self._params = params
        self._idf, self._mean_length = self._statistics(index)

    @staticmethod
    def _statistics(index: BM25Index) -> tuple[dict[str, float], float]:
        """Trigram idf and the mean paragraph length in trigrams: one pass over the vocabulary
        (as the spelling index makes)."""
        df = (index.indptr[1:] - index.indptr[:-1]).astype(np.float64)
        absent = np.log1p(-np.minimum(df / max(index.doc_count, 1), 1 - 1e-9)).tolist()
        postings = df.tolist()
        log_absent: dict[str, float] = {}
        total_grams = 0.0
        for term, term_id in index.vocabulary.items():
            grams = letter_grams(term)
            total_grams += len(grams) * postings[term_id]
            for gram in grams:
                log_absent[gram] = log_absent.get(gram, 0.0) + absent[term_id]
        n = index.doc_count
        idf = {}
        for gram, log_p in log_absent.items():
            gram_df = n * -math.expm1(log_p)
            idf[gram] = math.log(1 + (n - gram_df + 0.5) / (gram_df + 0.5))
        # Trigrams per term occurrence, estimated over postings (term frequencies are gone).
        return idf, index.mean_length * total_grams / max(sum(postings), 1)

    def scores(self, question: Sequence[str], paragraphs: Sequence[Counter[str]]) -> list[float]:
        """Trigram BM25 of each paragraph (given as its :func:`gram_counts`) for the question's
        terms."""
        k1, b = self._params.k1, self._params.b
        idf = self._idf
        wanted = [(gram, n * idf.get(gram, 0.0)) for gram, n in gram_counts(question).items()]
        scores = []
        for counts in paragraphs:
            norm = k1 * (1 - b + b * counts.total() / max(self._mean_length, 1e-9))
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
