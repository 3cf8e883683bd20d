"""One analyser for documents and questions: text → index terms with their character spans.

The chain, as Lucene's ArabicAnalyzer is a tokenizer plus named filters and lunr.py's pipeline a
list of labelled functions (every step named in :data:`retrieval.analysis.steps.STEPS`, each
can be switched off by :class:`AnalysisSettings`):

1. ``normalize`` and the tokenizer (:mod:`.tokenizer`): normalised single-script words.
2. Phrase joiners (:mod:`.phrases`), where several words are one term: ``aliases`` (admin alias
   phrases), ``acronyms`` (Arabic letter names spelling a Latin acronym), ``split-names``
   (ديب سيك = ديبسيك).
3. Per-word filters (:mod:`.words`) for every other word: ``stopwords``, ``aliases``,
   ``proclitics``, ``names``, ``stemming``.

The same :class:`Analyzer` indexes the paragraphs and reads the questions, so a term can only
match if both sides spell it the same way. Four of its decisions are checked against what the
articles actually say (whether a leading ل ب ك ف is a proclitic, which Arabic spellings
transliterate a Latin name the corpus uses, whether two words are a split spelling of one,
whether a run of Arabic letter names spells a Latin acronym the corpus uses): their tables, and
the term of every corpus word, are built once at index time (:mod:`.vocabulary`) and saved in
the snapshot. Query-only rewrites (spelling) are the question reader's (:mod:`retrieval.query`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from retrieval.analysis.phrases import (
    MAX_PHRASE_WORDS,
    PAIR_PROCLITICS,
    SplitNames,
    WordEntry,
    compound_at,
    letter_pair_key,
    spelled_at,
    word_entry,
)
from retrieval.analysis.steps import DEFAULT_SETTINGS, STEPS, AnalysisSettings
from retrieval.analysis.tokenizer import RAW_WORD, Tokenizer, Word, surface_words, word_forms
from retrieval.analysis.vocabulary import Vocabulary
from retrieval.analysis.words import NameTables, WordFilters
from retrieval.transliteration import Skeleton

__all__ = [
    "MAX_PHRASE_WORDS",
    "PAIR_PROCLITICS",
    "STEPS",
    "AnalysisSettings",
    "Analyzer",
    "Token",
    "Vocabulary",
    "Word",
    "letter_pair_key",
    "parse_alias_lines",
    "surface_words",
    "word_forms",
]

# Distinct words whose terms are remembered (an entry is about 600 bytes: 40 MB at most).
TERM_CACHE_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class Token:
    """An index term and the span of the original text it was read from."""

    term: str
    start: int
    end: int


def parse_alias_lines(lines: Iterable[str]) -> list[list[str]]:
    """Read alias groups: one group a line, spellings separated by ``=``, ``#`` starts a comment.

    Example: ``OpenAI = أوبن إيه آي = اوبن ايه اي``.
    """
    groups = []
    for line in lines:
        spellings = [s.strip() for s in line.split("#", 1)[0].split("=") if s.strip()]
        if len(spellings) >= 2:
            groups.append(spellings)
    return groups


class Tables(Protocol):
    """What the chain reads of a collection (:class:`Vocabulary`, or the build's dicts)."""

    settings: AnalysisSettings
    names: NameTables
    filters: WordFilters
    phrases: dict[tuple[str, ...], str]
    phrase_starts: frozenset[str]
    acronym_pairs: frozenset[tuple[str, str]]
    ending_pairs: frozenset[tuple[str, str]]
    empty_corpus: bool

    def entry(self, form: str) -> tuple[str | None, int]: ...
    def has_joined(self, key: int, first: str, second: str) -> bool: ...
    def has_name(self, consonants: str) -> bool: ...
    def acronym(self, letters: str) -> str | None: ...
    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]: ...


