"""Sanad's Discord bot run against the local Discord API emulator, for the end-to-end tests.

The bot is the very one ``sanad discord`` runs (``running_gateway`` or
``running_interactions_server`` over a :class:`Sanad`); these helpers only point it at the
emulator and read what it sent.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

from discordapi import OWNER_ID, TOKEN, DiscordApiEmulator, Interaction, Sent

from bot.discord.app import running_gateway
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from retrieval.library import Library

ADMIN_ID = OWNER_ID
DIRECTION_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


@contextlib.asynccontextmanager
async def emulator() -> AsyncIterator[DiscordApiEmulator]:
    """The emulator, serving on a free loopback port until the block ends."""
    api = DiscordApiEmulator()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


def make_settings(api: DiscordApiEmulator, sources: Path, **extra: object) -> Settings:
    """Settings for a bot on the emulator; the owner is the one admin."""
    given: dict[str, object] = {
        "discord_token": TOKEN,
        "discord_api_url": api.rest_url,
        "discord_admin_ids": [int(ADMIN_ID)],
        "sources_dir": sources,
    }
    return Settings(**(given | extra))


@contextlib.asynccontextmanager
async def gateway_bot(
    api: DiscordApiEmulator, settings: Settings, library: Library | None = None
) -> AsyncIterator[Sanad]:
    """Sanad's gateway bot, started (commands registered) on the emulator; closed on exit."""
    service = Sanad(settings, library or Library.open(settings.sources_dir))
    async with running_gateway(service):
        yield service


def replies_to(api: DiscordApiEmulator, message: dict) -> list[Sent]:
    """The bot's visible replies to ``message``."""
    return [
        s
        for s in api.sent
        if (s.message.get("message_reference") or {}).get("message_id") == message["id"]
    ]


async def reply_to(api: DiscordApiEmulator, message: dict, count: int = 1) -> list[Sent]:
    """Wait for ``count`` replies of the bot to ``message``."""
    return await api.wait_for(
        lambda: (found := replies_to(api, message)) and len(found) >= count and found,
        what=f"{count} repl(y/ies) to {message['content'][:30]!r}",
    )


async def response_to(api: DiscordApiEmulator, interaction: Interaction) -> Sent:
    """Wait for the message the bot made visible for ``interaction`` (the latest, after an
    edit of a deferred response)."""
    found = await api.wait_for(
        lambda: [s for s in api.sent if s.interaction_id == interaction.id],
        what=f"a response to interaction {interaction.id}",
    )
    return found[-1]


def visible_text(markdown: str) -> str:
    """What a person reads of our markdown: no direction marks, no bold, no escapes."""
    text = DIRECTION_CONTROLS.sub("", markdown).replace("**", "")
    return re.sub(r"\\(.)", r"\1", text)


def rejected(api: DiscordApiEmulator) -> list[tuple[str, int, int | None]]:
    """Every request the emulator refused, other than the failures a test injected."""
    return [(r.route, r.status, r.error_code) for r in api.requests if r.status >= 400]
