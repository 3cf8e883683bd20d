"""What a running bot counts: questions, latency, feedback and the gaps admins should fill.

Platform-neutral and in-memory: each replica counts its own traffic (README, "Replicas").
"""

from __future__ import annotations

import statistics
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from retrieval.analysis.tokenizer import TOKENIZER

GAP_MEMORY = 50


@dataclass(slots=True)
class Gap:
    """A question the sources did not serve, however often and in whichever spelling it came:
    ``asked`` times unanswered or marked unhelpful (``unanswered``/``unhelpful`` say which
    happened at least once). ``question`` is its first wording."""

    question: str
    asked: int = 0
    unanswered: bool = False
    unhelpful: bool = False


def gap_key(question: str) -> str:
    """What makes two questions the same gap: the analyser's words (its normalisation: no
    punctuation, tatweel, tashkeel or extra spaces; one alef, hamza, ya and ta marbuta
    spelling), so «كم سعر السهم؟» and «كم سعـر  السهم» are one question."""
    return " ".join(TOKENIZER.text_forms(question)) or question.strip()


class Gaps:
    """The :data:`GAP_MEMORY` most recently seen distinct gaps, least recent first; a question
    seen again moves to the end with its count raised (memory stays bounded however many
    times the same question comes)."""

    def __init__(self, size: int = GAP_MEMORY) -> None:
        self._size = size
        self._gaps: OrderedDict[str, Gap] = OrderedDict()

    def __iter__(self) -> Iterator[Gap]:
        return iter(self._gaps.values())

    def __len__(self) -> int:
        return len(self._gaps)

    def add(self, question: str, unhelpful: bool) -> None:
        """Count ``question`` once more, as unanswered or (``unhelpful``) marked unhelpful."""
        key = gap_key(question)
        gap = self._gaps.pop(key, None) or Gap(question)
        gap.asked += 1
        if unhelpful:
            gap.unhelpful = True
        else:
            gap.unanswered = True
        self._gaps[key] = gap
        if len(self._gaps) > self._size:
            self._gaps.popitem(last=False)

    def most_asked(self, count: int) -> list[Gap]:
        """Up to ``count`` gaps: the most asked (of equal counts, the most recent), listed most
        asked first and, among equals, in the order they were last seen."""
        recency = {id(gap): order for order, gap in enumerate(self._gaps.values())}
        chosen = sorted(self, key=lambda g: (g.asked, recency[id(g)]), reverse=True)[:count]
        return sorted(chosen, key=lambda g: (-g.asked, recency[id(g)]))


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
    gaps: Gaps = field(default_factory=Gaps)

    def record_answer(self, question: str, found: bool, seconds: float) -> None:
        """Count one answered question and how long it took."""
        self.latencies_ms.append(seconds * 1000)
        if found:
            self.answered += 1
        else:
            self.unanswered += 1
            self.gaps.add(question, unhelpful=False)

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
                self.gaps.add(question, unhelpful=True)

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
