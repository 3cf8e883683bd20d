"""What the indexing processes do with memory they free (glibc's allocator; elsewhere nothing).

An indexing process allocates and frees gigabytes of arrays and millions of strings, phase
after phase, then exits. Two policies, both measured in BENCHMARKS.md.
"""

from __future__ import annotations

import ctypes

# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def _glibc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


def retain_freed_memory() -> None:
    """Keep freed memory in this process for reuse instead of handing it back to the OS.

    Indexing allocates and frees gigabytes of temporary arrays. glibc returns each large block
    to the kernel on free, so the next one is fresh memory again, and on virtual machines a
    first touch is slow: 1 GB of fresh pages costs 4 s on the benchmark machine, 0.13 s when
    reused (BENCHMARKS.md). Only for processes that exit after indexing: peak memory is kept.
    """
    libc = _glibc()
    if libc is None:
        return
    libc.mallopt(_M_MMAP_MAX, 0)
    libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)


def release_freed_memory() -> None:
    """Hand the pages of freed memory back to the OS, once, between phases of indexing.

    A process that keeps freed memory (:func:`retain_freed_memory`) can only reuse it where a
    new allocation fits in a free gap of the same arena; a large array made after a phase
    that freed many small ones takes fresh pages while the old ones stay resident, and a
    block's memory freed by another thread stays in that thread's arena. ``malloc_trim``
    returns every free whole page of every arena (``madvise``), keeping the address space for
    reuse. At a million paragraphs half of the heap was such memory at the merge (1.25 of 2.1
    GB); trimming between phases is part of what took the build's peak from 2.6 to 1.9 GB
    (BENCHMARKS.md, "Build memory, third round"), for milliseconds a call and the page faults
    of memory touched again. Not glibc: nothing to do.
    """
    trim = getattr(_glibc(), "malloc_trim", None)
    if trim is not None:
        trim(0)
