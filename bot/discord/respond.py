"""Sending what render.py built: a reply to a message, or an interaction's responses.

Discord drops an interaction that gets no initial response within 3 seconds and refuses a
second one (receiving-and-responding.mdx). So a :class:`Responder` sends exactly one initial
response: the answer itself when it is ready within ``discord_defer_after_ms``, otherwise
"thinking…" first and the answer as an edit of it (:func:`respond_in_time`). Over the gateway
the initial response is a REST callback; in HTTP-interactions mode it is the body of the HTTP
answer to Discord's POST. hikari retries 429s (after ``retry_after``) and 5xx (up to 3 times
with backoff, about 9 s in all) on every REST call, so a refused or failed request does not
lose the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import hikari
from cachetools import LRUCache
from hikari.api import special_endpoints
from hikari.impl import MessageActionRowBuilder

from bot.discord import render
from bot.discord.context import Context
from bot.service import messages
from bot.service.sanad import ANSWERS_REMEMBERED

log = logging.getLogger(__name__)

# Set by the HTTP endpoint once its answer to Discord's POST is written (bot.discord.app).
ANSWER_SENT: contextvars.ContextVar[asyncio.Event] = contextvars.ContextVar("answer_sent")
INTERACTION_DEADLINE = 3.0  # seconds Discord waits for an initial response
UNKNOWN_WEBHOOK = 10015
EDIT_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds; 1.55 in all
NO_MENTIONS: dict[str, Any] = {
    "mentions_everyone": False,
    "user_mentions": False,
    "role_mentions": False,
}


def checked(payload: render.Payload) -> render.Payload:
    """``payload``, or the error sentence when it breaks a limit (never send what Discord
    would refuse; the renderer builds within the limits, so this is a last guard)."""
    found = render.problems(payload)
    if not found:
        return payload
    log.error("not sending a payload Discord would refuse: %s", "; ".join(found))
    return render.text_payload(messages.ERROR, ephemeral=bool(payload.get("flags")))


def action_row(row: Mapping[str, Any]) -> MessageActionRowBuilder:
    """A hikari action row for one rendered row of buttons."""
    builder = MessageActionRowBuilder()
    for button in row["components"]:
        builder.add_interactive_button(
            button["style"],
            button["custom_id"],
            label=button["label"],
            is_disabled=button["disabled"],
        )
    return builder


class SharedParts:
    """hikari's objects for the embeds and rows of payloads sent more than once.

    The renderer hands out one rendered answer to every reply that sends it, sharing its
    lists of embeds and rows (:func:`render.answer_payload`), so their hikari objects are
    built once too. A list is known by its identity, and each entry keeps its list alive, so
    no other list can take its id while the entry lasts. hikari only reads these objects when
    it serialises a request.
    """

    def __init__(self, size: int = ANSWERS_REMEMBERED) -> None:
        self._built: LRUCache[int, tuple[Sequence, list]] = LRUCache(maxsize=size)

    def get(self, parts: Sequence[Any], build: Callable[[Any], Any]) -> list:
        """``[build(part) for part in parts]``, built once for each list ``parts``."""
        if not parts:
            return []
        entry = self._built.get(id(parts))
        if entry is not None and entry[0] is parts:
            return entry[1]
        built = [build(part) for part in parts]
        self._built[id(parts)] = (parts, built)
        return built


_SHARED = SharedParts()


def message_kwargs(
    payload: render.Payload, entity_factory: hikari.api.EntityFactory, *, edit: bool = False
) -> dict[str, Any]:
    """hikari's arguments for sending ``payload``, which serialise back to ``payload``."""
    payload = checked(payload)
    kwargs: dict[str, Any] = dict(NO_MENTIONS)
    if "content" in payload:
        kwargs["content"] = payload["content"]
    if "embeds" in payload or edit:
        embeds: Sequence[Mapping[str, Any]] = payload.get("embeds") or []
        kwargs["embeds"] = _SHARED.get(embeds, lambda e: entity_factory.deserialize_embed(dict(e)))
    if "components" in payload or edit:
        kwargs["components"] = _SHARED.get(payload.get("components") or [], action_row)
    if "flags" in payload and not edit:
        kwargs["flags"] = payload["flags"]
    return kwargs


async def reply_to(ctx: Context, message: hikari.PartialMessage, payload: render.Payload) -> None:
    """Send ``payload`` as a reply to ``message`` (also if it was deleted meanwhile), without
    notifying its author. A channel message cannot be ephemeral: flags are for interactions."""
    payload = {key: value for key, value in payload.items() if key != "flags"}
    await ctx.rest.create_message(
        message.channel_id,
        reply=message.id,
        reply_must_exist=False,
        mentions_reply=False,
        **message_kwargs(payload, ctx.entity_factory),
    )


class RawResponse(special_endpoints.InteractionResponseBuilder):
    """An initial response sent as the HTTP answer, exactly as rendered (``data`` checked)."""

    def __init__(self, kind: hikari.ResponseType, data: render.Payload) -> None:
        self._kind = kind
        self._data = data

    @property
    def type(self) -> hikari.ResponseType:
        return self._kind

    def build(self, entity_factory: hikari.api.EntityFactory, /) -> tuple[dict, list]:
        body: dict[str, Any] = {"type": int(self._kind)}
        if self._data:
            body["data"] = self._data
        return body, []


