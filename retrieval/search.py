"""The search engine: a corpus, its analyser and its BM25 index, answering questions.

This is the whole core a platform talks to: ``SearchEngine.build(corpus)`` once, then
``engine.answer(question)`` for every question. It knows nothing of chat platforms.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer, Token
from retrieval.analysis.steps import DEFAULT_SETTINGS, AnalysisSettings
from retrieval.answer import Answer, Passage, Source, Span
from retrieval.answer_types import AnswerType, holds
from retrieval.answerability import Confidence, Evidence, Model, shipped_model
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import Corpus, Paragraph
from retrieval.excerpt import choose_excerpt
from retrieval.indexing import (
    Progress,
    Tokens,
    block_tokens,
    index_tokens,
    no_progress,
    read_sources,
    tokenize,
)
from retrieval.query.reader import QueryReader, Reading
from retrieval.query.spelling import SpellingIndex
from retrieval.rerank import (
    RERANK_DEPTH,
    GramScorer,
    GramStatistics,
    fuse,
    letter_grams,
)
from retrieval.roots import NO_ROOT, TermRoots, root_code
from retrieval.store import ParagraphStore, TextSink

# How many of the best paragraphs the answerability evidence looks at for its best coverage.
CONFIDENCE_DEPTH = 10
# A question term counts as held by a passage in a derived form when the passage has two thirds
# of its letter trigrams (استقلت in استقلالها).
VARIANT_SHARE = 2 / 3
# A reordered paragraph holding the kind of answer the question asks for (a number for «كم»)
# gains this much beside its relative BM25 and trigram scores (measured in BENCHMARKS.md).
ANSWER_TYPE_WEIGHT = 0.3
# A reordered paragraph gains this much times the share of the question's weight it holds only
# in another derivation (the ``roots`` step; measured in BENCHMARKS.md, 0.3 chosen as the
# answer type's weight before measuring, 0.6 and 1.0 measured beside it).
ROOT_WEIGHT = 0.3
# Passages far below the best one are noise, not further answers.
MIN_RELATIVE_SCORE = 0.25
# Paragraphs whose trigram counts are remembered: popular paragraphs are reordered again and
# again (about 15 KB each).
PARAGRAPH_GRAMS_REMEMBERED = 512
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


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best paragraphs for a question and how confidently they answer it (no hits when
    the decision is :attr:`Confidence.NONE`)."""

    hits: list[Hit]
    confidence: Confidence
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """What the reordering reads of one paragraph: the letter trigrams of its terms (rows of
    the statistics, with counts), its term ids and their pattern roots' codes."""

    grams: Counter[int]
    terms: frozenset[int]
    roots: frozenset[int]


