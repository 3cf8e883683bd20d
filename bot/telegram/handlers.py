"""Questions in chats: private messages, /ask and mentions in groups, paging, feedback."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest

from bot.service import messages
from bot.telegram.context import Context
from bot.telegram.render import answer_html, escape, plain_text
from retrieval.answer import Answer
from retrieval.search import SearchEngine

log = logging.getLogger(__name__)

MORE_PREFIX = "more:"
FEEDBACK_PREFIX = "fb:"
_COMMAND = re.compile(r"^/\w+(@\w+)?\s*")


def question_of(message: Message | None, bot_username: str) -> str:
    """The question a message asks: its text without /ask or a mention of the bot."""
    if message is None or not message.text:
        return ""
    text = _COMMAND.sub("", message.text) if message.text.startswith("/") else message.text
    return text.replace(f"@{bot_username}", " ").strip()


def is_addressed(message: Message, context: Context) -> bool:
    """Whether a message asks the bot: any private message; in groups, only when addressed."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.chat.id in context.bot_data.settings.answer_every_group_message:
        return True
    replied = message.reply_to_message
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        return True
    return f"@{context.bot.username}".lower() in (message.text or "").lower()


def answer_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """المزيد (next page) and the source link, then the two feedback buttons."""
    if not answer.found or not answer.passages:
        return None
    first_row = []
    if answer.has_more:
        offset = answer.offset + len(answer.passages)
        first_row.append(
            InlineKeyboardButton(messages.MORE_BUTTON, callback_data=f"{MORE_PREFIX}{offset}")
        )
    url = answer.passages[0].source.url
    if url:
        first_row.append(InlineKeyboardButton(messages.SOURCE_BUTTON, url=url))
    feedback = [
        InlineKeyboardButton(messages.HELPFUL_BUTTON, callback_data=f"{FEEDBACK_PREFIX}1"),
        InlineKeyboardButton(messages.UNHELPFUL_BUTTON, callback_data=f"{FEEDBACK_PREFIX}0"),
    ]
    return InlineKeyboardMarkup([row for row in (first_row, feedback) if row])


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


async def reply_with_answer(
    question_message: Message, question: str, context: Context, offset: int = 0
) -> None:
    """Search, render and send one page of the answer as a reply to the question."""
    state = context.bot_data
    settings = state.settings
    trimmed = len(question) > settings.max_question_chars
    question = question[: settings.max_question_chars]
    started = time.perf_counter()
    typing = None
    if settings.typing_after_ms == 0:
        _send_typing(question_message)
    else:
        typing = asyncio.get_running_loop().call_later(
            settings.typing_after_ms / 1000, _send_typing, question_message
        )
    try:
        answer = await _answer(state.library.engine, question, settings.answer_passages, offset)
    finally:
        if typing is not None:
            typing.cancel()  # no effect once "typing…" is on its way
    if offset == 0:
        state.stats.record_answer(question, answer.found, time.perf_counter() - started)
    html = answer_html(answer, trimmed_question=trimmed)
    await send_html(question_message, html, answer_keyboard(answer), question_message.message_id)


def _send_typing(message: Message) -> None:
    """Show "typing…": the answer is taking long enough for a person to notice."""
    task = asyncio.ensure_future(
        message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)
    )
    _PENDING.add(task)
    task.add_done_callback(_typing_sent)


def _typing_sent(task: asyncio.Future) -> None:
    _PENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.info("could not show typing: %s", task.exception())


_PENDING: set[asyncio.Future] = set()  # keeps fire-and-forget tasks referenced until done


# Below this many paragraphs an answer takes about a millisecond (BENCHMARKS.md): less than
# handing it to a worker thread and back costs the event loop.
INLINE_MAX_PARAGRAPHS = 100_000


async def _answer(engine: SearchEngine, question: str, limit: int, offset: int) -> Answer:
    """Search on the loop for small collections; for large ones in a worker thread, so the loop
    keeps serving (and can send "typing…") meanwhile."""
    if len(engine.store) <= INLINE_MAX_PARAGRAPHS:
        return engine.answer(question, limit, offset)
    return await asyncio.to_thread(engine.answer, question, limit, offset)


