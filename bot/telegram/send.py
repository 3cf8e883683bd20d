"""Sending a message, and sending it again without what Telegram rejected.

Telegram refuses a whole message for one bad part: a button URL it does not accept, HTML it
cannot parse, a text it counts as too long, a reply target that is gone. Each refusal names
the part, so the message is sent again without it (the buttons first, then the formatting)
until it goes through or nothing is left to drop; the person still gets the answer.

A failure of Telegram's own (a 5xx) or of the connection says nothing about the message, so the
same message is sent again a few times after a short wait (:data:`RETRY_DELAYS`). Flood
control (429) is retried by python-telegram-bot's ``AIORateLimiter`` (``bot.telegram.app``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, NetworkError

from bot import fitting
from bot.telegram.render import MESSAGE_LIMIT, plain_messages, plain_text

log = logging.getLogger(__name__)

# Seconds to wait before each new attempt at a message after a 5xx or a failed connection: an
# answer survives a few seconds of a Bot API hiccup, and a person who is still waiting gets it.
# A timeout may come after Telegram delivered the message, so a retry can repeat it once:
# a rare duplicate beats a lost answer.
RETRY_DELAYS = (0.5, 1.0, 2.0)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: text (HTML when ``html``), buttons, the message it replies to."""

    text: str
    html: bool = False
    markup: InlineKeyboardMarkup | None = None
    reply_to: int | None = None


def without_rejected(message: Outgoing, reason: str) -> tuple[Outgoing, str] | None:
    """``message`` without the part Telegram's refusal ``reason`` names, and what was dropped.

    None when nothing is left to drop. An unrecognised refusal drops the buttons, then the
    formatting.
    """
    reason = reason.lower()
    plain = dataclasses.replace(message, text=plain_text(message.text), html=False)
    if message.html and any(word in reason for word in ("entit", "parse", "tag")):
        return plain, "formatting"
    if "too long" in reason:
        text = fitting.shorten(plain.text, MESSAGE_LIMIT)
        if message.html or text != message.text:
            return dataclasses.replace(plain, text=text), "formatting and length"
    if message.markup is not None and any(
        word in reason for word in ("button", "url", "markup", "keyboard")
    ):
        return dataclasses.replace(message, markup=None), "buttons"
    if message.reply_to is not None and "repl" in reason:
        return dataclasses.replace(message, reply_to=None), "the reply target"
    if message.markup is not None:
        return dataclasses.replace(message, markup=None), "buttons"
    if message.html:
        return plain, "formatting"
    return None


async def send(bot: Bot, chat_id: int, message: Outgoing) -> Message:
    """Send ``message``; on a refusal, again without what was refused (see module docstring).

    Raises:
        BadRequest: Telegram refused even the plainest form.
        NetworkError: Telegram failed (5xx) or could not be reached at every attempt.
    """
    delays = iter(RETRY_DELAYS)
    while True:
        reply = (
            ReplyParameters(message_id=message.reply_to, allow_sending_without_reply=True)
            if message.reply_to is not None
            else None
        )
        try:
            return await bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML if message.html else None,
                reply_markup=message.markup,
                reply_parameters=reply,
            )
        except BadRequest as exc:
            smaller = without_rejected(message, exc.message)
            if smaller is None:
                raise
            message, dropped = smaller
            log.warning("Telegram refused a message (%s); sending it without %s", exc, dropped)
        except NetworkError as exc:  # BadRequest, a refusal, is caught above
            delay = next(delays, None)
            if delay is None:
                raise
            log.warning("sending a message failed (%s); trying again in %.1f s", exc, delay)
            await asyncio.sleep(delay)


async def send_html(
    message: Message, html: str, markup: InlineKeyboardMarkup | None, reply_to: int
) -> Message:
    """Send HTML (with buttons) as a reply to ``reply_to`` in ``message``'s chat."""
    outgoing = Outgoing(html, html=True, markup=markup, reply_to=reply_to)
    return await send(message.get_bot(), message.chat_id, outgoing)


async def reply_text(message: Message, text: str, quote: bool | None = None) -> None:
    """A plain-text reply, split into several messages when Telegram's limit needs it.

    It quotes the message when ``quote`` says so, by default in groups (where a reply without
    a quote could belong to anyone's message).
    """
    if quote is None:
        quote = message.chat.type != ChatType.PRIVATE
    for part in plain_messages(text):
        outgoing = Outgoing(part, reply_to=message.message_id if quote else None)
        await send(message.get_bot(), message.chat_id, outgoing)
