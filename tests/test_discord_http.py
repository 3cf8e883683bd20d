"""End to end: Sanad's HTTP-interactions server against the emulator's signed POSTs.

Several replicas can serve one application behind a load balancer: each holds its own index
and nothing about any conversation, so a button pressed on one replica's answer is served by
another.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator

import pytest
from discordapi import CHANNEL_ID, PERSON, DiscordApiEmulator, Interaction
from discordbot import emulator, make_settings, rejected, response_to, visible_text

from bot.discord.app import INTERACTIONS_PATH, running_interactions_server
from bot.logs import SIGNATURE_LINE, configure_logging, install_redaction, remove_library_lines
from bot.service import messages
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from retrieval.library import Library

QUESTION = "بكم انخفض مؤشر ناسداك؟"
INTERACTION_SERVER = "hikari.interaction_server"
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
PAGED = "بكم انخفض سهم إنفيديا يوم الاثنين؟"


@pytest.fixture
async def api():
    async with emulator() as running:
        yield running


def http_settings(api: DiscordApiEmulator, sources, **extra) -> Settings:
    return make_settings(
        api,
        sources,
        discord_public_key=api.public_key_hex,
        discord_interactions_listen="127.0.0.1",
        **extra,
    )


@contextlib.asynccontextmanager
async def replica(api: DiscordApiEmulator, settings: Settings) -> AsyncIterator[str]:
    """One replica serving interactions on a free loopback port; yields its endpoint URL."""
    service = Sanad(settings, Library.open(settings.sources_dir))
    async with running_interactions_server(service, port=0) as runner:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}{INTERACTIONS_PATH}"


@pytest.fixture
async def url(api, seeds_copy):
    async with replica(api, http_settings(api, seeds_copy)) as endpoint:
        yield endpoint


async def test_ping_is_answered_with_pong(api, url):
    result = await api.post_interaction(url, api.ping())
    assert (result.status, result.body, result.accepted) == (200, {"type": 1}, True)


@pytest.mark.parametrize("signature", ["invalid", "missing"])
async def test_a_forged_or_unsigned_request_is_refused_and_not_served(api, url, signature):
    command = api.slash_command("ask", {"question": QUESTION})
    result = await api.post_interaction(url, command, signature=signature)
    assert 400 <= result.status < 500 and not result.accepted
    assert command.response_type is None and api.sent == []


@pytest.fixture
def operator_log():
    """What ``sanad discord`` writes to stderr, as configured by it, formatted the same way."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    configure_logging(Settings(log_level="INFO"))
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    remove_library_lines()
    install_redaction([])


async def test_forged_requests_are_one_warning_line_each_without_traceback(api, url, operator_log):
    # Discord sends invalid signatures as routine checks, and scanners do too.
    for _ in range(2):
        forged = await api.post_interaction(
            url, api.slash_command("ask", {"question": QUESTION}), signature="invalid"
        )
        assert (forged.status, forged.body) == (400, "Invalid request signature")
    answered = await api.post_interaction(url, api.slash_command("ask", {"question": QUESTION}))
    assert answered.accepted
    lines = operator_log.getvalue().splitlines()
    refusal = f"WARNING {INTERACTION_SERVER}: {SIGNATURE_LINE}"
    assert [line for line in lines if INTERACTION_SERVER in line] == [refusal] * 2
    assert not any("Traceback" in line or "nacl" in line for line in lines)


async def test_signed_requests_hikari_cannot_read_are_one_line_each_without_the_payload(
    api, url, operator_log
):
    # Discord adds kinds of interaction and fields over time; a body it signed may be one the
    # installed hikari cannot read. Its payload holds the interaction's token.
    asked = api.slash_command("ask", {"question": QUESTION})
    unreadable = [
        {**asked.payload, "id": "1", "data": {"name": "ask", "options": 5}},
        {"id": "2", "token": "secret-interaction-token"},  # no type
        {**asked.payload, "id": "3", "type": "two"},
    ]
    statuses = [(await api.post_interaction(url, Interaction(p))).status for p in unreadable]
    assert statuses == [500, 400, 400]
    answered = await api.post_interaction(url, api.slash_command("ask", {"question": QUESTION}))
    assert answered.accepted
    logged = operator_log.getvalue()
    lines = [line for line in logged.splitlines() if line.split(" ")[0] in LEVELS]
    assert [line.split(":")[0] for line in lines] == [
        "ERROR asyncio",
        f"WARNING {INTERACTION_SERVER}",
        f"WARNING {INTERACTION_SERVER}",
    ]
    assert "TypeError" in lines[0] and "no interaction type" in lines[1]
    assert "not a JSON object (ValueError" in lines[2]
    assert "Traceback" not in logged and asked.payload["token"] not in logged
    assert "secret-interaction-token" not in logged


async def test_commands_are_registered_at_start(api, url):
    assert "ask" in {c["name"] for c in api.commands[None]}


async def test_ask_is_answered_in_the_http_response(api, url):
    command = api.slash_command("ask", {"question": QUESTION, "private": True})
    result = await api.post_interaction(url, command)
    assert result.status == 200 and result.accepted and result.error is None
    assert result.body["type"] == 4 and result.body["data"]["allowed_mentions"] == {"parse": []}
    [answer] = api.sent
    assert answer.ephemeral and answer.pings == frozenset()
    lines = visible_text(answer.content).splitlines()
    assert lines == [f"-# ❓ {QUESTION}", messages.ANSWER_INTRO]
    assert "**ناسداك**" in answer.message["embeds"][0]["description"]
    assert [r.route for r in api.requests if r.route.startswith("POST")] == []  # no REST call


async def test_a_press_is_served_by_another_replica(api, seeds_copy):
    settings = http_settings(api, seeds_copy)
    async with replica(api, settings) as first, replica(api, settings) as second:
        command = api.slash_command("ask", {"question": PAGED}, user=PERSON)
        await api.post_interaction(first, command)
        answer = await response_to(api, command)
        press = api.button_press(api.messages[answer.message["id"]], "more:3")
        result = await api.post_interaction(second, press)
        vote = api.button_press(api.messages[answer.message["id"]], "fb:1")
        voted = await api.post_interaction(second, vote)
    assert result.accepted and voted.accepted and vote.response_type == 7
    [page] = [s for s in api.sent if s.interaction_id == press.id]
    assert visible_text(page.content).splitlines() == [f"-# ❓ {PAGED}", messages.MORE_INTRO]
    assert page.message["channel_id"] == CHANNEL_ID and rejected(api) == []


async def test_a_slow_answer_is_deferred_then_edited_over_rest(api, seeds_copy):
    async with replica(api, http_settings(api, seeds_copy, discord_defer_after_ms=0)) as url:
        command = api.slash_command("ask", {"question": QUESTION})
        result = await api.post_interaction(url, command)
        answer = await response_to(api, command)
    assert result.body == {"type": 5} and result.accepted
    assert answer.request.route == "PATCH /webhooks/{application}/{token}/messages/{message}"
    assert visible_text(answer.content).splitlines()[1] == messages.ANSWER_INTRO
    assert rejected(api) == []
