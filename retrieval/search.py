"""The search engine: a corpus, its analyser and its BM25 index, answering questions.

This is the whole core a platform talks to: ``SearchEngine.build(corpus)`` once, then
``engine.answer(question)`` for every question. It knows nothing of chat platforms.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer, Token
from retrieval.answer import Answer, Passage, Source, Span
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import Corpus, Paragraph
from retrieval.excerpt import choose_excerpt
from retrieval.indexing import Progress, Tokens, index_tokens, no_progress, read_sources, tokenize
from retrieval.rerank import RERANK_DEPTH, GramScorer, fuse, gram_counts, letter_grams
from retrieval.spelling import SpellingIndex
from retrieval.stemming import verb_readings
from retrieval.store import ParagraphStore, TextSink

# The no-answer rule, measured on seeds-dev.jsonl and ARCD train (BENCHMARKS.md): a question is
# answered when one of the top paragraphs contains two of its distinct terms, or more than half
# of its idf weight. Otherwise the best paragraph shares one word with it by coincidence.
MIN_SHARED_TERMS = 2
MIN_COVERAGE = 0.5
CONFIDENCE_DEPTH = 10
# A question word the corpus lacks still counts as found in a paragraph holding a derived form
# of it: two thirds of its letter trigrams (استقلت in استقلالها). Shorter words match too much.
VARIANT_MIN_LETTERS = 5
VARIANT_SHARE = 2 / 3
# A question that names an article's subject (a word of its title) asks about that article. The
# title already counts once in every paragraph, which length normalisation shrinks in a long
# one, so a reordered paragraph whose article title holds a question term gains this much
# beside the relative BM25 and trigram scores (measured in BENCHMARKS.md).
TITLE_WEIGHT = 0.5
# Each half of two words typed without a space is this long (shorter halves split real words).
GLUED_MIN_LETTERS = 4
# Passages far below the best one are noise, not further answers.
MIN_RELATIVE_SCORE = 0.25
MAX_QUESTION_CHARS = 500
# How deep paging can go: enough pages for anyone, bounded work per question.
MAX_RESULTS = 50
DEFAULT_PARAMS = BM25Params()


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked paragraph before it is dressed as a passage; its text is read when asked for
    (a page shows three of the fifty hits counted for paging)."""

    paragraphs: Sequence[Paragraph]
    doc: int
    score: float

    @property
    def paragraph(self) -> Paragraph:
        return self.paragraphs[self.doc]


