"""A question in dialect reads like its Modern Standard Arabic wording, unless the collection
itself uses the dialect word."""

from conftest import write_articles

from retrieval.analysis.steps import AnalysisSettings
from retrieval.corpus import load_corpus
from retrieval.search import SearchEngine

ARTICLE = """عن الكاتب

ولد الكاتب في القاهرة عام 1911، وعمل في الصحافة قبل أن يتزوج.

تزوجت الكاتبة من طبيب، وبدأت كتابة الروايات بعد أن ترك زوجها العمل.

يعمل اليوم كثير من الكتاب في الصحف، ويكتب بعضهم عن كرة القدم.
"""
# A collection that writes the dialect word itself (a novel's dialogue in Egyptian).
DIALOGUE = """حوار

قال البطل: اشتغل في المصنع سنين طويلة، ثم عمل في الميناء.
"""


def engine_of(tmp_path, text, settings=None):
    corpus = load_corpus(write_articles(tmp_path, {"a.txt": text}))
    return (
        SearchEngine.build(corpus, settings=settings) if settings else SearchEngine.build(corpus)
    )


def test_dialect_words_read_as_their_msa_wording(tmp_path):
    engine = engine_of(tmp_path, ARTICLE)
    pairs = [
        ("الكاتب اتولد فين؟", "أين ولد الكاتب؟"),  # Egyptian passive ات
        ("الكاتب انولد وين؟", "أين ولد الكاتب؟"),  # Levantine passive ان
        ("الكاتب اشتغل في ايه؟", "في ماذا عمل الكاتب؟"),  # lexicon verb
        ("الكاتبة اتجوزت مين؟", "من تزوجت الكاتبة؟"),  # lexicon verb with its ending
        ("الكتاب بيشتغلوا في ايه؟", "في ماذا يعمل الكتاب؟"),  # ب-imperfect, then lexicon
        ("فيه كتاب بيكتبوا عن الكورة؟", "هل يكتب كتاب عن الكرة؟"),  # article kept
    ]
    for dialect, msa in pairs:
        assert sorted(engine.read(dialect).terms) == sorted(engine.read(msa).terms), dialect
        assert not engine.read(dialect).absent, dialect


def test_dialect_question_finds_the_paragraph_its_msa_wording_finds(tmp_path):
    engine = engine_of(tmp_path, ARTICLE)
    assert engine.search("الكاتبة اتجوزت مين؟")[0].paragraph.text.startswith("تزوجت الكاتبة")
    assert engine.search("الكاتب اتولد امتى؟")[0].paragraph.text.startswith("ولد الكاتب")


def test_a_dialect_word_the_collection_uses_is_kept(tmp_path):
    engine = engine_of(tmp_path, DIALOGUE)
    assert "اشتغل" in engine.read("مين اللي اشتغل في المصنع؟").terms


def test_a_dialect_word_without_an_msa_reading_in_the_collection_stays_absent(tmp_path):
    engine = engine_of(tmp_path, ARTICLE)
    # شاف → رأى / شاهد: the article has neither, so nothing is invented.
    assert engine.read("الكاتب شاف ايه؟").absent == {"شاف"}


def test_dialect_step_can_be_switched_off(tmp_path):
    engine = engine_of(tmp_path, ARTICLE, AnalysisSettings.without("dialect"))
    assert engine.read("الكاتب اتولد فين؟").absent == {"اتولد"}
