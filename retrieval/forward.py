"""Each paragraph's indexed terms and how often it uses each: the postings, transposed.

The trigram reordering (:mod:`retrieval.rerank`) needs the terms of each of its ten candidate
paragraphs. Analysing their title, heading and text again cost about two thirds of a distinct
question at a million paragraphs (BENCHMARKS.md); reading them back costs a few ``pread`` calls.
Built from the very postings BM25 scores, so the reordering sees exactly what was indexed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from retrieval.tables import Array, check_indptr

# Term ids checked at a time when a snapshot's forward index is loaded (4 MB of int32).
_CHECK_SLICE = 1 << 20
_PARTS = ("indptr", "terms", "counts")


class ForwardIndex:
    """CSR by paragraph: paragraph d uses terms ``terms[indptr[d]:indptr[d + 1]]`` (ids of the
    index's vocabulary, ascending), each ``counts[…]`` times (its term frequency)."""

    def __init__(self, indptr: Array, terms: Array, counts: Array) -> None:
        self.indptr = indptr
        self.terms = terms
        self.counts = counts

    @classmethod
    def of(
        cls,
        terms: npt.NDArray[np.integer],
        docs: npt.NDArray[np.integer],
        counts: npt.NDArray[np.integer],
        doc_count: int,
    ) -> ForwardIndex:
        """From postings sorted by term (then paragraph): ``terms[i]`` occurs ``counts[i]``
        times in paragraph ``docs[i]``."""
        if doc_count <= np.iinfo(np.int16).max:
            docs = docs.astype(np.int16)  # numpy sorts 16-bit keys by radix: linear
        order = np.argsort(docs, kind="stable")  # stable: terms stay ascending in a paragraph
        indptr = np.zeros(doc_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs, minlength=doc_count), out=indptr[1:])
        return cls(
            indptr,
            terms[order].astype(np.int32),
            np.minimum(counts[order], np.iinfo(np.uint16).max).astype(np.uint16),
        )

    @property
    def doc_count(self) -> int:
        return len(self.indptr) - 1

    def renumber(self, new_ids: npt.NDArray[np.int32]) -> None:
        """Replace every term id t by ``new_ids[t]``, in place (the index drops unused terms)."""
        assert isinstance(self.terms, np.ndarray)
        np.take(new_ids, self.terms, out=self.terms, mode="clip")

    def terms_of(self, doc: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint16]]:
        """Paragraph ``doc``'s term ids and how often it uses each."""
        start, stop = self.indptr[doc : doc + 2].tolist()
        return self.terms[start:stop], self.counts[start:stop]

    def arrays(self, name: str) -> dict[str, Array]:
        return {
            f"{name}.indptr": self.indptr,
            f"{name}.terms": self.terms,
            f"{name}.counts": self.counts,
        }

    @classmethod
    def from_arrays(
        cls, name: str, arrays: dict[str, Array], doc_count: int, term_count: int
    ) -> ForwardIndex:
        """Checked: ValueError (KeyError when an array is missing) unless it fits an index of
        ``doc_count`` paragraphs and ``term_count`` terms."""
        indptr, terms, counts = (arrays[f"{name}.{part}"] for part in _PARTS)
        for part, array, dtype in (
            ("indptr", indptr, np.int64),
            ("terms", terms, np.int32),
            ("counts", counts, np.uint16),
        ):
            if array.dtype != np.dtype(dtype):
                raise ValueError(f"{name}.{part}: {array.dtype}, not {np.dtype(dtype)}")
        if len(counts) != len(terms):
            raise ValueError(f"{name}: {len(counts)} counts for {len(terms)} terms")
        check_indptr(name, indptr, doc_count, len(terms))
        # Every read trusts these (a term id indexes the trigram table): checked once, here,
        # a slice at a time (tens of ms at a million paragraphs).
        for start in range(0, len(terms), _CHECK_SLICE):
            ids = np.asarray(terms[start : start + _CHECK_SLICE])
            if ids.min() < 0 or ids.max() >= term_count:
                raise ValueError(f"{name}: term ids out of range")
            if not np.asarray(counts[start : start + _CHECK_SLICE]).all():
                raise ValueError(f"{name}: a term counted zero times")
        return cls(indptr, terms, counts)
