"""The list of loaded articles and skipped files, as plain text for any platform."""

from __future__ import annotations

from bot.service import messages
from retrieval.search import SearchEngine


def render_sources(engine: SearchEngine) -> str:
    """Loaded articles with paragraph counts, and the skipped files with their reasons."""
    corpus = engine.corpus
    counts = engine.store.paragraph_counts()
    lines = [
        messages.SOURCES_HEADER.format(
            articles=len(corpus.articles), paragraphs=len(corpus.paragraphs)
        )
    ]
    for article, count in zip(corpus.articles, counts, strict=True):
        publisher = f" — {article.source}" if article.source else ""
        lines.append(f"- {article.file}: {article.title}{publisher} ({count})")
    if corpus.skipped:
        lines.append(messages.SOURCES_SKIPPED)
        lines.extend(f"- {s.file}: {s.reason}" for s in corpus.skipped)
    return "\n".join(lines)
