"""Adding an article by upload: the checks it must pass and the atomic write.

An uploaded article is read by the same parser as the sources directory, so a file that would
be skipped at the next reload is refused now, with the reason, and nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.service import messages, reasons
from bot.service.errors import UploadRejected
from retrieval.corpus import ArticleError, read_article

# No path separators, no hidden files, one of the suffixes the corpus reads.
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.(txt|md)")


def check_name_and_size(name: str, size: int | None, max_bytes: int) -> None:
    """Refuse before downloading: an unsafe name, or a declared size over ``max_bytes``."""
    if not SAFE_FILE_NAME.fullmatch(name):
        raise UploadRejected(
            messages.UPLOAD_BAD_NAME,
            "unsafe file name (Latin letters, digits, - and _ with .txt or .md only)",
        )
    if (size or 0) > max_bytes:
        raise UploadRejected(
            messages.UPLOAD_TOO_BIG.format(limit=max_bytes),
            f"{size} bytes, over upload_max_bytes ({max_bytes})",
        )


def check_article(name: str, data: bytes, max_bytes: int) -> list[str]:
    """Refuse content that is too big, not UTF-8, or not readable as an article; return what
    was mended in its attribution (``Article.warnings``, one line each; empty: nothing)."""
    check_name_and_size(name, len(data), max_bytes)
    try:
        article, _ = read_article(name, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 ({exc.reason} at byte {exc.start})"
        raise UploadRejected(messages.UPLOAD_NOT_UTF8, reason) from exc
    except ArticleError as exc:
        text = messages.UPLOAD_INVALID.format(reason=reasons.arabic(exc))
        raise UploadRejected(text, f"not readable as an article: {exc}") from exc
    return article.warnings.splitlines()


# Where an upload keeps the article it replaces: hidden, so never loaded or fingerprinted
# (retrieval.corpus.source_files skips hidden folders).
REPLACED_DIR = ".sanad-replaced"


def keep_replaced(path: Path, now: datetime | None = None) -> str | None:
    """Keep the article at ``path`` that an upload is about to replace, as
    ``.sanad-replaced/<name>.<UTC time>`` beside it (a hard link: no copy, and the article's
    bytes stay there when the new file is renamed over it). None: there was none.

    Raises:
        OSError: nothing could be kept (then nothing must be replaced).
    """
    if not path.is_file():
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    kept = path.parent / REPLACED_DIR / f"{path.name}.{stamp}"
    kept.parent.mkdir(exist_ok=True)
    try:
        os.link(path, kept)
    except FileExistsError:
        pass  # the same article replaced twice within a second: the first copy is kept
    except OSError:  # a file system without hard links
        shutil.copy2(path, kept)
    return kept.relative_to(path.parent).as_posix()


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a hidden temp file and rename, so a half-written article is never loaded.

    Raises:
        OSError: nothing was stored, and no temp file is left behind.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:  # a full disk must not leave a partial file behind
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise
