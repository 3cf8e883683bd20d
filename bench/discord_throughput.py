"""Answers per second and answer latency through the whole Discord stack (BENCHMARKS.md).

emulated Discord (gateway websocket + REST on loopback) → hikari → Sanad (service, renderer)
→ hikari → emulated Discord, against a trivial echo bot on the very same stack (hikari, same
intents, same HTTP and cache settings) in the same run. Two paths: questions sent as DMs
(gateway event, reply over REST) and ``/ask`` slash commands (gateway interaction, answered by
the interaction callback). A third bot, "echo-embeds", answers every question with one canned
Sanad answer (three embeds, rendered once, no search): what the answer's shape costs the stack.

    python bench/discord_throughput.py [questions per run] [concurrency] [--questions dev distinct]

Runs alternate (echo, echo-embeds, Sanad), three rounds per path, and the ratio reported is
the median of the rounds' Sanad/echo ratios (the speed of a shared machine drifts from one
minute to the next). Questions: the dev set repeated, or every question distinct
(bench/workload.py); every bot starts in a new process, so no run warms the next one's
caches.

The bot under test runs in its own process (``--serve``); the emulator and the simulated
people share another. On Discord the API's work is done on Discord's machines: in one process
the emulator's parsing, validation and re-encoding of every answer (three embeds weigh several
times an echo) would be charged to the bot that sends the larger answer. A row reports the CPU
time per answer of each process: ``bot_cpu_ms_per_answer`` (hikari and the bot's own work),
``emulator_cpu_ms_per_answer`` and ``emulator_busy`` (the share of one core the emulator used:
near 1, the emulator, not the bot, set the pace). ``sanad_vs_echo_bot_cpu`` is the ratio of
answers per CPU second of the bot process, what one core would serve. Each question comes from
its own person and DM channel, so no rate-limit bucket of the emulator (per route and channel,
as Discord's) is shared; "rejected" counts every request the emulator refused (429 or any
4xx/5xx) during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import hikari  # noqa: E402
from discordapi import TOKEN, DiscordApiEmulator, user_object  # noqa: E402
from workload import QUESTION_SETS, load, questions, texts  # noqa: E402

from bot.discord.app import http_settings, running_gateway  # noqa: E402
from bot.discord.handlers import ask  # noqa: E402
from bot.discord.respond import message_kwargs  # noqa: E402
from bot.service.policy import CONSOLE, OPERATOR  # noqa: E402
from bot.service.sanad import Sanad  # noqa: E402
from bot.service.settings import Settings  # noqa: E402
from retrieval.library import Library  # noqa: E402

PAIRS = 3
CANNED_QUESTION = "تأثير ديب سيك على أسهم إنفيديا"


# ----- the echo bot -----------------------------------------------------------------------------


async def start_echo(rest_url: str, canned: dict | None = None) -> hikari.GatewayBot:
    """The baseline: a hikari bot that replies with the text it got, nothing else; or, given
    ``canned`` (a diagnostic), with that rendered answer, searching nothing."""
    bot = hikari.GatewayBot(
        TOKEN,
        rest_url=rest_url,
        intents=hikari.Intents.GUILDS | hikari.Intents.GUILD_MESSAGES | hikari.Intents.DM_MESSAGES,
        # The same configuration as Sanad's bot (keep-alive REST connections, no cache), so
        # the two differ only in what they answer.
        http_settings=http_settings(),
        cache_settings=hikari.impl.CacheSettings(components=hikari.api.CacheComponents.NONE),
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )

    async def on_message(event: hikari.DMMessageCreateEvent) -> None:
        if event.author.is_bot:
            return
        if canned is None:
            await bot.rest.create_message(
                event.channel_id, event.content or "-", reply=event.message
            )
        else:
            kwargs = message_kwargs(canned, bot.entity_factory)
            await bot.rest.create_message(event.channel_id, reply=event.message, **kwargs)

    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if not isinstance(interaction, hikari.CommandInteraction):
            return
        if canned is None:
            text = str(interaction.options[0].value) if interaction.options else "-"
            await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, text)
        else:
            kwargs = message_kwargs(canned, bot.entity_factory)
            await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, **kwargs)

    bot.subscribe(hikari.DMMessageCreateEvent, on_message)
    bot.subscribe(hikari.InteractionCreateEvent, on_interaction)
    await bot.start(check_for_updates=False)
    application = await bot.rest.fetch_application()
    ask = bot.rest.slash_command_builder("ask", "اسأل").add_option(
        hikari.CommandOption(
            type=hikari.OptionType.STRING, name="question", description="السؤال", is_required=True
        )
    )
    await bot.rest.set_application_commands(application.id, [ask])
    return bot


# ----- driving ----------------------------------------------------------------------------------


class Answers:
    """Which questions (message or interaction ids) the bot has answered, read incrementally
    from the emulator's record of visible messages."""

    def __init__(self, api: DiscordApiEmulator) -> None:
        self.api = api
        self.seen = 0
        self.at: dict[str, float] = {}

    def answered(self, key: str) -> bool:
        sent = self.api.sent
        while self.seen < len(sent):
            record = sent[self.seen]
            reference = (record.message.get("message_reference") or {}).get("message_id")
            self.at.setdefault(record.interaction_id or reference or "", record.request.at)
            self.seen += 1
        return key in self.at


