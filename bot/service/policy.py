"""Who may do what, where: the decisions every platform asks the service to make.

Adapters describe the request (:class:`Sender`, :class:`Chat`); the policy answers from the
configuration. Admins and chat lists are per platform, since a Telegram id and a Discord id
are different numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from bot.service.settings import Settings

# Senders remembered by the rate limit at once (about 200 bytes each). Past it the least
# recently active lose their bucket: a burst from more senders than this within one minute
# lets the oldest of them ask again early, which costs a little, while memory stays bounded.
RATE_LIMIT_SENDERS = 20_000


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent a request.

    ``key`` identifies the real sender for the rate limit (chosen by the adapter); ``user_id`` is
    the person's id on the platform, for the admin check (None when nobody can be named);
    ``operator`` is the person at the console, who runs the process.
    """

    platform: str
    key: str
    user_id: int | None = None
    operator: bool = False


@dataclass(frozen=True, slots=True)
class Chat:
    """Where a request came from: a private chat with one person, or a shared one."""

    platform: str
    id: int
    private: bool


OPERATOR = Sender("console", "console", operator=True)
CONSOLE = Chat("console", 0, private=True)


class RateLimit:
    """A token bucket per sender key: ``per_minute`` questions, refilled evenly over a minute.

    A bucket untouched for a minute is full again, so it is forgotten then (a TTL cache), and at
    most ``max_senders`` buckets are kept: memory is bounded however many people write.
    """

    def __init__(
        self,
        per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        max_senders: int = RATE_LIMIT_SENDERS,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(
            maxsize=max_senders, ttl=60.0, timer=clock
        )

    def __len__(self) -> int:
        """Senders currently remembered."""
        self._buckets.expire()
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        """Questions left in ``key``'s bucket at ``now``: it refills at ``per_minute`` a
        minute, up to ``per_minute``."""
        tokens, then = self._buckets.get(key, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - then) * self.per_minute / 60)

    def wait(self, key: str) -> int:
        """Whole seconds until ``key`` may ask again (0: now)."""
        tokens = self._tokens(key, self._clock())
        seconds = (1 - tokens) * 60 / self.per_minute
        return 0 if tokens >= 1 else math.ceil(round(seconds, 6))  # 10.000000001 is 10 s

    def allow(self, key: str) -> bool:
        """Take one question from ``key``'s bucket; False when it is empty."""
        now = self._clock()
        tokens = self._tokens(key, now)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed

    def give_back(self, key: str) -> None:
        """Return one question to ``key``'s bucket (one that :meth:`allow` took for nothing)."""
        now = self._clock()
        self._buckets[key] = (min(float(self.per_minute), self._tokens(key, now) + 1), now)


class Policy:
    """Admins, allowed chats, chats answered in full, and the per-sender rate limit."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.admins = {
            "telegram": frozenset(settings.admin_ids),
            "discord": frozenset(settings.discord_admin_ids),
        }
        self.allowed_chats = {"telegram": frozenset(settings.allowed_chat_ids)}
        self.every_message_chats = {
            "telegram": frozenset(settings.answer_every_group_message),
            "discord": frozenset(settings.discord_answer_every_message),
        }
        self.rate_limit = RateLimit(settings.user_questions_per_minute, clock)
        self._clock = clock
        # Senders refused, by the time they may ask again: one refusal per burst.
        self._refused: TTLCache[str, float] = TTLCache(
            maxsize=RATE_LIMIT_SENDERS, ttl=60.0, timer=clock
        )

    def is_admin(self, sender: Sender) -> bool:
        """Whether ``sender`` may reload, roll back, upload and read usage."""
        if sender.operator:
            return True
        return sender.user_id is not None and sender.user_id in self.admins.get(
            sender.platform, frozenset()
        )

    def restricts_chats(self, platform: str) -> bool:
        """Whether ``platform`` has an allow-list of chats (``allowed_chat_ids``)."""
        return bool(self.allowed_chats.get(platform))

    def chat_allowed(self, chat: Chat | None, sender: Sender) -> bool:
        """Whether the bot works for ``sender`` in ``chat``.

        An empty allow-list allows every chat. Otherwise the listed chats, and always an
        admin's own private chat (where /stats, /gaps, uploads and /reload are used). A request
        with no chat (``None``: an inline query, whose answer can be posted in any chat) only
        from an admin.
        """
        if not self.restricts_chats(sender.platform):
            return True
        if (chat is None or chat.private) and self.is_admin(sender):
            return True
        return chat is not None and chat.id in self.allowed_chats[sender.platform]

    def answers_every_message(self, chat: Chat) -> bool:
        """Whether every message in ``chat`` is a question (private chats and listed groups)."""
        return chat.private or chat.id in self.every_message_chats.get(chat.platform, frozenset())

    def unprompted(self, chat: Chat | None, called: bool) -> bool:
        """Whether a message is read only because its group or channel answers every message:
        not a private chat, and not ``called`` (no mention of the bot, no reply to it, no
        command). Such chatter gets passages or nothing: no "no answer", refusal or greeting
        is posted to people talking among themselves."""
        return (
            chat is not None
            and not chat.private
            and not called
            and self.answers_every_message(chat)
        )

    def may_show_questions(self, chat: Chat) -> bool:
        """Whether a reply that lists users' questions may be posted in ``chat``.

        Only a private chat: in a group every member would read what others asked the bot.
        """
        return chat.private

    def may_ask(self, sender: Sender) -> bool:
        """Count a question from ``sender``; False when it is over the rate limit."""
        return sender.operator or self.rate_limit.allow(sender.key)

    def give_back(self, sender: Sender) -> None:
        """Uncount a question :meth:`may_ask` counted: chatter that got no passage."""
        if not sender.operator:
            self.rate_limit.give_back(sender.key)

    def wait(self, sender: Sender) -> int:
        """Whole seconds until ``sender`` may ask again (0: now)."""
        return 0 if sender.operator else self.rate_limit.wait(sender.key)

    def refused_before(self, sender: Sender, wait: int) -> bool:
        """Note that ``sender``, over the rate limit for ``wait`` more seconds, is refused;
        whether they were already refused in this window (since they last could ask)."""
        now = self._clock()
        if self._refused.get(sender.key, now) > now:
            return True
        self._refused[sender.key] = now + wait
        return False
