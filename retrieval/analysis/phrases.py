"""The phrase joiners: several words read as one term.

``aliases``: a multi-word spelling of an admin alias group (أوبن إيه آي = OpenAI).
``acronyms``: Arabic letter names spelling a Latin acronym of the corpus (جي بي تي = GPT, آر 1 =
R1), also at the end of a name (شات جي بي تي = ChatGPT, أوبن إيه آي = OpenAI).
``split-names``: two words the corpus writes as one word or that spell one of its Latin names
(ديب سيك = ديبسيك = DeepSeek), also behind a one-letter proclitic (بديب سيك).

Letter names are common words too (في، أو، أن), so a run is only read where its first two could
begin a corpus acronym or a spelled ending of a corpus name; and a function word is never half
of a name (إلى من, to whom, is not اليمن).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from retrieval.analysis.tokenizer import ARABIC, LATIN
from retrieval.analysis.words import NameTables, latin_match
from retrieval.keys import Parts, joined_key, parts_of
from retrieval.stopwords import STOPWORDS
from retrieval.transliteration import (
    LETTER_NAMES,
    Skeleton,
    arabic_skeleton,
    arabic_sounds,
    consonant_classes,
    spelled_letters,
    transliterates,
)

# One-letter proclitics a split name may carry on its first half (بديب سيك، لديب سيك).
PAIR_PROCLITICS = frozenset("وفبلك")
# The longest run of words read as one term: an acronym of five letter names and a number.
MAX_PHRASE_WORDS = 6
# A Latin word that Arabic may spell out letter by letter has at most this many letters (GPT,
# AI, R1, H100); longer words are pronounced, not spelled.
ACRONYM_LETTERS = 5

# What a corpus word can be in a split pair, as bits (``split-names``); each is a necessary
# condition, so a pair whose bits rule out a name is never looked up as one.
HEAD = 1  # its consonants begin some corpus Latin name's
HEAD_BARE = 2  # the same without its one-letter proclitic
NAME_TAIL = 4  # its consonants (less a final ه) end some corpus Latin name's


# What the chain keeps of a word it has met: its term, its split-name bits, its hash parts
# and those of it without its one-letter proclitic (None without one), for split pairs.
WordEntry = tuple[str | None, int, Parts, Parts | None]


def word_entry(form: str, term: str | None, bits: int) -> WordEntry:
    """A word's :data:`WordEntry`."""
    bare = parts_of(form[1:]) if form[:1] in PAIR_PROCLITICS and len(form) > 2 else None
    return term, bits, parts_of(form), bare


def letter_pair_key(form: str) -> str | None:
    """How a word counts in the first two of a spelled-out run: a letter name as itself, a
    number by its first digit (آر 1 → R1), anything else not at all."""
    if form in LETTER_NAMES:
        return form
    return form[0] if form.isdigit() else None


def letter_pairs(words: Iterable[str]) -> frozenset[tuple[str, str]]:
    """The (letter name, letter name or digit) pairs that can begin the spelling of ``words``."""
    beginnings = {word[:2] for word in words if len(word) >= 2}
    seconds = [*LETTER_NAMES.items(), *((digit, digit) for digit in "0123456789")]
    return frozenset(
        (first, second)
        for first, first_letters in LETTER_NAMES.items()
        for second, second_letters in seconds
        if any(a + b in beginnings for a in first_letters for b in second_letters)
    )


def _letter_run_end(forms: Sequence[str], start: int, most: int) -> int:
    """Where the run of letter names from ``forms[start]`` ends, reading at most ``most``."""
    end = start
    while end < len(forms) and end - start < most and forms[end] in LETTER_NAMES:
        end += 1
    return end


def name_flags(form: str, is_head: Callable[[str], bool]) -> int:
    """The HEAD and HEAD_BARE bits of a word, given which consonant strings begin a name."""
    head = consonant_classes(form)
    flags = HEAD if is_head(head) else 0
    if form[:1] in PAIR_PROCLITICS and len(form) > 2:
        bare = head if form[0] == "و" else head[1:]  # و is no consonant class; ف ب ل ك are
        flags |= HEAD_BARE if is_head(bare) else 0
    return flags


class AcronymTables(Protocol):
    """What the ``acronyms`` step knows of the collection's Latin words."""

    acronym_pairs: frozenset[tuple[str, str]]
    ending_pairs: frozenset[tuple[str, str]]

    def acronym(self, letters: str) -> str | None:
        """The term of the corpus acronym these Latin letters spell."""

    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
        """(sounds of the pronounced beginning, term) of the corpus names ending in these
        spelled letters."""


