"""Sending a reply, and what to do when Telegram rejects it."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.render import plain_messages, plain_text

log = logging.getLogger(__name__)


async def send_html(
    message: Message, html: str, markup: InlineKeyboardMarkup | None, reply_to: int
) -> Message:
    """Send HTML as a reply; if Telegram still rejects the markup, send it as plain text."""
    reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
    try:
        return await message.get_bot().send_message(
            message.chat_id,
            html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply,
        )
    except BadRequest as exc:
        if "parse entities" not in exc.message.lower():
            raise
        log.warning("Telegram rejected our HTML (%s); resending as plain text", exc.message)
        return await message.get_bot().send_message(
            message.chat_id, plain_text(html), reply_markup=markup, reply_parameters=reply
        )


async def reply_text(message: Message, text: str, quote: bool | None = None) -> None:
    """A plain-text reply (quoting the message in groups, or when ``quote`` says so), split
    into several messages when it is longer than Telegram allows."""
    for part in plain_messages(text):
        await message.reply_text(part, do_quote=quote)
