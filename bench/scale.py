"""How Sanad's cost grows with the collection, beside rank-bm25 and bm25s on the same tokens.

Synthetic Arabic paragraphs (15–80 words each) are sampled, seeded and reproducible, from the
word frequencies of the seed articles and the ARCD paragraphs (the benchmark data is generated
under .bench/, never committed). Every measurement runs in a process of its own, so each peak
RSS is its own:

- build: ``Library.open`` on sources without a snapshot, as a first start does (indexing runs
  in a child process with worker processes; the peak is the largest of them);
- serve: a fresh process loads the snapshot and answers the dev questions five times (analysis,
  scoring, top-k and reading the passages' text included);
- reload: answers about 100 questions a second while a full re-index runs;
- rank-bm25 (10k, 100k) and bm25s (all sizes, "lucene" method): indexed from exactly Sanad's
  terms, timed on indexing and top-3 only;
- Lucene 8.7 (the anchor, when Java and the jars are installed): its own ArabicAnalyzer.

    python bench/scale.py 10000 100000 1000000
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
QUESTIONS = ROOT / "eval" / "seeds-dev.jsonl"
# Distinct questions, each asked once: no answer cache of ours helps (first-touch costs too).
DISTINCT_QUESTIONS = ROOT / "eval" / "arcd-train.json"
PER_FILE = 1000
RANK_BM25_MAX = 100_000  # beyond this one query takes seconds


def generate(size: int, seed: int = 7) -> Path:
    """Write ``size`` synthetic paragraphs as articles of 1000 paragraphs (blank-line blocks)."""
    from retrieval.corpus import load_corpus
    from retrieval.evaluation import load_questions

    target = WORK / f"synthetic-{size}"
    if target.is_dir() and len(list(target.glob("*.txt"))) == -(-size // PER_FILE):
        return target
    target.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    for paragraph in load_corpus(ROOT / "seeds").paragraphs:
        counts.update(paragraph.text.split())
    arcd = ROOT / "eval" / "arcd-train.json"
    if arcd.is_file():
        corpus = load_questions(arcd)[1]
        for paragraph in corpus.paragraphs if corpus else ():
            counts.update(paragraph.text.split())
    words, weights = zip(*counts.items(), strict=True)
    rng = random.Random(seed)
    for file_index in range(-(-size // PER_FILE)):
        count = min(PER_FILE, size - file_index * PER_FILE)
        paragraphs = [
            " ".join(rng.choices(words, weights, k=rng.randint(15, 80))) for _ in range(count)
        ]
        (target / f"a{file_index:05d}.txt").write_text("\n\n".join(paragraphs) + "\n", "utf-8")
    return target


def _questions(path: Path = QUESTIONS) -> list[str]:
    """The distinct question texts of an evaluation file, in file order."""
    from retrieval.evaluation import load_questions

    return list(dict.fromkeys(q.text for q in load_questions(path)[0]))


def _latencies(
    answer, questions: list[str], rounds: int = 5, warm_up: bool = True
) -> dict[str, float]:
    if warm_up:  # first-touch costs are start-up, not query, costs
        for question in questions:
            answer(question)
    timings = []
    for question in questions * rounds:
        started = time.perf_counter()
        answer(question)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "query_p50_ms": round(statistics.median(timings), 2),
        "query_p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
    }


def _peak_mb(who: int = resource.RUSAGE_SELF) -> int:
    return resource.getrusage(who).ru_maxrss // 1024


def measure_build(size: int) -> dict:
    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    snapshot = default_snapshot(sources)
    snapshot.unlink(missing_ok=True)
    started = time.perf_counter()
    Library.open(sources, snapshot)
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": max(_peak_mb(), _peak_mb(resource.RUSAGE_CHILDREN)),
        "snapshot_mb": round(snapshot.stat().st_size / 1e6),
    }


def measure_serve(size: int) -> dict:
    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    started = time.perf_counter()
    library = Library.open(sources, default_snapshot(sources))
    load = time.perf_counter() - started

    def answer(question: str) -> None:
        library.engine.answer(question, limit=3)

    figures = _latencies(answer, _questions())
    distinct = _latencies(answer, _questions(DISTINCT_QUESTIONS), rounds=1, warm_up=False)
    return {
        "snapshot_load_s": round(load, 2),
        **figures,
        **{f"distinct_{name}": value for name, value in distinct.items()},
        "serving_peak_rss_mb": _peak_mb(),
    }


def measure_reload(size: int) -> dict:
    """Answer latency while /reload re-indexes everything (as after a change of sources)."""
    import threading

    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    snapshot = default_snapshot(sources)
    library = Library.open(sources, snapshot)
    snapshot.unlink(missing_ok=True)  # force a real rebuild
    questions = _questions()
    for question in questions:
        library.engine.answer(question, limit=3)
    worker = threading.Thread(target=library.reload)
    started = time.perf_counter()
    worker.start()
    timings = []
    while worker.is_alive():
        question = questions[len(timings) % len(questions)]
        asked = time.perf_counter()
        library.engine.answer(question, limit=3)
        timings.append((time.perf_counter() - asked) * 1000)
        time.sleep(0.01)  # about 100 questions a second, not a busy loop
    timings.sort()
    return {
        "reload_s": round(time.perf_counter() - started, 1),
        "answers_during_reload": len(timings),
        "during_reload_p50_ms": round(statistics.median(timings), 2),
        "during_reload_p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
        "serving_peak_rss_mb": _peak_mb(),
        "indexing_peak_rss_mb": _peak_mb(resource.RUSAGE_CHILDREN),
    }


def _documents(size: int) -> tuple[list, dict[str, int], object]:
    """Sanad's terms of every paragraph (term ids, each repeated tf times) and its engine.

    Taken from Sanad's own bulk indexing blocks, so all three engines see the same terms.
    """
    import numpy as np

    from retrieval.indexing import _FormTable, read_sources
    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    corpus, tokens = read_sources(sources)
    table = _FormTable.analyse(tokens, corpus.aliases)
    documents = []
    for block_args in tokens.blocks():
        block = table.block_postings(*block_args)
        terms = np.repeat(block.run_terms, block.run_lengths)
        order = np.argsort(block.docs, kind="stable")
        expanded = np.repeat(terms[order], block.tf[order].astype(np.int64))
        documents.extend(np.split(expanded, np.cumsum(block.doc_len)[:-1]))
    del tokens
    engine = Library.open(sources, default_snapshot(sources)).engine
    return documents, table.terms, engine


def measure_rank_bm25(size: int) -> dict:
    import numpy as np
    from rank_bm25 import BM25Okapi

    documents, vocabulary, engine = _documents(size)
    started = time.perf_counter()
    index = BM25Okapi(documents, k1=1.2, b=0.75)
    build = time.perf_counter() - started

    def answer(question: str) -> None:
        terms = [vocabulary[t] for t in engine.query_terms(question) if t in vocabulary]
        scores = index.get_scores(terms)
        np.argpartition(-scores, 3)[:3]

    return {
        "build_s (index only)": round(build, 1),
        **_latencies(answer, _questions()[:10], rounds=1),
        "peak_rss_mb": _peak_mb(),
    }


def measure_bm25s(size: int) -> dict:
    import bm25s
    from bm25s.tokenization import Tokenized

    documents, vocabulary, engine = _documents(size)
    started = time.perf_counter()
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    retriever.index(Tokenized(ids=documents, vocab=vocabulary), show_progress=False)
    build = time.perf_counter() - started
    del documents

    def answer(question: str) -> None:
        terms = [t for t in engine.query_terms(question) if t in vocabulary]
        if terms:
            retriever.retrieve([terms], k=3, show_progress=False)

    return {
        "build_s (index only)": round(build, 1),
        **_latencies(answer, _questions()),
        "peak_rss_mb": _peak_mb(),
    }


def measure_lucene(size: int) -> dict:
    """Lucene 8.7 (ArabicAnalyzer, BM25, in-memory directory, text not stored): the anchor.

    Needs javac and Debian's liblucene8-java (as `make quality`); the JVM reads all paragraphs
    into memory first, so its peak includes them. Queries: the dev questions, five rounds.
    """
    import shutil
    import tempfile

    from quality import LUCENE_JARS

    from retrieval.library import Library, default_snapshot

    if not (shutil.which("javac") and all(jar.exists() for jar in LUCENE_JARS)):
        return {"skipped": "no javac or Lucene 8.7 jars"}
    sources = generate(size)
    store = Library.open(sources, default_snapshot(sources)).engine.store
    classpath = ":".join(map(str, LUCENE_JARS))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        anchor = ROOT / "bench" / "LuceneAnchor.java"
        subprocess.run(["javac", "-cp", classpath, "-d", work, str(anchor)], check=True)
        with open(folder / "docs.tsv", "w", encoding="utf-8") as docs:
            for i in range(len(store)):
                docs.write(" ".join(store.text_of(i).split()) + "\n")
        questions = [" ".join(q.split()) for q in _questions()] * 5
        (folder / "queries.txt").write_text("\n".join(questions) + "\n", "utf-8")
        del store
        result = subprocess.run(
            ["java", "-cp", f"{classpath}:{work}", "LuceneAnchor", "docs.tsv", "queries.txt", "3"],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        )
    timings = dict(line.split("\t") for line in result.stderr.splitlines() if "\t" in line)
    return {
        "build_s (index only)": round(float(timings["build_seconds"]), 1),
        "query_mean_ms": round(float(timings["query_seconds"]) * 1000 / len(questions), 2),
        "jvm_peak_rss_mb": _peak_mb(resource.RUSAGE_CHILDREN),
    }


MEASURES = {
    "build": measure_build,
    "serve": measure_serve,
    "reload": measure_reload,
    "rank-bm25": measure_rank_bm25,
    "bm25s": measure_bm25s,
    "lucene": measure_lucene,
}


def child(system: str, size: int) -> None:
    print(json.dumps({"system": system, "paragraphs": size, **MEASURES[system](size)}))


def main(sizes: list[int]) -> None:
    for size in sizes:
        generate(size)
        systems = ["build", "serve", "reload", "bm25s", "lucene"]
        if size <= RANK_BM25_MAX:
            systems.append("rank-bm25")
        results = {}
        for system in systems:
            result = subprocess.run(
                [sys.executable, __file__, "--child", system, str(size)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            lines = result.stdout.strip().splitlines() or result.stderr.strip().splitlines()
            print(lines[-1] if lines else f"{system} {size}: no output", flush=True)
            try:
                results[system] = json.loads(lines[-1])
            except (IndexError, ValueError):
                continue
        print(ratios(size, results), flush=True)


def ratios(size: int, results: dict[str, dict]) -> str:
    """One line: each other system's cost divided by Sanad's, side by side."""
    build, serve = results.get("build", {}), results.get("serve", {})
    parts = []
    for system, figures in results.items():
        if system in ("build", "serve", "reload") or "skipped" in figures:
            continue
        p50 = figures.get("query_p50_ms") or figures.get("query_mean_ms")
        p99 = figures.get("query_p99_ms")
        peak = figures.get("peak_rss_mb") or figures.get("jvm_peak_rss_mb")
        index = figures.get("build_s (index only)")
        cells = [
            f"query p50 {p50 / serve['query_p50_ms']:.1f}x" if p50 and serve else "",
            f"p99 {p99 / serve['query_p99_ms']:.1f}x" if p99 and serve else "",
            f"peak RSS {peak / serve['serving_peak_rss_mb']:.1f}x serving"
            if peak and serve
            else "",
            f"{peak / build['build_peak_rss_mb']:.1f}x build" if peak and build else "",
            f"build {index / build['build_s']:.1f}x" if index and build else "",
        ]
        parts.append(f"{system}: " + ", ".join(cell for cell in cells if cell))
    return f"ratios at {size} (other / Sanad): " + "; ".join(parts)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
