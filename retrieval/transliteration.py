"""Phonetic skeletons that let a Latin name and its Arabic transliteration meet.

News Arabic writes foreign names both ways: DeepSeek / ديب سيك / ديبسيك, Nvidia / إنفيديا,
Google / غوغل / جوجل. Both scripts are reduced to consonants in a shared alphabet of sound classes
(DeepSeek → DBSK, ديبسيك → DBSK) plus the positions where a vowel is written. Arabic leaves short
vowels unwritten but spells long ones, so an Arabic word transliterates a Latin one only if their
consonants agree and every vowel the Arabic writes faces, at the same place, a Latin vowel it
can be written for: that rejects ordinary words that happen to share consonants (تزال is not
Tesla, بالغ is not Black, الأبواب is not Alibaba). Which pairs are merged is decided in
:mod:`retrieval.analysis` against the corpus vocabulary, never by a list of known entities.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

# Digraphs first: English and pinyin spellings of single Arabic consonants.
_LATIN_DIGRAPHS = (
    ("sh", "S"),
    ("ch", "S"),
    ("zh", "S"),
    ("th", "T"),
    ("ph", "F"),
    ("gh", "K"),
    ("kh", "K"),
    ("ck", "K"),
    ("x", "KS"),
)
_LATIN_CLASSES = {
    "b": "B",
    "p": "B",  # Arabic has no /p/: Apple → أبل
    "f": "F",
    "v": "F",  # nor /v/: Nvidia → إنفيديا
    "t": "T",
    "d": "D",
    "s": "S",
    "z": "S",
    "k": "K",
    "q": "K",
    "g": "K",  # غوغل، جوجل، قوقل all stand for Google
    "j": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "r": "R",
    "h": "H",
}
_LATIN_VOWELS = frozenset("aeiouyw")

_ARABIC_CLASSES = {
    "ب": "B",
    "ف": "F",
    "ت": "T",
    "ط": "T",
    "ث": "T",
    "د": "D",
    "ض": "D",
    "ذ": "S",
    "ز": "S",
    "س": "S",
    "ص": "S",
    "ش": "S",
    "ظ": "S",
    "ك": "K",
    "ق": "K",
    "غ": "K",
    "ج": "K",
    "خ": "K",
    "ل": "L",
    "م": "M",
    "ن": "N",
    "ر": "R",
    "ه": "H",
    "ح": "H",
}
_ARABIC_VOWELS = frozenset("اويءؤئ")

_LATIN_WORD = re.compile("[a-z]+")
_ARABIC_WORD = re.compile("[\u0621-\u064a]+")

# Two consonants collide with ordinary Arabic words far too often to be evidence of a name.
MIN_CONSONANTS = 3


@dataclass(frozen=True, slots=True)
class Skeleton:
    """Consonant classes of a word, the gaps (0 = before the first) where it has a vowel, and
    which vowel letters stand in each gap."""

    consonants: str
    vowel_gaps: frozenset[int]
    vowel_letters: frozenset[tuple[int, str]]


def _skeleton(symbols: list[str]) -> Skeleton:
    """Skeleton of class symbols, a vowel given as "V" and its letter (Va, Vو)."""
    consonants: list[str] = []
    letters: set[tuple[int, str]] = set()
    for symbol in symbols:
        if symbol[0] == "V":
            letters.add((len(consonants), symbol[1:]))
        else:
            consonants.append(symbol)
    return Skeleton("".join(consonants), frozenset(gap for gap, _ in letters), frozenset(letters))


def latin_sounds(word: str) -> Skeleton:
    """Consonant classes and vowel gaps of a lowercase Latin word, however short."""
    # Doubled letters are one sound (Apple); a final h is silent (Sarah → سارة).
    text = re.sub(r"(.)\1+", r"\1", word).removesuffix("h")
    for digraph, cls in _LATIN_DIGRAPHS:
        text = text.replace(digraph, cls)
    # c is soft before e, i, y (Price → برايس) and hard elsewhere (Scaling → سكيلنغ).
    text = re.sub(r"c(?=[eiy])", "s", text).replace("c", "k")
    symbols = []
    for ch in text:
        if ch.isupper():
            symbols.extend(ch)
        elif ch in _LATIN_VOWELS:
            symbols.append("V" + ch)
        elif ch in _LATIN_CLASSES:
            symbols.append(_LATIN_CLASSES[ch])
    return _skeleton(symbols)


def latin_skeleton(word: str) -> Skeleton | None:
    """Skeleton of a lowercase Latin word; None for acronyms (no vowel) and short words.

    Acronyms such as GPT or LLM are read letter by letter in Arabic, not transliterated.
    """
    if not _LATIN_WORD.fullmatch(word) or not set(word) & set("aeiou"):
        return None
    skeleton = latin_sounds(word)
    return skeleton if len(skeleton.consonants) >= MIN_CONSONANTS else None


def arabic_sounds(word: str) -> Skeleton | None:
    """Consonant classes and written vowels of a normalised Arabic word, however short;
    None for a word with ع, which no borrowed name has."""
    if not _ARABIC_WORD.fullmatch(word) or "ع" in word:
        return None
    # ة is folded to ه and is no transliterated consonant; a leading alef only carries the
    # vowel Arabic puts before a consonant cluster or a letter name (Nvidia → إنفيديا).
    bare = word.removesuffix("ه").lstrip("ا")
    symbols = ["V" + ch if ch in _ARABIC_VOWELS else _ARABIC_CLASSES.get(ch, "") for ch in bare]
    return _skeleton([s for s in symbols if s])


def arabic_skeleton(word: str) -> Skeleton | None:
    """Skeleton of a normalised Arabic word; None when too short to be evidence of a name."""
    skeleton = arabic_sounds(word)
    if skeleton is None or len(skeleton.consonants) < MIN_CONSONANTS:
        return None
    # Three consonants and no long vowel is what a native Arabic word looks like (ذكر، كبسة):
    # borrowed names of three consonants write a vowel (غوغل، تسلا، إنتل).
    if len(skeleton.consonants) == MIN_CONSONANTS and not set(word) & _ARABIC_VOWELS:
        return None
    return skeleton


_CLASS_OF = str.maketrans(_ARABIC_CLASSES)
_NOT_A_CLASS = re.compile(f"[^{''.join(_ARABIC_CLASSES)}]+")
_VOWEL_LETTER = re.compile(f"[{''.join(_ARABIC_VOWELS)}]")


@lru_cache(maxsize=1 << 16)  # about 250 bytes an entry
def consonant_classes(word: str) -> str:
    """The consonant classes of a normalised Arabic word, in order (vowels and ة dropped)."""
    return _NOT_A_CLASS.sub("", word).translate(_CLASS_OF)


def arabic_consonants(word: str) -> str | None:
    """``arabic_skeleton(word).consonants`` without building the skeleton (None when it is
    None): what the corpus's names are keyed by, for every Arabic word of a collection."""
    if "ع" in word or not _ARABIC_WORD.fullmatch(word):
        return None
    consonants = consonant_classes(word.removesuffix("ه").lstrip("ا"))
    if len(consonants) < MIN_CONSONANTS:
        return None
    if len(consonants) == MIN_CONSONANTS and not _VOWEL_LETTER.search(word):
        return None
    return consonants