class SplitTables(Protocol):
    """What the ``split-names`` step knows of the collection's words."""

    def has_joined(self, key: int, first: str, second: str) -> bool:
        """Whether the corpus has the word ``first + second``, whose key is given."""

    def has_name(self, consonants: str) -> bool:
        """Whether some corpus Latin name has exactly these consonant classes."""


def spelled_at(tables: AcronymTables, forms: Sequence[str], i: int) -> tuple[int, str | None]:
    """A corpus acronym spelled out in Arabic letter names from ``forms[i]`` on: two names or
    more (جي بي تي = GPT), or names and a number (آر 1 = R1). (1, None): none."""
    end = _letter_run_end(forms, i, MAX_PHRASE_WORDS - 1)  # and a number after them
    for stop in range(end, i, -1):
        number = forms[stop] if stop < len(forms) and forms[stop].isdigit() else ""
        if stop - i == 1 and forms[i] in STOPWORDS:
            number = ""  # او 3 is "or 3", not OpenAI's o3
        for letters in spelled_letters(forms[i:stop]):
            if number and (term := tables.acronym(letters + number)) is not None:
                return stop - i + 1, term
            if stop - i >= 2 and (term := tables.acronym(letters)) is not None:
                return stop - i, term
    return 1, None


def compound_at(tables: AcronymTables, forms: Sequence[str], i: int) -> tuple[int, str | None]:
    """A corpus name pronounced, then spelled (شات جي بي تي = ChatGPT), from ``forms[i]``.
    Arabic writes English ch as ش or تش."""
    end = _letter_run_end(forms, i + 1, MAX_PHRASE_WORDS - 1)
    endings = [
        (stop, latin, term)
        for stop in range(end, i + 2, -1)  # a spelled ending has two letters or more
        for letters in spelled_letters(forms[i + 1 : stop])
        for latin, term in tables.compounds(letters)
    ]
    if endings:
        head = forms[i]
        sounds = [arabic_sounds(head), arabic_sounds(head.replace("تش", "ش"))]
        for stop, latin, term in endings:
            if any(s is not None and transliterates(s, latin) for s in sounds):
                return stop - i, term
    return 1, None


class SplitNames:
    """The ``split-names`` joiner: a word pair the corpus writes as one word or one name."""

    def __init__(
        self,
        tables: SplitTables,
        names: NameTables,
        word: Callable[[str], WordEntry],
        term: Callable[[str], str | None],
    ) -> None:
        self.tables = tables
        self.names = names
        self.word = word
        self.term = term

    def joined_term(self, first: str, second: str) -> str | None:
        """Term of a word pair that the corpus writes as one word or as one Latin name, also
        behind a one-letter proclitic (بديب سيك is ب + ديب سيك). Runs for every word of every
        quoted paragraph, so the cheap tests come first: the words' bits say whether a name can
        be looked up. A function word is never half of a name: إلى من (to whom) is not اليمن, أو
        صغيرة (or small) is not Oscar."""
        if first in STOPWORDS or second in STOPWORDS:
            return None
        _, bits, whole, bare = self.word(first)
        _, after, rest, _ = self.word(second)
        if self.tables.has_joined(joined_key(whole, rest), first, second):
            return self._joined_word(first + second)
        head = consonant_classes(first)
        joined = first + second
        if bits & HEAD and after & NAME_TAIL and (term := self._joined_name(head, joined, second)):
            return term
        if bare is None:  # no one-letter proclitic, or too short for one
            return None
        if self.tables.has_joined(joined_key(bare, rest), first[1:], second):
            return self._joined_word(first[1:] + second)
        joined = first[1:] + second
        if bits & HEAD_BARE and after & NAME_TAIL:
            head = head if first[0] == "و" else head[1:]  # و is no consonant class
            return self._joined_name(head, joined, second)
        return None

    def _joined_word(self, joined: str) -> str | None:
        is_word = ARABIC.fullmatch(joined) or LATIN.fullmatch(joined)
        return self.term(joined) if is_word else None

    def _joined_name(self, head: str, joined: str, second: str) -> str | None:
        consonants = head + consonant_classes(second.removesuffix("ه"))
        if not ARABIC.fullmatch(joined) or not self.tables.has_name(consonants):
            return None
        return latin_match(self.names, arabic_skeleton(joined))
