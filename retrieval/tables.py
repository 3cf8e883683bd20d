"""Lookup tables kept as flat arrays, so a snapshot can save them and a start reads them as is.

A start used to rebuild Python dicts of every word of the collection (the analyser's, the
spelling index's, the trigram statistics'): at a million distinct words that is tens of
seconds and hundreds of megabytes before the first answer (issue 15). These tables are built
once, at index time, as arrays: the 64-bit key of each string (:mod:`retrieval.keys`), sorted,
with a small directory of where each run of top bits starts, and beside them columns of
values. Looking a string up costs one hash and a scan of a bucket of a few keys. The strings
themselves are kept (a UTF-8 blob and offsets), so every hit is checked against its string:
two strings that share a key can never answer for each other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from retrieval.filearray import FileArray
from retrieval.keys import STRINGS_AT_ONCE, key_of, keys_of

# Keys per directory bucket, on average.
_BUCKET = 4
# Strings whose hits are remembered per table (looked up again and again: paragraph words),
# about 150 bytes each.
LOOKUP_CACHE_SIZE = 1 << 14
# Directory entries checked at a time when a table is loaded.
_CHECK_SLICE = 1 << 16

Array = npt.NDArray | FileArray


def fast(array: Array) -> memoryview | FileArray:
    """An array to index one item at a time from Python: in memory, a memoryview (items are
    plain ints and floats, a hundred nanoseconds each, where numpy makes a scalar object); in
    a file, the :class:`FileArray` itself."""
    if isinstance(array, FileArray):
        return array
    return memoryview(np.ascontiguousarray(array))


class StringList(Sequence[str]):
    """Strings stored as one UTF-8 blob and the offset where each starts (``len + 1``)."""

    def __init__(self, blob: Array, offsets: Array) -> None:
        self.blob = blob
        self.offsets = offsets
        self._blob = fast(blob)
        self._offsets = fast(offsets)

    @classmethod
    def build(cls, strings: Iterable[str]) -> StringList:
        """Encoded a run of strings at a time, each run as one string: a bytes object per
        string would be millions of objects for a large vocabulary. A string's size in UTF-8
        follows from its code points (one to four bytes each, a lone surrogate three)."""
        blobs, sizes = [], []
        remaining = iter(strings)
        while run := list(itertools.islice(remaining, STRINGS_AT_ONCE)):
            text = "".join(run)
            codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            ends = np.zeros(len(codes) + 1, dtype=np.int64)
            np.cumsum(
                1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000),
                out=ends[1:],
            )
            bounds = np.zeros(len(run) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, run), np.int64, len(run)), out=bounds[1:])
            sizes.append(np.diff(ends[bounds]))
            blobs.append(text.encode("utf-8", "surrogatepass"))
        offsets = np.zeros(sum(map(len, sizes)) + 1, dtype=np.int64)
        if sizes:
            np.cumsum(np.concatenate(sizes), out=offsets[1:])
        blob = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        if offsets[-1] < 2**32:  # half the memory for any list of strings a table holds
            offsets = offsets.astype(np.uint32)
        return cls(blob, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, stop = self._offsets[index : index + 2].tolist()
        return str(self._blob[start:stop], "utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return iter(self.between(0, len(self)))

    def between(self, first: int, last: int) -> list[str]:
        """Strings ``first`` to ``last - 1``, read in two slices (not two per string)."""
        offsets = self._offsets[first : last + 1].tolist()
        if len(offsets) < 2:
            return []
        text = bytes(self._blob[offsets[0] : offsets[-1]])
        base = offsets[0]
        return [
            text[start - base : stop - base].decode("utf-8", "surrogatepass")
            for start, stop in itertools.pairwise(offsets)
        ]

    def arrays(self, name: str) -> dict[str, Array]:
        return {f"{name}.blob": self.blob, f"{name}.offsets": self.offsets}

    @classmethod
    def from_arrays(cls, name: str, arrays: dict[str, Array]) -> StringList:
        blob, offsets = arrays[f"{name}.blob"], arrays[f"{name}.offsets"]
        if len(offsets) < 1:
            raise ValueError(f"{name}: no offsets")
        ends = offsets[len(offsets) - 1 : len(offsets)] if len(offsets) else []
        if int(offsets[0:1][0]) != 0 or int(ends[0]) != len(blob):
            raise ValueError(f"{name}: offsets do not span the strings")
        return cls(blob, offsets)


def directory_of(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Where each run of top bits starts in sorted ``keys`` (2**bits + 1 offsets, about
    :data:`_BUCKET` keys a bucket)."""
    bits = max(1, (max(len(keys), 1) // _BUCKET).bit_length())
    tops = np.arange(1 << bits, dtype=np.uint64) << np.uint64(64 - bits)
    directory = np.empty((1 << bits) + 1, dtype=np.int64)
    directory[:-1] = np.searchsorted(keys, tops)
    directory[-1] = len(keys)
    return directory


def check_directory(name: str, directory: Array, keys: int) -> None:
    """Raise ValueError unless ``directory`` can be the directory of ``keys`` sorted keys.

    Read a slice at a time: a directory kept in the file is never held whole for the check."""
    size = len(directory) - 1
    if size < 2 or size & (size - 1) or directory.dtype != np.int64:
        raise ValueError(f"{name}: no directory of a power of two buckets")
    last = 0
    for start in range(0, len(directory), _CHECK_SLICE):
        part = directory[start : start + _CHECK_SLICE + 1]
        if part[0] < last or np.any(part[1:] < part[:-1]):
            raise ValueError(f"{name}: directory out of order")
        last = part[-1]
    if directory[0:1][0] != 0 or last != keys:
        raise ValueError(f"{name}: directory out of order")


class KeyTable:
    """Distinct strings and their rows (0 … n-1, in key order), found by key.

    ``find`` hashes the string, reads the keys of its directory bucket and checks each equal
    key's string: an absent string is never found, whatever it hashes to.
    """

    def __init__(self, keys: Array, directory: Array, strings: Sequence[str]) -> None:
        self.keys = keys
        self.directory = directory
        self.strings = strings
        self._keys = fast(keys)
        self._directory = fast(directory)
        self._shift = 64 - (len(directory) - 1).bit_length() + 1
        self._found: dict[str, int] = {}
        # Row → index of its string in the list it was built from (None when loaded).
        self.built_from: npt.NDArray[np.int64] | None = None

    @classmethod
    def build(cls, strings: Sequence[str]) -> tuple[KeyTable, npt.NDArray[np.int64]]:
        """The table of distinct ``strings``, and for each row the index of its string."""
        keys = keys_of(strings)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        rows = StringList.build(strings[i] for i in order.tolist())
        table = cls(keys, directory_of(keys), rows)
        table.built_from = order
        return table, order

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, text: str) -> int:
        """The row of ``text``, or -1."""
        found = self._found.get(text)
        if found is not None:
            return found
        key = key_of(text)
        lo, hi = self._directory[key >> self._shift : (key >> self._shift) + 2].tolist()
        row = -1
        if lo < hi:
            for i, candidate in enumerate(self._keys[lo:hi].tolist()):
                if candidate == key and self.strings[lo + i] == text:
                    row = lo + i
                    break
        if len(self._found) >= LOOKUP_CACHE_SIZE:
            self._found.clear()
        self._found[text] = row
        return row

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.find(text) >= 0

    def has_joined(self, key: int, first: str, second: str) -> bool:
        """Whether ``first + second`` is a string of the table, given its key
        (:func:`joined_key`): the string is only built where the key is found."""
        lo, hi = self._directory[key >> self._shift : (key >> self._shift) + 2].tolist()
        if lo < hi:
            for i, candidate in enumerate(self._keys[lo:hi].tolist()):
                if candidate == key and self.strings[lo + i] == first + second:
                    return True
        return False

    def arrays(self, name: str) -> dict[str, Array]:
        """The arrays to save (the strings too, unless they are another table's)."""
        found = {f"{name}.keys": self.keys, f"{name}.directory": self.directory}
        if isinstance(self.strings, StringList):
            found |= self.strings.arrays(name)
        return found

    @classmethod
    def from_arrays(
        cls, name: str, arrays: dict[str, Array], strings: Sequence[str] | None = None
    ) -> KeyTable:
        keys, directory = arrays[f"{name}.keys"], arrays[f"{name}.directory"]
        if strings is None:
            strings = StringList.from_arrays(name, arrays)
        check_directory(name, directory, len(keys))
        if len(strings) != len(keys):
            raise ValueError(f"{name}: strings do not fit the keys")
        return cls(keys, directory, strings)


def multimap(
    owners: npt.NDArray[np.int64], count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(indptr, order) grouping values by owner row: owner r's values are
    ``values[order][indptr[r]:indptr[r+1]]``, in their original order."""
    order = np.argsort(owners, kind="stable")
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(owners, minlength=count), out=indptr[1:])
    return indptr, order


def check_indptr(name: str, indptr: Array, rows: int, values: int) -> None:
    """Raise ValueError unless ``indptr`` (``rows + 1`` ascending offsets) spans ``values``."""
    pointers = np.asarray(indptr[0 : len(indptr)])
    if len(pointers) != rows + 1 or pointers[0] != 0 or pointers[-1] != values:
        raise ValueError(f"{name}: offsets do not fit")
    if np.any(np.diff(pointers) < 0):
        raise ValueError(f"{name}: offsets out of order")


Column = Array | StringList


def _fast_column(values: Column) -> StringList | memoryview | FileArray:
    return values if isinstance(values, StringList) else fast(values)


def _column(
    values: Sequence | npt.NDArray, dtype: npt.DTypeLike | None, rows: npt.NDArray[np.int64]
) -> Column:
    """``values`` taken at ``rows``, as an array of ``dtype`` (strings when it is None)."""
    if dtype is None:
        return StringList.build([values[i] for i in rows.tolist()])
    return np.asarray(values, dtype=dtype)[rows]


def _columns_arrays(name: str, columns: dict[str, Column]) -> dict[str, Array]:
    arrays: dict[str, Array] = {}
    for column, values in columns.items():
        if isinstance(values, StringList):
            arrays |= values.arrays(f"{name}.{column}")
        else:
            arrays[f"{name}.{column}"] = values
    return arrays


def _columns_from(
    name: str, arrays: dict[str, Array], kinds: dict[str, npt.DTypeLike | None], size: int
) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for column, dtype in kinds.items():
        if dtype is None:
            values: Column = StringList.from_arrays(f"{name}.{column}", arrays)
        else:
            values = arrays[f"{name}.{column}"]
            if values.dtype != np.dtype(dtype):
                raise ValueError(f"{name}.{column}: {values.dtype}, not {np.dtype(dtype)}")
        if len(values) != size:
            raise ValueError(f"{name}.{column}: {len(values)} values for {size} rows")
        columns[column] = values
    return columns


class Map:
    """Distinct strings, each with one value in every column (``dtype`` None: strings)."""

    def __init__(self, keys: KeyTable, columns: dict[str, Column]) -> None:
        self.keys = keys
        self.columns = columns
        self._values = {name: _fast_column(values) for name, values in columns.items()}

    def value(self, column: str, row: int):  # type: ignore[no-untyped-def]
        """One row's value of one column (a str, int or float)."""
        values = self._values[column]
        if isinstance(values, FileArray):
            return values[row : row + 1].tolist()[0]
        return values[row]

    @classmethod
    def build(
        cls, strings: Sequence[str], columns: dict[str, tuple[Sequence, npt.DTypeLike | None]]
    ) -> Map:
        """``strings`` distinct; each column gives one value per string and its dtype."""
        keys, order = KeyTable.build(strings)
        built = {
            name: _column(values, dtype, order)
            for name, (values, dtype) in columns.items()
        }
        return cls(keys, built)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, text: str) -> int:
        return self.keys.find(text)

    def __contains__(self, text: object) -> bool:
        return text in self.keys

    def arrays(self, name: str) -> dict[str, Array]:
        return self.keys.arrays(name) | _columns_arrays(name, self.columns)

    @classmethod
    def from_arrays(
        cls, name: str, arrays: dict[str, Array], kinds: dict[str, npt.DTypeLike | None]
    ) -> Map:
        keys = KeyTable.from_arrays(name, arrays)
        return cls(keys, _columns_from(name, arrays, kinds, len(keys)))


class Lists:
    """Records grouped under string keys; each key's records keep the order they were given."""

    def __init__(self, keys: KeyTable, indptr: Array, columns: dict[str, Column]) -> None:
        self.keys = keys
        self.indptr = indptr
        self.columns = columns
        self._indptr = fast(indptr)
        self._values = {name: _fast_column(values) for name, values in columns.items()}

    def values(self, column: str, rows: range) -> list:
        """The values of one column over a range of records (from :meth:`find`)."""
        values = self._values[column]
        if isinstance(values, StringList):
            return values.between(rows.start, rows.stop)
        return values[rows.start : rows.stop].tolist()

    @classmethod
    def build(
        cls, keys: Sequence[str], columns: dict[str, tuple[Sequence, npt.DTypeLike | None]]
    ) -> Lists:
        """One record per entry of ``keys`` (repeated keys group their records)."""
        first_seen = list(dict.fromkeys(keys))
        table, order = KeyTable.build(first_seen)
        row_of_key = np.empty(len(first_seen), dtype=np.int64)
        row_of_key[order] = np.arange(len(first_seen), dtype=np.int64)
        position = {key: i for i, key in enumerate(first_seen)}
        owners = row_of_key[np.fromiter(map(position.__getitem__, keys), np.int64, len(keys))]
        indptr, records = multimap(owners, len(first_seen))
        built = {
            name: _column(values, dtype, records)
            for name, (values, dtype) in columns.items()
        }
        return cls(table, indptr, built)

    def find(self, text: str) -> range:
        """Where ``text``'s records are (an empty range when it has none)."""
        row = self.keys.find(text)
        if row < 0:
            return range(0)
        start, stop = self._indptr[row : row + 2].tolist()
        return range(start, stop)

    def __contains__(self, text: object) -> bool:
        return text in self.keys

    def arrays(self, name: str) -> dict[str, Array]:
        return (
            self.keys.arrays(name)
            | {f"{name}.indptr": self.indptr}
            | _columns_arrays(name, self.columns)
        )

    @classmethod
    def from_arrays(
        cls, name: str, arrays: dict[str, Array], kinds: dict[str, npt.DTypeLike | None]
    ) -> Lists:
        keys = KeyTable.from_arrays(name, arrays)
        indptr = arrays[f"{name}.indptr"]
        size = int(indptr[len(indptr) - 1 : len(indptr)][0]) if len(indptr) else -1
        check_indptr(name, indptr, len(keys), size)
        return cls(keys, indptr, _columns_from(name, arrays, kinds, size))


class Reordered(Sequence[str]):
    """``strings`` read through ``order``: item i is ``strings[order[i]]``."""

    def __init__(self, strings: Sequence[str], order: Array) -> None:
        self._strings = strings
        self._order = order

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._strings[int(self._order[index])]


class TermIds(Mapping[str, int]):
    """Terms numbered 0 … n-1 (an index's vocabulary): the strings in id order, and a key
    table whose rows name their id, so neither direction needs a dict."""

    def __init__(self, terms: StringList, keys: KeyTable, ids: Array) -> None:
        self.terms = terms
        self.keys = keys
        self.ids = ids

    @classmethod
    def build(cls, terms: Sequence[str]) -> TermIds:
        """The table of distinct ``terms``, term i having id i."""
        listed = StringList.build(terms)
        keys, order = KeyTable.build(terms)
        ids = order.astype(np.int32)
        keys.strings = Reordered(listed, ids)
        return cls(listed, keys, ids)

    def __getitem__(self, term: str) -> int:
        row = self.keys.find(term)
        if row < 0:
            raise KeyError(term)
        return int(self.ids[row])

    def get(self, term: str, default: int | None = None) -> int | None:  # type: ignore[override]
        row = self.keys.find(term)
        return int(self.ids[row]) if row >= 0 else default

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.keys.find(term) >= 0

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms)

    def term(self, term_id: int) -> str:
        """The term with this id."""
        return self.terms[term_id]

    def arrays(self, name: str) -> dict[str, Array]:
        return self.keys.arrays(name) | self.terms.arrays(name) | {f"{name}.ids": self.ids}

    @classmethod
    def from_arrays(cls, name: str, arrays: dict[str, Array]) -> TermIds:
        terms = StringList.from_arrays(name, arrays)
        ids = arrays[f"{name}.ids"]
        if len(ids) != len(terms) or ids.dtype != np.int32:
            raise ValueError(f"{name}: ids do not fit the terms")
        keys = KeyTable.from_arrays(name, arrays, Reordered(terms, ids))
        values = np.asarray(ids[0 : len(ids)])
        if len(values) and (values.min() < 0 or values.max() >= len(terms)):
            raise ValueError(f"{name}: ids out of range")
        return cls(terms, keys, ids)
