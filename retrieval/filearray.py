"""Large snapshot arrays read with ``pread`` instead of being memory-mapped.

Mapped file pages count as the process's own memory once touched, and the kernel maps whole
large folios of the page cache per touch: on the benchmark machine (Linux 6.18, ext4) reading
200 random passages through a map grew the resident set by 300 MB, over a megabyte per passage
(BENCHMARKS.md). ``pread`` copies just the bytes asked for out of the page cache, which the
kernel shares between processes and reclaims under pressure, so a process serving a
million-paragraph snapshot stays small. The copy costs about a microsecond per 4 KB.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import numpy as np
import numpy.typing as npt


class ReadOnlyFile:
    """An open file, closed when the last array reading from it is gone.

    Held open on purpose: when a reload renames a new snapshot into place, engines still
    serving (or kept for rollback) go on reading the file they were loaded from.
    """

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)


class FileArray:
    """A read-only one-dimensional array stored in a file, read one slice at a time."""

    def __init__(self, file: ReadOnlyFile, offset: int, dtype: np.dtype, length: int) -> None:
        self._file = file
        self._offset = offset
        self.dtype = np.dtype(dtype)
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> npt.NDArray:
        if not isinstance(key, slice):
            raise TypeError("FileArray reads slices only")
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise ValueError("FileArray reads contiguous slices only")
        out = np.empty(max(stop - start, 0), dtype=self.dtype)
        view = memoryview(out).cast("B")
        position = self._offset + start * self.dtype.itemsize
        done = 0
        while done < len(view):
            read = os.preadv(self._file.fd, [view[done:]], position + done)
            if read <= 0:
                raise OSError(f"snapshot file ended early at byte {position + done}")
            done += read
        return out