class SearchEngine:
    """Answers questions over one immutable corpus snapshot; safe to share between tasks."""

    def __init__(
        self, corpus: Corpus, analyzer: Analyzer, index: BM25Index, params: BM25Params
    ) -> None:
        if not isinstance(corpus.paragraphs, ParagraphStore):
            raise TypeError("an engine serves a corpus packed in a ParagraphStore")
        self.corpus = corpus
        self.store: ParagraphStore = corpus.paragraphs
        self.analyzer = analyzer
        self.index = index
        self.params = params
        # How many paragraphs use each term: spelling and verb readings prefer the common one.
        self._frequency = dict(
            zip(index.vocabulary, (index.indptr[1:] - index.indptr[:-1]).tolist(), strict=True)
        )
        self.spelling = SpellingIndex(index.vocabulary, self._frequency)
        self.grams = GramScorer(index, params)
        # Popular paragraphs are quoted again and again; their highlight tokens are reused.
        self._paragraph_tokens = lru_cache(maxsize=4096)(analyzer.analyze)
        self._context_terms = lru_cache(maxsize=4096)(analyzer.terms)
        # Not a bound method: the cache would hold the engine in a cycle past its replacement.
        self._paragraph_grams = lru_cache(maxsize=1024)(
            partial(_indexed_grams, self.store, analyzer, self._context_terms)
        )

    @classmethod
    def build(cls, corpus: Corpus, params: BM25Params = DEFAULT_PARAMS) -> SearchEngine:
        """Analyse and index every paragraph of ``corpus`` (with its heading as context)."""
        part = tokenize(list(corpus.articles), corpus.paragraphs)
        analyzer, index = index_tokens(Tokens.of(part), corpus.aliases, params)
        return cls(replace(corpus, paragraphs=part.store), analyzer, index, params)

    @classmethod
    def from_sources(
        cls,
        directory: Path,
        params: BM25Params = DEFAULT_PARAMS,
        progress: Progress | None = None,
        text: TextSink | None = None,
    ) -> SearchEngine:
        """Read and index a sources directory, in parallel processes when it is large.

        Paragraph text goes to ``text`` (a snapshot being written), by default to memory.
        """
        corpus, tokens = read_sources(directory, progress or no_progress, text)
        analyzer, index = index_tokens(tokens, corpus.aliases, params, progress or no_progress)
        return cls(corpus, analyzer, index, params)

    def query_terms(self, question: str) -> list[str]:
        """The index terms of a question (cut to a sane length first). A word the corpus lacks
        is read as another form of a corpus verb (قالت → قال, خسرت → تخسر), then as two corpus
        words missing their space (الاسكندرالاكبر), before it is taken for a typo: spelling
        correction alone made قالت into قامت and خسرت into كسرت."""
        terms: list[str] = []
        for term in self.analyzer.terms(question[:MAX_QUESTION_CHARS]):
            if term in self.index.vocabulary:
                terms.append(term)
            else:
                terms.extend(self._known_reading(term))
        return terms

    def _known_reading(self, term: str) -> list[str]:
        """The most frequent corpus verb form of ``term``, else the two corpus words it glues
        together, else its spelling correction (else ``term`` itself)."""
        readings = sorted({r for r in verb_readings(term) if r in self._frequency})
        if readings:
            return [max(readings, key=self._frequency.__getitem__)]
        return self._glued_words(term) or [self.spelling.correct(term) or term]

    def _glued_words(self, term: str) -> list[str] | None:
        """Two corpus words typed without the space between them. Both halves must be long
        (المبلغ is no ال + مبلغ split, التعامل no الت + عامل), or the second an ال word."""
        for cut in range(3, len(term) - 2):
            first, second = term[:cut], term[cut:]
            article_word = second.startswith("ال") and len(second) > GLUED_MIN_LETTERS
            if min(len(first), len(second)) < GLUED_MIN_LETTERS and not article_word:
                continue
            words = [*self.analyzer.terms(first), *self.analyzer.terms(second)]
            if len(words) == 2 and all(word in self.index.vocabulary for word in words):
                return words
        return None

    def search(self, question: str, limit: int = 10) -> list[Hit]:
        """Relevant paragraphs best first; empty when nothing is confidently relevant."""
        terms = self.query_terms(question)
        return self._search(terms, self._term_weights(terms), limit)

    def _search(self, terms: list[str], weights: dict[str, float], limit: int) -> list[Hit]:
        """BM25's best paragraphs, the first :data:`RERANK_DEPTH` reordered by trigram score
        and by whether their article's title names the question's subject.

        Scores are relative to the best BM25 score (plus the trigram and title parts for the
        reordered ones), so they still fall from one hit to the next.
        """
        depth = max(limit, CONFIDENCE_DEPTH, RERANK_DEPTH)
        ranked, matches = self.index.top_matching(terms, depth)
        if not ranked or not self._is_answerable(weights, matches, [doc for doc, _ in ranked]):
            return []
        best = ranked[0][1]
        ranked = [(doc, score) for doc, score in ranked if score >= best * MIN_RELATIVE_SCORE]
        head, tail = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
        grams = self.grams.scores(terms, [self._paragraph_grams(doc) for doc, _ in head])
        fused = fuse([score for _, score in head], grams)
        for i, (doc, _) in enumerate(head):
            if not weights.keys().isdisjoint(self._title_terms(doc)):
                fused[i] += TITLE_WEIGHT
        order = sorted(range(len(head)), key=lambda i: -fused[i])
        hits = [Hit(self.store, head[i][0], fused[i]) for i in order]
        hits += [Hit(self.store, doc, score / best) for doc, score in tail]
        if len(set(terms)) == 1 and hits:
            hits = self._introduction_first(hits, terms[0])
        return hits[:limit]

    def _title_terms(self, doc: int) -> list[str]:
        """The index terms of a paragraph's article title (cached: a few titles recur); the
        paragraph's text is not read."""
        return self._context_terms(self.store.article_of(doc).context_title)

    def _introduction_first(self, hits: list[Hit], subject: str) -> list[Hit]:
        """The first paragraph of the best article about ``subject`` (its title names it)
        first: a question that names only its subject (ما هو السرطان؟) asks for the paragraph
        that introduces it, and a later one repeating the name more often outranked it
        (measured in BENCHMARKS.md). An article that merely mentions the subject introduces
        something else, so its order stands."""
        if subject not in self._title_terms(hits[0].doc):
            return hits
        article_ids, numbers = self.store.article_ids, self.store.numbers
        article = article_ids[hits[0].doc]
        first = min(
            (hit for hit in hits if article_ids[hit.doc] == article),
            key=lambda hit: numbers[hit.doc],
        )
        if first is hits[0]:
            return hits
        return [replace(first, score=hits[0].score), *(hit for hit in hits if hit is not first)]

    def _is_answerable(
        self, weights: dict[str, float], matches: dict[str, np.ndarray], ranked: list[int]
    ) -> bool:
        """Whether some top paragraph shares enough of the question (see MIN_SHARED_TERMS).

        A term the corpus has never seen weighs as much as the rarest possible term, so a
        question about something the articles never mention is not answered from its other words,
        unless a top paragraph uses a derived form of it (see VARIANT_SHARE).
        """
        total = sum(weights.values())
        if total <= 0:
            return False
        depth = min(CONFIDENCE_DEPTH, *(len(m) for m in matches.values()))
        shared = np.zeros(depth, dtype=np.int64)
        covered = np.zeros(depth, dtype=np.float64)
        for term, weight in weights.items():
            if term in matches:
                contains = matches[term][:depth]
            elif len(term) >= VARIANT_MIN_LETTERS:  # not in the index: no match array
                contains = self._has_variant(term, ranked[:depth])
            else:
                continue
            shared += contains
            covered += contains * weight
        needed = min(MIN_SHARED_TERMS, len(weights))
        return bool(np.any((shared >= needed) | (covered > MIN_COVERAGE * total)))

    def _has_variant(self, term: str, docs: list[int]) -> np.ndarray:
        """For each paragraph: does it hold most of ``term``'s letter trigrams?"""
        grams = set(letter_grams(term))
        needed = VARIANT_SHARE * len(grams)
        return np.array(
            [len(grams & self._paragraph_grams(doc).keys()) >= needed for doc in docs], dtype=bool
        )

    def _term_weights(self, terms: list[str]) -> dict[str, float]:
        unseen = math.log((self.index.doc_count + 0.5) / 0.5)
        weights = {}
        for term in terms:
            term_id = self.index.vocabulary.get(term)
            weights[term] = unseen if term_id is None else max(float(self.index.idf[term_id]), 0.0)
        return weights

    def answer(self, question: str, limit: int = 3, offset: int = 0) -> Answer:
        """The page of passages ``[offset, offset + limit)`` answering ``question``."""
        terms = self.query_terms(question)
        weights = self._term_weights(terms)
        hits = self._search(terms, weights, limit=max(offset + limit + 1, MAX_RESULTS))
        passages = tuple(self._passage(hit, weights) for hit in hits[offset : offset + limit])
        return Answer(question, passages, offset=offset, total=len(hits))

    def _passage(self, hit: Hit, weights: dict[str, float]) -> Passage:
        paragraph = hit.paragraph
        tokens = self._paragraph_tokens(paragraph.text)
        matched: list[Token] = [t for t in tokens if t.term in weights]
        article = paragraph.article
        return Passage(
            text=paragraph.text,
            score=hit.score,
            source=Source(
                title=article.title,
                file=article.file,
                paragraph=paragraph.number,
                part=paragraph.part,
                paragraph_total=article.paragraph_total,
                publisher=article.source,
                author=article.author,
                url=article.url,
            ),
            excerpt=choose_excerpt(paragraph.text, tokens, weights),
            highlights=tuple(Span(t.start, t.end) for t in matched),
            heading=paragraph.heading,
        )


def _indexed_grams(
    store: ParagraphStore,
    analyzer: Analyzer,
    context_terms: Callable[[str], list[str]],
    doc: int,
) -> Counter[str]:
    """Letter trigrams of the terms a paragraph is indexed by (title, heading and text)."""
    paragraph = store[doc]
    context = context_terms(f"{paragraph.article.context_title}\n{paragraph.heading}")
    return gram_counts([*context, *analyzer.terms(paragraph.text)])
