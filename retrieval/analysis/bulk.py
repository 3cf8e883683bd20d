"""Work over a collection's distinct words on every core: chunks of a list, mapped in forked
worker processes (the list is inherited, not sent), results in order.

A news archive of a million paragraphs has a couple of million distinct words and each costs
microseconds of Python; two cores halve that. Forking is only safe from a process that runs no
other thread (a lock held by another thread stays locked in the child), so a serving process,
or a small collection, maps in this process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a worker process costs more than it saves.
PARALLEL_MIN_ITEMS = 100_000
CHUNKS_PER_WORKER = 4

# What forked workers read: set before the pool starts, inherited by the children.
_SHARED: dict[str, Any] = {}


def shared(name: str) -> Any:
    """A value :func:`map_runs` made available to the function (in a worker or not)."""
    return _SHARED[name]


def map_runs(
    function: Callable[[Sequence[T]], R],
    items: Sequence[T],
    context: dict[str, Any] | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
) -> Iterator[R]:
    """``function`` of consecutive runs of ``items``, in order, computed on every core when
    worthwhile (all items as one run otherwise).

    ``function`` maps a run to one result (what the caller needs of it, compact: results
    cross from the workers by pickling) and may read ``context`` through :func:`shared`;
    ``initializer(*initargs)`` starts each worker process (the indexer's
    ``die_with_parent``). Results are yielded as they are taken, so the caller holds one.
    """
    _SHARED.clear()
    _SHARED.update(context or {})
    workers = os.cpu_count() or 1
    try:
        if len(items) < PARALLEL_MIN_ITEMS or workers < 2 or threading.active_count() > 1:
            yield function(items)
            return
        _SHARED["items"] = items
        size = -(-len(items) // (workers * CHUNKS_PER_WORKER))
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=fork, initializer=initializer, initargs=initargs
        ) as pool:
            futures = deque(
                pool.submit(_run, function, start, min(start + size, len(items)))
                for start in range(0, len(items), size)
            )
            while futures:  # popped, so each result is freed once taken
                yield futures.popleft().result()
    finally:
        _SHARED.clear()


def _run(function: Callable[[Sequence[T]], R], start: int, stop: int) -> R:
    return function(_SHARED["items"][start:stop])
