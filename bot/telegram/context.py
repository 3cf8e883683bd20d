"""What the Telegram application keeps between updates, typed for handlers (``context.bot_data``).

Nothing here is needed to page an answer or read feedback: callback data and the replied-to
message carry that, so any replica (or a restarted process) can serve any button press.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ExtBot

from bot.service.settings import Settings
from bot.service.stats import BotStats
from retrieval.library import Library

VOTE_MEMORY = 10_000


@dataclass
class UserRateLimit:
    """A sliding one-minute window of questions per user."""

    per_minute: int = 20
    _seen: dict[int, deque[float]] = field(default_factory=dict)

    def allow(self, user_id: int, now: float | None = None) -> bool:
        """Record a question from ``user_id``; False when over the limit."""
        now = time.monotonic() if now is None else now
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True


class BotState:
    """Services of one running bot; filled by ``build_application`` before it starts."""

    settings: Settings
    library: Library

    def __init__(self) -> None:
        self.stats = BotStats()
        self.rate_limit = UserRateLimit()
        # Answers already rated here (chat id, message id): one vote per answer and replica.
        self.voted: deque[tuple[int, int]] = deque(maxlen=VOTE_MEMORY)


Context = CallbackContext[ExtBot[None], dict, dict, BotState]
