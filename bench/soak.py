"""A bounded soak: questions from many threads while the snapshot is reloaded and replaced.

The library a bot serves from (``retrieval.library.Library``) answers the dev-set questions from
``--threads`` threads at about ``--rate`` questions a second in all, for ``--seconds``, on
loopback only (no chat platform: the library is what every platform calls). Every ``--every``
seconds one disruption happens, in turn:

- ``reload``: an admin's /reload (re-index in a child process, swap);
- ``rename``: ``sanad index`` run by another process, renaming a new snapshot over the served one;
- ``copy``: a copy of a valid snapshot written over the served one in place (``cp``: same inode);
- ``truncate``: the served snapshot truncated to a tenth of its size in place.

Each answer is compared with the answer before any disruption (the sources never change, so
every correct answer is that one): "answered" matches it, "wrong" does not (must stay 0),
"lost" raised (a question caught while the served snapshot's bytes were gone). It prints the
process's resident memory every ``--sample`` seconds, then the totals, p50/p99 latency and the
lost questions per disruption.

    python bench/soak.py --seconds 180                      # the seeds
    python bench/soak.py --seconds 180 --paragraphs 100000  # a generated corpus (bench/scale.py)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = ROOT.parent / "shared" / "eval" / "seeds-dev.jsonl"
DISRUPTIONS = ("reload", "rename", "copy", "truncate")


def rss_mb() -> float:
    """This process's resident set, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions() -> list[str]:
    if QUESTIONS.is_file():
        lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
        return list(dict.fromkeys(json.loads(line)["question"] for line in lines if line))
    return ["كم انخفض مؤشر ناسداك؟", "تأثير ديب سيك على أسهم إنفيديا", "من هو مؤسس ديبسيك؟"]


class Tally:
    """Outcomes and latencies of every question, and which disruption each loss followed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.lost_after: Counter[str] = Counter()
        self.last_disruption = "none"

    def record(self, outcome: str, seconds: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.latencies.append(seconds)
            if outcome == "lost":
                self.lost_after[self.last_disruption] += 1


def ask_forever(library, expected: dict[str, list[str]], tally: Tally, pace: float, stop) -> None:
    rng = random.Random(threading.get_ident())
    asked = list(expected)
    next_at = time.monotonic()
    while not stop.is_set():
        question = rng.choice(asked)
        started = time.perf_counter()
        try:
            passages = [p.text for p in library.engine.answer(question).passages]
            outcome = "answered" if passages == expected[question] else "wrong"
        except Exception:
            outcome = "lost"
        tally.record(outcome, time.perf_counter() - started)
        next_at += pace
        stop.wait(max(0.0, next_at - time.monotonic()))


def disrupt(kind: str, library, sources: Path, snapshot: Path, good_copy: Path) -> None:
    if kind == "reload":
        library.reload()
    elif kind == "rename":
        subprocess.run(
            [sys.executable, "-m", "bot.console.cli", "index", "--sources", str(sources)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
    elif kind == "copy":
        with open(good_copy, "rb") as source, open(snapshot, "r+b") as target:
            shutil.copyfileobj(source, target)
            target.truncate()
    elif kind == "truncate":
        os.truncate(snapshot, snapshot.stat().st_size // 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200, help="questions per second, in all")
    parser.add_argument("--every", type=float, default=10, help="seconds between disruptions")
    parser.add_argument("--sample", type=float, default=15, help="seconds between RSS lines")
    parser.add_argument("--paragraphs", type=int, default=0, help="generated corpus (0: seeds)")
    parser.add_argument(
        "--disruptions", default=",".join(DISRUPTIONS), help="which, in turn (comma-separated)"
    )
    args = parser.parse_args()
    kinds = args.disruptions.split(",")

    from bot.logs import counted
    from retrieval.library import Library, default_snapshot

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("retrieval").addHandler(Collect(logging.WARNING))
    work = ROOT / ".bench" / "soak"
    shutil.rmtree(work, ignore_errors=True)
    if args.paragraphs:
        sys.path.insert(0, str(ROOT / "bench"))
        from scale import generate

        shutil.copytree(generate(args.paragraphs), work, ignore=shutil.ignore_patterns(".*"))
    else:
        shutil.copytree(ROOT / "seeds", work, ignore=shutil.ignore_patterns(".*"))
    snapshot = default_snapshot(work)
    library = Library.open(work, snapshot)
    good_copy = work.parent / "soak-snapshot-copy"
    shutil.copyfile(snapshot, good_copy)
    expected = {q: [p.text for p in library.engine.answer(q).passages] for q in questions()}

    tally, stop = Tally(), threading.Event()
    pace = args.threads / args.rate
    askers = [
        threading.Thread(target=ask_forever, args=(library, expected, tally, pace, stop))
        for _ in range(args.threads)
    ]
    started = time.monotonic()
    for thread in askers:
        thread.start()
    print(
        f"{counted(len(expected), 'question')}, {counted(args.threads, 'thread')}, "
        f"~{args.rate:.0f}/s, "
        f"a disruption every {args.every:.0f} s, {args.seconds:.0f} s"
    )
    print("  t (s) | RSS (MB) | answered | lost | wrong")
    disruptions: Counter[str] = Counter()
    next_disruption, next_sample, turn = args.every, 0.0, 0
    while (now := time.monotonic() - started) < args.seconds:
        if now >= next_sample:
            with tally.lock:
                counts = dict(tally.outcomes)
            print(
                f"{now:7.0f} | {rss_mb():8.1f} | {counts.get('answered', 0):8} | "
                f"{counts.get('lost', 0):4} | {counts.get('wrong', 0):5}",
                flush=True,
            )
            next_sample += args.sample
        if now >= next_disruption:
            kind = kinds[turn % len(kinds)]
            turn += 1
            with tally.lock:
                tally.last_disruption = kind
            try:
                disrupt(kind, library, work, snapshot, good_copy)
                disruptions[kind] += 1
            except Exception as exc:  # a refused reload (another one under way) is a finding
                disruptions[f"{kind} failed: {exc}"] += 1
            next_disruption += args.every
        time.sleep(0.05)
    stop.set()
    for thread in askers:
        thread.join()
    latencies = sorted(tally.latencies)
    total = sum(tally.outcomes.values())
    print(
        json.dumps(
            {
                "seconds": args.seconds,
                "questions": total,
                **{k: tally.outcomes.get(k, 0) for k in ("answered", "lost", "wrong")},
                "p50_ms": round(statistics.median(latencies) * 1000, 2),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
                "max_ms": round(latencies[-1] * 1000, 1),
                "rss_end_mb": round(rss_mb(), 1),
                "disruptions": dict(disruptions),
                "lost_after": dict(tally.lost_after),
                "snapshot_warnings": len(warnings),
            },
            ensure_ascii=False,
        )
    )
    for line in warnings:
        print("  log:", line[:200])


if __name__ == "__main__":
    main()
