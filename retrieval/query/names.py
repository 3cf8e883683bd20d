"""Short Latin names a question writes and the collection spells in Arabic (Jim Fan → جيم فان).

The analyser's ``names`` step reads a Latin name as its Arabic spelling only from three
consonants on: two consonants fit too many ordinary words (Jim fits جيم but also قيم "values"
and قيام "rising"; Gil fits جيل "generation" and قيل "it was said"). A person's full name is
stronger evidence than one short word: two Latin words side by side that the collection lacks
(a first and a last name), each read as an Arabic corpus word that spells it with every vowel
written (:func:`retrieval.transliteration.short_name_spellings`) and is its own term (a name
carries no proclitic or suffix), and only when the collection writes the two words side by side
too; of several such readings the pair written together most often.

Merely sharing a paragraph is not enough: of 210 pairs of short English first names, 76 had two
ARCD words in one paragraph (Jim Dan → قيام دين).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

from retrieval.transliteration import short_name_spellings


def short_names(
    written: Sequence[str],
    vocabulary: Mapping[str, int],
    term_of: Callable[[str], str | None],
    together: Callable[[str, str], int],
) -> dict[str, str]:
    """Latin terms of ``written`` (a question's terms, in order) read as Arabic corpus terms.

    ``term_of`` is the analyser's term of one word (None: not one term), ``together`` how often
    the collection writes one corpus term right before another.
    """
    found: dict[str, str] = {}
    for first, second in pairwise(written):
        if first in vocabulary or second in vocabulary or first in found or second in found:
            continue
        pairs = [
            (together(a, b), a, b)
            for a in _corpus_spellings(first, vocabulary, term_of)
            for b in _corpus_spellings(second, vocabulary, term_of)
        ]
        shared, a, b = max(pairs, default=(0, "", ""), key=lambda pair: pair[0])
        if shared:
            found[first], found[second] = a, b
    return found


def _corpus_spellings(
    latin: str, vocabulary: Mapping[str, int], term_of: Callable[[str], str | None]
) -> list[str]:
    """The corpus terms of the Arabic spellings of a short Latin name, in spelling order."""
    return [
        spelling
        for spelling in short_name_spellings(latin)
        if spelling in vocabulary and term_of(spelling) == spelling
    ]
