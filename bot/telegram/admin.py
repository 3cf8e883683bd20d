"""Admin commands: reload, rollback, stats, gaps, sources, and adding an article by file.

The service decides who is an admin and logs every admin action with the sender.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message, Update

from bot.service.errors import SanadError
from bot.service.sanad import Listing
from bot.telegram.context import Context
from bot.telegram.incoming import chat_of, sender_of
from bot.telegram.render import listing_messages
from bot.telegram.send import reply_text


async def on_reload(update: Update, context: Context) -> None:
    """/reload: re-read the sources directory and swap the index in."""
    if (message := update.effective_message) is not None:
        await reload_and_report(update, message, context)


async def reload_and_report(update: Update, message: Message, context: Context) -> None:
    """Reload through the service and reply with its report (or why it failed)."""
    try:
        text = await context.bot_data.service.reload(sender_of(update))
    except SanadError as exc:
        text = exc.text
    if text is not None:  # None: a reload started by another request reports it
        await reply_text(message, text)


async def on_rollback(update: Update, context: Context) -> None:
    """/rollback: serve the index from before the latest reload."""
    if (message := update.effective_message) is not None:
        await _reply(message, lambda: context.bot_data.service.rollback(sender_of(update)))


async def on_stats(update: Update, context: Context) -> None:
    """/stats: traffic, no-answer rate, latency, index size, feedback."""
    if (message := update.effective_message) is not None:
        await _reply(message, lambda: context.bot_data.service.stats_text(sender_of(update)))


async def on_gaps(update: Update, context: Context) -> None:
    """/gaps: recent questions left unanswered or marked unhelpful."""
    message = update.effective_message
    chat = chat_of(update.effective_chat)
    if message is not None and chat is not None:
        service = context.bot_data.service
        await _reply(message, lambda: service.gaps(sender_of(update), chat))


async def on_sources(update: Update, context: Context) -> None:
    """/sources: loaded articles and skipped files (open to all: it is the catalogue)."""
    if (message := update.effective_message) is not None:
        await _reply(message, context.bot_data.service.sources)


async def on_document(update: Update, context: Context) -> None:
    """An admin sends a .txt/.md file: validate it, store it, reload."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    service, sender, document = context.bot_data.service, sender_of(update), message.document
    name = document.file_name or ""
    try:
        service.check_upload(sender, name, document.file_size)
        data = bytes(await (await document.get_file()).download_as_bytearray())
        saved = service.add_article(sender, name, data)
    except SanadError as exc:
        await reply_text(message, exc.text)
        return
    await reply_text(message, saved)
    await reload_and_report(update, message, context)


async def _reply(message: Message, make_reply: Callable[[], str | Listing]) -> None:
    """Reply with what ``make_reply`` returns (a list in as many messages as it needs), or
    with the service's refusal."""
    try:
        reply = make_reply()
    except SanadError as exc:
        reply = exc.text
    parts = listing_messages(reply) if isinstance(reply, Listing) else [reply]
    for part in parts:
        await reply_text(message, part)
