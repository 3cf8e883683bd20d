import pytest

from retrieval.stemming import light10, pattern_root, stem_latin, strip_proclitics


def test_light10_strips_article_and_suffixes_like_lucene():
    assert light10("والمكتبات") == "مكتب"
    assert light10("الطالبان") == "طالب"
    assert light10("كتابها") == "كتاب"


def test_suffixes_come_off_whatever_their_order():
    assert light10("السرطانيه") == light10("السرطان")  # normalised: ة is ه
    assert light10("سكانها") == light10("السكان")


def test_taa_marbuta_written_before_a_pronoun_stems_like_the_bare_noun():
    assert light10("سلطته") == light10("سلطه")  # normalised: ة is ه
    assert light10("مدرستها") == light10("المدرسه")
    assert light10("قراراتها") == light10("القرارات")  # the plural ات stays a plural


def test_no_affix_leaves_a_two_letter_stem():
    assert light10("الحسين") == "حسين"  # not حس
    assert light10("والسكان") == "سكان"  # not سك
    assert light10("الله") != "له"


def test_light10_keeps_short_words_whole():
    assert light10("ولد") == "ولد"
    assert light10("ال") == "ال"


def test_proclitic_on_a_name_is_removed_when_the_corpus_knows_the_name():
    lexicon = {"انفيديا": 5}
    assert strip_proclitics("لانفيديا", lexicon) == "انفيديا"
    assert strip_proclitics("وبانفيديا", lexicon) == "انفيديا"


def test_proclitic_is_kept_when_only_a_two_letter_stem_would_remain():
    lexicon = {"بن": 50, "لبن": 1}
    assert strip_proclitics("لبنان", lexicon) == "لبنان"  # not ل + بنان → بن (son of)


def test_word_that_merely_starts_with_a_proclitic_letter_is_kept():
    lexicon = {"فرنسا": 3, "رنسا": 0}
    assert strip_proclitics("فرنسا", lexicon) == "فرنسا"


def test_future_sin_is_removed_only_before_an_imperfect_verb():
    lexicon = {"يحتاج": 2, "لام": 4}
    assert strip_proclitics("سيحتاج", lexicon) == "يحتاج"
    assert strip_proclitics("سلام", lexicon) == "سلام"


def test_word_the_corpus_uses_as_written_is_not_split():
    lexicon = {"وصفت": 3, "صفت": 0}
    assert strip_proclitics("وصفت", lexicon) == "وصفت"


def test_latin_plural_s_is_dropped_but_not_from_ss_us_is():
    assert [stem_latin(w) for w in ("gpus", "chips", "class", "virus", "analysis", "bus")] == [
        "gpu",
        "chip",
        "class",
        "virus",
        "analysis",
        "bus",
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("كلف", "تكلف"),  # كلّف / تكلفة (ة folded to ه and stemmed off)
        ("وزير", "وزراء"),  # a broken plural
        ("نجح", "نجاح"),
        ("نجحت", "نجح"),  # a perfect verb's ت
        ("مؤسس", "اسس"),  # a hamza seat and the participle's م
        ("تاسست", "اسس"),
        ("انولد", "ولد"),  # the dialect passive
        ("صوروا", "تصوير"),
        ("مشهور", "شهر"),
    ],
)
def test_derivations_of_one_root_share_a_pattern_root(one, other):
    assert pattern_root(one) == pattern_root(other) is not None


def test_different_roots_keep_different_keys():
    assert pattern_root("كلف") != pattern_root("كتب")
    assert pattern_root("وزير") != pattern_root("وزن")


def test_no_pattern_root_for_latin_or_short_terms():
    assert pattern_root("nvidia") is None
    assert pattern_root("r1") is None
    assert pattern_root("من") is None