# The Latin vowel letters each Arabic long vowel can stand for. Lenient, for English spelling:
# ا is a, e, u and the i of ai (Trump → ترامب, Microsoft → مايكروسوفت); ي is also the a of ay
# (Blake → بليك) and, before و, the y of a long u (United → يونايتد). What is left out is what
# transliterations do not write: و for a, e or i; ي for o or w; ا for o (Morse is مورس, not
# مارس, March). Hamza seats (ء ؤ ئ) stand for any vowel.
_VOWEL_LETTERS = {"ا": frozenset("aeiuy"), "و": frozenset("ouw"), "ي": frozenset("aeiy")}


# A skeleton's written vowels as bits: six a gap (one per vowel letter), gaps 0-9. The mask of
# a skeleton with a vowel in a later gap is LONG_SKELETON: read the word itself.
VOWEL_LETTERS = "اويءؤئ"
MASK_GAPS = 10
LONG_SKELETON = 1 << 63


def vowel_mask(skeleton: Skeleton) -> int:
    """The written vowels of an Arabic skeleton (its consonants are kept apart)."""
    mask = 0
    for gap, letter in skeleton.vowel_letters:
        if gap >= MASK_GAPS:
            return LONG_SKELETON
        mask |= 1 << (gap * len(VOWEL_LETTERS) + VOWEL_LETTERS.index(letter))
    return mask


