"""Questions on Discord: DMs, mentions and replies, /ask, «اسأل سند», «المزيد» and 👍/👎.

Message handlers take ``(event, ctx)``; interaction handlers take ``(interaction, responder,
ctx)`` and give exactly one initial response through the responder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import hikari

from bot.discord import render
from bot.discord.context import Context
from bot.discord.incoming import answer_id, chat_of, question_of, requester, sender_of
from bot.discord.respond import Responder, reply_to, respond_in_time
from bot.service import messages, paging
from bot.service.errors import SanadError, repeated_refusal
from bot.service.policy import Chat, Sender
from bot.service.sanad import Sanad

log = logging.getLogger(__name__)


# ----- messages ---------------------------------------------------------------------------------


async def on_message(event: hikari.MessageCreateEvent, ctx: Context) -> None:
    """Answer a message that asks the bot: a DM, a mention, or a reply to one of its messages."""
    await answer_message(event.message, ctx)


async def on_message_edit(event: hikari.MessageUpdateEvent, ctx: Context) -> None:
    """Answer an edited question again, as a new reply (link previews arriving are no edit)."""
    if event.message.edited_timestamp:
        await answer_message(event.message, ctx)


async def answer_message(message: hikari.PartialMessage, ctx: Context) -> None:
    """Reply to ``message`` with an answer if it asks the bot something."""
    author = message.author
    if not author or author.is_bot or not is_addressed(message, ctx):
        return
    chat = chat_of(message.channel_id, message.guild_id)
    if not message.content:  # a DM with only a file or a sticker (guild chatter never gets here)
        if chat.private:
            await reply_to(ctx, message, render.text_payload(messages.NOT_TEXT))
        return
    chatter = ctx.service.policy.unprompted(chat, is_called(message, ctx))
    with _typing_after(ctx, message.channel_id):
        payload = await ask(
            ctx.service, message.content, sender_of(author), chat, chatter=chatter, message=True
        )
    if payload is not None:
        await reply_to(ctx, message, payload)


def is_addressed(message: hikari.PartialMessage, ctx: Context) -> bool:
    """Whether a message asks the bot: in DMs and "answer every message" channels always;
    elsewhere when it mentions the bot or replies to one of its messages.

    Without the privileged MESSAGE_CONTENT intent Discord sends a guild message's text only
    when it mentions the bot; a reply mentions the bot unless the person switched that off.
    """
    if ctx.service.policy.answers_every_message(chat_of(message.channel_id, message.guild_id)):
        return True
    return is_called(message, ctx)


def is_called(message: hikari.PartialMessage, ctx: Context) -> bool:
    """Whether a message mentions the bot or replies to one of its messages."""
    if ctx.user_id in (message.user_mentions_ids or ()):
        return True
    replied = message.referenced_message
    return bool(replied and replied.author and replied.author.id == ctx.user_id)


async def ask(
    service: Sanad,
    text: str,
    sender: Sender,
    chat: Chat,
    *,
    ephemeral: bool = False,
    chatter: bool = False,
    message: bool = False,
) -> render.Payload | None:
    """The first page of an answer to ``text``, or the service's refusal, as a payload
    (what ``sanad discord-preview`` prints); for ``chatter`` (:meth:`Policy.unprompted`)
    only passages, else None. A plain ``message`` (not an interaction, which Discord requires
    answered) gets None for a rate-limit refusal already given in this burst."""
    asked = question_of(text)  # one line already
    question = render.fit_question(asked)
    try:
        page = await service.ask(question, sender, chat, unprompted=chatter)
    except SanadError as exc:
        if chatter or (message and repeated_refusal(exc)):
            return None
        return render.text_payload(exc.text, ephemeral=True)
    if chatter and not page.answer.found:
        return None
    cut = len(question) < len(asked)
    return render.answer_payload(page, trimmed=page.trimmed or cut, ephemeral=ephemeral)


# ----- application commands ---------------------------------------------------------------------


async def on_ask(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """/ask question [private]: answer in the channel, or to the asker alone."""
    private = bool(option(interaction, "private"))
    question = str(option(interaction, "question") or "")
    request = ask(ctx.service, question, *requester(interaction), ephemeral=private)
    await respond_in_time(responder, request, ephemeral=private)


async def on_ask_message(
    interaction: hikari.CommandInteraction, responder: Responder, ctx: Context
) -> None:
    """«اسأل سند» on a message: answer its text in the channel; on one of Sanad's own answers,
    the question that answer was for (read back from it, as «المزيد» does)."""
    resolved, target_id = interaction.resolved, interaction.target_id
    target = resolved.messages.get(target_id) if resolved and target_id else None
    text = target.content if target and target.content else ""
    # An application's bot user has the application's id (every application since 2019).
    if target and target.author and target.author.id == interaction.application_id:
        text = render.question_of_answer(text) or text
    await respond_in_time(
        responder, ask(ctx.service, text, *requester(interaction)), ephemeral=False
    )


def option(interaction: hikari.CommandInteraction, name: str) -> object:
    """The value of a command option, or None when it was not given."""
    return next((o.value for o in interaction.options or () if o.name == name), None)


# ----- buttons ----------------------------------------------------------------------------------


async def on_more(
    interaction: hikari.ComponentInteraction, responder: Responder, ctx: Context
) -> None:
    """«المزيد»: the next page, for the question read back from the answer pressed."""
    message = interaction.message
    ephemeral = bool(message.flags & hikari.MessageFlag.EPHEMERAL)
    question = render.question_of_answer(message.content or "") or ""

    async def next_page() -> render.Payload:
        try:
            page = await ctx.service.more(question, interaction.custom_id, *requester(interaction))
        except SanadError as exc:
            return render.text_payload(exc.text, ephemeral=True)
        return render.answer_payload(page, ephemeral=ephemeral)

    await respond_in_time(responder, next_page(), ephemeral=ephemeral)


async def on_feedback(
    interaction: hikari.ComponentInteraction, responder: Responder, ctx: Context
) -> None:
    """👍/👎: counted once per answer; the buttons become a thank-you so nobody rates twice."""
    message = interaction.message
    helpful = paging.parse_feedback(interaction.custom_id)
    question = render.question_of_answer(message.content or "")
    try:
        ctx.service.feedback(answer_id(message.channel_id, message.id), question, bool(helpful))
    except SanadError as exc:
        await responder.respond(render.text_payload(exc.text, ephemeral=True))
        return
    await responder.respond(render.rated_payload(_next_offset(message)), update=True)


async def on_unknown_button(
    interaction: hikari.ComponentInteraction, responder: Responder, ctx: Context
) -> None:
    """Any other custom_id (an old message, a crafted client): one polite answer."""
    await responder.respond(render.text_payload(messages.BUTTON_UNKNOWN, ephemeral=True))


def _next_offset(message: hikari.Message) -> int | None:
    """The offset the answer's «المزيد» button carries, if it has one."""
    for row in message.components:
        for component in getattr(row, "components", ()):
            offset = paging.parse_more(getattr(component, "custom_id", None) or "")
            if offset is not None:
                return offset
    return None


# ----- "typing…" --------------------------------------------------------------------------------


@contextlib.contextmanager
def _typing_after(ctx: Context, channel_id: hikari.Snowflakeish) -> Iterator[None]:
    """Show "typing…" if the block takes longer than ``typing_after_ms``."""
    timer = asyncio.get_running_loop().call_later(ctx.typing_after, _send_typing, ctx, channel_id)
    try:
        yield
    finally:
        timer.cancel()  # no effect once "typing…" is on its way


def _send_typing(ctx: Context, channel_id: hikari.Snowflakeish) -> None:
    task = asyncio.ensure_future(ctx.rest.trigger_typing(channel_id))
    _PENDING.add(task)
    task.add_done_callback(_typing_sent)


def _typing_sent(task: asyncio.Future) -> None:
    _PENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.info("could not show typing: %s", task.exception())


_PENDING: set[asyncio.Future] = set()  # keeps fire-and-forget tasks referenced until done
