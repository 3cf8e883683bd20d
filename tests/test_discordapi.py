"""The Discord API emulator, proven against the real hikari over loopback.

Each test drives hikari (GatewayBot, RESTBot or RESTApp) against ``discordapi`` and checks what
Discord would do: what the bot receives, what it may send, and what it is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
import hikari
import pytest
from discordapi import (
    BOT_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    INTERACTION_DEFAULT_PARSE,
    MODERATORS_ROLE_ID,
    OTHER_PERSON_ID,
    PERSON,
    PERSON_ID,
    TOKEN,
    DiscordApiEmulator,
    free_port_socket,
    pings,
)

CREATE_MESSAGE = "POST /channels/{channel}/messages"
CALLBACK = "POST /interactions/{interaction}/{token}/callback"


@pytest.fixture
async def api() -> AsyncIterator[DiscordApiEmulator]:
    emulator = DiscordApiEmulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@contextlib.asynccontextmanager
async def gateway_bot(
    api: DiscordApiEmulator, intents: hikari.Intents = hikari.Intents.ALL_UNPRIVILEGED
) -> AsyncIterator[hikari.GatewayBot]:
    """A started hikari GatewayBot on the emulator, closed on exit."""
    bot = hikari.GatewayBot(
        TOKEN,
        rest_url=api.rest_url,
        intents=intents,
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )
    try:
        await bot.start(check_for_updates=False)
        yield bot
    finally:
        await bot.close()  # also after a failed start, which leaves hikari's REST session open


@pytest.fixture
async def rest(api: DiscordApiEmulator) -> AsyncIterator[hikari.api.RESTClient]:
    """hikari's REST client alone, authenticated with the bot token."""
    app = hikari.RESTApp(url=api.rest_url)
    await app.start()
    async with app.acquire(TOKEN, hikari.TokenType.BOT) as client:
        yield client
    await app.close()


def interactions_of(bot: hikari.GatewayBot) -> asyncio.Queue:
    """A queue of the interactions ``bot`` receives."""
    queue: asyncio.Queue = asyncio.Queue()

    async def put(event: hikari.InteractionCreateEvent) -> None:
        await queue.put(event.interaction)

    bot.subscribe(hikari.InteractionCreateEvent, put)
    return queue


async def register_commands(rest: hikari.api.RESTClient) -> None:
    """/ask with a string and an attachment option, and a message command, by bulk overwrite."""
    ask = (
        rest.slash_command_builder("ask", "اسأل سند")
        .add_option(
            hikari.CommandOption(
                type=hikari.OptionType.STRING,
                name="question",
                description="السؤال",
                is_required=True,
            )
        )
        .add_option(
            hikari.CommandOption(type=hikari.OptionType.ATTACHMENT, name="file", description="ملف")
        )
    )
    ask_message = rest.context_menu_command_builder(hikari.CommandType.MESSAGE, "اسأل سند")
    await rest.set_application_commands(BOT_ID, [ask, ask_message])


# ----- gateway ---------------------------------------------------------------------------------


async def test_gateway_bot_connects_receives_a_mention_and_replies(api):
    received: asyncio.Queue[hikari.GuildMessageCreateEvent] = asyncio.Queue()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.GuildMessageCreateEvent, received.put)
        assert bot.get_me() is not None and str(bot.get_me().id) == BOT_ID
        assert bot.cache.get_guild(int(GUILD_ID)) is not None
        question = await api.user_message(f"<@{BOT_ID}> كم انخفض مؤشر ناسداك؟")
        event = await asyncio.wait_for(received.get(), 5)
        assert event.content == question["content"]
        assert event.author.id == int(PERSON_ID)
        await bot.rest.create_message(event.channel_id, "الجواب", reply=event.message)
        [sent] = await api.wait_for_sent(channel_id=CHANNEL_ID)
        assert sent.message["message_reference"]["message_id"] == question["id"]
        assert sent.message["type"] == 19
        own = await asyncio.wait_for(received.get(), 5)  # Discord echoes the bot's own message
        assert own.author.id == int(BOT_ID) and own.content == "الجواب"


async def test_guild_chatter_arrives_without_content_unless_the_intent_is_enabled(api):
    received: asyncio.Queue[hikari.GuildMessageCreateEvent] = asyncio.Queue()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.GuildMessageCreateEvent, received.put)
        await api.user_message("صباح الخير يا جماعة")
        event = await asyncio.wait_for(received.get(), 5)
        assert event.content is None  # MESSAGE_CONTENT is privileged and was not requested
        dm = await api.user_message("سؤال في الخاص", channel_id=api.dm_channel_id(PERSON_ID))
    assert dm["content"] == "سؤال في الخاص"


async def test_identifying_with_a_privileged_intent_not_enabled_is_refused(api):
    intents = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT
    with pytest.raises(hikari.GatewayServerClosedConnectionError) as refused:
        async with gateway_bot(api, intents):
            pass
    assert refused.value.code == 4014


