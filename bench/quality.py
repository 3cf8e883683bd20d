"""Retrieval quality of Sanad beside its anchors, all measured in one run (BENCHMARKS.md).

Anchors: Lucene 8.7 ArabicAnalyzer + BM25 (bench/LuceneAnchor.java, run when Java and Debian's
liblucene8-java are installed) and plain rank-bm25 on whitespace tokens. Each system ranks the
same paragraphs for the same questions; one evaluation function scores them all.

    python bench/quality.py eval/seeds-dev.jsonl eval/arcd-train.json
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.corpus import Corpus, load_corpus
from retrieval.evaluation import Question, Report, evaluate, load_questions
from retrieval.search import Hit, SearchEngine

ROOT = Path(__file__).resolve().parent.parent
LUCENE_JARS = [
    Path("/usr/share/java/lucene-core-8.7.0.jar"),
    Path("/usr/share/java/lucene-analyzers-common-8.7.0.jar"),
    Path("/usr/share/java/lucene-queryparser-8.7.0.jar"),
]

Search = Callable[[str], list[Hit]]


def lucene_search(corpus: Corpus, questions: list[Question]) -> Search | None:
    """Rank with real Lucene 8.7 in a subprocess; None when Java or the jars are missing."""
    if not (shutil.which("javac") and all(jar.exists() for jar in LUCENE_JARS)):
        return None
    classpath = ":".join(map(str, LUCENE_JARS))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        subprocess.run(
            ["javac", "-cp", classpath, "-d", work, str(ROOT / "bench" / "LuceneAnchor.java")],
            check=True,
        )
        docs = folder / "docs.tsv"
        docs.write_text(
            "\n".join(" ".join(p.text.split()) for p in corpus.paragraphs) + "\n", encoding="utf-8"
        )
        queries = folder / "queries.txt"
        queries.write_text("\n".join(" ".join(q.text.split()) for q in questions) + "\n", "utf-8")
        result = subprocess.run(
            ["java", "-cp", f"{classpath}:{work}", "LuceneAnchor", str(docs), str(queries), "10"],
            check=True,
            capture_output=True,
            text=True,
        )
    rankings = {}
    for question, line in zip(questions, result.stdout.split("\n"), strict=False):
        pairs = [item.split(":") for item in line.split("\t") if item]
        rankings[question.text] = [Hit(corpus.paragraphs, int(d), float(s)) for d, s in pairs]
    return lambda text: rankings.get(text, [])


def whitespace_search(corpus: Corpus) -> Search:
    """rank-bm25 defaults on whitespace tokens: the README's plain baseline."""
    index = BM25Okapi([p.text.split() for p in corpus.paragraphs])

    def search(text: str) -> list[Hit]:
        scores = index.get_scores(text.split())
        order = np.argsort(-scores, kind="stable")[:10]
        return [Hit(corpus.paragraphs, int(i), float(scores[i])) for i in order if scores[i] > 0]

    return search


def measure(path: Path) -> dict[str, dict]:
    """Figures of every system on one question file."""
    questions, corpus = load_questions(path)
    corpus = corpus or load_corpus(ROOT / "seeds")
    engine = SearchEngine.build(corpus)
    systems: dict[str, Report] = {"sanad": evaluate(engine, questions)}
    lucene = lucene_search(corpus, questions)
    if lucene is not None:
        systems["lucene-8.7-arabic"] = evaluate(engine, questions, lucene)
    systems["rank-bm25-whitespace"] = evaluate(engine, questions, whitespace_search(corpus))
    return {name: report.as_dict() for name, report in systems.items()}


def main(paths: list[str]) -> None:
    for path in paths:
        for system, figures in measure(Path(path)).items():
            print(
                json.dumps(
                    {"file": Path(path).name, "system": system, **figures}, ensure_ascii=False
                )
            )


if __name__ == "__main__":
    main(sys.argv[1:])
