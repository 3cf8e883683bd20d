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

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.analysis.bulk import map_chunks, shared
from retrieval.analysis.pairs import SplitPairs, split_pairs
from retrieval.analysis.phrases import (
    ACRONYM_LETTERS,
    NAME_TAIL,
    letter_pairs,
    name_flags,
)
from retrieval.analysis.steps import AnalysisSettings
from retrieval.analysis.tokenizer import ARABIC, LATIN
from retrieval.analysis.words import WordFilters, first_latin, is_dropped
from retrieval.stemming import light10, stem_latin, strip_proclitics
from retrieval.stopwords import STOPWORDS
from retrieval.tables import Array, CodePoints, Lists, Map, StringList, keys_of, piece_keys
from retrieval.transliteration import (
    Skeleton,
    arabic_consonants,
    arabic_skeleton,
    latin_skeleton,
    latin_sounds,
)

_LATIN_START = re.compile("[a-z]")
_ACRONYM = re.compile(f"[a-z]{{1,{ACRONYM_LETTERS}}}[0-9]*")
# Skeletons of names looked up again and again (a question's Latin words, paragraph pairs).
_NAME_CACHE_SIZE = 1 << 14

# One reading of an Arabic word as a possible name: (spelling, its consonant classes, the Latin
# term it transliterates or None, how many vowels it writes). Only spellings with a skeleton.
Spelling = tuple[str, str, str | None, int]


class DictNames:
    """:class:`NameTables` in dicts, as the build makes them."""

    def __init__(self) -> None:
        self.latin_names: dict[str, list[tuple[Skeleton, str]]] = {}
        self.vowels_written: dict[str, int] = {}
        self.latin_terms: frozenset[str] = frozenset()
        self.arabic_names: dict[str, list[tuple[str, str]]] = {}  # consonants → (spelling, term)

    def latin(self, consonants: str) -> Sequence[tuple[Skeleton, str]]:
        return self.latin_names.get(consonants, ())

    def vowels(self, latin: str) -> int:
        return self.vowels_written.get(latin, 0)

    def is_latin_term(self, term: str) -> bool:
        return term in self.latin_terms

    def arabic(self, consonants: str) -> Iterator[tuple[Skeleton, str]]:
        for spelling, term in self.arabic_names.get(consonants, ()):
            skeleton = arabic_skeleton(spelling)
            if skeleton is not None:
                yield skeleton, term


