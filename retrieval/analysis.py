"""One analyser for documents and queries: text → index terms with their character spans.

The same :class:`Analyzer` indexes the paragraphs and reads the questions, so a term can only
match if both sides spell it the same way after normalisation, stop words, stemming and
cross-script name folding. It is built from the corpus vocabulary (:meth:`Analyzer.from_texts`)
because four of its decisions are checked against what the articles actually say: whether a
leading ل ب ك ف is a proclitic, which Arabic spellings transliterate a Latin name the corpus
uses, whether two words are a split spelling of one (ديب سيك / ديبسيك), and whether a run of
Arabic letter names spells a Latin acronym the corpus uses (جي بي تي / GPT).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from retrieval.normalize import IN_WORD, NUMBER_SEPARATOR, normalize_arabic
from retrieval.stemming import (
    stem_latin,
    strip_proclitics,
    strip_suffixes,
    without_proclitics,
)
from retrieval.stopwords import STOPWORDS
from retrieval.transliteration import (
    LETTER_NAMES,
    Skeleton,
    arabic_skeleton,
    arabic_sounds,
    consonant_classes,
    latin_skeleton,
    latin_sounds,
    spelled_letters,
    transliterates,
)

# A raw word in the original text: letters/digits plus the marks that may sit inside a word
# (tashkeel, tatweel, accents, zero-width and bidi characters), so offsets stay exact.
# A separator between two digits is part of the number (١٢٬٥٠٠، 12.5).
_RAW_WORD = re.compile(f"(?:[^\\W_]|[{IN_WORD}]|{NUMBER_SEPARATOR})+")
# After normalisation a raw word may still mix scripts (لـDeepSeek → لdeepseek): split it. A
# decimal number (12.5) is one run.
_SCRIPT_RUN = re.compile("[a-z0-9]+(?:\\.[0-9]+)*|[\u0621-\u064a]+|[^\\W_a-z0-9\u0621-\u064a]+")
_ARABIC = re.compile("[\u0621-\u064a]+")
# Distinct words whose terms are remembered (about 60 MB at most).
TERM_CACHE_SIZE = 1 << 18
_LATIN = re.compile("[a-z]+")
_LATIN_START = re.compile("[a-z]")
# A Latin word that Arabic may spell out letter by letter: an acronym, perhaps with a number
# after it (GPT, AI, R1, H100). Longer words are pronounced, not spelled.
_ACRONYM_LETTERS = 5
_ACRONYM = re.compile(f"[a-z]{{1,{_ACRONYM_LETTERS}}}[0-9]*")
# One-letter proclitics a split name may carry on its first half (بديب سيك، لديب سيك).
PAIR_PROCLITICS = frozenset("وفبلك")
# The longest run of words read as one term: an acronym of five letter names and a number.
MAX_PHRASE_WORDS = 6


def letter_pair_key(form: str) -> str | None:
    """How a word counts in the first two of a spelled-out run: a letter name as itself, a
    number by its first digit (آر 1 → R1), anything else not at all."""
    if form in LETTER_NAMES:
        return form
    return form[0] if form.isdigit() else None


def _letter_run_end(forms: list[str], start: int, most: int) -> int:
    """Where the run of letter names from ``forms[start]`` ends, reading at most ``most``."""
    end = start
    while end < len(forms) and end - start < most and forms[end] in LETTER_NAMES:
        end += 1
    return end


def _letter_pairs(words: Iterable[str]) -> frozenset[tuple[str, str]]:
    """The (letter name, letter name or digit) pairs that can begin the spelling of ``words``."""
    beginnings = {word[:2] for word in words if len(word) >= 2}
    seconds = [*LETTER_NAMES.items(), *((digit, digit) for digit in "0123456789")]
    return frozenset(
        (first, second)
        for first, first_letters in LETTER_NAMES.items()
        for second, second_letters in seconds
        if any(a + b in beginnings for a in first_letters for b in second_letters)
    )


@dataclass(frozen=True, slots=True)
class Token:
    """An index term and the span of the original text it was read from."""

    term: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Word:
    """A normalised single-script word and its span in the original text."""

    form: str
    start: int
    end: int


@lru_cache(maxsize=1 << 18)
def _normalized_runs(raw: str) -> tuple[str, ...]:
    """Normalised single-script runs of one raw word (words repeat: this is cached)."""
    return tuple(run.group() for run in _SCRIPT_RUN.finditer(normalize_arabic(raw)))


def word_forms(token: str) -> tuple[str, ...]:
    """Normalised single-script words of one whitespace-separated token (no spans)."""
    return tuple(form for raw in _RAW_WORD.findall(token) for form in _normalized_runs(raw))


def surface_words(text: str) -> list[Word]:
    """Split ``text`` into normalised single-script words, keeping original offsets."""
    words: list[Word] = []
    for raw in _RAW_WORD.finditer(text):
        start, end = raw.span()
        words.extend(Word(form, start, end) for form in _normalized_runs(raw.group()))
    return words


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


class Analyzer:
    """Turns text into index terms; built once per corpus, shared by indexing and search.

    Without a vocabulary (``Analyzer()``) it is plain normalisation + stop words + light10,
    which is what Lucene's ArabicAnalyzer does.
    """

    def __init__(
        self,
        forms: Counter[str] | None = None,
        aliases: Iterable[list[str]] = (),
    ) -> None:
        self._forms: Counter[str] = forms or Counter()
        self._lexicon: Counter[str] = Counter()
        for form, count in self._forms.items():
            # Function words would make every ك/ل look like a proclitic (كلمة → ك + لم).
            if _ARABIC.fullmatch(form) and form not in STOPWORDS:
                self._lexicon[strip_suffixes(strip_proclitics(form, {}))] += count
        self._cache: dict[str, str | None] = {}
        self._pair_cache: dict[tuple[str, str], str | None] = {}
        self._word_aliases: dict[str, str] = {}  # one-word spellings of admin alias groups
        # Consonant skeleton → (skeleton, term) of corpus words, most frequent first.
        self._latin_names: dict[str, list[tuple[Skeleton, str]]] = {}
        self._arabic_names: dict[str, list[tuple[Skeleton, str]]] = {}
        self._index_latin_names()
        # Every start of a Latin name's consonants: a pair whose first word's consonants are
        # none of these cannot spell a name, whatever the second word is.
        self._name_heads = frozenset(
            key[:cut] for key in self._latin_names for cut in range(len(key) + 1)
        )
        self._index_acronyms()
        self._phrases: dict[tuple[str, ...], str] = {}
        self._phrase_starts: set[str] = set()
        for group in aliases:
            self._add_alias(group)
        if self._phrases or self._word_aliases:
            self._cache.clear()  # words analysed before the aliases were known
            self._pair_cache.clear()
            self._index_acronyms()

    @property
    def forms(self) -> Counter[str]:
        """How often each normalised word occurs in the corpus (what a snapshot stores)."""
        return self._forms

    @classmethod
    def from_texts(cls, texts: Iterable[str], aliases: Iterable[list[str]] = ()) -> Analyzer:
        """Build the analyser whose decisions are backed by the vocabulary of ``texts``."""
        raw_words: Counter[str] = Counter()
        for text in texts:
            raw_words.update(_RAW_WORD.findall(text))
        forms: Counter[str] = Counter()
        for raw, count in raw_words.items():
            for form in _normalized_runs(raw):
                forms[form] += count
        return cls(forms, aliases)

    def _index_latin_names(self) -> None:
        """Index the corpus's Latin and Arabic words by consonant skeleton, most frequent first."""
        for form, _count in self._forms.most_common():
            if form in STOPWORDS:
                continue
            if _LATIN.fullmatch(form) and (skeleton := latin_skeleton(form)):
                entry = (skeleton, stem_latin(form))
                self._latin_names.setdefault(skeleton.consonants, []).append(entry)
        self._latin_terms = frozenset(
            term for entries in self._latin_names.values() for _, term in entries
        )
        # Ordinary words share a short name's consonants by chance (اليمن and الأمن fit
        # Leyman; صغيرة and الذكور fit Oscar). A transliteration writes the name's vowels as
        # long ones, so of the corpus's spellings of a name only those that write the most of
        # its vowels (أوسكار) stand for it. A spelling is read as :meth:`term` reads it: without
        # its proclitics first (the و of وأمريكي is no vowel of America).
        self._vowels_written: dict[str, int] = {}
        spellings: list[tuple[Skeleton, str, str | None]] = []
        for form, _count in self._forms.most_common():
            if form in STOPWORDS or not _ARABIC.fullmatch(form):
                continue
            base = strip_proclitics(form, self._lexicon)
            term = strip_suffixes(base)
            scored = False
            for spelling in (base, form) if base != form else (form,):
                if (skeleton := arabic_skeleton(spelling)) is None:
                    continue
                latin = self._first_latin(skeleton)
                spellings.append((skeleton, term, latin))
                if latin is not None and not scored:
                    written = len(skeleton.vowel_gaps)
                    self._vowels_written[latin] = max(self._vowels_written.get(latin, 0), written)
                    scored = True
        for skeleton, term, latin in spellings:
            if latin is None or not self._writes_enough(skeleton, latin):
                self._arabic_names.setdefault(skeleton.consonants, []).append((skeleton, term))

    def _index_acronyms(self) -> None:
        """The corpus's Latin words that Arabic spells out, at least in part, by their letters:
        acronyms (جي بي تي = GPT) and names ending in one (أوبن إيه آي = OpenAI)."""
        self._acronyms: dict[str, str] = {}
        # Spelled ending → (sounds of the pronounced beginning, term).
        self._compounds: dict[str, list[tuple[Skeleton, str]]] = {}
        for form in self._forms:
            if not _LATIN_START.match(form) or form in STOPWORDS:
                continue
            if (term := self.term(form)) is None:
                continue
            if _ACRONYM.fullmatch(form) and len(form) >= 2:
                self._acronyms.setdefault(form, term)
                self._acronyms.setdefault(stem_latin(form), term)  # GPUs: جي بي يو
            if _LATIN.fullmatch(form):
                for cut in range(max(2, len(form) - _ACRONYM_LETTERS), len(form) - 1):
                    head, tail = form[:cut], form[cut:]
                    if set(head) & set("aeiou"):
                        self._compounds.setdefault(tail, []).append((latin_sounds(head), term))
        # Letter names are common words too (في، أو، أن): a run is only worth reading where its
        # first two could begin a corpus acronym, or a spelled ending of a corpus name.
        self.acronym_pairs = _letter_pairs(self._acronyms)
        self.ending_pairs = _letter_pairs(self._compounds)
        self._acronym_starts = frozenset(first for first, _ in self.acronym_pairs)
        self._ending_starts = frozenset(first for first, _ in self.ending_pairs)

    def _compound_at(self, forms: list[str], i: int) -> tuple[int, str | None]:
        """A corpus name pronounced, then spelled (شات جي بي تي = ChatGPT), from ``forms[i]``.
        Arabic writes English ch as ش or تش."""
        end = _letter_run_end(forms, i + 1, MAX_PHRASE_WORDS - 1)
        endings = [
            (stop, latin, term)
            for stop in range(end, i + 2, -1)  # a spelled ending has two letters or more
            for letters in spelled_letters(forms[i + 1 : stop])
            for latin, term in self._compounds.get(letters, ())
        ]
        if endings:
            head = forms[i]
            sounds = [arabic_sounds(head), arabic_sounds(head.replace("تش", "ش"))]
            for stop, latin, term in endings:
                if any(s is not None and transliterates(s, latin) for s in sounds):
                    return stop - i, term
        return 1, None

    def _spelled_at(self, forms: list[str], i: int) -> tuple[int, str | None]:
        """A corpus acronym spelled out in Arabic letter names from ``forms[i]`` on: two names
        or more (جي بي تي = GPT), or names and a number (آر 1 = R1). (1, None): none."""
        end = _letter_run_end(forms, i, MAX_PHRASE_WORDS - 1)  # and a number after them
        for stop in range(end, i, -1):
            number = forms[stop] if stop < len(forms) and forms[stop].isdigit() else ""
            if stop - i == 1 and forms[i] in STOPWORDS:
                number = ""  # او 3 is "or 3", not OpenAI's o3
            for letters in spelled_letters(forms[i:stop]):
                if number and letters + number in self._acronyms:
                    return stop - i + 1, self._acronyms[letters + number]
                if stop - i >= 2 and letters in self._acronyms:
                    return stop - i, self._acronyms[letters]
        return 1, None

    def _first_latin(self, skeleton: Skeleton) -> str | None:
        """The corpus's most frequent Latin term that an Arabic skeleton transliterates."""
        for latin, term in self._latin_names.get(skeleton.consonants, ()):
            if transliterates(skeleton, latin):
                return term
        return None

    def _latin_match(self, skeleton: Skeleton | None) -> str | None:
        """The Latin term an Arabic spelling stands for: it fits the name's consonants and
        writes as many of its vowels as the corpus's best spelling of it does."""
        if skeleton is None:
            return None
        latin = self._first_latin(skeleton)
        return latin if latin is not None and self._writes_enough(skeleton, latin) else None

    def _writes_enough(self, skeleton: Skeleton, latin: str) -> bool:
        """Whether an Arabic spelling writes as many of ``latin``'s vowels as any corpus one."""
        return len(skeleton.vowel_gaps) >= self._vowels_written.get(latin, 0)

    def _arabic_match(self, skeleton: Skeleton | None) -> str | None:
        """The corpus's most frequent Arabic term that transliterates a Latin skeleton."""
        if skeleton is None:
            return None
        for arabic, term in self._arabic_names.get(skeleton.consonants, ()):
            if transliterates(arabic, skeleton):
                return term
        return None

    def _add_alias(self, spellings: list[str]) -> None:
        canonical = self.terms(spellings[0])
        if canonical:
            term = "_".join(canonical)
            for spelling in spellings:
                words = tuple(word.form for word in surface_words(spelling))
                if len(words) == 1:
                    self._word_aliases[words[0]] = term
                elif words:
                    self._phrases[words] = term
                    self._phrase_starts.add(words[0])

    def term(self, form: str) -> str | None:
        """Index term of one normalised single-script word (None: not indexed)."""
        if form in self._cache:
            return self._cache[form]
        term = self._term_uncached(form)
        if len(self._cache) >= TERM_CACHE_SIZE:
            # Bounded: a long-running bot meets new question words forever. Starting over is
            # cheap (analysis is microseconds a word) and keeps the hot path a plain dict.
            self._cache.clear()
        self._cache[form] = term
        return term

    def _term_uncached(self, form: str) -> str | None:
        if form in STOPWORDS or (len(form) == 1 and not form.isdigit()):
            return None
        if form in self._word_aliases:
            return self._word_aliases[form]
        if _ARABIC.fullmatch(form):
            if self._word_aliases:  # لأبل is أبل
                for reading in without_proclitics(form):
                    if reading in self._word_aliases:
                        return self._word_aliases[reading]
            base = strip_proclitics(form, self._lexicon)
            latin = self._latin_match(arabic_skeleton(base)) or self._latin_match(
                arabic_skeleton(form)
            )
            return latin or strip_suffixes(base)
        if _LATIN.fullmatch(form):
            term = stem_latin(form)
            if term not in self._latin_terms:
                # A Latin spelling of a name the corpus only writes in Arabic (Tesla → تسلا).
                return self._arabic_match(latin_skeleton(form)) or term
            return term
        return form

    def _joined_term(self, first: str, second: str) -> str | None:
        """Term of a word pair that the corpus writes as one word or as one Latin name, also
        behind a one-letter proclitic (بديب سيك is ب + ديب سيك). Runs for every word of every
        quoted paragraph, so the cheap dictionary tests come first. A function word is never
        half of a name: إلى من (to whom) is not اليمن, أو صغيرة (or small) is not Oscar."""
        if first in STOPWORDS or second in STOPWORDS:
            return None
        joined = first + second
        if joined in self._forms:
            return self._joined_word(joined)
        # The pair's consonants must be those of some Latin corpus word (non-Arabic words have
        # none, so a Latin pair never gets past this).
        head = consonant_classes(first)
        if head in self._name_heads and (term := self._joined_name(head, joined, second)):
            return term
        if first[0] not in PAIR_PROCLITICS or len(first) <= 2:
            return None
        joined = first[1:] + second
        if joined in self._forms:
            return self._joined_word(joined)
        head = head if first[0] == "و" else head[1:]  # و is no consonant class; ف ب ل ك are
        return self._joined_name(head, joined, second) if head in self._name_heads else None

    def _joined_word(self, joined: str) -> str | None:
        is_word = _ARABIC.fullmatch(joined) or _LATIN.fullmatch(joined)
        return self.term(joined) if is_word else None

    def _joined_name(self, head: str, joined: str, second: str) -> str | None:
        consonants = head + consonant_classes(second.removesuffix("ه"))
        if consonants not in self._latin_names or not _ARABIC.fullmatch(joined):
            return None
        return self._latin_match(arabic_skeleton(joined))

    def _remembered_joined_term(self, first: str, second: str) -> str | None:
        """:meth:`_joined_term` for the pairs the indexer asks about, which repeat across a
        corpus (most pairs of a paragraph scan fail at the first lookup: not worth keeping)."""
        pair = (first, second)
        if pair not in self._pair_cache:
            if len(self._pair_cache) >= TERM_CACHE_SIZE:
                self._pair_cache.clear()
            self._pair_cache[pair] = self._joined_term(first, second)
        return self._pair_cache[pair]

    def starts_phrase(self, form: str) -> bool:
        """Whether an admin alias phrase starts with ``form``."""
        return form in self._phrase_starts

    @property
    def phrase_terms(self) -> list[str]:
        """The terms admin alias phrases index as."""
        return list(dict.fromkeys(self._phrases.values()))

    @property
    def name_consonants(self) -> frozenset[str]:
        """Consonant classes of the corpus's Latin names: what an Arabic pair may join into."""
        return frozenset(self._latin_names)

    def analyze(self, text: str) -> list[Token]:
        """Index terms of ``text`` in order, each with the span of original text it covers."""
        words = surface_words(text)
        return [
            Token(term, words[i].start, words[i + length - 1].end)
            for i, length, term in self._scan([word.form for word in words])
        ]

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` (what BM25 sees); the same as ``analyze`` without spans."""
        forms = [form for raw in _RAW_WORD.findall(text) for form in _normalized_runs(raw)]
        return [term for _, _, term in self._scan(forms)]

    def _scan(self, forms: list[str]) -> list[tuple[int, int, str]]:
        """(first word, word count, term) of each term, joining aliases and split spellings."""
        found: list[tuple[int, int, str]] = []
        term_of = self._cache
        starts = self._phrase_starts
        spelled, endings = self._acronym_starts, self._ending_starts
        acronym_pairs, ending_pairs = self.acronym_pairs, self.ending_pairs
        pair_term = self._joined_term if self._forms else None
        last = len(forms) - 1
        i = 0
        while i <= last:
            # phrase_at, inlined: this loop runs for every word of every quoted paragraph.
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
                term = term_of[form] if form in term_of else self.term(form)
            if term is not None:
                found.append((i, length, term))
            i += length
        return found

    def phrase_at(self, forms: list[str], i: int) -> tuple[int, str | None]:
        """The longest alias, spelled-out acronym or joined pair starting at ``forms[i]``
        (length 1: none). At most :data:`MAX_PHRASE_WORDS` words are read."""
        if forms[i] in self._phrase_starts:
            for length in (4, 3, 2):
                key = tuple(forms[i : i + length])
                if len(key) == length and key in self._phrases:
                    return length, self._phrases[key]
        if i + 1 < len(forms):
            if (forms[i], letter_pair_key(forms[i + 1])) in self.acronym_pairs:
                length, term = self._spelled_at(forms, i)
                if term is not None:
                    return length, term
            if i + 2 < len(forms) and (forms[i + 1], forms[i + 2]) in self.ending_pairs:
                length, term = self._compound_at(forms, i)
                if term is not None:
                    return length, term
        if i + 1 < len(forms) and self._forms:
            joined = self._remembered_joined_term(forms[i], forms[i + 1])
            if joined is not None:
                return 2, joined
        return 1, None
