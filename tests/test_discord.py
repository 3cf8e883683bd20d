"""End to end: Sanad's hikari gateway bot against the local Discord API emulator."""

from __future__ import annotations

import asyncio
import logging

import pytest
from conftest import SEEDS
from discordapi import (
    BOT_ID,
    CHANNEL_ID,
    MODERATORS_ROLE_ID,
    OTHER_PERSON,
    OTHER_PERSON_ID,
    OWNER,
    PERSON,
    PERSON_ID,
    TOKEN,
    clickable_links,
)
from discordbot import (
    ADMIN_ID,
    DIRECTION_CONTROLS,
    emulator,
    gateway_bot,
    make_settings,
    rejected,
    replies_to,
    reply_to,
    response_to,
    visible_text,
)

from bot.discord import render
from bot.discord.app import DiscordStartError
from bot.discord.handlers import ask
from bot.discord.incoming import question_of
from bot.service import messages
from bot.service.policy import CONSOLE, OPERATOR
from retrieval.corpus import load_corpus
from retrieval.library import Library

QUESTION = "بكم انخفض مؤشر ناسداك؟"
PAGED = "بكم انخفض سهم إنفيديا يوم الاثنين؟"  # a confident answer with a second page
WEAK = "هل يستخدم الطلاب ديب سيك؟"  # the collection holds only near passages
UNANSWERABLE = "كيف أطبخ المقلوبة باللحم؟"
BROAD = "تأثير ديب سيك على أسهم إنفيديا"  # four pages of passages
PARAGRAPHS = [p.text for p in load_corpus(SEEDS).paragraphs]


@pytest.fixture
async def api():
    async with emulator() as running:
        yield running


@pytest.fixture
async def bot(api, seeds_copy):
    async with gateway_bot(api, make_settings(api, seeds_copy)) as service:
        yield service


def buttons(sent) -> list[dict]:
    return [b for row in sent.message["components"] for b in row["components"]]


def assert_quotes_are_exact(sent) -> None:
    """Every embed quotes a seed paragraph word for word (ellipses mark the cuts)."""
    assert sent.message["embeds"]
    for embed in sent.message["embeds"]:
        quote = visible_text(embed["description"]).strip("…")
        assert quote and any(quote in paragraph for paragraph in PARAGRAPHS), quote


# ----- asking -----------------------------------------------------------------------------------


async def test_dm_question_gets_quoted_passages_with_sources(api, bot):
    dm = api.dm_channel_id(PERSON_ID)
    question = await api.user_message(QUESTION, channel_id=dm)
    [answer] = await reply_to(api, question)
    content = visible_text(answer.content)
    assert content.splitlines() == [f"-# ❓ {QUESTION}", messages.ANSWER_INTRO]
    first = answer.message["embeds"][0]
    assert "**ناسداك**" in first["description"] and "**مؤشر**" in first["description"]
    assert visible_text(first["title"]) == "ديب سيك تغير قواعد الذكاء الاصطناعي للأبد"
    assert visible_text(first["footer"]["text"]) == "خَبَرَيْن — الفقرة 15 من 28"
    assert_quotes_are_exact(answer)
    assert [b["custom_id"] for b in buttons(answer)] == ["fb:1", "fb:0"]  # 2 passages: no more
    assert answer.pings == frozenset() and answer.request.body["allowed_mentions"] == {"parse": []}
    assert rejected(api) == []