class ArrayNames:
    """:class:`NameTables` over the arrays a snapshot holds."""

    def __init__(self, latin: Lists, latin_terms: Map, arabic: Lists, terms: StringList) -> None:
        self._latin = latin
        self._latin_terms = latin_terms
        self._arabic = arabic
        self._terms = terms
        self._latin_found: dict[str, list[tuple[Skeleton, str]]] = {}

    def latin(self, consonants: str) -> Sequence[tuple[Skeleton, str]]:
        found = self._latin_found.get(consonants)
        if found is None:
            rows = self._latin.find(consonants)
            found = []
            for form, term in zip(
                self._latin.values("form", rows), self._latin.values("term", rows), strict=True
            ):
                skeleton = latin_skeleton(form)
                if skeleton is not None:
                    found.append((skeleton, term))
            if len(self._latin_found) >= _NAME_CACHE_SIZE:
                self._latin_found.clear()
            self._latin_found[consonants] = found
        return found

    def vowels(self, latin: str) -> int:
        row = self._latin_terms.find(latin)
        return self._latin_terms.value("vowels", row) if row >= 0 else 0

    def is_latin_term(self, term: str) -> bool:
        return self._latin_terms.find(term) >= 0

    def arabic(self, consonants: str) -> Iterator[tuple[Skeleton, str]]:
        rows = self._arabic.find(consonants)
        if not rows:
            return
        spellings = self._arabic.columns["spelling"]
        for i, term_id in zip(rows, self._arabic.values("term", rows), strict=True):
            skeleton = arabic_skeleton(spellings[i])  # type: ignore[index]
            if skeleton is not None:
                yield skeleton, self._terms[term_id]


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

    def has_form(self, form: str) -> bool:
        return self.forms.find(form) >= 0

    def has_name(self, consonants: str) -> bool:
        return consonants in self.name_tables[0]

    def acronym(self, letters: str) -> str | None:
        row = self.acronym_table.find(letters)
        return self.terms[self.acronym_table.value("term", row)] if row >= 0 else None

    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
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
        arabic = Lists.from_arrays("arabic", arrays, {"spelling": None, "term": np.int32})
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

        The term of every word is computed once here, on every core for a large collection:
        by :class:`WordFilters` over the tables as dicts, in phases, since the later tables
        depend on the earlier ones over the whole vocabulary.
        """
        return _Builder(list(forms), np.asarray(counts, dtype=np.int64), settings).build(aliases)


class _BuildTables:
    """The split-name and acronym tables as the build has them (dicts and sets), for
    analysing alias spellings before the arrays exist."""

    def __init__(self, forms: set[str], names: DictNames) -> None:
        self.forms = forms
        self._names = names
        self.heads = {key[:cut] for key in names.latin_names for cut in range(len(key) + 1)}
        self.acronyms: dict[str, str] = {}
        self.compound_lists: dict[str, list[tuple[str, str]]] = {}
        self.acronym_pairs: frozenset[tuple[str, str]] = frozenset()
        self.ending_pairs: frozenset[tuple[str, str]] = frozenset()

    def has_form(self, form: str) -> bool:
        return form in self.forms

    def has_name(self, consonants: str) -> bool:
        return consonants in self._names.latin_names

    def acronym(self, letters: str) -> str | None:
        return self.acronyms.get(letters)

    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
        return [(latin_sounds(head), term) for head, term in self.compound_lists.get(ending, ())]

    def flags(self, form: str) -> int:
        if form in STOPWORDS:
            return 0
        return NAME_TAIL | name_flags(form, self.heads.__contains__)


class _BuildView:
    """The chain's tables half-way through a build (:class:`retrieval.analysis.Tables`)."""

    def __init__(
        self,
        settings: AnalysisSettings,
        filters: WordFilters,
        tables: _BuildTables,
        phrases: Phrases,
        names: DictNames,
    ) -> None:
        self.settings = settings
        self.filters = filters
        self.names = names
        self._tables = tables
        self.phrases = phrases.phrases
        self.phrase_starts = frozenset(words[0] for words in self.phrases)
        self.acronym_pairs = phrases.acronym_pairs
        self.ending_pairs = phrases.ending_pairs
        self.empty_corpus = not tables.forms

    def entry(self, form: str) -> tuple[str | None, int]:
        return self.filters.term(form), self._tables.flags(form)

    def has_form(self, form: str) -> bool:
        return self._tables.has_form(form)

    def has_name(self, consonants: str) -> bool:
        return self._tables.has_name(consonants)

    def acronym(self, letters: str) -> str | None:
        return self._tables.acronym(letters)

    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
        return self._tables.compounds(ending)


def _lexicon_keys(forms: Sequence[str]) -> list[str]:
    return [light10(form) for form in forms]


def _arabic_readings(forms: Sequence[str]) -> list[tuple[str, tuple[Spelling, ...]]]:
    """(proclitics off, the spellings that may be names) of Arabic words, over the shared
    lexicon and Latin names (:func:`retrieval.analysis.bulk.shared`)."""
    lexicon, names = shared("lexicon"), shared("names")
    latin_keys = names.latin_names
    readings = []
    for form in forms:
        base = strip_proclitics(form, lexicon)
        spellings = []
        for spelling in (base, form) if base != form else (form,):
            consonants = arabic_consonants(spelling)
            if consonants is None:
                continue
            latin, gaps = None, 0
            if consonants in latin_keys:  # only then can it transliterate a corpus name
                skeleton = arabic_skeleton(spelling)
                assert skeleton is not None  # arabic_consonants said it has one
                latin, gaps = first_latin(names, skeleton), len(skeleton.vowel_gaps)
            spellings.append((spelling, consonants, latin, gaps))
        readings.append((base, tuple(spellings)))
    return readings


