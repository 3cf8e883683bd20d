import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.normalize import normalize_arabic, strip_diacritics


def test_hamza_seats_on_alef_fold_to_bare_alef():
    assert normalize_arabic("أحمد إبراهيم آمن ٱلله") == "احمد ابراهيم امن الله"


def test_final_ya_and_ta_marbuta_fold():
    assert normalize_arabic("مستشفى المدينة") == "مستشفي المدينه"


def test_tashkeel_and_tatweel_are_removed():
    assert normalize_arabic("كَتَبَ الطّـــالِبُ") == "كتب الطالب"


def test_bidi_controls_and_zero_width_characters_vanish():
    assert normalize_arabic("\u200fديب\u200c\u2066سيك\u2069\ufeff") == "ديبسيك"


def test_eastern_and_persian_digits_become_ascii():
    assert normalize_arabic("٢٠٢٥ و ۱۴۰۳") == "2025 و 1403"


def test_persian_letter_variants_fold_to_arabic():
    assert normalize_arabic("کیف گوگل پایتون ڤيديو") == "كيف كوكل بايتون فيديو"


def test_latin_is_lowercased_and_presentation_forms_decomposed():
    assert normalize_arabic("NVIDIA ﻻ") == "nvidia لا"


def test_strip_diacritics_keeps_letters():
    assert strip_diacritics("مُحَمَّدٌ") == "محمد"


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF)))
def test_normalisation_is_idempotent(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once


# Spellings of one word that hamza conventions produce (Cairo, Levant, Gulf, older print, and
# what people type), each pair in both orders below.
HAMZA_VARIANTS = [
    ("مائة", "مئة"),
    ("ثلاثمائة", "ثلاثمئة"),
    ("مائتين", "مئتين"),
    ("مائه", "مئة"),
    ("بمائة", "بمئة"),
    ("شئ", "شيء"),
    ("شيئ", "شيء"),
    ("شىء", "شيء"),
    ("بطئ", "بطء"),
    ("قرائة", "قراءة"),
    ("مسئول", "مسؤول"),
    ("مسءولية", "مسؤولية"),
    ("شئون", "شؤون"),
    ("رءوس", "رؤوس"),
    ("يقرءون", "يقرؤون"),
    ("تسائل", "تساءل"),
    ("جائت", "جاءت"),
    ("تفائل", "تفاؤل"),
    ("أعضائها", "أعضاؤها"),
    ("أعضاءها", "أعضاؤها"),
    ("ضوئه", "ضوءه"),
    ("ضوؤه", "ضوءه"),
    ("مروئة", "مروءة"),
    ("جزئه", "جزؤه"),
    ("جزءه", "جزؤه"),
    ("جزئا", "جزءا"),
    ("السئ", "السيء"),
    ("السيئ", "السيء"),
    ("مجئ", "مجيء"),
    ("قارىء", "قارئ"),
    ("مبادىء", "مبادئ"),
    ("شواطىء", "شواطئ"),
    ("بريء", "برئ"),
]


@pytest.mark.parametrize(("variant", "standard"), HAMZA_VARIANTS)
def test_hamza_spelling_variants_are_one_term(variant, standard):
    assert normalize_arabic(variant) == normalize_arabic(standard)
    assert normalize_arabic(standard) == normalize_arabic(variant)


# Different words whose letters differ only in the hamza or its seat: they must stay apart.
HAMZA_DISTINCT = [
    ("رئيس", "رأس"),  # president / head
    ("بئس", "بؤس"),  # how bad / misery
    ("بئر", "بؤر"),  # well / foci
    ("سؤال", "سأل"),  # question / asked
    ("سئل", "سأل"),  # was asked / asked
    ("فئة", "فيه"),  # group / in it
    ("شيء", "شاء"),  # thing / wanted
    ("سيء", "سوء"),  # bad / evil
    ("مئة", "مية"),  # hundred / water (colloquial)
    ("بدء", "بدأ"),  # start / started
    ("مبدأ", "مبدئ"),  # principle / originator
    ("هيئة", "هيه"),
    ("ذئب", "ذؤب"),
]


@pytest.mark.parametrize(("first", "second"), HAMZA_DISTINCT)
def test_words_that_differ_by_their_hamza_stay_apart(first, second):
    assert normalize_arabic(first) != normalize_arabic(second)


def test_hamza_on_alef_still_folds_with_the_bare_alef_people_type():
    assert normalize_arabic("مأوى أول مسألة") == normalize_arabic("ماوى اول مسالة")
