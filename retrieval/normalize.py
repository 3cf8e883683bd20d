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

# Combining marks of the Arabic blocks (harakat, tanween, shadda, sukun, superscript alef,
# Quranic and Extended-A/B marks), the Latin combining accents (a decomposed ü), and tatweel
# with its Extended-B variants and the tail fragment: none is a letter and Python's ``\w``
# matches none, so a word holding one would fall apart if it were tokenised before this step.
_MARKS = (
    "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0898-\u089f"
    "\u08c9-\u08e1\u08e3-\u08ff\u0640\u0883-\u0885\u0887\u088e\ufe73"
)
# Bidi controls, zero-width and other format characters (and the signs set before a number,
# U+0600-0605): invisible or no part of a word, but they split or glue words.
_FORMATS = (
    "\u0600-\u0605\u00ad\u061c\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff"
)
# Characters that may sit inside a word besides letters and digits (a regex class body): the
# analyser keeps them in the raw word, so offsets into the quoted text stay exact.
IN_WORD = _MARKS + _FORMATS
_DIACRITICS = re.compile(f"[{_MARKS}]")
_INVISIBLE = re.compile(f"[{_FORMATS}]")

# Letters of the Arabic script's other languages, by the root of their Unicode name ("ARABIC
# LETTER <root>" or "ARABIC LETTER <root> WITH ..."), and the Arabic letter each is typed for.
# Letters named for a sound Arabic lacks go to the letter Arabic writes that sound with (پ p →
# ب, چ ch → ج, ژ zh → ز, ڤ v → ف, گ g → ك); other shapes of a letter Arabic has go to that
# letter (Urdu ھ ہ and Kurdish ە → ه, Farsi ی and Urdu ے → ي, Kurdish ۆ → و). A root that
# names a basic Arabic letter (REH in ڕ, "REH WITH SMALL V BELOW") needs no entry.
_LETTER_ROOTS = {
    "KASHMIRI YEH": "ي", "FARSI YEH": "ي", "YEH BARREE": "ي", "E": "ي", "THIN YEH": "ي",
    "ROHINGYA YEH": "ي",
    "DOTLESS BEH": "ب", "BEEH": "ب", "PEH": "ب", "BEHEH": "ب",
    "TTEH": "ت", "TTEHEH": "ت", "TEHEH": "ت",
    "NYEH": "ج", "DYEH": "ج", "TCHEH": "ج", "TCHEHEH": "ج",
    "DDAL": "د", "DAHAL": "د", "DDAHAL": "د", "DUL": "د",
    "RREH": "ر", "JEH": "ز",
    "DOTLESS FEH": "ف", "VEH": "ف", "PEHEH": "ف", "AFRICAN FEH": "ف",
    "DOTLESS QAF": "ق", "AFRICAN QAF": "ق",
    "KEHEH": "ك", "SWASH KAF": "ك", "NG": "ك", "GAF": "ك", "NGOEH": "ك", "GUEH": "ك",
    "GRAF": "ك",
    "NOON GHUNNA": "ن", "RNOON": "ن", "AFRICAN NOON": "ن",
    "HEH DOACHASHMEE": "ه", "HEH GOAL": "ه", "AE": "ه", "TEH MARBUTA GOAL": "ه",
    "KIRGHIZ OE": "و", "OE": "و", "U": "و", "YU": "و", "KIRGHIZ YU": "و", "VE": "و",
    "STRAIGHT WAW": "و",
    "ALEF WASLA": "ا", "LOW ALEF": "ا", "HIGH HAMZA": "ء",
}  # fmt: skip
# Unicode blocks of Arabic-script letters: Arabic, Arabic Supplement, Extended-B and -A.
# Presentation forms (U+FB50-FDFF, U+FE70-FEFF) need no entry: NFKC maps them into these.
ARABIC_SCRIPT_BLOCKS = ((0x0600, 0x0700), (0x0750, 0x0780), (0x0870, 0x0900))
_NAME = re.compile(r"ARABIC LETTER (.+?)(?: WITH (.+))?")


def _arabic_script_folds() -> dict[str, str]:
    """Every letter of the Arabic-script blocks beyond the 28 letters and hamza, mapped to the
    letter it stands for; a yeh or waw shape carrying hamza keeps it (ۓ → ئ)."""
    basic = {
        unicodedata.name(chr(code)): chr(code)
        for code in range(0x0621, 0x064B)
        if " WITH " not in unicodedata.name(chr(code))
    }
    folds = {}
    for first, last in ARABIC_SCRIPT_BLOCKS:
        for code in range(first, last):
            char = chr(code)
            if 0x0621 <= code <= 0x064A or unicodedata.category(char) != "Lo":
                continue
            if unicodedata.normalize("NFKC", char) != char:
                continue  # NFKC writes it as letters of these blocks, folded in their turn
            match = _NAME.fullmatch(unicodedata.name(char, ""))
            if match is None:
                continue
            root, marks = match.groups()
            letter = _LETTER_ROOTS.get(root) or basic.get(f"ARABIC LETTER {root}")
            if letter is None:
                continue
            if marks == "HAMZA ABOVE" and letter in "يو":
                letter = "ئ" if letter == "ي" else "ؤ"
            folds[char] = letter
    return folds


