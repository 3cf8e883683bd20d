"""The answer as plain data: what every platform renders and nothing platform-specific.

A passage carries the full paragraph it quotes, so a renderer never has to trust an excerpt it
cannot check: the excerpt and the highlights are offsets into that very text.
"""

from __future__ import annotations

from dataclasses import dataclass

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a passage comes from: enough to cite it and to find it again in the file."""

    title: str
    file: str
    paragraph: int
    paragraph_total: int
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    # 0, or which part of a paragraph too long to quote whole this is (1, 2, …): the paragraph
    # number still points into the file, the part says where in it.
    part: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of the paragraph text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """One quoted paragraph, the part of it to show, and the query terms it matched."""

    text: str
    score: float
    source: Source
    excerpt: Span
    highlights: tuple[Span, ...]
    heading: str = ""

    @property
    def trimmed_start(self) -> bool:
        """Whether the excerpt starts after the paragraph does (show a leading ellipsis)."""
        return self.excerpt.start > 0

    @property
    def trimmed_end(self) -> bool:
        """Whether the excerpt stops before the paragraph does (show a trailing ellipsis)."""
        return self.excerpt.end < len(self.text)

    @property
    def excerpt_text(self) -> str:
        """The excerpt as a reader sees it, with ellipses where the paragraph was trimmed."""
        body = self.text[self.excerpt.start : self.excerpt.end]
        return (
            (ELLIPSIS if self.trimmed_start else "")
            + body
            + (ELLIPSIS if self.trimmed_end else "")
        )

    def marked_pieces(self, end: int | None = None) -> list[tuple[str, bool]]:
        """The excerpt (cut at ``end`` if given) as (text, is a matched term) pieces, in order.

        Every platform marks matched terms its own way (bold, ANSI); this is where they are found.
        """
        end = self.excerpt.end if end is None else end
        pieces: list[tuple[str, bool]] = []
        cursor = self.excerpt.start
        for span in self.highlights:
            if span.start < cursor or span.end > end:
                continue
            pieces.append((self.text[cursor : span.start], False))
            pieces.append((self.text[span.start : span.end], True))
            cursor = span.end
        pieces.append((self.text[cursor:end], False))
        return [piece for piece in pieces if piece[0]]


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one question: passages best first, or none when nothing is relevant enough.

    ``offset`` is the rank of the first passage (0 for the first page), ``total`` how many
    relevant passages exist in all, so a platform can offer the next page. ``weak`` marks
    passages that are the nearest the collection has rather than a confident answer: a
    platform says so («أقرب ما وجدته») instead of presenting them as the answer.
    """

    question: str
    passages: tuple[Passage, ...]
    offset: int = 0
    total: int = 0
    weak: bool = False

    @property
    def found(self) -> bool:
        """Whether anything relevant was found ("no answer" otherwise)."""
        return self.total > 0

    @property
    def has_more(self) -> bool:
        """Whether passages exist after this page."""
        return self.offset + len(self.passages) < self.total
