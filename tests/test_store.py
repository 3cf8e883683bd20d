"""Paragraphs packed in flat arrays read back exactly, however they were put together."""

from __future__ import annotations

import numpy as np
from conftest import SEEDS

from retrieval.corpus import Article, Paragraph, load_corpus
from retrieval.store import MemoryText, ParagraphStore, StoreBuilder


def test_packed_paragraphs_read_back_exactly():
    corpus = load_corpus(SEEDS)
    store = ParagraphStore.from_paragraphs(list(corpus.articles), corpus.paragraphs)
    assert list(store) == list(corpus.paragraphs)
    assert store[-1] == corpus.paragraphs[-1]
    assert store[1:3] == list(corpus.paragraphs[1:3])
    assert sum(store.paragraph_counts()) == len(corpus.paragraphs)


def test_parts_concatenate_in_order_with_their_headings():
    first, second = Article("a.txt", "أ"), Article("b.txt", "ب")
    one = ParagraphStore.from_paragraphs(
        [first], [Paragraph(first, 2, "نص أول 🙂", "عنوان"), Paragraph(first, 3, "ثانٍ")]
    )
    two = ParagraphStore.from_paragraphs([second], [Paragraph(second, 1, "Nvidia سهم", "فرعي")])
    builder = StoreBuilder(MemoryText(capacity=10))  # too small on purpose: it must grow
    builder.add(one)
    builder.add(two)
    joined = builder.build()
    assert list(joined) == [*one, *two]
    assert joined[2].heading == "فرعي" and joined[1].heading == ""
    assert joined.paragraph_counts() == [2, 1]


def test_article_digest_changes_only_for_the_article_that_changed():
    first, second = Article("a.txt", "أ"), Article("b.txt", "ب")
    before = ParagraphStore.from_paragraphs(
        [first, second], [Paragraph(first, 1, "نص"), Paragraph(second, 1, "آخر")]
    )
    after = ParagraphStore.from_paragraphs(
        [first, second], [Paragraph(first, 1, "نص"), Paragraph(second, 1, "آخر معدل")]
    )
    old, new = before.article_digests, after.article_digests
    assert old["a.txt"] == new["a.txt"] and old["b.txt"] != new["b.txt"]


def test_empty_store():
    store = ParagraphStore.from_paragraphs([], [])
    assert len(store) == 0 and list(store) == [] and np.array_equal(store.offsets, [0])