class SearchEngine:
    """Answers questions over one immutable corpus snapshot; safe to share between tasks."""

    def __init__(
        self,
        corpus: Corpus,
        analyzer: Analyzer,
        index: BM25Index,
        params: BM25Params,
        model: Model | None = None,
        spelling: SpellingIndex | None = None,
        grams: GramStatistics | None = None,
        roots: TermRoots | None = None,
    ) -> None:
        """``spelling``, ``grams`` and ``roots`` are the tables a snapshot saved; without them
        they are built from ``index`` (spelling only when the analyser's ``spelling`` step is
        on)."""
        if not isinstance(corpus.paragraphs, ParagraphStore):
            raise TypeError("an engine serves a corpus packed in a ParagraphStore")
        self.corpus = corpus
        self.store: ParagraphStore = corpus.paragraphs
        self.analyzer = analyzer
        self.index = index
        self.params = params
        if spelling is None and analyzer.settings.on("spelling"):
            # Spelling correction prefers the term more paragraphs use (the index's indptr).
            spelling = SpellingIndex.build(index.vocabulary, index.indptr)  # type: ignore[arg-type]
        self.spelling = spelling
        self.reader = QueryReader(analyzer, index, spelling, lambda doc: self.store[doc].text)
        self.model = model or shipped_model()
        self.gram_statistics = grams or GramStatistics.build(
            index.vocabulary, index.indptr, index.doc_count, index.mean_length
        )
        self.grams = GramScorer(self.gram_statistics, params)
        # Popular paragraphs are quoted again and again; their highlight tokens are reused.
        # Bounded for a server that runs for months: a paragraph's tokens are about 5 KB, its
        # trigram counts about 15 KB.
        self._paragraph_tokens = lru_cache(maxsize=1024)(analyzer.analyze)
        # What the reordering read of paragraphs reordered lately, by paragraph (about 20 KB
        # each, most of it the trigram counts).
        self._reordered: dict[int, _Candidate] = {}
        self.roots = roots or TermRoots.build(index.vocabulary)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        params: BM25Params = DEFAULT_PARAMS,
        model: Model | None = None,
        settings: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> SearchEngine:
        """Analyse and index every paragraph of ``corpus`` (with its heading as context);
        ``model`` decides answerability (by default the shipped one); ``settings`` say which
        analysis steps are off."""
        part = tokenize(list(corpus.articles), corpus.paragraphs)
        analyzer, index = index_tokens(Tokens.of(part), corpus.aliases, params, settings=settings)
        return cls(replace(corpus, paragraphs=part.store), analyzer, index, params, model)

    @classmethod
    def from_sources(
        cls,
        directory: Path,
        params: BM25Params = DEFAULT_PARAMS,
        progress: Progress | None = None,
        text: TextSink | None = None,
        settings: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> SearchEngine:
        """Read and index a sources directory, in parallel processes when it is large.

        Paragraph text goes to ``text`` (a snapshot being written), by default to memory.
        """
        corpus, tokens = read_sources(directory, progress or no_progress, text)
        analyzer, blocks = block_tokens(
            tokens, corpus.aliases, params, progress or no_progress, settings
        )
        # Built before the merge: their work arrays (the spelling index's are hundreds of MB
        # at a million paragraphs) then reuse memory the postings' arrays will not need.
        used = blocks.used
        spelling = None
        if analyzer.settings.on("spelling"):
            spelling = SpellingIndex.build(used.vocabulary, used.indptr)
        grams = GramStatistics.build(
            used.vocabulary, used.indptr, blocks.doc_count, blocks.mean_length
        )
        roots = TermRoots.build(used.vocabulary)
        index = blocks.merge()
        return cls(corpus, analyzer, index, params, spelling=spelling, grams=grams, roots=roots)

    def query_terms(self, question: str) -> list[str]:
        """The index terms of a question (cut to a sane length first)."""
        return self.read(question).terms

    def read(self, question: str) -> Reading:
        """The question as the index sees it (:class:`retrieval.query.reader.QueryReader`)."""
        return self.reader.read(question)

    def search(self, question: str, limit: int = 10) -> list[Hit]:
        """Relevant paragraphs best first; empty when the collection does not answer."""
        return self.rank(question, limit).hits

    def rank(self, question: str, limit: int = 10) -> Ranking:
        """The best paragraphs for ``question`` and how confidently they answer it."""
        return self._rank(self.read(question), limit)

    def _rank(self, reading: Reading, limit: int) -> Ranking:
        """BM25's best paragraphs, the first :data:`RERANK_DEPTH` reordered by trigram score and
        by whether they hold the kind of answer asked for; then the answerability decision on
        the first of them.

        Scores are relative to the best BM25 score (plus the reordering parts for the
        reordered ones), so they still fall from one hit to the next.
        """
        terms, weights = reading.terms, reading.weights
        depth = max(limit, CONFIDENCE_DEPTH, RERANK_DEPTH)
        ranked, matches = self.index.top_matching(terms, depth)
        if not ranked or sum(weights.values()) <= 0:
            return Ranking([], Confidence.NONE, None)
        best = ranked[0][1]
        ranked = [(doc, score) for doc, score in ranked if score >= best * MIN_RELATIVE_SCORE]
        head, tail = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
        candidates = self._candidates([doc for doc, _ in head])
        grams = self.grams.scores(terms, [candidate.grams for candidate in candidates])
        fused = fuse([score for _, score in head], grams)
        if self.analyzer.settings.on("roots"):
            for i, share in enumerate(self._root_shares(reading, candidates)):
                fused[i] += ROOT_WEIGHT * share
        if reading.answer_type is not None:
            for i, (doc, _) in enumerate(head):
                fused[i] += ANSWER_TYPE_WEIGHT * self._holds(doc, reading.answer_type)
        order = sorted(range(len(head)), key=lambda i: -fused[i])
        hits = [Hit(self.store, head[i][0], fused[i]) for i in order]
        hits += [Hit(self.store, doc, score / best) for doc, score in tail]
        evidence = self._evidence(reading, hits[0].doc, dict(ranked), matches, ranked)
        confidence = self.model.decide(evidence)
        if confidence is Confidence.NONE:
            return Ranking([], confidence, evidence)
        return Ranking(hits[:limit], confidence, evidence)

    def _evidence(
        self,
        reading: Reading,
        first: int,
        bm25: dict[int, float],
        matches: dict[str, np.ndarray],
        ranked: list[tuple[int, float]],
    ) -> Evidence:
        """What the first passage (and the others BM25 found) say about the question."""
        # Shares are of the weight of the terms the collection knows; the words it lacks are
        # evidence of their own (``absent``), not a weight no passage can ever hold, unless the
        # passage holds them in a derived form (most of their letter trigrams).
        weights = {t: w for t, w in reading.weights.items() if t in self.index.vocabulary}
        total = sum(weights.values()) or 1.0
        docs = [doc for doc, _ in ranked]
        row = docs.index(first)
        depth = min(CONFIDENCE_DEPTH, len(docs))
        covered = np.zeros(depth)
        for term, weight in weights.items():
            covered += matches[term][:depth] * weight
        held = {term for term in weights if matches[term][row]}
        paragraph = self.store[first]
        tokens = self._paragraph_tokens(paragraph.text)
        grams = self._candidates([first])[0].grams
        row = self.gram_statistics.row
        by_grams = {
            term
            for term in reading.weights
            if sum(row(gram) in grams for gram in set(letter_grams(term)))
            >= VARIANT_SHARE * len(set(letter_grams(term)))
        }
        derived = (reading.absent | reading.corrected) & by_grams
        shared = sum(reading.weights[t] for t in held | derived)
        distinct = len(set(reading.written)) or 1
        return Evidence(
            coverage=sum(weights[t] for t in held) / total,
            shares_enough=float(
                len(held | derived) >= min(2, len(reading.weights))
                or shared > sum(reading.weights.values()) / 2
            ),
            best_coverage=float(covered.max(initial=0.0)) / total,
            absent=len(reading.absent - by_grams) / distinct,
            corrected=len(reading.corrected - by_grams) / distinct,
            pairs=_adjacent_pair_share(reading.written, [t.term for t in tokens]),
            grams=sum(reading.weights[t] for t in by_grams) / sum(reading.weights.values()),
            answer_type=float(
                reading.answer_type is None or self._holds(first, reading.answer_type)
            ),
        )

    def _root_shares(self, reading: Reading, candidates: Sequence[_Candidate]) -> list[float]:
        """Share of the question's weight each candidate paragraph holds only in another
        derivation: a question term it lacks whose :func:`pattern_root` one of its terms has
        («كلف» in a paragraph that says «تكلفة»)."""
        wanted = {
            term: (root, weight)
            for term, weight in reading.weights.items()
            if (root := root_code(term)) != NO_ROOT
        }
        total = sum(reading.weights.values())
        if not wanted or total <= 0:
            return [0.0] * len(candidates)
        vocabulary = self.index.vocabulary
        ids = {term: vocabulary.get(term) for term in wanted}
        return [
            sum(
                weight
                for term, (root, weight) in wanted.items()
                if ids[term] not in candidate.terms and root in candidate.roots
            )
            / total
            for candidate in candidates
        ]

    def _candidates(self, docs: Sequence[int]) -> list[_Candidate]:
        """What the reordering reads of each paragraph, from the terms it is indexed by
        (title, heading and text) as the index saved them: their letter trigrams (rows of
        the statistics), their ids and their roots. Those not remembered are read once each
        and counted in one pass (:meth:`GramStatistics.paragraphs_grams`)."""
        remembered = self._reordered
        found = {doc: remembered.get(doc) for doc in docs}
        missing = [doc for doc, candidate in found.items() if candidate is None]
        if missing:
            read = [self.index.forward.terms_of(doc) for doc in missing]
            counted = self.gram_statistics.paragraphs_grams(read)
            if len(remembered) + len(missing) > PARAGRAPH_GRAMS_REMEMBERED:
                remembered.clear()  # bounded for a server that runs for months
            for doc, (ids, _), grams in zip(missing, read, counted, strict=True):
                terms = frozenset(ids.tolist())
                roots = frozenset(self.roots.of(ids))
                found[doc] = remembered[doc] = _Candidate(grams, terms, roots)
        return [found[doc] for doc in docs]  # type: ignore[misc]

    def _holds(self, doc: int, kind: AnswerType) -> bool:
        """Whether paragraph ``doc`` holds an answer of that kind (a number, a time)."""
        return holds(self.store.text_of(doc), kind)

    def answer(self, question: str, limit: int = 3, offset: int = 0) -> Answer:
        """The page of passages ``[offset, offset + limit)`` answering ``question``."""
        reading = self.read(question)
        ranking = self._rank(reading, limit=max(offset + limit + 1, MAX_RESULTS))
        hits = ranking.hits
        passages = tuple(
            self._passage(hit, reading.weights) for hit in hits[offset : offset + limit]
        )
        return Answer(
            question,
            passages,
            offset=offset,
            total=len(hits),
            weak=ranking.confidence is Confidence.WEAK,
        )

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


def _adjacent_pair_share(question: Sequence[str], paragraph: Sequence[str]) -> float:
    """Share of the question's adjacent term pairs that stand adjacent in the paragraph too."""
    wanted = set(itertools.pairwise(question))
    if not wanted:
        return 0.0
    return len(wanted & set(itertools.pairwise(paragraph))) / len(wanted)
