"""Bulk indexing: sources → paragraph store, analyser and BM25 index, at a million paragraphs.

Analysing word by word in Python costs about half a microsecond per word, minutes for a news
archive. Words repeat, though: a collection of fifty million words has a few hundred thousand
distinct ones. So paragraphs are split on whitespace into token ids (parallel worker processes
read and split the files), each *distinct* token is analysed once, and numpy expands the result
back over every occurrence. The only context-dependent step of the analyser, joining alias
phrases and split spellings (ديب سيك), runs in Python only where both neighbours can be part of
a joined pair, which is rare. The result is exactly what :meth:`Analyzer.terms` gives paragraph
by paragraph; a test holds the two paths equal.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from retrieval.analysis import Analyzer, word_forms
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import (
    Article,
    ArticleMeta,
    Corpus,
    Paragraph,
    Skipped,
    article_files,
    read_catalog,
    read_source_file,
)
from retrieval.store import ParagraphStore
from retrieval.transliteration import consonant_classes

# Below this many bytes of sources, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
# Files per worker task: small enough for a smooth progress bar, large enough to amortise.
TASK_BYTES = 16 << 20
_ARABIC_FORM = re.compile("[\u0621-\u064a]+")
# Paragraphs analysed per numpy block: bounds the temporary arrays of the expansion.
BLOCK_PARAGRAPHS = 100_000

# (stage, done, total): "reading" counts bytes of sources, "indexing" paragraphs.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def indexed_text(paragraph: Paragraph) -> str:
    """What a paragraph is found by: its text, the heading it sits under and its article's title.

    Questions name the subject an article is about even when the answering paragraph only says
    "it" (measured in BENCHMARKS.md: the title raises hit@1 on both evaluation sets).
    """
    return "\n".join(
        part for part in (paragraph.article.title, paragraph.heading, paragraph.text) if part
    )


@dataclass
class TokenizedPart:
    """Some articles' paragraphs, packed, and their whitespace tokens as ids into ``tokens``."""

    store: ParagraphStore
    tokens: list[str]
    token_ids: npt.NDArray[np.int32]
    lengths: npt.NDArray[np.int64]
    skipped: list[Skipped] = field(default_factory=list)


def tokenize(
    articles: list[Article], paragraphs: Sequence[Paragraph], skipped: list[Skipped] | None = None
) -> TokenizedPart:
    """Split each paragraph's indexed text on whitespace into ids of distinct tokens.

    The same tokens as ``indexed_text(p).split()``, with titles and headings split once each.
    """
    vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    ids: list[int] = []
    lengths = []
    context: dict[tuple[str, str], list[int]] = {}
    for paragraph in paragraphs:
        key = (paragraph.article.title, paragraph.heading)
        if key not in context:
            context[key] = [vocabulary[t] for t in " ".join(key).split()]
        before = len(ids)
        ids += context[key]
        ids += [vocabulary[t] for t in paragraph.text.split()]
        lengths.append(len(ids) - before)
    return TokenizedPart(
        ParagraphStore.from_paragraphs(articles, paragraphs),
        list(vocabulary),
        np.asarray(ids, dtype=np.int32),
        np.asarray(lengths, dtype=np.int64),
        skipped or [],
    )


def read_part(directory: Path, names: list[str], catalog: dict[str, ArticleMeta]) -> TokenizedPart:
    """Read and tokenise some article files of ``directory`` (a worker's task)."""
    articles: list[Article] = []
    paragraphs: list[Paragraph] = []
    skipped: list[Skipped] = []
    for name in names:
        result = read_source_file(directory / name, catalog.get(name))
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        articles.append(result[0])
        paragraphs.extend(result[1])
    return tokenize(articles, paragraphs, skipped)


def merge_parts(parts: Sequence[TokenizedPart]) -> TokenizedPart:
    """One part from several, token ids renumbered into one vocabulary (first seen first)."""
    if len(parts) == 1:
        return parts[0]
    vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    ids = []
    for part in parts:
        renumber = np.fromiter(
            map(vocabulary.__getitem__, part.tokens), dtype=np.int32, count=len(part.tokens)
        )
        ids.append(renumber[part.token_ids])
    return TokenizedPart(
        ParagraphStore.concatenate([part.store for part in parts]),
        list(vocabulary),
        np.concatenate(ids),
        np.concatenate([part.lengths for part in parts]),
        [skip for part in parts for skip in part.skipped],
    )


