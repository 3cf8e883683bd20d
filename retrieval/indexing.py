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

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from retrieval.analysis import MAX_PHRASE_WORDS, Analyzer, Vocabulary, letter_pair_key
from retrieval.analysis.bulk import map_runs, shared
from retrieval.analysis.pairs import PairRoute, SplitPairs
from retrieval.analysis.steps import DEFAULT_SETTINGS, AnalysisSettings
from retrieval.analysis.tokenizer import Tokenizer
from retrieval.bm25 import (
    BM25Index,
    BM25Params,
    UsedTerms,
    group_occurrences,
    mean_length,
    tf_weights,
)
from retrieval.corpus import (
    Article,
    ArticleMeta,
    Corpus,
    Paragraph,
    Skipped,
    article_files,
    article_name,
    read_catalog,
    read_source_file,
    source_files,
)
from retrieval.forward import ForwardIndex
from retrieval.heap import release_freed_memory, retain_freed_memory
from retrieval.store import MemoryText, ParagraphStore, StoreBuilder, TextSink

# Below this many bytes of sources, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
# Files per worker task: small enough for a smooth progress bar, large enough to amortise.
TASK_BYTES = 16 << 20
# Paragraphs analysed per numpy block: keeps the expansion's temporary arrays to a few MB,
# small enough for glibc to reuse from block to block instead of mapping fresh memory.
BLOCK_PARAGRAPHS = 10_000

# prctl(2) option: the signal this process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1

# (stage, done, total): "reading" counts bytes of sources, "indexing" paragraphs.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def indexed_text(paragraph: Paragraph) -> str:
    """What a paragraph is found by: its text, the heading it sits under and its article's title
    (unless that title is only the article's opening words, :attr:`Article.context_title`).

    Questions name the subject an article is about even when the answering paragraph only says
    "it" (measured in BENCHMARKS.md: the title raises hit@1 on both evaluation sets).
    """
    return "\n".join(
        part
        for part in (paragraph.article.context_title, paragraph.heading, paragraph.text)
        if part
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
        key = (paragraph.article.context_title, paragraph.heading)
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


def die_with_parent(parent: int) -> None:
    """End this helper process when ``parent`` (the process that started it) ends, however.

    Pool initializer of every helper process (the indexing child, the reading workers). A
    parent killed by SIGKILL or the OOM killer runs no cleanup, and an orphaned indexing child
    (hundreds of MB) and its workers would otherwise run on. On Linux the kernel kills this
    process at its parent's death (``PR_SET_PDEATHSIG``): immediate, even while this process is
    deep in a numpy call. The kernel ties it to the parent's *thread* that started the process,
    not to the whole process; every pool here is created, waited on and shut down by one
    thread, which so outlives its workers. A parent that died before the request was made left
    an orphan already, hence the ``getppid`` check. Without ``prctl`` (not Linux), a daemon
    thread polls ``getppid`` once a second instead.
    """
    try:
        armed = ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _worker_read_part(
    directory: Path, names: list[str], catalog: dict[str, ArticleMeta]
) -> TokenizedPart:
    """:func:`read_part` in a reading worker, a process that exits once indexing is done."""
    retain_freed_memory()
    return read_part(directory, names, catalog)


def read_part(directory: Path, names: list[str], catalog: dict[str, ArticleMeta]) -> TokenizedPart:
    """Read and tokenise some article files of ``directory``."""
    articles: list[Article] = []
    paragraphs: list[Paragraph] = []
    skipped: list[Skipped] = []
    for name in names:
        result = read_source_file(directory / name, catalog.get(name), name)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        articles.append(result[0])
        paragraphs.extend(result[1])
    return tokenize(articles, paragraphs, skipped)


Chunk = tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]  # token ids, tokens per paragraph


