"""Lookup tables as arrays: a lookup finds exactly the strings the table holds, and damaged
arrays are refused."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.keys import key_of
from retrieval.tables import KeyTable, Lists, Map, StringList, TermIds, directory_of

# Arabic and Latin letters, digits, a character beyond the BMP and a lone surrogate (a JSON
# question can carry one).
LETTERS = st.sampled_from(list("ابتةجحدرسعغفقكلمنهويءئؤ") + list("abcxyz019") + ["😀", "\ud800"])
WORDS = st.lists(st.text(LETTERS, max_size=12), min_size=1, max_size=40)


@given(WORDS, WORDS)
def test_a_key_table_finds_exactly_its_strings(stored, asked):
    distinct = list(dict.fromkeys(stored))
    table, order = KeyTable.build(distinct)
    for word in distinct:
        assert distinct[order[table.find(word)]] == word
    for word in asked:
        assert (table.find(word) >= 0) == (word in distinct)


def test_strings_sharing_a_key_never_answer_for_each_other():
    # Both rows carry the key of قلم, as two strings whose hashes collide would.
    strings = StringList.build(["كتاب", "قلم"])
    keys = np.full(2, key_of("قلم"), dtype=np.uint64)
    shared = KeyTable(keys, directory_of(keys), strings)
    assert strings[shared.find("قلم")] == "قلم"  # the row whose string it is, not the first
    assert shared.find("كتاب") == -1  # its own key is gone: it is not there, whatever shares
    assert shared.find("ممحاة") == -1


def test_string_list_round_trips_any_text():
    texts = ["", "كتاب", "DeepSeek", "😀", "\ud800x", "١٢٫٥"]
    strings = StringList.build(texts)
    assert list(strings) == texts and [strings[i] for i in range(len(texts))] == texts
    again = StringList.from_arrays("s", strings.arrays("s"))
    assert list(again) == texts


def test_term_ids_map_terms_to_their_ids_both_ways():
    terms = ["كتاب", "قلم", "gpu", "12.5"]
    table = TermIds.build(terms)
    assert [table[t] for t in terms] == [0, 1, 2, 3]
    assert [table.term(i) for i in range(4)] == terms and list(table) == terms
    assert "ممحاة" not in table and table.get("ممحاة") is None
    with pytest.raises(KeyError):
        table["ممحاة"]
    loaded = TermIds.from_arrays("v", table.arrays("v"))
    assert [loaded[t] for t in terms] == [0, 1, 2, 3]


def test_lists_keep_each_keys_records_in_the_order_given():
    lists = Lists.build(
        ["KTB", "MLK", "KTB", "KTB"],
        {"spelling": (["كتب", "ملك", "كاتب", "كتاب"], None), "count": ([3, 2, 5, 1], np.int64)},
    )
    rows = lists.find("KTB")
    assert lists.values("spelling", rows) == ["كتب", "كاتب", "كتاب"]
    assert lists.values("count", rows) == [3, 5, 1]
    assert not lists.find("DBSK")


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.pop("m.keys"),
        lambda a: a.__setitem__("m.count", a["m.count"][:-1]),
        lambda a: a.__setitem__("m.count", a["m.count"].astype(np.int32)),
        lambda a: a.__setitem__("m.directory", a["m.directory"][:-1]),
        lambda a: a.__setitem__("m.directory", a["m.directory"][::-1].copy()),
        lambda a: a.__setitem__("m.offsets", a["m.offsets"][:-1]),
        lambda a: a.__setitem__("m.blob", a["m.blob"][:-1]),
    ],
    ids=[
        "missing",
        "short-column",
        "column-type",
        "directory-size",
        "directory-order",
        "offsets",
        "blob",
    ],
)
def test_damaged_table_arrays_are_refused(damage):
    table = Map.build(["كتاب", "قلم", "دفتر"], {"count": ([3, 2, 1], np.int64)})
    arrays = dict(table.arrays("m"))
    damage(arrays)
    with pytest.raises((KeyError, ValueError)):
        Map.from_arrays("m", arrays, {"count": np.int64})