class _Builder:
    """One vocabulary build: the phases of :meth:`Vocabulary.build`."""

    def __init__(
        self, forms: list[str], counts: npt.NDArray[np.int64], settings: AnalysisSettings
    ) -> None:
        self.forms = forms
        self.counts = counts
        self.settings = settings
        # Counter.most_common's order: by count, ties in the order first seen.
        self.common = np.lexsort((np.arange(len(forms)), -counts)).tolist()
        self.names = DictNames()
        self.lexicon: dict[str, int] = {}
        self.latin_entries: list[tuple[str, str, str]] = []  # consonants, form, term

    def build(self, aliases: Iterable[list[str]]) -> Vocabulary:
        settings, forms = self.settings, self.forms
        arabic = [i for i, form in enumerate(forms) if ARABIC.fullmatch(form)]
        if settings.on("proclitics"):
            self._lexicon(arabic)
        if settings.on("names"):
            self._latin_names()
        drop = settings.on("stopwords")
        # Every Arabic word a table or a term needs read (function words only for terms).
        read = [i for i in arabic if not (drop and forms[i] in STOPWORDS)]
        readings = map_chunks(
            _arabic_readings,
            [forms[i] for i in read],
            {"lexicon": self.lexicon, "names": self.names},
        )
        reading_of = dict(zip(read, readings, strict=True))
        filters = WordFilters(settings, self.lexicon, self.names, {})
        if settings.on("names"):
            self._arabic_names(reading_of, filters)
        terms = self._terms(reading_of, filters)
        tables = _BuildTables(set(forms), self.names)
        phrases = Phrases({}, {}, frozenset(), frozenset())
        if settings.on("acronyms"):
            self._acronyms(tables, terms)
        if settings.on("aliases"):
            groups = list(aliases)
            if groups:
                phrases = self._aliases(groups, tables, filters)
                filters = WordFilters(settings, self.lexicon, self.names, phrases.word_aliases)
                terms = self._aliased_terms(terms, phrases.word_aliases, filters)
                if settings.on("acronyms"):
                    self._acronyms(tables, terms)
        phrases.acronym_pairs, phrases.ending_pairs = tables.acronym_pairs, tables.ending_pairs
        return self._vocabulary(terms, tables, phrases)

    def _lexicon(self, arabic: list[int]) -> None:
        """``proclitics``: how often each light10 stem occurs. Function words would make every
        ك/ل look like a proclitic (كلمة → ك + لم)."""
        chosen = [i for i in arabic if self.forms[i] not in STOPWORDS]
        keys = map_chunks(_lexicon_keys, [self.forms[i] for i in chosen])
        lexicon: Counter[str] = Counter()
        for key, count in zip(keys, self.counts[chosen].tolist(), strict=True):
            lexicon[key] += count
        self.lexicon = dict(lexicon)

    def _latin_names(self) -> None:
        """``names``: the corpus's Latin words by consonant skeleton, most frequent first."""
        names, stem = self.names, self.settings.on("stemming")
        for i in self.common:
            form = self.forms[i]
            if form in STOPWORDS or not LATIN.fullmatch(form):
                continue
            if skeleton := latin_skeleton(form):
                term = stem_latin(form) if stem else form
                names.latin_names.setdefault(skeleton.consonants, []).append((skeleton, term))
                self.latin_entries.append((skeleton.consonants, form, term))
        names.latin_terms = frozenset(
            term for entries in names.latin_names.values() for _, term in entries
        )

    def _arabic_names(
        self, reading_of: dict[int, tuple[str, tuple[Spelling, ...]]], filters: WordFilters
    ) -> None:
        """``names``: how many vowels the corpus's best spelling of each Latin name writes,
        and the Arabic words (read without proclitics first, as a question word is: the و of
        وأمريكي is no vowel of America) that stand for no name, most frequent first."""
        names = self.names
        ordered = [reading_of[i] for i in self.common if i in reading_of]
        ordered = [(base, spellings) for base, spellings in ordered if spellings]
        for _, spellings in ordered:
            for _, _, latin, gaps in spellings:
                if latin is not None:
                    names.vowels_written[latin] = max(names.vowels_written.get(latin, 0), gaps)
                    break
        for base, spellings in ordered:
            term = filters.stemmed(base)
            for spelling, consonants, latin, gaps in spellings:
                if latin is None or gaps < names.vowels(latin):
                    names.arabic_names.setdefault(consonants, []).append((spelling, term))

    def _terms(
        self, reading_of: dict[int, tuple[str, tuple[Spelling, ...]]], filters: WordFilters
    ) -> list[str | None]:
        """The term of every word, as :meth:`WordFilters.term` gives it (no aliases yet)."""
        names, drop = self.names, self.settings.on("stopwords")
        terms: list[str | None] = []
        for i, form in enumerate(self.forms):
            if drop and is_dropped(form):
                terms.append(None)
            elif (reading := reading_of.get(i)) is not None:
                base, spellings = reading
                # latin_match of the base's skeleton, else of the word's (WordFilters.term).
                latin = next(
                    (
                        found
                        for _, _, found, gaps in spellings
                        if found is not None and gaps >= names.vowels(found)
                    ),
                    None,
                )
                terms.append(latin or filters.stemmed(base))
            elif LATIN.fullmatch(form):
                terms.append(filters.term(form))
            else:
                terms.append(form)
        return terms

    def _acronyms(self, tables: _BuildTables, terms: list[str | None]) -> None:
        """``acronyms``: the corpus's Latin words that Arabic spells out, at least in part, by
        their letters: acronyms (جي بي تي = GPT) and names ending in one (أوبن إيه آي = OpenAI)."""
        tables.acronyms = {}
        tables.compound_lists = {}
        for form, term in zip(self.forms, terms, strict=True):
            if term is None or not _LATIN_START.match(form) or form in STOPWORDS:
                continue
            if _ACRONYM.fullmatch(form) and len(form) >= 2:
                tables.acronyms.setdefault(form, term)
                tables.acronyms.setdefault(stem_latin(form), term)  # GPUs: جي بي يو
            if LATIN.fullmatch(form):
                for cut in range(max(2, len(form) - ACRONYM_LETTERS), len(form) - 1):
                    head, tail = form[:cut], form[cut:]
                    if set(head) & set("aeiou"):
                        tables.compound_lists.setdefault(tail, []).append((head, term))
        # Letter names are common words too (في، أو، أن): a run is only worth reading where
        # its first two could begin a corpus acronym, or a spelled ending of a corpus name.
        tables.acronym_pairs = letter_pairs(tables.acronyms)
        tables.ending_pairs = letter_pairs(tables.compound_lists)

    def _aliases(
        self, groups: list[list[str]], tables: _BuildTables, filters: WordFilters
    ) -> Phrases:
        """``aliases``: each group's spellings index as the terms of its first spelling, read
        with the groups before it in force."""
        from retrieval.analysis import Analyzer  # the chain itself reads the spellings

        phrases = Phrases({}, {}, tables.acronym_pairs, tables.ending_pairs)
        for spellings in groups:
            current = WordFilters(self.settings, self.lexicon, self.names, phrases.word_aliases)
            analyzer = Analyzer(_BuildView(self.settings, current, tables, phrases, self.names))
            canonical = analyzer.terms(spellings[0])
            if not canonical:
                continue
            term = "_".join(canonical)
            for spelling in spellings:
                words = tuple(word.form for word in analyzer.tokenizer.words(spelling))
                if len(words) == 1:
                    phrases.word_aliases[words[0]] = term
                elif words:
                    phrases.phrases[words] = term
        return phrases

    def _aliased_terms(
        self, terms: list[str | None], aliases: dict[str, str], filters: WordFilters
    ) -> list[str | None]:
        """Terms again where a one-word alias spelling decides them (the word, or the word
        without its proclitics)."""
        if not aliases:
            return terms
        candidates = _alias_candidates(self.forms, aliases)
        terms = list(terms)
        for i in candidates:
            terms[i] = filters.term(self.forms[i])
        return terms

    def _vocabulary(
        self, terms: list[str | None], tables: _BuildTables, phrases: Phrases
    ) -> Vocabulary:
        """The tables as arrays."""
        term_ids: dict[str, int] = {}
        form_terms = [-1 if t is None else term_ids.setdefault(t, len(term_ids)) for t in terms]
        names = self.names

        def term_id(term: str) -> int:
            return term_ids.setdefault(term, len(term_ids))

        arabic_keys, arabic_spellings, arabic_terms = [], [], []
        for consonants, entries in names.arabic_names.items():
            for spelling, term in entries:
                arabic_keys.append(consonants)
                arabic_spellings.append(spelling)
                arabic_terms.append(term_id(term))
        latin_keys = [consonants for consonants, _, _ in self.latin_entries]
        latin_forms = [form for _, form, _ in self.latin_entries]
        latin_terms = [term for _, _, term in self.latin_entries]
        acronym_keys = list(tables.acronyms)
        acronym_terms = [term_id(tables.acronyms[key]) for key in acronym_keys]
        compound_keys, compound_heads, compound_terms = [], [], []
        for tail, entries in tables.compound_lists.items():
            for head, term in entries:
                compound_keys.append(tail)
                compound_heads.append(head)
                compound_terms.append(term_id(term))
        lexicon_keys = list(self.lexicon)
        latin_term_keys = sorted(names.latin_terms)
        pairs = split_pairs(self.forms, names.latin_names)
        built = Vocabulary(
            self.settings,
            Map.build(
                self.forms,
                {"term": (form_terms, np.int32), "flags": (pairs.flags, np.uint8)},
            ),
            StringList.build(term_ids),
            Map.build(
                lexicon_keys,
                {"count": ([self.lexicon[k] for k in lexicon_keys], np.int64)},
            ),
            (
                Lists.build(
                    latin_keys, {"form": (latin_forms, None), "term": (latin_terms, None)}
                ),
                Map.build(
                    latin_term_keys,
                    {"vowels": ([names.vowels(t) for t in latin_term_keys], np.int32)},
                ),
                Lists.build(
                    arabic_keys,
                    {"spelling": (arabic_spellings, None), "term": (arabic_terms, np.int32)},
                ),
            ),
            Map.build(acronym_keys, {"term": (acronym_terms, np.int32)}),
            Lists.build(
                compound_keys,
                {"head": (compound_heads, None), "term": (compound_terms, np.int32)},
            ),
            Map.build(sorted(tables.heads), {}),
            phrases,
        )
        built.pairs = pairs  # for the bulk indexer; a loaded vocabulary has none
        return built


def _alias_candidates(forms: Sequence[str], aliases: dict[str, str]) -> list[int]:
    """Words that are an alias spelling, or one behind a proclitic stack (four letters at most):
    found by key, every candidate then read by the filters."""
    points = CodePoints.of(forms)
    lengths = points.lengths
    wanted = keys_of(list(aliases))
    found = np.zeros(len(forms), dtype=bool)
    for cut in range(5):
        owners = np.flatnonzero(lengths > cut)
        keys = piece_keys(points, owners, np.full(len(owners), cut), lengths[owners])
        found[owners[np.isin(keys, wanted)]] = True
    return np.flatnonzero(found).tolist()