# Latin letters with accents, strokes or hooks, folded to the ASCII letters people type for
# them (Müller → muller, España → espana, Łódź → lodz): names reach Arabic text from every
# European language. Letters that are no accented ASCII letter are spelled as English writes
# them (ß → ss, æ → ae, þ → th); Azerbaijani ə is written a (Əliyev is Aliyev).
_LATIN_SPELLINGS = {
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ð": "d", "Ð": "d",
    "þ": "th", "Þ": "th", "ı": "i", "ĸ": "k", "ŋ": "n", "Ŋ": "n", "ŉ": "n", "ə": "a",
    "Ə": "a", "ǝ": "e", "ɛ": "e", "Ɛ": "e", "ɔ": "o", "Ɔ": "o",
}  # fmt: skip
# Latin-1 Supplement, Extended-A and -B, Extended Additional, Extended-C and -D.
LATIN_LETTER_BLOCKS = ((0x00C0, 0x0250), (0x1E00, 0x1F00), (0x2C60, 0x2C80), (0xA720, 0xA800))
_LATIN_NAME = re.compile(r"LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]) WITH .+")


def _latin_folds() -> dict[str, str]:
    """Each Latin letter of :data:`LATIN_LETTER_BLOCKS` that has an ASCII reading, lowercase:
    its spelling above, else itself without its combining marks (ü), else the letter its
    Unicode name builds it on (ł, "L WITH STROKE")."""
    combining = unicodedata.combining
    folds = dict(_LATIN_SPELLINGS)  # ə ɛ ɔ are in the IPA block
    for first, last in LATIN_LETTER_BLOCKS:
        for code in range(first, last):
            char = chr(code)
            if not unicodedata.category(char).startswith("L"):
                continue
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not combining(c))
            match = _LATIN_NAME.fullmatch(unicodedata.name(char, ""))
            if bare in _LATIN_SPELLINGS:  # also ǣ, æ with a macron
                folds[char] = _LATIN_SPELLINGS[bare]
            elif bare.isascii() and bare.isalpha():
                folds[char] = bare.lower()
            elif match is not None:
                folds[char] = match.group(1).lower()
    return folds


_LETTER_FOLDS = str.maketrans(
    {
        **_arabic_script_folds(),
        **_latin_folds(),
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Arabic-Indic and Persian digits.
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)

# A separator inside a number (a regex): ١٢٬٥٠٠ and 12,500 are 12500, ١٢٫٥ and 12.5 are 12.5.
# The Arabic thousands separator U+066C always groups; a Latin comma only before exactly three
# digits after at most three (12,5 and 1,23 may be decimals or a list: they stay two numbers).
# The Arabic decimal separator U+066B is the point. The analyser keeps these in a raw word.
NUMBER_SEPARATOR = r"(?<=\d)(?:[.\u066b\u066c]|(?<!\d{4}),(?=\d{3}(?!\d)))(?=\d)"
_THOUSANDS = re.compile(r"(?<=\d)(?:\u066c|(?<!\d{4}),(?=\d{3}(?!\d)))(?=\d)")
_DECIMAL = re.compile(r"(?<=\d)\u066b(?=\d)")

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


# Arabic letters without marks or tatweel (U+0640): NFKC, lowercasing and the mark and
# separator steps leave a word of them as it is.
_PLAIN_ARABIC = re.compile("[\u0621-\u063f\u0641-\u064a]+")


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
    if "ء" not in text and "ؤ" not in text and "ئ" not in text:
        return text  # most words: the regexes below would cost more than the whole fold
    text = _HUNDRED_TYPED.sub(r"\1مئه", text)
    for seat, spelling in _HAMZA_SEATS:
        text = seat.sub(spelling, text)
    return text


def normalize_arabic(text: str) -> str:
    """Fold ``text`` to the canonical spelling used for every term in the index.

    Idempotent: ``normalize_arabic(normalize_arabic(t)) == normalize_arabic(t)``.
    """
    if _PLAIN_ARABIC.fullmatch(text) and "مائ" not in text:
        # Letters only (most words of an archive): no step but the folds can change them.
        return fold_hamza(text.translate(_LETTER_FOLDS))
    if text.isascii() and text.isalnum():
        return text.lower()
    return _normalize(text)


def _normalize(text: str) -> str:
    """Every step of :func:`normalize_arabic`, whatever ``text`` holds."""
    # Lowercase before folding: a capital's lowercase may be a letter the table folds (Ǝ → ǝ),
    # and İ lowercases to i with a combining dot, which the diacritics step removes.
    text = unicodedata.normalize("NFKC", text).lower()
    text = _INVISIBLE.sub("", text)
    text = strip_diacritics(text)
    if "مائ" in text:
        text = _HUNDRED.sub("مئ", text)
    text = fold_hamza(text.translate(_LETTER_FOLDS))
    if "," in text or "\u066b" in text or "\u066c" in text:
        text = _DECIMAL.sub(".", _THOUSANDS.sub("", text))
    # NFKC may compose new characters after folding (rare, but keep the function idempotent).
    return unicodedata.normalize("NFKC", text).lower()
