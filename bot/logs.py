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


class RoutineSignatureRefusals(logging.Filter):
    """hikari's interactions server logs each request with a bad signature at ERROR with
    PyNaCl's traceback (hikari 2.7, ``impl/interaction_server.py``). Discord sends such requests
    on purpose, as routine checks that the endpoint refuses them (receiving-and-responding.mdx,
    "Security and Authorization"), and scanners send them too: each becomes one WARNING line,
    without traceback. The request is still refused with 400; only the record changes."""

    HIKARI_MESSAGE = "Received a request with an invalid signature"
    LINE = (
        "refused an interactions request with an invalid signature (Discord's routine check or"
        " a stranger; if every request is refused, check SANAD_DISCORD_PUBLIC_KEY)"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.HIKARI_MESSAGE:
            return True
        record.msg, record.args = self.LINE, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        # The record was made because ERROR was enabled; WARNING may not be.
        return logging.getLogger(record.name).isEnabledFor(logging.WARNING)


SIGNATURE_REFUSALS = RoutineSignatureRefusals()
INTERACTION_SERVER_LOGGER = "hikari.interaction_server"


def configure_logging(settings: Settings, default_level: str = "INFO") -> None:
    """Log to stderr at ``settings.log_level`` (else ``default_level``), secrets redacted."""
    install_redaction(settings.secret_values())
    level = settings.log_level or default_level
    logging.basicConfig(format=FORMAT)
    logging.getLogger().setLevel(level)
    # httpx logs every request at INFO: noise for an operator unless they ask for DEBUG.
    logging.getLogger("httpx").setLevel(level if level == "DEBUG" else "WARNING")
    logging.getLogger(INTERACTION_SERVER_LOGGER).addFilter(SIGNATURE_REFUSALS)  # added once
