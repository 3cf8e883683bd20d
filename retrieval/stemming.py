"""Light stemming for Arabic (light10 plus corpus-checked proclitics) and plural -s for Latin.

Light10 (Larkey, Ballesteros & Connell 2002; Lucene's ArabicStemmer) strips one definite-article
prefix and a fixed list of suffixes. It leaves single-letter proclitics alone because stripping
ل ب ك ف blindly breaks words that merely begin with those letters (بنك، فرنسا، كتاب). News text
glues them to names all the time (لإنفيديا، بـDeepSeek، وبالتالي), so :func:`strip_proclitics`
removes them only when what remains is a stem the corpus itself uses more often.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

# Lucene ArabicStemmer order; ة is folded to ه before stemming, so يه covers ية and ه covers ة.
_LIGHT10_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_LIGHT10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")

_ARTICLE_STARTS = tuple({prefix[0] for prefix in _LIGHT10_PREFIXES})

# Pronoun suffixes of light10's list: before them a ة is written ت.
_PRONOUNS = ("ها", "ه")

# The future particle س only ever precedes an imperfect verb, which starts with one of these.
_IMPERFECT_PREFIXES = "يتنا"

# Proclitic stacks tried against the lexicon, longest first: conjunction (و ف) then
# preposition (ب ل ك) then the article.
_PROCLITICS = tuple(
    sorted(
        {
            conj + prep + art
            for conj in ("", "و", "ف")
            for prep in ("", "ب", "ل", "ك")
            for art in ("", "ال")
            if conj + prep + art
        }
        | {"لل", "ولل", "فلل"}
        | {"س", "وس", "فس"},  # future-tense س on a verb: سيحتاج → يحتاج
        key=len,
        reverse=True,
    )
)
_LONGEST_STACK = len(_PROCLITICS[0])


def strip_article(word: str) -> str:
    """Light10's prefix step: remove one of ال وال بال كال فال لل و.

    The stem left must keep 3 letters (light10 allows 2: والده → ده, الله → له).
    """
    if word.startswith(_ARTICLE_STARTS):  # a cheap test first: most words have no prefix
        for prefix in _LIGHT10_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix) :]
    return word


def strip_suffixes(word: str) -> str:
    """Light10's suffixes, removed until none applies while a stem of 3+ letters remains.

    Light10 tries each suffix once, in list order, down to 2 letters. One pass leaves stems that
    depend on the order (السرطان → سرط but السرطانية → سرطان), and 2-letter stems collide
    (حسين → حس, سكان → سك). A ة written ت before a pronoun is ة again once the pronoun is gone
    (سلطته → سلطه, as سلطة), unless it ends the plural ات. Measured in BENCHMARKS.md.
    """
    size = len(word)
    if size < 4 or not word.endswith(_LIGHT10_SUFFIXES):
        return word  # most calls: no suffix can come off
    # What comes off depends only on the last letters while at most two come off (the rules
    # then look at the last four, and a word of seven letters or more never runs short), so
    # words ending alike share one reading of their ending.
    key = (word[-_TAIL:], min(size, _TAIL_LENGTH))
    reading = _TAILS.get(key)
    if reading is None:
        if len(_TAILS) >= _TAILS_KEPT:
            _TAILS.clear()
        reading = _TAILS[key] = _tail_reading(*key)
    if reading is False:
        return _strip_all_suffixes(word)
    removed, restored = reading
    stem = word[: size - removed]
    return stem[:-1] + "ه" if restored else stem


# Endings read by :func:`strip_suffixes`: (last letters, length up to 7) → (letters removed,
# whether the last one left is a restored ة), or False when more than two come off.
_TAIL = 4
_TAIL_LENGTH = 7
_TAILS_KEPT = 1 << 17
_TAILS: dict[tuple[str, int], tuple[int, bool] | bool] = {}


def _tail_reading(tail: str, size: int) -> tuple[int, bool] | bool:
    """What :func:`strip_suffixes` removes from any word of ``size`` letters ending in
    ``tail`` (letters before it stand in as a character no rule matches)."""
    virtual = "\0" * (size - len(tail)) + tail
    stem = _strip_all_suffixes(virtual)
    removed = size - len(stem)
    if removed > 2:
        return False
    return removed, stem != virtual[: size - removed]


def _strip_all_suffixes(word: str) -> str:
    """:func:`strip_suffixes` itself, without the shortcut of shared endings."""
    changed = True
    while changed:
        changed = False
        for suffix in _LIGHT10_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                changed = True
                taa = word.endswith("ت") and not word.endswith("ات")  # a ة, not the plural
                if suffix in _PRONOUNS and taa and len(word) >= 4:
                    word = word[:-1] + "ه"
    return word


def light10(word: str) -> str:
    """One light10 prefix, then the suffixes (see :func:`strip_suffixes`)."""
    return strip_suffixes(strip_article(word))


def strip_proclitics(word: str, lexicon: Mapping[str, int]) -> str:
    """Remove the proclitics of ``word`` (suffixes kept), trusting the corpus over the letters.

    ``lexicon`` counts the light10 stems of the corpus. Besides light10's own prefix, a stack of
    conjunction + preposition + article is removed when the stem of the remainder is more
    frequent there than light10's reading, so لانفيديا becomes انفيديا (a name the articles
    use) while فرنسا keeps its ف.
    """
    best = strip_article(word)
    get = lexicon.get
    best_count = get(strip_suffixes(best), 0)
    # The corpus may also back the word as written (وصفت is a verb, not و + صفت).
    if best != word and (count := get(strip_suffixes(word), 0)) > best_count:
        best, best_count = word, count
    for proclitic in _stacks(word[:_LONGEST_STACK]):
        if len(word) - len(proclitic) >= 3:
            rest = word[len(proclitic) :]
            if rest == best or (proclitic.endswith("س") and rest[0] not in _IMPERFECT_PREFIXES):
                continue  # the same reading cannot count for more than itself
            count = get(strip_suffixes(rest), 0)
            if count > best_count:
                best, best_count = rest, count
    return best


@lru_cache(maxsize=1 << 16)
def _stacks(start: str) -> tuple[str, ...]:
    """The proclitic stacks a word beginning with ``start`` begins with, longest first."""
    return tuple(proclitic for proclitic in _PROCLITICS if start.startswith(proclitic))


def without_proclitics(word: str) -> Iterator[str]:
    """Every reading of ``word`` with a proclitic stack removed, longest stack first."""
    for proclitic in _PROCLITICS:
        if word.startswith(proclitic) and len(word) - len(proclitic) >= 2:
            yield word[len(proclitic) :]


def stem_latin(word: str) -> str:
    """Drop an English plural -s (GPUs → gpu, chips → chip), keeping -ss, -us, -is words.

    A four-letter -us word is an acronym plural (GPUs, CPUs), not a Latin singular (virus).
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "is")):
        return word
    if word.endswith("us") and len(word) > 4:
        return word
    return word[:-1]


