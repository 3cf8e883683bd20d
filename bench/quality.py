"""Retrieval quality of Sanad beside its anchors, all measured in one run (BENCHMARKS.md).

Anchors: Lucene 8.7 ArabicAnalyzer + BM25 (bench/LuceneAnchor.java, run when Java and Debian's
liblucene8-java are installed) and plain rank-bm25 on whitespace tokens. Each system ranks the
same paragraphs for the same questions; one evaluation function scores them all.

    python bench/quality.py eval/seeds-dev.jsonl eval/arcd-train.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.analysis.steps import DEFAULT_SETTINGS, STEPS, AnalysisSettings
from retrieval.corpus import Corpus, load_corpus
from retrieval.evaluation import Question, Report, evaluate, leave_articles_out, load_questions
from retrieval.search import Hit, SearchEngine

ROOT = Path(__file__).resolve().parent.parent
# The sets whose anchors (Lucene, rank-bm25) BENCHMARKS.md quotes; the sets written for issue 12
# are reported for Sanad alone.
PUBLISHED = ("seeds-dev.jsonl", "arcd-train.json")
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


EVAL = ROOT / "eval"
ARCD = EVAL / "arcd-train.json"
OPEN_WORLD_SPLITS = range(100, 104)
# Sanad's figures as last recorded by ``make quality``; tests/test_quality.py holds them.
RECORD = EVAL / "figures.json"


def collection(path: Path) -> tuple[list[Question], Corpus]:
    """A question file and the collection it is asked on."""
    questions, corpus = load_questions(path)
    if corpus is None:
        corpus = load_questions(ARCD)[1] if path.name.startswith("arcd") else None
    return questions, corpus or load_corpus(ROOT / "seeds")


def measure(
    path: Path, anchors: bool = True, settings: AnalysisSettings = DEFAULT_SETTINGS
) -> dict[str, dict]:
    """Figures of every system on one question file."""
    questions, corpus = collection(path)
    engine = SearchEngine.build(corpus, settings=settings)
    systems: dict[str, Report] = {"sanad": evaluate(engine, questions)}
    if anchors:
        lucene = lucene_search(corpus, questions)
        if lucene is not None:
            systems["lucene-8.7-arabic"] = evaluate(engine, questions, lucene)
        systems["rank-bm25-whitespace"] = evaluate(engine, questions, whitespace_search(corpus))
    return {name: report.as_dict() for name, report in systems.items()}


def open_world(
    path: Path,
    splits: Iterable[int],
    share: float,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> dict:
    """Sanad's figures over open-world splits of a question file's collection, pooled."""
    questions, corpus = collection(path)
    pooled = Report()
    for seed in splits:
        indexed, relabelled = leave_articles_out(corpus, questions, seed, share)
        report = evaluate(SearchEngine.build(indexed, settings=settings), relabelled)
        for name in ("answerable", "unanswerable", "hit1", "hit3", "answer1", "answer3"):
            setattr(pooled, name, getattr(pooled, name) + getattr(report, name))
        pooled.reciprocal_rank += report.reciprocal_rank
        pooled.answered_unanswerable += report.answered_unanswerable
        pooled.abstained_answerable += report.abstained_answerable
    return pooled.as_dict()


def figures(anchors: bool = True, settings: AnalysisSettings = DEFAULT_SETTINGS) -> list[dict]:
    """Every figure BENCHMARKS.md quotes from this script, as rows (the anchors' rows only
    for the published sets, and only when ``anchors``); ``settings`` switch analysis steps off,
    to measure what each is worth."""
    rows = []
    for path in sorted(EVAL.glob("*.json*")):
        if path.name == RECORD.name:
            continue
        published = path.name in PUBLISHED
        for system, found in measure(path, anchors and published, settings).items():
            rows.append({"file": path.name, "system": system, **found})
    seed_files = sorted(EVAL.glob("seeds-*.jsonl"))
    for path in seed_files:
        found = open_world(
            path, range(len(load_corpus(ROOT / "seeds").articles)), 0.2, settings
        )
        rows.append({"file": path.name, "system": "sanad", "world": "seeds, 1 of 5 left out",
                     **found})
    found = open_world(ARCD, OPEN_WORLD_SPLITS, 0.5, settings)
    rows.append({"file": ARCD.name, "system": "sanad", "world": "half the articles left out",
                 **found})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Quality figures beside their anchors.")
    parser.add_argument(
        "--record", action="store_true", help=f"record Sanad's figures in {RECORD.name}"
    )
    parser.add_argument(
        "--off",
        action="append",
        default=[],
        choices=sorted(STEPS),
        help="switch an analysis step off (repeatable), to measure what it is worth",
    )
    args = parser.parse_args()
    if args.record and args.off:
        parser.error("--record keeps the figures of the whole chain: not with --off")
    rows = figures(settings=AnalysisSettings.without(*args.off))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    if args.record:
        ours = [row for row in rows if row["system"] == "sanad"]
        RECORD.write_text(json.dumps(ours, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
