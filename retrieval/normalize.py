"""Orthographic normalisation of Arabic (and Latin) text before tokenising.

Arabic writers vary in ways that carry no meaning for search: optional short vowels (tashkeel),
the decorative tatweel, hamza seats on alef, final ى/ي and ة/ه, Persian/Urdu letter shapes typed
on other keyboards, Eastern digits, and invisible bidi or zero-width characters pasted from
the web.
Folding all of them here makes "إنفيديا" and "انفيديا", or "٢٠٢٥" and "2025", the same term.
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


def strip_diacritics(text: str) -> str:
    """Remove tashkeel and tatweel.

    Python's ``\\w`` does not match harakat, so a vowelled word such as كَتَبَ would fall apart into
    single letters if it were tokenised before this step.
    """
    return _DIACRITICS.sub("", text)


def normalize_arabic(text: str) -> str:
    """Fold ``text`` to the canonical spelling used for every term in the index.

    Idempotent: ``normalize_arabic(normalize_arabic(t)) == normalize_arabic(t)``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = strip_diacritics(text)
    text = text.translate(_LETTER_FOLDS)
    # NFKC may compose new characters after folding (rare, but keep the function idempotent).
    return unicodedata.normalize("NFKC", text).lower()
