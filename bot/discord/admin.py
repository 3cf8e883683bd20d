"""Admin commands on Discord: /reload, /rollback, /stats, /gaps, /upload, and /sources for all.

The service decides who is an admin (``discord_admin_ids``) and logs every admin action with
the sender's id; everyone else gets its polite refusal. Replies go to the admin alone
(ephemeral), except /sources, the catalogue anyone may show in a channel.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

import hikari

from bot.discord import render
from bot.discord.context import Context
from bot.discord.handlers import option
from bot.discord.incoming import requester
from bot.discord.respond import Responder, respond_in_time
from bot.service import messages
from bot.service.errors import SanadError, UploadRejected
from bot.service.policy import Sender
from bot.service.sanad import Listing, Sanad

# /upload's attachment options: "file" (required), then up to four more.
UPLOAD_OPTIONS = ("file", "file2", "file3", "file4", "file5")


async def on_reload(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/reload: re-read the sources directory and swap the index in."""
    sender, _ = requester(interaction)
    await _reply(responder, lambda: reload_report(ctx.service, sender))


async def on_rollback(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/rollback: serve the index from before the latest reload."""
    sender, _ = requester(interaction)
    await _reply(responder, lambda: ctx.service.rollback(sender))


async def on_stats(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/stats: traffic, no-answer rate, latency, index size, feedback."""
    sender, _ = requester(interaction)
    await _reply(responder, lambda: ctx.service.stats_text(sender))


async def on_gaps(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/gaps: questions left unanswered or marked unhelpful (in a DM only: they are users')."""
    sender, chat = requester(interaction)
    await _reply(responder, lambda: _lines(ctx.service.gaps(sender, chat)))


async def on_sources(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/sources: loaded articles and skipped files, in the channel (open to all)."""
    await _reply(responder, lambda: _lines(ctx.service.sources()), ephemeral=False)


async def on_upload(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/upload file [file2…]: validate each article, store it atomically, then reload once;
    one reply says what became of every file."""
    sender, _ = requester(interaction)
    resolved = interaction.resolved
    attachments = [
        resolved.attachments.get(hikari.Snowflake(file_id))
        for name in UPLOAD_OPTIONS
        if resolved is not None and isinstance(file_id := option(interaction, name), int)
    ]
    if not attachments or None in attachments:  # "file" is required: only a crafted request
        await responder.respond(render.text_payload(messages.ERROR, ephemeral=True))
        return
    service = ctx.service

    async def store(attachment: hikari.Attachment) -> str:
        service.check_upload(sender, attachment.filename, attachment.size)
        return service.add_article(sender, attachment.filename, await attachment.read())

    async def store_and_reload() -> str:
        if len(attachments) == 1:  # its refusal is the whole reply
            outcomes, stored = [await store(attachments[0])], True
        else:
            outcomes, stored = [], False
            for attachment in attachments:
                try:
                    outcome = await store(attachment)
                    stored = True
                except UploadRejected as exc:  # the other files are still stored
                    outcome = exc.text
                name = attachment.filename
                outcomes.append(messages.ALBUM_FILE.format(name=name, outcome=outcome))
        if not stored:
            return "\n".join(outcomes)
        try:
            report = await reload_report(service, sender)
        except SanadError as exc:  # stored, but the index could not take it: say both
            report = exc.text
        return "\n".join([*outcomes, report])

    await _reply(responder, store_and_reload)


async def reload_report(service: Sanad, sender: Sender) -> str:
    """What a reload request gets: the report of the reload it started, or that it joined one
    another request started (whose report goes to that request)."""
    return await service.reload(sender) or messages.RELOAD_JOINED


async def _reply(
    responder: Responder,
    make_text: Callable[[], str | Awaitable[str]],
    *,
    ephemeral: bool = True,
) -> None:
    """Answer with what ``make_text`` gives (or the service's refusal), in time."""

    async def text() -> render.Payload:
        try:
            made = make_text()
            reply = await made if inspect.isawaitable(made) else made
        except SanadError as exc:
            return render.text_payload(exc.text, ephemeral=True)
        return render.text_payload(reply, ephemeral=ephemeral)

    await respond_in_time(responder, text(), ephemeral=ephemeral)


def _lines(listing: Listing) -> str:
    return "\n".join(listing.lines)