@contextlib.asynccontextmanager
async def bot_running(kind: str, rest_url: str, canned: dict) -> AsyncIterator[None]:
    """The bot under test, started against the emulated Discord at ``rest_url``; closed on
    exit. Only Sanad's process holds an index: the echo bots answer without one."""
    if kind == "sanad":
        settings = Settings(
            discord_token=TOKEN,
            discord_api_url=rest_url,
            sources_dir=ROOT / "seeds",
            user_questions_per_minute=1_000_000,
        )
        # Opened as the bot opens it: from the snapshot beside the sources.
        library = Library.open(settings.sources_dir, settings.snapshot_path)
        async with running_gateway(Sanad(settings, library)):
            yield
        return
    bot = await start_echo(rest_url, canned=canned if kind == "echo-embeds" else None)
    try:
        yield
    finally:
        await bot.close()


async def serve(kind: str, rest_url: str, canned: dict) -> None:
    """The bot process: start ``kind``, say "ready", then answer every line read from stdin
    with this process's CPU seconds so far; stop at end of input."""
    async with bot_running(kind, rest_url, canned):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        print("ready", flush=True)
        while await reader.readline():
            print(time.process_time(), flush=True)


class BotProcess:
    """The bot under test in its own process (:func:`serve`), asked for its CPU time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, kind: str, rest_url: str, canned: dict) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            kind,
            rest_url,
            json.dumps(canned, ensure_ascii=False),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        bot = cls(process)
        if await bot._line() != "ready":
            raise RuntimeError(f"the {kind} bot did not start")
        return bot

    async def _line(self) -> str:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), 120)).decode().strip()

    async def cpu(self) -> float:
        """CPU seconds the bot process has used so far."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"cpu\n")
        await self.process.stdin.drain()
        return float(await self._line())

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 60)


