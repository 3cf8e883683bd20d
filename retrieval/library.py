"""The live index: one engine serving, swapped whole on reload, the previous one kept for rollback.

Readers take ``library.engine`` once per question and use that snapshot to the end, so a reload
that swaps the reference mid-question never mixes two corpora. A reload that fails leaves the
serving engine untouched.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.analysis.steps import DEFAULT_SETTINGS, AnalysisSettings
from retrieval.bm25 import BM25Params
from retrieval.indexing import (
    PARALLEL_MIN_BYTES,
    Progress,
    retain_freed_memory,
    sources_size,
    start_method,
)
from retrieval.search import DEFAULT_PARAMS, SearchEngine
from retrieval.snapshot import SnapshotError, SnapshotWriter, fingerprint, load_snapshot
from retrieval.writable import why_unwritable

log = logging.getLogger(__name__)
SNAPSHOT_NAME = ".sanad-index"


class ReloadError(Exception):
    """Why a reload was refused; the serving index is unchanged."""


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed, for the admin who asked for it."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    articles: int = 0
    paragraphs: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


class Library:
    """Holds the serving :class:`SearchEngine` for one sources directory."""

    def __init__(
        self,
        sources_dir: Path,
        engine: SearchEngine,
        snapshot: Path | None = None,
        analysis: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> None:
        self.sources_dir = sources_dir
        self.snapshot = snapshot
        self.analysis = analysis
        self._engine = engine
        self._previous: SearchEngine | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        sources_dir: Path,
        snapshot: Path | None = None,
        progress: Progress | None = None,
        analysis: AnalysisSettings = DEFAULT_SETTINGS,
    ) -> Library:
        """Load ``sources_dir`` (from ``snapshot`` when it matches the sources and the
        analysis ``settings``: which steps are off, for measurement).

        Raises :class:`ReloadError` when nothing can be served.
        """
        engine = _build(sources_dir, snapshot, progress, analysis=analysis)
        return cls(sources_dir, engine, snapshot, analysis)

    @property
    def engine(self) -> SearchEngine:
        """The engine to answer with (take it once per question)."""
        return self._engine

    @property
    def reloading(self) -> bool:
        """Whether a reload is under way."""
        return self._lock.locked()

    def reload(self) -> ReloadReport:
        """Rebuild from disk and swap atomically; blocking (run it off the event loop)."""
        if not self._lock.acquire(blocking=False):
            raise ReloadError("another reload is in progress")
        try:
            started = time.perf_counter()
            # A child process can only hand its index over through a saved snapshot.
            if self.snapshot is not None and why_unwritable(self.snapshot.parent) is None:
                _index_in_subprocess(self.sources_dir, self.snapshot, analysis=self.analysis)
            new = _build(
                self.sources_dir, self.snapshot, allow_subprocess=False, analysis=self.analysis
            )
            old = self._engine
            before, after = old.store.article_digests, new.store.article_digests
            self._previous, self._engine = old, new
            return ReloadReport(
                added=sorted(after.keys() - before.keys()),
                removed=sorted(before.keys() - after.keys()),
                changed=sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
                articles=len(new.corpus.articles),
                paragraphs=len(new.corpus.paragraphs),
                seconds=time.perf_counter() - started,
                skipped=[f"{s.file}: {s.reason}" for s in new.corpus.skipped],
            )
        finally:
            self._lock.release()

    def rollback(self) -> SearchEngine | None:
        """Serve the engine from before the latest reload again (None when there is none)."""
        with self._lock:
            if self._previous is None:
                return None
            self._engine, self._previous = self._previous, self._engine
            return self._engine


def _index_in_subprocess(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None = None,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> None:
    """Build and save the snapshot in another process, so this one keeps answering quickly.

    Indexing is Python code that would hold this process's GIL for the whole rebuild, and its
    temporary arrays would stay in this process's memory; in a child process it only costs the
    other core and memory until it exits. The parent then loads the fresh snapshot.
    """
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            pool.submit(_build_and_save, sources_dir, snapshot, progress, analysis).result()
        except ReloadError:
            raise
        except Exception as exc:  # the child died or could not start: build here instead
            log.warning("indexing in a subprocess failed (%s); indexing in this process", exc)


def _build_and_save(
    sources_dir: Path, snapshot: Path, progress: Progress | None, analysis: AnalysisSettings
) -> None:
    retain_freed_memory()
    _build(sources_dir, snapshot, progress, allow_subprocess=False, analysis=analysis)


def default_snapshot(sources_dir: Path) -> Path:
    """Where the index of ``sources_dir`` is saved unless configured otherwise."""
    return sources_dir / SNAPSHOT_NAME


def _build(
    sources_dir: Path,
    snapshot: Path | None,
    progress: Progress | None = None,
    params: BM25Params = DEFAULT_PARAMS,
    allow_subprocess: bool = True,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Load a snapshot that matches the sources, else index them (and save the snapshot)."""
    if not sources_dir.is_dir():
        raise ReloadError(f"sources directory not found: {sources_dir}")
    if snapshot is None:
        return _index(sources_dir, params, progress, analysis=analysis)
    source_print = fingerprint(sources_dir, params, analysis)
    try:
        return load_snapshot(snapshot, source_print, params, analysis)
    except SnapshotError as exc:
        log.info("indexing from sources: %s", exc)
    unwritable = why_unwritable(snapshot.parent)
    if unwritable is not None:
        # Expected with a read-only volume, and said once at start (bot.service.storage).
        log.debug("index snapshot %s cannot be saved (%s): in memory", snapshot, unwritable)
        return _index(sources_dir, params, progress, analysis=analysis)
    if allow_subprocess and sources_size(sources_dir) >= PARALLEL_MIN_BYTES:
        _index_in_subprocess(sources_dir, snapshot, progress, analysis)
        try:
            return load_snapshot(snapshot, source_print, params, analysis)
        except SnapshotError as exc:
            log.warning("indexing in this process: %s", exc)
    try:  # paragraph text streams into the new snapshot while the sources are read
        writer = SnapshotWriter(snapshot)
        try:
            engine = _index(sources_dir, params, progress, writer, analysis)
            writer.finish(engine, source_print)
        except BaseException:
            writer.discard()
            raise
    except OSError as exc:
        log.warning(
            "could not write the index snapshot %s (%s): indexing in memory", snapshot, exc
        )
        return _index(sources_dir, params, progress, analysis=analysis)
    return engine


def _index(
    sources_dir: Path,
    params: BM25Params,
    progress: Progress | None,
    text: SnapshotWriter | None = None,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Index the sources; :class:`ReloadError` when no article could be loaded."""
    engine = SearchEngine.from_sources(sources_dir, params, progress, text, analysis)
    corpus = engine.corpus
    if not corpus.paragraphs:
        reasons = "; ".join(f"{s.file}: {s.reason}" for s in corpus.skipped) or "no .txt/.md files"
        raise ReloadError(f"no article could be loaded from {sources_dir} ({reasons})")
    return engine
