"""The question reader: a question as the index sees it.

The analyser reads a question exactly as it reads a paragraph (one chain for both); what only a
question needs comes after it, here, as named steps that can be switched off like the
analyser's (:mod:`retrieval.analysis.steps`). Today those are ``links``, web addresses left
out (:mod:`.links`); ``dialect``: an everyday dialect word the collection lacks is read as its
Modern Standard Arabic counterpart before the analyser (:mod:`.dialect`); ``short-names``: a
first and a last name of two consonants written in Latin are read as the Arabic spelling the
collection uses (:mod:`.names`); and ``spelling``: a question word the collection still lacks
is read as its most frequent term one edit away (:mod:`.spelling`). Earlier readings (a verb
in another tense, two words typed as one, a title's weight) were measured and removed as they did
not generalise (BENCHMARKS.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.answer_types import AnswerType, expected_type
from retrieval.bm25 import BM25Index
from retrieval.query.dialect import dialect_readings
from retrieval.query.links import without_links
from retrieval.query.names import short_names
from retrieval.query.spelling import SpellingIndex

MAX_QUESTION_CHARS = 500
# Paragraphs read to see whether a short name's two words stand together (a question's cost).
NAME_PARAGRAPHS = 16


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
    ``text_of`` gives a paragraph's text by id (where ``short-names`` looks for a name).
    """

    def __init__(
        self,
        analyzer: Analyzer,
        index: BM25Index,
        spelling: SpellingIndex | None,
        text_of: Callable[[int], str],
    ) -> None:
        self.analyzer = analyzer
        self.index = index
        self.spelling = spelling
        self.names = analyzer.settings.on("short-names")
        self.text_of = text_of
        # A term the collection has never seen weighs as the rarest possible one.
        self.unseen_idf = math.log(1 + (index.doc_count + 0.5) / 0.5)

    def read(self, question: str) -> Reading:
        """The question as the index sees it (cut to a sane length first): a word the corpus
        lacks is read as its nearest corpus term (one edit away), if it has one."""
        question = question[:MAX_QUESTION_CHARS]
        if self.analyzer.settings.on("links"):
            question = without_links(question)
        if self.analyzer.settings.on("dialect"):
            question = dialect_readings(question, self._known)
        written = self.analyzer.terms(question)
        vocabulary, spelling = self.index.vocabulary, self.spelling
        names = (
            short_names(written, vocabulary, self._term_of, self._together)
            if self.names
            else {}
        )
        named = [names.get(term, term) for term in written]
        corrections = {
            term: spelling.correct(term) if spelling is not None else None
            for term in set(named)
            if term not in vocabulary
        }
        terms = [corrections.get(term) or term for term in named]
        return Reading(
            terms,
            self.weights(terms),
            frozenset(term for term, found in corrections.items() if found is None),
            frozenset(term for term, found in corrections.items() if found is not None),
            expected_type(question),
            written,
        )

    def _known(self, word: str) -> bool:
        """Whether the collection has every term of ``word`` (a stop word has none)."""
        return all(term in self.index.vocabulary for term in self.analyzer.terms(word))

    def _term_of(self, word: str) -> str | None:
        """The analyser's term of one word (None: it is dropped or read as several)."""
        terms = self.analyzer.terms(word)
        return terms[0] if len(terms) == 1 else None

    def _together(self, first: str, second: str) -> int:
        """How often the paragraphs that use both corpus terms (the first
        ``NAME_PARAGRAPHS`` of them) write ``first`` right before ``second``."""
        vocabulary = self.index.vocabulary
        docs = np.intersect1d(
            self.index.postings(vocabulary[first])[0], self.index.postings(vocabulary[second])[0]
        )
        found = 0
        for doc in docs[:NAME_PARAGRAPHS].tolist():
            terms = self.analyzer.terms(self.text_of(doc))
            found += sum(pair == (first, second) for pair in pairwise(terms))
        return found

    def weights(self, terms: list[str]) -> dict[str, float]:
        """Each term's idf (0 at least; a term the index lacks: the largest possible)."""
        found = {}
        for term in terms:
            term_id = self.index.vocabulary.get(term)
            found[term] = (
                self.unseen_idf if term_id is None else max(float(self.index.idf[term_id]), 0.0)
            )
        return found
