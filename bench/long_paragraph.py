"""How long one question takes over an article that is a single huge line.

A scraped page or a book saved without line breaks is one paragraph of hundreds of thousands of
characters. This writes such an article (sentences of the seed articles, shuffled and seeded,
joined by spaces into one line) beside a short one, indexes the directory as ``sanad`` does,
and times the answer to a question whose words occur all along it; then it times choosing an
excerpt in one unsplit paragraph of the same size, the step that used to rescan the paragraph
once per sentence. Figures are printed, not asserted (BENCHMARKS.md):

    python bench/long_paragraph.py 300000 3000000
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.logs import counted  # noqa: E402
from retrieval.corpus import load_corpus  # noqa: E402
from retrieval.excerpt import choose_excerpt  # noqa: E402
from retrieval.search import SearchEngine  # noqa: E402

QUESTION = "كم انخفض سهم إنفيديا بعد إعلان ديب سيك؟"


def one_line(chars: int, seed: int = 7) -> str:
    """Seed sentences, shuffled and joined into one line of at least ``chars`` characters."""
    text = " ".join(p.text for p in load_corpus(ROOT / "seeds").paragraphs)
    sentences = [s.strip() for s in re.split(r"(?<=[.!؟])\s+", text) if s.strip()]
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < chars:
        sentence = rng.choice(sentences)
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)


def timed(action, repeat: int = 5) -> float:
    """Median seconds of ``action()`` over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(sizes: list[int]) -> None:
    for chars in sizes:
        line = one_line(chars)
        with tempfile.TemporaryDirectory() as directory:
            sources = Path(directory)
            (sources / "long.txt").write_text(line + "\n", encoding="utf-8")
            (sources / "short.txt").write_text("مقال قصير عن موضوع آخر تماما.\n", "utf-8")
            start = time.perf_counter()
            engine = SearchEngine.from_sources(sources)
            build = time.perf_counter() - start
            first = timed(lambda e=engine: e.answer(QUESTION), repeat=1)
            answer_time = timed(lambda e=engine: e.answer(QUESTION))
            answer = engine.answer(QUESTION)
        tokens = engine.analyzer.analyze(line)
        weights = {term: 1.0 for term in engine.query_terms(QUESTION)}
        excerpt = timed(partial(choose_excerpt, line, tokens, weights), repeat=3)
        print(
            f"{len(line):>9,} chars on one line: {counted(len(engine.store), 'paragraph')}, "
            f"indexed in {build:.2f} s; answer {first * 1000:.0f} ms first, "
            f"{answer_time * 1000:.1f} ms after ({counted(len(answer.passages), 'passage')}); "
            f"excerpt of the unsplit line {excerpt * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [300_000, 3_000_000])