class Responder:
    """One interaction's responses over the gateway: one initial response (REST callback),
    then at most an edit of it after a deferral."""

    def __init__(self, interaction: hikari.PartialInteraction, ctx: Context) -> None:
        self.interaction = interaction
        self.ctx = ctx
        self.responded = False
        self.deferred = False

    async def respond(self, payload: render.Payload, *, update: bool = False) -> None:
        """The initial response: a new message, or (``update``) an edit of the message whose
        button was pressed."""
        kind = hikari.ResponseType.MESSAGE_UPDATE if update else hikari.ResponseType.MESSAGE_CREATE
        await self._initial(kind, payload)
        self.responded = True  # only now: a refused response leaves the way open to say so

    async def defer(self, ephemeral: bool) -> None:
        """The initial response "thinking…" (for the asker alone when ``ephemeral``)."""
        flags = render.EPHEMERAL if ephemeral else 0
        await self._initial(hikari.ResponseType.DEFERRED_MESSAGE_CREATE, None, flags)
        self.responded = self.deferred = True

    async def edit(self, payload: render.Payload) -> None:
        """Replace the deferred "thinking…" with ``payload``."""
        self.deferred = False
        interaction = self.interaction
        await self.ctx.rest.edit_interaction_response(
            interaction.application_id,
            interaction.token,
            **message_kwargs(payload, self.ctx.entity_factory, edit=True),
        )

    async def fail(self, payload: render.Payload) -> None:
        """Say something went wrong, in whichever way is still open."""
        if not self.responded:
            await self.respond(payload)
        elif self.deferred:
            await self.edit(payload)

    async def _initial(
        self, kind: hikari.ResponseType, payload: render.Payload | None, flags: int = 0
    ) -> None:
        """Send the initial response ``kind``: ``payload`` (checked), or none with ``flags``."""
        interaction = self.interaction
        if payload is not None:
            kwargs = message_kwargs(payload, self.ctx.entity_factory)
        else:
            kwargs = {"flags": flags} if flags else {}
        await self.ctx.rest.create_interaction_response(
            interaction.id, interaction.token, kind, **kwargs
        )


class InlineResponder(Responder):
    """HTTP-interactions mode: the initial response becomes the HTTP answer to Discord's POST
    (:meth:`first`); an edit after a deferral goes over REST as on the gateway."""

    def __init__(self, interaction: hikari.PartialInteraction, ctx: Context) -> None:
        super().__init__(interaction, ctx)
        self._first: asyncio.Future[RawResponse] = asyncio.get_running_loop().create_future()
        self._delivered = ANSWER_SENT.get(None)

    async def _initial(
        self, kind: hikari.ResponseType, payload: render.Payload | None, flags: int = 0
    ) -> None:
        data = checked(payload) if payload is not None else ({"flags": flags} if flags else {})
        self._first.set_result(RawResponse(kind, data))

    async def first(self, handling: asyncio.Task) -> RawResponse | None:
        """The initial response once the handler gives it (None if it finished without)."""
        await asyncio.wait({self._first, handling}, return_when=asyncio.FIRST_COMPLETED)
        return self._first.result() if self._first.done() else None

    async def edit(self, payload: render.Payload) -> None:
        """Replace "thinking…", once Discord knows of it. The deferral travels in the HTTP
        answer, which Discord may not have taken in when an answer is ready right after it;
        until it has, the edit is refused as 10015 Unknown Webhook, so it waits for the HTTP
        answer to be written and is tried again while Discord still does not know of it."""
        if self._delivered is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._delivered.wait(), INTERACTION_DEADLINE)
        for delay in EDIT_RETRY_DELAYS:
            try:
                await super().edit(payload)
                return
            except hikari.NotFoundError as exc:
                if exc.code != UNKNOWN_WEBHOOK:
                    raise
                await asyncio.sleep(delay)
        await super().edit(payload)


async def respond_in_time(
    responder: Responder, answer: Awaitable[render.Payload], *, ephemeral: bool
) -> None:
    """Send ``answer`` as the initial response if it is ready within the deferral time;
    otherwise send "thinking…" at that moment and the answer in its place when ready.

    A timer starts the deferral: an answer found on the event loop is ready before any timer
    can fire, and needs no task of its own (a task, a shield and ``wait_for`` cost the loop
    more than rendering a remembered answer).
    """
    deferral: asyncio.Future[None] | None = None

    def defer() -> None:
        nonlocal deferral
        deferral = asyncio.ensure_future(responder.defer(ephemeral))

    timer: asyncio.TimerHandle | None = None
    if responder.ctx.defer_after > 0:
        timer = asyncio.get_running_loop().call_later(responder.ctx.defer_after, defer)
    else:
        defer()
    try:
        payload = await answer
    except Exception:
        if deferral is not None:
            await deferral  # so that the error is told in place of "thinking…"
        raise
    finally:
        if timer is not None:
            timer.cancel()
    if deferral is None:
        await responder.respond(payload)
        return
    await deferral
    await responder.edit(payload)
