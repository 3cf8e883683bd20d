"""`sanad run` and `sanad discord` as operators start them: a real process, configured by the
stable environment names, against the Telegram and Discord emulators on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from botapi import TOKEN as TELEGRAM_TOKEN
from botapi import BotApiEmulator
from conftest import ROOT, SEEDS
from discordapi import OWNER, PERSON_ID
from discordapi import TOKEN as DISCORD_TOKEN
from discordbot import ADMIN_ID, emulator, reply_to, response_to, visible_text

from bot.service import messages
from retrieval.corpus import load_corpus

QUESTION = "بكم انخفض مؤشر ناسداك؟"
STARTUP = 90.0  # a cold process imports both libraries and indexes the seeds on a busy machine
SEED_PARAGRAPHS = len(load_corpus(SEEDS).paragraphs)


def serving_lines(stderr: bytes) -> list[str]:
    """The start-up lines saying what is served, without their time stamps."""
    return [
        line.split(" ", 2)[2]
        for line in stderr.decode().splitlines()
        if " bot.service.sanad: serving " in line
    ]


def says_it_serves(stderr: bytes, sources: Path, snapshot_loaded: bool | None) -> bool:
    """Whether ``stderr`` has exactly one start-up line, saying that the seeds in ``sources``
    are served from a loaded snapshot or an index built at start (None: either)."""
    served = (
        f"INFO bot.service.sanad: serving 5 articles and {SEED_PARAGRAPHS} paragraphs from "
        + re.escape(str(sources.resolve()))
    )
    loaded = f"index snapshot {re.escape(str(sources / '.sanad-index'))} loaded"
    built = "index built from the sources"
    how = {True: loaded, False: built, None: f"(?:{loaded}|{built})"}[snapshot_loaded]
    lines = serving_lines(stderr)
    return len(lines) == 1 and re.fullmatch(rf"{served}: {how} in \d+\.\d s", lines[0]) is not None


async def sanad(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    environment |= {"PYTHONPATH": str(ROOT), **env}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.console.cli",
        *args,
        env=environment,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_serves_telegram_and_discord_over_one_index_and_stops_on_sigterm(seeds_copy):
    telegram = BotApiEmulator()
    telegram.start()
    async with emulator() as discord:
        process = await sanad(
            "run",
            env={
                "SANAD_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "SANAD_TELEGRAM_BASE_URL": telegram.base_url,
                "SANAD_TELEGRAM_BASE_FILE_URL": telegram.base_file_url,
                "SANAD_DISCORD_TOKEN": DISCORD_TOKEN,
                "SANAD_DISCORD_API_URL": discord.rest_url,
                "SANAD_DISCORD_ADMIN_IDS": ADMIN_ID,
                "SANAD_SOURCES_DIR": str(seeds_copy),
            },
        )
        try:
            await discord.wait_for_request(
                "PUT /applications/{application}/commands", timeout=STARTUP
            )
            telegram.user_message(QUESTION)
            await telegram.wait_for("sendMessage", timeout=STARTUP)
            question = await discord.user_message(
                QUESTION, channel_id=discord.dm_channel_id(PERSON_ID)
            )
            await reply_to(discord, question)
            stats = discord.slash_command("stats", user=OWNER)
            await discord.send_interaction(stats)
            report = visible_text((await response_to(discord, stats)).content)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
    telegram.stop()
    # One service behind both platforms: it counted the Telegram and the Discord question.
    assert "أسئلة أُجيب عنها: 2 " in report
    assert process.returncode == 0 and b"Traceback" not in stderr, stderr.decode()
    assert DISCORD_TOKEN.encode() not in stderr and TELEGRAM_TOKEN.encode() not in stderr
    # One line for the process, not one per platform.
    assert says_it_serves(stderr, seeds_copy, snapshot_loaded=None), serving_lines(stderr)


async def test_telegram_says_once_what_it_serves_built_at_first_then_loaded(seeds_copy):
    (seeds_copy / ".sanad-index").unlink(missing_ok=True)
    for snapshot_loaded in (False, True):
        telegram = BotApiEmulator()
        telegram.start()
        process = await sanad(
            "telegram",
            env={
                "SANAD_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "SANAD_TELEGRAM_BASE_URL": telegram.base_url,
                "SANAD_SOURCES_DIR": str(seeds_copy),
            },
        )
        try:
            telegram.user_message(QUESTION)
            await telegram.wait_for("sendMessage", timeout=STARTUP)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            telegram.stop()
        assert says_it_serves(stderr, seeds_copy, snapshot_loaded), stderr.decode()
        assert TELEGRAM_TOKEN.encode() not in stderr


async def test_discord_says_once_what_it_serves(seeds_copy):
    (seeds_copy / ".sanad-index").unlink(missing_ok=True)
    async with emulator() as discord:
        process = await sanad(
            "discord",
            env={
                "SANAD_DISCORD_TOKEN": DISCORD_TOKEN,
                "SANAD_DISCORD_API_URL": discord.rest_url,
                "SANAD_SOURCES_DIR": str(seeds_copy),
            },
        )
        try:
            await discord.wait_for_request(
                "PUT /applications/{application}/commands", timeout=STARTUP
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert says_it_serves(stderr, seeds_copy, snapshot_loaded=False), stderr.decode()
    assert DISCORD_TOKEN.encode() not in stderr


async def test_the_console_chat_of_run_says_once_what_it_serves(seeds_copy):
    (seeds_copy / ".sanad-index").unlink(missing_ok=True)
    process = await sanad("run", "--sources", str(seeds_copy), env={})
    _, stderr = await asyncio.wait_for(process.communicate(b""), 60)
    assert process.returncode == 0, stderr.decode()
    assert says_it_serves(stderr, seeds_copy, snapshot_loaded=False), stderr.decode()


async def test_one_platform_failing_to_start_stops_the_other_with_one_line(seeds_copy):
    telegram = BotApiEmulator()
    telegram.start()
    async with emulator() as discord:
        process = await sanad(
            "run",
            env={
                "SANAD_TELEGRAM_TOKEN": TELEGRAM_TOKEN[:-4] + "nope",
                "SANAD_TELEGRAM_BASE_URL": telegram.base_url,
                "SANAD_DISCORD_TOKEN": DISCORD_TOKEN,
                "SANAD_DISCORD_API_URL": discord.rest_url,
                "SANAD_SOURCES_DIR": str(seeds_copy),
            },
        )
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    telegram.stop()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, stderr.decode()
    assert lines[-1].startswith("sanad: error: Telegram rejected the bot token")
    assert "Traceback" not in stderr.decode() and "nope" not in stderr.decode()
    assert "Unclosed" not in stderr.decode()


async def test_discord_with_a_refused_token_is_one_line_without_the_token():
    async with emulator() as discord:
        process = await sanad(
            "discord",
            "--sources",
            str(SEEDS),
            env={
                "SANAD_DISCORD_TOKEN": DISCORD_TOKEN[:-6] + "wrong!",
                "SANAD_DISCORD_API_URL": discord.rest_url,
            },
        )
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert lines[-1].startswith("sanad: error: Discord rejected the bot token")
    assert "wrong!" not in stderr.decode() and "Traceback" not in stderr.decode()


@pytest.mark.parametrize("token", ["notatoken", "123456789012345678"])
async def test_a_malformed_discord_token_is_one_line_and_takes_no_platform_up(token, seeds_copy):
    # With Telegram configured too, and its Bot API unreachable: the bot stops at once rather
    # than after Telegram's retries (or serving Telegram alone).
    process = await sanad(
        "run",
        env={
            "SANAD_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "SANAD_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "SANAD_DISCORD_TOKEN": token,
            "SANAD_DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
            "SANAD_SOURCES_DIR": str(seeds_copy),
        },
    )
    _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    text = stderr.decode()
    assert process.returncode == 2, text
    assert text.strip().splitlines()[-1] == (
        "sanad: error: SANAD_DISCORD_TOKEN is not a Discord bot token: copy it from the "
        "developer portal (Bot → Reset Token), without a 'Bot ' in front"
    )
    assert "Traceback" not in text and token not in text
    assert "attempt 2 of" not in text


async def test_sigint_while_the_bot_api_is_unreachable_stops_at_once(seeds_copy):
    process = await sanad(
        "run",
        env={
            "SANAD_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "SANAD_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "SANAD_TELEGRAM_CONNECT_ATTEMPTS": "20",
            "SANAD_SOURCES_DIR": str(seeds_copy),
        },
    )
    first_retry = b""
    while b"Bot API unreachable (attempt 1 of 20" not in first_retry:
        line = await asyncio.wait_for(process.stderr.readline(), STARTUP)
        assert line, "the bot ended before trying the Bot API"
        first_retry += line
    process.send_signal(signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    # Between retries 1, 2, 4… s apart: stopped before the next one, not after all twenty.
    assert b"attempt 3 of 20" not in stderr, stderr.decode()
    assert process.returncode in (0, 130, -signal.SIGINT), stderr.decode()
    assert b"Traceback" not in stderr


async def test_discord_without_a_token_says_which_variable_to_set():
    process = await sanad("discord", env={})
    _, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 2
    assert stderr.decode().strip() == (
        "sanad: error: no Discord token: set SANAD_DISCORD_TOKEN in the environment"
    )


async def test_discord_preview_prints_the_payload_a_person_can_check():
    process = await sanad("discord-preview", "--sources", str(SEEDS), QUESTION, env={})
    stdout, stderr = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 0, stderr.decode()
    payload = json.loads(stdout)
    assert visible_text(payload["content"]).splitlines() == [
        f"-# ❓ {QUESTION}",
        messages.ANSWER_INTRO,
    ]
    assert payload["allowed_mentions"] == {"parse": []} and len(payload["embeds"]) == 2
    assert "**ناسداك**" in payload["embeds"][0]["description"]


async def test_run_without_any_token_is_the_console_chat():
    process = await sanad("run", "--sources", str(SEEDS), env={})
    stdout, stderr = await asyncio.wait_for(process.communicate(f"{QUESTION}\n".encode()), 60)
    assert process.returncode == 0, stderr.decode()
    text = stdout.decode()
    assert "SANAD_TELEGRAM_TOKEN, SANAD_DISCORD_TOKEN" in text and "ناسداك" in text
