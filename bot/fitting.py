"""Fitting text into a platform's size limit without breaking a character a person sees.

Each platform measures in its own unit (Telegram: UTF-16 code units; Discord: code points), so
every function takes the measure. Cuts fall between grapheme clusters (Unicode UAX #29, via the
``regex`` module's ``\\X``): never inside a surrogate pair, an emoji sequence (👩‍💻, 🇸🇦, 👍🏽),
or a letter and its diacritics (Arabic tashkeel). A word boundary is preferred when one is near.
"""

from __future__ import annotations

from collections.abc import Callable

import regex

ELLIPSIS = "…"
# A word boundary this close to the limit is preferred to cutting inside a word.
WORD_SLACK = 0.25
# Real clusters (emoji sequences, a letter with its marks) are a few code points long.
LONGEST_CLUSTER = 16

Measure = Callable[[str], int]
_GRAPHEME = regex.compile(r"\X")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts (astral characters count two)."""
    return len(text.encode("utf-16-le")) // 2


def cut_index(text: str, limit: int, measure: Measure = utf16_length, start: int = 0) -> int:
    """The largest index ``i`` with ``measure(text[start:i]) <= limit`` at a grapheme boundary.

    Prefers the last space within the final quarter of the room. When the first grapheme alone
    does not fit, the result is ``start`` (nothing fits), unless that grapheme is pathological
    (more than :data:`LONGEST_CLUSTER` code points, a letter under a pile of combining marks):
    that one is cut between code points, or it could never be sent at all.
    """
    if measure(text[start:]) <= limit:
        return len(text)
    used, end = 0, start
    for match in _GRAPHEME.finditer(text, start):
        size = measure(match.group())
        if used + size > limit:
            break
        used, end = used + size, match.end()
    if end == start:
        first = _GRAPHEME.match(text, start)
        if first is None or len(first.group()) <= LONGEST_CLUSTER:
            return start
        while end < len(text) and measure(text[start : end + 1]) <= limit:
            end += 1
        return end
    space = text.rfind(" ", start, end + 1)
    if space > start and measure(text[space:end]) <= limit * WORD_SLACK:
        return space
    return end


def shorten(text: str, limit: int, measure: Measure = utf16_length) -> str:
    """``text`` if it fits in ``limit``, else its start and an ellipsis, within ``limit``."""
    if measure(text) <= limit:
        return text
    room = limit - measure(ELLIPSIS)
    if room <= 0:
        return ""
    return text[: cut_index(text, room, measure)].rstrip() + ELLIPSIS


def split(text: str, limit: int, measure: Measure = utf16_length) -> list[str]:
    """``text`` as consecutive parts within ``limit``, split after a line where possible.

    Joining the parts gives ``text`` back (no character is lost or added).
    """
    parts: list[str] = []
    start = 0
    while measure(text[start:]) > limit:
        end = max(cut_index(text, limit, measure, start), start + 1)  # limit < one character
        newline = text.rfind("\n", start, end)
        if newline > start:
            end = newline + 1
        parts.append(text[start:end])
        start = end
    if start < len(text) or not parts:
        parts.append(text[start:])
    return parts
