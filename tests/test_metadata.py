import json
from pathlib import Path

import pytest
from conftest import write_articles

from retrieval.corpus import load_corpus, read_article
from retrieval.library import Library, default_snapshot
from retrieval.metadata import FIELD_MAX_CHARS, URL_MAX_CHARS, shorten, url_problem

BODY = "نص الفقرة الأولى من المقال وهو طويل بما يكفي ليكون فقرة كاملة.\n"


def with_front_matter(**fields: str) -> str:
    lines = "".join(
        f"{name} = {json.dumps(value, ensure_ascii=False)}\n" for name, value in fields.items()
    )
    return f"+++\n{lines}+++\n{BODY}"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a",
        "www.example.org/x",
        "example.org",
        "javascript:alert(1)",
        "data:text/html,hi",
        "mailto:a@example.org",
        "file:///etc/passwd",
        "//example.org/a",
        "http:///a",
        "http://localhost/a",
        "https://exa mple.org",
        "https://example.org/a b",
        "https://example.org/\u0007",
        "https://example.org/\u202eab",
        "https://example.org:99999/",
        "https://example.org:port/",
        "https://[::1/",
        "https://example.org/" + "a" * URL_MAX_CHARS,
    ],
)
def test_url_that_is_no_absolute_http_address_is_dropped_and_the_article_loads(url):
    text = with_front_matter(title="عنوان", url=url)
    article, paragraphs = read_article("a.txt", text)
    assert article.url is None and article.title == "عنوان" and len(paragraphs) == 1
    assert article.warnings.startswith("url dropped (") and "\n" not in article.warnings


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a",
        "http://example.org",
        "HTTPS://Example.ORG/a?b=c#d",
        "https://news.example.co.uk:8443/2025/01/article.html",
        "https://مثال.مصر/خبر",
        "https://ar.wikipedia.org/wiki/%D8%B3%D9%86%D8%AF",
    ],
)
def test_absolute_http_url_is_kept_without_a_warning(url):
    article, _ = read_article("a.txt", with_front_matter(url=url))
    assert (article.url, article.warnings) == (url, "")
    assert url_problem(url) is None


@pytest.mark.parametrize("field", ["title", "source", "author", "published"])
def test_overlong_field_is_shortened_at_a_word_with_a_warning(field):
    value = "كلمة " * 2000
    article, paragraphs = read_article("a.txt", with_front_matter(**{field: value}))
    kept = getattr(article, field)
    limit = FIELD_MAX_CHARS[field]
    assert len(kept) <= limit and kept.endswith("كلمة…") and len(paragraphs) == 1
    assert article.warnings == f"{field} shortened from {len(value.strip())} to {limit} characters"


def test_shorten_keeps_short_text_and_cuts_long_text_without_splitting_a_word():
    assert shorten("قصير", 10) == "قصير"
    assert shorten("كلمة طويلة جدا جدا", 12) == "كلمة طويلة…"


def test_title_derived_from_a_text_without_spaces_is_capped_silently():
    article, _ = read_article("a.txt", "ب" * 300_000 + ".\n")
    assert len(article.title) <= FIELD_MAX_CHARS["title"] and article.warnings == ""


def test_mended_attribution_is_listed_for_operators_beside_skipped_files(tmp_path: Path):
    sources = write_articles(
        tmp_path / "s",
        {
            "a.txt": with_front_matter(url="javascript:alert(1)"),
            "b.txt": BODY,
            "c.txt": "\x00",
            "sources.toml": '[articles."b.txt"]\nurl = "www.example.org/b"\n',
        },
    )
    corpus = load_corpus(sources)
    assert [a.file for a in corpus.articles] == ["a.txt", "b.txt"]
    assert [(w.file, w.reason.split(":")[0]) for w in corpus.warnings] == [
        ("a.txt", "url dropped (not an absolute http(s) address)"),
        ("b.txt", "url dropped (not an absolute http(s) address)"),
    ]
    assert [s.file for s in corpus.skipped] == ["c.txt"]
    Library.open(sources, default_snapshot(sources))  # builds and saves a snapshot
    loaded = Library.open(sources, default_snapshot(sources)).engine.corpus
    assert loaded.warnings == corpus.warnings
