"""Logging for every command: one format, the configured level, and no secret in any record.

Libraries log what they see: httpx logs each request URL, and a Bot API URL holds the bot token
(``/bot<token>/getMe``); python-telegram-bot puts the token in the text of ``InvalidToken``.
Redaction therefore happens where every record is made (the log record factory), before any
handler or filter sees it, whichever library logged it and whichever handler writes it: the
message, its arguments, the formatted exception and the stack are all cleaned.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from urllib.parse import quote

from bot.service.settings import Settings

REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_make_record = logging.getLogRecordFactory()
_secrets: tuple[str, ...] = ()


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun`` for an operator line: "1 attempt", "0 attempts", "3 attempts"
    (``plural`` when the noun does not take -s)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def redact(text: str) -> str:
    """``text`` with every configured secret (also URL-encoded) replaced by [redacted]."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redacting_record(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it when the record is emitted
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean = redact(text)
        if clean != text:
            # Formatters print exc_text as it is; without exc_info no handler renders it again.
            record.exc_text, record.exc_info = clean, None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install_redaction(secrets: Iterable[str]) -> None:
    """Redact ``secrets`` from every log record made from now on (an empty list: none)."""
    global _secrets
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    _secrets = tuple(sorted(forms, key=len, reverse=True))
    logging.setLogRecordFactory(_redacting_record)


class LibraryLines(logging.Filter):
    """A library's log records about requests it refused, rewritten as one line each.

    ``lines`` maps the start of a record's message to the level and line it becomes; ``%s`` in
    a line is the exception's type and message (cut to 120 characters). The traceback and any
    request body go: a body is a stranger's text, and Discord's carries an interaction token.
    Other records pass unchanged.
    """

    def __init__(self, lines: dict[str, tuple[int, str]]) -> None:
        super().__init__()
        self.lines = lines

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        found = next((v for k, v in self.lines.items() if message.startswith(k)), None)
        if found is None:
            return True
        level, line = found
        error = record.exc_info[1] if record.exc_info else None
        what = f"{type(error).__name__}: {error}"[:120] if error is not None else "no detail"
        record.msg, record.args = line, ((what,) if "%s" in line else None)
        record.levelno, record.levelname = level, logging.getLevelName(level)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        # The record was made because its own level was enabled; this one may not be.
        return logging.getLogger(record.name).isEnabledFor(level)


SIGNATURE_LINE = (
    "refused an interactions request with an invalid signature (Discord's routine check or"
    " a stranger; if every request is refused, check SANAD_DISCORD_PUBLIC_KEY)"
)
# By logger. hikari 2.7 (impl/interaction_server.py) logs each refused interactions request
# at ERROR with a traceback; Discord sends bad signatures on purpose, as routine checks that
# the endpoint refuses them (receiving-and-responding.mdx, "Security and Authorization"), and
# scanners send them and worse. An interaction Discord signed that hikari cannot read goes to
# asyncio's exception handler with its whole payload. python-telegram-bot 22
# (ext/_utils/webhookhandler.py) logs a webhook POST that is no update at CRITICAL with its
# body; Telegram itself only posts updates. The HTTP answers (400, 500) stay as they are.
LIBRARY_LINES: dict[str, LibraryLines] = {
    "hikari.interaction_server": LibraryLines(
        {
            "Received a request with an invalid signature": (logging.WARNING, SIGNATURE_LINE),
            "Received a request with an invalid JSON body": (
                logging.WARNING,
                "refused an interactions request whose body is not a JSON object (%s)",
            ),
            "Missing 'type' field in received JSON payload": (
                logging.WARNING,
                "refused an interactions request that names no interaction type",
            ),
        }
    ),
    "asyncio": LibraryLines(
        {
            "Exception occurred during interaction deserialization": (
                logging.ERROR,
                "answered 500 to an interaction Discord signed but hikari could not read (%s);"
                " a newer hikari may know this kind of interaction",
            )
        }
    ),
    "telegram.ext.Updater": LibraryLines(
        {
            "Something went wrong processing the data received from Telegram": (
                logging.WARNING,
                "refused a webhook request that is not a Telegram update (%s); nothing was"
                " processed",
            )
        }
    ),
}


def remove_library_lines() -> None:
    """Undo what :func:`configure_logging` did to the libraries' loggers."""
    for name, lines in LIBRARY_LINES.items():
        logging.getLogger(name).removeFilter(lines)


def configure_logging(settings: Settings, default_level: str = "INFO") -> None:
    """Log to stderr at ``settings.log_level`` (else ``default_level``), secrets redacted."""
    install_redaction(settings.secret_values())
    level = settings.log_level or default_level
    logging.basicConfig(format=FORMAT)
    logging.getLogger().setLevel(level)
    # httpx logs every request at INFO: noise for an operator unless they ask for DEBUG.
    logging.getLogger("httpx").setLevel(level if level == "DEBUG" else "WARNING")
    for name, lines in LIBRARY_LINES.items():
        logging.getLogger(name).addFilter(lines)  # added once however often this runs
