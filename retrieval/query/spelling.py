"""Nearest corpus term for a question word the corpus never uses (one edit away).

People type questions fast: بلجيكيا for بلجيكا, a dropped or doubled letter. A word the index does
not know contributes nothing to BM25, so before giving up on it the engine tries the corpus terms
one insertion, deletion or substitution away (the symmetric-delete trick of SymSpell: two words
are within one edit when their one-deletion neighbourhoods meet) and takes the most frequent.

The neighbourhoods of every corpus term are keyed once, at index time, as arrays: the 64-bit key
(:mod:`retrieval.tables`) of each term and of each of its one-letter deletions, sorted, with the
id of the term it came from. A question word's variants are looked up by key; every candidate is
then checked to be one edit away, so two variants sharing a key by chance change nothing.
"""

from __future__ import annotations

import numpy as np

from retrieval.keys import CodePoints, deletion_keys, key_of, keys_of
from retrieval.tables import Array, TermIds, check_directory, directory_of, fast

# Shorter words have too many one-edit neighbours to guess from.
MIN_LENGTH = 5
# A medial hamza keeps its seat in the index (retrieval.normalize: رئيس is not رأس), and people
# type the seat's bare letter for it (موسس, سوال, رييس): a word the corpus lacks that has a
# corpus word with a seat in place of one of these letters is that word, at any length, since no
# other word differs from it only there.
_SEATS = {"و": "ؤ", "ي": "ئ"}


def _is_number(word: str) -> bool:
    """A number is never a typo of another (12.5 is not 12.6), with or without its point."""
    return word.replace(".", "").isdigit()


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter inserted, deleted, replaced, or two adjacent
    letters swapped (a typist's slip)."""
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):
        return a[start:] == b[start + 1 :]
    return a[start + 1 :] == b[start + 1 :] or (
        a[start : start + 2] == b[start : start + 2][::-1] and a[start + 2 :] == b[start + 2 :]
    )


class SpellingIndex:
    """One-edit neighbours of an index's terms, keyed by their single-deletion variants.

    ``indptr`` is the index's: term id i is in ``indptr[i + 1] - indptr[i]`` paragraphs (the
    most frequent candidate wins).
    """

    def __init__(
        self,
        vocabulary: TermIds,
        indptr: Array,
        variants: Array,  # sorted keys of every term and of its one-letter deletions
        directory: Array,
        owners: Array,  # the term id each variant key came from
    ) -> None:
        self.vocabulary = vocabulary
        self.variants = variants
        self.directory = directory
        self.owners = owners
        self._variants = fast(variants)
        self._directory = fast(directory)
        self._owners = fast(owners)
        self._indptr = fast(indptr)
        self._shift = 64 - (len(directory) - 1).bit_length() + 1

    @classmethod
    def build(cls, vocabulary: TermIds, indptr: Array) -> SpellingIndex:
        """Key the neighbourhood of every term of ``vocabulary`` (ids in its order)."""
        terms = list(vocabulary.terms)
        chosen = [i for i, term in enumerate(terms) if len(term) >= MIN_LENGTH]
        chosen = [i for i in chosen if not _is_number(terms[i])]
        points = CodePoints.of([terms[i] for i in chosen])
        deleted, owner = deletion_keys(points)
        ids = np.asarray(chosen, dtype=np.int64)
        keys = np.concatenate([keys_of(points), deleted])
        owners = np.concatenate([ids, ids[owner]])
        order = np.lexsort((owners, keys))
        keys, owners = keys[order], owners[order]
        # A term's deletions repeat where a letter is doubled: one entry each.
        first = np.ones(len(keys), dtype=bool)
        first[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
        keys, owners = keys[first], owners[first].astype(np.int32)
        return cls(vocabulary, indptr, keys, directory_of(keys), owners)

    def correct(self, word: str) -> str | None:
        """The corpus term ``word`` is with a hamza seat restored, else the most frequent
        corpus term within one edit of it (None if there is none)."""
        seated = [
            word[:i] + _SEATS[letter] + word[i + 1 :]
            for i, letter in enumerate(word)
            if i > 0 and letter in _SEATS
        ]
        if found := [term for term in seated if term in self.vocabulary]:
            return max(sorted(found), key=self._frequency_of)
        if len(word) < MIN_LENGTH or _is_number(word):
            return None
        candidates: set[str] = set()
        for variant in _deletions(word) | {word}:
            candidates.update(self._terms_of(key_of(variant)))
        candidates.discard(word)
        # Sharing a deletion also pairs words two edits apart (بكاس / باسم: drop ك, drop م).
        candidates = {term for term in candidates if _one_edit(word, term)}
        if not candidates:
            return None
        return max(sorted(candidates), key=self._frequency_of)

    def _terms_of(self, key: int) -> list[str]:
        lo, hi = self._directory[key >> self._shift : (key >> self._shift) + 2].tolist()
        if lo == hi:
            return []
        where = [lo + i for i, found in enumerate(self._variants[lo:hi].tolist()) if found == key]
        if not where:
            return []
        owners = self._owners[where[0] : where[-1] + 1].tolist()
        return [self.vocabulary.term(owner) for owner in owners]

    def _frequency_of(self, term: str) -> int:
        term_id = self.vocabulary[term]
        start, stop = self._indptr[term_id : term_id + 2].tolist()
        return stop - start

    def arrays(self, name: str) -> dict[str, Array]:
        return {
            f"{name}.keys": self.variants,
            f"{name}.directory": self.directory,
            f"{name}.owners": self.owners,
        }

    @classmethod
    def from_arrays(
        cls,
        name: str,
        arrays: dict[str, Array],
        vocabulary: TermIds,
        indptr: Array,
    ) -> SpellingIndex:
        keys, owners = arrays[f"{name}.keys"], arrays[f"{name}.owners"]
        directory = arrays[f"{name}.directory"]
        check_directory(name, directory, len(keys))
        if len(owners) != len(keys) or owners.dtype != np.int32:
            raise ValueError(f"{name}: owners do not fit the keys")
        if len(indptr) != len(vocabulary) + 1:
            raise ValueError(f"{name}: frequencies do not fit the vocabulary")
        return cls(vocabulary, indptr, keys, directory, owners)
