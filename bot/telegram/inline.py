"""Inline mode: ``@bot سؤال`` from any chat lists passages; choosing one sends it quoted.

Telegram drops answers that come late (a few seconds), so this path only searches and renders:
no network call other than the answer itself.
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.service import messages
from bot.telegram.context import Context
from bot.telegram.render import escape, inline_description, passage_html

PAGE = 10  # Telegram allows 50 results; ten keeps the answer small and fast
MAX_OFFSET = 200


def _article(result_id: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(html, parse_mode=ParseMode.HTML),
    )


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer an inline query with a page of passages, a help card, or a no-answer card."""
    inline = update.inline_query
    if inline is None:
        return
    state = context.bot_data
    state.stats.inline_queries += 1
    question = inline.query.strip()[: state.settings.max_question_chars]
    cache = state.settings.inline_cache_seconds
    if not question:
        card = _article(
            "help",
            messages.INLINE_HELP_TITLE,
            messages.INLINE_HELP_TEXT,
            escape(messages.INLINE_HELP_TEXT),
        )
        await inline.answer([card], cache_time=cache)
        return
    offset = int(inline.offset) if inline.offset.isdigit() else 0
    answer = state.library.engine.answer(question, limit=PAGE, offset=min(offset, MAX_OFFSET))
    if not answer.found:
        text = messages.INLINE_NO_ANSWER_TEXT.format(question=question)
        card = _article("none", messages.INLINE_NO_ANSWER_TITLE, text, escape(text))
        await inline.answer([card], cache_time=cache)
        return
    results = [
        _article(
            f"{rank}:{passage.source.paragraph}",
            passage.source.title[:100],
            inline_description(passage),
            passage_html(passage).html,
        )
        for rank, passage in enumerate(answer.passages, start=answer.offset)
    ]
    next_offset = str(answer.offset + len(answer.passages)) if answer.has_more else ""
    await inline.answer(results, cache_time=cache, next_offset=next_offset)