def read_sources(
    directory: Path, progress: Progress = no_progress
) -> tuple[Corpus, TokenizedPart]:
    """Every article of ``directory`` and its tokens, read by parallel workers when it is large."""
    catalog, aliases, skipped = read_catalog(directory)
    files = [(path.name, _size(path)) for path in article_files(directory)]
    total = sum(size for _, size in files)
    tasks = _tasks(files, TASK_BYTES if total >= PARALLEL_MIN_BYTES else total + 1)
    parts: list[TokenizedPart] = []
    done = 0
    progress("reading", done, total)
    if len(tasks) <= 1:
        parts = [read_part(directory, [name for name, _ in task], catalog) for task in tasks]
    else:
        context = multiprocessing.get_context("spawn")
        workers = min(len(tasks), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(read_part, directory, [name for name, _ in task], catalog)
                for task in tasks
            ]
            for task, future in zip(tasks, futures, strict=True):
                parts.append(future.result())
                done += sum(size for _, size in task)
                progress("reading", done, total)
    progress("reading", total, total)
    merged = merge_parts(parts) if parts else tokenize([], [])
    corpus = Corpus(
        articles=merged.store.articles,
        paragraphs=merged.store,
        skipped=skipped + merged.skipped,
        aliases=aliases,
    )
    return corpus, merged


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tasks(files: list[tuple[str, int]], task_bytes: int) -> list[list[tuple[str, int]]]:
    """Consecutive runs of files of about ``task_bytes`` each (order is kept: it is the index)."""
    tasks: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    size = 0
    for name, file_size in files:
        current.append((name, file_size))
        size += file_size
        if size >= task_bytes:
            tasks.append(current)
            current, size = [], 0
    if current:
        tasks.append(current)
    return tasks


def index_part(
    part: TokenizedPart,
    aliases: Iterable[list[str]] = (),
    params: BM25Params | None = None,
    progress: Progress = no_progress,
) -> tuple[Analyzer, BM25Index]:
    """Analyse each distinct token once, then index every occurrence with numpy."""
    table = _FormTable.analyse(part.tokens, part.token_ids, aliases)
    doc_count = len(part.lengths)
    token_starts = np.zeros(doc_count + 1, dtype=np.int64)
    np.cumsum(part.lengths, out=token_starts[1:])
    keys = []
    for first in range(0, doc_count, BLOCK_PARAGRAPHS):
        last = min(first + BLOCK_PARAGRAPHS, doc_count)
        block = part.token_ids[token_starts[first] : token_starts[last]]
        keys.append(table.occurrence_keys(block, part.lengths[first:last], first, doc_count))
        progress("indexing", last, doc_count)
    all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    del keys
    index = BM25Index.from_occurrences(list(table.terms), all_keys, doc_count, params)
    return table.analyzer, index


@dataclass
class _FormTable:
    """What each distinct token and normalised word analyses to, as arrays numpy can gather."""

    analyzer: Analyzer
    form_list: list[str]
    token_form_ptr: npt.NDArray[np.int64]  # forms of token t: token_form_ids[ptr[t]:ptr[t+1]]
    forms_per_token: npt.NDArray[np.int64]
    token_form_ids: npt.NDArray[np.int32]
    form_term: npt.NDArray[np.int64]  # -1: not indexed (stop word)
    may_start: npt.NDArray[np.bool_]  # an alias phrase may start with this form
    pairs: _PairFilter
    terms: dict[str, int]

    @classmethod
    def analyse(
        cls, tokens: list[str], token_ids: npt.NDArray[np.int32], aliases: Iterable[list[str]]
    ) -> _FormTable:
        """Build the analyser from the corpus's word counts and analyse every distinct word."""
        forms: dict[str, int] = {}
        token_forms = [[forms.setdefault(f, len(forms)) for f in word_forms(t)] for t in tokens]
        forms_per_token = np.fromiter(map(len, token_forms), np.int64, len(tokens))
        token_form_ptr = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(forms_per_token, out=token_form_ptr[1:])
        token_form_ids = np.fromiter(
            itertools.chain.from_iterable(token_forms), np.int32, int(token_form_ptr[-1])
        )
        del token_forms
        occurrences = np.bincount(token_ids, minlength=len(tokens))
        form_counts = np.bincount(
            token_form_ids,
            weights=np.repeat(occurrences, forms_per_token),
            minlength=len(forms),
        ).astype(np.int64)
        form_list = list(forms)
        # Counter keeps first-seen order, as Analyzer.from_texts does: ties rank the same.
        counts = Counter(dict(zip(form_list, form_counts.tolist(), strict=True)))
        analyzer = Analyzer(counts, aliases)

        terms: dict[str, int] = {}
        form_term = np.full(len(form_list), -1, dtype=np.int64)
        for i, form in enumerate(form_list):
            term = analyzer.term(form)
            if term is not None:
                form_term[i] = terms.setdefault(term, len(terms))
        may_start = np.fromiter(map(analyzer.starts_phrase, form_list), bool, len(form_list))
        return cls(
            analyzer,
            form_list,
            token_form_ptr,
            forms_per_token,
            token_form_ids,
            form_term,
            may_start,
            _PairFilter.build(analyzer, forms),
            terms,
        )

    def occurrence_keys(
        self,
        block: npt.NDArray[np.int32],
        lengths: npt.NDArray[np.int64],
        first_doc: int,
        doc_count: int,
    ) -> npt.NDArray[np.int64]:
        """``term * doc_count + paragraph`` for every term occurrence of a block of paragraphs."""
        # The forms of every token occurrence in text order, and the paragraph of each.
        per_token = self.forms_per_token[block]
        starts = np.repeat(
            self.token_form_ptr[block] - (np.cumsum(per_token) - per_token), per_token
        )
        forms = self.token_form_ids[starts + np.arange(len(starts), dtype=np.int64)]
        del starts
        doc = np.repeat(np.repeat(np.arange(len(lengths), dtype=np.int32), lengths), per_token)
        del per_token
        term = self.form_term[forms]

        # Where an alias phrase or a joined pair may start: ask the analyser there, in order.
        may_join = self.pairs.may_join(forms[:-1], forms[1:]) & (doc[1:] == doc[:-1])
        candidates = np.flatnonzero(self.may_start[forms] | np.append(may_join, False))
        if len(candidates):
            doc_end = np.cumsum(np.bincount(doc, minlength=len(lengths)))
            consumed = 0
            for i in candidates.tolist():
                if i < consumed:
                    continue
                end = min(i + 4, int(doc_end[doc[i]]))
                window = [self.form_list[f] for f in forms[i:end].tolist()]
                length, phrase = self.analyzer.phrase_at(window, 0)
                if length > 1 and phrase is not None:
                    term[i] = self.terms.setdefault(phrase, len(self.terms))
                    term[i + 1 : i + length] = -1
                    consumed = i + length
        keep = term >= 0
        return term[keep] * doc_count + (doc[keep].astype(np.int64) + first_doc)


