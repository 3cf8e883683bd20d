"""How Sanad's cost grows with the collection, beside rank-bm25 and bm25s on the same tokens.

Synthetic Arabic paragraphs (15–80 words each), seeded and reproducible, generated under
.bench/ (never committed). By default their vocabulary grows as real Arabic text's does: the
distinct normalised words follow the Heaps' law fitted on the seed articles and the ARCD
paragraphs (about 74 000 distinct words at 10 000 paragraphs, 380 000 at 100 000, two million
at a million). ``--vocabulary small`` samples the same real words' frequencies instead (about
10 000 distinct words at any size: the figures before issue 15, a labelled comparison). Every
row names its vocabulary and distinct word count. Every measurement runs in a process of its
own, so each peak RSS is its own:

- build: ``Library.open`` on sources without a snapshot, as a first start does (indexing runs
  in a child process with worker processes; the peak is the largest of them);
- serve: a fresh process loads the snapshot ("start" is the load and the first answer) and
  answers the dev questions five times (analysis, scoring, top-k and reading the passages' text
  included), then the distinct ARCD questions once each;
- reload: answers about 100 questions a second while a full re-index runs;
- rank-bm25 (10k, 100k) and bm25s (all sizes, "lucene" method): indexed from exactly Sanad's
  terms, timed on indexing and top-3 only;
- Lucene 8.7 (the anchor, when Java and the jars are installed): its own ArabicAnalyzer.

    python bench/scale.py 10000 100000 1000000            # realistic vocabulary
    python bench/scale.py --vocabulary small 1000000      # the old small-vocabulary rows
    python bench/scale.py --systems build,serve 100000    # only some measurements
    python bench/scale.py --heaps                          # the Heaps' law fit
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
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
META_FILE = "collection.json"
ARABIC_WORD = re.compile("[\u0621-\u064a]+")
LATIN_WORD = re.compile("[a-z]+")
RANK_BM25_MAX = 100_000  # beyond this one query takes seconds


# Heaps' law V = K * N**beta for distinct normalised words V after N words, fitted on the seed
# articles and the ARCD paragraphs (24.6k words, 8.2k distinct; five shuffled paragraph orders
# gave beta 0.706-0.728, K 5.4-6.5: `python bench/scale.py --heaps`).
HEAPS_K = 5.9
HEAPS_BETA = 0.72
# What a word new to the collection is, as shares of the seeds' and ARCD's words seen once:
# mostly Arabic (an inflected form of a known stem, or a stem or name never seen), some
# numbers and Latin words.
NEW_NUMBER_SHARE = 0.04
NEW_LATIN_SHARE = 0.02
INFLECTED_SHARE = 0.6
_CONJUNCTIONS = ("", "", "", "و", "ف")
_PREPOSITIONS = ("", "", "", "ب", "ل", "ك")
_ARTICLES = ("", "ال")
_SUFFIXES = ("", "", "", "ه", "ها", "هم", "ات", "ون", "ين", "ان", "يه", "ي", "نا", "كم", "تها")
VOCABULARIES = ("realistic", "small")


def real_paragraphs() -> list[str]:
    """The seed articles' and the ARCD paragraphs: the text the generators learn from."""
    from retrieval.corpus import load_corpus
    from retrieval.evaluation import load_questions

    texts = [paragraph.text for paragraph in load_corpus(ROOT / "seeds").paragraphs]
    corpus = load_questions(DISTINCT_QUESTIONS)[1] if DISTINCT_QUESTIONS.is_file() else None
    return texts + [paragraph.text for paragraph in corpus.paragraphs if corpus]


def heaps_fit(orders: int = 5) -> list[tuple[float, float]]:
    """(beta, K) of V = K * N**beta over the real paragraphs' normalised words, per shuffle."""
    import numpy as np

    from retrieval.analysis import word_forms

    paragraphs = real_paragraphs()
    rng = random.Random(0)
    fits = []
    for _ in range(orders):
        rng.shuffle(paragraphs)
        seen: set[str] = set()
        sizes, distinct = [], []
        words = (
            form for text in paragraphs for token in text.split() for form in word_forms(token)
        )
        for n, form in enumerate(words, start=1):
            seen.add(form)
            if n % 500 == 0 and n >= 2500:
                sizes.append(n)
                distinct.append(len(seen))
        beta, log_k = np.polyfit(np.log(sizes), np.log(distinct), 1)
        fits.append((round(float(beta), 3), round(float(np.exp(log_k)), 2)))
    return fits


