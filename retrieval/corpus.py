"""Articles on disk → attributed paragraphs, with every rejected file named and explained.

A sources directory holds one article per ``.txt`` or ``.md`` file. Optional TOML front matter
between ``+++`` lines gives ``title``, ``source`` (publisher), ``url``, ``author`` and
``published``. A ``sources.toml`` beside the articles can carry the same fields for files that
must stay byte-for-byte as published (the seeds), plus admin alias groups for the analyser.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from pydantic import ValidationError

from retrieval.analysis import parse_alias_lines
from retrieval.excerpt import sentence_spans
from retrieval.metadata import FIELD_MAX_CHARS, ArticleMeta, checked, shorten

ARTICLE_SUFFIXES = (".txt", ".md")
CATALOG_FILE = "sources.toml"

_FRONT_MATTER = re.compile(r"\A\ufeff?\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_MARKDOWN_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+")
# "See also: <another article's headline>" lines that news sites interleave with the text: the
# headline belongs to a different story, so quoting it would cite this article for it.
_RELATED_LINK = re.compile(
    r"^\s*(?:(?:شاهد|[اإ]قر[أا]|طالع)\s+(?:[أا]يض\S*|المزيد)|(?:read|see)\s+(?:also|more)"
    r"|related)\s*[:：]",
    re.IGNORECASE,
)
RELATED_LINK_MAX_CHARS = 24  # the colon of "اقرأ المزيد:" comes within this many characters
# A byline ("بقلم: أحمد علي", "By Jane Doe") says who wrote the article, which its source line
# already shows; as a passage it answered "who founded …?" with the writer's job. A line counts
# only when it opens with a byline formula and the rest is a name: a few words, no digits, no
# punctuation of a sentence ("بقلم الرصاص رسم الفنان لوحة.", "By 2030, Jordan will …",
# "الكاتب: هو العنصر الأهم …" are paragraphs). A line that states the author the article
# declares ("الكاتب هو <author> …") is its byline whatever follows the name.
_BYLINE = re.compile(
    r"^(?:(?:بقلم|كتبه|كتبته)(?=[\s:：])\s*[:：]?|(?:الكاتبة?|المؤلفة?|كتبت?|تأليف|[إا]عداد|author)"
    r"\s*[:：]|(?-i:(?:Written\s+by|By)\s+(?=[A-Z])))\s*",
    re.IGNORECASE,
)
_STATED_WRITER = re.compile(r"^(?:الكاتبة?|المؤلفة?)\s+(?:هو|هي)\s")
_NOT_A_NAME = re.compile(r"[\d.,،؛;:!?؟()«»\"“”]|^(?:هو|هي|تم|لقد|قد)\s")
BYLINE_MAX_WORDS = 12
NAME_MAX_WORDS = 5
# Questions are left out on purpose: short question lines are sub-headings in news articles.
_SENTENCE_END = re.compile(r"[.!…»\"”)]\s*$")
# A line this short that does not end a sentence is a heading or a byline, not an answer.
HEADING_MAX_WORDS = 8
HEADING_MAX_CHARS = 200
TITLE_MAX_WORDS = 12
# A block longer than this is cut into parts of whole sentences of at most PART_CHARS: BM25
# would weigh a book saved as one line as one paragraph, and its citation would point at all
# of it. A part holds a few excerpts (420 characters); news paragraphs rarely pass 1000.
SPLIT_PARAGRAPH_CHARS = 3000
PART_CHARS = 1500


@dataclass(frozen=True, slots=True)
class Article:
    """One source file and who published it.

    ``title_derived``: no front matter, catalog entry or heading named the article, so its title
    is the opening words of its text. Citations still show it, but it is no context for the
    other paragraphs (:attr:`context_title`): the first sentence of an article about a book fair
    that mentions barley does not make every paragraph about barley.
    """

    file: str
    title: str
    source: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    paragraph_total: int = 0
    title_derived: bool = False
    # What was wrong with the declared attribution and was mended (a dropped URL, a shortened
    # title), one line each: the article loads, and an operator should still hear of it.
    warnings: str = ""

    @property
    def context_title(self) -> str:
        """The title every paragraph is also found by: a declared title or a heading, else ""."""
        return "" if self.title_derived else self.title


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A quotable passage: its exact text, its locator in the file, and the heading above it.

    ``part`` is 0 for a whole paragraph; a paragraph too long to quote as one (a page or book
    saved without line breaks, :data:`SPLIT_PARAGRAPH_CHARS`) is cited as its parts 1, 2, …,
    each with the paragraph's number, so the locator still points into the file.
    """

    article: Article
    number: int
    text: str
    heading: str = ""
    part: int = 0


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was not loaded, and why (shown to operators, one line each)."""

    file: str
    reason: str


@dataclass
class Corpus:
    """Everything loaded from a sources directory."""

    articles: list[Article] = field(default_factory=list)
    paragraphs: Sequence[Paragraph] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    aliases: list[list[str]] = field(default_factory=list)

    @property
    def warnings(self) -> list[Skipped]:
        """Loaded articles whose attribution was mended, one (file, reason) line per mend
        (shown to operators beside the skipped files)."""
        return [
            Skipped(article.file, line)
            for article in self.articles
            for line in article.warnings.splitlines()
        ]


class ArticleError(ValueError):
    """Why a file cannot be read as an article (the message names the problem, not the file)."""


def _is_heading(line: str) -> bool:
    # Length first: most paragraphs are far too long to be a heading, and splitting costs.
    if len(line) > HEADING_MAX_CHARS:
        return False
    return len(line.split()) <= HEADING_MAX_WORDS and not _SENTENCE_END.search(line)


def _byline(line: str, author: str | None) -> str | None:
    """Who a byline line names ("أحمد علي" of "بقلم: أحمد علي"), or None for any other line.

    ``author`` is the author the article declares, if any: a short line that opens with a
    byline formula and states it is the byline.
    """
    if "\n" in line or len(line) > HEADING_MAX_CHARS or len(line.split()) > BYLINE_MAX_WORDS:
        return None
    if author and author in line and (_BYLINE.match(line) or _STATED_WRITER.match(line)):
        return author
    match = _BYLINE.match(line)
    if match is None:
        return None
    name = line[match.end() :].strip()
    if not name or len(name.split()) > NAME_MAX_WORDS or _NOT_A_NAME.search(name):
        return None
    if line[0] in "BW" and not all(word[0].isupper() for word in name.split()):
        return None
    return name


def _byline_author(bylines: list[str]) -> str | None:
    return shorten(bylines[0], FIELD_MAX_CHARS["author"]) if bylines else None


def _is_noise(line: str) -> bool:
    """Scraped-page debris: markdown images, hashtag-only lines and related-article links."""
    if line[0] not in "#!":
        # Every paragraph of every source passes here: look for the colon before the regex.
        head = line[:RELATED_LINK_MAX_CHARS]
        return (":" in head or "：" in head) and bool(_RELATED_LINK.match(line))
    return bool(_MARKDOWN_IMAGE.match(line)) or all(w.startswith("#") for w in line.split())


# Line breaks other than LF, as Windows (CRLF), old Mac OS (CR), EBCDIC (NEL) and word
# processors (U+2028 line separator) save them; U+2029 separates paragraphs, as a blank line.
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028]")


def unify_line_breaks(text: str) -> str:
    """``text`` with every line break an LF and every paragraph separator a blank line, so a
    file reads exactly like its LF copy: front matter, paragraphs and line-number locators."""
    return _LINE_BREAK.sub("\n", text).replace("\u2029", "\n\n")


def split_front_matter(text: str) -> tuple[ArticleMeta, str]:
    """Return the declared metadata and the body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return ArticleMeta(), text.removeprefix("\ufeff")
    try:
        meta = ArticleMeta.model_validate(tomllib.loads(match.group(1)))
    except tomllib.TOMLDecodeError as exc:
        raise ArticleError(f"unreadable front matter: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'front matter'}: {e['msg']}" for e in exc.errors()
        )
        raise ArticleError(f"invalid front matter: {problems}") from exc
    return meta, text[match.end() :]