async def on_text(update: Update, context: Context) -> None:
    """Answer a text message that asks the bot something."""
    message = update.effective_message
    if message is None or not is_addressed(message, context):
        return
    await ask(message, question_of(message, context.bot.username), update, context)


async def on_ask_command(update: Update, context: Context) -> None:
    """Answer /ask <question> (the way to ask in groups with privacy mode on)."""
    message = update.effective_message
    if message is None:
        return
    question = question_of(message, context.bot.username)
    if not question:
        await message.reply_text(messages.ASK_USAGE, do_quote=True)
        return
    await ask(message, question, update, context)


async def ask(message: Message, question: str, update: Update, context: Context) -> None:
    """Common path of every question: empty check, rate limit, answer."""
    if not any(ch.isalnum() for ch in question):
        await message.reply_text(messages.EMPTY_QUESTION, do_quote=True)
        return
    user = update.effective_user
    if user is not None and not context.bot_data.rate_limit.allow(user.id):
        await message.reply_text(messages.RATE_LIMITED, do_quote=True)
        return
    await reply_with_answer(message, question, context)


async def on_more(update: Update, context: Context) -> None:
    """Send the next page of passages for the question the pressed answer replied to."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    answer_message = query.message if isinstance(query.message, Message) else None
    question_message = answer_message.reply_to_message if answer_message else None
    question = question_of(question_message, context.bot.username)
    offset = query.data.removeprefix(MORE_PREFIX)
    if question_message is None or not question or not offset.isdigit():
        await query.answer(messages.PAGE_EXPIRED, show_alert=True)
        return
    await query.answer()
    await reply_with_answer(question_message, question, context, offset=int(offset))


async def on_feedback(update: Update, context: Context) -> None:
    """Count 👍/👎 once per answer; unhelpful questions are listed for admins in /gaps."""
    query = update.callback_query
    answer_message = query.message if query and isinstance(query.message, Message) else None
    if query is None or answer_message is None:
        return
    key = (answer_message.chat_id, answer_message.message_id)
    state = context.bot_data
    if key in state.voted:
        await query.answer(messages.FEEDBACK_ALREADY)
        return
    state.voted.append(key)
    question = question_of(answer_message.reply_to_message, context.bot.username)
    state.stats.record_feedback(question, helpful=query.data == f"{FEEDBACK_PREFIX}1")
    await query.answer(messages.FEEDBACK_THANKS)
    markup = answer_message.reply_markup
    if markup is not None:
        rows = [
            row
            for row in markup.inline_keyboard
            if not any((b.callback_data or "").startswith(FEEDBACK_PREFIX) for b in row)
        ]
        await answer_message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


async def on_not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice: a short hint in private chats (groups are left alone)."""
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await message.reply_text(messages.NOT_TEXT, do_quote=True)


async def on_start(update: Update, context: Context) -> None:
    """Say what Sanad is and knows, with example questions and an inline-mode button."""
    message = update.effective_message
    if message is None:
        return
    corpus = context.bot_data.library.engine.corpus
    titles = "\n".join(f"• {escape(a.title)}" for a in corpus.articles[:5])
    text = messages.START.format(
        articles=len(corpus.articles), paragraphs=len(corpus.paragraphs), titles=titles
    )
    if message.chat.type != ChatType.PRIVATE:
        text += "\n\n" + escape(messages.START_GROUP_HINT)
    examples = [
        [InlineKeyboardButton(q, switch_inline_query_current_chat=q)]
        for q in context.bot_data.settings.example_questions
    ]
    examples.append(
        [InlineKeyboardButton(messages.INLINE_BUTTON, switch_inline_query_current_chat="")]
    )
    await message.reply_html(text, reply_markup=InlineKeyboardMarkup(examples), do_quote=True)