def from_vowel_mask(consonants: str, mask: int) -> Skeleton:
    """The skeleton :func:`vowel_mask` encoded (not for LONG_SKELETON)."""
    size = len(VOWEL_LETTERS)
    letters = frozenset(
        (bit // size, VOWEL_LETTERS[bit % size])
        for bit in range(MASK_GAPS * size)
        if mask >> bit & 1
    )
    return Skeleton(consonants, frozenset(gap for gap, _ in letters), letters)


def gaps_outside(latin: Skeleton) -> int:
    """The vowel-mask bits of gaps where ``latin`` has no vowel: an Arabic spelling with any
    of them cannot transliterate it (its vowels must face the Latin's)."""
    size = len(VOWEL_LETTERS)
    return sum(
        ((1 << size) - 1) << (gap * size)
        for gap in range(MASK_GAPS)
        if gap not in latin.vowel_gaps
    )


def transliterates(arabic: Skeleton, latin: Skeleton) -> bool:
    """Whether an Arabic spelling can be a transliteration of a Latin one.

    Consonant classes must agree, and every vowel Arabic writes must face a vowel in the Latin
    that it can stand for: الأبواب (the doors) is not Alibaba, its و facing an a.
    """
    if arabic.consonants != latin.consonants or not arabic.vowel_gaps <= latin.vowel_gaps:
        return False
    # A w or y before the first consonant is one: Arabic always writes it (ويلسون، يوكوهاما), so
    # كونغ (Kong) is not Wukong.
    for semivowel, letter in (("w", "و"), ("y", "ي")):
        if (0, semivowel) in latin.vowel_letters and (0, letter) not in arabic.vowel_letters:
            return False
    facing: dict[int, set[str]] = {}
    for gap, letter in latin.vowel_letters:
        facing.setdefault(gap, set()).add(letter)
    written: dict[int, set[str]] = {}
    for gap, letter in arabic.vowel_letters:
        if letter in _VOWEL_LETTERS:
            written.setdefault(gap, set()).add(letter)
    return all(
        _stands_for(letter, facing[gap], written.get(gap, set()))
        for gap, letter in arabic.vowel_letters
    ) and all(_one_letter_a_vowel(letters, facing[gap]) for gap, letters in written.items())


# Two long vowel letters face one Latin vowel only where English writes a diphthong with one
# letter: i or y read /ai/ (Nike → نايكي, Skype → سكايب) and u read /ju/ (Music → ميوزك).
_DIPHTHONGS = {frozenset("اي"): frozenset("iy"), frozenset("يو"): frozenset("u")}


def _one_letter_a_vowel(arabic: set[str], latin: set[str]) -> bool:
    """Whether Arabic writes no more long vowels in a gap than the Latin has vowel letters
    there: a transliteration writes a vowel once, so مليار (ي and ا facing the one e of Muller)
    is an Arabic word that shares the name's consonants, not a spelling of it."""
    if len(arabic) <= len(latin):
        return True
    return len(latin) == 1 and latin <= _DIPHTHONGS.get(frozenset(arabic), frozenset())


def _stands_for(letter: str, latin: set[str], beside: set[str]) -> bool:
    """Whether a vowel letter, with the long vowels ``beside`` it, writes a ``latin`` vowel."""
    if letter not in _VOWEL_LETTERS:
        return True  # a hamza seat
    if letter == "ي" and "و" in beside and "u" in latin:
        return True  # يو, a long u
    if letter == "ا" and latin <= set("iy"):
        return "ي" in beside  # the i of ai is اي (مايكروسوفت); a lone ا is no i (سلام: Selim)
    return not _VOWEL_LETTERS[letter].isdisjoint(latin)



# The Arabic letters of each consonant class, and how Arabic may write the vowels of one gap.
_LETTERS_OF_CLASS: dict[str, str] = {}
for _letter, _class in _ARABIC_CLASSES.items():
    _LETTERS_OF_CLASS[_class] = _LETTERS_OF_CLASS.get(_class, "") + _letter
_GAP_SPELLINGS = ("ا", "و", "ي", "اي", "يا", "يو", "وا", "او")
_FIRST_GAP_SPELLINGS = ("", "ا", "اي", "او")


def short_name_spellings(word: str) -> list[str]:
    """Arabic spellings of a lowercase Latin word of two consonants that write every vowel it
    has after its first consonant (Jim → جيم، قيم، غيم…; Fan → فان; Luria → لوريا …).

    Names of two consonants are keyed by no table (MIN_CONSONANTS): these are the candidates a
    question's short name is looked up by, one spelling per letter of each consonant class.
    """
    if not _LATIN_WORD.fullmatch(word) or not set(word) & set("aeiou"):
        return []
    latin = latin_sounds(word)
    if len(latin.consonants) != 2:
        return []
    first, second = (_LETTERS_OF_CLASS.get(c, "") for c in latin.consonants)
    gaps = [
        (_FIRST_GAP_SPELLINGS if gap == 0 else _GAP_SPELLINGS) if gap in latin.vowel_gaps
        else ("",)
        for gap in range(3)
    ]
    found = []
    for v0, c0, v1, c1, v2 in product(gaps[0], first, gaps[1], second, gaps[2]):
        spelling = v0 + c0 + v1 + c1 + v2
        arabic = arabic_sounds(spelling)
        if (
            arabic is not None
            and arabic.vowel_gaps >= latin.vowel_gaps - {0}
            and transliterates(arabic, latin)
        ):
            found.append(spelling)
    return found

# Acronyms are read letter by letter, and Arabic spells the letter names out: GPT is جي بي تي,
# AI is إيه آي, R1 is آر 1. Normalised spellings (آ/إ/أ → ا) and the letters each may name:
# إي (E) and آي (I) fold to one spelling, and بي is both B and P.
LETTER_NAMES: dict[str, str] = {
    "ايه": "a",
    "اي": "aei",
    "بي": "bp",
    "سي": "c",
    "دي": "d",
    "اف": "f",
    "جي": "g",
    "اتش": "h",
    "ايتش": "h",
    "جيه": "j",
    "جاي": "j",
    "كيه": "k",
    "كاي": "k",
    "ال": "l",
    "ايل": "l",
    "ام": "m",
    "ايم": "m",
    "ان": "n",
    "اين": "n",
    "او": "o",
    "كيو": "q",
    "ار": "r",
    "اس": "s",
    "ايس": "s",
    "تي": "t",
    "يو": "u",
    "في": "v",
    "دبليو": "w",
    "اكس": "x",
    "ايكس": "x",
    "واي": "y",
    "زد": "z",
    "زي": "z",
}


def spelled_letters(names: Sequence[str]) -> Iterator[str]:
    """Every Latin letter string a run of Arabic letter names can spell (بي تي → bt, pt)."""
    return ("".join(letters) for letters in product(*(LETTER_NAMES[name] for name in names)))