@dataclass
class Tokens:
    """Whitespace tokens of all paragraphs as ids into ``vocabulary``, in chunks of paragraphs
    (kept as the workers sent them: concatenating would copy every id once more)."""

    vocabulary: list[str]
    chunks: list[Chunk]

    @classmethod
    def of(cls, part: TokenizedPart) -> Tokens:
        return cls(part.tokens, [(part.token_ids, part.lengths)])

    @property
    def doc_count(self) -> int:
        return sum(len(lengths) for _, lengths in self.chunks)

    def blocks(self) -> list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], int]]:
        """(token ids, tokens per paragraph, first paragraph) of each block of paragraphs."""
        blocks = []
        first_doc = 0
        for ids, lengths in self.chunks:
            starts = np.zeros(len(lengths) + 1, dtype=np.int64)
            np.cumsum(lengths, out=starts[1:])
            for first in range(0, len(lengths), BLOCK_PARAGRAPHS):
                last = min(first + BLOCK_PARAGRAPHS, len(lengths))
                block_ids = ids[starts[first] : starts[last]]
                blocks.append((block_ids, lengths[first:last], first_doc + first))
            first_doc += len(lengths)
        return blocks


class _PartMerger:
    """Joins workers' parts in order as they arrive, so only one part is in flight at a time."""

    def __init__(self, text: TextSink) -> None:
        self.vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self.chunks: list[Chunk] = []
        self.stores = StoreBuilder(text)
        self.skipped: list[Skipped] = []

    def add(self, part: TokenizedPart) -> None:
        renumber = np.fromiter(
            map(self.vocabulary.__getitem__, part.tokens), dtype=np.int32, count=len(part.tokens)
        )
        ids = part.token_ids if part.token_ids.flags.writeable else part.token_ids.copy()
        np.take(renumber, ids, out=ids, mode="clip")
        self.chunks.append((ids, part.lengths))
        self.stores.add(part.store)
        self.skipped.extend(part.skipped)

    def tokens(self) -> Tokens:
        return Tokens(list(self.vocabulary), self.chunks)


def read_sources(
    directory: Path, progress: Progress = no_progress, text: TextSink | None = None
) -> tuple[Corpus, Tokens]:
    """Every article of ``directory`` and its tokens, read by parallel workers when it is large.

    Paragraph text goes to ``text`` (by default one blob in memory).
    """
    catalog, aliases, skipped = read_catalog(directory)
    paths, unlisted = source_files(directory)
    skipped += unlisted
    files = [(article_name(directory, path), _size(path)) for path in paths]
    total = sum(size for _, size in files)
    tasks = _tasks(files, TASK_BYTES if total >= PARALLEL_MIN_BYTES else total + 1)
    # Paragraph text is cut out of the files, so it never needs more bytes than they have.
    merger = _PartMerger(text or MemoryText(capacity=total))
    done = 0
    progress("reading", done, total)
    if len(tasks) <= 1:
        for task in tasks:
            merger.add(read_part(directory, [name for name, _ in task], catalog))
    else:
        workers = min(len(tasks), os.cpu_count() or 1)
        context = multiprocessing.get_context(start_method())
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures = deque(
                pool.submit(_worker_read_part, directory, [name for name, _ in task], catalog)
                for task in tasks
            )
            for task in tasks:  # popped, so each part is freed once merged
                merger.add(futures.popleft().result())
                done += sum(size for _, size in task)
                progress("reading", done, total)
    progress("reading", total, total)
    store = merger.stores.build()
    corpus = Corpus(store.articles, store, skipped + merger.skipped, aliases)
    return corpus, merger.tokens()


def start_method() -> str:
    """How to start helper processes: fork when this process runs no other thread, else spawn.

    Forking is instant where spawning re-imports everything (most of a second a process), but
    forking a process while another thread may hold a lock can deadlock the child: a serving
    process (event loop, thread pools) spawns, a command-line build or an indexing child forks.
    """
    return "fork" if threading.active_count() == 1 else "spawn"


def sources_size(directory: Path) -> int:
    """Bytes of article files in ``directory``: what decides whether indexing runs in parallel."""
    return sum(_size(path) for path in article_files(directory))


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


