"""Questions over a large collection answered in a second process, on another core.

Python runs one thread of a process at a time (the interpreter lock), so a search in a thread
beside the event loop takes the loop's turns: over a million paragraphs a question costs 4-8 ms
of CPU, and the whole bot (HTTP, updates, rendering, searches) ran on one core (issue 15,
BENCHMARKS.md). A child process answers on the other core instead.

The child answers from exactly the engine the caller serves, never a stale or a newer one. An
engine loaded from a snapshot holds its file open, and after a reload the snapshot's path names
another file, so the child opens the parent's very file (``/proc/<parent>/fd/<fd>`` on Linux),
checks that it is the same file with the same bytes (:class:`FileIdentity`), and loads the
engine from it (:func:`retrieval.snapshot.load_snapshot_file`). It keeps only the engine it
last loaded: after a rollback it loads the earlier one again (half a second at a million
paragraphs, answered here meanwhile) rather than hold a second copy of the index's arrays.

Whenever the child cannot answer for the engine asked about, :meth:`SearchProcess.answer` says
so (None) and the caller searches in its own process, as without a child: while the child loads
an engine it has not seen (half a second at a million paragraphs: answers never wait for it),
for an index held in memory, off Linux, after the child died (a new one starts
:data:`RESTART_SECONDS` later) or raised. Each of these is one line in the log, once.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from retrieval.analysis.steps import AnalysisSettings
from retrieval.answer import Answer
from retrieval.bm25 import BM25Params
from retrieval.filearray import FileIdentity, ReadOnlyFile
from retrieval.indexing import die_with_parent
from retrieval.search import SearchEngine
from retrieval.snapshot import load_snapshot_file

log = logging.getLogger(__name__)

# Engines the child keeps. Each holds its in-memory arrays (about 200 MB of the pair's memory
# after a 1M reload when two were kept, BENCHMARKS.md); a rollback is rare, a reload is not.
ENGINES_KEPT = 1
# After the child died (killed, out of memory), searches stay in this process this long before
# a new child is started: a child that dies at every start costs a start a minute, not one a
# question.
RESTART_SECONDS = 60.0


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def unavailable() -> str | None:
    """Why no child can open this process's snapshot files here (None: it can)."""
    if sys.platform != "linux" or not Path("/proc/self/fd").is_dir():
        return "a second process needs Linux's /proc/<pid>/fd to open the served snapshot"
    return None


