"""The question reader: a question as the index sees it.

The analyser reads a question exactly as it reads a paragraph (one chain for both); what only a
question needs comes after it, here, as named steps that can be switched off like the
analyser's (:mod:`retrieval.analysis.steps`). Today that is ``links``, web addresses left out
(:mod:`.links`), and ``spelling``: a question word the collection lacks is read as its most
frequent term one edit away (:mod:`.spelling`). Earlier
readings (a verb in another tense, two words typed as one, a title's weight) were measured and
removed as they did not generalise (BENCHMARKS.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from retrieval.analysis import Analyzer
from retrieval.answer_types import AnswerType, expected_type
from retrieval.bm25 import BM25Index
from retrieval.query.links import without_links
from retrieval.query.spelling import SpellingIndex

MAX_QUESTION_CHARS = 500


@dataclass(frozen=True, slots=True)
class Reading:
    """A question as the index sees it."""

    terms: list[str]  # index terms, after reading words the corpus lacks
    weights: dict[str, float]  # idf of each distinct term (an unknown one: the largest idf)
    absent: frozenset[str]  # written terms the collection lacks, even one edit away
    corrected: frozenset[str]  # written terms read as a corpus term one edit away
    answer_type: AnswerType | None  # what the question word asks for
    written: list[str]  # the terms as written, in order (before any reading)


class QueryReader:
    """Reads questions for one index: its analyser, then the question-only steps.

    ``spelling`` is None when that step is off: a word the index lacks stays absent.
    """

    def __init__(
        self, analyzer: Analyzer, index: BM25Index, spelling: SpellingIndex | None
    ) -> None:
        self.analyzer = analyzer
        self.index = index
        self.spelling = spelling
        # A term the collection has never seen weighs as the rarest possible one.
        self.unseen_idf = math.log(1 + (index.doc_count + 0.5) / 0.5)

    def read(self, question: str) -> Reading:
        """The question as the index sees it (cut to a sane length first): a word the corpus
        lacks is read as its nearest corpus term (one edit away), if it has one."""
        question = question[:MAX_QUESTION_CHARS]
        if self.analyzer.settings.on("links"):
            question = without_links(question)
        written = self.analyzer.terms(question)
        vocabulary, spelling = self.index.vocabulary, self.spelling
        corrections = {
            term: spelling.correct(term) if spelling is not None else None
            for term in set(written)
            if term not in vocabulary
        }
        terms = [corrections.get(term) or term for term in written]
        return Reading(
            terms,
            self.weights(terms),
            frozenset(term for term, found in corrections.items() if found is None),
            frozenset(term for term, found in corrections.items() if found is not None),
            expected_type(question),
            written,
        )

    def weights(self, terms: list[str]) -> dict[str, float]:
        """Each term's idf (0 at least; a term the index lacks: the largest possible)."""
        found = {}
        for term in terms:
            term_id = self.index.vocabulary.get(term)
            found[term] = (
                self.unseen_idf if term_id is None else max(float(self.index.idf[term_id]), 0.0)
            )
        return found