def index_tokens(
    tokens: Tokens,
    aliases: Iterable[list[str]] = (),
    params: BM25Params | None = None,
    progress: Progress = no_progress,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> tuple[Analyzer, BM25Index]:
    """Analyse each distinct token once, then index every occurrence with numpy
    (:func:`block_tokens`, then :meth:`IndexBlocks.merge`)."""
    analyzer, blocks = block_tokens(tokens, aliases, params, progress, settings)
    return analyzer, blocks.merge()


def block_tokens(
    tokens: Tokens,
    aliases: Iterable[list[str]] = (),
    params: BM25Params | None = None,
    progress: Progress = no_progress,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> tuple[Analyzer, IndexBlocks]:
    """Analyse each distinct token once, then make the postings of every block of paragraphs.

    Blocks of paragraphs are expanded in threads: numpy releases the GIL for the array work,
    so both cores help. Alias terms are numbered before the threads start (joined names are
    terms of corpus words already), so the index is the same on every run. ``tokens`` is
    emptied on the way: its ids are the largest arrays of the build, its distinct tokens
    millions of strings.
    """
    table = _FormTable.analyse(tokens, aliases, settings)
    doc_count = tokens.doc_count
    results = _all_block_postings(table, tokens, progress)
    tokens.chunks = []  # freed before the postings are merged
    analyzer, terms = table.analyzer, list(table.terms)
    # So are the per-word arrays and strings only the blocks read (the split pairs' hash
    # parts, every word's string): about half a GB at a million paragraphs.
    del table
    release_freed_memory()
    return analyzer, IndexBlocks.of(results, terms, doc_count, params or BM25Params())


def _all_block_postings(
    table: _FormTable, tokens: Tokens, progress: Progress
) -> list[_BlockPostings]:
    """The postings of every block of paragraphs, in order, made in threads."""
    doc_count = tokens.doc_count
    blocks = tokens.blocks()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = []
        for (_, lengths, first), result in zip(
            blocks, pool.map(lambda block: table.block_postings(*block), blocks), strict=True
        ):
            results.append(result)
            progress("indexing", first + len(lengths), doc_count)
    return results


# Between the forms of a run of tokens: whitespace, so never inside a form.
_FORM_SEPARATOR = "\n"


def _token_forms(tokens: Sequence[str]) -> tuple[str, npt.NDArray[np.int32]]:
    """The normalised words of a run of whitespace tokens (in a worker of ``map_runs``): all
    of them in one string, and how many each token has."""
    found = list(map(shared("tokenizer").forms, tokens))
    counts = np.fromiter(map(len, found), np.int32, len(found))
    return _FORM_SEPARATOR.join(itertools.chain.from_iterable(found)), counts


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
    acronym_pairs: PairRoute  # two words that may begin a spelled-out acronym
    ending_pairs: PairRoute  # two words that may begin the spelled ending of a name
    split_pairs: SplitPairs  # which pairs of forms may be split words or names
    terms: dict[str, int]
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def analyse(
        cls,
        tokens: Tokens,
        aliases: Iterable[list[str]],
        settings: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> _FormTable:
        """Build the vocabulary from the corpus's word counts: each distinct word analysed once
        (:meth:`Vocabulary.build`), on every core for a large collection."""
        forms: dict[str, int] = {}
        vocabulary = tokens.vocabulary
        tokenizer = Tokenizer(settings.on("normalize"))
        ids, per_token = [], []
        # A run of tokens' forms at a time, as one string and counts: tuples of strings for
        # every token at once were the largest objects of the build before the vocabulary's.
        for joined, counts in map_runs(
            _token_forms,
            vocabulary,
            {"tokenizer": tokenizer},
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        ):
            found = joined.split(_FORM_SEPARATOR) if counts.sum() else []
            ids.append(np.asarray([forms.setdefault(f, len(forms)) for f in found], np.int32))
            per_token.append(counts.astype(np.int64))
        count = len(vocabulary)
        # Only their forms are needed from here: a couple of million strings at a million
        # paragraphs, dropped before the vocabulary build, the peak of the indexing process.
        tokens.vocabulary = []
        del vocabulary
        forms_per_token = np.concatenate([np.zeros(0, np.int64), *per_token])
        token_form_ptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(forms_per_token, out=token_form_ptr[1:])
        token_form_ids = np.concatenate([np.zeros(0, np.int32), *ids])
        del ids, per_token
        occurrences = np.zeros(count, dtype=np.int64)
        for chunk in range(len(tokens.chunks)):  # by number: no name left holding the ids
            occurrences += np.bincount(tokens.chunks[chunk][0], minlength=count)
        form_counts = np.bincount(
            token_form_ids,
            weights=np.repeat(occurrences, forms_per_token),
            minlength=len(forms),
        ).astype(np.int64)
        form_list = list(forms)
        forms.clear()  # its table and numbers: a couple of hundred MB at a million paragraphs
        del occurrences
        release_freed_memory()  # the tokens' strings, the forms' table, the workers' results
        with _ids_on_disk(tokens):
            built = Vocabulary.build(form_list, form_counts, aliases, settings)
        analyzer = Analyzer(built)
        # Each form's row in the vocabulary's tables, by the order they were built from.
        rows = np.empty(len(form_list), dtype=np.int64)
        order = built.forms.keys.built_from
        assert order is not None  # a vocabulary just built knows it
        rows[order] = np.arange(len(order), dtype=np.int64)
        analysed = np.asarray(built.forms.columns["term"])[rows].astype(np.int64)
        # Index term ids in the order the words first use them (as the terms came before).
        used = np.flatnonzero(analysed >= 0)
        distinct, first = np.unique(analysed[used], return_index=True)
        by_first = distinct[np.argsort(first, kind="stable")]
        index_id = np.full(len(built.terms), -1, dtype=np.int64)
        index_id[by_first] = np.arange(len(by_first), dtype=np.int64)
        form_term = np.where(analysed >= 0, index_id[np.maximum(analysed, 0)], -1)
        terms: dict[str, int] = {built.terms[int(t)]: i for i, t in enumerate(by_first.tolist())}
        for phrase in analyzer.phrase_terms:
            terms.setdefault(phrase, len(terms))
        may_start = np.fromiter(map(analyzer.starts_phrase, form_list), bool, len(form_list))
        keys = _letter_keys(form_list)
        pairs = built.pairs
        assert pairs is not None  # so does it its split pairs
        built.pairs = None  # the indexer's alone: not held by the analyser that serves
        return cls(
            analyzer,
            form_list,
            token_form_ptr,
            forms_per_token,
            token_form_ids,
            form_term,
            may_start,
            PairRoute.from_cuts(list(analyzer.acronym_pairs), keys, keys),
            PairRoute.from_cuts(list(analyzer.ending_pairs), keys, keys),
            pairs,
            terms,
        )

    def block_postings(
        self,
        block: npt.NDArray[np.int32],
        lengths: npt.NDArray[np.int64],
        first_doc: int,
    ) -> _BlockPostings:
        """The postings of a block of paragraphs (numbered from ``first_doc``)."""
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

        # Where an alias phrase, a spelled acronym, a name ending in one (the word before its
        # first two letter names) or a joined pair may start: ask the analyser there, in order,
        # as Analyzer._scan does.
        left, right = forms[:-1], forms[1:]
        same_doc = doc[1:] == doc[:-1]
        may_join = self.acronym_pairs.joins(left, right)
        if self.analyzer.joins:
            may_join |= self.split_pairs.may_join(left, right)
        may_join[:-1] |= self.ending_pairs.joins(right[:-1], right[1:]) & same_doc[1:]
        candidates = np.flatnonzero(self.may_start[forms] | np.append(may_join & same_doc, False))
        if len(candidates):
            doc_end = np.cumsum(np.bincount(doc, minlength=len(lengths)))
            consumed = 0
            for i in candidates.tolist():
                if i < consumed:
                    continue
                end = min(i + MAX_PHRASE_WORDS, int(doc_end[doc[i]]))
                window = [self.form_list[f] for f in forms[i:end].tolist()]
                length, phrase = self.analyzer.phrase_at(window, 0)
                if length > 1 and phrase is not None:
                    term[i : i + length] = -1
                    term[i] = self._phrase_term(phrase)
                    consumed = i + length
        keep = term >= 0
        doc_len = np.bincount(doc[keep], minlength=len(lengths))
        return _BlockPostings.of(term[keep] * len(lengths) + doc[keep], doc_len, first_doc)

    def _phrase_term(self, phrase: str) -> int:
        """Id of a joined or alias term; they are registered up front, so ids never race."""
        with self.lock:
            return self.terms.setdefault(phrase, len(self.terms))


@contextlib.contextmanager
def _ids_on_disk(tokens: Tokens) -> Iterator[None]:
    """Park the token ids in a temporary file while the ``with`` block runs, then read them
    back: the vocabulary build is the indexing process's peak, and the ids (4 bytes a word
    of the collection, 190 MB at a million paragraphs) are not read until it is over. Where
    no temporary file can be written (a full disk), they stay in memory."""
    try:
        spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the with below
    except OSError:
        yield
        return
    with spill:
        try:
            for chunk in range(len(tokens.chunks)):  # by number: no name left holding the ids
                tokens.chunks[chunk][0].tofile(spill)
            spill.flush()
        except OSError:
            yield
            return
        parked = [(len(ids), lengths) for ids, lengths in tokens.chunks]
        tokens.chunks = []
        yield
        release_freed_memory()  # the work memory of the ``with`` block, before the ids return
        spill.seek(0)
        tokens.chunks = [(np.fromfile(spill, np.int32, n), lengths) for n, lengths in parked]


def _letter_keys(forms: list[str]) -> list[str | None]:
    return list(map(letter_pair_key, forms))


@dataclass
class _BlockPostings:
    """One block's postings, by paragraph (its paragraphs numbered from 0), and its paragraphs'
    lengths.

    Kept compact, since every block waits in memory for the merge: only the forward index
    (term ids as int32, term frequencies as uint16, capped at 65535 where BM25 has long
    saturated; a paragraph part has at most 3000 characters,
    :data:`retrieval.corpus.SPLIT_PARAGRAPH_CHARS`). The postings by term are made from it
    when the blocks are merged: holding them too was 6 bytes a posting more, and their runs
    16 bytes a term of each block (about 400 MB at a million paragraphs).
    """

    doc_len: npt.NDArray[np.int32]
    forward: ForwardIndex

    @classmethod
    def of(
        cls, keys: npt.NDArray[np.int64], doc_len: npt.NDArray[np.int64], first_doc: int
    ) -> _BlockPostings:
        """From ``term * len(doc_len) + paragraph`` keys of every occurrence in the block."""
        terms, docs, tf = group_occurrences(keys, len(doc_len))
        return cls(doc_len.astype(np.int32), ForwardIndex.of(terms, docs, tf, len(doc_len)))



@dataclass
class IndexBlocks:
    """Every block's postings, waiting for the merge, and what the index will be without them:
    its terms, how many paragraphs use each, and its paragraphs' lengths. The tables built
    from the terms alone (the spelling index, the trigram statistics) are best built before
    the merge, while the postings' arrays do not exist yet (BENCHMARKS.md, "Build memory,
    third round")."""

    blocks: list[_BlockPostings]
    terms: list[str]
    used: UsedTerms
    df: npt.NDArray[np.int64]  # of every term of ``terms``
    doc_len: npt.NDArray[np.float64]
    params: BM25Params

    @classmethod
    def of(
        cls, blocks: list[_BlockPostings], terms: list[str], doc_count: int, params: BM25Params
    ) -> IndexBlocks:
        doc_len = np.zeros(doc_count, dtype=np.float64)
        if blocks:
            doc_len = np.concatenate([block.doc_len for block in blocks]).astype(np.float64)
        df = np.zeros(len(terms), dtype=np.int64)
        for block in blocks:
            df += np.bincount(block.forward.terms, minlength=len(terms))
        return cls(blocks, terms, UsedTerms.of(terms, df), df, doc_len, params)

    @property
    def doc_count(self) -> int:
        return len(self.doc_len)

    @property
    def mean_length(self) -> float:
        return mean_length(self.doc_len)

    def merge(self) -> BM25Index:
        """Join the blocks' forward indexes one after another (their paragraphs follow one
        another), then place each block's postings by term after the previous blocks' in
        every term's run. The blocks are emptied on the way.

        Blocks come in paragraph order, so appending keeps every run sorted by paragraph: a
        bucket placement, linear, instead of one global sort of every occurrence.
        """
        blocks, doc_count, doc_len, params = self.blocks, self.doc_count, self.doc_len, self.params
        total = sum(len(block.forward.terms) for block in blocks)
        forward = ForwardIndex(
            np.zeros(doc_count + 1, dtype=np.int64),
            np.empty(total, dtype=np.int32),
            np.empty(total, dtype=np.uint16),
        )
        spans = []  # each block's first paragraph, paragraphs and first posting
        first_doc = placed = 0
        blocks.reverse()
        while blocks:  # popped, so each block is freed once placed
            part = blocks.pop().forward
            end = placed + len(part.terms)
            forward.terms[placed:end] = part.terms
            forward.counts[placed:end] = part.counts
            forward.indptr[first_doc + 1 : first_doc + 1 + part.doc_count] = (
                part.indptr[1:] + placed
            )
            spans.append((first_doc, part.doc_count, placed))
            first_doc += part.doc_count
            placed = end
            del part
        # The blocks' memory, freed, lies in their threads' arenas, where none of what follows
        # is allocated.
        release_freed_memory()
        avgdl = self.mean_length
        cursor = np.zeros(len(self.terms), dtype=np.int64)
        np.cumsum(self.df[:-1], out=cursor[1:])
        doc_ids = np.empty(total, dtype=np.int32)
        # Each posting's BM25 weight is made as it is placed: a whole array of term
        # frequencies beside it was 2 bytes a posting more.
        weights = np.empty(total, dtype=np.float32)
        for first, count, start in spans:
            end = int(forward.indptr[first + count])
            part = ForwardIndex(
                forward.indptr[first : first + count + 1] - start,
                forward.terms[start:end],
                forward.counts[start:end],
            )
            run_terms, run_lengths, block_docs, block_tf = _by_term(part, first)
            run_starts = np.cumsum(run_lengths) - run_lengths
            where = np.repeat(cursor[run_terms] - run_starts, run_lengths)
            where += np.arange(len(where))
            doc_ids[where] = block_docs
            weights[where] = tf_weights(block_tf, block_docs, doc_len, avgdl, params)
            cursor[run_terms] += run_lengths
        return BM25Index.from_weights(
            self.terms, self.df, doc_ids, weights, doc_count, avgdl, forward, self.used
        )


def _by_term(
    part: ForwardIndex, first: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray]:
    """A block's postings (its forward index) sorted by term, then paragraph (numbered from
    ``first``): the distinct terms, how many postings each has, and each posting's paragraph
    and term frequency."""
    count = part.doc_count
    docs = np.repeat(np.arange(count, dtype=np.int64), np.diff(part.indptr))
    # One sort of (term, paragraph, frequency) packed in 64 bits: term ids stay below 2**31
    # and a block's paragraphs (BLOCK_PARAGRAPHS) below 2**16, which leaves 16 bits for the
    # frequency.
    keys = (part.terms.astype(np.int64) * count + docs) << 16 | part.counts
    del docs
    keys.sort()
    tf = (keys & 0xFFFF).astype(np.uint16)
    keys >>= 16
    terms = keys // max(count, 1)
    docs32 = (keys - terms * count + first).astype(np.int32)
    run_starts = np.flatnonzero(np.diff(terms, prepend=-1))
    return terms[run_starts], np.diff(run_starts, append=len(terms)), docs32, tf
