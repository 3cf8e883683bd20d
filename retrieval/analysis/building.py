"""Building a collection's :class:`~retrieval.analysis.vocabulary.Vocabulary`: every distinct
word analysed once, mostly as arrays.

The tables depend on each other over the whole vocabulary (the ``proclitics`` lexicon counts
every word's light10 stem; which Arabic words stand for a Latin name depends on the best
spelling of that name anywhere), so the build runs in phases. The per-word rules run over all
Arabic words at once (:mod:`retrieval.analysis.stems`, consonant strings by key); Python looks
only at what is rare: the Latin words, the few Arabic spellings whose consonants are a Latin
name's, admin alias spellings. The result is exactly what :class:`WordFilters` gives each word
over the finished tables (a test holds the two equal).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from retrieval.analysis.pairs import _CLASS_CODE, split_pairs
from retrieval.analysis.phrases import ACRONYM_LETTERS, NAME_TAIL, letter_pairs, name_flags
from retrieval.analysis.stems import Lexicon, Spans, strip_article, strip_proclitics
from retrieval.analysis.stems import strip_suffixes as strip_suffix_spans
from retrieval.analysis.steps import AnalysisSettings
from retrieval.analysis.tokenizer import ARABIC, LATIN
from retrieval.analysis.vocabulary import Phrases, Vocabulary
from retrieval.analysis.words import WordFilters, first_latin
from retrieval.heap import release_freed_memory
from retrieval.keys import (
    STRINGS_AT_ONCE,
    CodePoints,
    key_of,
    keys_of,
    piece_keys,
    rows_of,
)
from retrieval.stemming import stem_latin
from retrieval.stopwords import STOPWORDS
from retrieval.tables import Lists, Map, StringList
from retrieval.transliteration import (
    LONG_SKELETON,
    MASK_GAPS,
    VOWEL_LETTERS,
    Skeleton,
    arabic_skeleton,
    latin_skeleton,
    latin_sounds,
    transliterates,
)

_LATIN_START = re.compile("[a-z]")
_ACRONYM = re.compile(f"[a-z]{{1,{ACRONYM_LETTERS}}}[0-9]*")
_AIN = ord("ع")
_VOWEL_CODES = [ord(letter) for letter in "اويءؤئ"]


class DictNames:
    """:class:`~retrieval.analysis.words.NameTables` as the build has them: the Latin names in
    dicts, the Arabic words in arrays (:class:`ArabicNames`) once they exist."""

    def __init__(self) -> None:
        self.latin_names: dict[str, list[tuple[Skeleton, str]]] = {}
        self.vowels_written: dict[str, int] = {}
        self.latin_terms: frozenset[str] = frozenset()
        self.arabic_names: ArabicNames | None = None

    def latin(self, consonants: str) -> Sequence[tuple[Skeleton, str]]:
        return self.latin_names.get(consonants, ())

    def vowels(self, latin: str) -> int:
        return self.vowels_written.get(latin, 0)

    def is_latin_term(self, term: str) -> bool:
        return term in self.latin_terms

    def arabic_match(self, latin: Skeleton) -> str | None:
        return self.arabic_names.match(latin) if self.arabic_names is not None else None


class ArabicNames:
    """The corpus's Arabic words that stand for no Latin name, by consonant string, most
    frequent first: (consonants, spelling, term, vowel mask) entries in that order."""

    def __init__(
        self,
        consonants: list[str],
        spellings: list[str],
        terms: list[str],
        masks: npt.NDArray[np.uint64],
    ) -> None:
        self.consonants = consonants
        self.spellings = spellings
        self.terms = terms
        self.masks = masks
        keys = keys_of(consonants)
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]

    def match(self, latin: Skeleton) -> str | None:
        key = np.asarray([key_of(latin.consonants)], dtype=np.uint64)
        lo = int(np.searchsorted(self._keys, key, "left")[0])
        hi = int(np.searchsorted(self._keys, key, "right")[0])
        for i in self._order[lo:hi].tolist():
            if self.consonants[i] == latin.consonants:
                skeleton = arabic_skeleton(self.spellings[i])
                if skeleton is not None and transliterates(skeleton, latin):
                    return self.terms[i]
        return None


class _BuildTables:
    """The split-name and acronym tables as the build has them (dicts and sets), for
    analysing alias spellings before the arrays exist."""

    def __init__(self, forms: list[str], names: DictNames) -> None:
        self.forms = forms
        self._form_set: set[str] | None = None  # only alias spellings ask: made when one does
        self._names = names
        self.heads = {key[:cut] for key in names.latin_names for cut in range(len(key) + 1)}
        self.acronyms: dict[str, str] = {}
        self.compound_lists: dict[str, list[tuple[str, str]]] = {}
        self.acronym_pairs: frozenset[tuple[str, str]] = frozenset()
        self.ending_pairs: frozenset[tuple[str, str]] = frozenset()

    def has_joined(self, key: int, first: str, second: str) -> bool:
        if self._form_set is None:
            self._form_set = set(self.forms)
        return first + second in self._form_set

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

    def has_joined(self, key: int, first: str, second: str) -> bool:
        return self._tables.has_joined(key, first, second)

    def has_name(self, consonants: str) -> bool:
        return self._tables.has_name(consonants)

    def acronym(self, letters: str) -> str | None:
        return self._tables.acronym(letters)

    def compounds(self, ending: str) -> Sequence[tuple[Skeleton, str]]:
        return self._tables.compounds(ending)


class _Spellings:
    """Readings of Arabic words as possible names (each word without its proclitics, then as
    written where that differs): arrays, one entry per spelling that has a skeleton."""

    def __init__(
        self,
        word: npt.NDArray[np.int64],
        start: npt.NDArray[np.int64],
        written: npt.NDArray[np.bool_],
        consonant_start: npt.NDArray[np.int64],
        keys: npt.NDArray[np.uint64],
        masks: npt.NDArray[np.uint64],
        consonants: tuple[npt.NDArray[np.uint16], npt.NDArray[np.int64]],
    ) -> None:
        self.word = word  # the word (index into the forms)
        self.start = start  # where the spelling starts in it (it always ends where it ends)
        self.written = written  # the word as written, a second spelling after its reading
        self.consonant_start = consonant_start  # where its consonants start among its word's
        self.keys = keys  # of the consonant strings
        self.masks = masks  # written vowels (vowel_mask)
        # Every word's consonant classes, one word after another, and where each word's start.
        self.consonants = consonants
        self.latin: list[str | None] = [None] * len(word)  # the Latin name it transliterates
        self.gaps = np.zeros(len(word), dtype=np.int64)  # vowels it writes (name candidates)

    def consonant_strings(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The consonant string (class letters) of each chosen spelling."""
        codes, word_starts = self.consonants
        text = codes.astype(np.uint32).tobytes().decode("utf-32-le")
        starts = word_starts[self.word[rows]] + self.consonant_start[rows]
        ends = word_starts[self.word[rows] + 1]
        return [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _before(mask: npt.NDArray[np.bool_], dtype: type = np.int64) -> npt.NDArray:
    """How many of ``mask`` are set before each position (``len(mask) + 1`` entries)."""
    total = np.zeros(len(mask) + 1, dtype=dtype)
    np.cumsum(mask, out=total[1:])
    return total


def _spelling_run(
    points: CodePoints, words: npt.NDArray[np.int64], base: npt.NDArray[np.int64], offset: int
) -> tuple[list[tuple[npt.NDArray, ...]], npt.NDArray[np.uint16], npt.NDArray[np.int64]]:
    """:meth:`_Builder._spellings` over a run of strings (``points``; ``words`` index them,
    the entries' words are numbered from ``offset``): the entries of ``words`` read from
    ``base`` and (where it is not 0) as written, and the consonant classes of every string of
    the run and where each string's start."""
    codes, starts = points.codes, points.starts
    heh_last = np.zeros(len(codes), dtype=bool)
    ends = starts[1:][points.lengths > 0] - 1
    heh_last[ends] = codes[ends] == ord("ه")  # a final ه (ة) is no consonant
    classes = _CLASS_CODE[np.minimum(codes, 0xFFFF)]
    classes[(codes > 0xFFFF) | heh_last] = 0
    keep = classes > 0
    kept = _before(keep)
    ain = _before(codes == _AIN, np.int32)
    vowel = _before(np.isin(codes, _VOWEL_CODES), np.int32)
    consonants = CodePoints(classes[keep], kept[starts])
    groups = []
    written = base > 0
    for owners, start in ((words, base), (words[written], np.zeros(int(written.sum()), np.int64))):
        first = starts[owners] + start
        last = starts[owners + 1]
        count = kept[last] - kept[first]
        valid = (ain[last] == ain[first]) & (count >= 3)
        valid &= (count > 3) | (vowel[last] > vowel[first])
        rows = np.flatnonzero(valid)
        owners, first, last = owners[rows], first[rows], last[rows]
        consonant_start = kept[first] - kept[starts[owners]]
        groups.append(
            (
                owners + offset,
                start[rows],
                consonant_start,
                piece_keys(consonants, owners, consonant_start, consonant_start + count[rows]),
                _vowel_masks(points, owners, first, last, kept),
            )
        )
    return groups, consonants.codes.astype(np.uint16), consonants.starts[:-1]


def build_vocabulary(
    forms: Sequence[str],
    counts: npt.NDArray[np.int64],
    aliases: Iterable[list[str]],
    settings: AnalysisSettings,
) -> Vocabulary:
    """See :meth:`Vocabulary.build`."""
    return _Builder(list(forms), np.asarray(counts, dtype=np.int64), settings).build(aliases)


class _Builder:
    """One vocabulary build, phase by phase."""

    def __init__(
        self, forms: list[str], counts: npt.NDArray[np.int64], settings: AnalysisSettings
    ) -> None:
        count = len(forms)
        self.forms = forms
        self.counts = counts
        self.settings = settings
        self.points = CodePoints.of(forms)
        # Counter.most_common's order: by count, ties in the order first seen.
        self.common = np.lexsort((np.arange(count), -counts))
        self.rank = np.empty(count, dtype=np.int64)
        self.rank[self.common] = np.arange(count, dtype=np.int64)
        self.stop = np.fromiter((form in STOPWORDS for form in forms), bool, count)
        self.arabic = np.fromiter((bool(ARABIC.fullmatch(form)) for form in forms), bool, count)
        self.names = DictNames()
        self.lexicon: dict[str, int] = {}
        self.latin_entries: list[tuple[str, str, str]] = []  # consonants, form, term

    def build(self, aliases: Iterable[list[str]]) -> Vocabulary:
        settings = self.settings
        drop = settings.on("stopwords")
        words = np.flatnonzero(self.arabic & ~self.stop)  # what the tables count
        read = np.flatnonzero(self.arabic & ~(self.stop & drop))  # what needs a term
        if settings.on("proclitics"):
            self._lexicon(words)
        if settings.on("names"):
            self._latin_names()
        terms = self._read_words(read)
        release_freed_memory()  # the per-word tables of the readings, hundreds of MB
        tables = _BuildTables(self.forms, self.names)
        phrases = Phrases({}, {}, frozenset(), frozenset())
        if settings.on("acronyms"):
            self._acronyms(tables, terms)
        if settings.on("aliases"):
            groups = list(aliases)
            if groups:
                phrases = self._aliases(groups, tables)
                filters = WordFilters(settings, self.lexicon, self.names, phrases.word_aliases)
                terms = self._aliased_terms(terms, phrases.word_aliases, filters)
                if settings.on("acronyms"):
                    self._acronyms(tables, terms)
        phrases.acronym_pairs, phrases.ending_pairs = tables.acronym_pairs, tables.ending_pairs
        return self._vocabulary(terms, tables, phrases)

    def _read_words(self, read: npt.NDArray[np.int64]) -> list[str | None]:
        """Every word's term (no aliases yet), the Arabic ``read`` ones through their readings
        without proclitics, stems and name spellings: per-word tables of the whole vocabulary,
        gone when this returns, before the tables of the result are built."""
        settings = self.settings
        if self.lexicon:
            lexicon = Lexicon.of(list(self.lexicon), list(self.lexicon.values()))
            base = strip_proclitics(self.points, read, lexicon)
        else:  # strip_proclitics over an empty lexicon keeps light10's own reading
            base = strip_article(self.points, read).start
        spans = Spans(read, base, self.points.lengths[read].copy(), np.zeros(len(read), bool))
        if settings.on("stemming"):
            spans = strip_suffix_spans(self.points, spans)
        # Each read word's stem, by word (a list: a dict of two million numbered words holds
        # a few hundred MB more).
        stem_of: list[str | None] = [None] * len(self.forms)
        for i, stem in zip(read.tolist(), spans.strings(self.forms), strict=True):
            stem_of[i] = stem
        del spans
        spellings = self._spellings(read, base)
        release_freed_memory()  # the spellings' work arrays, before the names' lists
        if settings.on("names"):
            self._arabic_names(spellings, stem_of)
        return self._terms(spellings, stem_of, WordFilters(settings, self.lexicon, self.names, {}))

    def _lexicon(self, words: npt.NDArray[np.int64]) -> None:
        """``proclitics``: how often each light10 stem occurs. Function words would make every
        ك/ل look like a proclitic (كلمة → ك + لم)."""
        stems = strip_suffix_spans(self.points, strip_article(self.points, words))
        lexicon: Counter[str] = Counter()
        for stem, count in zip(
            stems.strings(self.forms), self.counts[words].tolist(), strict=True
        ):
            lexicon[stem] += count
        self.lexicon = dict(lexicon)

    def _latin_names(self) -> None:
        """``names``: the corpus's Latin words by consonant skeleton, most frequent first."""
        names, stem = self.names, self.settings.on("stemming")
        for i in self.common.tolist():
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

    def _spellings(self, read: npt.NDArray[np.int64], base: npt.NDArray[np.int64]) -> _Spellings:
        """Each read word's spellings that have a skeleton (:func:`arabic_consonants`), keyed
        by their consonant string; those whose consonants are a corpus Latin name's are read
        in full (:func:`first_latin`), the rest need not be.

        A run of :data:`STRINGS_AT_ONCE` words at a time: the work arrays hold a dozen
        entries per code point, gigabytes for a couple of million words at once.
        """
        runs = []
        codes, starts = [], []
        consonants_before = 0
        for at in range(0, max(len(self.forms), 1), STRINGS_AT_ONCE):
            end = min(at + STRINGS_AT_ONCE, len(self.forms))
            lo, hi = np.searchsorted(read, [at, end]).tolist()
            groups, run_codes, run_starts = _spelling_run(
                self.points.window(at, end), read[lo:hi] - at, base[lo:hi], at
            )
            runs.append(groups)
            codes.append(run_codes)
            starts.append(run_starts + consonants_before)
            consonants_before += len(run_codes)
        starts.append(np.asarray([consonants_before], dtype=np.int64))
        # Every word's reading first, then the written spellings (as the entries were made).
        parts = [run[0] for run in runs] + [run[1] for run in runs]
        found = _Spellings(
            np.concatenate([part[0] for part in parts]),
            np.concatenate([part[1] for part in parts]),
            np.concatenate([np.full(len(p[0]), k >= len(runs)) for k, p in enumerate(parts)]),
            np.concatenate([part[2] for part in parts]),
            np.concatenate([part[3] for part in parts]),
            np.concatenate([part[4] for part in parts]),
            (np.concatenate(codes), np.concatenate(starts)),
        )
        if self.names.latin_names:
            name_keys = np.sort(keys_of(list(self.names.latin_names)))
            for i in np.flatnonzero(rows_of(name_keys, found.keys) >= 0).tolist():
                spelling = self.forms[int(found.word[i])][int(found.start[i]) :]
                skeleton = arabic_skeleton(spelling)
                if skeleton is not None:
                    found.latin[i] = first_latin(self.names, skeleton)
                    found.gaps[i] = len(skeleton.vowel_gaps)
        return found

    def _arabic_names(self, spellings: _Spellings, stem_of: list[str | None]) -> None:
        """``names``: how many vowels the corpus's best spelling of each Latin name writes,
        and the Arabic words (read without proclitics first, as a question word is: the و of
        وأمريكي is no vowel of America) that stand for no name, most frequent first."""
        names = self.names
        # Spellings of the words the tables count, most frequent word first, its reading
        # without proclitics before it as written.
        counted = ~self.stop[spellings.word]
        order = np.lexsort((spellings.written, self.rank[spellings.word]))
        order = order[counted[order]]
        scored: set[int] = set()
        for i in order.tolist():
            latin = spellings.latin[i]
            word = int(spellings.word[i])
            if latin is not None and word not in scored:
                names.vowels_written[latin] = max(
                    names.vowels_written.get(latin, 0), int(spellings.gaps[i])
                )
                scored.add(word)
        entries = [
            i
            for i in order.tolist()
            if spellings.latin[i] is None or spellings.gaps[i] < names.vowels(spellings.latin[i])  # type: ignore[arg-type]
        ]
        picked = np.asarray(entries, dtype=np.int64)
        names.arabic_names = ArabicNames(
            spellings.consonant_strings(picked),
            [self.forms[int(spellings.word[i])][int(spellings.start[i]) :] for i in entries],
            [stem_of[int(spellings.word[i])] or "" for i in entries],  # every one is read
            spellings.masks[picked],
        )

    def _terms(
        self, spellings: _Spellings, stem_of: list[str | None], filters: WordFilters
    ) -> list[str | None]:
        """The term of every word, as :meth:`WordFilters.term` gives it (no aliases yet): an
        Arabic word stands for the Latin name its reading without proclitics, else as
        written, transliterates with enough vowels; else it is its stem."""
        names, drop = self.names, self.settings.on("stopwords")
        latin_of: dict[int, str] = {}
        # Each word's first spelling (without proclitics, then as written) that names enough.
        for i in np.lexsort((spellings.written, spellings.word)).tolist():
            found, word = spellings.latin[i], int(spellings.word[i])
            if found is None or word in latin_of or spellings.gaps[i] < names.vowels(found):
                continue
            latin_of[word] = found
        terms: list[str | None] = []
        for i, form in enumerate(self.forms):
            if drop and (form in STOPWORDS or (len(form) == 1 and not form.isdigit())):
                terms.append(None)
            elif (stem := stem_of[i]) is not None:
                terms.append(latin_of.get(i) or stem)
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

    def _aliases(self, groups: list[list[str]], tables: _BuildTables) -> Phrases:
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
        terms = list(terms)
        for i in _alias_candidates(self.points, aliases):
            terms[i] = filters.term(self.forms[i])
        return terms

    def _vocabulary(
        self, terms: list[str | None], tables: _BuildTables, phrases: Phrases
    ) -> Vocabulary:
        """The tables as arrays."""
        term_ids: dict[str, int] = {}
        form_terms = np.fromiter(
            (-1 if t is None else term_ids.setdefault(t, len(term_ids)) for t in terms),
            np.int32,
            len(terms),
        )
        names = self.names

        def term_id(term: str) -> int:
            return term_ids.setdefault(term, len(term_ids))

        arabic = names.arabic_names or ArabicNames([], [], [], np.zeros(0, np.uint64))
        arabic_terms = [term_id(term) for term in arabic.terms]
        acronym_keys = list(tables.acronyms)
        acronym_terms = [term_id(tables.acronyms[key]) for key in acronym_keys]
        compound_keys, compound_heads, compound_terms = [], [], []
        for tail, entries in tables.compound_lists.items():
            for head, term in entries:
                compound_keys.append(tail)
                compound_heads.append(head)
                compound_terms.append(term_id(term))
        # Each table is built as soon as its inputs are final, and the Python lists and
        # dicts it came from dropped: at a million paragraphs they are hundreds of MB of
        # strings, and the end of this method is the indexing process's peak.
        arabic_table = Lists.build(
            arabic.consonants,
            {
                "spelling": (arabic.spellings, None),
                "term": (arabic_terms, np.int32),
                "mask": (arabic.masks, np.uint64),
            },
        )
        names.arabic_names = None
        del arabic, arabic_terms
        lexicon_keys = list(self.lexicon)
        lexicon_table = Map.build(
            lexicon_keys, {"count": ([self.lexicon[k] for k in lexicon_keys], np.int64)}
        )
        self.lexicon.clear()
        del lexicon_keys
        latin_term_keys = sorted(names.latin_terms)
        latin_tables = (
            Lists.build(
                [consonants for consonants, _, _ in self.latin_entries],
                {
                    "form": ([form for _, form, _ in self.latin_entries], None),
                    "term": ([term for _, _, term in self.latin_entries], None),
                },
            ),
            Map.build(
                latin_term_keys,
                {"vowels": ([names.vowels(t) for t in latin_term_keys], np.int32)},
            ),
            arabic_table,
        )
        release_freed_memory()
        pairs = split_pairs(self.forms, names.latin_names)
        release_freed_memory()  # the pairs' work arrays, before the tables' own
        built = Vocabulary(
            self.settings,
            Map.build(
                self.forms,
                {"term": (form_terms, np.int32), "flags": (pairs.flags, np.uint8)},
            ),
            StringList.build(term_ids),
            lexicon_table,
            latin_tables,
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


# Index of each Arabic vowel letter in VOWEL_LETTERS (-1: none), by code point.
_VOWEL_INDEX = np.full(0x10000, -1, dtype=np.int64)
for _i, _letter in enumerate(VOWEL_LETTERS):
    _VOWEL_INDEX[ord(_letter)] = _i


def _vowel_masks(
    points: CodePoints,
    word: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    kept: npt.NDArray[np.int64],
) -> npt.NDArray[np.uint64]:
    """:func:`vowel_mask` of the skeleton of each spelling (code points [first, last) of
    ``points``; ``kept`` counts consonants before each code point). As arabic_sounds reads a
    spelling: without a final ه and its leading alefs; a vowel's gap is the number of
    consonants before it.

    In chunks of spellings: the work arrays hold one entry per code point of the spellings
    read, a dozen of them, gigabytes at a couple of million words at once.
    """
    codes = points.codes
    # Where the alefs from each position end: the next non-alef at or after it.
    positions = np.where(codes == ord("ا"), len(codes), np.arange(len(codes)))
    next_other = np.minimum.accumulate(positions[::-1])[::-1]
    del positions
    masks = np.zeros(len(word), dtype=np.uint64)
    for at in range(0, len(word), _CHUNK):
        masks[at : at + _CHUNK] = _chunk_vowel_masks(
            codes, next_other, first[at : at + _CHUNK], last[at : at + _CHUNK], kept
        )
    return masks


# Spellings (or words) whose per-code-point work arrays exist at once: a few tens of MB.
_CHUNK = 1 << 16


def _chunk_vowel_masks(
    codes: npt.NDArray[np.int64],
    next_other: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    kept: npt.NDArray[np.int64],
) -> npt.NDArray[np.uint64]:
    """:func:`_vowel_masks` of some spellings (``next_other``: the next non-alef position)."""
    stop = last - (codes[np.maximum(last - 1, 0)] == ord("ه"))
    start = np.minimum(next_other[np.minimum(first, len(codes) - 1)], stop)
    size = stop - start
    owner = np.repeat(np.arange(len(first), dtype=np.int64), size)
    where = (
        start[owner]
        + np.arange(int(size.sum()), dtype=np.int64)
        - np.repeat(np.cumsum(size) - size, size)
    )
    letter = _VOWEL_INDEX[np.minimum(codes[where], 0xFFFF)]
    gap = kept[where] - kept[start[owner]]
    is_vowel = letter >= 0
    too_far = is_vowel & (gap >= MASK_GAPS)
    bits = np.where(is_vowel & ~too_far, gap * len(VOWEL_LETTERS) + letter, 0)
    values = np.where(is_vowel & ~too_far, np.left_shift(1, bits.astype(np.uint64)), 0)
    masks = np.zeros(len(first), dtype=np.uint64)
    filled = np.flatnonzero(size > 0)
    if len(filled):
        segment = (np.cumsum(size) - size)[filled]
        masks[filled] = np.bitwise_or.reduceat(values.astype(np.uint64), segment)
    long = np.zeros(len(first), dtype=bool)
    np.logical_or.at(long, owner[too_far], True)
    masks[long] = LONG_SKELETON
    return masks


def _alias_candidates(points: CodePoints, aliases: dict[str, str]) -> list[int]:
    """Words that are an alias spelling, or one behind a proclitic stack (four letters at most):
    found by key, every candidate then read by the filters."""
    lengths = points.lengths
    wanted = np.sort(keys_of(list(aliases)))
    found = np.zeros(len(lengths), dtype=bool)
    for cut in range(5):
        owners = np.flatnonzero(lengths > cut)
        keys = piece_keys(points, owners, np.full(len(owners), cut), lengths[owners])
        found[owners[rows_of(wanted, keys) >= 0]] = True
    return np.flatnonzero(found).tolist()
