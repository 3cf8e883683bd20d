"""Every reason retrieval gives for a file it did not load, an attribution it mended or a
reload that failed reaches chat in Arabic (the operator's English stays in the logs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEEDS

from bot.service import reasons
from bot.service.errors import ReloadFailed, UploadRejected
from bot.service.policy import Sender
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from retrieval.library import Library

ADMIN = Sender("telegram", "telegram:999", 999)
WHEAT = "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n"
# Latin words a reason may name: a front-matter key, a file's encoding, a URL's scheme.
ALLOWED_LATIN = {"titel", "title", "UTF", "http", "s", "txt", "md", "javascript", "alert"}


def latin_words(text: str) -> set[str]:
    """English words of ``text``, file names aside."""
    text = re.sub(r"[\w-]+\.(?:txt|md)\b", "", text)
    return set(re.findall(r"[A-Za-z]+", text)) - ALLOWED_LATIN


def service_over(sources: Path) -> Sanad:
    settings = Settings(sources_dir=sources, admin_ids=[999])
    return Sanad(settings, Library.open(sources, settings.snapshot_path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "لا نص فيه"),
        (b"\x00\x01\x02binary", "محتواه ثنائي"),
        ("![](a.png)\n\n#وسم #خبر\n", "لا نص فيه بعد حذف ما ليس نصًا"),
        ('+++\ntitel = "القمح"\n+++\n' + WHEAT, "هل تقصد \u200etitle\u200e؟"),
        ("+++\ntitle = \n+++\n" + WHEAT, "تعذّرت قراءة رأس الملف"),
    ],
)
def test_an_upload_that_is_no_article_is_refused_in_arabic(seeds_copy, content, expected):
    data = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(UploadRejected) as refused:
        service_over(seeds_copy).add_article(ADMIN, "new.md", data)
    assert expected in refused.value.text
    assert latin_words(refused.value.text) == set(), refused.value.text


def test_mended_attribution_is_said_in_arabic_with_the_dropped_link(seeds_copy):
    long_title = "عنوان طويل " * 40
    article = f'+++\ntitle = "{long_title}"\nurl = "javascript:alert(1)"\n+++\n{WHEAT}'
    saved = service_over(seeds_copy).add_article(ADMIN, "new.md", article.encode())
    assert "حذفت الرابط \u200e'javascript:alert(1)'\u200e" in saved
    assert "قصّرت العنوان من 439 إلى 200 حرفًا" in saved
    assert latin_words(saved) == set(), saved


@pytest.mark.parametrize(
    ("break_sources", "expected"),
    [
        (lambda d: [p.unlink() for p in d.iterdir()], "لا ملفات \u200e.txt\u200e أو \u200e.md\u200e"),
        (lambda d: [p.write_bytes(b"\xff\xfe") for p in d.glob("*.txt")], "ليس نصًا بترميز"),
    ],
)
async def test_a_failed_reload_says_why_in_arabic_without_the_servers_path(
    seeds_copy, break_sources, expected
):
    service = service_over(seeds_copy)
    break_sources(seeds_copy)
    with pytest.raises(ReloadFailed) as failed:
        await service.reload(ADMIN)
    assert expected in failed.value.text
    assert str(seeds_copy) not in failed.value.text
    assert latin_words(failed.value.text) == set(), failed.value.text


def test_a_reason_the_table_does_not_know_is_shown_as_written():
    assert reasons.arabic("disk quota exceeded") == "disk quota exceeded"


def test_the_seeds_load_with_nothing_to_say():
    assert service_over(SEEDS).sources().lines[-1].startswith("- 004_")
