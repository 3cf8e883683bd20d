"""Inline mode: ``@bot سؤال`` from any chat lists passages; choosing one sends it quoted.

Telegram drops answers that come late (a few seconds), so this path only asks the service and
renders: no network call other than the answer itself. Questions go through the same service
path as in chats (rate limit, question rules, latency statistics).
"""

from __future__ import annotations

import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.fitting import shorten
from bot.service import messages, paging
from bot.service.errors import EmptyQuestion, SanadError
from bot.telegram.context import Context
from bot.telegram.incoming import PLATFORM, sender_of
from bot.telegram.render import (
    INLINE_DESCRIPTION_UNITS,
    INLINE_TITLE_UNITS,
    MESSAGE_LIMIT,
    escape,
    inline_description,
    inline_title,
    passage_html,
    plain_text,
)

log = logging.getLogger(__name__)

PAGE = 10  # Telegram allows 50 results; ten keeps the answer small and fast


def _article(result_id: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(html, parse_mode=ParseMode.HTML),
    )


def _card(result_id: str, title: str, text: str) -> InlineQueryResultArticle:
    """A result that is one sentence of ours (help, no answer, a refusal)."""
    return _article(
        result_id,
        shorten(title, INLINE_TITLE_UNITS),
        shorten(text, INLINE_DESCRIPTION_UNITS),
        escape(shorten(text, MESSAGE_LIMIT // 2)),  # room for the isolates escape() adds
    )


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer an inline query with a page of passages, a help card, or a no-answer card."""
    inline = update.inline_query
    if inline is None:
        return
    service = context.bot_data.service
    cache = service.settings.inline_cache_seconds
    # With allowed_chat_ids set only admins are answered inline (bot.telegram.app.guard_chats):
    # results cached for all askers would reach others without the bot being asked.
    personal = service.policy.restricts_chats(PLATFORM)
    offset = paging.parse_offset(inline.offset) or 0  # a crafted offset: the first page
    try:
        page = await service.ask(
            inline.query, sender_of(update), offset=offset, limit=PAGE, inline=True
        )
    except EmptyQuestion:
        card = _card("help", messages.INLINE_HELP_TITLE, messages.INLINE_HELP_TEXT)
        await inline.answer([card], cache_time=cache, is_personal=personal)
        return
    except SanadError as exc:
        refused = [_card("refused", exc.text, exc.text)]
        await inline.answer(refused, cache_time=0, is_personal=personal)
        return
    answer = page.answer
    if not answer.found:
        text = messages.INLINE_NO_ANSWER_TEXT.format(question=answer.question)
        await inline.answer(
            [_card("none", messages.INLINE_NO_ANSWER_TITLE, text)],
            cache_time=cache,
            is_personal=personal,
        )
        return
    results = [
        _article(
            f"{rank}:{passage.source.paragraph}",
            inline_title(passage),
            inline_description(passage),
            passage_html(passage).html,
        )
        for rank, passage in enumerate(answer.passages, start=answer.offset)
    ]
    next_offset = str(page.next_offset) if page.next_offset is not None else ""
    try:
        await inline.answer(
            results, cache_time=cache, is_personal=personal, next_offset=next_offset
        )
    except BadRequest as exc:  # one bad result fails them all: send them again as plain text
        log.warning("Telegram refused inline results (%s); sending them as plain text", exc)
        plain = [_plain(result) for result in results]
        await inline.answer(
            plain, cache_time=cache, is_personal=personal, next_offset=next_offset
        )


def _plain(result: InlineQueryResultArticle) -> InlineQueryResultArticle:
    """The same result with its message as plain text (no formatting to refuse)."""
    content = result.input_message_content
    html = content.message_text if isinstance(content, InputTextMessageContent) else ""
    return InlineQueryResultArticle(
        id=result.id,
        title=result.title,
        description=result.description,
        input_message_content=InputTextMessageContent(plain_text(html)),
    )