class _LetterChain:
    """A letter trigram model of words: new words that look like the language's own."""

    def __init__(self, words: list[str]) -> None:
        follow: dict[str, Counter[str]] = {}
        for word in words:
            padded = "^^" + word + "$"
            for i in range(2, len(padded)):
                follow.setdefault(padded[i - 2 : i], Counter())[padded[i]] += 1
        self._next = {
            context: (list(counts), list(itertools.accumulate(counts.values())))
            for context, counts in follow.items()
        }

    def word(self, rng: random.Random, longest: int = 14) -> str:
        context, letters = "^^", []
        while len(letters) < longest:
            population, cumulative = self._next[context]
            letter = rng.choices(population, cum_weights=cumulative)[0]
            if letter == "$":
                break
            letters.append(letter)
            context = context[1] + letter
        return "".join(letters)


class _NewWords:
    """Words the collection has not used yet, made like the real ones are."""

    def __init__(self, forms: list[str], rng: random.Random) -> None:
        from retrieval.stemming import light10, strip_proclitics, strip_suffixes

        arabic = [form for form in forms if ARABIC_WORD.fullmatch(form)]
        latin = [form for form in forms if LATIN_WORD.fullmatch(form)]
        lexicon = Counter(map(light10, arabic))
        stems = {strip_suffixes(strip_proclitics(form, lexicon)) for form in arabic}
        self._stems = sorted(stem for stem in stems if len(stem) >= 3)
        self._arabic = _LetterChain(self._stems)  # clitics are added to new stems as to old
        self._latin = _LetterChain(latin)
        self._rng = rng
        self.used: set[str] = set(forms)

    def next(self) -> str:
        rng = self._rng
        while True:
            kind = rng.random()
            if kind < NEW_NUMBER_SHARE:
                word = str(rng.randrange(10 ** rng.randint(2, 7)))
            elif kind < NEW_NUMBER_SHARE + NEW_LATIN_SHARE:
                word = self._latin.word(rng)
            else:
                stem = (
                    rng.choice(self._stems)
                    if rng.random() < INFLECTED_SHARE
                    else self._arabic.word(rng)
                )
                word = "".join(
                    (
                        rng.choice(_CONJUNCTIONS),
                        rng.choice(_PREPOSITIONS),
                        rng.choice(_ARTICLES),
                        stem,
                        rng.choice(_SUFFIXES),
                    )
                )
            if len(word) >= 2 and word not in self.used:
                self.used.add(word)
                return word