async def test_with_the_intent_enabled_chatter_and_dms_carry_content(api):
    api.message_content_enabled = True
    received: asyncio.Queue[hikari.MessageCreateEvent] = asyncio.Queue()
    intents = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT
    async with gateway_bot(api, intents) as bot:
        bot.subscribe(hikari.MessageCreateEvent, received.put)
        await api.user_message("صباح الخير يا جماعة")
        event = await asyncio.wait_for(received.get(), 5)
    assert event.content == "صباح الخير يا جماعة"


async def test_a_reply_to_the_bot_is_readable_only_when_it_pings_the_bot(api, rest):
    answer = await rest.create_message(int(CHANNEL_ID), "جواب سند")
    stored = api.messages[str(answer.id)]
    received: asyncio.Queue[hikari.GuildMessageCreateEvent] = asyncio.Queue()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.GuildMessageCreateEvent, received.put)
        await api.user_message("وماذا عن إنفيديا؟", reply_to=stored)
        pinged = await asyncio.wait_for(received.get(), 5)
        await api.user_message("وماذا عن أبل؟", reply_to=stored, mention_reply=False)
        silent = await asyncio.wait_for(received.get(), 5)
    assert pinged.content == "وماذا عن إنفيديا؟"
    assert pinged.message.referenced_message.id == answer.id
    assert silent.content is None and silent.message.referenced_message.author.id == int(BOT_ID)


async def test_an_edited_question_arrives_as_message_update(api):
    updates: asyncio.Queue[hikari.GuildMessageUpdateEvent] = asyncio.Queue()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.GuildMessageUpdateEvent, updates.put)
        question = await api.user_message(f"<@{BOT_ID}> كم انخفض ناسداك")
        await api.edit_user_message(question, f"<@{BOT_ID}> كم انخفض مؤشر ناسداك؟")
        event = await asyncio.wait_for(updates.get(), 5)
    assert event.message.id == int(question["id"])
    assert event.message.content == f"<@{BOT_ID}> كم انخفض مؤشر ناسداك؟"
    assert event.message.edited_timestamp is not None


async def raw_gateway(api: DiscordApiEmulator, query: str = "v=10&encoding=json"):
    """A bare websocket to the gateway, for what hikari never sends."""
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"{api.gateway_url}?{query}")
    return session, ws


IDENTIFY = {"op": 2, "d": {"token": TOKEN, "intents": 513, "properties": {}}}


@pytest.mark.parametrize(
    ("query", "sent", "close_code"),
    [
        ("v=9&encoding=json", [], 4012),
        ("v=10&encoding=json", [{"op": 3, "d": {}}], 4003),
        ("v=10&encoding=json", [{"op": 2, "d": {"token": "wrong", "intents": 513}}], 4004),
        ("v=10&encoding=json", [IDENTIFY, IDENTIFY], 4005),
        ("v=10&encoding=json", [{"op": 2, "d": {**IDENTIFY["d"], "intents": 1 << 30}}], 4013),
        ("v=10&encoding=json", [IDENTIFY, {"op": 99, "d": None}], 4001),
    ],
    ids=["api version", "before identify", "bad token", "identify twice", "bad intent", "opcode"],
)
async def test_gateway_closes_with_discords_codes(api, query, sent, close_code):
    session, ws = await raw_gateway(api, query)
    frames = []
    for payload in sent:
        await ws.send_json(payload)
    async for frame in ws:
        if frame.type == aiohttp.WSMsgType.TEXT:
            frames.append(json.loads(frame.data))
    await session.close()
    assert ws.close_code == close_code
    if close_code != 4012:
        assert frames[0]["op"] == 10 and frames[0]["d"]["heartbeat_interval"] > 0


async def test_gateway_acknowledges_heartbeats_and_sends_ready_then_guild_create(api):
    session, ws = await raw_gateway(api)
    hello = await ws.receive_json()
    await ws.send_json({"op": 1, "d": None})
    ack = await ws.receive_json()
    await ws.send_json(IDENTIFY)
    ready, guild = await ws.receive_json(), await ws.receive_json()
    await ws.close()
    await session.close()
    assert (hello["op"], ack["op"]) == (10, 11)
    assert (ready["t"], ready["s"], guild["t"], guild["s"]) == ("READY", 1, "GUILD_CREATE", 2)
    assert ready["d"]["guilds"] == [{"id": GUILD_ID, "unavailable": True}]
    assert ready["d"]["resume_gateway_url"] == api.gateway_url
    assert guild["d"]["id"] == GUILD_ID and guild["d"]["channels"][0]["id"] == CHANNEL_ID


async def test_hikari_reconnects_after_the_gateway_drops(api):
    received: asyncio.Queue[hikari.GuildMessageCreateEvent] = asyncio.Queue()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.GuildMessageCreateEvent, received.put)
        await api.drop_gateway()
        resumed = await api.wait_for(
            lambda: [p for s in api.sessions if s.intents for p in s.received if p["op"] == 6],
            timeout=10,
        )
        await api.user_message(f"<@{BOT_ID}> هل عدت؟")
        event = await asyncio.wait_for(received.get(), 5)
    assert event.content == f"<@{BOT_ID}> هل عدت؟"
    assert resumed[0]["d"]["seq"] == 2  # READY and GUILD_CREATE were seen


