"""Orthographic normalisation of Arabic (and Latin) text before tokenising.

Arabic writers vary in ways that carry no meaning for search: optional short vowels (tashkeel),
the decorative tatweel, hamza seats, final ى/ي and ة/ه, Persian/Urdu letter shapes typed
on other keyboards, Eastern digits, and invisible bidi or zero-width characters pasted from
the web.
Folding all of them here makes "إنفيديا" and "انفيديا", or "٢٠٢٥" and "2025", the same term.
Only index terms are folded: quoted text is always the article's own.

Hamza. Hamza on alef (أ إ آ ٱ) folds to bare alef, as people type it. The other seats (ء ؤ ئ)
are chosen by the vowels around the hamza, and where the conventions of Cairo, the Levant and
the Gulf, and older print, disagree, the same word has several spellings. They disagree in four
places, and only there is the seat folded (to ء, written يء at the end of a stem):

1. Before و: مسؤول / مسئول / مسءول, شؤون / شئون, رؤوس / رءوس, يقرؤون / يقرءون.
2. After a long vowel ا or و (the hamza follows a vowel letter): قراءة / قرائة, تساءل /
   تسائل, تفاؤل / تفاءل, أعضاؤها / أعضائها / أعضاءها, ضوؤه / ضوئه / ضوءه, مروءة / مروئة.
3. After ي: شيء / شيئ, السيء / السيئ, هيئة (→ هيءة), and old print's ى+ء (قارىء, شىء).
4. At the end of a stem after a consonant, that is at the word's end or before a case,
   pronoun, dual or plural ending (ا ه ها هم هما هن ك كم كما كن نا ان ين ون ات, and ة):
   the seat follows the case ending (جزؤه / جزأه / جزئه) or the printer: Egyptian print writes a
   final يء as ئ (شئ for شيء, مجئ for مجيء, قارئ beside قارىء), and people write بطئ for بطء.
   One spelling must cover ء, ئ, ؤ and يء there, so it is يء: شئ, شيء, بطء and بطئ are one term.
   The price: a noun and its adjective written ء / يء (جزء / جزيء, بطء / بطيء, ملء / مليء)
   become one term, which Egyptian print cannot tell apart either (جزئ is both).

A medial hamza between consonants keeps its seat, since there the seat is the only trace of the
vowel and words differ by it: رئيس (president) is not رأس (head), بئس not بؤس, بئر not بؤر,
سؤال not سأل. Hamza on alef stays bare alef, so يقرأون does not meet يقرؤون (folding it would
part ماوى from مأوى, which people type without the hamza far more often).

مئة (hundred) is also written مائة, with an alef kept from the undotted script to tell it from
منه; that alef is dropped in مائة, مائتان, مائتي(ن), ثلاثمائة and in مائه typed for مائة.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, superscript alef, Quranic marks, plus tatweel (U+0640).
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# Bidi controls and zero-width characters: invisible, but they split or glue words.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")

_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Persian / Urdu variants of Arabic letters.
        "ک": "ك",
        "ی": "ي",
        "ې": "ي",
        "ے": "ي",
        "ۀ": "ه",
        "ہ": "ه",
        "ە": "ه",
        "ڤ": "ف",
        "پ": "ب",
        "چ": "ج",
        "ژ": "ز",
        "گ": "ك",
        # Arabic-Indic and Persian digits.
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)

_LETTER = "\u0621-\u064a"
# Letters that are neither a long vowel (ا و ي) nor a hamza: a hamza after one closes a syllable.
_CONSONANT = "بتثجحخدذرزسشصضطظعغفقكلمنه"
# What may follow a stem-final hamza: case alef, pronouns, dual and plural endings (ة is ه here).
_STEM_ENDINGS = "هما|كما|ها|هم|هن|كم|كن|نا|ان|ين|ون|ات|ا|ه|ك"
_HUNDRED = re.compile("مائ(?=[ةت])")  # مائة، مائتان، ثلاثمائة (ة and ت are not folded yet)
_HUNDRED_TYPED = re.compile(
    f"(?<![{_LETTER}])([وفبلك]{{0,2}}(?:ال)?|ثلاث|اربع|خمس|ست|سبع|ثمان|تسع)مائه(?![{_LETTER}])"
)
# The hamza seats that spelling conventions disagree on (see the module docstring), in order.
_HAMZA_SEATS = (
    (re.compile("[ءؤئ](?=و)"), "ء"),
    (re.compile("(?<=[او])[ؤئ]"), "ء"),
    (re.compile("(?<=ي)ئ"), "ء"),
    (re.compile(f"(?<=[{_CONSONANT}])[ءؤئ](?=(?:{_STEM_ENDINGS})?(?![{_LETTER}]))"), "يء"),
)


def strip_diacritics(text: str) -> str:
    """Remove tashkeel and tatweel.

    Python's ``\\w`` does not match harakat, so a vowelled word such as كَتَبَ would fall apart into
    single letters if it were tokenised before this step.
    """
    return _DIACRITICS.sub("", text)


def fold_hamza(text: str) -> str:
    """One spelling for the hamza seats that conventions disagree on (module docstring).

    Expects alef, ya and ta marbuta already folded (ى → ي, ة → ه).
    """
    text = _HUNDRED_TYPED.sub(r"\1مئه", text)
    for seat, spelling in _HAMZA_SEATS:
        text = seat.sub(spelling, text)
    return text


def normalize_arabic(text: str) -> str:
    """Fold ``text`` to the canonical spelling used for every term in the index.

    Idempotent: ``normalize_arabic(normalize_arabic(t)) == normalize_arabic(t)``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = strip_diacritics(text)
    text = _HUNDRED.sub("مئ", text)
    text = fold_hamza(text.translate(_LETTER_FOLDS))
    # NFKC may compose new characters after folding (rare, but keep the function idempotent).
    return unicodedata.normalize("NFKC", text).lower()
