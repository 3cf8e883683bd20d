"""Bulk indexing must give exactly the index of analysing every paragraph one by one."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, write_articles

from retrieval import indexing
from retrieval.analysis import Analyzer
from retrieval.bm25 import BM25Index
from retrieval.corpus import Corpus, load_corpus
from retrieval.evaluation import load_questions
from retrieval.indexing import Tokens, index_tokens, indexed_text, read_sources, tokenize

ARCD = SEEDS.parent / "eval" / "arcd-train.json"

# Split spellings, a proclitic glued to a Latin name, punctuation inside tokens, an alias
# phrase, a stop word between name halves, a heading, numbers with separators and a letter
# from an Urdu keyboard: every context-dependent case.
TRICKY = {
    "a.txt": (
        '+++\ntitle = "ديب سيك تتحدى"\n+++\n'
        "أطلقت DeepSeek نموذجها، وقالت ديبسيك إن ديب سيك أرخص من OpenAI.\n\n"
        "قال مسؤول في لـDeepSeek إن (ديب-سيك) تنافس أوبن إيه آي و«ديب» سيك.\n\n"
        "عنوان قصير\n\n"
        "ثم جاء دور إنفيديا وNVIDIA وغوغل وجوجل وGoogle في السوق.\n"
    ),
    "b.md": "سهم إنفيديا انخفض. ديب في سيك لا تُجمع.\n",
    "c.txt": '+++\ntitle = "زيارة"\n+++\n'
    "زار الوفد اليمن الأسبوع الماضي.\nإلى من ينتمي الوفد؟ أو صغيرة جدا.\n",
    "d.txt": "بلغ الدين ١٢٬٥٠٠ دينار، أي 12,500 أو ١٢٫٥ ألفا (12,5 في كتابة أخرى) عند الھيئة.\n",
    "sources.toml": 'aliases = [["Open AI", "أوبن إيه آي"]]\n',
}


def reference_index(corpus: Corpus) -> tuple[Analyzer, BM25Index]:
    """The straightforward path: analyse each paragraph's text, index the term lists."""
    texts = [indexed_text(p) for p in corpus.paragraphs]
    analyzer = Analyzer.from_texts(texts, corpus.aliases)
    return analyzer, BM25Index.build([analyzer.terms(t) for t in texts])


def postings(index: BM25Index) -> dict[str, tuple[list[int], list[float], float]]:
    result = {}
    for term, term_id in index.vocabulary.items():
        docs, weights = index.postings(term_id)
        result[term] = (docs.tolist(), weights.tolist(), float(index.idf[term_id]))
    return result


def paragraph_terms(index: BM25Index) -> list[Counter[str]]:
    """Each paragraph's terms and their counts, as the forward index holds them."""
    found = []
    for doc in range(index.doc_count):
        ids, counts = index.forward.terms_of(doc)
        assert np.all(np.diff(ids) > 0)  # each term once, ascending
        terms = map(index.vocabulary.term, ids.tolist())  # type: ignore[attr-defined]
        found.append(Counter(dict(zip(terms, counts.tolist(), strict=True))))
    return found


def analysed_terms(analyzer: Analyzer, corpus: Corpus) -> list[Counter[str]]:
    return [Counter(analyzer.terms(indexed_text(p))) for p in corpus.paragraphs]


def tables(analyzer: Analyzer) -> dict[str, list]:
    """Every array of the analyser's vocabulary, and the small tables of its header."""
    vocabulary = analyzer.vocabulary
    found: dict[str, list] = {
        name: a[0 : len(a)].tolist() for name, a in vocabulary.arrays().items()
    }
    return found | {"header": [vocabulary.header()]}


def corpora() -> list[Corpus]:
    found = [load_corpus(SEEDS)]
    if ARCD.is_file():
        found.append(load_questions(ARCD)[1])
    return found


@pytest.mark.parametrize("corpus", corpora(), ids=lambda c: f"{len(c.paragraphs)}-paragraphs")
def test_bulk_index_equals_paragraph_by_paragraph_analysis(corpus: Corpus):
    part = tokenize(list(corpus.articles), corpus.paragraphs)
    analyzer, index = index_tokens(Tokens.of(part), corpus.aliases)
    expected_analyzer, expected = reference_index(corpus)
    assert postings(index) == postings(expected)
    assert tables(analyzer) == tables(expected_analyzer)
    assert paragraph_terms(index) == analysed_terms(analyzer, corpus)
    assert paragraph_terms(expected) == paragraph_terms(index)


