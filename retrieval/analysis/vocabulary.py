"""What the analyser knows of one collection: built once at index time, saved as arrays.

Four of the chain's steps look at the collection's words: ``proclitics`` (the lexicon of light10
stems), ``names`` (Latin names and Arabic words by consonant skeleton, and how many vowels the
best spelling of each name writes), ``acronyms`` (the corpus's Latin acronyms and names that end
in one) and ``split-names`` (which words are halves of a corpus word or a name). Their tables
are built here from the distinct words and their counts, with the term of every corpus word
computed once (:meth:`Vocabulary.build`); a snapshot saves them as arrays
(:mod:`retrieval.tables`) and a start reads them back as they are (:meth:`Vocabulary.from_arrays`):
nothing runs per word at load, and a question reads only its own words.

A word the corpus has is looked up; a word it lacks (in a question) runs through the same
filters (:class:`retrieval.analysis.words.WordFilters`) over these tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from retrieval.analysis.pairs import SplitPairs
from retrieval.analysis.phrases import NAME_TAIL, name_flags
from retrieval.analysis.steps import AnalysisSettings
from retrieval.analysis.words import WordFilters
from retrieval.stopwords import STOPWORDS
from retrieval.tables import Array, Lists, Map, StringList
from retrieval.transliteration import (
    LONG_SKELETON,
    Skeleton,
    arabic_skeleton,
    from_vowel_mask,
    gaps_outside,
    latin_skeleton,
    latin_sounds,
    transliterates,
)

# Skeletons of names looked up again and again (a question's Latin words, paragraph pairs).
_NAME_CACHE_SIZE = 1 << 14

# One reading of an Arabic word as a possible name: (spelling, its consonant classes, the Latin
# term it transliterates or None, how many vowels it writes). Only spellings with a skeleton.
Spelling = tuple[str, str, str | None, int]
# An Arabic word read by the filters: (without its proclitics, that one's stem, spellings).
Reading = tuple[str, str, tuple[Spelling, ...]]


class ArrayNames:
    """:class:`NameTables` over the arrays a snapshot holds."""

    def __init__(self, latin: Lists, latin_terms: Map, arabic: Lists, terms: StringList) -> None:
        self._latin = latin
        self._latin_terms = latin_terms
        self._arabic = arabic
        self._terms = terms
        # Bounded: a long-running bot meets new question words forever.
        self.latin = lru_cache(maxsize=_NAME_CACHE_SIZE)(self._latin_of)

    def _latin_of(self, consonants: str) -> Sequence[tuple[Skeleton, str]]:
        """The corpus's Latin names with these consonant classes, with their skeletons."""
        rows = self._latin.find(consonants)
        found = []
        for form, term in zip(
            self._latin.values("form", rows), self._latin.values("term", rows), strict=True
        ):
            skeleton = latin_skeleton(form)
            if skeleton is not None:
                found.append((skeleton, term))
        return found

    def vowels(self, latin: str) -> int:
        row = self._latin_terms.find(latin)
        return self._latin_terms.value("vowels", row) if row >= 0 else 0

    def is_latin_term(self, term: str) -> bool:
        return self._latin_terms.find(term) >= 0

    def arabic_match(self, latin: Skeleton) -> str | None:
        """The first entry with these consonants whose written vowels can face the Latin
        ones: the vowel masks are read in one slice and most entries are ruled out by them
        (a vowel where the Latin has none), the rest rebuilt from them, the spelling read only
        for a word with vowels past the masks' gaps."""
        rows = self._arabic.find(latin.consonants)
        if not rows:
            return None
        forbidden = gaps_outside(latin)
        spellings = self._arabic.columns["spelling"]
        for i, mask in zip(rows, self._arabic.values("mask", rows), strict=True):
            if mask == LONG_SKELETON:
                skeleton = arabic_skeleton(spellings[i])  # type: ignore[index]
            elif mask & forbidden:
                continue
            else:
                skeleton = from_vowel_mask(latin.consonants, mask)
            if skeleton is not None and transliterates(skeleton, latin):
                return self._terms[self._arabic.values("term", range(i, i + 1))[0]]
        return None