def split_paragraphs(body: str) -> list[tuple[int, str]]:
    """Numbered raw paragraphs: blank-line blocks if the body has blank lines, else lines.

    The number is the stable locator a citation shows: the block's ordinal, or the 1-based line
    number in a line-per-paragraph file.
    """
    if _BLANK_LINE.search(body.strip()):
        blocks = _BLANK_LINE.split(body.strip())
        return [(n, block.strip()) for n, block in enumerate(blocks, start=1) if block.strip()]
    # Split on LF only: the line numbers an editor shows (splitlines also breaks at \f, \v).
    lines = body.split("\n")
    return [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]


def read_article(
    file_name: str, text: str, catalog: ArticleMeta | None = None
) -> tuple[Article, list[Paragraph]]:
    """Parse one article's text into its attribution and cleaned, numbered paragraphs.

    The one reader of article text: sources at load and an admin's upload alike. Line breaks
    of any platform read as LF (:func:`unify_line_breaks`).

    Attribution is checked (:mod:`retrieval.metadata`): a bad URL is dropped and long fields
    shortened, each with a line in ``Article.warnings``.

    Cleaning: exact duplicate paragraphs keep their first occurrence (scraped pages repeat
    their headline), image, hashtag and "see also" link lines are dropped, a byline names the
    author when nothing declared one (and is no passage), and short heading
    lines become the context of the paragraph below instead of passages of their own, since
    BM25 would rank a five-word heading above the paragraph that answers.
    """
    if "\x00" in text:
        raise ArticleError("binary content")
    meta, body = split_front_matter(unify_line_breaks(text))
    if catalog is not None:
        merged = catalog.model_dump(exclude_none=True) | meta.model_dump(exclude_none=True)
        meta = ArticleMeta(**merged)
    meta, warnings = checked(meta)
    raw = split_paragraphs(body)
    if not raw:
        raise ArticleError("no text")

    seen: set[str] = set()
    kept: list[tuple[int, str]] = []
    bylines: list[str] = []
    for number, paragraph in raw:
        if paragraph in seen or _is_noise(paragraph):
            continue
        if (writer := _byline(paragraph, meta.author)) is not None:
            bylines.append(writer)
            continue
        seen.add(paragraph)
        kept.append((number, _MARKDOWN_HEADING.sub("", paragraph)))
    if not kept:
        raise ArticleError("no text after removing page debris (images, hashtags, links, bylines)")

    title, derived = (meta.title, False) if meta.title else _derive_title(kept)
    article = Article(
        file=file_name,
        title=shorten(title, FIELD_MAX_CHARS["title"]),
        title_derived=derived,
        warnings="\n".join(warnings),
        source=meta.source,
        author=meta.author or _byline_author(bylines),
        url=meta.url,
        published=meta.published,
        paragraph_total=raw[-1][0],
    )
    paragraphs: list[Paragraph] = []
    heading: list[str] = []
    for index, (number, paragraph) in enumerate(kept):
        is_last = index == len(kept) - 1
        if _is_heading(paragraph) and not is_last:
            heading.append(paragraph)
            continue
        parts = split_long_paragraph(paragraph)
        context = " — ".join(heading)
        if len(parts) == 1:
            paragraphs.append(Paragraph(article, number, paragraph, context))
        else:
            paragraphs.extend(
                Paragraph(article, number, text, context, part)
                for part, text in enumerate(parts, start=1)
            )
        heading = []
    return article, paragraphs


