"""No configured secret reaches a log record, whichever library writes it."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import REDACTED, configure_logging, counted, install_redaction
from bot.service.settings import Settings

TOKEN = "123456:SECRET-token_value"


@pytest.fixture
def captured():
    """Everything logged at any level, formatted as an operator would read it."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "telegram")}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    install_redaction([])


def test_secret_is_redacted_from_messages_arguments_and_exceptions(captured):
    configure_logging(Settings(telegram_token=TOKEN, log_level="DEBUG"))
    logging.getLogger("httpx").debug('HTTP Request: POST http://x/bot%s/getMe "200"', TOKEN)
    logging.getLogger("telegram.ext").info("quoted: %s", TOKEN.replace(":", "%3A"))
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("update failed")
    text = captured.getvalue()
    assert TOKEN not in text and "SECRET-token" not in text
    assert text.count(REDACTED) == 3 and "RuntimeError" in text and "Traceback" in text


def test_discord_token_is_redacted_like_every_secret(captured):
    discord_token = "MTI2NjAwMDAwMDAwMDAwMDAwMQ.GsAnAd.discord-secret-hmac"
    configure_logging(Settings(discord_token=discord_token, log_level="DEBUG"))
    logging.getLogger("hikari.rest").debug("Authorization: Bot %s", discord_token)
    logging.getLogger("hikari.gateway").info("identify %s", {"token": discord_token})
    text = captured.getvalue()
    assert "discord-secret-hmac" not in text and text.count(REDACTED) == 2


def test_log_level_setting_is_applied(captured):
    configure_logging(Settings(log_level="WARNING"))
    logging.getLogger("sanad.test").info("quiet")
    logging.getLogger("sanad.test").warning("loud")
    assert "loud" in captured.getvalue() and "quiet" not in captured.getvalue()


def test_operator_counts_agree_with_their_number():
    assert [counted(n, "attempt") for n in (0, 1, 2)] == ["0 attempts", "1 attempt", "2 attempts"]
    assert counted(1, "byte") == "1 byte" and counted(1_000, "byte") == "1000 bytes"
    assert counted(2, "reply", "replies") == "2 replies" and counted(1, "reply", "replies") == (
        "1 reply"
    )
