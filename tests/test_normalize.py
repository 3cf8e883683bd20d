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
