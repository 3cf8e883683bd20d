"""An album of article files (a Telegram media group) answered as one reply with one reload.

Telegram sends an album as one message per file, each its own update, sharing
``media_group_id``, with no sign of which part is the last. Each part is checked and stored as
it comes; the album is answered once no part is being downloaded or stored and no new one has
come for :data:`ALBUM_QUIET` seconds. Albums are held in memory: with replicas behind one
webhook, parts that reach different replicas are answered by each, every file still stored
and reported once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Message

from bot.service.policy import Sender

log = logging.getLogger(__name__)

# Telegram delivers an album's parts within a fraction of a second of each other.
ALBUM_QUIET = 1.0


@dataclass
class Album:
    """The parts of one album seen so far: each file's outcome by message id, whether any
    file was stored (then the album asks for one reload), and parts still being handled."""

    first: Message
    sender: Sender
    outcomes: dict[int, str] = field(default_factory=dict)
    stored: bool = False
    pending: int = 0
    timer: asyncio.TimerHandle | None = None


class Albums:
    """Albums being received, by chat and media group; ``answer`` is called once per album."""

    def __init__(
        self, answer: Callable[[Album], Awaitable[None]], quiet: float = ALBUM_QUIET
    ) -> None:
        self._answer = answer
        self._quiet = quiet
        self._albums: dict[tuple[int, str], Album] = {}
        self._answering: set[asyncio.Task] = set()

    def part_started(self, message: Message, group: str, sender: Sender) -> Album:
        """A part arrived: hold the album's answer until it is handled."""
        key = (message.chat_id, group)
        album = self._albums.setdefault(key, Album(message, sender))
        if message.message_id < album.first.message_id:
            album.first = message
        album.pending += 1
        if album.timer is not None:
            album.timer.cancel()
        return album

    def part_done(self, album: Album, message: Message, outcome: str, stored: bool) -> None:
        """A part was handled with ``outcome``; answer the album once it is quiet."""
        album.outcomes[message.message_id] = outcome
        album.stored = album.stored or stored
        album.pending -= 1
        if album.pending == 0:
            key = (message.chat_id, message.media_group_id or "")
            album.timer = asyncio.get_running_loop().call_later(self._quiet, self._due, key)

    def _due(self, key: tuple[int, str]) -> None:
        album = self._albums.pop(key)
        task = asyncio.ensure_future(self._answer(album))
        self._answering.add(task)
        task.add_done_callback(self._answered)

    def _answered(self, task: asyncio.Task) -> None:
        self._answering.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("answering an album failed: %r", task.exception(), exc_info=task.exception())
