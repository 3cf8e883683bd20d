"""Who may do what, where: the decisions every platform asks the service to make.

Adapters describe the request (:class:`Sender`, :class:`Chat`); the policy answers from the
configuration. Admins and chat lists are per platform, since a Telegram id and a Discord id
are different numbers.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.service.settings import Settings


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


@dataclass
class RateLimit:
    """A sliding one-minute window of questions per sender key."""

    per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Record a question from ``key``; False when over the limit."""
        now = self.clock()
        window = self._seen.setdefault(key, deque())
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True


class Policy:
    """Admins, allowed chats, chats answered in full, and the per-sender rate limit."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.admins = {"telegram": frozenset(settings.admin_ids)}
        self.allowed_chats = {"telegram": frozenset(settings.allowed_chat_ids)}
        self.every_message_chats = {"telegram": frozenset(settings.answer_every_group_message)}
        self.rate_limit = RateLimit(settings.user_questions_per_minute, clock)

    def is_admin(self, sender: Sender) -> bool:
        """Whether ``sender`` may reload, roll back, upload and read usage."""
        if sender.operator:
            return True
        return sender.user_id is not None and sender.user_id in self.admins.get(
            sender.platform, frozenset()
        )

    def chat_allowed(self, chat: Chat | None) -> bool:
        """Whether the bot works in ``chat`` (an empty list allows every chat)."""
        if chat is None:
            return True
        allowed = self.allowed_chats.get(chat.platform, frozenset())
        return not allowed or chat.id in allowed

    def answers_every_message(self, chat: Chat) -> bool:
        """Whether every message in ``chat`` is a question (private chats and listed groups)."""
        return chat.private or chat.id in self.every_message_chats.get(chat.platform, frozenset())

    def may_show_questions(self, chat: Chat) -> bool:
        """Whether a reply that lists users' questions may be posted in ``chat``.

        Only a private chat: in a group every member would read what others asked the bot.
        """
        return chat.private

    def may_ask(self, sender: Sender) -> bool:
        """Count a question from ``sender``; False when it is over the rate limit."""
        return sender.operator or self.rate_limit.allow(sender.key)