def split_long_paragraph(text: str) -> list[str]:
    """``text`` itself, or if longer than :data:`SPLIT_PARAGRAPH_CHARS` its parts: runs of
    whole sentences of at most :data:`PART_CHARS`, a longer sentence cut at a space (or, with
    no space, at the limit). Each part is an exact substring of ``text``. Linear in its length.
    """
    if len(text) <= SPLIT_PARAGRAPH_CHARS:
        return [text]
    cuts = [0]
    for sentence in sentence_spans(text):
        if sentence.end - cuts[-1] <= PART_CHARS:
            continue
        if sentence.start > cuts[-1]:
            cuts.append(sentence.start)  # the part ends before this sentence
        while sentence.end - cuts[-1] > PART_CHARS:  # a sentence longer than a part
            limit = cuts[-1] + PART_CHARS
            space = text.rfind(" ", cuts[-1] + PART_CHARS // 2, limit)
            cuts.append(space if space != -1 else limit)
    cuts.append(len(text))
    parts = (text[start:end].strip() for start, end in pairwise(cuts))
    return [part for part in parts if part]


def _derive_title(paragraphs: list[tuple[int, str]]) -> tuple[str, bool]:
    """The first heading-like line (a real heading), else the opening words of the first
    paragraph; and whether the title is those opening words."""
    for _, paragraph in paragraphs[:3]:
        if _is_heading(paragraph) and len(paragraph.split()) >= 3:
            return " ".join(paragraph.split()).rstrip(" :"), False
    words = paragraphs[0][1].split()
    if len(words) <= TITLE_MAX_WORDS:
        return " ".join(words), True
    return " ".join(words[:TITLE_MAX_WORDS]) + " …", True


def read_catalog(directory: Path) -> tuple[dict[str, ArticleMeta], list[list[str]], list[Skipped]]:
    """Read ``sources.toml``: per-file attribution and alias groups."""
    path = directory / CATALOG_FILE
    if not path.is_file():
        return {}, [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        articles = {
            name: ArticleMeta.model_validate(fields)
            for name, fields in data.get("articles", {}).items()
        }
        aliases = parse_alias_lines(" = ".join(group) for group in data.get("aliases", []))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        reason = str(exc).splitlines()[0]
        return {}, [], [Skipped(CATALOG_FILE, f"unreadable catalog, ignored: {reason}")]
    return articles, aliases, []


def article_files(directory: Path) -> list[Path]:
    """The article files of a sources directory and its subfolders, in the order they are
    indexed (see :func:`source_files`)."""
    return source_files(directory)[0]


def source_files(directory: Path) -> tuple[list[Path], list[Skipped]]:
    """Article files (``.txt``, ``.md``) of ``directory`` and of its subfolders at any depth,
    sorted by relative path, and the folders that could not be listed.

    Admins sort articles into folders (by site, by year) and expect them served, so subfolders
    are read; hidden files and folders (``.git``, the snapshot's own temporary files) are not.
    A folder linked in is followed once (a link back to an ancestor is not a loop).
    """
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()

    def unlisted(error: OSError) -> None:
        folder = Path(error.filename or directory)
        name = article_name(directory, folder) if folder != directory else "."
        skipped.append(Skipped(name + "/", f"folder unreadable: {error.strerror or error}"))

    for root, folders, names in os.walk(directory, onerror=unlisted, followlinks=True):
        real = Path(root).resolve()
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        folders[:] = [folder for folder in folders if not folder.startswith(".")]
        files.extend(
            Path(root) / name
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in ARTICLE_SUFFIXES
        )
    files.sort(key=lambda path: article_name(directory, path))
    return files, skipped


def article_name(directory: Path, path: Path) -> str:
    """How an article file is named in citations and ``sources.toml``: its path relative to
    the sources directory, with ``/`` (``news/2024/a.txt``)."""
    return path.relative_to(directory).as_posix()


def read_source_file(
    path: Path, catalog: ArticleMeta | None = None, name: str | None = None
) -> tuple[Article, list[Paragraph]] | Skipped:
    """One article file parsed, or why it was skipped (never an exception). ``name`` is its
    name in citations (default: the file's own name)."""
    name = name or path.name
    try:
        text = path.read_bytes().decode("utf-8")
        return read_article(name, text, catalog)
    except UnicodeDecodeError:
        return Skipped(name, "not UTF-8 text")
    except OSError as exc:
        return Skipped(name, f"unreadable: {exc.strerror or exc}")
    except ArticleError as exc:
        return Skipped(name, str(exc))


def load_corpus(directory: Path) -> Corpus:
    """Load every article in ``directory`` and its subfolders; bad files are skipped with a
    reason, never fatal."""
    catalog, aliases, skipped = read_catalog(directory)
    files, unlisted = source_files(directory)
    skipped.extend(unlisted)
    articles: list[Article] = []
    paragraphs: list[Paragraph] = []
    for path in files:
        name = article_name(directory, path)
        result = read_source_file(path, catalog.get(name), name)
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            articles.append(result[0])
            paragraphs.extend(result[1])
    return Corpus(articles, paragraphs, skipped, aliases)


def corpus_from_articles(items: Iterable[tuple[Article, list[str]]]) -> Corpus:
    """Build a corpus from in-memory articles (evaluation sets), one paragraph per string."""
    articles: list[Article] = []
    paragraphs: list[Paragraph] = []
    for article, texts in items:
        articles.append(article)
        paragraphs.extend(Paragraph(article, n, t) for n, t in enumerate(texts, start=1))
    return Corpus(articles, paragraphs)