def generate(size: int, vocabulary: str = "realistic", seed: int = 7) -> Path:
    """Write ``size`` synthetic paragraphs as articles of 1000 paragraphs (blank-line blocks).

    ``realistic``: words follow the real text's Heaps' law (:data:`HEAPS_K`, :data:`HEAPS_BETA`):
    a Simon process continues the real paragraphs, each next word a new one as often as the law
    says (an inflected form of a real stem, a new stem, a number or a Latin word), else a word
    drawn from all words so far (so frequent words stay frequent). ``small``: words sampled
    from the real text's word frequencies, about 10 000 distinct words at any size (the
    figures before issue 15, kept as a labelled comparison).
    """
    import numpy as np

    target = WORK / (f"realistic-{size}" if vocabulary == "realistic" else f"synthetic-{size}")
    if (target / META_FILE).is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paragraphs = [text.split() for text in real_paragraphs()]
    lengths = [rng.randint(15, 80) for _ in range(size)]
    if vocabulary == "realistic":
        words, stream = _simon_stream(paragraphs, sum(lengths), rng)
    else:
        counts = Counter(word for words in paragraphs for word in words)
        words, weights = (list(side) for side in zip(*counts.items(), strict=True))
        stream = np.asarray(rng.choices(range(len(words)), weights, k=sum(lengths)))
    used = np.zeros(len(words), dtype=bool)
    offset = 0
    for file_index in range(-(-size // PER_FILE)):
        texts = []
        for length in lengths[file_index * PER_FILE : (file_index + 1) * PER_FILE]:
            ids = stream[offset : offset + length]
            offset += length
            used[ids] = True
            texts.append(" ".join([words[i] for i in ids.tolist()]))
        (target / f"a{file_index:05d}.txt").write_text("\n\n".join(texts) + "\n", "utf-8")
    (target / META_FILE).write_text(
        json.dumps(
            {
                "paragraphs": size,
                "words": sum(lengths),
                "distinct_words": _distinct_forms(words[i] for i in np.flatnonzero(used)),
            }
        )
    )
    return target


def _simon_stream(paragraphs: list[list[str]], total: int, rng: random.Random):
    """(words, array of the ids of ``total`` words in text order) continuing ``paragraphs`` by
    Heaps' law."""
    import numpy as np

    from retrieval.analysis import word_forms

    order = paragraphs[:]
    rng.shuffle(order)
    words = list(dict.fromkeys(word for text in order for word in text))
    ids = {word: i for i, word in enumerate(words)}
    history = np.empty(sum(map(len, order)) + total, dtype=np.int32)
    prefix = [ids[word] for text in order for word in text]
    history[: len(prefix)] = prefix
    forms = list(dict.fromkeys(form for word in words for form in word_forms(word)))
    new_words = _NewWords(forms, rng)
    numbers = np.random.default_rng(rng.randrange(2**32))
    n = len(prefix)
    batch = 1 << 16
    while n < len(history):
        step = min(batch, len(history) - n)
        fresh = round(HEAPS_K * (n + step) ** HEAPS_BETA) - round(HEAPS_K * n**HEAPS_BETA)
        block = history[numbers.integers(0, n, size=step)]
        where = numbers.choice(step, size=min(max(fresh, 0), step), replace=False)
        block[np.sort(where)] = np.arange(len(words), len(words) + len(where), dtype=np.int32)
        words.extend(new_words.next() for _ in range(len(where)))
        history[n : n + step] = block
        n += step
    return words, history[len(prefix) :]


def _distinct_forms(tokens) -> int:
    """How many distinct normalised words (the analyser's vocabulary) ``tokens`` hold."""
    from retrieval.analysis import word_forms

    return len({form for token in tokens for form in word_forms(token)})


def distinct_words(sources: Path) -> int | None:
    """The distinct normalised words of a generated collection (its metadata file)."""
    meta = sources / META_FILE
    return json.loads(meta.read_text())["distinct_words"] if meta.is_file() else None


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


def measure_build(sources: Path) -> dict:
    from retrieval.library import Library, default_snapshot

    snapshot = default_snapshot(sources)
    snapshot.unlink(missing_ok=True)
    started = time.perf_counter()
    Library.open(sources, snapshot)
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": max(_peak_mb(), _peak_mb(resource.RUSAGE_CHILDREN)),
        "snapshot_mb": round(snapshot.stat().st_size / 1e6),
    }


def measure_serve(sources: Path) -> dict:
    from retrieval.library import Library, default_snapshot

    questions = _questions()
    started = time.perf_counter()
    library = Library.open(sources, default_snapshot(sources))
    load = time.perf_counter() - started
    library.engine.answer(questions[0], limit=3)
    start = time.perf_counter() - started

    def answer(question: str) -> None:
        library.engine.answer(question, limit=3)

    figures = _latencies(answer, questions)
    distinct = _latencies(answer, _questions(DISTINCT_QUESTIONS), rounds=1, warm_up=False)
    return {
        "snapshot_load_s": round(load, 2),
        "start_s": round(start, 2),
        **figures,
        **{f"distinct_{name}": value for name, value in distinct.items()},
        "serving_peak_rss_mb": _peak_mb(),
    }


def measure_reload(sources: Path) -> dict:
    """Answer latency while /reload re-indexes everything (as after a change of sources)."""
    import threading

    from retrieval.library import Library, default_snapshot

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


def _documents(sources: Path) -> tuple[list, dict[str, int], object]:
    """Sanad's terms of every paragraph (term ids, each repeated tf times) and its engine.

    Taken from Sanad's own bulk indexing blocks, so all three engines see the same terms.
    """
    import numpy as np

    from retrieval.indexing import _FormTable, read_sources
    from retrieval.library import Library, default_snapshot

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


def measure_rank_bm25(sources: Path) -> dict:
    import numpy as np
    from rank_bm25 import BM25Okapi

    documents, vocabulary, engine = _documents(sources)
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


def measure_bm25s(sources: Path) -> dict:
    import bm25s
    from bm25s.tokenization import Tokenized

    documents, vocabulary, engine = _documents(sources)
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


def measure_lucene(sources: Path) -> dict:
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


def child(system: str, size: int, vocabulary: str) -> None:
    sources = generate(size, vocabulary)
    figures = MEASURES[system](sources)
    print(
        json.dumps(
            {
                "system": system,
                "paragraphs": size,
                "vocabulary": vocabulary,
                "distinct_words": distinct_words(sources),
                **figures,
            }
        )
    )


def main(sizes: list[int], vocabulary: str, systems: list[str]) -> None:
    for size in sizes:
        generate(size, vocabulary)
        chosen = [s for s in systems if s != "rank-bm25" or size <= RANK_BM25_MAX]
        results = {}
        for system in chosen:
            result = subprocess.run(
                [sys.executable, __file__, "--child", system, str(size), vocabulary],
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


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument(
        "--vocabulary",
        choices=VOCABULARIES,
        default="realistic",
        help="realistic: distinct words grow by Heaps' law; small: about 10 000 at any size",
    )
    parser.add_argument("--systems", default=",".join(MEASURES), help="comma-separated")
    parser.add_argument("--heaps", action="store_true", help="print the Heaps' law fit and exit")
    return parser.parse_args()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        args = arguments()
        if args.heaps:
            print(json.dumps({"fits (beta, K)": heaps_fit()}))
        else:
            main(args.sizes, args.vocabulary, args.systems.split(","))