class MapCounts:
    """A lexicon (stem → count) over a :class:`Map` with a ``count`` column."""

    def __init__(self, table: Map) -> None:
        self._table = table

    def get(self, stem: str, default: int = 0) -> int:
        row = self._table.find(stem)
        return self._table.value("count", row) if row >= 0 else default


@dataclass
class Phrases:
    """What admin aliases and acronyms add, small enough for the snapshot header."""

    word_aliases: dict[str, str]
    phrases: dict[tuple[str, ...], str]
    acronym_pairs: frozenset[tuple[str, str]]
    ending_pairs: frozenset[tuple[str, str]]

    def header(self) -> dict:
        return {
            "word_aliases": self.word_aliases,
            "phrases": [[list(words), term] for words, term in self.phrases.items()],
            "acronym_pairs": sorted(self.acronym_pairs),
            "ending_pairs": sorted(self.ending_pairs),
        }

    @classmethod
    def from_header(cls, header: dict) -> Phrases:
        return cls(
            {str(k): str(v) for k, v in header["word_aliases"].items()},
            {tuple(words): term for words, term in header["phrases"]},
            frozenset((a, b) for a, b in header["acronym_pairs"]),
            frozenset((a, b) for a, b in header["ending_pairs"]),
        )


class Vocabulary:
    """Every table the chain reads, over one collection (or none: ``Vocabulary.empty()``)."""

    def __init__(
        self,
        settings: AnalysisSettings,
        forms: Map,  # columns: term (id into terms, -1: none), flags (split-name bits)
        terms: StringList,
        lexicon: Map,  # column: count
        names: tuple[Lists, Map, Lists],  # latin (form, term), latin terms (vowels), arabic
        acronyms: Map,  # column: term
        compounds: Lists,  # columns: head, term
        heads: Map,  # consonant strings that begin a Latin name: no columns
        phrases: Phrases,
    ) -> None:
        self.settings = settings
        self.forms = forms
        self.terms = terms
        self.lexicon_table = lexicon
        self.lexicon = MapCounts(lexicon)
        self.name_tables = names
        self.names = ArrayNames(*names, terms)
        self.acronym_table = acronyms
        self.compound_table = compounds
        self.heads = heads
        self.word_aliases = phrases.word_aliases
        self.phrases = phrases.phrases
        self.phrase_starts = frozenset(words[0] for words in self.phrases)
        self.acronym_pairs = phrases.acronym_pairs
        self.ending_pairs = phrases.ending_pairs
        self._phrases = phrases
        self.filters = WordFilters(settings, self.lexicon, self.names, self.word_aliases)
        self.pairs: SplitPairs | None = None
        # Remembered, since the indexer asks about the same letter names again and again.
        self.compounds = lru_cache(maxsize=_NAME_CACHE_SIZE)(self._compounds_of)

    # -- what the steps ask ---------------------------------------------------------------

    def entry(self, form: str) -> tuple[str | None, int]:
        """(term, split-name bits) of a word: looked up when the corpus has it, else read by
        the per-word filters (a question's word)."""
        row = self.forms.find(form)
        if row >= 0:
            term_id = self.forms.value("term", row)
            term = self.terms[term_id] if term_id >= 0 else None
            return term, self.forms.value("flags", row)
        return self.filters.term(form), self.unknown_flags(form)

    def unknown_flags(self, form: str) -> int:
        """The split-name bits of a word the corpus lacks: lookups decide."""
        if form in STOPWORDS:
            return 0
        return NAME_TAIL | name_flags(form, self.heads.__contains__)

    def has_joined(self, key: int, first: str, second: str) -> bool:
        return self.forms.keys.has_joined(key, first, second)

    def has_name(self, consonants: str) -> bool:
        return consonants in self.name_tables[0]

    def acronym(self, letters: str) -> str | None:
        row = self.acronym_table.find(letters)
        return self.terms[self.acronym_table.value("term", row)] if row >= 0 else None

    def _compounds_of(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
        """The corpus names that end in the letters ``ending`` spells, by their heads' sounds."""
        table = self.compound_table
        rows = table.find(ending)
        return [
            (latin_sounds(head), self.terms[term_id])
            for head, term_id in zip(
                table.values("head", rows), table.values("term", rows), strict=True
            )
        ]

    def computed_term(self, form: str) -> str | None:
        """The term the per-word filters give ``form`` over these tables, without looking the
        form up: for a corpus word, what the build stored (a test holds them equal)."""
        return self.filters.term(form)

    @property
    def empty_corpus(self) -> bool:
        return len(self.forms) == 0

    # -- snapshot --------------------------------------------------------------------------

    def arrays(self) -> dict[str, Array]:
        latin, latin_terms, arabic = self.name_tables
        return (
            self.forms.arrays("forms")
            | self.terms.arrays("terms")
            | self.lexicon_table.arrays("lexicon")
            | latin.arrays("latin")
            | latin_terms.arrays("latin_terms")
            | arabic.arrays("arabic")
            | self.acronym_table.arrays("acronyms")
            | self.compound_table.arrays("compounds")
            | self.heads.arrays("heads")
        )

    def header(self) -> dict:
        return self._phrases.header()

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, Array], header: dict, settings: AnalysisSettings
    ) -> Vocabulary:
        """The vocabulary a snapshot saved. Raises ValueError or KeyError when its tables are
        missing or do not fit together."""
        terms = StringList.from_arrays("terms", arrays)
        forms = Map.from_arrays("forms", arrays, {"term": np.int32, "flags": np.uint8})
        arabic = Lists.from_arrays(
            "arabic", arrays, {"spelling": None, "term": np.int32, "mask": np.uint64}
        )
        acronyms = Map.from_arrays("acronyms", arrays, {"term": np.int32})
        compounds = Lists.from_arrays("compounds", arrays, {"head": None, "term": np.int32})
        for name, ids in (
            ("forms", forms.columns["term"]),
            ("arabic", arabic.columns["term"]),
            ("acronyms", acronyms.columns["term"]),
            ("compounds", compounds.columns["term"]),
        ):
            values = np.asarray(ids[0 : len(ids)])  # type: ignore[index]
            if len(values) and (values.min() < -1 or values.max() >= len(terms)):
                raise ValueError(f"{name}: term ids out of range")
        return cls(
            settings,
            forms,
            terms,
            Map.from_arrays("lexicon", arrays, {"count": np.int64}),
            (
                Lists.from_arrays("latin", arrays, {"form": None, "term": None}),
                Map.from_arrays("latin_terms", arrays, {"vowels": np.int32}),
                arabic,
            ),
            acronyms,
            compounds,
            Map.from_arrays("heads", arrays, {}),
            Phrases.from_header(header),
        )

    # -- building --------------------------------------------------------------------------

    @classmethod
    def empty(cls, settings: AnalysisSettings) -> Vocabulary:
        """No collection: plain normalisation, stop words and light10, as Lucene does."""
        return cls.build([], np.zeros(0, dtype=np.int64), (), settings)

    @classmethod
    def build(
        cls,
        forms: Sequence[str],
        counts: npt.NDArray[np.int64],
        aliases: Iterable[list[str]],
        settings: AnalysisSettings,
    ) -> Vocabulary:
        """The tables of a collection whose distinct normalised words are ``forms`` (in the
        order first seen) occurring ``counts`` times; ``aliases`` are admin alias groups.

        The term of every word is computed once here (:mod:`retrieval.analysis.building`), in
        phases, since the later tables depend on the earlier ones over the whole vocabulary.
        """
        from retrieval.analysis.building import build_vocabulary  # it builds this class

        return build_vocabulary(forms, counts, aliases, settings)
