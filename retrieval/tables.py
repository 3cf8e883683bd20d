"""Lookup tables kept as flat arrays, so a snapshot can save them and a start reads them as is.

A start used to rebuild Python dicts of every word of the collection (the analyser's, the
spelling index's, the trigram statistics'): at a million distinct words that is tens of
seconds and hundreds of megabytes before the first answer (issue 15). These tables are built
once, at index time, as arrays: the 64-bit key of each string (a hash), sorted, with a small
directory of where each run of top bits starts, and beside them columns of values. Looking a
string up costs one hash and a scan of a bucket of a few keys. The strings themselves are kept
(a UTF-8 blob and offsets), so every hit is checked against its string: two strings that share
a key can never answer for each other.

The key is a polynomial hash of the string's code points modulo two 31-bit primes (a
Rabin-Karp fingerprint; ``int.from_bytes`` computes it in one C call for one string, and numpy
for millions at once, including every prefix, suffix and one-letter deletion of them), mixed
to 64 bits by SplitMix64's finaliser so that the top bits spread evenly over the directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from retrieval.filearray import FileArray

# Primes below 2**31 whose 2**32 residue (the base of the polynomial) is large: products of two
# residues stay below 2**63, so numpy computes the hash in int64 without overflow.
_P1, _P2 = 1_500_000_001, 1_900_000_043
_B1, _B2 = 2**32 % _P1, 2**32 % _P2
_MASK = (1 << 64) - 1
# Keys per directory bucket, on average.
_BUCKET = 4
# Strings whose hits are remembered per table (looked up again and again: paragraph words).
LOOKUP_CACHE_SIZE = 1 << 16

Array = npt.NDArray | FileArray


def _mix(z: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers that spreads every input bit."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _mix_array(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = z ^ (z >> np.uint64(30))
    z *= np.uint64(0xBF58476D1CE4E5B9)  # unsigned arrays wrap silently, as C does
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def key_of(text: str) -> int:
    """The 64-bit key of one string."""
    x = int.from_bytes(text.encode("utf-32-le", "surrogatepass"), "little")
    return _mix((x % _P1) * _P2 + x % _P2)


# A string's hash parts: its residues and base**length modulo each prime.
Parts = tuple[int, int, int, int]


def parts_of(text: str) -> Parts:
    """The hash parts of a string: what :func:`joined_key` needs of each half of a pair."""
    x = int.from_bytes(text.encode("utf-32-le", "surrogatepass"), "little")
    size = len(text)
    return x % _P1, x % _P2, pow(_B1, size, _P1), pow(_B2, size, _P2)


def joined_key(first: Parts, second: Parts) -> int:
    """:func:`key_of` of two strings written together, from their parts: c(a) + B**len(a) *
    c(b) for each prime. Without building the string: most pairs of words join nothing."""
    h1 = (first[0] + first[2] * second[0]) % _P1
    h2 = (first[1] + first[3] * second[1]) % _P2
    return _mix(h1 * _P2 + h2)


@cache
def _powers(base: int, prime: int, length: int) -> npt.NDArray[np.int64]:
    """base**i mod prime for i < length (lengths are rounded up, so this is cached rarely)."""
    out = np.empty(length, dtype=np.int64)
    value = 1
    for i in range(length):
        out[i] = value
        value = value * base % prime
    return out


def _powers_for(base: int, prime: int, length: int) -> npt.NDArray[np.int64]:
    return _powers(base, prime, max(64, 1 << max(length - 1, 0).bit_length()))[:length]


@dataclass(frozen=True)
class CodePoints:
    """Many strings as one array of code points and the offset where each starts."""

    codes: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]  # len(strings) + 1 offsets into ``codes``
    _sums: dict[tuple[int, int], npt.NDArray[np.int64]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, strings: Sequence[str]) -> CodePoints:
        joined = "".join(strings).encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(joined, dtype=np.uint32).astype(np.int64)
        starts = np.zeros(len(strings) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, strings), np.int64, len(strings)), out=starts[1:])
        return cls(codes, starts)

    @property
    def lengths(self) -> npt.NDArray[np.int64]:
        return np.diff(self.starts)

    def positions(self) -> npt.NDArray[np.int64]:
        """Each code point's position in its own string."""
        return np.arange(len(self.codes), dtype=np.int64) - np.repeat(
            self.starts[:-1], self.lengths
        )

    def prefix_sums(self, base: int, prime: int) -> npt.NDArray[np.int64]:
        """Running sums of c * base**position (mod prime) over all strings: entry ``k`` covers
        code points before ``k``, so a string's hash is the difference of two entries."""
        if (base, prime) in self._sums:
            return self._sums[base, prime]
        longest = int(self.lengths.max(initial=0))
        weighted = self.codes * _powers_for(base, prime, longest + 1)[self.positions()]
        weighted %= prime
        sums = np.zeros(len(self.codes) + 1, dtype=np.int64)
        np.cumsum(weighted, out=sums[1:])  # < 2**31 * 2**31 per string start: no overflow
        self._sums[base, prime] = sums
        return sums


