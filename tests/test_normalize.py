import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.analysis import Analyzer, word_forms
from retrieval.normalize import ARABIC_SCRIPT_BLOCKS, normalize_arabic, strip_diacritics


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


@given(
    st.text(st.sampled_from("ابتةجحدرسعغفقكلمنهويءئؤأإآىٱ")) | st.text(st.sampled_from("aZ09x"))
)
def test_words_of_plain_letters_normalise_as_any_text_does(word):
    from retrieval.normalize import _normalize

    assert normalize_arabic(word) == _normalize(word)
    assert normalize_arabic("م" + "ائ" + word) == _normalize("م" + "ائ" + word)


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


# The letters Persian, Urdu, Kurdish (Sorani) and Pashto keyboards type, and the Arabic letter
# each stands for in Arabic text.
KEYBOARD_LETTERS = {
    "Persian": {"پ": "ب", "چ": "ج", "ژ": "ز", "گ": "ك", "ک": "ك", "ی": "ي", "ۀ": "ه"},
    "Urdu": {
        "ٹ": "ت", "ڈ": "د", "ڑ": "ر", "ں": "ن", "ھ": "ه", "ہ": "ه", "ۂ": "ه", "ۃ": "ه",
        "ے": "ي", "ی": "ي", "ک": "ك", "گ": "ك", "پ": "ب", "چ": "ج", "ژ": "ز",
    },
    "Sorani": {
        "ڕ": "ر", "ڵ": "ل", "ۆ": "و", "ێ": "ي", "ە": "ه", "ھ": "ه", "ڤ": "ف", "ک": "ك",
        "گ": "ك", "ی": "ي", "پ": "ب", "چ": "ج", "ژ": "ز",
    },
    "Pashto": {
        "ټ": "ت", "ډ": "د", "ړ": "ر", "ږ": "ر", "ښ": "س", "ګ": "ك", "ڼ": "ن", "ځ": "ح",
        "څ": "ح", "ې": "ي", "ۍ": "ي", "ی": "ي", "ک": "ك", "پ": "ب", "چ": "ج", "ژ": "ز",
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "letter", "arabic"),
    [(lang, k, v) for lang, table in KEYBOARD_LETTERS.items() for k, v in table.items()],
)
def test_letter_from_another_keyboard_folds_to_the_arabic_letter_and_keeps_the_word(
    language, letter, arabic
):
    assert normalize_arabic(f"سل{letter}م") == f"سل{arabic}م"
    assert word_forms(f"سل{letter}م") == (f"سل{arabic}م",)


def test_heh_doachashmee_inside_a_word_is_one_term():
    assert Analyzer().terms("الھيئة العامة") == Analyzer().terms("الهيئة العامة")


def _letters(blocks: list[tuple[int, int]]) -> list[str]:
    return [
        chr(code)
        for first, last in blocks
        for code in range(first, last)
        if unicodedata.category(chr(code)) == "Lo"
    ]


def test_every_arabic_script_letter_folds_into_the_arabic_letters_without_splitting():
    """All of Arabic, Arabic Supplement and Extended-A/B, and the presentation forms."""
    blocks = [*ARABIC_SCRIPT_BLOCKS, (0xFB50, 0xFE00), (0xFE70, 0xFF00)]
    arabic = re.compile("[\u0621-\u064a]+")
    unfolded = [
        f"U+{ord(letter):04X}"
        for letter in _letters(blocks)
        if not all(arabic.fullmatch(form) for form in word_forms(f"ب{letter}ب"))
    ]
    assert unfolded == []


def test_arabic_marks_of_every_block_keep_the_word_whole():
    marks = [
        chr(code)
        for first, last in ARABIC_SCRIPT_BLOCKS
        for code in range(first, last)
        if unicodedata.category(chr(code)) in ("Mn", "Cf")
    ]
    assert marks and [m for m in marks if word_forms(f"كت{m}ب") != ("كتب",)] == []


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Müller", "muller"),
        ("España", "espana"),
        ("Straße", "strasse"),
        ("Øresund", "oresund"),
        ("Ærø", "aero"),
        ("Łódź", "lodz"),
        ("Đoković", "dokovic"),
        ("Þór", "thor"),
        ("İstanbul", "istanbul"),
        ("Bakı", "baki"),
        ("Əliyev", "aliyev"),
        ("Œuvre", "oeuvre"),
        ("Ștefănescu", "stefanescu"),
        ("Nguyễn", "nguyen"),
        ("Mu\u0308ller", "muller"),  # decomposed: u and a combining diaeresis
    ],
)
def test_latin_letters_fold_to_what_people_type_without_accents(typed, folded):
    assert normalize_arabic(typed) == folded
    assert word_forms(typed) == (folded,)


# Compatibility letters that NFKC spells with punctuation (Ŀ is L·, ŉ is ʼn) and medieval or
# phonetic letters with no ASCII reading.
NOT_ACCENTED = set("ĿŀŉẚẜẝẟỺỻỼỽ")


def test_every_accented_latin_letter_folds_to_ascii_without_splitting_the_word():
    """Latin-1 Supplement, Latin Extended-A and Latin Extended Additional."""
    blocks = [(0x00C0, 0x0180), (0x1E00, 0x1F00)]
    letters = [
        chr(code)
        for first, last in blocks
        for code in range(first, last)
        if unicodedata.category(chr(code)).startswith("L") and chr(code) not in NOT_ACCENTED
    ]
    split = [
        letter
        for letter in letters
        if len(forms := word_forms(f"ma{letter}ra")) != 1 or not forms[0].isascii()
    ]
    assert len(letters) > 400 and split == []
