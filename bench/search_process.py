"""A large index served through the service, with and without the search process
(BENCHMARKS.md, "Search process"): the memory of the bot's process and of the search process,
and answer latency while ``/reload`` rebuilds the whole index.

    python bench/search_process.py                       # the 1M realistic collection
    python bench/search_process.py --no-search-process   # searched in a thread, as before
    python bench/search_process.py --no-reload           # memory only

Questions go through :meth:`Sanad.ask` one after another, about 100 a second, as
``bench/scale.py``'s reload row asks the engine; each is a distinct text (the dev and ARCD
questions with a varying run of spaces that the analyser ignores), so the answer cache never
answers one. Memory is RSS and PSS (shared pages divided among the processes mapping them)
from /proc/<pid>/smaps_rollup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scale import generate  # noqa: E402
from telegram_throughput import memory_mb  # noqa: E402
from workload import texts  # noqa: E402

from bot.service.policy import Chat, Sender  # noqa: E402
from bot.service.sanad import Sanad  # noqa: E402
from bot.service.settings import Settings  # noqa: E402
from retrieval.library import Library  # noqa: E402

ADMIN = Sender("telegram", "telegram:1", 1)
CHAT = Chat("telegram", 1, private=True)
WARM_QUESTIONS = 300


def distinct_questions():
    """An endless run of question texts, no two alike, each searched like its original."""
    originals = texts("distinct")
    spaces = 1
    while True:
        for question in originals:
            first, _, rest = question.partition(" ")
            yield first + " " * spaces + rest
        spaces += 1


def memory(service: Sanad) -> dict:
    """RSS and PSS of the bot's process and of the search process, in MB."""
    figures = {"bot": memory_mb(os.getpid())}
    process = service.search_process
    if process is not None and process.pid is not None:
        figures["search_process"] = memory_mb(process.pid)
        figures["pss_sum"] = round(figures["bot"]["pss"] + figures["search_process"]["pss"], 1)
    return figures


async def ask(service: Sanad, question: str) -> tuple[float, bool]:
    """Milliseconds to answer, and whether the search process was serving when asked."""
    in_child = service.search_process_ready
    started = time.perf_counter()
    await service.ask(question, ADMIN, CHAT)
    return (time.perf_counter() - started) * 1000, in_child


async def run(paragraphs: int, search_process: bool, reload: bool) -> dict:
    sources = generate(paragraphs)
    settings = Settings(
        sources_dir=sources,
        admin_ids=[1],
        user_questions_per_minute=1_000_000_000,
        search_process=search_process,
    )
    service = Sanad(settings, Library.open(sources, settings.snapshot_path))
    questions = distinct_questions()
    try:
        started = time.perf_counter()
        service.start()
        while search_process and not service.search_process_ready:
            await asyncio.sleep(0.01)
        result: dict = {
            "paragraphs": paragraphs,
            "search_process": search_process,
            "ready_s": round(time.perf_counter() - started, 2),
        }
        warm = [await ask(service, next(questions)) for _ in range(WARM_QUESTIONS)]
        result["warm_p50_ms"] = round(statistics.median(ms for ms, _ in warm), 2)
        result["memory_mb"] = memory(service)
        if reload:
            result |= await under_reload(service, questions)
            result["memory_after_reload_mb"] = memory(service)
        return result
    finally:
        service.close()


async def under_reload(service: Sanad, questions) -> dict:
    """Answer latency while a reload rebuilds everything (the old index serves meanwhile)."""
    started = time.perf_counter()
    reloading = asyncio.create_task(service.reload(ADMIN))
    timings: list[tuple[float, bool]] = []
    while not reloading.done():
        timings.append(await ask(service, next(questions)))
        await asyncio.sleep(0.01)  # about 100 questions a second, not a busy loop
    reloaded = time.perf_counter() - started
    await reloading
    # After the swap: answered here until the search process has loaded the new index.
    after = []
    while len(after) < 200:
        after.append(await ask(service, next(questions)))
        await asyncio.sleep(0.01)
    ms = sorted(t for t, _ in timings)
    after_ms = sorted(t for t, _ in after)
    return {
        "reload_s": round(reloaded, 1),
        "answers_during_reload": len(ms),
        "answered_by_search_process": sum(1 for _, child in timings if child),
        "during_reload_p50_ms": round(statistics.median(ms), 2),
        "during_reload_p99_ms": round(ms[int(len(ms) * 0.99) - 1], 2),
        "during_reload_max_ms": round(ms[-1], 2),
        "after_swap_p99_ms": round(after_ms[int(len(after_ms) * 0.99) - 1], 2),
        "after_swap_max_ms": round(after_ms[-1], 2),
        "after_swap_by_search_process": sum(1 for _, child in after if child),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    parser.add_argument("--no-search-process", dest="search_process", action="store_false")
    parser.add_argument("--no-reload", dest="reload", action="store_false")
    args = parser.parse_args()
    result = asyncio.run(run(args.paragraphs, args.search_process, args.reload))
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
