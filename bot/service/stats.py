"""What a running bot counts: questions, latency, feedback and the gaps admins should fill.

Platform-neutral and in-memory: each replica counts its own traffic (README, "Replicas").
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field

GAP_MEMORY = 50


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the sources did not serve: unanswered, or marked unhelpful."""

    question: str
    reason: str  # "unanswered" or "unhelpful"


@dataclass
class BotStats:
    """Counters since start; latencies keep the last thousand answers."""

    started: float = field(default_factory=time.monotonic)
    answered: int = 0
    unanswered: int = 0
    inline_queries: int = 0
    helpful: int = 0
    unhelpful: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=1000))
    gaps: deque[Gap] = field(default_factory=lambda: deque(maxlen=GAP_MEMORY))

    def record_answer(self, question: str, found: bool, seconds: float) -> None:
        """Count one answered question and how long it took."""
        self.latencies_ms.append(seconds * 1000)
        if found:
            self.answered += 1
        else:
            self.unanswered += 1
            self.gaps.append(Gap(question, "unanswered"))

    def record_unheard(self, seconds: float) -> None:
        """Count how long a search took whose result nobody saw: a message in a group answered
        in full (:meth:`Policy.unprompted`) that found no passage. It asked the bot nothing,
        so it is neither an unanswered question nor a gap."""
        self.latencies_ms.append(seconds * 1000)

    def record_inline(self, seconds: float) -> None:
        """Count one inline query and how long it took.

        Inline queries arrive as a person types, so their "no answer" results are half-typed
        words, not gaps in the sources: only their latency and number are kept.
        """
        self.latencies_ms.append(seconds * 1000)
        self.inline_queries += 1

    def record_feedback(self, question: str | None, helpful: bool) -> None:
        """Count a 👍/👎; an unhelpful answer's question becomes a gap."""
        if helpful:
            self.helpful += 1
        else:
            self.unhelpful += 1
            if question:
                self.gaps.append(Gap(question, "unhelpful"))

    def percentile(self, fraction: float) -> float:
        """Latency percentile in milliseconds (0 with no data)."""
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[min(98, max(0, round(fraction * 100) - 1))]

    @property
    def uptime(self) -> str:
        """Uptime as h:mm:ss."""
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
