"""Nearest corpus term for a question word the corpus never uses (one edit away).

People type questions fast: بلجيكيا for بلجيكا, a dropped or doubled letter. A word the index does
not know contributes nothing to BM25, so before giving up on it the engine tries the corpus terms
one insertion, deletion or substitution away (the symmetric-delete trick of SymSpell: two words
are within one edit when their one-deletion neighbourhoods meet) and takes the most frequent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Shorter words have too many one-edit neighbours to guess from.
MIN_LENGTH = 5


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
    """One-edit neighbours of corpus terms, keyed by their single-deletion variants."""

    def __init__(self, terms: Iterable[str], frequency: Mapping[str, int]) -> None:
        self._frequency = frequency
        self._by_deletion: dict[str, list[str]] = {}
        for term in terms:
            if len(term) >= MIN_LENGTH and not _is_number(term):
                for variant in _deletions(term) | {term}:
                    self._by_deletion.setdefault(variant, []).append(term)

    def correct(self, word: str) -> str | None:
        """The most frequent corpus term within one edit of ``word`` (None if there is none)."""
        if len(word) < MIN_LENGTH or _is_number(word):
            return None
        candidates: set[str] = set()
        for variant in _deletions(word) | {word}:
            candidates.update(self._by_deletion.get(variant, ()))
        candidates.discard(word)
        # Sharing a deletion also pairs words two edits apart (بكاس / باسم: drop ك, drop م).
        candidates = {term for term in candidates if _one_edit(word, term)}
        if not candidates:
            return None
        return max(sorted(candidates), key=lambda term: self._frequency.get(term, 0))