async def test_what_is_sent_is_exactly_what_discord_preview_renders(api, bot):
    question = await api.user_message(PAGED, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    body = dict(answer.request.body)
    del body["message_reference"]
    assert body == await ask(bot, PAGED, OPERATOR, CONSOLE)


async def test_guild_mention_is_answered_and_chatter_ignored(api, bot):
    chatter = await api.user_message("صباح الخير يا جماعة، ما أخبار ديب سيك؟")
    mention = await api.user_message(f"<@{BOT_ID}> {QUESTION}")
    [answer] = await reply_to(api, mention)
    assert visible_text(answer.content).splitlines()[0] == f"-# ❓ {QUESTION}"
    assert replies_to(api, chatter) == [] and len(api.sent) == 1
    assert answer.pings == frozenset()  # the asker is not notified of the reply


async def test_a_reply_to_the_bot_is_a_question(api, bot):
    first = await api.user_message(f"<@{BOT_ID}> {QUESTION}")
    [answer] = await reply_to(api, first)
    follow_up = await api.user_message(PAGED, reply_to=api.messages[answer.message["id"]])
    [second] = await reply_to(api, follow_up)
    assert visible_text(second.content).splitlines()[0] == f"-# ❓ {PAGED}"
    # With its ping switched off a reply's text is hidden from the bot: it is not guessed at.
    silent = await api.user_message(
        WEAK, reply_to=api.messages[answer.message["id"]], mention_reply=False
    )
    sentinel = await api.user_message(f"<@{BOT_ID}> {UNANSWERABLE}")
    await reply_to(api, sentinel)
    assert replies_to(api, silent) == []


async def test_a_dm_without_text_gets_a_hint(api, bot):
    image = ("chart.png", b"\x89PNG\r\n", "image/png")
    dm = api.dm_channel_id(PERSON_ID)
    message = await api.user_message("", channel_id=dm, attachments=[image])
    [hint] = await reply_to(api, message)
    assert visible_text(hint.content) == messages.NOT_TEXT


async def test_an_edited_question_is_answered_again(api, bot):
    dm = api.dm_channel_id(PERSON_ID)
    question = await api.user_message("بكم انخفض مؤشر", channel_id=dm)
    await reply_to(api, question)
    await api.edit_user_message(question, PAGED)
    first, second = await reply_to(api, question, count=2)
    assert visible_text(second.content).splitlines()[0] == f"-# ❓ {PAGED}"
    assert first.message["id"] != second.message["id"]


async def test_slash_ask_answers_in_the_channel_or_privately(api, bot):
    public = api.slash_command("ask", {"question": QUESTION})
    await api.send_interaction(public)
    shown = await response_to(api, public)
    private = api.slash_command("ask", {"question": QUESTION, "private": True})
    await api.send_interaction(private)
    hidden = await response_to(api, private)
    assert not shown.ephemeral and hidden.ephemeral
    assert public.response_type == private.response_type == 4  # answered at once
    for sent in (shown, hidden):
        assert visible_text(sent.content).splitlines()[0] == f"-# ❓ {QUESTION}"
        assert_quotes_are_exact(sent)
        assert sent.pings == frozenset()


async def test_ask_sanad_on_a_message_answers_its_text(api, bot):
    chatter = await api.user_message(PAGED, author=PERSON)  # the bot cannot read it itself
    command = api.message_command(messages.DISCORD_ASK_MESSAGE, chatter, user=OWNER)
    await api.send_interaction(command)
    answer = await response_to(api, command)
    assert visible_text(answer.content).splitlines()[0] == f"-# ❓ {PAGED}"
    assert not answer.ephemeral and "more:3" in [b["custom_id"] for b in buttons(answer)]


async def test_ask_sanad_on_its_own_answers_asks_their_question(api, bot):
    question = await api.user_message(f"<@{BOT_ID}> {QUESTION}")
    [answer] = await reply_to(api, question)
    command = api.slash_command("ask", {"question": BROAD})
    await api.send_interaction(command)
    first = await response_to(api, command)
    press = api.button_press(api.messages[first.message["id"]], "more:3")
    await api.send_interaction(press)
    second_page = await response_to(api, press)
    # Asked again: the first page of the same answer, not the answer's text as a question.
    for own, first_page in [(answer, answer), (second_page, first)]:
        again = api.message_command(messages.DISCORD_ASK_MESSAGE, api.messages[own.message["id"]])
        await api.send_interaction(again)
        reply = await response_to(api, again)
        assert reply.content == first_page.content
        assert reply.message["embeds"] == first_page.message["embeds"]
    assert visible_text(answer.content).splitlines()[0] == f"-# ❓ {QUESTION}"
    assert rejected(api) == []


async def test_commands_are_registered_with_arabic_descriptions(api, bot):
    commands = {c["name"]: c for c in api.commands[None]}
    assert set(commands) == {
        "ask",
        messages.DISCORD_ASK_MESSAGE,
        "sources",
        "reload",
        "rollback",
        "stats",
        "gaps",
        "upload",
    }
    ask = commands["ask"]
    assert ask["description"] == messages.DISCORD_ASK
    assert [(o["name"], o["type"], o.get("required", False)) for o in ask["options"]] == [
        ("question", 3, True),
        ("private", 5, False),
    ]
    assert commands[messages.DISCORD_ASK_MESSAGE]["type"] == 3
    assert commands["upload"]["options"][0]["type"] == 11


# ----- answers ----------------------------------------------------------------------------------


async def test_unanswerable_question_says_so_without_buttons(api, bot):
    question = await api.user_message(UNANSWERABLE, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    assert visible_text(answer.content).splitlines()[1] == messages.NO_ANSWER
    assert answer.message["embeds"] == [] and answer.message["components"] == []


async def test_weak_answer_says_it_is_only_the_nearest(api, bot):
    question = await api.user_message(WEAK, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    assert visible_text(answer.content).splitlines()[1] == messages.WEAK_INTRO
    assert {e["color"] for e in answer.message["embeds"]} == {render.WEAK_COLOR}
    assert_quotes_are_exact(answer)


HOSTILE = {
    "markdown": "**ناسداك** __مؤشر__ `code` ||سر|| ~~x~~ [رابط](https://evil.example) > # - 1.",
    "mentions": f"@everyone @here <@{OTHER_PERSON_ID}> <@&{MODERATORS_ROLE_ID}> بكم انخفض مؤشر ناسداك؟",
    "4000 characters": "كم انخفض مؤشر ناسداك " * 200,
    "emoji": "📉🚀 بكم انخفض مؤشر ناسداك؟ 👨‍👩‍👧 🇸🇦",
    "rtl marks": "\u202eبكم انخفض\u202c \u2067مؤشر\u2069 ناسداك؟\u200f\u200e",
}


def live_markdown(text: str) -> list[str]:
    """Markdown characters of ``text`` that Discord would act on (not escaped)."""
    live, escaped = [], False
    for char in text:
        if not escaped and char in "*_~`|<[":
            live.append(char)
        escaped = not escaped and char == "\\"
    return live


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
async def test_hostile_questions_are_answered_safely_in_a_guild_and_by_slash_command(
    api, bot, text
):
    mention = await api.user_message(f"<@{BOT_ID}> {text}")
    [answer] = await reply_to(api, mention)
    command = api.slash_command("ask", {"question": text})
    await api.send_interaction(command)
    response = await response_to(api, command)
    searched, _ = bot.read_question(render.fit_question(question_of(text)))
    asked = render.one_line(DIRECTION_CONTROLS.sub("", searched))
    for sent in (answer, response):
        assert sent.pings == frozenset()
        assert (
            len(sent.content) <= render.CONTENT_LIMIT
            and render.problems(
                sent.request.body if "content" in sent.request.body else sent.request.body["data"]
            )
            == []
        )
        # Read back, the question is the question asked (less direction marks) ...
        shown = render.question_of_answer(sent.content) or ""
        assert render.one_line(DIRECTION_CONTROLS.sub("", shown)) == asked
        # ... and none of its markdown is live.
        line = sent.content.split("\n")[0].split(render.QUESTION_MARK, 1)[1]
        assert live_markdown(line) == []
    assert rejected(api) == []


async def test_links_in_a_question_are_no_links_and_more_and_ask_sanad_read_it_back(api, bot):
    linked = f"{PAGED} https://evil.example/a_b?c=1 discord.gg/abc"
    question = await api.user_message(linked, channel_id=api.dm_channel_id(PERSON_ID))
    [first] = await reply_to(api, question)
    press = api.button_press(api.messages[first.message["id"]], "more:3")
    await api.send_interaction(press)
    second = await response_to(api, press)
    again = api.message_command(messages.DISCORD_ASK_MESSAGE, api.messages[first.message["id"]])
    await api.send_interaction(again)
    asked_again = await response_to(api, again)
    for sent in (first, second, asked_again):
        assert clickable_links(sent.content) == []
        assert render.question_of_answer(sent.content) == linked
        assert visible_text(sent.content).splitlines()[0] == f"-# ❓ {linked}"
    assert visible_text(second.content).splitlines()[1] == messages.MORE_INTRO
    assert asked_again.content == first.content


async def test_links_in_questions_listed_by_gaps_are_no_links(api, bot):
    unanswerable = "كيف أطبخ المقلوبة؟ https://evil.example/recipe discord.gg/abc"
    await reply_to(
        api, await api.user_message(unanswerable, channel_id=api.dm_channel_id(PERSON_ID))
    )
    command = api.slash_command("gaps", user=OWNER, channel_id=api.dm_channel_id(ADMIN_ID))
    await api.send_interaction(command)
    listing = await response_to(api, command)
    assert visible_text(listing.content).splitlines()[1] == f"• ❓ {unanswerable}"
    assert clickable_links(listing.content) == []


async def test_a_very_long_question_is_cut_and_says_so(api, bot):
    text = HOSTILE["4000 characters"]
    question = await api.user_message(text, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    lines = visible_text(answer.content).splitlines()
    assert lines[1] == messages.QUESTION_TRIMMED
    assert len(lines[0]) < 600 and text.startswith(lines[0].removeprefix("-# ❓ "))


async def test_only_punctuation_asks_for_a_question(api, bot):
    question = await api.user_message("؟؟!!...", channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    assert visible_text(answer.content) == messages.EMPTY_QUESTION
    command = api.slash_command("ask", {"question": "!!!"})
    await api.send_interaction(command)
    refusal = await response_to(api, command)
    assert refusal.ephemeral and visible_text(refusal.content) == messages.EMPTY_QUESTION


# ----- buttons ----------------------------------------------------------------------------------


async def test_more_pages_from_the_message_itself_also_after_a_restart(api, seeds_copy):
    settings = make_settings(api, seeds_copy)
    dm = api.dm_channel_id(PERSON_ID)
    async with gateway_bot(api, settings):
        question = await api.user_message(PAGED, channel_id=dm)
        [first] = await reply_to(api, question)
    # A new process, a new index, nothing remembered: the press carries all it needs.
    async with gateway_bot(api, settings, Library.open(seeds_copy)):
        press = api.button_press(api.messages[first.message["id"]], "more:3")
        await api.send_interaction(press)
        second = await response_to(api, press)
    lines = visible_text(second.content).splitlines()
    assert lines == [f"-# ❓ {PAGED}", messages.MORE_INTRO]
    firsts = {e["description"] for e in first.message["embeds"]}
    assert second.message["embeds"] and firsts.isdisjoint(
        e["description"] for e in second.message["embeds"]
    )
    assert_quotes_are_exact(second)


async def test_more_on_a_private_answer_stays_private(api, bot):
    command = api.slash_command("ask", {"question": PAGED, "private": True})
    await api.send_interaction(command)
    first = await response_to(api, command)
    press = api.button_press(api.messages[first.message["id"]], "more:3")
    await api.send_interaction(press)
    second = await response_to(api, press)
    assert first.ephemeral and second.ephemeral
    assert visible_text(second.content).splitlines()[1] == messages.MORE_INTRO


async def test_more_twice_in_a_row_and_votes_on_the_page_it_made(api, bot):
    # A page made by «المزيد» is itself a component interaction's message: its presses carry
    # that message with interacted_message_id, which hikari must read for every press on it.
    command = api.slash_command("ask", {"question": BROAD})
    await api.send_interaction(command)
    pages = [await response_to(api, command)]
    for offset in (3, 6):
        press = api.button_press(api.messages[pages[-1].message["id"]], f"more:{offset}")
        await api.send_interaction(press)
        pages.append(await response_to(api, press))
    assert [visible_text(p.content).splitlines() for p in pages[1:]] == [
        [f"-# ❓ {BROAD}", messages.MORE_INTRO]
    ] * 2
    assert "more:9" in [b["custom_id"] for b in buttons(pages[2])]
    quotes = [e["description"] for p in pages for e in p.message["embeds"]]
    assert len(quotes) == 9 and len(set(quotes)) == 9  # three pages, no passage twice
    for page in pages:
        assert_quotes_are_exact(page)
    # 👍 on the third page from two clients before either is served: both get an answer.
    stored = api.messages[pages[2].message["id"]]
    await press_twice_at_once(api, stored, "fb:1")
    labels = [
        b["label"] for row in api.messages[stored["id"]]["components"] for b in row["components"]
    ]
    assert labels == [messages.MORE_BUTTON, messages.FEEDBACK_THANKS]
    assert bot.stats.helpful == 1 and rejected(api) == []


async def press_twice_at_once(api, stored: dict, custom_id: str) -> None:
    """Two people press the same vote button before either press is served (two clients, two
    replicas): one press updates the answer (7), the other gets the ephemeral 'already rated'
    (4); nothing is refused."""
    first = api.button_press(stored, custom_id)
    second = api.button_press(stored, custom_id, user=OWNER)
    await api.send_interaction(first)
    await api.send_interaction(second)
    await api.wait_for(lambda: first.response_type and second.response_type)
    assert sorted([first.response_type, second.response_type]) == [4, 7]
    already = next(
        s for s in api.sent if s.interaction_id in (first.id, second.id) and s.ephemeral
    )
    assert visible_text(already.content) == messages.FEEDBACK_ALREADY


async def test_feedback_is_counted_once_per_answer(api, bot):
    question = await api.user_message(QUESTION, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    stored = api.messages[answer.message["id"]]
    # Two presses on the same answer before either is served (two clients, two replicas).
    await press_twice_at_once(api, stored, "fb:0")
    [rated] = [b for row in api.messages[stored["id"]]["components"] for b in row["components"]]
    assert rated["label"] == messages.FEEDBACK_THANKS and rated["disabled"]
    assert bot.stats.unhelpful == 1 and [g.question for g in bot.stats.gaps] == [QUESTION]


@pytest.mark.parametrize(
    ("custom_id", "reply"),
    [("more:abc", messages.PAGE_EXPIRED), ("vote:1", messages.BUTTON_UNKNOWN)],
)
async def test_a_crafted_button_gets_a_polite_answer(api, bot, custom_id, reply):
    message = await api.user_message(QUESTION, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, message)
    stored = api.messages[answer.message["id"]]
    crafted = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id, "id": 99}
    stored["components"][0]["components"].append(crafted)
    press = api.button_press(stored, custom_id)
    await api.send_interaction(press)
    refusal = await response_to(api, press)
    assert refusal.ephemeral and visible_text(refusal.content) == reply


async def test_a_burst_over_the_rate_limit_gets_one_refusal_but_ask_is_always_answered(
    api, seeds_copy
):
    async with gateway_bot(api, make_settings(api, seeds_copy, user_questions_per_minute=1)):
        dm = api.dm_channel_id(PERSON_ID)
        await reply_to(api, await api.user_message(QUESTION, channel_id=dm))
        burst = [await api.user_message(BROAD, channel_id=dm) for _ in range(4)]
        mention = await api.user_message(f"<@{BOT_ID}> {PAGED}")  # in the guild channel
        other = await api.user_message(
            QUESTION, author=OTHER_PERSON, channel_id=api.dm_channel_id(OTHER_PERSON_ID)
        )
        await reply_to(api, other)  # handled after the burst
        [refusal] = await reply_to(api, burst[0])
        command = api.slash_command("ask", {"question": BROAD})
        await api.send_interaction(command)
        refused = await response_to(api, command)
    assert visible_text(refusal.content).startswith("أسئلة كثيرة في وقت قصير!")
    assert [replies_to(api, m) for m in (*burst[1:], mention)] == [[], [], [], []]
    assert refused.ephemeral and visible_text(refused.content) == visible_text(refusal.content)


# ----- admin ------------------------------------------------------------------------------------


async def test_admin_commands_answer_the_admin_alone_and_are_logged(api, bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.service.sanad")
    results = {}
    for name in ("stats", "reload", "rollback"):
        command = api.slash_command(name, user=OWNER)
        await api.send_interaction(command)
        results[name] = await response_to(api, command)
    assert all(sent.ephemeral for sent in results.values())
    assert visible_text(results["stats"].content).startswith("📊 الإحصاءات")
    assert visible_text(results["reload"].content).startswith("تمت إعادة التحميل")
    assert visible_text(results["rollback"].content).startswith("أعدت الفهرس السابق")
    for name in ("stats", "reload", "rollback"):
        assert f"admin discord:{ADMIN_ID}: {name}" in caplog.text


async def test_reloads_asked_at_once_share_runs_and_each_gets_an_answer(api, bot):
    commands = [api.slash_command("reload", user=OWNER) for _ in range(3)]
    for command in commands:
        await api.send_interaction(command)
    answers = [visible_text((await response_to(api, c)).content) for c in commands]
    reports = [a for a in answers if a.startswith("تمت إعادة التحميل")]
    assert len(reports) == 2 and answers.count(messages.RELOAD_JOINED) == 1


async def test_others_are_refused_politely_and_the_refusal_is_logged(api, bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.service.sanad")
    for name in ("stats", "reload", "rollback", "gaps"):
        command = api.slash_command(name, user=PERSON)
        await api.send_interaction(command)
        refusal = await response_to(api, command)
        assert refusal.ephemeral and visible_text(refusal.content) == messages.NOT_ADMIN
        assert f"refused {name} from discord:{PERSON_ID}" in caplog.text


async def test_gaps_are_shown_only_in_a_dm(api, bot):
    question = await api.user_message(UNANSWERABLE, channel_id=api.dm_channel_id(PERSON_ID))
    await reply_to(api, question)
    in_guild = api.slash_command("gaps", user=OWNER)
    await api.send_interaction(in_guild)
    refusal = await response_to(api, in_guild)
    in_dm = api.slash_command("gaps", user=OWNER, channel_id=api.dm_channel_id(ADMIN_ID))
    await api.send_interaction(in_dm)
    listing = await response_to(api, in_dm)
    assert visible_text(refusal.content) == messages.PRIVATE_ONLY
    assert visible_text(listing.content).splitlines() == [
        messages.GAPS_HEADER,
        f"• ❓ {UNANSWERABLE}",
    ]


async def test_gaps_show_a_question_asked_in_several_spellings_once_with_its_count(api, bot):
    dm = api.dm_channel_id(PERSON_ID)
    for question in (UNANSWERABLE, "كيف اطبخ المقلوبـــة  باللحم", "ما عاصمة منغوليا؟"):
        await reply_to(api, await api.user_message(question, channel_id=dm))
    command = api.slash_command("gaps", user=OWNER, channel_id=api.dm_channel_id(ADMIN_ID))
    await api.send_interaction(command)
    listing = await response_to(api, command)
    assert visible_text(listing.content).splitlines() == [
        messages.GAPS_HEADER,
        f"• ❓ {UNANSWERABLE} " + messages.GAP_ASKED.format(count=2),
        "• ❓ ما عاصمة منغوليا؟",
    ]


async def test_sources_is_open_to_everyone_in_the_channel(api, bot):
    command = api.slash_command("sources", user=PERSON)
    await api.send_interaction(command)
    listing = await response_to(api, command)
    lines = visible_text(listing.content).splitlines()
    assert not listing.ephemeral and lines[0].startswith("المصادر المحمّلة (المقالات: 5")
    assert len(lines) == 6


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (
            "/foo",
            "لا أعرف الأمر /foo. اكتب سؤالك مباشرة، أو استعمل /ask لتسألني أو /sources "
            "لترى مصادري.",
        ),
        ("السلام عليكم", "وعليكم السلام! أنا سند، أجيب عن أسئلتك بفقرات مقتبسة حرفيًا"),
        ("المزيد", messages.MORE_AS_TEXT),
    ],
)
async def test_a_dm_that_asks_nothing_gets_the_services_reply(api, bot, text, reply):
    question = await api.user_message(text, channel_id=api.dm_channel_id(PERSON_ID))
    [sent] = await reply_to(api, question)
    assert visible_text(sent.content).startswith(reply)
    assert "embeds" not in sent.message or not sent.message["embeds"]
    assert rejected(api) == []


async def test_sources_lists_mended_attribution(api, seeds_copy):
    (seeds_copy / "wheat.md").write_text(
        '+++\nurl = "ftp://example.org/wheat"\n+++\nارتفعت أسعار القمح في مصر.\n',
        encoding="utf-8",
    )
    async with gateway_bot(api, make_settings(api, seeds_copy)):
        command = api.slash_command("sources", user=PERSON)
        await api.send_interaction(command)
        listing = await response_to(api, command)
    assert visible_text(listing.content).splitlines()[-2:] == [
        messages.SOURCES_MENDED,
        "- wheat.md: حذفت الرابط 'ftp://example.org/wheat': ليس عنوان http(s) كاملًا",
    ]


ARTICLE = '+++\ntitle = "القمح في مصر"\nsource = "جريدة الاختبار"\n+++\nارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n'


async def test_an_admin_uploads_an_article_that_is_then_answered(api, bot, seeds_copy):
    upload = api.slash_command(
        "upload", {"file": ("wheat.md", ARTICLE.encode(), "text/markdown")}, user=OWNER
    )
    await api.send_interaction(upload)
    report = await response_to(api, upload)
    lines = visible_text(report.content).splitlines()
    assert lines[0] == messages.UPLOAD_SAVED.format(name="wheat.md").replace("\u200e", "")
    assert lines[1].startswith("تمت إعادة التحميل") and "wheat.md" in report.content
    assert (seeds_copy / "wheat.md").read_bytes() == ARTICLE.encode()
    question = await api.user_message(
        "لماذا ارتفعت أسعار القمح في مصر؟", channel_id=api.dm_channel_id(PERSON_ID)
    )
    [answer] = await reply_to(api, question)
    assert visible_text(answer.message["embeds"][0]["title"]) == "القمح في مصر"


async def test_several_files_in_one_upload_get_one_reply_and_one_reload(api, bot, seeds_copy):
    replaced = sorted(p.name for p in seeds_copy.glob("*.txt"))[0]
    files = {
        "file": ("wheat.md", ARTICLE.encode(), "text/markdown"),
        "file2": ("latin.txt", "café".encode("latin-1"), "text/plain"),
        "file3": (replaced, "انخفض إنتاج الأرز في آسيا بعد الفيضانات.\n".encode(), "text/plain"),
    }
    upload = api.slash_command("upload", files, user=OWNER)
    await api.send_interaction(upload)
    report = await response_to(api, upload)
    lines = visible_text(report.content).splitlines()
    assert lines[0] == "wheat.md: " + visible_text(messages.UPLOAD_SAVED.format(name="wheat.md"))
    assert lines[1] == "latin.txt: " + messages.UPLOAD_NOT_UTF8
    assert lines[2].startswith(f"{replaced}: ") and lines[3].startswith("واستبدلت به")
    reloads = [line for line in lines if line.startswith("تمت إعادة التحميل")]
    assert len(reloads) == 1
    assert "wheat.md" in report.content and not (seeds_copy / "latin.txt").exists()
    assert bot.library.engine.search("إنتاج الأرز في آسيا")


UPLOAD_REFUSALS = {
    "bad name": ("../../etc/passwd.txt", ARTICLE.encode(), messages.UPLOAD_BAD_NAME),
    "bad encoding": ("latin.txt", "café au lait".encode("latin-1"), messages.UPLOAD_NOT_UTF8),
}


@pytest.mark.parametrize(("name", "data", "reply"), UPLOAD_REFUSALS.values(), ids=UPLOAD_REFUSALS)
async def test_a_bad_upload_is_refused_and_nothing_is_written(
    api, bot, seeds_copy, name, data, reply
):
    before = sorted(p.name for p in seeds_copy.iterdir())
    upload = api.slash_command("upload", {"file": (name, data, "text/plain")}, user=OWNER)
    await api.send_interaction(upload)
    refusal = await response_to(api, upload)
    assert refusal.ephemeral and visible_text(refusal.content) == visible_text(reply)
    assert sorted(p.name for p in seeds_copy.iterdir()) == before


@pytest.mark.parametrize(
    ("name", "data", "logged"),
    [
        ("../../etc/passwd.txt", ARTICLE.encode(), "unsafe file name"),
        ("latin.txt", "café au lait".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"\n\n", "not readable as an article: no text"),
        ("big.md", b"x" * 1_500, "1500 bytes, over upload_max_bytes (1000)"),
    ],
)
async def test_a_refused_upload_is_one_log_line_with_the_admin_the_file_and_why(
    api, seeds_copy, caplog, name, data, logged
):
    caplog.set_level(logging.INFO, logger="bot")
    async with gateway_bot(api, make_settings(api, seeds_copy, upload_max_bytes=1_000)):
        upload = api.slash_command("upload", {"file": (name, data, "text/plain")}, user=OWNER)
        await api.send_interaction(upload)
        refusal = await response_to(api, upload)
    assert refusal.ephemeral and visible_text(refusal.content) != messages.ERROR
    [line] = [r for r in caplog.records if r.getMessage().startswith("refused")]
    assert line.getMessage().startswith(
        f"refused the upload {name!r} from discord:{ADMIN_ID}: {logged}"
    )
    assert line.levelname == "WARNING" and line.exc_info is None


async def test_an_upload_from_someone_else_is_refused(api, bot, seeds_copy):
    upload = api.slash_command("upload", {"file": ("wheat.md", ARTICLE.encode(), "")})
    await api.send_interaction(upload)
    refusal = await response_to(api, upload)
    assert visible_text(refusal.content) == messages.NOT_ADMIN
    assert not (seeds_copy / "wheat.md").exists()


# ----- Discord failing --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
async def test_a_refused_or_failed_send_is_retried_and_the_answer_arrives(api, bot, status):
    api.fail_next("POST /channels/{channel}/messages", status, retry_after=0.2)
    question = await api.user_message(QUESTION, channel_id=api.dm_channel_id(PERSON_ID))
    [answer] = await reply_to(api, question)
    sends = api.requests_of("POST /channels/{channel}/messages", ok=None)
    assert [r.status for r in sends] == [status, 200]
    assert visible_text(answer.content).splitlines()[1] == messages.ANSWER_INTRO


async def test_a_failed_interaction_response_is_retried(api, bot):
    api.fail_next("POST /interactions/{interaction}/{token}/callback", 500)
    command = api.slash_command("ask", {"question": QUESTION})
    await api.send_interaction(command)
    answer = await response_to(api, command)
    assert visible_text(answer.content).splitlines()[1] == messages.ANSWER_INTRO


async def test_a_refused_interaction_response_is_followed_by_an_apology(api, bot, caplog):
    api.fail_next("POST /interactions/{interaction}/{token}/callback", 403)
    command = api.slash_command("ask", {"question": QUESTION})
    await api.send_interaction(command)
    apology = await response_to(api, command)
    assert apology.ephemeral and visible_text(apology.content) == messages.ERROR
    assert f"interaction {command.id} failed: Discord answered 403 ForbiddenError" in caplog.text
    assert "Traceback" not in caplog.text and command.token not in caplog.text


async def test_a_send_refused_for_good_loses_that_reply_but_not_the_bot(api, bot, caplog):
    # 403: the bot may not write there (hikari retries 5xx three times, ~9 s, then the same).
    api.fail_next("POST /channels/{channel}/messages", 403)
    dm = api.dm_channel_id(PERSON_ID)
    lost = await api.user_message(QUESTION, channel_id=dm)
    await api.wait_for_request("POST /channels/{channel}/messages", ok=False)
    later = await api.user_message(PAGED, channel_id=dm)
    await reply_to(api, later)
    assert replies_to(api, lost) == []
    assert "on_message failed: Discord answered 403 ForbiddenError" in caplog.text


async def test_slow_answers_are_deferred_and_then_edited_in(api, seeds_copy):
    settings = make_settings(api, seeds_copy, discord_defer_after_ms=0)
    async with gateway_bot(api, settings):
        command = api.slash_command("ask", {"question": QUESTION, "private": True})
        await api.send_interaction(command)
        answer = await response_to(api, command)
    assert command.response_type == 5 and answer.ephemeral
    assert answer.request.route == "PATCH /webhooks/{application}/{token}/messages/{message}"
    assert visible_text(answer.content).splitlines()[1] == messages.ANSWER_INTRO
    assert rejected(api) == []


async def test_an_answer_found_at_once_is_sent_without_thinking_first(api, seeds_copy):
    # A search of the seeds runs on the event loop: the deferral's timer cannot fire before it.
    settings = make_settings(api, seeds_copy, discord_defer_after_ms=1)
    async with gateway_bot(api, settings):
        command = api.slash_command("ask", {"question": QUESTION})
        await api.send_interaction(command)
        answer = await response_to(api, command)
    assert command.response_type == 4
    assert answer.request.route == "POST /interactions/{interaction}/{token}/callback"
    assert visible_text(answer.content).splitlines()[1] == messages.ANSWER_INTRO


async def test_work_outside_the_loop_is_deferred_when_its_timer_fires(api, seeds_copy):
    # A reload runs in a thread, far longer than 1 ms: "thinking…" first, the report after.
    settings = make_settings(api, seeds_copy, discord_defer_after_ms=1)
    async with gateway_bot(api, settings):
        command = api.slash_command("reload", user=OWNER)
        await api.send_interaction(command)
        report = await response_to(api, command)
    assert command.response_type == 5 and report.ephemeral
    assert report.request.route == "PATCH /webhooks/{application}/{token}/messages/{message}"
    assert visible_text(report.content).startswith("تمت إعادة التحميل")
    assert rejected(api) == []


# ----- starting ---------------------------------------------------------------------------------


async def test_a_refused_command_registration_does_not_stop_the_bot(api, seeds_copy, caplog):
    api.fail_next("PUT /applications/{application}/commands", 403)
    async with gateway_bot(api, make_settings(api, seeds_copy)):
        question = await api.user_message(QUESTION, channel_id=api.dm_channel_id(PERSON_ID))
        await reply_to(api, question)
    assert "Discord did not take the command list" in caplog.text


async def test_a_wrong_token_is_one_line_without_the_token(api, seeds_copy):
    settings = make_settings(api, seeds_copy, discord_token=TOKEN[:-4] + "XXXX")
    with pytest.raises(DiscordStartError) as refused:
        async with gateway_bot(api, settings):
            pass
    assert "rejected the bot token" in str(refused.value) and "XXXX" not in str(refused.value)


async def test_talk_in_a_channel_answered_in_full_does_not_use_up_the_questions_of_the_minute(
    api, seeds_copy
):
    settings = make_settings(
        api,
        seeds_copy,
        discord_answer_every_message=[int(CHANNEL_ID)],
        user_questions_per_minute=2,
    )
    api.message_content_enabled = True
    async with gateway_bot(api, settings) as service:
        for talk in ("كيف أطبخ المقلوبة باللحم؟", "مين جاي على العشاء بكرة؟", "هههههه"):
            await api.user_message(talk)
        async with asyncio.timeout(5):  # the talk searched, nothing posted: poll the service
            while len(service.stats.latencies_ms) < 3:
                await asyncio.sleep(0.01)
        called = await api.user_message(f"<@{BOT_ID}> {QUESTION}")
        [answer] = await reply_to(api, called)
    assert visible_text(answer.content).splitlines()[0] == f"-# ❓ {QUESTION}"
    assert answer.message["embeds"] and len(api.sent) == 1


async def test_every_message_channels_need_the_content_intent(api, seeds_copy):
    settings = make_settings(api, seeds_copy, discord_answer_every_message=[int(CHANNEL_ID)])
    with pytest.raises(DiscordStartError, match="MESSAGE_CONTENT"):
        async with gateway_bot(api, settings):
            pass
    api.message_content_enabled = True  # the operator switched it on in the portal
    async with gateway_bot(api, settings):
        # Talk among people gets passages or nothing («لم أجد…» to «صباح الخير» was noise).
        for talk in ("صباح الخير يا جماعة", "كيف أطبخ المقلوبة باللحم؟"):
            await api.user_message(talk)
        chatter = await api.user_message(QUESTION)
        [answer] = await reply_to(api, chatter)
        called = await api.user_message(f"<@{BOT_ID}> كيف أطبخ المقلوبة باللحم؟")
        [no_answer] = await reply_to(api, called)
    assert visible_text(answer.content).splitlines()[0] == f"-# ❓ {QUESTION}"
    assert "لم أجد" in visible_text(no_answer.content)
    assert len(api.sent) == 2, [visible_text(s.content) for s in api.sent]
