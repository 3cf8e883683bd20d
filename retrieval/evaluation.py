"""Retrieval quality on labelled questions: the figures BENCHMARKS.md reports.

Two formats are read. ``seeds-dev.jsonl``: one question a line with the relevant (file,
paragraph, starts_with) triples, an empty list meaning "the articles do not answer this". ARCD /
SQuAD JSON: articles → paragraphs → questions with answer spans, evaluated over a corpus built
from that file's own paragraphs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from retrieval.corpus import Article, Corpus, corpus_from_articles
from retrieval.search import Hit, SearchEngine


@dataclass(frozen=True, slots=True)
class Question:
    """A labelled question: which hits count as relevant, and answer strings if known."""

    text: str
    relevant: frozenset[tuple[str, int]]
    starts_with: dict[tuple[str, int], str] = field(default_factory=dict)
    answers: tuple[str, ...] = ()


@dataclass
class Report:
    """Aggregated figures; rates are over answerable questions unless named otherwise.

    answer@k (ARCD): an answer span of the question occurs in one of the top k passages.
    """

    answerable: int = 0
    unanswerable: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal_rank: float = 0.0
    answer1: int = 0
    answer3: int = 0
    answered_unanswerable: int = 0
    abstained_answerable: int = 0
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | int]:
        """The figures a person compares with the anchors."""
        n = max(self.answerable, 1)
        return {
            "questions": self.answerable + self.unanswerable,
            "answered": round((self.answerable - self.abstained_answerable) / n, 3),
            "no_answer_on_unanswerable": round(
                (self.unanswerable - self.answered_unanswerable) / max(self.unanswerable, 1), 3
            ),
            "hit@1": round(self.hit1 / n, 3),
            "hit@3": round(self.hit3 / n, 3),
            "mrr@10": round(self.reciprocal_rank / n, 3),
            "answer@1": round(self.answer1 / n, 3),
            "answer@3": round(self.answer3 / n, 3),
            "abstained_on_unanswerable": f"{self.unanswerable - self.answered_unanswerable}"
            f"/{self.unanswerable}",
            "abstained_on_answerable": self.abstained_answerable,
        }


def load_questions(path: Path) -> tuple[list[Question], Corpus | None]:
    """Questions from ``path``; for ARCD/SQuAD also the corpus its paragraphs form."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [
            _dev_question(json.loads(line)) for line in text.splitlines() if line.strip()
        ], None
    return _squad(json.loads(text))


def _dev_question(row: dict) -> Question:
    relevant = {
        (r["source"], int(r["paragraph"])): r.get("starts_with", "") for r in row["relevant"]
    }
    return Question(row["question"].strip(), frozenset(relevant), relevant)


def _squad(data: dict) -> tuple[list[Question], Corpus]:
    questions: list[Question] = []
    articles = []
    for article_index, article in enumerate(data["data"]):
        file_name = f"arcd-{article_index:03d}"
        title = article.get("title", file_name).replace("_", " ")
        texts = [p["context"] for p in article["paragraphs"]]
        articles.append((Article(file_name, title, paragraph_total=len(texts)), texts))
        for number, paragraph in enumerate(article["paragraphs"], start=1):
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", ()))
                questions.append(
                    Question(
                        qa["question"].strip(), frozenset({(file_name, number)}), answers=answers
                    )
                )
    return questions, corpus_from_articles(articles)


def is_relevant(question: Question, hit: Hit) -> bool:
    """A hit counts when it is a labelled paragraph (and starts as labelled, where given)."""
    key = (hit.paragraph.article.file, hit.paragraph.number)
    if key not in question.relevant:
        return False
    prefix = question.starts_with.get(key, "")
    return not prefix or prefix in hit.paragraph.text


def evaluate(
    engine: SearchEngine,
    questions: list[Question],
    search: Callable[[str], list[Hit]] | None = None,
) -> Report:
    """Ask every question and aggregate hit@1, hit@3, MRR@10, answer@3 and abstentions."""
    search = search or (lambda q: engine.search(q, limit=10))
    report = Report()
    for question in questions:
        hits = search(question.text)
        if not question.relevant:
            report.unanswerable += 1
            report.answered_unanswerable += bool(hits)
            continue
        report.answerable += 1
        if not hits:
            report.abstained_answerable += 1
        ranks = [rank for rank, hit in enumerate(hits[:10], start=1) if is_relevant(question, hit)]
        if ranks:
            report.reciprocal_rank += 1 / ranks[0]
            report.hit1 += ranks[0] == 1
            report.hit3 += ranks[0] <= 3
        if not ranks or ranks[0] > 1:
            report.misses.append(question.text)
        report.answer1 += _answers(question, hits[:1], ranks, 1)
        report.answer3 += _answers(question, hits[:3], ranks, 3)
    return report


def _answers(question: Question, top: list[Hit], ranks: list[int], k: int) -> bool:
    """An answer span appears in the top ``k`` (without spans: a relevant hit in the top k)."""
    if question.answers:
        return any(answer in hit.paragraph.text for hit in top for answer in question.answers)
    return bool(ranks) and ranks[0] <= k


def leave_articles_out(
    corpus: Corpus, questions: list[Question], seed: int, share: float = 0.5
) -> tuple[Corpus, list[Question]]:
    """An open-world split: a random ``share`` of the articles (seeded) is left out of the
    corpus, and the questions only they answer become questions with no answer. They still
    share the collection's vocabulary and topics, which a made-up question would not.
    """
    rng = random.Random(seed)
    files = [article.file for article in corpus.articles]
    left_out = set(rng.sample(files, round(len(files) * share)))
    kept = Corpus(
        [a for a in corpus.articles if a.file not in left_out],
        [p for p in corpus.paragraphs if p.article.file not in left_out],
        aliases=corpus.aliases,
    )
    relabelled = [
        replace(question, relevant=frozenset(k for k in question.relevant if k[0] not in left_out))
        for question in questions
    ]
    return kept, relabelled
