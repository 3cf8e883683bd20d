"""Wiring of the Telegram bot: every handler registered in one place, and how it runs.

``build_application`` is what tests use too, so they exercise the very same application.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

import httpx
from cachetools import LRUCache
from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import bidi
from bot.health import start_health_server
from bot.logs import counted
from bot.platforms import StartError, unless_stopped
from bot.service import messages, paging
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from bot.telegram import admin, handlers, inline
from bot.telegram.albums import Albums
from bot.telegram.context import BotState, Context
from bot.telegram.incoming import chat_of, sender_of

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot's coming timedelta durations (RetryAfter.retry_after) instead of
# a deprecation warning on every flood-control retry.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# Updates handled at once; the others wait their turn in python-telegram-bot's queue. Each
# handler holds at most two Bot API requests at a time (its reply, and "typing…" if the answer
# is slow), so the connection pool never runs out: with python-telegram-bot's defaults (256
# updates at once, 256 connections, a second's wait for one), a backlog of 300 questions over
# a 1M-paragraph index started 256 handlers whose "typing…" requests took the connections the
# answers needed, and half the answers failed with "Pool timeout" (BENCHMARKS.md). 32 handlers
# keep up with Telegram's 30 messages a second at a second's latency each.
CONCURRENT_UPDATES = 32
CONNECTIONS = 2 * CONCURRENT_UPDATES
# Chats outside allowed_chat_ids already logged once; past this many, the least recent one
# would be logged again, which costs a line while memory stays bounded.
DROPPED_REMEMBERED = 10_000

USER_COMMANDS = [BotCommand(name, text) for name, text in messages.USER_COMMANDS]
ADMIN_COMMANDS = [BotCommand(name, text) for name, text in messages.ADMIN_COMMANDS]


async def register_commands(application: Application) -> None:
    """Publish the command menu; admin commands only in the admins' own chats.

    A Bot API that rejects this (an emulator, a restricted server) must not stop the bot.
    """
    bot = application.bot
    try:
        await bot.set_my_commands(USER_COMMANDS, scope=BotCommandScopeDefault())
        for admin_id in application.bot_data.service.settings.admin_ids:
            await bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(admin_id))
    except TelegramError as exc:
        log.warning("could not register the command menu: %s", exc)


async def guard_chats(update: Update, context: Context) -> None:
    """Drop updates the allow-list does not admit (``Policy.chat_allowed``).

    The operator reads one line per dropped chat (or inline asker), not one per message. An
    inline query gets an empty answer, so the asker's client stops waiting.
    """
    sender = sender_of(update)
    chat = update.effective_chat
    if context.bot_data.service.policy.chat_allowed(chat_of(chat), sender):
        return
    dropped = context.bot_data.dropped
    key = f"chat {chat.id}" if chat is not None else f"inline queries from {sender.key}"
    if key not in dropped:
        dropped[key] = True
        if chat is not None:
            log.info("ignoring %s (%s): not in allowed_chat_ids", key, chat.type)
        else:
            log.info("ignoring %s: allowed_chat_ids is set, inline mode is for admins", key)
    if update.inline_query is not None:
        with contextlib.suppress(TelegramError):
            await update.inline_query.answer([], cache_time=0, is_personal=True)
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log the failure first, then tell the user something went wrong; never crash.

    Telegram's 403 (the person blocked the bot, deleted their account, removed it from the
    group) is everyday, not a fault: one line, and nothing more is sent to that chat, which
    would only be refused again.
    """
    if update is None and isinstance(context.error, TelegramError):
        log_polling_failure(context.error)
        return
    if isinstance(context.error, Forbidden):
        chat = update.effective_chat if isinstance(update, Update) else None
        where = f"chat {chat.id}" if chat is not None else "a chat"
        log.info("cannot write to %s: %s", where, context.error.message)
        return
    # The log shows the text as it is; only what is sent to Telegram as HTML is escaped.
    log.error("update failed: %s", repr(context.error)[:500], exc_info=context.error)
    if isinstance(update, Update):
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(messages.ERROR)
            return
        message = update.effective_message
        if message is not None:
            try:
                await message.reply_text(messages.ERROR)
            except TelegramError:
                log.warning("could not tell the user about the error either")


