"""Why a file was not loaded, why its attribution was mended, why a reload failed: in Arabic,
for the people who read it in chat.

The retrieval layer words these reasons in English for operators (logs, ``sanad sources``,
the snapshot's list of skipped files) and they stay so there. Chat reads them through one table
of the sentences retrieval writes (:mod:`retrieval.corpus`, :mod:`retrieval.metadata`,
:mod:`retrieval.library`); a reason the table does not know is shown as written, since an
operator's detail is better than none. Server paths are never repeated in chat.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from retrieval.metadata import ArticleMeta

# Front-matter keys in Arabic, as an article's source line names them.
_FIELDS = {
    "title": "العنوان",
    "source": "الناشر",
    "author": "الكاتب",
    "url": "الرابط",
    "published": "تاريخ النشر",
}


def _invalid_front_matter(match: re.Match[str]) -> str:
    """«titel: Extra inputs are not permitted; url: …» → the keys, and the known key nearest
    an unknown one."""
    keys = [problem.split(":", 1)[0].strip() for problem in match["problems"].split("; ")]
    text = "بيانات غير صالحة في رأس الملف (بين ‎+++‎): " + "، ".join(f"‎{k}‎" for k in keys)
    known = list(ArticleMeta.model_fields)
    for key in keys:
        if key not in known and (close := difflib.get_close_matches(key, known, n=1)):
            text += f". هل تقصد ‎{close[0]}‎؟"
            break
    return text


def _no_article(match: re.Match[str]) -> str:
    files = match["reasons"]
    if files == "no .txt/.md files":
        return "لا ملفات ‎.txt‎ أو ‎.md‎ في مجلد المصادر"
    return "لم أستطع تحميل أي مقال: " + "؛ ".join(
        f"‎{name}‎: {arabic(reason)}"
        for name, reason in (item.split(": ", 1) for item in files.split("; ") if ": " in item)
    )


def _shortened(match: re.Match[str]) -> str:
    field = _FIELDS.get(match["field"], match["field"])
    return f"قصّرت {field} من {match['before']} إلى {match['after']} حرفًا"


_Reason = str | Callable[[re.Match[str]], str]

_TABLE: list[tuple[re.Pattern[str], _Reason]] = [
    (re.compile(r"binary content"), "محتواه ثنائي، لا نص"),
    (re.compile(r"no text"), "لا نص فيه"),
    (
        re.compile(r"no text after removing page debris.*"),
        "لا نص فيه بعد حذف ما ليس نصًا (الصور والوسوم والروابط وأسماء الكتّاب)",
    ),
    (re.compile(r"not UTF-8 text"), "ليس نصًا بترميز UTF-8"),
    (re.compile(r"unreadable: .*"), "تعذّرت قراءته"),
    (re.compile(r"unreadable front matter: .*"), "تعذّرت قراءة رأس الملف (بين ‎+++‎)"),
    (re.compile(r"invalid front matter: (?P<problems>.*)"), _invalid_front_matter),
    (re.compile(r"unreadable catalog, ignored: .*"), "تعذّرت قراءة فهرس المصادر، فتجاهلته"),
    (re.compile(r"folder unreadable: .*"), "تعذّر فتح المجلد"),
    (
        re.compile(r"url dropped \(.*\): (?P<url>.*)"),
        lambda match: f"حذفت الرابط ‎{match['url']}‎: ليس عنوان ‎http(s)‎ كاملًا",
    ),
    (
        re.compile(r"(?P<field>\w+) shortened from (?P<before>\d+) to (?P<after>\d+) characters"),
        _shortened,
    ),
    (re.compile(r"another reload is in progress"), "إعادة تحميل أخرى جارية الآن"),
    (re.compile(r"sources directory not found: .*"), "مجلد المصادر غير موجود"),
    (re.compile(r"sources directory is not a directory: .*"), "مسار المصادر ليس مجلدًا"),
    (re.compile(r"cannot read the sources directory .*"), "تعذّرت قراءة مجلد المصادر"),
    (
        re.compile(r"no article could be loaded from .* \((?P<reasons>.*)\)", re.DOTALL),
        _no_article,
    ),
]


def arabic(reason: object) -> str:
    """``reason`` (an English sentence of retrieval's, or an exception carrying one) in
    Arabic; as written when the table has no sentence for it."""
    text = str(reason)
    for pattern, arabic_text in _TABLE:
        if (match := pattern.fullmatch(text)) is not None:
            return arabic_text if isinstance(arabic_text, str) else arabic_text(match)
    return text
