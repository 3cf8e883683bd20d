"""Choosing the part of a long paragraph worth showing.

Readers skim: a short paragraph is shown whole, a long one is cut to the consecutive sentences
that hold the most (idf-weighted) query terms. The result is an offset range into the paragraph,
never rewritten text, so the excerpt is always an exact substring of what it cites.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from retrieval.analysis import Token
from retrieval.answer import Span

EXCERPT_CHARS = 420
# Sentence ends in Arabic and Latin text: . ! ? plus Arabic ؟ and ؛ (and the ellipsis); a point
# between two digits is a decimal point (12.5), not an end.
_SENTENCE = re.compile(r"(?:[^.!?؟؛…\n]|(?<=\d)\.(?=\d))*(?:[.!?؟؛…]+|\n|$)\s*")


def sentence_spans(text: str) -> list[Span]:
    """Sentences of ``text`` as spans that tile it (trailing spaces belong to the sentence)."""
    spans = [Span(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]
    return spans or [Span(0, len(text))]


def choose_excerpt(
    text: str,
    tokens: Sequence[Token],
    weights: Mapping[str, float],
    limit: int = EXCERPT_CHARS,
) -> Span:
    """The best window of whole sentences within ``limit`` characters (whole text if it fits).

    ``tokens`` are the paragraph's analysed tokens, in text order, and ``weights`` the query
    terms' idf. A window scores the summed weight of the distinct query terms it contains; the
    earliest of the best windows wins. Linear in the paragraph's length: the window slides
    over the sentences and the matched tokens once each (a book saved as one line has tens of
    thousands of sentences).
    """
    if len(text) <= limit:
        return Span(0, len(text))
    sentences = sentence_spans(text)
    matched = [t for t in tokens if t.term in weights]
    inside: Counter[str] = Counter()  # matched tokens inside the window, by term
    entered = left = 0  # matched[left:entered] are inside the window
    last = 0
    best: tuple[float, int, Span] = (-1.0, 0, sentences[0])
    for first, sentence in enumerate(sentences):
        last = max(last, first)
        while last + 1 < len(sentences) and sentences[last + 1].end - sentence.start <= limit:
            last += 1
        window = Span(sentence.start, sentences[last].end)
        while entered < len(matched) and matched[entered].end <= window.end:
            inside[matched[entered].term] += 1
            entered += 1
        while left < entered and matched[left].start < window.start:
            inside[matched[left].term] -= 1
            left += 1
        score = sum(weight for term, weight in weights.items() if inside[term] > 0)
        if (score, -first) > best[:2]:
            best = (score, -first, window)
    window = best[2]
    if window.end - window.start > limit:
        window = _cut_long_sentence(text, window, tokens, weights, limit)
    return _strip(text, window)


def _cut_long_sentence(
    text: str, window: Span, tokens: Sequence[Token], weights: Mapping[str, float], limit: int
) -> Span:
    """A single sentence over the limit: centre a word-aligned cut on its first matched term."""
    matched = [t for t in tokens if t.term in weights and window.start <= t.start < window.end]
    anchor = matched[0].start if matched else window.start
    start = max(window.start, anchor - limit // 4)
    end = min(window.end, start + limit)
    if start > window.start:
        space = text.find(" ", start, anchor if anchor > start else end)
        start = space + 1 if space != -1 else start
    if end < window.end:
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return Span(start, end)


def _strip(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
