"""Each index term's pattern root (:func:`retrieval.stemming.pattern_root`) by term id.

The reordering's ``roots`` step compares the roots of a question's terms with those of the ten
candidate paragraphs' terms. Reading each of those terms' strings back from the vocabulary
table to find its root cost about 0.9 ms a distinct question at a million paragraphs
(BENCHMARKS.md); the roots are found once, at index time (1.4 s for 660 000 terms), and saved
with the index as one number per term, held in memory (2.6 MB at a million paragraphs).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from retrieval.stemming import ROOT_LETTERS, pattern_root
from retrieval.tables import Array

_FIRST_LETTER = 0x621  # ء; pattern roots are made of the letters ء to ي (U+0621-U+064A)
_LETTERS = 0x64A - _FIRST_LETTER + 1
NO_ROOT = 0
_MAX_CODE = _LETTERS**ROOT_LETTERS  # codes run from 1 to this


def root_code(term: str) -> int:
    """The number of ``term``'s pattern root (its letters in base 42, plus one), or
    :data:`NO_ROOT` when it has none."""
    return _code(pattern_root(term))


def _code(root: str | None) -> int:
    if root is None:
        return NO_ROOT
    code = 0
    for letter in root:
        code = code * _LETTERS + ord(letter) - _FIRST_LETTER
    return code + 1


class TermRoots:
    """``codes[t]`` is :func:`root_code` of the index's term ``t``."""

    def __init__(self, codes: Array) -> None:
        self.codes = codes

    @classmethod
    def build(cls, vocabulary: Mapping[str, int]) -> TermRoots:
        """From an index's terms (``vocabulary``, iterated in id order)."""
        # Past pattern_root's cache: every term once would only evict the question words it
        # keeps for the reordering.
        roots = map(pattern_root.__wrapped__, vocabulary)
        codes = np.fromiter(map(_code, roots), np.int32, len(vocabulary))
        return cls(codes)

    def of(self, term_ids: npt.NDArray[np.integer]) -> set[int]:
        """The root codes of ``term_ids`` (NO_ROOT among them when one has no root)."""
        return set(np.asarray(self.codes)[term_ids].tolist())

    def arrays(self, name: str) -> dict[str, Array]:
        return {f"{name}.codes": self.codes}

    @classmethod
    def from_arrays(cls, name: str, arrays: dict[str, Array], term_count: int) -> TermRoots:
        """Checked against an index of ``term_count`` terms: ValueError (KeyError when the
        array is missing) unless it holds one root code per term."""
        codes = np.asarray(arrays[f"{name}.codes"])
        if codes.dtype != np.int32 or codes.shape != (term_count,):
            raise ValueError(f"{name}: not one root code per term")
        if len(codes) and (codes.min() < NO_ROOT or codes.max() > _MAX_CODE):
            raise ValueError(f"{name}: root codes out of range")
        return cls(codes)