def _combine(h1: npt.NDArray[np.int64], h2: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    return _mix_array((h1 * _P2 + h2).astype(np.uint64))


def _span_hashes(
    sums: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    stop: npt.NDArray[np.int64],
    offset: npt.NDArray[np.int64],
    base: int,
    prime: int,
) -> npt.NDArray[np.int64]:
    """Hash of code points [start, stop) as a string of its own: the running sums count powers
    from ``offset`` (its string's start), so they are shifted down by base**-(start-offset)."""
    inverse = pow(base, -1, prime)
    longest = int((start - offset).max(initial=0))
    shift = _powers_for(inverse, prime, longest + 1)[start - offset]
    return (sums[stop] - sums[start]) % prime * shift % prime


def keys_of(strings: Sequence[str] | CodePoints) -> npt.NDArray[np.uint64]:
    """:func:`key_of` of every string, computed at once."""
    points = strings if isinstance(strings, CodePoints) else CodePoints.of(strings)
    ends = points.starts[1:]
    starts = points.starts[:-1]
    hashes = [
        _span_hashes(points.prefix_sums(base, prime), starts, ends, starts, base, prime)
        for base, prime in ((_B1, _P1), (_B2, _P2))
    ]
    return _combine(*hashes)


def piece_keys(
    points: CodePoints,
    owner: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    stop: npt.NDArray[np.int64],
) -> npt.NDArray[np.uint64]:
    """Keys of pieces ``strings[owner][start:stop]`` (positions within each string)."""
    first = points.starts[owner]
    hashes = []
    for base, prime in ((_B1, _P1), (_B2, _P2)):
        sums = points.prefix_sums(base, prime)
        hashes.append(_span_hashes(sums, first + start, first + stop, first, base, prime))
    return _combine(*hashes)


def last_replaced_keys(
    points: CodePoints,
    owner: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    stop: npt.NDArray[np.int64],
    letter: int,
) -> npt.NDArray[np.uint64]:
    """Keys of ``strings[owner][start:stop]`` with its last code point replaced by ``letter``
    (pieces of one letter at least): the rest's hash plus letter * B**(length-1)."""
    first = points.starts[owner]
    hashes = []
    for base, prime in ((_B1, _P1), (_B2, _P2)):
        sums = points.prefix_sums(base, prime)
        rest = _span_hashes(sums, first + start, first + stop - 1, first, base, prime)
        length = stop - 1 - start
        power = _powers_for(base, prime, int(length.max(initial=0)) + 1)[length]
        hashes.append((rest + letter * power) % prime)
    return _combine(*hashes)


def prefixed_keys(
    points: CodePoints,
    owner: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    stop: npt.NDArray[np.int64],
    letter: str,
) -> npt.NDArray[np.uint64]:
    """Keys of ``letter + strings[owner][start:stop]``: prepending a code point c to a string
    of hash h gives c + B*h."""
    first = points.starts[owner]
    hashes = []
    for base, prime in ((_B1, _P1), (_B2, _P2)):
        sums = points.prefix_sums(base, prime)
        piece = _span_hashes(sums, first + start, first + stop, first, base, prime)
        hashes.append((ord(letter) + piece * base) % prime)
    return _combine(*hashes)


@dataclass(frozen=True)
class Prefixable:
    """Hash residues of many strings and their length's power of the base: enough to compute
    the key of any two written together, c(a + b) = c(a) + B**len(a) * c(b), for millions of
    pairs at once without building a string."""

    residues: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
    powers: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

    @classmethod
    def of(cls, points: CodePoints, skip: npt.NDArray[np.int64] | None = None) -> Prefixable:
        """Of every string of ``points``, without its first ``skip`` letters if given."""
        starts, ends = points.starts[:-1], points.starts[1:]
        begin = starts if skip is None else np.minimum(starts + skip, ends)
        residues, powers = [], []
        for base, prime in ((_B1, _P1), (_B2, _P2)):
            sums = points.prefix_sums(base, prime)
            residues.append(_span_hashes(sums, begin, ends, starts, base, prime))
            lengths = ends - begin
            powers.append(_powers_for(base, prime, int(lengths.max(initial=0)) + 1)[lengths])
        return cls((residues[0], residues[1]), (powers[0], powers[1]))

    def joined_keys(
        self, first: npt.NDArray[np.int64], rest: Prefixable, second: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.uint64]:
        """Keys of ``self[first[i]] + rest[second[i]]`` for every i."""
        hashes = [
            (self.residues[k][first] + self.powers[k][first] * rest.residues[k][second]) % prime
            for k, prime in enumerate((_P1, _P2))
        ]
        return _combine(*hashes)


def rows_of(
    sorted_keys: npt.NDArray[np.uint64], wanted: npt.NDArray[np.uint64]
) -> npt.NDArray[np.int64]:
    """Where each wanted key is in ``sorted_keys`` (distinct), -1 where it is not."""
    if not len(sorted_keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    # Searching in key order walks the sorted keys once instead of jumping about memory:
    # several times faster for millions of keys.
    order = np.argsort(wanted)
    where = np.empty(len(wanted), dtype=np.int64)
    where[order] = np.searchsorted(sorted_keys, wanted[order])
    np.minimum(where, len(sorted_keys) - 1, out=where)
    return np.where(sorted_keys[where] == wanted, where, -1)


def deletion_keys(points: CodePoints) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Keys of every string with one letter deleted, and the string each came from.

    Deleting position i of c_0…c_L-1 leaves sum_{j<i} c_j B^j + sum_{j>i} c_j B^(j-1): the
    prefix as it is, and the rest shifted down one power.
    """
    owner = np.repeat(np.arange(len(points.starts) - 1, dtype=np.int64), points.lengths)
    where = np.arange(len(points.codes), dtype=np.int64)
    first = points.starts[owner]
    last = points.starts[owner + 1]
    hashes = []
    for base, prime in ((_B1, _P1), (_B2, _P2)):
        sums = points.prefix_sums(base, prime)
        head = _span_hashes(sums, first, where, first, base, prime)
        tail = _span_hashes(sums, where + 1, last, first, base, prime)
        # The tail's powers start at where + 1 - first; as part of the variant they start at
        # where - first: one power less than a span hash starting at ``first + (where-first)``.
        longest = int((where - first).max(initial=0))
        lift = _powers_for(base, prime, longest + 1)[where - first]
        hashes.append((head + tail * lift) % prime)
    return _combine(*hashes), owner


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
        encoded = [text.encode("utf-8", "surrogatepass") for text in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
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
        offsets = self.offsets[0 : len(self.offsets)]
        text = self.blob[0 : len(self.blob)].tobytes()
        for start, stop in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            yield text[start:stop].decode("utf-8", "surrogatepass")

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


def check_directory(name: str, directory: npt.NDArray[np.int64], keys: int) -> None:
    """Raise ValueError unless ``directory`` can be the directory of ``keys`` sorted keys."""
    size = len(directory) - 1
    if size < 2 or size & (size - 1) or directory.dtype != np.int64:
        raise ValueError(f"{name}: no directory of a power of two buckets")
    if directory[0] != 0 or directory[-1] != keys or np.any(np.diff(directory) < 0):
        raise ValueError(f"{name}: directory out of order")


class KeyTable:
    """Distinct strings and their rows (0 … n-1, in key order), found by key.

    ``find`` hashes the string, reads the keys of its directory bucket and checks each equal
    key's string: an absent string is never found, whatever it hashes to.
    """

    def __init__(
        self, keys: Array, directory: npt.NDArray[np.int64], strings: Sequence[str]
    ) -> None:
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
        directory = np.asarray(directory)
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


def _column(values: Sequence | npt.NDArray, dtype: npt.DTypeLike | None) -> Column:
    if dtype is None:
        return StringList.build(values)  # type: ignore[arg-type]
    return np.asarray(values, dtype=dtype)


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
            name: _column(
                np.asarray(values, dtype=dtype)[order]
                if dtype
                else [values[i] for i in order.tolist()],
                dtype,
            )
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
            return [values[i] for i in rows]
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
            name: _column(
                np.asarray(values, dtype=dtype)[records]
                if dtype
                else [values[i] for i in records.tolist()],
                dtype,
            )
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
