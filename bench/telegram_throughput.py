"""Questions per second and answer latency through the whole Telegram stack (BENCHMARKS.md).

emulated Bot API (loopback HTTP) → python-telegram-bot (long polling) → Sanad core → emulated
Bot API, against a trivial echo bot on the very same stack in the same run.

    python bench/telegram_throughput.py [questions] [flood limit per second, 0 = off]

Echo and Sanad runs alternate, three pairs, and the ratio reported is the median of the pairs'
ratios: on a shared virtual machine the speed of the whole stack drifts by 10-20 % from one
minute to the next, which a single echo-then-Sanad pair would count against one of them.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from botapi import TOKEN, BotApiEmulator
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.service.sanad import Sanad
from bot.service.settings import Settings
from bot.telegram.app import build_application
from retrieval.evaluation import load_questions
from retrieval.library import Library

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "seeds-dev.jsonl"


async def echo(update: Update, context: object) -> None:
    """The baseline: reply with the text, nothing else."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            update.effective_message.text or "-", do_quote=True
        )


def echo_application(api: BotApiEmulator) -> Application:
    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def sanad_application(api: BotApiEmulator) -> Application:
    settings = Settings(
        telegram_token=TOKEN,
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        sources_dir=ROOT / "seeds",
        user_questions_per_minute=1_000_000,
        telegram_max_messages_per_second=float(sys.argv[2]) if len(sys.argv) > 2 else 30,
    )
    return build_application(Sanad(settings, Library.open(settings.sources_dir)))


async def drive(
    kind: str, count: int, questions: list[str], concurrency: int = 16
) -> dict[str, float | str | int]:
    api = BotApiEmulator()
    api.start()
    app = sanad_application(api) if kind == "sanad" else echo_application(api)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        # A closed loop of simulated users: each asks again as soon as it has its answer,
        # so the bot always has `concurrency` questions in flight.
        pushed: dict[int, float] = {}
        started = time.perf_counter()
        asked = 0
        while asked < min(concurrency, count):
            message = api.user_message(questions[asked % len(questions)], user_id=10_000 + asked)
            pushed[message["message_id"]] = time.perf_counter()
            asked += 1
        while True:
            answered = len(api.calls_of("sendMessage"))
            while asked < count and asked < answered + concurrency:
                message = api.user_message(
                    questions[asked % len(questions)], user_id=10_000 + asked
                )
                pushed[message["message_id"]] = time.perf_counter()
                asked += 1
            if answered >= count:
                break
            await asyncio.sleep(0.001)
        calls = api.calls_of("sendMessage")
        elapsed = max(c.at for c in calls) - started
        latencies = sorted(
            (c.at - pushed[c.params["reply_parameters"]["message_id"]]) * 1000 for c in calls
        )
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        api.stop()
    return {
        "bot": kind,
        "questions": count,
        "concurrency": concurrency,
        "qps": round(count / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
    }


PAIRS = 3


async def main(count: int) -> None:
    questions = [q.text for q in load_questions(QUESTIONS)[0]]
    ratios = []
    for _ in range(PAIRS):
        echo_row = await drive("echo", count, questions)
        sanad_row = await drive("sanad", count, questions)
        for row in (echo_row, sanad_row):
            print(json.dumps(row, ensure_ascii=False), flush=True)
        ratios.append(round(float(sanad_row["qps"]) / float(echo_row["qps"]), 3))
    print(
        json.dumps({"sanad_vs_echo_throughput": statistics.median(ratios), "pair_ratios": ratios})
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
