"""Wiring of the Discord bot: every handler routed in one place, and the two ways it runs.

- **Gateway** (default): a hikari ``GatewayBot`` receives messages and interactions over the
  websocket and answers over REST.
- **HTTP interactions** (``discord_public_key`` and ``discord_interactions_port`` set): Discord
  POSTs slash commands and button presses to ``/interactions``, signed with Ed25519; the
  answer is the HTTP response. Messages (DMs, mentions) need the gateway.

Both start by registering the commands (bulk overwrite) and serve until ``stop`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import hikari
from aiohttp import web

from bot import bidi
from bot.discord import admin, handlers, render
from bot.discord.context import Context
from bot.discord.respond import ANSWER_SENT, InlineResponder, RawResponse, Responder
from bot.platforms import StartError
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
INTERACTIONS_PATH = "/interactions"


class DiscordStartError(StartError):
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
    upload = rest.slash_command_builder("upload", messages.DISCORD_UPLOAD)
    for name in admin.UPLOAD_OPTIONS:
        upload.add_option(
            hikari.CommandOption(
                type=hikari.OptionType.ATTACHMENT,
                name=name,
                description=messages.DISCORD_UPLOAD_FILE
                if name == "file"
                else messages.DISCORD_UPLOAD_MORE_FILE,
                is_required=name == "file",
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
        log_failure(f"interaction {interaction.id}", exc)
        try:
            await responder.fail(render.text_payload(messages.ERROR, ephemeral=True))
        except Exception as again:
            log.warning("could not tell the user about the error either: %r", again)


def log_failure(what: str, exc: Exception) -> None:
    """One line when Discord refused or failed a request (after hikari's retries): that is
    Discord's answer, not a fault of ours; anything else is a bug, logged with its traceback.
    The request's URL is left out: an interaction's URL holds its token."""
    if isinstance(exc, hikari.HTTPResponseError):
        log.warning(
            "%s failed: Discord answered %s %s (code %s: %s)",
            what,
            exc.status,
            type(exc).__name__,
            exc.code,
            exc.message,
        )
    else:
        log.error("%s failed: %r", what, exc, exc_info=exc)


def guarded(
    handle: Callable[[Any, Context], Awaitable[None]], ctx: Context
) -> Callable[[hikari.Event], Awaitable[None]]:
    """A gateway listener running the message handler ``handle``: a failure is logged and the
    bot serves on."""

    async def listener(event: hikari.Event) -> None:
        try:
            await handle(event, ctx)
        except Exception as exc:
            log_failure(handle.__name__, exc)

    listener.__name__ = handle.__name__  # hikari names the task after it
    return listener


# ----- gateway ----------------------------------------------------------------------------------


def http_settings() -> hikari.impl.HTTPSettings:
    """Keep REST connections alive between requests. hikari closes each one after its request
    by default (a workaround for Windows' asyncio), so every answer would open a new TCP and
    TLS connection to Discord: more work than finding and rendering the answer."""
    return hikari.impl.HTTPSettings(force_close_transports=False)


def bot_token(settings: Settings) -> str:
    """The bot token, once hikari can read the bot's id from it.

    Raises:
        ValueError: no token is configured.
        DiscordStartError: it is no bot token (hikari reads the id from its first part).
    """
    if settings.discord_token is None:
        raise ValueError("a Discord token is required")
    token = settings.discord_token.get_secret_value()
    try:
        hikari.applications.get_token_id(token)
    except ValueError:
        # The usual paste: "Bot " kept in front, or the application's id or secret instead.
        raise DiscordStartError(
            "SANAD_DISCORD_TOKEN is not a Discord bot token: copy it from the developer "
            "portal (Bot → Reset Token), without a 'Bot ' in front"
        ) from None
    return token


def build_gateway_bot(service: Sanad) -> tuple[hikari.GatewayBot, Context]:
    """The gateway bot over ``service``, every listener subscribed (tests start the same).

    Raises:
        DiscordStartError: the token is no bot token.
    """
    settings = service.settings
    bot = hikari.GatewayBot(
        bot_token(settings),
        rest_url=settings.discord_api_url,
        intents=intents(settings),
        # Handlers read everything from the event itself (a press from the message it is
        # on), so hikari keeps no cache: no memory per guild, channel or message.
        cache_settings=hikari.impl.CacheSettings(components=hikari.api.CacheComponents.NONE),
        http_settings=http_settings(),
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )
    ctx = Context(service, bot.rest, bot.entity_factory)
    bidi.prepare()

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


# ----- HTTP interactions ------------------------------------------------------------------------


def interaction_listener(
    ctx: Context, handling: set[asyncio.Task]
) -> Callable[[Any], AsyncIterator[RawResponse | None]]:
    """hikari's listener for HTTP interactions: it yields the initial response (the HTTP
    answer) and finishes the handling after it, e.g. the edit that follows a deferral.
    Handlings still running are kept in ``handling``, so a shutdown can wait for them."""

    async def listener(
        interaction: hikari.PartialInteraction,
    ) -> AsyncIterator[RawResponse | None]:
        responder = InlineResponder(interaction, ctx)
        task = asyncio.create_task(on_interaction(interaction, responder, ctx))
        handling.add(task)
        task.add_done_callback(handling.discard)
        yield await responder.first(task)
        await task

    return listener


async def answer_interaction(
    server: hikari.impl.InteractionServer, request: web.Request
) -> web.StreamResponse:
    """POST /interactions: hikari checks the signature and runs the listener; the answer is
    written out before the handling goes on, so an edit after a deferral follows it."""
    sent = asyncio.Event()
    ANSWER_SENT.set(sent)  # seen by the listener's responder: same task, copied context
    try:
        response = await server.aiohttp_hook(request)
        await response.prepare(request)
        await response.write_eof()
        return response
    finally:
        sent.set()


@contextlib.asynccontextmanager
async def running_interactions_server(
    service: Sanad, port: int | None = None
) -> AsyncIterator[web.AppRunner]:
    """An HTTP server for Discord's interactions at ``POST /interactions`` (signatures checked
    against the application's public key), with its commands registered; closed on exit.

    ``port`` overrides ``discord_interactions_port`` (0: any free port, for tests).
    """
    settings = service.settings
    if settings.discord_public_key is None:
        raise ValueError("a Discord public key is required")
    token = bot_token(settings)
    rest_app = hikari.RESTApp(url=settings.discord_api_url, http_settings=http_settings())
    await rest_app.start()
    client = rest_app.acquire(token, hikari.TokenType.BOT)
    client.start()
    runner: web.AppRunner | None = None
    handling: set[asyncio.Task] = set()
    try:
        server = hikari.impl.InteractionServer(
            entity_factory=client.entity_factory,
            rest_client=client,
            public_key=bytes.fromhex(settings.discord_public_key),
        )
        ctx = Context(service, client, client.entity_factory)
        bidi.prepare()
        listener = interaction_listener(ctx, handling)
        server.set_listener(hikari.CommandInteraction, listener)  # type: ignore[arg-type]
        server.set_listener(hikari.ComponentInteraction, listener)  # type: ignore[arg-type]
        app = web.Application()
        app.router.add_post(INTERACTIONS_PATH, functools.partial(answer_interaction, server))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        listen = settings.discord_interactions_listen
        chosen = settings.discord_interactions_port if port is None else port
        await web.TCPSite(runner, listen, chosen).start()
        await register_commands(client)
        yield runner
    finally:
        if runner is not None:
            await runner.cleanup()
        await asyncio.gather(*handling, return_exceptions=True)
        await client.close()
        await rest_app.close()


async def serve_interactions(service: Sanad, stop: asyncio.Event) -> None:
    """Serve HTTP interactions until ``stop`` is set."""
    async with running_interactions_server(service):
        log.info(
            "serving Discord interactions on %s:%s%s",
            service.settings.discord_interactions_listen,
            service.settings.discord_interactions_port,
            INTERACTIONS_PATH,
        )
        await stop.wait()


def http_mode(settings: Settings) -> bool:
    """Whether Discord's interactions come by HTTP (public key and port configured)."""
    return bool(settings.discord_public_key and settings.discord_interactions_port)


async def serve_discord(service: Sanad, stop: asyncio.Event) -> None:
    """Serve Discord in the configured mode until ``stop`` is set."""
    if http_mode(service.settings):
        await serve_interactions(service, stop)
    else:
        await serve_gateway(service, stop)