def log_polling_failure(error: TelegramError) -> None:
    """One line for a failed fetch of updates, which python-telegram-bot retries by itself.

    Its polling loop hands every failure to the error handler and tries again 1, 1.5, 2.25…
    (at most 30) seconds later; a traceback per retry, while the Bot API is unreachable,
    would bury the log without telling the operator more than this line.
    """
    if isinstance(error, Conflict):
        log.warning(
            "another process is fetching this bot's updates (%s): only one may long-poll; "
            "use webhook mode for replicas. Retrying",
            error,
        )
    else:
        log.warning("fetching updates failed (%s); retrying", error)


def _rate_limiter(settings: Settings) -> AIORateLimiter:
    """Retry Telegram's 429s; throttle to Telegram's published rates unless disabled (0)."""
    rate = settings.telegram_max_messages_per_second
    if rate <= 0:
        return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=2)
    return AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=2)


def configure(builder: ApplicationBuilder) -> ApplicationBuilder:
    """How the bot talks to the Bot API and runs its handlers (the benchmark's echo bot is
    configured the same way, so that the two differ only in what they answer).

    Every connection stays open between requests (httpx keeps 20 by default and would close
    and reopen the rest, a TCP and TLS handshake each, whenever more are busy), and a request
    waits for a free connection instead of failing after a second: with the handlers bounded
    the wait is short, and a late answer beats none.
    """
    request = HTTPXRequest(
        connection_pool_size=CONNECTIONS,
        pool_timeout=None,
        httpx_kwargs={
            "limits": httpx.Limits(
                max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS
            )
        },
    )
    return builder.concurrent_updates(CONCURRENT_UPDATES).request(request)


def build_application(service: Sanad, **builder_options: Any) -> Application:
    """The whole bot over ``service``: handlers, typed state, rate limiter, command menu."""
    settings = service.settings
    if settings.telegram_token is None:
        raise ValueError("a Telegram token is required")
    builder = (
        configure(Application.builder())
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(ContextTypes(bot_data=BotState))
        .rate_limiter(_rate_limiter(settings))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    for name, value in builder_options.items():
        builder = getattr(builder, name)(value)
    application = builder.build()
    bidi.prepare()
    state: BotState = application.bot_data
    state.service = service
    state.dropped = LRUCache(maxsize=DROPPED_REMEMBERED)
    state.albums = Albums(admin.album_answerer(service))

    application.add_handler(TypeHandler(Update, guard_chats), group=-1)
    application.add_handlers(
        [
            CommandHandler(["start", "help"], handlers.on_start),
            CommandHandler("ask", handlers.on_ask_command),
            CommandHandler("sources", admin.on_sources),
            CommandHandler("reload", admin.on_reload),
            CommandHandler("rollback", admin.on_rollback),
            CommandHandler("stats", admin.on_stats),
            CommandHandler("gaps", admin.on_gaps),
            MessageHandler(
                filters.UpdateType.MESSAGES & filters.COMMAND & filters.ChatType.PRIVATE,
                handlers.on_unknown_command,
            ),
            MessageHandler(
                filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND,
                handlers.on_text,
            ),
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.Document.ALL & filters.ChatType.PRIVATE,
                admin.on_document,
            ),
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.Document.ALL,
                handlers.on_not_text,
            ),
            CallbackQueryHandler(handlers.on_more, pattern=f"^{paging.MORE_PREFIX}"),
            CallbackQueryHandler(handlers.on_feedback, pattern=f"^{paging.FEEDBACK_PREFIX}[01]$"),
            CallbackQueryHandler(handlers.on_unknown_button),
            InlineQueryHandler(inline.on_inline_query),
        ]
    )
    application.add_error_handler(on_error)
    return application