# ----- REST: authentication, limits, empty messages --------------------------------------------


async def test_a_wrong_token_is_refused_with_401(api):
    app = hikari.RESTApp(url=api.rest_url)
    await app.start()
    async with app.acquire(TOKEN[:-4] + "XXXX", hikari.TokenType.BOT) as client:
        with pytest.raises(hikari.UnauthorizedError) as refused:
            await client.fetch_my_user()
    await app.close()
    assert refused.value.status == 401 and refused.value.message == "401: Unauthorized"


async def test_content_is_counted_in_code_points(api, rest):
    emoji = "🙂" * 2000  # 4000 UTF-16 units, 2000 code points: Discord accepts it
    await rest.create_message(int(CHANNEL_ID), emoji)
    with pytest.raises(hikari.BadRequestError) as refused:
        await rest.create_message(int(CHANNEL_ID), "ا" * 2001)
    assert refused.value.code == 50035
    assert refused.value.errors["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    [sent] = api.sent
    assert sent.content == emoji


def embed(**fields: str) -> hikari.Embed:
    return hikari.Embed(**fields)


LIMIT_VIOLATIONS = {
    "eleven embeds": (dict(embeds=[embed(description="ن")] * 11), ["embeds"]),
    "title 257": (dict(embed=embed(title="ع" * 257)), ["embeds", "0", "title"]),
    "description 4097": (
        dict(embed=embed(description="ن" * 4097)),
        ["embeds", "0", "description"],
    ),
    "footer 2049": (
        dict(embed=embed(description="ن").set_footer("ف" * 2049)),
        ["embeds", "0", "footer", "text"],
    ),
    "field name 257": (
        dict(embed=embed(description="ن").add_field("ا" * 257, "ب")),
        ["embeds", "0", "fields", "0", "name"],
    ),
    "field value 1025": (
        dict(embed=embed(description="ن").add_field("ا", "ب" * 1025)),
        ["embeds", "0", "fields", "0", "value"],
    ),
    "embeds over 6000 together": (
        dict(embeds=[embed(description="ن" * 4000), embed(description="ن" * 2001)]),
        ["embeds"],
    ),
}


@pytest.mark.parametrize("case", LIMIT_VIOLATIONS, ids=list(LIMIT_VIOLATIONS))
async def test_embed_limits_are_refused_with_invalid_form_body(api, rest, case):
    kwargs, path = LIMIT_VIOLATIONS[case]
    with pytest.raises(hikari.BadRequestError) as refused:
        await rest.create_message(int(CHANNEL_ID), **kwargs)
    assert refused.value.code == 50035 and refused.value.message == "Invalid Form Body"
    node = refused.value.errors
    for key in path:
        node = node[key]
    assert node["_errors"]
    assert api.sent == []


async def test_embed_limits_count_trimmed_text_and_accept_the_exact_limits(api, rest):
    exact = embed(title="ع" * 256, description="ن" * 4096).set_footer("ف" * 1648)
    await rest.create_message(int(CHANNEL_ID), embed=exact)  # 6000 in total
    padded = embed(title="  " + "ع" * 256 + "  ", description="ن")
    await rest.create_message(int(CHANNEL_ID), embed=padded)
    assert len(api.sent) == 2


def row(rest: hikari.api.RESTClient, *custom_ids: str) -> hikari.api.MessageActionRowBuilder:
    built = rest.build_message_action_row()
    for custom_id in custom_ids:
        built.add_interactive_button(hikari.ButtonStyle.SECONDARY, custom_id, label="زر")
    return built


async def test_component_limits_are_refused(api, rest):
    six_rows = [row(rest, f"r{i}") for i in range(6)]
    six_buttons = [row(rest, *(f"b{i}" for i in range(6)))]
    duplicated = [row(rest, "more:3"), row(rest, "more:3")]
    long_label = rest.build_message_action_row().add_interactive_button(
        hikari.ButtonStyle.PRIMARY, "fb:1", label="ت" * 81
    )
    long_id = [row(rest, "x" * 101)]
    refusals = {}
    for name, components in {
        "six rows": six_rows,
        "six buttons": six_buttons,
        "duplicated custom_id": duplicated,
        "label 81": [long_label],
        "custom_id 101": long_id,
    }.items():
        with pytest.raises(hikari.BadRequestError) as refused:
            await rest.create_message(int(CHANNEL_ID), "نص", components=components)
        refusals[name] = json.dumps(refused.value.errors)
    assert "BASE_TYPE_MAX_LENGTH" in refusals["six rows"]
    assert "COMPONENT_LAYOUT_WIDTH_EXCEEDED" in refusals["six buttons"]
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in refusals["duplicated custom_id"]
    assert "BASE_TYPE_MAX_LENGTH" in refusals["label 81"]
    assert "BASE_TYPE_BAD_LENGTH" in refusals["custom_id 101"]
    assert api.sent == []


async def test_link_and_interactive_buttons_need_their_own_fields(api, rest):
    link_with_id = {
        "type": 2,
        "style": 5,
        "label": "المصدر",
        "url": "https://e.org",
        "custom_id": "x",
    }
    link_without_url = {"type": 2, "style": 5, "label": "المصدر"}
    button_with_url = {
        "type": 2,
        "style": 1,
        "label": "المزيد",
        "custom_id": "m",
        "url": "https://e.org",
    }
    button_without_id = {"type": 2, "style": 1, "label": "المزيد"}
    for button, field in [
        (link_with_id, "custom_id"),
        (link_without_url, "url"),
        (button_with_url, "url"),
        (button_without_id, "custom_id"),
    ]:
        status, body = await raw_request(
            api,
            "POST",
            f"/channels/{CHANNEL_ID}/messages",
            {"content": "نص", "components": [{"type": 1, "components": [button]}]},
        )
        assert status == 400 and body["code"] == 50035
        assert field in body["errors"]["components"]["0"]["components"]["0"]
    link = rest.build_message_action_row().add_link_button("https://example.org/a", label="المصدر")
    await rest.create_message(int(CHANNEL_ID), "نص", component=link)


async def test_an_empty_message_is_refused_with_50006(api, rest):
    for content in ("", "   \n"):
        status, body = await raw_request(
            api, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": content}
        )
        assert (status, body["code"]) == (400, 50006)
    with pytest.raises(hikari.BadRequestError) as refused:
        await rest.create_message(int(CHANNEL_ID), "", components=[])
    assert refused.value.code == 50006


async def test_message_routes_refuse_unknown_channels_messages_and_replies(api, rest):
    with pytest.raises(hikari.NotFoundError) as channel:
        await rest.create_message(123, "نص")
    assert channel.value.code == 10003
    with pytest.raises(hikari.NotFoundError) as message:
        await rest.fetch_message(int(CHANNEL_ID), 456)
    assert message.value.code == 10008
    with pytest.raises(hikari.BadRequestError) as reply:
        await rest.create_message(int(CHANNEL_ID), "نص", reply=789)
    assert "MESSAGE_REFERENCE_UNKNOWN_MESSAGE" in json.dumps(reply.value.errors)


async def test_messages_are_edited_fetched_and_deleted(api, rest):
    sent = await rest.create_message(int(CHANNEL_ID), "الصفحة الأولى")
    await rest.edit_message(int(CHANNEL_ID), sent.id, "الصفحة الثانية")
    fetched = await rest.fetch_message(int(CHANNEL_ID), sent.id)
    assert fetched.content == "الصفحة الثانية" and fetched.edited_timestamp is not None
    with pytest.raises(hikari.BadRequestError) as emptied:
        await rest.edit_message(int(CHANNEL_ID), sent.id, "")
    assert emptied.value.code == 50006
    question = await api.user_message("سؤال")
    with pytest.raises(hikari.ForbiddenError) as foreign:
        await rest.edit_message(int(CHANNEL_ID), int(question["id"]), "تعديل")
    assert foreign.value.code == 50005
    await rest.delete_message(int(CHANNEL_ID), sent.id)
    with pytest.raises(hikari.NotFoundError):
        await rest.fetch_message(int(CHANNEL_ID), sent.id)


async def raw_request(
    api: DiscordApiEmulator, method: str, path: str, body: object
) -> tuple[int, dict]:
    """A request hikari would never build, to check the emulator's answer to it."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, api.rest_url + path, json=body, headers={"Authorization": f"Bot {TOKEN}"}
        ) as response,
    ):
        return response.status, await response.json()


# ----- failures: 429 and 500 --------------------------------------------------------------------


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_a_429_is_retried_after_retry_after_and_the_message_arrives(api, rest, is_global):
    await rest.create_message(int(CHANNEL_ID), "قبل")  # hikari learns the bucket from headers
    api.fail_next(CREATE_MESSAGE, 429, retry_after=0.3, is_global=is_global)
    await rest.create_message(int(CHANNEL_ID), "جواب")
    _, limited, accepted = api.requests_of(CREATE_MESSAGE, ok=None)
    assert (limited.status, accepted.status) == (429, 200)
    assert limited.response["retry_after"] == 0.3 and limited.response["global"] is is_global
    assert accepted.at - limited.at >= 0.3
    assert [s.content for s in api.sent] == ["قبل", "جواب"]


async def test_hikari_paces_itself_by_the_advertised_bucket(api, rest):
    api.bucket_limit, api.bucket_window = 2, 0.5
    await rest.create_message(int(CHANNEL_ID), "الأولى")  # hikari learns the bucket from it
    await asyncio.gather(*(rest.create_message(int(CHANNEL_ID), f"رسالة {i}") for i in range(5)))
    accepted = api.requests_of(CREATE_MESSAGE, ok=None)
    assert [r.status for r in accepted] == [200] * 6 and len(api.sent) == 6
    assert accepted[5].at - accepted[0].at >= 2 * 0.5  # six requests at two a window


async def test_a_spent_bucket_is_refused_per_channel(api):
    api.bucket_limit, api.bucket_window = 2, 60.0
    dm = api.dm_channel_id(PERSON_ID)
    answers = [
        await raw_request(api, "POST", f"/channels/{dm}/messages", {"content": "نص"})
        for _ in range(3)
    ]
    assert [status for status, _ in answers] == [200, 200, 429]
    refusal = answers[2][1]
    assert refusal["global"] is False and 59 < refusal["retry_after"] <= 60
    status, _ = await raw_request(
        api, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": "نص"}
    )
    assert status == 200  # another channel is another bucket


async def test_a_500_is_retried_and_the_message_arrives(api, rest):
    api.fail_next(CREATE_MESSAGE, 500)
    await rest.create_message(int(CHANNEL_ID), "جواب")
    assert [r.status for r in api.requests_of(CREATE_MESSAGE, ok=None)] == [500, 200]
    assert [s.content for s in api.sent] == ["جواب"]


async def test_a_429_answer_carries_discords_headers_and_body(api):
    api.fail_next(CREATE_MESSAGE, 429, retry_after=1.5, scope="user")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api.rest_url}/channels/{CHANNEL_ID}/messages",
            json={"content": "x"},
            headers={"Authorization": f"Bot {TOKEN}"},
        ) as response,
    ):
        body = await response.json()
        headers = response.headers
    assert response.status == 429
    assert body == {
        "message": "You are being rate limited.",
        "code": 0,
        "retry_after": 1.5,
        "global": False,
    }
    assert headers["Retry-After"] == "2" and headers["X-RateLimit-Remaining"] == "0"
    assert (
        headers["X-RateLimit-Scope"] == "user" and float(headers["X-RateLimit-Reset-After"]) == 1.5
    )


# ----- interactions over the gateway -----------------------------------------------------------


async def test_commands_are_registered_by_bulk_overwrite_and_checked(api, rest):
    await register_commands(rest)
    names = {(c["type"], c["name"]) for c in api.commands[None]}
    assert names == {(1, "ask"), (3, "اسأل سند")}
    guild_ask = rest.slash_command_builder("ask", "اسأل").set_description_localizations(
        {hikari.Locale.EN_US: "Ask Sanad"}
    )
    await rest.set_application_commands(BOT_ID, [guild_ask], guild=int(GUILD_ID))
    assert [c["name"] for c in api.commands[GUILD_ID]] == ["ask"]
    for bad in (
        rest.slash_command_builder("Ask", "اسأل"),  # slash names are lowercase
        rest.slash_command_builder("ask", ""),  # a slash command needs a description
    ):
        with pytest.raises(hikari.BadRequestError) as refused:
            await rest.set_application_commands(BOT_ID, [bad])
        assert refused.value.code == 50035
    status, body = await raw_request(
        api,
        "PUT",
        f"/applications/{BOT_ID}/commands",
        [{"name": "ask", "description": "اسأل", "description_localizations": {"ar": "اسأل"}}],
    )
    assert status == 400 and "LOCALE_TYPE_INVALID" in json.dumps(body)  # Arabic is no locale
    assert {c["name"] for c in api.commands[None]} == {
        "ask",
        "اسأل سند",
    }  # refusals changed nothing


async def test_slash_command_over_the_gateway_is_answered_once(api):
    async with gateway_bot(api) as bot:
        interactions = interactions_of(bot)
        echoes: asyncio.Queue[hikari.GuildMessageCreateEvent] = asyncio.Queue()
        bot.subscribe(hikari.GuildMessageCreateEvent, echoes.put)
        await register_commands(bot.rest)
        sent = api.slash_command("ask", {"question": "ما ديب سيك؟"})
        await api.send_interaction(sent)
        interaction = await asyncio.wait_for(interactions.get(), 5)
        assert interaction.command_name == "ask"
        assert interaction.options[0].name == "question"
        assert interaction.options[0].value == "ما ديب سيك؟"
        assert interaction.member is not None and interaction.member.id == int(PERSON_ID)
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, "الجواب", flags=hikari.MessageFlag.EPHEMERAL
        )
        with pytest.raises(hikari.BadRequestError) as again:
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, "مرة ثانية"
            )
        assert again.value.code == 40060
        await interaction.execute("متابعة")
        echo = await asyncio.wait_for(echoes.get(), 5)  # the ephemeral answer is never echoed
        original = await interaction.fetch_initial_response()
    assert original.content == "الجواب"
    assert echo.content == "متابعة" and echo.author.id == int(BOT_ID)
    answer, followup = api.sent
    assert answer.ephemeral and answer.interaction_id == sent.id and answer.content == "الجواب"
    assert not followup.ephemeral and followup.content == "متابعة"
    assert sent.response_type == 4 and sent.ephemeral


async def test_a_late_initial_response_is_unknown_interaction(api, rest):
    await register_commands(rest)
    api.interaction_deadline = 0.0  # any response is now past the deadline
    interaction = api.slash_command("ask", {"question": "سؤال"})
    await api.send_interaction(interaction)
    with pytest.raises(hikari.NotFoundError) as late:
        await rest.create_interaction_response(
            interaction.id, interaction.token, hikari.ResponseType.MESSAGE_CREATE, "متأخر"
        )
    assert late.value.code == 10062 and late.value.message == "Unknown interaction"
    assert api.sent == [] and interaction.response_type is None


async def test_followups_and_original_edits_need_an_initial_response(api, rest):
    await register_commands(rest)
    interaction = api.slash_command("ask", {"question": "سؤال"})
    await api.send_interaction(interaction)
    with pytest.raises(hikari.NotFoundError) as early_edit:
        await rest.edit_interaction_response(int(BOT_ID), interaction.token, "تعديل")
    with pytest.raises(hikari.NotFoundError) as early_followup:
        await rest.execute_webhook(int(BOT_ID), interaction.token, "متابعة")
    assert early_edit.value.code == early_followup.value.code == 10015
    await rest.create_interaction_response(
        interaction.id, interaction.token, hikari.ResponseType.DEFERRED_MESSAGE_CREATE
    )
    assert api.sent == []  # "thinking…" shows nothing yet
    await rest.edit_interaction_response(int(BOT_ID), interaction.token, "الجواب بعد التفكير")
    [answer] = api.sent
    assert answer.content == "الجواب بعد التفكير" and not answer.message["flags"] & 128


async def test_interaction_responses_meet_the_message_limits(api, rest):
    await register_commands(rest)
    interaction = api.slash_command("ask", {"question": "سؤال"})
    await api.send_interaction(interaction)
    with pytest.raises(hikari.BadRequestError) as long:
        await rest.create_interaction_response(
            interaction.id, interaction.token, hikari.ResponseType.MESSAGE_CREATE, "ن" * 2001
        )
    assert long.value.errors["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    with pytest.raises(hikari.BadRequestError) as empty:
        await rest.create_interaction_response(
            interaction.id, interaction.token, hikari.ResponseType.MESSAGE_CREATE, ""
        )
    assert empty.value.code == 50006
    await rest.create_interaction_response(
        interaction.id, interaction.token, hikari.ResponseType.MESSAGE_CREATE, "ن" * 2000
    )
    assert interaction.response_type == 4  # refused attempts did not acknowledge it


async def test_message_command_carries_the_target_message_with_its_content(api):
    async with gateway_bot(api) as bot:
        interactions = interactions_of(bot)
        await register_commands(bot.rest)
        chatter = await api.user_message("كم انخفض مؤشر ناسداك؟", author=PERSON)
        await api.send_interaction(api.message_command("اسأل سند", chatter))
        interaction = await asyncio.wait_for(interactions.get(), 5)
    assert interaction.command_type == hikari.CommandType.MESSAGE
    assert interaction.target_id == int(chatter["id"])
    target = interaction.resolved.messages[int(chatter["id"])]
    assert target.content == "كم انخفض مؤشر ناسداك؟"  # readable without the content intent


async def test_button_press_carries_custom_id_and_the_message_it_is_on(api, rest):
    question = await api.user_message(f"<@{BOT_ID}> ما ديب سيك؟")
    buttons = rest.build_message_action_row()
    buttons.add_interactive_button(hikari.ButtonStyle.SECONDARY, "more:3", label="المزيد")
    buttons.add_interactive_button(hikari.ButtonStyle.SECONDARY, "fb:1", emoji="👍")
    answer = await rest.create_message(
        int(CHANNEL_ID), "الجواب", component=buttons, reply=int(question["id"])
    )
    stored = api.messages[str(answer.id)]
    with pytest.raises(LookupError):
        api.button_press(stored, "more:99")  # Discord's client can only press what exists
    async with gateway_bot(api) as bot:
        interactions = interactions_of(bot)
        press = api.button_press(stored, "more:3", user=PERSON)
        await api.send_interaction(press)
        interaction = await asyncio.wait_for(interactions.get(), 5)
        assert interaction.custom_id == "more:3"
        assert interaction.message.id == answer.id and interaction.message.content == "الجواب"
        assert interaction.message.referenced_message.id == int(question["id"])
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_UPDATE, "الصفحة الثانية", component=buttons
        )
    assert api.messages[str(answer.id)]["content"] == "الصفحة الثانية"
    assert press.response_type == 7


async def test_interaction_messages_carry_the_metadata_of_their_interaction_type(api, rest):
    # message.mdx, Message Interaction Metadata: a message command's answer names its target,
    # a component interaction's message the message pressed, a follow-up the original response.
    await register_commands(rest)
    chatter = await api.user_message("كم انخفض مؤشر ناسداك؟", author=PERSON)
    command = api.message_command("اسأل سند", chatter)
    await api.send_interaction(command)
    buttons = rest.build_message_action_row()
    buttons.add_interactive_button(hikari.ButtonStyle.SECONDARY, "more:3", label="المزيد")
    await rest.create_interaction_response(
        command.id, command.token, hikari.ResponseType.MESSAGE_CREATE, "1", component=buttons
    )
    followup = await rest.execute_webhook(int(BOT_ID), command.token, "2", component=buttons)
    answer = api.messages[command.original_id]
    async with gateway_bot(api) as bot:
        interactions = interactions_of(bot)
        pages = [answer]
        for _ in range(2):  # a press on the page the previous press made
            press = api.button_press(pages[-1], "more:3")
            await api.send_interaction(press)
            pressed = await asyncio.wait_for(interactions.get(), 5)
            await pressed.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, "التالي", component=buttons
            )
            pages.append(api.messages[press.original_id])
        metadata = pressed.message.interaction_metadata
    assert answer["interaction_metadata"]["target_message_id"] == chatter["id"]
    assert "original_response_message_id" not in answer["interaction_metadata"]
    followed = api.messages[str(followup.id)]["interaction_metadata"]
    assert followed["original_response_message_id"] == answer["id"]
    assert [p["interaction_metadata"].get("interacted_message_id") for p in pages] == [
        None,
        answer["id"],
        pages[1]["id"],
    ]
    assert metadata.interacted_message_id == int(answer["id"])  # hikari read the second press


async def test_attachment_option_is_resolved_and_downloadable(api):
    article = '+++\ntitle = "مقال"\n+++\nفقرة أولى.\n'.encode()
    async with gateway_bot(api) as bot:
        interactions = interactions_of(bot)
        await register_commands(bot.rest)
        command = api.slash_command(
            "ask", {"question": "أضف", "file": ("article.md", article, "text/markdown")}
        )
        await api.send_interaction(command)
        interaction = await asyncio.wait_for(interactions.get(), 5)
        file_option = next(o for o in interaction.options if o.name == "file")
        attachment = interaction.resolved.attachments[file_option.value]
        assert attachment.filename == "article.md" and attachment.size == len(article)
        assert await attachment.read() == article
    async with (
        aiohttp.ClientSession() as session,
        session.get(attachment.url.replace("hm=", "hm=0")) as tampered,
    ):
        assert tampered.status == 404  # a signed CDN link refuses any change


async def test_callback_types_are_checked_against_the_interaction(api, rest):
    await register_commands(rest)
    command = api.slash_command("ask", {"question": "سؤال"})
    await api.send_interaction(command)
    with pytest.raises(hikari.BadRequestError) as wrong_type:
        await rest.create_interaction_response(
            command.id, command.token, hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        )
    assert wrong_type.value.code == 50035 and "type" in wrong_type.value.errors
    question = rest.build_modal_action_row().add_text_input("question", "السؤال")
    await rest.create_modal_response(
        command.id, command.token, title="اسأل سند", custom_id="ask-modal", component=question
    )
    assert command.response_type == 9 and api.sent == []
    answer = await rest.create_message(int(CHANNEL_ID), "الجواب", component=row(rest, "more:3"))
    press = api.button_press(api.messages[str(answer.id)], "more:3")
    await api.send_interaction(press)
    await rest.create_interaction_response(
        press.id, press.token, hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
    )
    await rest.edit_interaction_response(int(BOT_ID), press.token, "الصفحة الثانية")
    assert api.messages[str(answer.id)]["content"] == "الصفحة الثانية"
    assert press.response_type == 6 and api.sent[-1].content == "الصفحة الثانية"


async def test_a_persons_attachment_is_downloadable_from_the_cdn_url(api):
    received: asyncio.Queue[hikari.DMMessageCreateEvent] = asyncio.Queue()
    article = "فقرة من مقال.\n".encode()
    async with gateway_bot(api) as bot:
        bot.subscribe(hikari.DMMessageCreateEvent, received.put)
        await api.user_message(
            "أضف هذا المقال",
            channel_id=api.dm_channel_id(PERSON_ID),
            attachments=[("article.txt", article, "text/plain; charset=utf-8")],
        )
        event = await asyncio.wait_for(received.get(), 5)
        [attachment] = event.message.attachments
        assert attachment.filename == "article.txt"
        assert await attachment.read() == article


# ----- HTTP interactions (RESTBot) -------------------------------------------------------------


@contextlib.asynccontextmanager
async def rest_bot(api: DiscordApiEmulator) -> AsyncIterator[tuple[hikari.RESTBot, str]]:
    """A started hikari RESTBot serving interactions on a free loopback port, and its URL."""
    bot = hikari.RESTBot(
        TOKEN,
        hikari.TokenType.BOT,
        public_key=api.public_key_hex,
        rest_url=api.rest_url,
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )
    sock = free_port_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    await bot.start(socket=sock, check_for_updates=False)
    try:
        yield bot, url
    finally:
        await bot.close()
        sock.close()


async def test_rest_bot_answers_ping_with_pong(api):
    async with rest_bot(api) as (_, url):
        result = await api.post_interaction(url, api.ping())
    assert (result.status, result.content_type, result.body) == (
        200,
        "application/json",
        {"type": 1},
    )
    assert result.accepted


async def test_rest_bot_answers_a_signed_slash_command_inline(api, rest):
    await register_commands(rest)
    seen: list[str] = []

    async def ask(interaction: hikari.CommandInteraction) -> hikari.api.InteractionMessageBuilder:
        seen.append(str(interaction.options[0].value))
        return interaction.build_response().set_content("الجواب").set_flags(EPHEMERAL)

    async with rest_bot(api) as (bot, url):
        bot.set_listener(hikari.CommandInteraction, ask)
        command = api.slash_command("ask", {"question": "ما ديب سيك؟"})
        result = await api.post_interaction(url, command)
    assert seen == ["ما ديب سيك؟"]
    assert result.status == 200 and result.accepted and result.error is None
    [answer] = api.sent
    assert answer.content == "الجواب" and answer.ephemeral
    assert command.response_type == 4


async def test_rest_bot_refuses_bad_or_missing_signatures(api, rest):
    await register_commands(rest)
    calls: list[object] = []

    async def ask(interaction: hikari.CommandInteraction) -> hikari.api.InteractionMessageBuilder:
        calls.append(interaction)
        return interaction.build_response().set_content("الجواب")

    async with rest_bot(api) as (bot, url):
        bot.set_listener(hikari.CommandInteraction, ask)
        forged = await api.post_interaction(
            url, api.slash_command("ask", {"question": "س"}), signature="invalid"
        )
        unsigned = await api.post_interaction(
            url, api.slash_command("ask", {"question": "س"}), signature="missing"
        )
    assert 400 <= forged.status < 500 and 400 <= unsigned.status < 500
    assert not forged.accepted and not unsigned.accepted
    assert calls == [] and api.sent == []


async def test_an_inline_answer_after_the_deadline_is_refused(api, rest):
    await register_commands(rest)

    async def ask(interaction: hikari.CommandInteraction) -> hikari.api.InteractionMessageBuilder:
        return interaction.build_response().set_content("الجواب")

    api.interaction_deadline = 0.0
    async with rest_bot(api) as (bot, url):
        bot.set_listener(hikari.CommandInteraction, ask)
        result = await api.post_interaction(url, api.slash_command("ask", {"question": "س"}))
    assert result.status == 200 and not result.accepted
    assert result.error == {"message": "Unknown interaction", "code": 10062}
    assert api.sent == []


# ----- mentions ----------------------------------------------------------------------------------


async def test_hikari_defaults_make_hostile_content_unpingable(api, rest):
    hostile = f"@everyone @here <@{OTHER_PERSON_ID}> <@&{MODERATORS_ROLE_ID}>"
    await rest.create_message(int(CHANNEL_ID), hostile)
    question = await api.user_message("سؤال")
    await rest.create_message(int(CHANNEL_ID), "جواب", reply=int(question["id"]))
    assert api.pingable() == []
    await rest.create_message(int(CHANNEL_ID), hostile, mentions_everyone=True)
    [loud] = api.pingable()
    assert loud.pings == {"@everyone", "@here"}


async def test_without_allowed_mentions_a_channel_message_pings_everything(api):
    hostile = f"@everyone <@{OTHER_PERSON_ID}> <@&{MODERATORS_ROLE_ID}>"
    question = await api.user_message("سؤال")
    status, _ = await raw_request(
        api,
        "POST",
        f"/channels/{CHANNEL_ID}/messages",
        {"content": hostile, "message_reference": {"message_id": question["id"]}},
    )
    assert status == 200
    [sent] = api.pingable()
    assert sent.pings == {
        "@everyone",
        f"<@{OTHER_PERSON_ID}>",
        f"<@&{MODERATORS_ROLE_ID}>",
        f"reply:{PERSON_ID}",
    }


def test_pings_follow_the_allowed_mentions_rules():
    content = {
        "content": f"@here \\@everyone `<@{PERSON_ID}>` <@!{OTHER_PERSON_ID}> <@&{MODERATORS_ROLE_ID}>"
    }
    everything = pings(content, default_parse=("users", "roles", "everyone"))
    assert everything == {
        "@here",
        "@everyone",
        f"<@{PERSON_ID}>",
        f"<@{OTHER_PERSON_ID}>",
        f"<@&{MODERATORS_ROLE_ID}>",
    }
    interaction_default = pings(content, default_parse=INTERACTION_DEFAULT_PARSE)
    assert interaction_default == {f"<@{PERSON_ID}>", f"<@{OTHER_PERSON_ID}>"}
    only_listed = {**content, "allowed_mentions": {"parse": [], "users": [OTHER_PERSON_ID]}}
    assert pings(only_listed, default_parse=()) == {f"<@{OTHER_PERSON_ID}>"}
    nothing = {**content, "allowed_mentions": {"parse": []}}
    assert pings(nothing, default_parse=(), replied_author=PERSON_ID) == frozenset()
    reply = {"content": "جواب", "allowed_mentions": {"parse": [], "replied_user": True}}
    assert pings(reply, default_parse=(), replied_author=PERSON_ID) == {f"reply:{PERSON_ID}"}
    assert pings({"content": "جواب"}, default_parse=(), replied_author=PERSON_ID) == {
        f"reply:{PERSON_ID}"
    }


async def test_contradictory_allowed_mentions_are_refused(api):
    status, body = await raw_request(
        api,
        "POST",
        f"/channels/{CHANNEL_ID}/messages",
        {"content": "x", "allowed_mentions": {"parse": ["users"], "users": [PERSON_ID]}},
    )
    assert status == 400 and body["code"] == 50035 and "allowed_mentions" in body["errors"]
