"""A first and last name of two consonants each, asked in Latin, meets the Arabic spelling."""

from conftest import write_articles

from retrieval.search import SearchEngine

ARTICLE = """عن المحللين

قال جيل لوريا، رئيس قسم الأبحاث في الشركة، إن السوق تغيرت.

وقال محلل آخر إن الجيل الجديد من النماذج أرخص، وقيل إن التكلفة لوريا.
"""


def test_latin_full_name_is_read_as_the_arabic_spelling_written_together(tmp_path):
    engine = SearchEngine.from_sources(write_articles(tmp_path, {"a.txt": ARTICLE}))
    reading = engine.read("مين هو Gil Luria؟")
    assert reading.terms == ["جيل", "لوريا"]
    assert not reading.absent
    assert engine.search("مين هو Gil Luria؟")[0].paragraph.text.startswith("قال جيل لوريا")


def test_short_latin_words_the_corpus_does_not_write_together_stay_absent(tmp_path):
    engine = SearchEngine.from_sources(write_articles(tmp_path, {"a.txt": ARTICLE}))
    # قيل and لوريا share a paragraph, but not side by side: «Gil» alone is no name here.
    assert engine.read("Luria Gil").absent == {"luria", "gil"}
    assert engine.read("Gil Luria").terms == ["جيل", "لوريا"]


def test_short_names_step_can_be_switched_off(tmp_path):
    from retrieval.analysis.steps import AnalysisSettings
    from retrieval.corpus import load_corpus

    corpus = load_corpus(write_articles(tmp_path, {"a.txt": ARTICLE}))
    engine = SearchEngine.build(corpus, settings=AnalysisSettings.without("short-names"))
    assert engine.read("Gil Luria").absent == {"gil", "luria"}
