"""Admin commands: reload, rollback, stats, gaps, sources, and adding an article by file.

The service decides who is an admin and logs every admin action with the sender.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update

from bot.service import messages
from bot.service.errors import SanadError
from bot.service.policy import Sender
from bot.service.sanad import Listing, Sanad
from bot.telegram.albums import Album
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
    """An admin sends a .txt/.md file: validate it, store it, reload; the files of an album
    get one reply and one reload (:mod:`bot.telegram.albums`)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    sender, group = sender_of(update), message.media_group_id
    if group is None:
        outcome, stored = await store_document(message, sender, context)
        await reply_text(message, outcome)
        if stored:
            await reload_and_report(update, message, context)
        return
    albums = context.bot_data.albums
    album = albums.part_started(message, group, sender)
    outcome, stored = messages.ERROR, False
    try:
        outcome, stored = await store_document(message, sender, context)
    finally:  # also after a failure, or the album would never be answered
        line = messages.ALBUM_FILE.format(name=message.document.file_name or "", outcome=outcome)
        albums.part_done(album, message, line, stored)


async def store_document(message: Message, sender: Sender, context: Context) -> tuple[str, bool]:
    """Check, download and store the file of ``message``: what to tell the admin, and whether
    it was stored."""
    service, document = context.bot_data.service, message.document
    if document is None:
        return messages.ERROR, False
    name = document.file_name or ""
    try:
        service.check_upload(sender, name, document.file_size)
        data = bytes(await (await document.get_file()).download_as_bytearray())
        return service.add_article(sender, name, data), True
    except SanadError as exc:
        return exc.text, False


def album_answerer(service: Sanad) -> Callable[[Album], Awaitable[None]]:
    """What answers a whole album: every file's outcome, then the one reload's report."""

    async def answer(album: Album) -> None:
        lines = [album.outcomes[key] for key in sorted(album.outcomes)]
        if album.stored:
            try:
                lines.append(await service.reload(album.sender) or messages.RELOAD_JOINED)
            except SanadError as exc:
                lines.append(exc.text)
        await reply_text(album.first, "\n\n".join(lines))

    return answer


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
