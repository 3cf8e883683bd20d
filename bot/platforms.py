"""Every configured chat platform in one process, over one :class:`Sanad` (so one index).

Telegram and Discord run side by side in one event loop: a question on either reaches the same
service, so statistics, gaps, votes, rate limits and reloads are shared, and the index is held
once. SIGINT and SIGTERM stop them all cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Sequence

from bot.health import start_health_server
from bot.service.sanad import Sanad
from bot.service.settings import Settings

Serve = Callable[[Sanad, asyncio.Event], Awaitable[None]]


class StartError(Exception):
    """A platform could not start; the message is one line for the operator, without secrets."""


async def unless_stopped(starting: Awaitable[object], stop: asyncio.Event) -> bool:
    """Await ``starting`` (a platform's connection, with its retries) unless ``stop`` is set
    first, by a signal or by another platform that failed to start; then cancel it.

    Returns whether it finished; its exception, if any, is raised.
    """
    task = asyncio.ensure_future(starting)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    await task
    return True


def configured(settings: Settings) -> list[str]:
    """The platforms whose token is set, in a fixed order."""
    tokens = {"telegram": settings.telegram_token, "discord": settings.discord_token}
    return [name for name, token in tokens.items() if token is not None]


def _server(name: str) -> Serve:
    """The serve function of a platform (imported on demand: each pulls in its library)."""
    if name == "telegram":
        from bot.telegram.app import serve_telegram

        return serve_telegram
    from bot.discord.app import serve_discord

    return serve_discord


async def serve(service: Sanad, platforms: Sequence[str]) -> None:
    """Run ``platforms`` over ``service`` until SIGINT/SIGTERM; if one fails to start, stop the
    others and raise its error."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    port = service.settings.health_port
    health = start_health_server(service.library, "0.0.0.0", port) if port else None
    try:
        service.start()
        tasks = [asyncio.create_task(_server(name)(service, stop)) for name in platforms]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        failed = [t.exception() for t in done if t.exception() is not None]
        if failed:
            raise failed[0]
    finally:
        service.close()
        for number in signals:
            loop.remove_signal_handler(number)
        if health is not None:
            with contextlib.suppress(Exception):
                health.shutdown()
                health.server_close()
