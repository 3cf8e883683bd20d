"""The proclitic and stemming rules over many words at once give exactly what the per-word rules
give (retrieval/analysis/stems.py against retrieval/stemming.py)."""

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.analysis import stems
from retrieval.keys import CodePoints
from retrieval.stemming import light10, strip_article, strip_proclitics, strip_suffixes

# Letters that make proclitics, suffixes and the ة / ت rule likely, and a few others.
CLITIC_LETTERS = "وفبلكالسيتناهونيات"
WORD = st.text(st.sampled_from(CLITIC_LETTERS + "رمدعقص"), min_size=1, max_size=11)


def spans_of(words: list[str]) -> tuple[CodePoints, np.ndarray]:
    return CodePoints.of(words), np.arange(len(words))


@given(st.lists(WORD, min_size=1, max_size=60))
def test_article_and_suffixes_come_off_as_light10_takes_them_off(words):
    points, rows = spans_of(words)
    article = stems.strip_article(points, rows)
    assert article.strings(words) == [strip_article(w) for w in words]
    whole = stems.strip_suffixes(points, stems.Spans.whole(points, rows))
    assert whole.strings(words) == [strip_suffixes(w) for w in words]
    assert stems.strip_suffixes(points, article).strings(words) == [light10(w) for w in words]


@settings(max_examples=200)
@given(st.lists(WORD, min_size=1, max_size=60), st.lists(WORD, max_size=40), st.integers(1, 4))
def test_proclitics_come_off_where_the_corpus_backs_the_shorter_word(words, backed, weight):
    lexicon = Counter(light10(w) for w in words + backed)
    for i, stem in enumerate(list(lexicon)):  # counts that tie and counts that do not
        lexicon[stem] = 1 + (i * weight) % 3
    points, rows = spans_of(words)
    table = stems.Lexicon.of(list(lexicon), list(lexicon.values()))
    starts = stems.strip_proclitics(points, rows, table)
    assert [w[s:] for w, s in zip(words, starts.tolist(), strict=True)] == [
        strip_proclitics(w, lexicon) for w in words
    ]


def test_a_lexicon_stem_sharing_no_letters_is_no_hit():
    points, rows = spans_of(["لانفيديا", "فرنسا"])
    table = stems.Lexicon.of(["انفيديا", "رنسا"], [5, 0])
    starts = stems.strip_proclitics(points, rows, table)
    assert starts.tolist() == [1, 0]  # انفيديا backed; فرنسا keeps its ف


def test_a_collection_larger_than_a_chunk_reads_as_word_by_word(monkeypatch):
    """Large collections are read in chunks of words (memory): each word as on its own."""
    monkeypatch.setattr(stems, "_CHUNK", 3)
    words = ["والكتاب", "بالكتاب", "لإنفيديا", "فسيحتاج", "كتابها", "وللمدرسة", "لبنان"]
    lexicon = Counter(light10(w) for w in [*words, "كتاب", "إنفيديا", "يحتاج", "مدرسة"])
    points, rows = spans_of(words)
    starts = stems.strip_proclitics(
        points, rows, stems.Lexicon.of(list(lexicon), list(lexicon.values()))
    )
    assert [w[s:] for w, s in zip(words, starts.tolist(), strict=True)] == [
        strip_proclitics(w, lexicon) for w in words
    ]
