"""Article attribution as declared, checked and capped before anything shows it.

Attribution comes from front matter or ``sources.toml``, typed by hand or scraped. What a
platform does with it is strict: Telegram rejects a whole message whose link button holds an
address that is not an absolute http(s) URL, and every answer citing the article would fail
with it. So a bad URL is dropped here with a one-line reason (the article still loads), and
fields that are shown beside every passage are capped: three passages with their source lines
must fit one Telegram message (4096 UTF-16 units), and a 5 000-character title would leave no
room for the quotes. Direction controls are kept: showing them safely is the renderer's job.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

# A headline runs well under 200 characters (the seeds' longest is 80); a publisher or an
# author's name under 100; a date or timestamp under 40 (ISO 8601 with zone: 25).
FIELD_MAX_CHARS = {"title": 200, "source": 100, "author": 100, "published": 40}
# Longer addresses are not portable: browsers and the sitemaps protocol stop at 2048.
URL_MAX_CHARS = 2048
ELLIPSIS = "…"


class ArticleMeta(BaseModel):
    """Attribution fields an article may declare; unknown keys are a mistake worth reporting."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an article's link (None: it can).

    An article's link is an absolute ``http``/``https`` URL with a dotted host name, no spaces
    and no control or format characters: ``ftp://…``, ``www.example.org/x`` (no scheme),
    ``javascript:…`` and ``data:…`` are not.
    """
    if len(url) > URL_MAX_CHARS:
        return f"longer than {URL_MAX_CHARS} characters"
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:  # also an unclosed [IPv6 literal
        return "invalid host or port"
    if parts.scheme.lower() not in ("http", "https"):
        return "not an absolute http(s) address"
    if "." not in host.strip("."):
        return "no public host name"
    return None


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def checked(meta: ArticleMeta) -> tuple[ArticleMeta, list[str]]:
    """``meta`` with a bad URL dropped, every text field on one line (runs of whitespace, line
    breaks included, read as one space) and long fields shortened; one warning line for each
    URL dropped or field shortened."""
    changes: dict[str, str | None] = {}
    warnings: list[str] = []
    if meta.url is not None and (problem := url_problem(meta.url)):
        changes["url"] = None
        warnings.append(f"url dropped ({problem}): {shorten(meta.url, 80)!r}")
    for name, limit in FIELD_MAX_CHARS.items():
        value = getattr(meta, name)
        if value is not None and value != (one_line := " ".join(value.split())):
            # A field is shown on one line (source lines, listings): a line break in it would
            # start a new line of the listing that names no article.
            value = changes[name] = one_line
        if value is not None and len(value) > limit:
            changes[name] = shorten(value, limit)
            warnings.append(f"{name} shortened from {len(value)} to {limit} characters")
    return meta.model_copy(update=changes), warnings
