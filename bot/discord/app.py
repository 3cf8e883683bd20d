"""Wiring of the Discord bot: every handler routed in one place, and how it runs.

A hikari ``GatewayBot`` receives messages and interactions over the websocket and answers over
REST. It starts by registering the commands (bulk overwrite) and serves until ``stop`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import hikari

from bot.discord import admin, handlers, render
from bot.discord.context import Context
from bot.discord.respond import Responder
from bot.service import messages, paging
from bot.service.sanad import Sanad
from bot.service.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[Any, Responder, Context], Awaitable[None]]

COMMANDS: dict[str, Handler] = {
    "ask": handlers.on_ask,
    messages.DISCORD_ASK_MESSAGE: handlers.on_ask_message,
    "sources": admin.on_sources,
    "reload": admin.on_reload,
    "rollback": admin.on_rollback,
    "stats": admin.on_stats,
    "gaps": admin.on_gaps,
    "upload": admin.on_upload,
}


class DiscordStartError(Exception):
    """The Discord bot could not start (a refused token, no route to Discord, an intent)."""


def intents(settings: Settings) -> hikari.Intents:
    """Guilds, guild messages and DMs; MESSAGE_CONTENT (privileged, switched on in the
    developer portal) only when some channel answers every message."""
    wanted = hikari.Intents.GUILDS | hikari.Intents.GUILD_MESSAGES | hikari.Intents.DM_MESSAGES
    if settings.discord_answer_every_message:
        wanted |= hikari.Intents.MESSAGE_CONTENT
    return wanted


def command_builders(rest: hikari.api.RESTClient) -> list[hikari.api.CommandBuilder]:
    """/ask, the «اسأل سند» message command, /sources, the admin commands and /upload.

    Discord has no Arabic locale, so the Arabic descriptions are the base descriptions.
    """
    descriptions = dict(messages.ADMIN_COMMANDS)
    ask = (
        rest.slash_command_builder("ask", messages.DISCORD_ASK)
        .add_option(
            hikari.CommandOption(
                type=hikari.OptionType.STRING,
                name="question",
                description=messages.DISCORD_ASK_QUESTION,
                is_required=True,
            )
        )
        .add_option(
            hikari.CommandOption(
                type=hikari.OptionType.BOOLEAN,
                name="private",
                description=messages.DISCORD_ASK_PRIVATE,
            )
        )
    )
    upload = rest.slash_command_builder("upload", messages.DISCORD_UPLOAD).add_option(
        hikari.CommandOption(
            type=hikari.OptionType.ATTACHMENT,
            name="file",
            description=messages.DISCORD_UPLOAD_FILE,
            is_required=True,
        )
    )
    plain = [
        rest.slash_command_builder(name, descriptions[name])
        for name in ("sources", "reload", "rollback", "stats", "gaps")
    ]
    menu = rest.context_menu_command_builder(
        hikari.CommandType.MESSAGE, messages.DISCORD_ASK_MESSAGE
    )
    return [ask, menu, *plain, upload]


async def register_commands(rest: hikari.api.RESTClient) -> None:
    """Publish the commands by bulk overwrite; a refusal is logged and the bot runs on."""
    try:
        application = await rest.fetch_application()
        await rest.set_application_commands(application.id, command_builders(rest))
    except (hikari.HikariError, aiohttp.ClientError) as exc:
        log.warning("Discord did not take the command list (%s); serving without updating it", exc)


def route(interaction: hikari.PartialInteraction) -> Handler | None:
    """The handler of a command or a button press (None for anything else)."""
    if isinstance(interaction, hikari.CommandInteraction):
        return COMMANDS.get(interaction.command_name)
    if isinstance(interaction, hikari.ComponentInteraction):
        custom_id = interaction.custom_id
        if custom_id.startswith(paging.MORE_PREFIX):
            return handlers.on_more
        if paging.parse_feedback(custom_id) is not None:
            return handlers.on_feedback
        return handlers.on_unknown_button
    return None


async def on_interaction(
    interaction: hikari.PartialInteraction, responder: Responder, ctx: Context
) -> None:
    """Route an interaction; whatever fails, log it first, then tell the person."""
    handler = route(interaction)
    if handler is None:
        return
    try:
        await handler(interaction, responder, ctx)
    except Exception as exc:
        log.error("interaction %s failed: %r", interaction.id, exc, exc_info=exc)
        try:
            await responder.fail(render.text_payload(messages.ERROR, ephemeral=True))
        except Exception as again:
            log.warning("could not tell the user about the error either: %r", again)


def guarded(
    handle: Callable[[Any, Context], Awaitable[None]], ctx: Context
) -> Callable[[hikari.Event], Awaitable[None]]:
    """A gateway listener running the message handler ``handle``: a failure is logged and the
    bot serves on."""

    async def listener(event: hikari.Event) -> None:
        try:
            await handle(event, ctx)
        except Exception as exc:
            log.error("%s failed: %r", handle.__name__, exc, exc_info=exc)

    listener.__name__ = handle.__name__  # hikari names the task after it
    return listener


# ----- gateway ----------------------------------------------------------------------------------


def build_gateway_bot(service: Sanad) -> tuple[hikari.GatewayBot, Context]:
    """The gateway bot over ``service``, every listener subscribed (tests start the same)."""
    settings = service.settings
    if settings.discord_token is None:
        raise ValueError("a Discord token is required")
    bot = hikari.GatewayBot(
        settings.discord_token.get_secret_value(),
        rest_url=settings.discord_api_url,
        intents=intents(settings),
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )
    ctx = Context(service, bot.rest, bot.entity_factory)

    async def ready(event: hikari.ShardReadyEvent) -> None:
        ctx.user_id = int(event.my_user.id)

    async def interaction(event: hikari.InteractionCreateEvent) -> None:
        await on_interaction(event.interaction, Responder(event.interaction, ctx), ctx)

    bot.subscribe(hikari.ShardReadyEvent, ready)
    bot.subscribe(hikari.MessageCreateEvent, guarded(handlers.on_message, ctx))
    bot.subscribe(hikari.MessageUpdateEvent, guarded(handlers.on_message_edit, ctx))
    bot.subscribe(hikari.InteractionCreateEvent, interaction)
    return bot, ctx


@contextlib.asynccontextmanager
async def running_gateway(service: Sanad) -> AsyncIterator[hikari.GatewayBot]:
    """A started gateway bot with its commands registered; closed on exit.

    Raises:
        DiscordStartError: the token was refused, Discord was unreachable, or an intent the
            bot asks for is not switched on for it.
    """
    bot, _ = build_gateway_bot(service)
    try:
        try:
            await bot.start(check_for_updates=False)
        except hikari.UnauthorizedError:
            raise DiscordStartError(
                "Discord rejected the bot token (SANAD_DISCORD_TOKEN); "
                "copy it again from the developer portal (Bot → Reset Token)"
            ) from None
        except hikari.GatewayServerClosedConnectionError as exc:
            if exc.code == 4014:
                raise DiscordStartError(
                    "Discord refused the MESSAGE_CONTENT intent: switch it on in the developer "
                    "portal (Bot → Privileged Gateway Intents) or empty "
                    "discord_answer_every_message"
                ) from None
            raise DiscordStartError(f"Discord closed the gateway: {exc}") from None
        except (hikari.HikariError, aiohttp.ClientError, OSError) as exc:
            raise DiscordStartError(
                f"cannot reach Discord at {service.settings.discord_api_url}: {exc}"
            ) from None
        await register_commands(bot.rest)
        yield bot
    finally:
        # Also after a failed start, which leaves hikari's REST session open.
        with contextlib.suppress(hikari.ComponentStateConflictError):
            await bot.close()


async def serve_gateway(service: Sanad, stop: asyncio.Event) -> None:
    """Serve over the gateway until ``stop`` is set."""
    async with running_gateway(service):
        await stop.wait()
