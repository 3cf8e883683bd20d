"""64-bit keys of strings, one at a time or millions at once, for the lookup tables
(:mod:`retrieval.tables`).

The key is a polynomial hash of the string's code points modulo two 31-bit primes (a
Rabin-Karp fingerprint; ``int.from_bytes`` computes it in one C call for one string, and numpy
for millions at once, including every prefix, suffix, one-letter deletion and pair of them,
from running sums), mixed to 64 bits by SplitMix64's finaliser so that the top bits spread
evenly over a table's directory. A key says where to look, never what a string is: tables
check every hit against its string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

# Primes below 2**31 whose 2**32 residue (the base of the polynomial) is large: products of two
# residues stay below 2**63, so numpy computes the hash in int64 without overflow.
_P1, _P2 = 1_500_000_001, 1_900_000_043
_B1, _B2 = 2**32 % _P1, 2**32 % _P2
_MASK = (1 << 64) - 1


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


# Strings whose code points are worked on at once where the work is per string: the work
# arrays are then a few MB, where all of a couple of million words' would be gigabytes.
STRINGS_AT_ONCE = 1 << 16


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

    def window(self, first: int, last: int) -> CodePoints:
        """Strings ``first`` to ``last - 1`` as strings 0 … (a view of their code points): what
        works on a run of strings needs no running sums over all of them."""
        starts = self.starts[first : last + 1] - self.starts[first]
        return CodePoints(self.codes[self.starts[first] : self.starts[last]], starts)

    def prefix_sums(self, base: int, prime: int) -> npt.NDArray[np.int64]:
        """Running sums of c * base**position (mod prime) over all strings: entry ``k`` covers
        code points before ``k``, so a string's hash is the difference of two entries.

        Summed a run of strings at a time: the weights of every code point at once would be
        three more arrays of its size (gigabytes at a couple of million words)."""
        if (base, prime) in self._sums:
            return self._sums[base, prime]
        lengths = self.lengths
        powers = _powers_for(base, prime, int(lengths.max(initial=0)) + 1)
        sums = np.zeros(len(self.codes) + 1, dtype=np.int64)
        for at in range(0, len(lengths), STRINGS_AT_ONCE):
            first, last = self.starts[at], self.starts[min(at + STRINGS_AT_ONCE, len(lengths))]
            part = lengths[at : at + STRINGS_AT_ONCE]
            positions = np.arange(last - first, dtype=np.int64) - np.repeat(
                self.starts[at : at + len(part)] - first, part
            )
            weighted = self.codes[first:last] * powers[positions]
            weighted %= prime
            # < 2**31 * 2**31 per string start: no overflow; each run goes on from the last.
            np.cumsum(weighted, out=sums[first + 1 : last + 1])
            sums[first + 1 : last + 1] += sums[first]
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
    """:func:`key_of` of every string, computed at once (a list :data:`STRINGS_AT_ONCE`
    strings at a time: their code points and sums are arrays of eight bytes a code point)."""
    if isinstance(strings, CodePoints):
        return _keys_of(strings)
    if len(strings) <= STRINGS_AT_ONCE:
        return _keys_of(CodePoints.of(strings))
    return np.concatenate(
        [
            _keys_of(CodePoints.of(strings[at : at + STRINGS_AT_ONCE]))
            for at in range(0, len(strings), STRINGS_AT_ONCE)
        ]
    )


def _keys_of(points: CodePoints) -> npt.NDArray[np.uint64]:
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

    @classmethod
    def concatenate(cls, parts: Sequence[Prefixable]) -> Prefixable:
        """The strings of ``parts`` one after the other."""
        return cls(
            (
                np.concatenate([part.residues[0] for part in parts]),
                np.concatenate([part.residues[1] for part in parts]),
            ),
            (
                np.concatenate([part.powers[0] for part in parts]),
                np.concatenate([part.powers[1] for part in parts]),
            ),
        )

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
