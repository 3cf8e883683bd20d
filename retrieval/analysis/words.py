"""The per-word filters: each normalised word of a text gets its index term, or none.

In chain order: ``stopwords`` drops function words; ``aliases`` gives an admin alias's spelling
its group's term; ``proclitics`` removes و ف ب ل ك ال س where the corpus backs the shorter word
(:func:`retrieval.stemming.strip_proclitics` against the corpus's light10 stems, the lexicon);
``names`` reads an Arabic spelling of a Latin name of the corpus as that name, and a Latin name
the corpus only writes in Arabic as the Arabic (:mod:`retrieval.transliteration`);
``stemming`` removes light10's suffixes, or a Latin plural -s.

Four decisions look at the collection, through tables the vocabulary keeps
(:mod:`retrieval.analysis.vocabulary`): the lexicon's counts, the Latin names by consonant
skeleton, how many vowels the corpus's best spelling of each name writes, and the Arabic words
by consonant skeleton. At index time those are dicts built from every distinct word; at a
start they are arrays read from the snapshot. The functions here are the same for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from retrieval.analysis.steps import AnalysisSettings
from retrieval.analysis.tokenizer import ARABIC, LATIN
from retrieval.stemming import stem_latin, strip_proclitics, strip_suffixes, without_proclitics
from retrieval.stopwords import STOPWORDS
from retrieval.transliteration import Skeleton, arabic_skeleton, latin_skeleton, transliterates


def is_dropped(form: str) -> bool:
    """The ``stopwords`` step: a function or question word, or a single letter, is no term."""
    return form in STOPWORDS or (len(form) == 1 and not form.isdigit())


class NameTables(Protocol):
    """What the ``names`` step knows of the collection's names."""

    def latin(self, consonants: str) -> Sequence[tuple[Skeleton, str]]:
        """(skeleton, term) of the corpus's Latin names with these consonant classes, most
        frequent first."""

    def vowels(self, latin: str) -> int:
        """How many vowels the corpus's best Arabic spelling of Latin term ``latin`` writes."""

    def is_latin_term(self, term: str) -> bool:
        """Whether ``term`` is the term of a Latin name of the corpus."""

    def arabic_match(self, latin: Skeleton) -> str | None:
        """The term of the corpus's most frequent Arabic word that stands for no Latin name
        and transliterates ``latin`` (:func:`transliterates`)."""


def first_latin(names: NameTables, skeleton: Skeleton) -> str | None:
    """The corpus's most frequent Latin term that an Arabic skeleton transliterates."""
    for latin, term in names.latin(skeleton.consonants):
        if transliterates(skeleton, latin):
            return term
    return None


def writes_enough(names: NameTables, skeleton: Skeleton, latin: str) -> bool:
    """Whether an Arabic spelling writes as many of ``latin``'s vowels as any corpus one.

    Ordinary words share a short name's consonants by chance (اليمن and الأمن fit Leyman;
    صغيرة and الذكور fit Oscar). A transliteration writes the name's vowels as long ones, so of
    the corpus's spellings of a name only those that write the most of its vowels (أوسكار)
    stand for it.
    """
    return len(skeleton.vowel_gaps) >= names.vowels(latin)


def latin_match(names: NameTables, skeleton: Skeleton | None) -> str | None:
    """The Latin term an Arabic spelling stands for: it fits the name's consonants and writes
    as many of its vowels as the corpus's best spelling of it does."""
    if skeleton is None:
        return None
    latin = first_latin(names, skeleton)
    return latin if latin is not None and writes_enough(names, skeleton, latin) else None


def arabic_match(names: NameTables, skeleton: Skeleton | None) -> str | None:
    """The corpus's most frequent Arabic term that transliterates a Latin skeleton."""
    return names.arabic_match(skeleton) if skeleton is not None else None


class WordFilters:
    """The per-word filters in chain order, over one collection's tables."""

    def __init__(
        self,
        settings: AnalysisSettings,
        lexicon: Mapping[str, int],
        names: NameTables,
        word_aliases: Mapping[str, str],
    ) -> None:
        self.drop = settings.on("stopwords")
        self.stem = settings.on("stemming")
        self.lexicon = lexicon
        self.names = names
        self.word_aliases = word_aliases

    def term(self, form: str) -> str | None:
        """Index term of one normalised single-script word (None: not indexed)."""
        if self.drop and is_dropped(form):
            return None
        if form in self.word_aliases:
            return self.word_aliases[form]
        if ARABIC.fullmatch(form):
            if self.word_aliases:  # لأبل is أبل
                for reading in without_proclitics(form):
                    if reading in self.word_aliases:
                        return self.word_aliases[reading]
            base = strip_proclitics(form, self.lexicon)
            latin = latin_match(self.names, arabic_skeleton(base)) or latin_match(
                self.names, arabic_skeleton(form)
            )
            return latin or self.stemmed(base)
        if LATIN.fullmatch(form):
            term = self.latin_term(form)
            if not self.names.is_latin_term(term):
                # A Latin spelling of a name the corpus only writes in Arabic (Tesla → تسلا).
                return arabic_match(self.names, latin_skeleton(form)) or term
            return term
        return form

    def stemmed(self, base: str) -> str:
        """The ``stemming`` step on an Arabic word whose proclitics are off."""
        return strip_suffixes(base) if self.stem else base

    def latin_term(self, form: str) -> str:
        """The ``stemming`` step on a Latin word."""
        return stem_latin(form) if self.stem else form
