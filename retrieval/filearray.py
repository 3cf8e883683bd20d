"""Snapshot arrays read with ``pread`` from one open file, never memory-mapped.

Mapped file pages count as the process's own memory once touched, and the kernel maps whole
large folios of the page cache per touch: on the benchmark machine (Linux 6.18, ext4) reading
200 random passages through a map grew the resident set by 300 MB, over a megabyte per passage
(BENCHMARKS.md). ``pread`` copies just the bytes asked for out of the page cache, which the
kernel shares between processes and reclaims under pressure, so a process serving a
million-paragraph snapshot stays small. The copy costs about a microsecond per 4 KB.

A map has a second fault: when someone truncates the file in place, touching a page past the
new end raises SIGBUS and kills the whole process. A ``pread`` past the end returns short, which
is an ordinary exception here (:class:`FileChangedError`); and every read checks the file's
identity (:class:`FileIdentity`), so bytes that were rewritten in place (``cp`` over the file, a
sync tool) are never taken for the data that was loaded.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


class FileChangedError(OSError):
    """The file was truncated or rewritten in place after it was loaded: its data is gone."""


@dataclass(frozen=True)
class FileIdentity:
    """Which file this is and which version of its bytes (from ``stat``).

    Every write sets the modification time to the current time, so a rewrite in place shows in
    size or mtime; only one that restores the same size and, to the nanosecond, the same mtime
    (a copy of this very build) would not. The change time is left out on purpose: renaming
    another snapshot over this one, deleting it, linking or ``chmod``-ing it changes ``ctime``
    and not one byte, and engines go on reading a snapshot renamed over (rollback keeps one).
    """

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileIdentity:
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def same_file(self, other: FileIdentity) -> bool:
        """Whether ``other`` is the same inode (rewritten or not)."""
        return (self.device, self.inode) == (other.device, other.inode)

    def change_to(self, now: FileIdentity) -> str | None:
        """How the same file changed since ``self`` was taken, in words; None if it did not."""
        if now == self:
            return None
        if now.size < self.size:
            return f"truncated in place ({self.size} -> {now.size} bytes)"
        if now.size != self.size:
            return f"rewritten in place ({self.size} -> {now.size} bytes)"
        return f"rewritten in place ({now.size} bytes, same size)"


class ReadOnlyFile:
    """An open file, closed when the last array reading from it is gone.

    Held open on purpose: when a reload renames a new snapshot into place, engines still
    serving (or kept for rollback) go on reading the file they were loaded from. Its
    :attr:`identity` is taken at open (``growing=True``: at :meth:`seal`, for a file still being
    written); reads fail with :class:`FileChangedError` once the file differs from it.
    """

    def __init__(self, path: Path, growing: bool = False) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)
        self.identity: FileIdentity | None = None
        if not growing:
            self.seal()

    def seal(self) -> None:
        """Take the file as it is now as the version its arrays were written from."""
        self.identity = FileIdentity.of(os.fstat(self.fd))

    def change(self) -> str | None:
        """How the open file changed since it was sealed, in words; None if it did not."""
        if self.identity is None:
            return None
        stat = os.fstat(self.fd)  # compared field by field: this runs on every read
        if stat.st_size == self.identity.size and stat.st_mtime_ns == self.identity.mtime_ns:
            return None
        return self.identity.change_to(FileIdentity.of(stat))

    def check(self) -> None:
        """Raise :class:`FileChangedError` if the file changed since it was sealed."""
        change = self.change()
        if change is not None:
            raise FileChangedError(f"{self.path} was {change} after it was loaded")

    def read_into(self, view: memoryview, position: int) -> None:
        """Fill ``view`` (bytes) from ``position``; a file that ends first is an error."""
        done = 0
        while done < len(view):
            read = os.preadv(self.fd, [view[done:]], position + done)
            if read <= 0:
                self.check()  # says how it changed, when it did
                raise FileChangedError(f"{self.path} ended early at byte {position + done}")
            done += read

    def read_array(self, offset: int, dtype: np.dtype, shape: tuple[int, ...]) -> npt.NDArray:
        """An array copied into memory from ``offset``, checked against the sealed identity."""
        out = np.empty(shape, dtype=dtype)
        self.read_into(memoryview(out).cast("B"), offset)
        self.check()
        return out


class FileArray:
    """A read-only one-dimensional array stored in a file, read one slice at a time."""

    def __init__(self, file: ReadOnlyFile, offset: int, dtype: np.dtype, length: int) -> None:
        self.file = file
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
        return self.file.read_array(
            self._offset + start * self.dtype.itemsize, self.dtype, (max(stop - start, 0),)
        )
