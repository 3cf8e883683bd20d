"""Arrays read from a snapshot file: a file changed under them is an error, never a signal or
other bytes taken for the loaded ones."""

import os
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.filearray import FileArray, FileChangedError, ReadOnlyFile

VALUES = np.arange(1000, dtype=np.int32)


def array_file(tmp_path: Path) -> tuple[Path, FileArray]:
    path = tmp_path / "arrays"
    path.write_bytes(b"HEAD" + VALUES.tobytes())
    # Written an hour ago, as a snapshot loaded at start was: a later write shows in the mtime
    # even where timestamps are as coarse as a clock tick.
    os.utime(path, (time.time() - 3600,) * 2)
    return path, FileArray(ReadOnlyFile(path), 4, np.dtype(np.int32), len(VALUES))


def test_slices_read_the_stored_values(tmp_path: Path):
    _, array = array_file(tmp_path)
    assert array[10:20].tolist() == list(range(10, 20))
    assert array[995:2000].tolist() == list(range(995, 1000))


def test_truncated_file_is_an_error_not_a_signal(tmp_path: Path):
    path, array = array_file(tmp_path)
    os.truncate(path, 0)
    with pytest.raises(FileChangedError, match="truncated in place"):
        array[500:600]


def test_bytes_rewritten_in_place_are_not_read_as_the_loaded_ones(tmp_path: Path):
    path, array = array_file(tmp_path)
    with open(path, "r+b") as handle:  # as cp onto an existing file writes: same inode
        handle.write(b"HEAD" + (VALUES + 1).tobytes())
    with pytest.raises(FileChangedError, match="rewritten in place"):
        array[0:10]


def test_file_renamed_over_or_removed_keeps_its_bytes_for_its_readers(tmp_path: Path):
    path, array = array_file(tmp_path)
    replacement = tmp_path / "new"
    replacement.write_bytes(b"HEAD" + (VALUES * 2).tobytes())
    os.replace(replacement, path)
    assert array[0:5].tolist() == [0, 1, 2, 3, 4]
    path.unlink()
    assert array[5:10].tolist() == [5, 6, 7, 8, 9]
