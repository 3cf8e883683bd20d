"""Each analysis step by name: what it does, what switching it off undoes, and what it adds to
the snapshot fingerprint."""

import pytest

from retrieval.analysis import Analyzer, parse_alias_lines
from retrieval.analysis.steps import (
    STEPS,
    AnalysisSettings,
    UnknownStepError,
    source_digest,
    step_digest,
)
from retrieval.corpus import Article, corpus_from_articles
from retrieval.search import SearchEngine

CORPUS = [
    "أعلنت إنفيديا عن رقائق جديدة، وقالت Nvidia إن المبيعات ارتفعت في الأسواق.",
    "تعمل شركة ديبسيك على نماذج مفتوحة، وتنافس OpenAI ونموذجها GPT في الصين.",
    "باعت Apple هواتف أكثر هذا العام لانفيديا وغيرها.",
    "الكتاب في المكتبة، والكتب على الرفوف، ورقائق إنفيديا في كل مكان.",
    "قال المسؤول إن المبيعات ارتفعت.",
]
ALIASES = parse_alias_lines(["Apple = أبل"])


def analyzer(*off: str) -> Analyzer:
    return Analyzer.from_texts(CORPUS, ALIASES, AnalysisSettings.without(*off))


@pytest.mark.parametrize(
    ("step", "same"),
    [
        ("normalize", ("مسئول", "مسؤول")),
        ("proclitics", ("لانفيديا", "انفيديا")),
        ("names", ("Nvidia", "إنفيديا")),
        ("stemming", ("المبيعات", "مبيع")),
        ("acronyms", ("جي بي تي", "GPT")),
        ("split-names", ("ديب سيك", "ديبسيك")),
        ("aliases", ("أبل", "Apple")),
    ],
)
def test_each_step_does_its_job_and_switching_it_off_undoes_it(step, same):
    first, second = same
    on = analyzer()
    assert on.terms(first) == on.terms(second)
    off = analyzer(step)
    assert off.terms(first) != off.terms(second)


def test_stop_words_are_terms_with_their_step_off():
    assert analyzer().terms("في المكتبة") == analyzer().terms("المكتبة")
    assert "في" in analyzer("stopwords").terms("في المكتبة")


def test_spelling_step_off_leaves_a_typo_unread():
    corpus = corpus_from_articles([(Article("a.txt", "رقائق"), CORPUS)])
    assert SearchEngine.build(corpus).query_terms("ارتفعتت") == ["ارتفعت"]
    off = SearchEngine.build(corpus, settings=AnalysisSettings.without("spelling"))
    assert off.query_terms("ارتفعتت") == ["ارتفعتت"]
    assert off.spelling is None


def test_an_unknown_step_name_is_refused():
    with pytest.raises(UnknownStepError, match="no analysis step named stemmer"):
        AnalysisSettings.without("stemmer")


def test_every_step_and_its_switch_changes_the_fingerprint():
    prints = {AnalysisSettings().fingerprint()}
    prints |= {AnalysisSettings.without(step).fingerprint() for step in STEPS}
    assert len(prints) == len(STEPS) + 1


def test_a_steps_digest_follows_the_modules_its_code_imports():
    # names: its module imports transliteration (the skeletons), stemming and stop words.
    assert step_digest("names") == source_digest("retrieval.analysis.words")
    assert step_digest("names") != source_digest("retrieval.transliteration")
