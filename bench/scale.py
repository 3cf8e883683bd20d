"""How Sanad's cost grows with the collection, beside rank-bm25 on the same tokens.

Synthetic Arabic paragraphs (15–80 words each) are sampled, seeded and reproducible, from the
word frequencies of the seed articles and the ARCD paragraphs (the benchmark data is generated
under .bench/, never committed). Each measurement runs in its own process so peak RSS is its own.

    python bench/scale.py 10000 100000          # sizes to measure
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
QUESTIONS = ROOT.parent / "shared" / "eval" / "seeds-dev.jsonl"
PER_FILE = 1000


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
    arcd = ROOT.parent / "shared" / "eval" / "arcd-train.json"
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


def _questions() -> list[str]:
    from retrieval.evaluation import load_questions

    return [q.text for q in load_questions(QUESTIONS)[0]]


def _latencies(answer, questions: list[str]) -> dict[str, float]:
    timings = []
    for question in questions * 5:
        started = time.perf_counter()
        answer(question)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "query_p50_ms": round(statistics.median(timings), 2),
        "query_p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
    }


def measure_sanad(size: int) -> dict:
    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    snapshot = default_snapshot(sources)
    snapshot.unlink(missing_ok=True)
    started = time.perf_counter()
    Library.open(sources, snapshot)
    build = time.perf_counter() - started
    started = time.perf_counter()
    library = Library.open(sources, snapshot)
    load = time.perf_counter() - started
    figures = _latencies(lambda q: library.engine.answer(q, limit=3), _questions())
    return {"build_s": round(build, 1), "snapshot_load_s": round(load, 2), **figures}


def measure_reload(size: int) -> dict:
    """Answer latency while a full reload rebuilds the index in a worker thread (as /reload)."""
    import threading

    from retrieval.library import Library, default_snapshot

    sources = generate(size)
    snapshot = default_snapshot(sources)
    library = Library.open(sources, snapshot)
    snapshot.unlink(missing_ok=True)  # force a real rebuild, as after a change of sources
    questions = _questions()
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
        "indexing_subprocess_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        // 1024,
    }


def measure_rank_bm25(size: int) -> dict:
    import numpy as np
    from rank_bm25 import BM25Okapi

    from retrieval.corpus import load_corpus
    from retrieval.search import SearchEngine

    corpus = load_corpus(generate(size))
    engine = SearchEngine.build(corpus)  # for identical tokens
    documents = [engine.analyzer.terms(p.text) for p in corpus.paragraphs]
    started = time.perf_counter()
    index = BM25Okapi(documents, k1=1.2, b=0.75)
    build = time.perf_counter() - started

    def answer(question: str) -> None:
        scores = index.get_scores(engine.query_terms(question))
        np.argpartition(-scores, 3)[:3]

    return {"build_s (index only)": round(build, 1), **_latencies(answer, _questions()[:5])}


def child(system: str, size: int) -> None:
    measure = {"sanad": measure_sanad, "reload": measure_reload, "rank-bm25": measure_rank_bm25}
    figures = measure[system](size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"system": system, "paragraphs": size, **figures, "peak_rss_mb": peak}))


def main(sizes: list[int]) -> None:
    for size in sizes:
        generate(size)
        systems = ["sanad", "reload", "rank-bm25"] if size <= 100_000 else ["sanad", "reload"]
        for system in systems:
            result = subprocess.run(
                [sys.executable, __file__, "--child", system, str(size)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            print(result.stdout.strip() or result.stderr.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