def warn_if_inline_mode_is_off(application: Application) -> None:
    """Say once at start when the bot cannot be asked inline.

    Telegram sends inline queries only to bots whose inline mode was turned on with
    @BotFather's /setinline; getMe reports it as ``supports_inline_queries``. Without it
    ``@bot question`` typed in another chat shows nothing, and nothing reaches the bot to log.
    """
    bot = application.bot
    if not bot.supports_inline_queries:
        log.warning(
            "inline mode is off for @%s: '@%s question' in other chats shows nothing; "
            "turn it on by sending /setinline to @BotFather",
            bot.username,
            bot.username,
        )


async def _post_init(application: Application) -> None:
    warn_if_inline_mode_is_off(application)
    await register_commands(application)
    state: BotState = application.bot_data
    state.service.start()
    port = state.service.settings.health_port
    if port is not None:
        application.bot_data.health = start_health_server(state.service.library, "0.0.0.0", port)


async def _post_shutdown(application: Application) -> None:
    server = getattr(application.bot_data, "health", None)
    if server is not None:
        server.shutdown()
    state: BotState = application.bot_data
    state.service.close()


async def serve_telegram(service: Sanad, stop: asyncio.Event) -> None:
    """Serve in the running event loop until ``stop`` is set, beside other platforms
    (``bot.platforms``): long polling, or the webhook when ``webhook_url`` is set."""
    settings = service.settings
    application = build_application(service)
    if not await unless_stopped(connect(application, settings.telegram_connect_attempts), stop):
        return  # stopped while the Bot API was still being reached
    try:
        warn_if_inline_mode_is_off(application)
        await register_commands(application)
        updater = application.updater
        if updater is None:
            raise ValueError("the Telegram application has no updater")
        if settings.webhook_url:
            await updater.start_webhook(**webhook_options(settings))
        else:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await application.start()
        await stop.wait()
        await updater.stop()
        await application.stop()
    finally:
        await application.shutdown()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Where the webhook listens and what it registers with Telegram (path ``/telegram``)."""
    secret = settings.webhook_secret_token
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": "telegram",
        "webhook_url": settings.webhook_url,
        "secret_token": secret.get_secret_value() if secret else None,
        "allowed_updates": Update.ALL_TYPES,
    }


class TelegramStartError(StartError):
    """The bot could not start; the message is one line for the operator, without secrets."""


async def connect(application: Application, attempts: int, first_delay: float = 1.0) -> None:
    """Initialise the application (``getMe``), retrying an unreachable Bot API with backoff.

    Raises:
        TelegramStartError: the token was rejected (no retry: it will not change), or the Bot
            API stayed unreachable for ``attempts`` tries.
    """
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            await application.initialize()
            return
        except InvalidToken:
            # Its text holds the token itself, so it is not repeated.
            raise TelegramStartError(
                "Telegram rejected the bot token (SANAD_TELEGRAM_TOKEN); check it with @BotFather"
            ) from None
        except NetworkError as exc:
            if attempt == attempts:
                raise TelegramStartError(
                    f"cannot reach the Bot API after {counted(attempts, 'attempt')}: {exc}"
                ) from None
            log.warning(
                "Bot API unreachable (attempt %d of %d: %s); retrying in %.0f s",
                attempt,
                attempts,
                exc,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def run_telegram(service: Sanad) -> int:
    """Run until SIGINT/SIGTERM: long polling, or a webhook when ``webhook_url`` is set.

    Raises:
        TelegramStartError: the bot could not start (see :func:`connect`).
    """
    settings = service.settings
    application = build_application(service)
    # The same loop connects and then runs the application (run_* reuse the current loop).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(connect(application, settings.telegram_connect_attempts))
    except BaseException:
        loop.close()
        raise
    if settings.webhook_url:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