class SearchProcess:
    """One child process answering ``engine.answer`` for the engines of this process.

    Every method runs on the event loop's thread: the child is started by it (and is killed
    when that thread ends: :func:`retrieval.indexing.die_with_parent`), and the state below is
    only touched there.
    """

    def __init__(
        self,
        restart_seconds: float = RESTART_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._restart_seconds = restart_seconds
        self._clock = clock
        self._pool: ProcessPoolExecutor | None = None
        # Engines the child holds, by their snapshot file, as it last said.
        self._ready: frozenset[FileIdentity] = frozenset()
        # The engine being loaded (then every answer is searched here: none waits for a load).
        self._loading: Future | None = None
        self._failed: set[FileIdentity] = set()
        self._died_at: float | None = None
        self._closed = False
        self._said: set[str] = set()
        self._unavailable = unavailable()
        self._pid: int | None = None

    @property
    def ready(self) -> frozenset[FileIdentity]:
        """The snapshot files whose engine the child holds (as far as this process knows)."""
        return self._ready

    @property
    def pid(self) -> int | None:
        """The child's process id, once it has loaded an engine."""
        return self._pid

    def prepare(self, engine: SearchEngine) -> None:
        """Have the child load ``engine`` in the background (at start, ahead of the first
        question; a question does the same)."""
        file = self._snapshot(engine)
        if file is not None:
            self._prepare(engine, file)

    def serves(self, engine: SearchEngine) -> bool:
        """Whether questions to ``engine`` go to the child now."""
        file = engine.store.file
        return (
            self._pool is not None
            and self._loading is None
            and file is not None
            and file.identity in self._ready
        )

    async def answer(
        self, engine: SearchEngine, question: str, limit: int, offset: int
    ) -> Answer | None:
        """``engine.answer(question, limit, offset)`` found by the child, or None when the
        caller must search itself (and then the child is asked to get ready for ``engine``)."""
        file = self._snapshot(engine)
        if file is None or file.identity is None:
            return None
        identity, pool = file.identity, self._pool
        if pool is None or self._loading is not None or identity not in self._ready:
            self._prepare(engine, file)
            return None
        try:
            answer = await asyncio.wrap_future(
                pool.submit(_answer, identity, question, limit, offset)
            )
        except BrokenProcessPool:
            self._died(pool)
            return None
        except Exception as exc:  # raised by the engine in the child: the caller meets it too
            self._say_once(
                f"raised {type(exc).__name__}",
                "the search process could not answer (%s: %s); searching in this process",
                type(exc).__name__,
                exc,
            )
            return None
        if answer is None:  # the child let the engine go meanwhile
            self._ready -= {identity}
            self._prepare(engine, file)
        return answer

    def close(self) -> None:
        """Stop the child (after the question or load it is on: milliseconds, or a load's
        half second); answers are searched in this process from now on."""
        self._closed = True
        pool, self._pool = self._pool, None
        self._ready = frozenset()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _snapshot(self, engine: SearchEngine) -> ReadOnlyFile | None:
        """The snapshot file ``engine`` reads, when a child can open it too."""
        if self._closed:
            return None
        if self._unavailable is not None:
            self._say_once("unavailable", "%s: searching in this process", self._unavailable)
            return None
        file = engine.store.file
        if file is None or file.identity is None:
            self._say_once(
                "memory",
                "the index is held in memory, not in a snapshot: searching in this process",
            )
            return None
        return file

    def _prepare(self, engine: SearchEngine, file: ReadOnlyFile) -> None:
        """Have the child load ``engine`` (which reads ``file``) in the background, unless it
        is loading another one."""
        identity = file.identity
        if identity is None or identity in self._failed or self._loading is not None:
            return
        if self._pool is None:
            if self._died_at is not None and self._clock() - self._died_at < self._restart_seconds:
                return
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # Not fork: this process runs threads, and a fork can copy a lock one of them
                # holds into a child that then waits for it forever.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(os.getpid(),),
            )
        pool = self._pool
        path = f"/proc/{os.getpid()}/fd/{file.fd}"
        settings = engine.analyzer.settings
        try:
            self._loading = pool.submit(_load, path, identity, engine.params, settings)
        except BrokenProcessPool:
            self._died(pool)
            return
        # The callback holds the engine, so its file stays open until the child has opened it.
        asyncio.wrap_future(self._loading).add_done_callback(
            functools.partial(self._loaded, pool, engine, identity)
        )

    def _loaded(
        self,
        pool: ProcessPoolExecutor,
        engine: SearchEngine,
        identity: FileIdentity,
        done: asyncio.Future[tuple[int, tuple[FileIdentity, ...]]],
    ) -> None:
        if pool is not self._pool or done.cancelled():
            return  # a child that died or was stopped meanwhile
        self._loading = None
        exc = done.exception()
        if isinstance(exc, BrokenProcessPool):
            self._died(pool)
        elif exc is not None:
            self._failed.add(identity)
            log.warning(
                "the search process could not load the index of %s (%s); searching in this "
                "process",
                engine.store.file.path if engine.store.file else "memory",
                exc,
            )
        else:
            pid, held = done.result()
            if pid != self._pid:
                log.info("searching in a second process (pid %d) from now on", pid)
            self._pid, self._ready = pid, frozenset(held)

    def _died(self, pool: ProcessPoolExecutor) -> None:
        """Forget a child that ended unexpectedly (said once per death); a new one starts
        :data:`RESTART_SECONDS` later, at a question."""
        if pool is not self._pool:
            return
        self._pool, self._loading, self._ready = None, None, frozenset()
        self._died_at = self._clock()
        pool.shutdown(wait=False, cancel_futures=True)
        log.warning(
            "the search process ended unexpectedly; searching in this process, a new one "
            "starts in %.0f s",
            self._restart_seconds,
        )

    def _say_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._said:
            self._said.add(key)
            log.warning(message, *args)


# ----- in the child ------------------------------------------------------------------------

_engines: OrderedDict[FileIdentity, SearchEngine] = OrderedDict()


def _start_child(parent: int) -> None:
    die_with_parent(parent)
    # Ctrl-C reaches the whole process group; the parent decides when the child stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load(
    path: str, identity: FileIdentity, params: BM25Params, settings: AnalysisSettings
) -> tuple[int, tuple[FileIdentity, ...]]:
    """Load the engine of the parent's open snapshot ``path``; this process's id and the
    engines it now holds."""
    if identity not in _engines:
        _engines[identity] = load_snapshot_file(Path(path), identity, params, settings)
    _engines.move_to_end(identity)
    if len(_engines) > ENGINES_KEPT:
        while len(_engines) > ENGINES_KEPT:
            _engines.popitem(last=False)
        # An engine's tables refer to each other (memoised lookups hold their owner), so only
        # a full collection frees them, and this process allocates too little to run one soon.
        gc.collect()
    return os.getpid(), tuple(_engines)


def _answer(identity: FileIdentity, question: str, limit: int, offset: int) -> Answer | None:
    """The answer of the engine loaded from ``identity``; None when it is not held."""
    engine = _engines.get(identity)
    if engine is None:
        return None
    _engines.move_to_end(identity)
    return engine.answer(question, limit, offset)
