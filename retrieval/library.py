"""The live index: one engine serving, swapped whole on reload, the previous one kept for rollback.

Readers take ``library.engine`` once per question and use that snapshot to the end, so a reload
that swaps the reference mid-question never mixes two corpora. A reload that fails leaves the
serving engine untouched.

The snapshot file can change under a running process: another process renames a new one over it
(``sanad index``, a replica), or it is rewritten in place (``cp``, a sync tool, a shared volume)
or truncated. Every time the engine is taken, the file is looked at (an ``fstat`` of the open
snapshot and a ``stat`` of its path: 4 µs on the benchmark machine; with the ``fstat`` after
every read, :mod:`retrieval.filearray`, a seeds question costs 25 µs more, a tenth of its
0.25 ms, and about 1% of a question at a million paragraphs), and a changed one is reloaded in
the background, with one line logged. Looking at every question rather than every so often is
what lets the first question after a change start the reload: with a rate limit, a burst of
questions failing on a truncated file could pass without one.

A snapshot renamed over leaves the serving engine intact (it reads the file it opened), so the
new one is served only if it matches the sources. One rewritten in place has lost the bytes the
serving engine reads: its reads fail (they never return the new bytes) until the normal load
path has loaded the file or rebuilt it from the sources.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.analysis.steps import DEFAULT_SETTINGS, AnalysisSettings
from retrieval.bm25 import BM25Params
from retrieval.filearray import FileIdentity
from retrieval.heap import retain_freed_memory
from retrieval.indexing import (
    PARALLEL_MIN_BYTES,
    Progress,
    die_with_parent,
    sources_size,
    start_method,
)
from retrieval.search import DEFAULT_PARAMS, SearchEngine
from retrieval.snapshot import (
    SnapshotError,
    SnapshotWriteError,
    SnapshotWriter,
    fingerprint,
    load_snapshot,
    remove_dead_temp_files,
)
from retrieval.writable import why_unwritable

log = logging.getLogger(__name__)
SNAPSHOT_NAME = ".sanad-index"
# How much lower than the serving process a reload's indexing child runs (``nice``): at 10 the
# scheduler weighs it about a tenth of an answer when both want a core.
REBUILD_NICENESS = 10


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


@dataclass(frozen=True)
class Opening:
    """How :meth:`Library.open` got its index: ``snapshot_loaded`` (else built from the
    sources), in ``seconds`` of wall time."""

    snapshot_loaded: bool
    seconds: float


@dataclass(frozen=True)
class _SnapshotChange:
    """How the snapshot file differs from the one the serving engine reads."""

    path: Path
    what: str  # "was truncated in place (…)", "was replaced by another file"
    in_place: bool  # the serving engine's own bytes changed: it cannot answer any more
    on_disk: FileIdentity | None


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
        # A change already acted on without success: not acted on (nor logged) again.
        self._passed_over: _SnapshotChange | None = None
        # Set by open(): how the index that started serving was got (None: handed in).
        self.opening: Opening | None = None

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
        started = time.perf_counter()
        engine, loaded = _open_engine(sources_dir, snapshot, progress, analysis=analysis)
        library = cls(sources_dir, engine, snapshot, analysis)
        library.opening = Opening(loaded, time.perf_counter() - started)
        return library

    @property
    def engine(self) -> SearchEngine:
        """The engine to answer with (take it once per question)."""
        if self.snapshot is not None:
            self._watch_snapshot()
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
            return self._swap(_reindex(self.sources_dir, self.snapshot, self.analysis), started)
        finally:
            self._lock.release()

    def rollback(self) -> SearchEngine | None:
        """Serve the engine from before the latest reload again (None when there is none, or
        when its snapshot was rewritten in place since)."""
        with self._lock:
            if self._previous is None or not _readable(self._previous):
                return None
            self._engine, self._previous = self._previous, self._engine
            # The snapshot on disk is now the newer index's, knowingly not served: the watcher
            # must not take it for a change made under the process, or it would load it again
            # at the next question and undo the rollback.
            self._passed_over = None
            self._passed_over = self._snapshot_change()
            return self._engine

    def _swap(self, new: SearchEngine, started: float) -> ReloadReport:
        old = self._engine
        after = new.store.article_digests
        try:
            before = old.store.article_digests
        except OSError:  # its snapshot was rewritten in place: compare file names only
            before = {article.file: after.get(article.file, "") for article in old.corpus.articles}
        if _readable(old):  # else the one before it stays the rollback
            self._previous = old
        self._engine = new
        return ReloadReport(
            added=sorted(after.keys() - before.keys()),
            removed=sorted(before.keys() - after.keys()),
            changed=sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
            articles=len(new.corpus.articles),
            paragraphs=len(new.corpus.paragraphs),
            seconds=time.perf_counter() - started,
            skipped=[f"{s.file}: {s.reason}" for s in new.corpus.skipped],
        )

    def _watch_snapshot(self) -> None:
        """Start a background reload when the snapshot file changed."""
        if self._snapshot_change() is None or not self._lock.acquire(blocking=False):
            return
        change = self._snapshot_change()  # again: a reload may have ended in between
        if change is None:
            self._lock.release()
            return
        threading.Thread(
            target=self._reload_changed, args=(change,), name="sanad-snapshot-reload", daemon=True
        ).start()

    def _snapshot_change(self) -> _SnapshotChange | None:
        file = self._engine.store.file
        if self.snapshot is None or file is None or file.identity is None:
            return None  # served from memory: nothing on disk to follow
        in_place = file.change()
        try:
            stat: os.stat_result | None = os.stat(self.snapshot)
        except OSError:
            stat = None
        loaded = file.identity
        if in_place is not None:
            on_disk = FileIdentity.of(stat) if stat is not None else None
            change = _SnapshotChange(self.snapshot, f"was {in_place}", True, on_disk)
        elif stat is None or (stat.st_dev, stat.st_ino) == (loaded.device, loaded.inode):
            return None  # unchanged, or removed: the serving engine still reads its open file
        else:
            on_disk = FileIdentity.of(stat)
            change = _SnapshotChange(self.snapshot, "was replaced by another file", False, on_disk)
        return None if change == self._passed_over else change

    def _reload_changed(self, change: _SnapshotChange) -> None:
        """Runs in its own thread, holding the reload lock: serve the changed snapshot."""
        started = time.perf_counter()
        try:
            if change.in_place:  # the normal load path: load the file, or rebuild it
                _wait_until_written(change.path)
                new, _ = _open_engine(self.sources_dir, change.path, analysis=self.analysis)
            else:
                # Loaded only if it fits the sources: rebuilding would rename a snapshot of
                # ours over it, and a replica of another version sharing the directory would
                # answer in kind, forever (a rolling upgrade does exactly that).
                source_print = _fingerprint(self.sources_dir, DEFAULT_PARAMS, self.analysis)
                new = load_snapshot(change.path, source_print, DEFAULT_PARAMS, self.analysis)
            self._swap(new, started)
            outcome = f"reloaded in {time.perf_counter() - started:.1f} s"
        except Exception as exc:  # in this thread, an exception would only reach stderr
            self._passed_over = change
            outcome = f"not reloaded ({exc}); still serving the index loaded before"
        finally:
            self._lock.release()
        log.warning(
            "snapshot %s %s under the running process: %s", change.path, change.what, outcome
        )


def _wait_until_written(path: Path, quiet: float = 0.1, limit: float = 10.0) -> None:
    """Wait (up to ``limit`` seconds) until ``path`` has not changed for ``quiet`` seconds.

    A change in place is seen at its first write, while ``cp`` is still copying: a snapshot
    loaded then is half old, half new, and would be rebuilt from the sources (seconds to
    minutes) where the finished copy loads in under a second.
    """
    deadline = time.monotonic() + limit
    last: tuple[int, int] | None = None
    settled_at = time.monotonic()
    while time.monotonic() < deadline:
        try:
            stat = os.stat(path)
            now = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            now = None
        if now != last:
            last, settled_at = now, time.monotonic()
        elif time.monotonic() - settled_at >= quiet:
            return
        time.sleep(quiet / 5)


def _readable(engine: SearchEngine) -> bool:
    """Whether the engine's snapshot file still holds the bytes it was loaded from."""
    file = engine.store.file
    return file is None or file.change() is None


