"""The engine must score exactly as rank_bm25's BM25Okapi with Lucene's idf swapped in."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval.bm25 import BM25Index, BM25Params

WORDS = st.sampled_from([f"w{i}" for i in range(12)])
DOCS = st.lists(st.lists(WORDS, min_size=1, max_size=15), min_size=1, max_size=25)
PARAMS = BM25Params()


class LuceneIdfBM25(BM25Okapi):
    """rank_bm25's BM25Okapi, idf replaced by Lucene's log(1 + (N - df + 0.5) / (df + 0.5))."""

    def _calc_idf(self, nd):
        self.idf = {
            word: math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
            for word, freq in nd.items()
        }


def reference(docs):
    return LuceneIdfBM25(docs, k1=PARAMS.k1, b=PARAMS.b)


@settings(max_examples=200, deadline=None)
@given(docs=DOCS, query=st.lists(st.sampled_from([f"w{i}" for i in range(14)]), max_size=6))
def test_scores_equal_rank_bm25(docs, query):
    index = BM25Index.build(docs, PARAMS)
    np.testing.assert_allclose(
        index.dense_scores(query), reference(docs).get_scores(query), rtol=1e-6, atol=1e-6
    )


@settings(max_examples=200, deadline=None)
@given(docs=DOCS, query=st.lists(WORDS, min_size=1, max_size=6))
def test_top_k_ranks_as_rank_bm25(docs, query):
    expected_scores = reference(docs).get_scores(query)
    index = BM25Index.build(docs, PARAMS)
    top = index.top(query, 5)
    # Same scores in the same order; ties (within float rounding) may come in either order.
    expected = sorted((s for s in expected_scores if s != 0), reverse=True)[:5]
    np.testing.assert_allclose(
        [s for _, s in top][: len(expected)], expected, rtol=1e-6, atol=1e-6
    )
    for doc, score in top:
        assert abs(expected_scores[doc] - score) <= 1e-6 * max(1.0, abs(score))


@settings(max_examples=300, deadline=None)
@given(
    docs=st.lists(st.lists(WORDS, min_size=1, max_size=4), min_size=1, max_size=60),
    query=st.lists(WORDS, min_size=1, max_size=4),
    k=st.integers(1, 8),
)
def test_top_k_is_the_head_of_the_full_order_ties_by_document(docs, query, k):
    """Short documents over a few words tie often, also at the k-th score: the top k must be
    exactly the first k of every scored document sorted by score, then document."""
    index = BM25Index.build(docs, PARAMS)
    dense = index.dense_scores(query)
    order = sorted(np.flatnonzero(dense).tolist(), key=lambda doc: (-dense[doc], doc))
    assert [doc for doc, _ in index.top(query, k)] == order[:k]


def test_unknown_terms_score_nothing():
    index = BM25Index.build([["a", "b"], ["b", "c"]])
    assert index.top(["zzz"], 3) == []


def test_top_reports_which_documents_contain_each_term():
    index = BM25Index.build([["a"], ["b"], ["a", "b"]])
    ranked, matches = index.top_matching(["a", "b", "zzz"], 3)
    docs = [doc for doc, _ in ranked]
    assert dict(zip(docs, matches["a"].tolist(), strict=True)) == {0: True, 1: False, 2: True}
    assert dict(zip(docs, matches["b"].tolist(), strict=True)) == {0: False, 1: True, 2: True}
    assert "zzz" not in matches  # a term the index does not know matches nothing


def test_single_article_collection_still_scores_its_words():
    index = BM25Index.build([["a", "b"], ["a", "c"]])
    assert index.top(["a"], 2)[0][1] > 0


def test_rare_terms_take_the_sorted_path_and_still_rank_as_rank_bm25():
    # A term in 2 of 400 documents: scores come from sorting its few postings, not a scan.
    docs = [["common", f"w{i % 7}"] for i in range(400)]
    docs[17].append("rare")
    docs[303] += ["rare", "rare"]
    index = BM25Index.build(docs, PARAMS)
    for query in (["rare"], ["rare", "w3"]):  # sorted path, then the scan
        expected = reference(docs).get_scores(query)
        top = index.top(query, 3)
        best_two = sorted([17, 303], key=lambda d: -expected[d])
        assert [doc for doc, _ in top][:2] == best_two  # ties below may come in any order
        np.testing.assert_allclose(
            [score for _, score in top], sorted(expected, reverse=True)[: len(top)], rtol=1e-6
        )
        for doc, score in top:
            assert abs(expected[doc] - score) <= 1e-6 * max(1.0, score)
        np.testing.assert_allclose(index.dense_scores(query), expected, rtol=1e-6)


def test_scores_are_independent_between_queries():
    index = BM25Index.build([["a", "b"], ["b"], ["c"]] * 50)
    first = index.dense_scores(["a", "b"])
    index.dense_scores(["c"])
    assert np.array_equal(index.dense_scores(["a", "b"]), first)
