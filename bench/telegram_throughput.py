"""Answers per second and answer latency through the whole Telegram stack (BENCHMARKS.md).

emulated Bot API (loopback HTTP) → python-telegram-bot (long polling) → Sanad core → emulated
Bot API, against a trivial echo bot on the very same stack, with the same python-telegram-bot
settings (``bot.telegram.app.configure``), in the same run.

    python bench/telegram_throughput.py                      # every row of BENCHMARKS.md
    python bench/telegram_throughput.py --mode loop --index seeds --questions dev
    python bench/telegram_throughput.py --flood 30 --mode loop --count 300

Two ways of asking (``--mode``):

- ``loop``: 16 people in a closed loop, each asking again as soon as they have their answer;
- ``burst``: 50 people post 6 questions each at once (300 questions waiting), a backlog.

Over the seeds or a generated collection (``--index synthetic``: ``--paragraphs`` sampled from
the seeds' and ARCD's word frequencies by bench/scale.py, built on first use under .bench/),
with the dev questions repeated or every question distinct (bench/workload.py). Flood control
is off on both bots unless ``--flood`` sets Telegram's rate.

Echo and Sanad runs alternate, three pairs per row, and the ratio reported is the median of
the pairs' ratios: on a shared virtual machine the speed of the whole stack drifts from one
minute to the next. Every Sanad run opens its own library, so no run warms the next one's
caches. A row also reports the process's CPU time per answer (bot, libraries and emulator:
they share one process) and the load average at its end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from botapi import TOKEN, BotApiEmulator  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402
from workload import QUESTION_SETS, load, questions, texts  # noqa: E402

from bot.service.sanad import INLINE_MAX_PARAGRAPHS, Sanad  # noqa: E402
from bot.service.settings import Settings  # noqa: E402
from bot.telegram.app import build_application, configure  # noqa: E402
from retrieval.library import Library  # noqa: E402

PAIRS = 3
LOOP_PEOPLE = 16
BURST_PEOPLE, BURST_EACH = 50, 6
STALL_SECONDS = 30.0  # a run gives up on questions when no reply came for this long


@dataclass(frozen=True)
class Row:
    """One row of the table: how questions are asked, over what, and which ones."""

    mode: str  # "loop" or "burst"
    index: str  # "seeds" or "synthetic"
    questions: str  # "dev" or "distinct"
    count: int
    flood: float = 0.0  # messages a second, 0 = no flood control


async def echo(update: Update, context: object) -> None:
    """The baseline: reply with the text, nothing else."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            update.effective_message.text or "-", do_quote=True
        )


def echo_application(api: BotApiEmulator) -> Application:
    builder = Application.builder().token(TOKEN).base_url(api.base_url)
    app = configure(builder.base_file_url(api.base_file_url)).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def sanad_application(
    api: BotApiEmulator, sources: Path, flood: float, search_process: bool = True
) -> Application:
    settings = Settings(
        telegram_token=TOKEN,
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        sources_dir=sources,
        user_questions_per_minute=1_000_000,
        telegram_max_messages_per_second=flood,
        search_process=search_process,
    )
    # Opened as the bot opens it: from the snapshot beside the sources.
    return build_application(Sanad(settings, Library.open(sources, settings.snapshot_path)))


class Answers:
    """How many questions the bot has replied to, counted incrementally from the emulator's
    append-only record of calls (a full scan every millisecond would cost the loop more and
    more as the run goes on). A reply that quotes the question is an answer; any other
    (the error sentence after a failed handler) is counted in ``failed``."""

    def __init__(self, api: BotApiEmulator) -> None:
        self.api = api
        self.seen = 0
        self.answered = 0
        self.failed = 0

    def __call__(self) -> int:
        """Questions replied to so far, answered or not."""
        calls = self.api.calls
        end = len(calls)
        for call in calls[self.seen : end]:
            if call.method == "sendMessage" and call.ok:
                if "reply_parameters" in call.params:
                    self.answered += 1
                else:
                    self.failed += 1
        self.seen = end
        return self.answered + self.failed


