"""What the throughput benchmarks ask, and how busy the machine was meanwhile.

Two question sets (``questions``):

- ``dev``: the 32 seeds dev-set questions, asked over and over (as people repeat questions);
- ``distinct``: every question of eval/ once, no two alike (863: the seeds dev and tune sets,
  which the seeds answer, then the ARCD tune and train questions, which they mostly do not),
  so no answer cache can help and each question is a first touch for the engine's own caches.

A run's answers/s on this shared two-core machine drift with what other processes do, so each
row carries the load average (``load``) taken when it ended.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.evaluation import load_questions  # noqa: E402

EVAL = ROOT / "eval"
DEV = ("seeds-dev.jsonl",)
DISTINCT = ("seeds-dev.jsonl", "seeds-tune.jsonl", "arcd-tune.jsonl", "arcd-train.json")
QUESTION_SETS = ("dev", "distinct")


def texts(name: str) -> list[str]:
    """The different questions of set ``name``, in file order."""
    files = DEV if name == "dev" else DISTINCT
    return list(dict.fromkeys(q.text for f in files for q in load_questions(EVAL / f)[0]))


def questions(name: str, count: int) -> list[str]:
    """``count`` questions of set ``name``: ``dev`` cycles through its 32; ``distinct`` gives
    at most as many as it has (ValueError beyond: a repeat would not be distinct)."""
    different = texts(name)
    if name == "dev":
        return [different[i % len(different)] for i in range(count)]
    if count > len(different):
        raise ValueError(f"only {len(different)} distinct questions, {count} asked")
    return different[:count]


def load() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