def default_snapshot(sources_dir: Path) -> Path:
    """Where the index of ``sources_dir`` is saved unless configured otherwise."""
    return sources_dir / SNAPSHOT_NAME


def build_snapshot(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None = None,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Index the sources and save the snapshot, whatever is saved now (``sanad index``).

    The old snapshot serves until the new one is complete and renamed over it. Raises
    :class:`ReloadError` (one line) when the sources cannot be read or the snapshot cannot be
    written.
    """
    _check_sources(sources_dir)
    remove_dead_temp_files(snapshot)
    large = sources_size(sources_dir) >= PARALLEL_MIN_BYTES
    try:
        return _index_and_save(sources_dir, snapshot, progress, DEFAULT_PARAMS, large, analysis)
    except SnapshotWriteError as exc:
        raise ReloadError(str(exc)) from exc


def _open_engine(
    sources_dir: Path,
    snapshot: Path | None,
    progress: Progress | None = None,
    params: BM25Params = DEFAULT_PARAMS,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> tuple[SearchEngine, bool]:
    """Load a snapshot that matches the sources, else index them (and save the snapshot);
    with whether the snapshot was loaded."""
    _check_sources(sources_dir)
    if snapshot is None:
        return _index(sources_dir, params, progress, analysis=analysis), False
    remove_dead_temp_files(snapshot)
    try:
        source_print = _fingerprint(sources_dir, params, analysis)
        return load_snapshot(snapshot, source_print, params, analysis), True
    except SnapshotError as exc:
        log.info("indexing from sources: %s", exc)
    if _unsaveable(snapshot):
        return _index(sources_dir, params, progress, analysis=analysis), False
    large = sources_size(sources_dir) >= PARALLEL_MIN_BYTES
    return _index_saving(sources_dir, snapshot, progress, params, large, analysis), False


def _unsaveable(snapshot: Path) -> bool:
    """Whether the snapshot's directory cannot be written: expected with a read-only volume and
    said once at start (bot.service.storage), so the index is held in memory without a word."""
    reason = why_unwritable(snapshot.parent)
    if reason is not None:
        log.debug("index snapshot %s cannot be saved (%s): in memory", snapshot, reason)
    return reason is not None


def _reindex(
    sources_dir: Path, snapshot: Path | None, analysis: AnalysisSettings = DEFAULT_SETTINGS
) -> SearchEngine:
    """Index the sources again (a reload), in a child process when there is a snapshot to hand
    the index over through."""
    _check_sources(sources_dir)
    if snapshot is None or _unsaveable(snapshot):
        return _index(sources_dir, DEFAULT_PARAMS, None, analysis=analysis)
    remove_dead_temp_files(snapshot)
    return _index_saving(sources_dir, snapshot, None, DEFAULT_PARAMS, True, analysis)


def _index_saving(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None,
    params: BM25Params,
    in_subprocess: bool,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Index and save; when the snapshot cannot be written, index once more, in memory."""
    try:
        return _index_and_save(sources_dir, snapshot, progress, params, in_subprocess, analysis)
    except SnapshotWriteError as exc:
        log.warning("%s; serving an index held in memory", exc)
    return _index(sources_dir, params, progress, analysis=analysis)


def _index_and_save(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None,
    params: BM25Params,
    in_subprocess: bool,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Index the sources and save the snapshot; :class:`SnapshotWriteError` when it cannot be
    written (the temporary file is gone by then, and nothing was indexed twice)."""
    if in_subprocess:
        source_print = _index_in_subprocess(sources_dir, snapshot, progress, params, analysis)
        if source_print is not None:
            try:
                return load_snapshot(snapshot, source_print, params, analysis)
            except SnapshotError as exc:
                log.warning("indexing in this process: %s", exc)
    source_print = _fingerprint(sources_dir, params, analysis)
    return _save_index(sources_dir, snapshot, source_print, params, progress, analysis)


def _save_index(
    sources_dir: Path,
    snapshot: Path,
    source_print: str,
    params: BM25Params,
    progress: Progress | None,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """Index in this process, paragraph text streaming into the new snapshot as it is read."""
    writer = SnapshotWriter(snapshot)
    try:
        engine = _index(sources_dir, params, progress, writer, analysis)
        writer.finish(engine, source_print)
    except BaseException:
        writer.discard()
        raise
    return engine


def _index_in_subprocess(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None,
    params: BM25Params,
    analysis: AnalysisSettings = DEFAULT_SETTINGS,
) -> str | None:
    """Build and save the snapshot in another process, so this one keeps answering quickly.

    Indexing is Python code that would hold this process's GIL for the whole rebuild, and its
    temporary arrays would stay in this process's memory; in a child process it only costs the
    other core and memory until it exits (and it dies with this process: see
    :func:`retrieval.indexing.die_with_parent`). Returns the fingerprint it was saved under,
    or None when the child could not run (then index here); the child's
    :class:`ReloadError` and :class:`SnapshotWriteError` are raised here.
    """
    # A rebuild runs while this process answers: on two cores the child and its reading workers
    # would take both, and answers would queue behind them (reload p99, BENCHMARKS.md). At
    # ``nice`` +REBUILD_NICENESS the scheduler gives an answer the core it wants at once, and
    # the rebuild everything else; its workers and threads inherit the niceness.
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=context,
        initializer=_start_rebuild_child,
        initargs=(os.getpid(), REBUILD_NICENESS),
    ) as pool:
        try:
            job = pool.submit(_build_and_save, sources_dir, snapshot, progress, params, analysis)
            return job.result()
        except (ReloadError, SnapshotWriteError):
            raise
        except Exception as exc:  # the child died or could not start: build here instead
            log.warning("indexing in a subprocess failed (%s); indexing in this process", exc)
            return None


def _start_rebuild_child(parent: int, niceness: int) -> None:
    die_with_parent(parent)
    os.nice(niceness)


def _build_and_save(
    sources_dir: Path,
    snapshot: Path,
    progress: Progress | None,
    params: BM25Params,
    analysis: AnalysisSettings,
) -> str:
    """The indexing child's job; returns the fingerprint the snapshot was saved under."""
    retain_freed_memory()
    source_print = _fingerprint(sources_dir, params, analysis)
    _save_index(sources_dir, snapshot, source_print, params, progress, analysis)
    return source_print


def _check_sources(sources_dir: Path) -> None:
    """:class:`ReloadError` (one line) unless ``sources_dir`` is a directory this process reads."""
    try:
        if not sources_dir.exists():
            raise ReloadError(f"sources directory not found: {sources_dir}")
        if not sources_dir.is_dir():
            raise ReloadError(f"sources directory is not a directory: {sources_dir}")
        os.listdir(sources_dir)
    except OSError as exc:
        raise ReloadError(
            f"cannot read the sources directory {sources_dir}: {exc.strerror or exc}"
        ) from exc


def _fingerprint(
    sources_dir: Path, params: BM25Params, analysis: AnalysisSettings = DEFAULT_SETTINGS
) -> str:
    try:
        return fingerprint(sources_dir, params, analysis)
    except OSError as exc:
        raise ReloadError(
            f"cannot read the sources directory {sources_dir}: {exc.strerror or exc}"
        ) from exc


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