class Analyzer:
    """Turns text into index terms; built once per corpus, shared by indexing and search.

    Without a vocabulary (``Analyzer()``) it is plain normalisation + stop words + light10,
    which is what Lucene's ArabicAnalyzer does.
    """

    def __init__(
        self, vocabulary: Tables | None = None, settings: AnalysisSettings = DEFAULT_SETTINGS
    ) -> None:
        tables = vocabulary or Vocabulary.empty(settings)
        self.tables = tables
        self.settings = tables.settings
        self.tokenizer = Tokenizer(self.settings.on("normalize"))
        self._cache: dict[str, WordEntry] = {}
        self._pair_cache: dict[tuple[str, str], str | None] = {}
        self._phrases = tables.phrases
        self._phrase_starts = tables.phrase_starts
        self.acronym_pairs = tables.acronym_pairs
        self.ending_pairs = tables.ending_pairs
        self._acronym_starts = frozenset(first for first, _ in self.acronym_pairs)
        self._ending_starts = frozenset(first for first, _ in self.ending_pairs)
        self.joins = self.settings.on("split-names") and not tables.empty_corpus
        self._split = SplitNames(tables, tables.names, self._entry, self.term)

    @property
    def vocabulary(self) -> Vocabulary:
        """The collection's tables (what a snapshot saves)."""
        if not isinstance(self.tables, Vocabulary):
            raise TypeError("an analyser over the build's tables has no saved vocabulary")
        return self.tables

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        aliases: Iterable[list[str]] = (),
        settings: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> Analyzer:
        """Build the analyser whose decisions are backed by the vocabulary of ``texts``."""
        tokenizer = Tokenizer(settings.on("normalize"))
        raw_words: Counter[str] = Counter()
        for text in texts:
            raw_words.update(RAW_WORD.findall(text))
        forms: Counter[str] = Counter()
        for raw, count in raw_words.items():
            for form in tokenizer.runs(raw):
                forms[form] += count
        counts = np.fromiter(forms.values(), np.int64, len(forms))
        return cls(Vocabulary.build(list(forms), counts, aliases, settings))

    def fingerprint(self) -> str:
        """What this analyser adds to a snapshot's fingerprint: its steps, on or off, and
        their code."""
        return self.settings.fingerprint()

    def _entry(self, form: str) -> WordEntry:
        entry = self._cache.get(form)
        if entry is None:
            entry = word_entry(form, *self.tables.entry(form))
            if len(self._cache) >= TERM_CACHE_SIZE:
                # Bounded: a long-running bot meets new question words forever. Starting
                # over is cheap and keeps the hot path a plain dict.
                self._cache.clear()
            self._cache[form] = entry
        return entry

    def term(self, form: str) -> str | None:
        """Index term of one normalised single-script word (None: not indexed)."""
        return self._entry(form)[0]

    def flags(self, form: str) -> int:
        """What a word can be in a split pair (:mod:`retrieval.analysis.phrases` bits)."""
        return self._entry(form)[1]

    def analyze(self, text: str) -> list[Token]:
        """Index terms of ``text`` in order, each with the span of original text it covers."""
        words = self.tokenizer.words(text)
        return [
            Token(term, words[i].start, words[i + length - 1].end)
            for i, length, term in self._scan([word.form for word in words])
        ]

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` (what BM25 sees); the same as ``analyze`` without spans."""
        return [term for _, _, term in self._scan(self.tokenizer.text_forms(text))]

    def _scan(self, forms: list[str]) -> list[tuple[int, int, str]]:
        """(first word, word count, term) of each term, joining phrases and split spellings."""
        found: list[tuple[int, int, str]] = []
        cache, entry = self._cache, self._entry
        starts = self._phrase_starts
        spelled, endings = self._acronym_starts, self._ending_starts
        acronym_pairs, ending_pairs = self.acronym_pairs, self.ending_pairs
        pair_term = self._split.joined_term if self.joins else None
        last = len(forms) - 1
        i = 0
        while i <= last:
            # phrase_at's first tests, inlined: this loop runs for every word of every quoted
            # paragraph.
            form = forms[i]
            if (
                form in starts
                or (
                    form in spelled
                    and i < last
                    and (form, letter_pair_key(forms[i + 1])) in acronym_pairs
                )
                or (
                    i < last - 1
                    and forms[i + 1] in endings
                    and (forms[i + 1], forms[i + 2]) in ending_pairs
                )
            ):
                length, term = self.phrase_at(forms, i)
            elif pair_term is not None and i < last:
                term = pair_term(form, forms[i + 1])
                length = 1 if term is None else 2
            else:
                length = 1
            if length == 1:
                term = (cache.get(form) or entry(form))[0]
            if term is not None:
                found.append((i, length, term))
            i += length
        return found

    def phrase_at(self, forms: Sequence[str], i: int) -> tuple[int, str | None]:
        """The longest alias, spelled-out acronym or joined pair starting at ``forms[i]``
        (length 1: none). At most :data:`MAX_PHRASE_WORDS` words are read."""
        if forms[i] in self._phrase_starts:
            for length in (4, 3, 2):
                key = tuple(forms[i : i + length])
                if len(key) == length and key in self._phrases:
                    return length, self._phrases[key]
        if i + 1 < len(forms):
            if (forms[i], letter_pair_key(forms[i + 1])) in self.acronym_pairs:
                length, term = spelled_at(self.tables, forms, i)
                if term is not None:
                    return length, term
            if i + 2 < len(forms) and (forms[i + 1], forms[i + 2]) in self.ending_pairs:
                length, term = compound_at(self.tables, forms, i)
                if term is not None:
                    return length, term
        if i + 1 < len(forms) and self.joins:
            joined = self._remembered_joined_term(forms[i], forms[i + 1])
            if joined is not None:
                return 2, joined
        return 1, None

    def _remembered_joined_term(self, first: str, second: str) -> str | None:
        """A pair's joined term, for the pairs the indexer asks about, which repeat across a
        corpus (most pairs of a paragraph scan fail at the first test: not worth keeping)."""
        pair = (first, second)
        if pair not in self._pair_cache:
            if len(self._pair_cache) >= TERM_CACHE_SIZE:
                self._pair_cache.clear()
            self._pair_cache[pair] = self._split.joined_term(first, second)
        return self._pair_cache[pair]

    def starts_phrase(self, form: str) -> bool:
        """Whether an admin alias phrase starts with ``form``."""
        return form in self._phrase_starts

    @property
    def phrase_terms(self) -> list[str]:
        """The terms admin alias phrases index as."""
        return list(dict.fromkeys(self._phrases.values()))
