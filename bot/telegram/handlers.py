"""Questions in chats: private messages, /ask and mentions in groups, paging, feedback, /start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType

from bot.service import messages, paging
from bot.service.errors import SanadError, repeated_refusal
from bot.service.sanad import AnswerPage
from bot.telegram.context import Context
from bot.telegram.incoming import answer_id, chat_of, question_of, sender_of
from bot.telegram.render import (
    answer_html,
    answer_keyboard,
    callback_text,
    welcome_html,
    welcome_keyboard,
)
from bot.telegram.send import reply_text, send_html

log = logging.getLogger(__name__)


def is_addressed(message: Message, context: Context) -> bool:
    """Whether a message asks the bot: private chats and listed groups always; otherwise a
    mention of the bot or a reply to one of its messages."""
    chat = chat_of(message.chat)
    if chat is not None and context.bot_data.service.policy.answers_every_message(chat):
        return True
    return is_called(message, context)


def is_called(message: Message, context: Context) -> bool:
    """Whether a message mentions the bot or replies to one of its messages."""
    replied = message.reply_to_message
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        return True
    return f"@{context.bot.username}".lower() in (message.text or "").lower()


async def on_text(update: Update, context: Context) -> None:
    """Answer a text message that asks the bot something."""
    message = update.effective_message
    if message is None or not is_addressed(message, context):
        return
    policy = context.bot_data.service.policy
    chatter = policy.unprompted(chat_of(message.chat), is_called(message, context))
    await ask(update, message, question_of(message, context.bot.username), context, chatter)


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command Sanad does not have, in a private chat: the service says so and where the
    commands are (in a group it may be another bot's, so groups are left alone)."""
    message = update.effective_message
    if message is not None and message.text:
        await ask(update, message, message.text, context)


async def on_ask_command(update: Update, context: Context) -> None:
    """Answer /ask <question> (the way to ask in groups with privacy mode on)."""
    message = update.effective_message
    if message is None:
        return
    question = question_of(message, context.bot.username)
    if not question:
        await reply_text(message, messages.ASK_USAGE, quote=True)
        return
    await ask(update, message, question, context)


async def ask(
    update: Update, message: Message, question: str, context: Context, chatter: bool = False
) -> None:
    """Ask the service and reply with the first page, or with why it refused; to
    ``chatter`` (:meth:`Policy.unprompted`) only with passages."""
    service = context.bot_data.service
    request = service.ask(
        question, sender_of(update), chat_of(update.effective_chat), unprompted=chatter
    )
    await reply_with_page(message, request, context, chatter)


async def on_more(update: Update, context: Context) -> None:
    """Send the next page of passages for the question the pressed answer replied to."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    answer_message = query.message if isinstance(query.message, Message) else None
    question_message = answer_message.reply_to_message if answer_message else None
    question = question_of(question_message, context.bot.username)
    if question_message is None or not question:
        await query.answer(messages.PAGE_EXPIRED, show_alert=True)
        return
    service = context.bot_data.service
    chat = chat_of(update.effective_chat)
    try:
        with _typing_after(question_message, service.settings.typing_after_ms):
            page = await service.more(question, query.data, sender_of(update), chat)
    except SanadError as exc:
        await query.answer(callback_text(exc.text), show_alert=True)
        return
    # Answered after sending: if sending fails, the error handler's answer is the only one.
    await send_page(question_message, page, context)
    await query.answer()


async def on_feedback(update: Update, context: Context) -> None:
    """Count 👍/👎 once per answer; unhelpful questions are listed for admins in /gaps."""
    query = update.callback_query
    answer_message = query.message if query and isinstance(query.message, Message) else None
    helpful = paging.parse_feedback(query.data or "") if query else None
    if query is None or answer_message is None or helpful is None:
        return
    question = question_of(answer_message.reply_to_message, context.bot.username)
    try:
        thanks = context.bot_data.service.feedback(answer_id(answer_message), question, helpful)
    except SanadError as exc:
        await query.answer(callback_text(exc.text))
        return
    await query.answer(callback_text(thanks))
    markup = answer_message.reply_markup
    if markup is not None:
        rows = [
            row
            for row in markup.inline_keyboard
            if not any(paging.parse_feedback(b.callback_data or "") is not None for b in row)
        ]
        await answer_message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


async def on_unknown_button(update: Update, context: Context) -> None:
    """Any other callback data (an old keyboard, a crafted client): one polite answer."""
    if update.callback_query is not None:
        await update.callback_query.answer(messages.BUTTON_UNKNOWN, show_alert=True)


async def on_not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice: a short hint in private chats (groups are left alone)."""
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await reply_text(message, messages.NOT_TEXT, quote=True)


async def on_start(update: Update, context: Context) -> None:
    """Say what Sanad is and knows, with example questions and an inline-mode button."""
    message = update.effective_message
    if message is None:
        return
    welcome = context.bot_data.service.welcome()
    text = welcome_html(welcome, group=message.chat.type != ChatType.PRIVATE)
    await send_html(message, text, welcome_keyboard(welcome), message.message_id)


async def reply_with_page(
    message: Message, request: Awaitable[AnswerPage], context: Context, chatter: bool = False
) -> None:
    """Wait for the service (showing "typing…" if it takes a while), then reply; to
    ``chatter``, only with passages; to a burst over the rate limit, with one refusal."""
    with _typing_after(message, context.bot_data.service.settings.typing_after_ms):
        try:
            page = await request
        except SanadError as exc:
            if not chatter and not repeated_refusal(exc):
                await reply_text(message, exc.text, quote=True)
            return
    if chatter and not page.answer.found:
        return
    await send_page(message, page, context)


async def send_page(question_message: Message, page: AnswerPage, context: Context) -> None:
    """Render one page of an answer and send it as a reply to the question."""
    html = answer_html(page.answer, trimmed_question=page.trimmed)
    await send_html(question_message, html, answer_keyboard(page), question_message.message_id)


@contextlib.contextmanager
def _typing_after(message: Message, milliseconds: int) -> Iterator[None]:
    """Show "typing…" if the block takes longer than ``milliseconds`` (at once for 0)."""
    if milliseconds == 0:
        _send_typing(message)
        yield
        return
    timer = asyncio.get_running_loop().call_later(milliseconds / 1000, _send_typing, message)
    try:
        yield
    finally:
        timer.cancel()  # no effect once "typing…" is on its way


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