def test_forward_index_of_many_blocks_holds_each_paragraphs_terms(monkeypatch):
    corpus = load_corpus(SEEDS)
    monkeypatch.setattr(indexing, "BLOCK_PARAGRAPHS", 7)  # blocks end mid-article
    part = tokenize(list(corpus.articles), corpus.paragraphs)
    analyzer, index = index_tokens(Tokens.of(part), corpus.aliases)
    assert paragraph_terms(index) == analysed_terms(analyzer, corpus)


def test_joined_names_aliases_and_headings_index_as_one_by_one(tmp_path: Path):
    sources = write_articles(tmp_path / "s", TRICKY)
    corpus, tokens = read_sources(sources)
    _, index = index_tokens(tokens, corpus.aliases)
    analyzer, expected = reference_index(load_corpus(sources))
    assert postings(index) == postings(expected)
    assert paragraph_terms(index) == analysed_terms(analyzer, load_corpus(sources))
    assert "deepseek" in index.vocabulary  # the split and glued spellings were joined
    openai_docs, _ = index.postings(index.vocabulary["openai"])
    assert len(openai_docs) == 2  # "OpenAI" and the alias phrase "أوبن إيه آي"
    yemen_docs, _ = index.postings(index.vocabulary["يمن"])
    assert len(yemen_docs) == 1  # إلى من (to whom) is no اليمن
    number_docs, _ = index.postings(index.vocabulary["12500"])
    assert len(number_docs) == 1 and "12.5" in index.vocabulary


def test_parallel_reading_gives_the_same_corpus_and_index(tmp_path: Path, monkeypatch):
    sources = tmp_path / "s"
    write_articles(sources, {p.name: p.read_text("utf-8") for p in SEEDS.glob("*.txt")})
    (sources / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    (sources / "sources.toml").write_bytes((SEEDS / "sources.toml").read_bytes())
    serial_corpus, serial_tokens = read_sources(sources)
    monkeypatch.setattr(indexing, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(indexing, "TASK_BYTES", 20_000)  # several worker tasks
    stages: list[tuple[str, int, int]] = []
    corpus, tokens = read_sources(sources, lambda *args: stages.append(args))
    assert list(corpus.paragraphs) == list(serial_corpus.paragraphs)
    assert corpus.skipped == serial_corpus.skipped and corpus.skipped[0].file == "broken.txt"
    assert postings(index_tokens(tokens, corpus.aliases)[1]) == postings(
        index_tokens(serial_tokens, serial_corpus.aliases)[1]
    )
    reading = [done for stage, done, _ in stages if stage == "reading"]
    assert len(reading) > 3 and reading == sorted(reading) and stages[-1][1] == stages[-1][2]


def test_distinct_words_analysed_on_every_core_index_the_same(tmp_path: Path, monkeypatch):
    from retrieval.analysis import bulk

    sources = write_articles(tmp_path / "s", TRICKY)
    corpus, tokens = read_sources(sources)
    _, serial = index_tokens(tokens, corpus.aliases)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_ITEMS", 0)  # forked workers even for a few words
    assert threading.active_count() == 1  # else map_runs would not fork, and this tests nothing
    corpus, tokens = read_sources(sources)
    _, parallel = index_tokens(tokens, corpus.aliases)
    assert postings(parallel) == postings(serial)
    assert paragraph_terms(parallel) == paragraph_terms(serial)


def test_words_worked_on_a_few_at_a_time_give_the_same_tables_and_index(
    tmp_path: Path, monkeypatch
):
    """Keys, strings, split pairs and readings are computed a run of words at a time (memory):
    runs of a few words give every table and posting as one run of them all."""
    from retrieval import keys
    from retrieval import tables as table_module
    from retrieval.analysis import building, pairs, stems

    sources = write_articles(
        tmp_path / "s", TRICKY | {p.name: p.read_text("utf-8") for p in SEEDS.glob("*.txt")}
    )
    corpus, tokens = read_sources(sources)
    analyzer, index = index_tokens(tokens, corpus.aliases)
    for module in (keys, table_module, pairs, building):
        monkeypatch.setattr(module, "STRINGS_AT_ONCE", 5)
    monkeypatch.setattr(stems, "_CHUNK", 5)
    corpus, tokens = read_sources(sources)
    small_runs, again = index_tokens(tokens, corpus.aliases)
    assert tables(small_runs) == tables(analyzer)
    assert postings(again) == postings(index)
    assert paragraph_terms(again) == paragraph_terms(index)


def test_index_of_nothing_is_empty():
    _, index = index_tokens(Tokens.of(tokenize([], [])))
    assert index.doc_count == 0 and index.top(["x"], 3) == []
    assert np.array_equal(index.indptr, [0])