# Derivational prefixes of the verb and noun patterns (استفعل، مستفعل، مفعول، تفعيل، يفعل، انفعل)
# and the dialect passive (اتفعل), longest first; the long vowels a pattern puts inside a root;
# the hamza seats a root letter is written with.
_PATTERN_PREFIXES = ("مست", "است", "ات", "ان", "م", "ت", "ي", "ن", "ا")
_PATTERN_VOWELS = "اوي"
_HAMZA_SEATS = str.maketrans("ءؤئ", "ااا")
_ARABIC_LETTERS = re.compile("[\u0621-\u064a]+")
ROOT_LETTERS = 3


@lru_cache(maxsize=1 << 16)
def pattern_root(term: str) -> str | None:
    """A three-letter key shared by the derivations of an Arabic stem, or None.

    Light stemming folds inflections, not derivations: «كلف» and «تكلفة», «وزير» and
    «وزراء», «نجح» and «نجاح» keep different stems. Removing a verb's trailing ت or وا, the
    long vowel before the last letter (فعيل، فعال، فعول، تفعيل), one pattern prefix and then
    any long vowel inside leaves the root in the common patterns. A heuristic, not a
    morphological analysis: hollow roots (قاد، تقود) do not meet and unrelated words may share
    a key (إعدام and عدم), so it only ever adds evidence beside exact terms.
    """
    if not _ARABIC_LETTERS.fullmatch(term):
        return None
    word = term.translate(_HAMZA_SEATS)
    if len(word) >= ROOT_LETTERS + 2 and word.endswith("وا"):
        word = word[:-2]
    elif len(word) > ROOT_LETTERS and word.endswith("ت"):
        word = word[:-1]
    if len(word) > ROOT_LETTERS and word[-2] in _PATTERN_VOWELS:
        word = word[:-2] + word[-1]
    if len(word) > ROOT_LETTERS:
        for prefix in _PATTERN_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= ROOT_LETTERS:
                word = word[len(prefix) :]
                break
    i = len(word) - 1
    while len(word) > ROOT_LETTERS and i > 0:
        if word[i] in _PATTERN_VOWELS:
            word = word[:i] + word[i + 1 :]
        i -= 1
    return word if len(word) == ROOT_LETTERS else None
