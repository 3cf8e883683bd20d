"""Everyday dialect words of a question read as the Modern Standard Arabic words articles use.

People ask in their own dialect («خاشقجي اتولد فين؟», «بشار الأسد شو كان شغله؟») while the
articles are written in Modern Standard Arabic (MSA): a dialect content word is a question word
no paragraph has, and it counts against the answer. This step reads such a word as its MSA
counterpart before the analyser, and only when the collection lacks the word as written (a
collection that uses it keeps it) and has the MSA reading.

Sources: the lexicon lists common content words that the standard descriptions of the major
dialect groups give as differing from MSA (Egyptian: Badawi & Hinds, *A Dictionary of Egyptian
Arabic*, 1986; Levantine: Cowell, *A Reference Grammar of Syrian Arabic*, 1964; Gulf: Holes,
*Gulf Arabic*, 1990; Moroccan: Harrell, *A Short Reference Grammar of Moroccan Arabic*, 1962).
Synonyms that are MSA themselves (مات/توفي, ربح/فاز) are left out: they are not dialect. The
verb prefixes are the same grammars' (Cowell §§ on the b-imperfect; Badawi & Hinds, Harrell):

- ب/بي (Egyptian, Levantine) and ك/كي (Moroccan) before an imperfect: بيكتب → يكتب;
- ح/ه (Egyptian, Levantine future) before an imperfect: هيعمل → يعمل;
- ات (Egyptian, Levantine) and ان (Levantine, Gulf, Iraqi) passive before a perfect:
  اتولد → ولد, انقتل → قتل.

A prefix is taken off only when the collection has the word without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.normalize import normalize_arabic

# dialect word → its MSA readings, the first the collection has wins. Verbs are given in the
# perfect and, where the dialect's imperfect stem differs, the imperfect (the b-/future prefixes
# are taken off before the lookup).
_LEXICON: dict[str, tuple[str, ...]] = {
    # verbs
    "اشتغل": ("عمل",),
    "يشتغل": ("يعمل",),
    "ابتدا": ("بدأ", "ابتدأ"),
    "ابتدى": ("بدأ", "ابتدأ"),
    "يبتدي": ("يبدأ",),
    "يبدا": ("يبدأ",),
    "عايز": ("يريد",),
    "عاوز": ("يريد",),
    "بدي": ("أريد",),
    "ابغى": ("أريد",),
    "ابغي": ("أريد",),
    "بغيت": ("أريد",),
    "شاف": ("رأى", "شاهد"),
    "يشوف": ("يرى", "يشاهد"),
    "جاب": ("أحضر", "جلب"),
    "يجيب": ("يحضر", "يجلب"),
    "خلص": ("انتهى", "أنهى"),
    "خلّص": ("أنهى", "انتهى"),
    "يخلص": ("ينتهي", "ينهي"),
    "اتجوز": ("تزوج",),
    "يتجوز": ("يتزوج",),
    "تجوز": ("تزوج",),
    "تزاد": ("ولد",),
    "خد": ("أخذ",),
    "خدا": ("أخذ",),
    "خذا": ("أخذ",),
    "أخد": ("أخذ",),
    "ياخد": ("يأخذ",),
    "ياخذ": ("يأخذ",),
    "ساب": ("ترك", "غادر"),
    "يسيب": ("يترك",),
    "حط": ("وضع",),
    "يحط": ("يضع",),
    "راح": ("ذهب",),
    "يروح": ("يذهب",),
    "لقى": ("وجد",),
    "يلاقي": ("يجد",),
    "يدور": ("يبحث",),
    "بص": ("نظر",),
    "حصل": ("حدث",),
    "صار": ("حدث",),
    "ولّع": ("أشعل",),
    "ولع": ("أشعل",),
    "زعل": ("غضب",),
    "اتعلم": ("تعلم",),
    "اتكلم": ("تكلم",),
    "اتغير": ("تغير",),
    "اتخرج": ("تخرج",),
    "اتأسس": ("تأسس",),
    "اتوفى": ("توفي",),
    "اتحول": ("تحول",),
    "اتفرج": ("شاهد",),
    "اتعرف": ("تعرف",),
    "يقدر": ("يستطيع",),
    "سوى": ("فعل", "صنع"),
    "يسوي": ("يفعل", "يصنع"),
    # nouns and adjectives
    "كورة": ("كرة",),
    "عيلة": ("عائلة", "أسرة"),
    "عيل": ("طفل",),
    "عيال": ("أطفال", "أولاد"),
    "ولاد": ("أولاد",),
    "جوز": ("زوج",),
    "شغل": ("عمل", "وظيفة"),
    "فلوس": ("أموال", "مال"),
    "مصاري": ("أموال", "مال"),
    "جورنال": ("صحيفة", "جريدة"),
    "جرنال": ("صحيفة", "جريدة"),
    "راجل": ("رجل",),
    "حاجة": ("شيء",),
    "كتير": ("كثير",),
    "شوية": ("قليل",),
    "حلو": ("جميل",),
    "زغير": ("صغير",),
    "جايزة": ("جائزة",),
    "دهب": ("ذهب",),
    "تلات": ("ثلاث",),
    "تلاتة": ("ثلاثة",),
    "تمانية": ("ثمانية",),
    "تاني": ("ثاني",),
    "تالت": ("ثالث",),
    # adverbs of time
    "الحين": ("الآن",),
    "توا": ("الآن",),
    "دابا": ("الآن",),
    "هلأ": ("الآن",),
    "هلق": ("الآن",),
    "دلوقتي": ("الآن",),
    "هسه": ("الآن",),
    "بكرة": ("غدا",),
    "امبارح": ("أمس",),
}
LEXICON: dict[str, tuple[str, ...]] = {
    normalize_arabic(word): readings
    for word, readings in _LEXICON.items()
    if normalize_arabic(word) not in {normalize_arabic(r) for r in readings}
}
# Endings a dialect verb or noun takes that its MSA reading takes too (اتجوزت → تزوجت).
_SUFFIXES = ("وا", "و", "ت", "ها", "هم", "ه", "ين", "ون", "ي")
# A conjunction or the article before the word, kept on its reading (الكورة → الكرة).
_CLITICS = ("", "و", "ف", "ال", "وال", "بال", "فال", "لل")
_WORD = re.compile("[\u0621-\u063a\u0641-\u064a\u0640\u064b-\u0652]+")
_IMPERFECT = "يتنا"


def dialect_readings(question: str, known: Callable[[str], bool]) -> str:
    """``question`` with each dialect word read as its MSA counterpart.

    ``known(word)`` says whether the collection has the word (its analyser terms are all
    corpus terms, or it is a stop word); a known word is kept as written.
    """
    return _WORD.sub(lambda match: _reading(match.group(), known), question)


def _reading(written: str, known: Callable[[str], bool]) -> str:
    word = normalize_arabic(written)
    for clitic in _CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 2:
            reading = _bare_reading(word[len(clitic) :], known)
            if reading is not None:
                return clitic + reading
    return written


def _bare_reading(word: str, known: Callable[[str], bool]) -> str | None:
    """The MSA reading of ``word`` (no conjunction or article), None to keep it."""
    stems = _unprefixed(word)
    # Most words have no prefix and no entry: settled without asking the analyser.
    if len(stems) == 1 and not any(_entry(word, ending) for ending in ("", *_SUFFIXES)):
        return None
    if known(word):
        return None
    for stem in stems:
        if reading := _lexicon_reading(stem, known):
            return reading
        if stem == word:
            continue
        # بيكتبوا → يكتبوا, which MSA writes يكتبون: the stem without its ending.
        for ending in ("", *_SUFFIXES):
            bare = stem[: len(stem) - len(ending)]
            if (not ending or stem.endswith(ending)) and known(bare):
                return bare
    return None


def _unprefixed(word: str) -> list[str]:
    """``word`` and its readings without a dialect verb prefix, longest first."""
    found = [word]
    if len(word) >= 5 and word[0] in "بحهك" and word[1] in _IMPERFECT:
        found.append(word[1:])  # بيكتب، حيعمل، هيعمل، كيدير
    if len(word) >= 5 and word[:2] in ("ات", "ان"):
        found.append(word[2:])  # اتولد، انقتل
    return found


def _lexicon_reading(stem: str, known: Callable[[str], bool]) -> str | None:
    """The first MSA reading of ``stem`` (or of it without an ending) the collection has."""
    for ending in ("", *_SUFFIXES):
        for reading in _entry(stem, ending):
            # The ending as written first, then the reading as the collection conjugates it
            # (ابتدا → بدأ, the corpus writes بدأت).
            for other in dict.fromkeys((ending, "", *_SUFFIXES)):
                if known(normalize_arabic(reading + other)):
                    return reading + other
    return None


def _entry(word: str, ending: str) -> tuple[str, ...]:
    """The MSA readings of ``word`` without ``ending`` (none if it does not end so)."""
    if not ending:
        return LEXICON.get(word, ())
    if not word.endswith(ending) or len(word) - len(ending) < 2:
        return ()
    return LEXICON.get(word[: -len(ending)], ())