def memory_mb(pid: int) -> dict[str, float]:
    """Resident (RSS) and proportional (PSS: shared pages divided among their users) memory of
    process ``pid`` now, in MB (Linux /proc/<pid>/smaps_rollup)."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Rss", "Pss"):
            figures[name.lower()] = round(int(value.split()[0]) / 1024, 1)
    return figures


async def ready_to_search(service: Sanad, timeout: float = 60.0) -> bool:
    """Start the service as a bot starts it and wait until a large index is served by the
    search process (a bot runs for days; its first second is not what a burst meets)."""
    service.start()
    deadline = time.perf_counter() + timeout
    large = len(service.engine.store) > INLINE_MAX_PARAGRAPHS
    while large and service.search_process is not None and not service.search_process_ready:
        if time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.01)
    return service.search_process_ready


async def drive(
    kind: str, row: Row, asked: list[str], sources: Path, search_process: bool = True
) -> dict:
    api = BotApiEmulator()
    api.start()
    if kind == "sanad":
        app = sanad_application(api, sources, row.flood, search_process)
    else:
        app = echo_application(api)
    await app.initialize()
    await app.start()
    service: Sanad | None = app.bot_data.service if kind == "sanad" else None
    in_child = await ready_to_search(service) if service is not None else False
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    answers = Answers(api)
    pushed: dict[int, float] = {}

    def ask(index: int, person: int) -> None:
        message = api.user_message(asked[index], user_id=10_000 + person)
        pushed[message["message_id"]] = time.perf_counter()

    try:
        cpu = time.process_time()
        started = time.perf_counter()
        sent = 0
        if row.mode == "burst":
            for sent in range(row.count):
                ask(sent, sent % BURST_PEOPLE)
            sent = row.count
        replied, progress = 0, time.perf_counter()
        while replied < row.count and time.perf_counter() - progress < STALL_SECONDS:
            await asyncio.sleep(0.001)
            if answers() > replied:
                replied, progress = answers.answered + answers.failed, time.perf_counter()
            # The closed loop: each person asks again as soon as they have their reply, so
            # the bot always has LOOP_PEOPLE questions in flight.
            while sent < row.count and sent < replied + LOOP_PEOPLE:
                ask(sent, sent)
                sent += 1
        cpu = time.process_time() - cpu
        calls = [c for c in api.calls_of("sendMessage") if "reply_parameters" in c.params]
        elapsed = max(c.at for c in calls) - started
        latencies = sorted(
            (c.at - pushed[c.params["reply_parameters"]["message_id"]]) * 1000 for c in calls
        )
        with_passages = sum(1 for c in calls if "<blockquote" in c.params.get("text", ""))
        typing = len(api.calls_of("sendChatAction"))
        memory = {"bot": memory_mb(os.getpid())}
        child = service.search_process.pid if service and service.search_process else None
        if in_child and child is not None:
            memory["search_process"] = memory_mb(child)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if service is not None:
            service.close()
        api.stop()
    return {
        "bot": kind,
        **{k: v for k, v in vars(row).items() if k != "flood" or v},
        "answers_per_s": round(len(calls) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "cpu_ms_per_answer": round(cpu * 1000 / row.count, 2),
        **({"with_passages": with_passages, "typing": typing} if kind == "sanad" else {}),
        **({"search_process": in_child, "memory_mb": memory} if kind == "sanad" else {}),
        "failed": answers.failed,
        "unanswered": row.count - answers(),
        "load": load(),
    }


def sources_of(row: Row, paragraphs: int) -> Path:
    if row.index == "seeds":
        return ROOT / "seeds"
    from scale import generate

    return generate(paragraphs)


async def measure(row: Row, paragraphs: int, search_process: bool = True) -> dict:
    asked = questions(row.questions, row.count)
    sources = sources_of(row, paragraphs)
    # The first opening builds the snapshot: not part of any run.
    Library.open(sources, Settings(sources_dir=sources).snapshot_path)
    ratios = []
    for _ in range(PAIRS):
        echo_row = await drive("echo", row, asked, sources)
        sanad_row = await drive("sanad", row, asked, sources, search_process)
        for result in (echo_row, sanad_row):
            print(json.dumps(result, ensure_ascii=False), flush=True)
        ratios.append(round(sanad_row["answers_per_s"] / echo_row["answers_per_s"], 3))
    summary = {
        **vars(row),
        **({"paragraphs": paragraphs} if row.index == "synthetic" else {}),
        "sanad_vs_echo": statistics.median(ratios),
        "pair_ratios": ratios,
    }
    print(json.dumps(summary), flush=True)
    return summary


def rows(args: argparse.Namespace) -> list[Row]:
    """The rows asked for: every combination of the given modes, indexes and question sets."""
    counts = {"loop": args.count or 1000, "burst": BURST_PEOPLE * BURST_EACH}
    distinct = len(texts("distinct"))
    return [
        Row(
            mode,
            index,
            asked,
            min(counts[mode], distinct) if asked == "distinct" else counts[mode],
            args.flood,
        )
        for index in args.index
        for mode in args.mode
        for asked in args.questions
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", nargs="+", choices=("loop", "burst"), default=["loop", "burst"])
    parser.add_argument("--index", nargs="+", choices=("seeds", "synthetic"), default=["seeds"])
    parser.add_argument("--questions", nargs="+", choices=QUESTION_SETS, default=["dev"])
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    parser.add_argument("--count", type=int, help="questions per loop run (default 1000)")
    parser.add_argument("--flood", type=float, default=0.0, help="messages/s, 0 = off")
    parser.add_argument(
        "--no-search-process",
        dest="search_process",
        action="store_false",
        help="search large collections in a thread of the bot's process",
    )
    args = parser.parse_args()
    summaries = [
        asyncio.run(measure(row, args.paragraphs, args.search_process)) for row in rows(args)
    ]
    print("summary", flush=True)
    for summary in summaries:
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