@dataclass
class _PairRoute:
    """One way two words join: codes for each form as a left and as a right word (-1: never),
    and the sorted ``left * right_count + right`` codes of the pairs that join."""

    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    pairs: npt.NDArray[np.int64]
    right_count: int

    @classmethod
    def from_cuts(
        cls, cuts: list[tuple[str, str]], left: list[str | None], right: list[str | None]
    ) -> _PairRoute:
        """Pairs (a, b) that join are ``cuts``; form i is known as ``left[i]`` / ``right[i]``."""
        lefts = {a: i for i, a in enumerate(dict.fromkeys(a for a, _ in cuts))}
        rights = {b: i for i, b in enumerate(dict.fromkeys(b for _, b in cuts))}
        pairs = np.unique(
            np.asarray([lefts[a] * len(rights) + rights[b] for a, b in cuts], dtype=np.int64)
        )
        return cls(
            np.fromiter(
                (lefts.get(a, -1) if a is not None else -1 for a in left), np.int64, len(left)
            ),
            np.fromiter(
                (rights.get(b, -1) if b is not None else -1 for b in right), np.int64, len(right)
            ),
            pairs,
            len(rights),
        )

    def joins(
        self, left: npt.NDArray[np.int32], right: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """For each pair of form ids (left[i], right[i]): does this route join them?"""
        left_codes, right_codes = self.left[left], self.right[right]
        found = (left_codes >= 0) & (right_codes >= 0)
        codes = left_codes[found] * self.right_count + right_codes[found]
        if len(self.pairs):
            where = np.minimum(np.searchsorted(self.pairs, codes), len(self.pairs) - 1)
            found[found] = self.pairs[where] == codes
        else:
            found[:] = False
        return found


@dataclass
class _PairFilter:
    """Which adjacent word pairs may be one word split in two (ديب سيك): exact for the cases
    :meth:`Analyzer.phrase_at` accepts, so it is asked only about pairs that pass here.

    Two routes join a pair: it is a corpus word cut in two, or its consonants are those of a
    Latin name of the corpus (the Arabic pair then names it).
    """

    routes: tuple[_PairRoute, ...]

    @classmethod
    def build(cls, analyzer: Analyzer, forms: dict[str, int]) -> _PairFilter:
        form_list = list(forms)
        word_cuts = [
            (form[:cut], form[cut:])
            for form in form_list
            if form.isalpha()
            for cut in range(1, len(form))
            if form[:cut] in forms and form[cut:] in forms
        ]
        name_cuts = [
            (key[:cut], key[cut:])
            for key in analyzer.name_consonants
            for cut in range(len(key) + 1)
        ]
        arabic = [form if _ARABIC_FORM.fullmatch(form) else None for form in form_list]
        return cls(
            (
                _PairRoute.from_cuts(word_cuts, form_list, form_list),
                _PairRoute.from_cuts(
                    name_cuts,
                    [None if a is None else consonant_classes(a) for a in arabic],
                    [
                        None if a is None else consonant_classes(a.removesuffix("ه"))
                        for a in arabic
                    ],
                ),
            )
        )

    def may_join(
        self, left: npt.NDArray[np.int32], right: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """For each (left[i], right[i]) pair of form ids: may it join into one word?"""
        return np.logical_or.reduce([route.joins(left, right) for route in self.routes])