async def drive(
    kind: str, path: str, asked: list[str], concurrency: int, canned: dict
) -> dict[str, Any]:
    """``count`` questions asked by ``concurrency`` people at a time, each asking again as soon
    as they have their answer; one person and DM channel per question, as when many people ask,
    so no rate-limit bucket (per route and channel, as Discord's) is shared between questions."""
    count = len(asked)
    api = DiscordApiEmulator()
    await api.start()
    people = [user_object(str(2_000_000_000_000_000 + i), f"p{i}", None) for i in range(count)]
    api.users |= {person["id"]: person for person in people}
    channels = [api.dm_channel_id(person["id"]) for person in people]
    answers = Answers(api)
    latencies: list[float] = []
    next_question = iter(range(count))

    async def by_dm(index: int) -> str:
        question = asked[index]
        message = await api.user_message(
            question, author=people[index], channel_id=channels[index]
        )
        return message["id"]

    async def by_slash(index: int) -> str:
        question = asked[index]
        interaction = api.slash_command(
            "ask", {"question": question}, user=people[index], channel_id=channels[index]
        )
        await api.send_interaction(interaction)
        return interaction.id

    ask = by_dm if path == "dm" else by_slash

    async def person() -> None:
        for index in next_question:
            asked_at = time.monotonic()
            key = await ask(index)
            await api.wait_for(functools.partial(answers.answered, key), timeout=60)
            latencies.append((answers.at[key] - asked_at) * 1000)

    try:
        bot = await BotProcess.start(kind, api.rest_url, canned)
        try:
            # Started: connected to the gateway and its commands registered.
            await api.wait_for_request("PUT /applications/{application}/commands", timeout=60)
            before = len(api.requests)
            bot_cpu, cpu = await bot.cpu(), time.process_time()
            begun = time.monotonic()
            await asyncio.gather(*(person() for _ in range(concurrency)))
            elapsed = time.monotonic() - begun
            bot_cpu, cpu = await bot.cpu() - bot_cpu, time.process_time() - cpu
            rejected = sum(1 for r in api.requests[before:] if r.status >= 400)
        finally:
            await bot.stop()
    finally:
        await api.stop()
    latencies.sort()
    return {
        "bot": kind,
        "path": path,
        "questions": count,
        "concurrency": concurrency,
        "answers_per_s": round(count / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "rejected": rejected,
        "bot_cpu_ms_per_answer": round(bot_cpu * 1000 / count, 3),
        "emulator_cpu_ms_per_answer": round(cpu * 1000 / count, 3),
        "emulator_busy": round(cpu / elapsed, 2),
        "load": load(),
    }


async def main(count: int, concurrency: int, question_sets: list[str]) -> None:
    settings = Settings(sources_dir=ROOT / "seeds")
    service = Sanad(settings, Library.open(settings.sources_dir, settings.snapshot_path))
    # What "echo-embeds" sends: a typical answer (three passages), rendered once, no search.
    canned = await ask(service, CANNED_QUESTION, OPERATOR, CONSOLE)
    summaries = []
    for question_set in question_sets:
        asked = questions(
            question_set,
            min(count, len(texts(question_set))) if question_set == "distinct" else count,
        )
        for path in ("dm", "slash"):
            rounds, rejected = [], 0
            for _ in range(PAIRS):
                rows = {
                    kind: await drive(kind, path, asked, concurrency, canned)
                    for kind in ("echo", "echo-embeds", "sanad")
                }
                for row in rows.values():
                    print(
                        json.dumps({**row, "questions_set": question_set}, ensure_ascii=False),
                        flush=True,
                    )
                rejected += int(rows["sanad"]["rejected"])
                rounds.append(rows)
            summary = {
                "path": path,
                "questions": question_set,
                "count": len(asked),
                "sanad_vs_echo_throughput": median_ratio(rounds, "answers_per_s", "echo"),
                "sanad_vs_echo_bot_cpu": median_ratio(rounds, "bot_cpu_ms_per_answer", "echo"),
                "sanad_vs_echo_embeds_throughput": median_ratio(
                    rounds, "answers_per_s", "echo-embeds"
                ),
                "pair_ratios": [ratio(rows, "answers_per_s", "echo") for rows in rounds],
                "sanad_rejected_requests": rejected,
            }
            print(json.dumps(summary), flush=True)
            summaries.append(summary)
    print("summary", flush=True)
    for summary in summaries:
        print(json.dumps(summary), flush=True)


def ratio(rows: dict[str, dict[str, Any]], key: str, baseline: str) -> float:
    """Sanad's figure over the baseline's: answers/s, or answers per CPU second of the bot
    process (the inverse ratio of CPU per answer)."""
    sanad, base = float(rows["sanad"][key]), float(rows[baseline][key])
    return round(base / sanad if key.startswith("bot_cpu") else sanad / base, 3)


def median_ratio(rounds: list[dict[str, dict[str, Any]]], key: str, baseline: str) -> float:
    return statistics.median(ratio(rows, key, baseline) for rows in rounds)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(serve(sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))
        sys.exit()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=1000, help="questions per run")
    parser.add_argument("concurrency", type=int, nargs="?", default=16)
    parser.add_argument("--questions", nargs="+", choices=QUESTION_SETS, default=["dev"])
    args = parser.parse_args()
    asyncio.run(main(args.count, args.concurrency, args.questions))
