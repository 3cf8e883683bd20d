"""Memory held by per-sender state under many distinct senders (issue 16, item 10).

    python bench/service_memory.py [senders]

Every sender asks once (rate limit) and rates one answer (votes) through the service's own
structures; the script prints the process's resident memory before and after, and how many
senders and answers are still remembered. Both are bounded (RATE_LIMIT_SENDERS, VOTE_MEMORY)
whatever the number of senders. No search runs: the point is what stays behind per sender.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.service.policy import RATE_LIMIT_SENDERS, RateLimit
from bot.service.sanad import VOTE_MEMORY, Votes


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    senders = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    limit, votes = RateLimit(per_minute=20), Votes()
    before = rss_mb()
    started = time.perf_counter()
    for n in range(senders):
        limit.allow(f"telegram:{n}")
        votes.add(f"telegram:{n}:{n + 1000}")
    seconds = time.perf_counter() - started
    print(f"senders: {senders:,} in {seconds:.1f} s")
    print(f"rate-limit buckets held: {len(limit):,} (bound {RATE_LIMIT_SENDERS:,})")
    print(f"votes held: {len(votes):,} (bound {VOTE_MEMORY:,})")
    print(f"RSS: {before:.0f} MB -> {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
