"""End to end: the real python-telegram-bot Application against the local Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botapi import BOT_USER, TOKEN, BotApiEmulator, parse_telegram_html, utf16_length

from bot.logs import configure_logging, install_redaction, remove_library_lines
from bot.service import messages
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from bot.telegram.app import build_application
from retrieval.library import Library

ADMIN = 999
QUESTION = "بكم انخفض مؤشر ناسداك؟"
BROAD = "تأثير ديب سيك على أسهم إنفيديا"


@pytest.fixture
async def api():
    emulator = BotApiEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def make_settings(api: BotApiEmulator, sources: Path, **extra) -> Settings:
    return Settings(
        telegram_token=TOKEN,
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        admin_ids=[ADMIN],
        sources_dir=sources,
        inline_cache_seconds=0,
        typing_after_ms=0,
        **extra,
    )


class RunningBot:
    def __init__(self, api: BotApiEmulator, settings: Settings, library: Library) -> None:
        self.api = api
        self.library = library
        self.service = Sanad(settings, library)
        self.app = build_application(self.service)

    async def __aenter__(self) -> RunningBot:
        # What Application.run_polling does, minus signal handling and the blocking loop.
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(
            poll_interval=0.0, timeout=1, error_callback=self._polling_failed
        )
        return self

    def _polling_failed(self, error: Exception) -> None:
        # What Application.run_polling passes: a failed fetch goes to the error handler.
        self.app.create_task(self.app.process_error(error=error, update=None))

    async def __aexit__(self, *exc: object) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)


@pytest.fixture
async def bot(api, seeds_copy):
    async with RunningBot(
        api, make_settings(api, seeds_copy), Library.open(seeds_copy)
    ) as running:
        yield running


def sent_texts(api: BotApiEmulator, chat_id: int) -> list[str]:
    return [
        c.params["text"] for c in api.calls_of("sendMessage") if c.params["chat_id"] == chat_id
    ]


def last_bot_message(api: BotApiEmulator, chat_id: int) -> dict:
    messages = [m for (c, _), m in api.messages.items() if c == chat_id and m["from"] == BOT_USER]
    return max(messages, key=lambda m: m["message_id"])


async def test_private_question_gets_quoted_passages_with_sources(api, bot):
    question = api.user_message(QUESTION)
    [call] = await api.wait_for("sendMessage", chat_id=111)
    text = call.params["text"]
    assert "<blockquote" in text and "<b>ناسداك</b>" in text
    assert "ديب سيك تغير قواعد الذكاء الاصطناعي للأبد" in text
    assert "الفقرة" in text
    assert call.params["reply_parameters"]["message_id"] == question["message_id"]
    await api.wait_for("sendChatAction", chat_id=111, action="typing")
    buttons = [
        b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert {"fb:1", "fb:0"} <= set(buttons)


async def test_unanswerable_question_says_so_and_suggests_sources(api, bot):
    api.user_message("كيف أطبخ المقلوبة باللحم؟")
    [call] = await api.wait_for("sendMessage")
    assert "لم أجد" in call.params["text"] and "/sources" in call.params["text"]
    assert "reply_markup" not in call.params


async def test_group_answers_mentions_and_ask_but_not_chatter(api, bot):
    api.user_message(
        "صباح الخير يا جماعة، ما أخبار ديب سيك؟", chat_id=-100, chat_type="supergroup"
    )
    api.user_message(f"@{BOT_USER['username']} {QUESTION}", chat_id=-100, chat_type="supergroup")
    api.user_message(f"/ask {BROAD}", chat_id=-100, chat_type="supergroup")
    await api.wait_for("sendMessage", count=2, chat_id=-100)
    await asyncio.sleep(0.3)
    texts = sent_texts(api, -100)
    assert len(texts) == 2
    assert any("ناسداك" in t for t in texts)


async def test_private_unknown_command_greeting_and_typed_more_get_the_services_reply(api, bot):
    username = BOT_USER["username"]
    for text in ("/foo", f"/foo@{username} بعض النص", "مرحباً يا سند!", "مزيد"):
        api.user_message(text)
    calls = await api.wait_for("sendMessage", count=4, chat_id=111)
    unknown = messages.UNKNOWN_COMMAND.format(command="/foo", hint=messages.COMMANDS_HINT)
    greeting = messages.GREETING.format(
        salutation=messages.HELLO_REPLY,
        example=messages.GREETING_EXAMPLE.format(question="كم كلّف تدريب نموذج R1؟"),
    )
    assert sorted(c.params["text"] for c in calls) == sorted(
        [unknown, unknown, greeting, messages.MORE_AS_TEXT]
    )
    assert all("reply_markup" not in c.params for c in calls)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        # Past max_question_chars (500); what is kept of the first finds nothing.
        (f"{QUESTION} " + "وأريد أن أعرف التفاصيل الكاملة " * 40, False),
        (f"{QUESTION} " * 30, True),
    ],
)
async def test_a_cut_question_is_told_so_with_or_without_an_answer(api, bot, question, found):
    api.user_message(question)
    [call] = await api.wait_for("sendMessage", chat_id=111)
    visible = parse_telegram_html(call.params["text"])
    assert visible.lstrip("\u200f").startswith(messages.QUESTION_TRIMMED + "\n")
    assert ("ناسداك" in visible) == found


async def test_group_leaves_unknown_commands_to_other_bots(api, bot):
    api.user_message("/foo", chat_id=-100, chat_type="supergroup")
    api.user_message(f"/ask {QUESTION}", chat_id=-100, chat_type="supergroup")
    await api.wait_for("sendMessage", chat_id=-100)
    await asyncio.sleep(0.3)
    [answer] = sent_texts(api, -100)
    assert "ناسداك" in answer


async def test_group_reply_to_the_bot_is_a_question(api, bot):
    api.user_message(f"/ask {QUESTION}", chat_id=-100, chat_type="supergroup")
    await api.wait_for("sendMessage", chat_id=-100)
    answer = last_bot_message(api, -100)
    api.user_message(BROAD, chat_id=-100, chat_type="supergroup", reply_to=answer)
    await api.wait_for("sendMessage", count=2, chat_id=-100)


def more_data(bot_message: dict) -> str:
    """The callback data of the one «المزيد» button under ``bot_message``."""
    [more] = [
        b
        for row in bot_message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "المزيد"
    ]
    return more["callback_data"]


async def test_more_button_sends_the_next_page(api, bot):
    api.user_message(BROAD)
    await api.wait_for("sendMessage")
    first = last_bot_message(api, 111)
    api.press_button(first, more_data(first))
    calls = await api.wait_for("sendMessage", count=2)
    assert "مزيد من الفقرات" in calls[1].params["text"]
    assert calls[0].params["text"] != calls[1].params["text"]
    await api.wait_for("answerCallbackQuery")


async def test_more_button_works_after_a_restart(api, seeds_copy):
    settings = make_settings(api, seeds_copy)
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        api.user_message(BROAD)
        await api.wait_for("sendMessage")
    first = last_bot_message(api, 111)
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        api.press_button(first, "more:3")
        calls = await api.wait_for("sendMessage", count=2)
    assert "مزيد من الفقرات" in calls[1].params["text"]


@pytest.mark.parametrize("data", ["more:²", "more:٣", "more:99999999999999999999", "more:", "x"])
async def test_crafted_button_data_gets_one_polite_answer(api, bot, data):
    api.user_message(BROAD)
    await api.wait_for("sendMessage")
    query_id = api.press_button(last_bot_message(api, 111), data)
    [answer] = await api.wait_for("answerCallbackQuery", callback_query_id=query_id)
    assert answer.params["text"] in {messages.PAGE_EXPIRED, messages.BUTTON_UNKNOWN}
    api.user_message(QUESTION)  # the bot is still serving, and sent nothing else meanwhile
    calls = await api.wait_for("sendMessage", count=2)
    assert "ناسداك" in calls[1].params["text"]
    assert len(api.calls_of("answerCallbackQuery", ok=None)) == 1


@pytest.mark.parametrize("offset", ["²", "٣", "-5", "999999999999"])
async def test_crafted_inline_offset_is_answered_not_crashed(api, bot, offset):
    query_id = api.inline_query(BROAD, offset=offset)
    [call] = await api.wait_for("answerInlineQuery", inline_query_id=query_id)
    assert call.params["results"]


async def test_feedback_is_counted_once_and_unhelpful_questions_become_gaps(api, bot):
    api.user_message(QUESTION)
    await api.wait_for("sendMessage")
    answer = last_bot_message(api, 111)
    api.press_button(answer, "fb:0")
    api.press_button(answer, "fb:0")
    await api.wait_for("answerCallbackQuery", count=2)
    assert bot.service.stats.unhelpful == 1
    api.user_message("/gaps", user_id=ADMIN)
    [gaps] = await api.wait_for("sendMessage", chat_id=ADMIN)
    assert QUESTION in gaps.params["text"]


async def test_gaps_show_a_question_asked_in_several_spellings_once_with_its_count(api, bot):
    spellings = [
        "كيف أطبخ المقلوبة باللحم؟",
        "كيف اطبخ المقلوبـــة  باللحم",
        "كيف إطبخ المقلوبه باللحم؟!",
    ]
    for question in ["ما عاصمة منغوليا؟", *spellings]:
        api.user_message(question, user_id=222)
    await api.wait_for("sendMessage", count=4, chat_id=222)
    api.user_message("/gaps", user_id=ADMIN)
    [gaps] = await api.wait_for("sendMessage", chat_id=ADMIN)
    lines = parse_telegram_html(gaps.params["text"]).splitlines()
    assert [line.lstrip("\u200f") for line in lines] == [
        messages.GAPS_HEADER,
        f"• ❓ {spellings[0]} " + messages.GAP_ASKED.format(count=3),
        "• ❓ ما عاصمة منغوليا؟",
    ]


@pytest.mark.parametrize("second", ["fb:1", "fb:0"])
async def test_a_second_vote_on_an_answer_is_answered_and_the_bot_keeps_serving(
    api, bot, second
):
    api.user_message(QUESTION)
    await api.wait_for("sendMessage")
    answer = last_bot_message(api, 111)
    first = api.press_button(answer, "fb:1")
    await api.wait_for("answerCallbackQuery", callback_query_id=first)
    await api.wait_for("editMessageReplyMarkup")
    # The keyboard is gone now, as the person's client shows it, and they press again.
    assert "reply_markup" not in answer
    again = api.press_button(answer, second)
    [repeat] = await api.wait_for("answerCallbackQuery", callback_query_id=again)
    assert repeat.params["text"] == messages.FEEDBACK_ALREADY
    assert bot.service.stats.helpful == 1 and bot.service.stats.unhelpful == 0
    later = api.user_message(BROAD)
    calls = await api.wait_for("sendMessage", count=2)
    assert calls[1].params["reply_parameters"]["message_id"] == later["message_id"]
    assert "<blockquote" in calls[1].params["text"]


async def test_more_under_an_answer_whose_question_was_edited_does_not_page_the_new_question(
    api, bot
):
    question = api.user_message(BROAD)
    await api.wait_for("sendMessage")
    first = last_bot_message(api, 111)
    api.edit_user_message(question, "ما الذي قاله جيم فان عن ديب سيك؟")
    await api.wait_for("sendMessage", count=2)
    second = last_bot_message(api, 111)
    # Telegram shows the edited text in every reply to it, the first answer's too.
    assert first["reply_to_message"]["text"] == "ما الذي قاله جيم فان عن ديب سيك؟"
    stale = api.press_button(first, more_data(first))
    [alert] = await api.wait_for("answerCallbackQuery", callback_query_id=stale)
    assert alert.params["text"] == messages.QUESTION_EDITED
    assert alert.params["show_alert"] is True
    fresh = api.press_button(second, more_data(second))
    await api.wait_for("answerCallbackQuery", callback_query_id=fresh)
    calls = await api.wait_for("sendMessage", count=3)
    assert "مزيد من الفقرات" in calls[2].params["text"]
    assert calls[2].params["reply_parameters"]["message_id"] == question["message_id"]


async def test_more_still_pages_when_an_edit_changed_only_spacing(api, bot):
    question = api.user_message(BROAD)
    await api.wait_for("sendMessage")
    first = last_bot_message(api, 111)
    api.edit_user_message(question, "  " + BROAD.replace(" ", "  ") + " ")
    await api.wait_for("sendMessage", count=2)
    pressed = api.press_button(first, more_data(first))
    await api.wait_for("answerCallbackQuery", callback_query_id=pressed)
    calls = await api.wait_for("sendMessage", count=3)
    assert "مزيد من الفقرات" in calls[2].params["text"]


async def test_more_pressed_twice_sends_pages_two_and_three_and_the_bot_keeps_serving(api, bot):
    api.user_message(BROAD)
    await api.wait_for("sendMessage")
    pages = [api.calls_of("sendMessage")[0].params["text"]]
    for page in (2, 3):
        shown = last_bot_message(api, 111)
        query_id = api.press_button(shown, more_data(shown))
        await api.wait_for("answerCallbackQuery", callback_query_id=query_id)
        calls = await api.wait_for("sendMessage", count=page)
        pages.append(calls[-1].params["text"])
        assert "مزيد من الفقرات" in pages[-1]
    assert len(set(pages)) == 3
    api.user_message(QUESTION)
    calls = await api.wait_for("sendMessage", count=4)
    assert "ناسداك" in calls[3].params["text"]


async def test_inline_query_pages_with_next_offset(api, bot):
    api.inline_query(BROAD)
    [first] = await api.wait_for("answerInlineQuery")
    results = first.params["results"]
    assert 1 <= len(results) <= 10
    assert all(r["type"] == "article" and r["title"] for r in results)
    assert "<blockquote" in results[0]["input_message_content"]["message_text"]
    next_offset = first.params.get("next_offset", "")
    assert next_offset.isdigit()
    api.inline_query(BROAD, offset=next_offset)
    calls = await api.wait_for("answerInlineQuery", count=2)
    second_ids = {r["id"] for r in calls[1].params["results"]}
    assert second_ids and not second_ids & {r["id"] for r in results}


async def test_inline_empty_query_shows_help_and_unanswerable_shows_no_answer(api, bot):
    api.inline_query("")
    [help_call] = await api.wait_for("answerInlineQuery")
    assert help_call.params["results"][0]["id"] == "help"
    api.inline_query("كيف أطبخ المقلوبة؟")
    calls = await api.wait_for("answerInlineQuery", count=2)
    assert calls[1].params["results"][0]["id"] == "none"


async def test_admin_gaps_in_a_group_posts_no_users_questions(api, bot):
    api.user_message("كيف أطبخ المقلوبة باللحم؟")
    await api.wait_for("sendMessage", chat_id=111)
    api.user_message("/gaps", user_id=ADMIN, chat_id=-100, chat_type="supergroup")
    [note] = await api.wait_for("sendMessage", chat_id=-100)
    assert "المقلوبة" not in note.params["text"] and "خاصة" in note.params["text"]
    api.user_message("/gaps", user_id=ADMIN)
    [gaps] = await api.wait_for("sendMessage", chat_id=ADMIN)
    assert "المقلوبة" in gaps.params["text"]


async def test_lists_of_emoji_heavy_questions_are_split_within_telegrams_unit(api, seeds_copy):
    settings = make_settings(api, seeds_copy, user_questions_per_minute=100)
    questions = [f"🤖🔥 {'ظ' * (n + 2)} " + "🇸🇦" * 120 for n in range(20)]  # ~500 units each
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        for question in questions:
            api.user_message(question)
        await api.wait_for("sendMessage", count=20, chat_id=111)
        api.user_message("/gaps", user_id=ADMIN)
        await api.wait_for("sendMessage", count=2, chat_id=ADMIN)
        await asyncio.sleep(0.3)
    assert not api.calls_of("sendMessage", ok=False)
    listed = "".join(sent_texts(api, ADMIN))
    assert all(question[:200] in listed for question in questions)


async def test_sources_with_huge_emoji_titles_is_sent_not_rejected(api, seeds_copy):
    for n in range(3):
        (seeds_copy / f"emoji{n}.md").write_text(
            f'+++\ntitle = "{"📈" * 2500}"\n+++\nفقرة عن الأسهم رقم {n}.\n', encoding="utf-8"
        )
    async with RunningBot(api, make_settings(api, seeds_copy), Library.open(seeds_copy)):
        api.user_message("/sources")
        await api.wait_for("sendMessage", chat_id=111)
        await asyncio.sleep(0.3)
    assert not api.calls_of("sendMessage", ok=False)
    assert all(utf16_length(text) <= 4096 for text in sent_texts(api, 111))


LONG_TITLE = "عنوان طويل جدا عن زراعة الزعفران في الجبال " * 120  # about 5 000 characters
SAFFRON = "يزرع المزارعون الزعفران في الخريف ويقطفون أزهاره البنفسجية قبل شروق الشمس."


async def test_a_5000_character_title_keeps_the_best_passage_in_chat_and_inline(api, seeds_copy):
    (seeds_copy / "saffron.md").write_text(
        f'+++\ntitle = "{LONG_TITLE}"\n+++\n{SAFFRON}\n', encoding="utf-8"
    )
    async with RunningBot(api, make_settings(api, seeds_copy), Library.open(seeds_copy)):
        api.user_message("متى يزرع المزارعون الزعفران؟")
        [answer] = await api.wait_for("sendMessage", chat_id=111)
        api.inline_query("متى يزرع المزارعون الزعفران؟")
        [inline] = await api.wait_for("answerInlineQuery")
    assert "الزعفران في الخريف" in parse_telegram_html(answer.params["text"])
    first = inline.params["results"][0]["input_message_content"]["message_text"]
    assert "الزعفران في الخريف" in parse_telegram_html(first)
    assert not api.calls_of("sendMessage", ok=False)


async def test_admin_reload_reports_changes_and_serves_new_articles(api, bot, seeds_copy):
    (seeds_copy / "wheat.txt").write_text(
        "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n", encoding="utf-8"
    )
    api.user_message("/reload", user_id=ADMIN)
    [report] = await api.wait_for("sendMessage", chat_id=ADMIN)
    assert "wheat.txt" in report.params["text"]
    api.user_message("لماذا ارتفعت أسعار القمح في مصر؟")
    [answer] = await api.wait_for("sendMessage", chat_id=111)
    assert "القمح" in answer.params["text"]


async def test_failed_reload_keeps_the_old_index_and_says_why(api, bot, seeds_copy):
    for path in seeds_copy.glob("*.txt"):
        path.write_bytes(b"\xff\xfe broken")
    api.user_message("/reload", user_id=ADMIN)
    [report] = await api.wait_for("sendMessage", chat_id=ADMIN)
    assert "فشلت" in report.params["text"] and "ليس نصًا بترميز UTF-8" in report.params["text"]
    api.user_message(QUESTION)
    [answer] = await api.wait_for("sendMessage", chat_id=111)
    assert "ناسداك" in answer.params["text"]


async def test_non_admin_is_refused_politely_and_the_log_names_their_user_id(api, bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.service.sanad")
    api.user_message("/reload", user_id=4242)
    [refusal] = await api.wait_for("sendMessage", chat_id=4242)
    assert "للمشرفين" in refusal.params["text"]
    # README, "Telegram": how an operator reads their own id to put it in SANAD_ADMIN_IDS.
    assert "refused reload from telegram:4242: not an admin" in caplog.messages


async def test_admin_rollback_restores_previous_index(api, bot, seeds_copy):
    (seeds_copy / "wheat.txt").write_text(
        "ارتفعت أسعار القمح في مصر هذا العام.\n", encoding="utf-8"
    )
    api.user_message("/reload", user_id=ADMIN)
    await api.wait_for("sendMessage", chat_id=ADMIN)
    api.user_message("/rollback", user_id=ADMIN)
    calls = await api.wait_for("sendMessage", count=2, chat_id=ADMIN)
    assert "أعدت الفهرس السابق" in calls[1].params["text"]
    assert not bot.library.engine.search("أسعار القمح في مصر")


async def test_admin_uploads_an_article_file(api, bot, seeds_copy):
    content = '+++\ntitle = "أسعار الأرز"\n+++\nانخفض إنتاج الأرز في آسيا بعد الفيضانات.\n'
    api.add_file("doc1", content.encode())
    api.user_message(
        None,
        user_id=ADMIN,
        extra={
            "document": {
                "file_id": "doc1",
                "file_unique_id": "u1",
                "file_name": "rice.md",
                "file_size": len(content.encode()),
            }
        },
    )
    calls = await api.wait_for("sendMessage", count=2, chat_id=ADMIN)
    assert "rice.md" in calls[0].params["text"] and "rice.md" in calls[1].params["text"]
    assert (seeds_copy / "rice.md").read_text(encoding="utf-8") == content
    assert not list(seeds_copy.glob(".*.tmp"))
    assert bot.library.engine.search("إنتاج الأرز في آسيا")


async def test_album_with_a_slow_download_gets_one_reply_for_every_file_and_one_reload(
    api, bot, seeds_copy
):
    replaced = sorted(p.name for p in seeds_copy.glob("*.txt"))[0]
    articles = {
        "wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n".encode(),
        "latin.txt": "café".encode("latin-1"),
        replaced: "انخفض إنتاج الأرز في آسيا بعد موسم الفيضانات.\n".encode(),
        "olive.txt": "تضاعف محصول الزيتون في تونس بعد أمطار الربيع الغزيرة.\n".encode(),
    }
    slow = api.hold_file("olive.txt")
    for name, data in articles.items():
        api.add_file(name, data)
        document = {"file_id": name, "file_unique_id": f"u-{name}", "file_name": name}
        extra = {"document": document, "media_group_id": "album-1"}
        api.user_message(None, user_id=ADMIN, extra=extra)
    deadline = asyncio.get_running_loop().time() + 10
    while not (seeds_copy / "wheat.txt").exists():  # the others are stored meanwhile
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.005)
    assert sent_texts(api, ADMIN) == [] and not bot.library.reloading
    slow.set()
    [reply] = await api.wait_for("sendMessage", chat_id=ADMIN, timeout=20)
    lines = reply.params["text"].split("\n\n")
    assert lines[0] == messages.ALBUM_FILE.format(
        name="wheat.txt", outcome=messages.UPLOAD_SAVED.format(name="wheat.txt")
    )
    assert lines[1] == messages.ALBUM_FILE.format(
        name="latin.txt", outcome=messages.UPLOAD_NOT_UTF8
    )
    assert replaced in lines[2] and messages.UPLOAD_REPLACED.split("{")[0] in lines[2]
    assert lines[3].startswith("\u200eolive.txt\u200e: ")
    report = lines[4]  # one reload, for the whole album
    assert report.startswith("تمت إعادة التحميل") and "wheat.txt" in report
    assert "olive.txt" in report and replaced in report
    assert len(lines) == 5 and sent_texts(api, ADMIN) == [reply.params["text"]]
    for question in ("أسعار القمح في مصر", "إنتاج الأرز في آسيا", "محصول الزيتون في تونس"):
        assert bot.library.engine.search(question), question


async def test_upload_to_sources_that_cannot_be_written_gets_a_reply_not_an_error(
    api, bot, seeds_copy, tmp_path
):
    # No user, root included, can create a file where a file stands in place of the directory.
    seeds_copy.rename(tmp_path / "elsewhere")
    seeds_copy.write_text("not a directory", encoding="utf-8")
    content = "انخفض إنتاج الأرز في آسيا بعد الفيضانات.\n".encode()
    api.add_file("doc9", content)
    document = {"file_id": "doc9", "file_unique_id": "u9", "file_name": "rice.txt"}
    api.user_message(None, user_id=ADMIN, extra={"document": document})
    [reply] = await api.wait_for("sendMessage", chat_id=ADMIN)
    assert reply.params["text"] == messages.UPLOAD_NOT_WRITABLE
    assert api.calls_of("getFile") == []  # refused before downloading
    api.user_message(QUESTION)
    [answer] = await api.wait_for("sendMessage", chat_id=111)
    assert "ناسداك" in answer.params["text"]
    assert messages.ERROR not in sent_texts(api, ADMIN)


async def test_upload_with_unsafe_name_or_bad_encoding_is_rejected(api, bot, seeds_copy):
    api.add_file("doc2", b"text")
    api.user_message(
        None,
        user_id=ADMIN,
        extra={
            "document": {"file_id": "doc2", "file_unique_id": "u2", "file_name": "../evil.txt"}
        },
    )
    api.add_file("doc3", "café".encode("latin-1"))
    api.user_message(
        None,
        user_id=ADMIN,
        extra={"document": {"file_id": "doc3", "file_unique_id": "u3", "file_name": "latin.txt"}},
    )
    calls = await api.wait_for("sendMessage", count=2, chat_id=ADMIN)
    assert "اسم الملف" in calls[0].params["text"] and "UTF-8" in calls[1].params["text"]
    assert not (seeds_copy / "latin.txt").exists()


REFUSED_UPLOADS = {
    "bad name": ("../evil.txt", b"text", None, "unsafe file name", messages.UPLOAD_BAD_NAME),
    "bad encoding": ("latin.txt", "café".encode("latin-1"), None, "not UTF-8", None),
    "no text": ("empty.md", b"  \n", None, "not readable as an article: no text", None),
    "too large": (
        "big.txt",
        b"x",
        5_000_000,
        "5000000 bytes, over upload_max_bytes (1000000)",
        messages.UPLOAD_TOO_BIG.format(limit=1_000_000),
    ),
}


@pytest.mark.parametrize(
    ("name", "data", "size", "logged", "reply"), REFUSED_UPLOADS.values(), ids=REFUSED_UPLOADS
)
async def test_a_refused_upload_is_one_log_line_and_an_arabic_reply(
    api, bot, caplog, name, data, size, logged, reply
):
    caplog.set_level(logging.INFO, logger="bot")
    api.add_file("doc", data)
    document = {"file_id": "doc", "file_unique_id": "u", "file_name": name}
    if size is not None:
        document["file_size"] = size
    api.user_message(None, user_id=ADMIN, extra={"document": document})
    [sent] = await api.wait_for("sendMessage", chat_id=ADMIN)
    [refusal] = [r for r in caplog.records if r.getMessage().startswith("refused")]
    assert refusal.getMessage().startswith(
        f"refused the upload {name!r} from telegram:{ADMIN}: {logged}"
    )
    assert refusal.levelname == "WARNING" and refusal.exc_info is None
    if reply is not None:
        assert sent.params["text"] == reply
    assert sent.params["text"] != messages.ERROR and not (bot.library.sources_dir / name).exists()


@pytest.mark.parametrize(
    "hostile",
    [
        "<b>ما هو ديب سيك</b>",
        "إنفيديا & OpenAI <script>",
        "ديب سيك " * 500,
        "🤖🔥 ديب سيك؟ 🇸🇦",
        "\u200f\u202eإنفيديا\u202c",
        "؟؟!!...",
    ],
)
async def test_hostile_input_gets_a_valid_reply(api, bot, hostile):
    api.user_message(hostile)
    [call] = await api.wait_for("sendMessage")
    assert call.ok


async def test_sticker_gets_a_text_hint(api, bot):
    api.user_message(
        None,
        extra={
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
    )
    [call] = await api.wait_for("sendMessage")
    assert "النصية" in call.params["text"]


async def test_edited_question_is_answered_again(api, bot):
    api.user_message(QUESTION, edited=True)
    [call] = await api.wait_for("sendMessage")
    assert "ناسداك" in call.params["text"]


async def test_telegram_429_is_retried_and_500_does_not_stop_the_bot(api, bot):
    api.fail_next("sendMessage", 429, retry_after=1)
    api.user_message(QUESTION)
    [answer] = await api.wait_for("sendMessage", timeout=15)
    assert "ناسداك" in answer.params["text"]
    api.fail_next("sendMessage", 500, times=1)
    api.user_message(BROAD)
    await asyncio.sleep(0.5)
    api.user_message(QUESTION)
    await api.wait_for("sendMessage", count=2, timeout=15)


async def until(condition, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (the bot works in other tasks meanwhile)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_passing_telegram_failure_is_retried_and_the_answer_arrives(api, bot, status):
    api.fail_next("sendMessage", status, times=2)
    question = api.user_message(QUESTION)
    [answer] = await api.wait_for("sendMessage", chat_id=111, timeout=15)
    assert "ناسداك" in answer.params["text"]
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]
    assert len(api.calls_of("sendMessage", ok=False)) == 2


async def test_telegram_failing_every_attempt_is_one_raw_log_line_and_an_apology(
    api, bot, caplog, monkeypatch
):
    from bot.telegram import send

    monkeypatch.setattr(send, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    caplog.set_level(logging.INFO, logger="bot.telegram")
    api.fail_next("sendMessage", 500, times=len(send.RETRY_DELAYS) + 1)
    api.user_message(QUESTION)
    [apology] = await api.wait_for("sendMessage", chat_id=111)
    assert apology.params["text"] == messages.ERROR
    assert len(api.calls_of("sendMessage", ok=False)) == len(send.RETRY_DELAYS) + 1
    [failed] = [r for r in caplog.records if r.getMessage().startswith("update failed")]
    # Logs show the text as it is; HTML escaping is for what Telegram parses.
    assert failed.getMessage() == "update failed: NetworkError('Internal Server Error')"


@pytest.mark.parametrize(
    "refusal",
    [
        "Forbidden: bot was blocked by the user",
        "Forbidden: user is deactivated",
        "Forbidden: bot was kicked from the supergroup chat",
    ],
)
async def test_a_chat_that_refuses_the_bot_is_one_log_line_and_no_second_message(
    api, bot, caplog, refusal
):
    caplog.set_level(logging.INFO, logger="bot.telegram")
    api.fail_next("sendMessage", 403, description=refusal)
    api.user_message(QUESTION, user_id=112)
    await until(lambda: any("cannot write" in r.getMessage() for r in caplog.records))
    api.user_message(QUESTION, user_id=113)  # still serving everyone else
    await api.wait_for("sendMessage", chat_id=113)
    assert [c.ok for c in api.calls_of("sendMessage", ok=None) if c.params["chat_id"] == 112] == [
        False
    ]
    records = [r for r in caplog.records if r.name.startswith("bot.telegram")]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", f"cannot write to chat 112: {refusal}")
    ]
    assert not any(r.exc_info for r in records)


async def test_rejected_html_is_resent_as_plain_text(api, bot):
    api.fail_next("sendMessage", 400)
    api.user_message(QUESTION)
    [call] = await api.wait_for("sendMessage")
    assert "parse_mode" not in call.params
    assert "ناسداك" in call.params["text"] and "<b>" not in call.params["text"]


async def test_refused_buttons_are_dropped_and_the_answer_still_sent(api, bot):
    api.fail_next("sendMessage", 400, description="Bad Request: BUTTON_URL_INVALID")
    api.user_message(QUESTION)
    [call] = await api.wait_for("sendMessage")
    assert len(api.calls_of("sendMessage", ok=False)) == 1
    assert "reply_markup" not in call.params and call.params["parse_mode"] == "HTML"
    assert "<b>ناسداك</b>" in call.params["text"]


async def test_refused_inline_results_are_sent_again_as_plain_text(api, bot):
    api.fail_next("answerInlineQuery", 400, description="Bad Request: can't parse entities")
    api.inline_query(BROAD)
    [call] = await api.wait_for("answerInlineQuery")
    content = call.params["results"][0]["input_message_content"]
    assert "parse_mode" not in content and "<blockquote" not in content["message_text"]


async def test_rejected_command_menu_does_not_stop_the_bot(api, seeds_copy):
    api.fail_next("setMyCommands", 400, times=5)
    async with RunningBot(api, make_settings(api, seeds_copy), Library.open(seeds_copy)):
        api.user_message(QUESTION)
        await api.wait_for("sendMessage")


async def test_per_user_rate_limit_answers_kindly(api, seeds_copy):
    settings = make_settings(api, seeds_copy, user_questions_per_minute=1)
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        api.user_message(QUESTION)
        await api.wait_for("sendMessage")
        api.user_message(BROAD)
        calls = await api.wait_for("sendMessage", count=2)
    assert "انتظر" in calls[1].params["text"]


async def test_a_burst_over_the_rate_limit_gets_one_refusal_but_inline_is_always_answered(
    api, seeds_copy
):
    settings = make_settings(api, seeds_copy, user_questions_per_minute=1)
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        api.user_message(QUESTION)
        await api.wait_for("sendMessage", chat_id=111)
        for _ in range(4):
            api.user_message(BROAD)
        api.user_message(QUESTION, user_id=222)  # handled after the burst
        await api.wait_for("sendMessage", chat_id=222)
        await api.wait_for("sendMessage", count=2, chat_id=111)
        api.inline_query(BROAD)
        [inline] = await api.wait_for("answerInlineQuery")
    texts = sent_texts(api, 111)
    assert len(texts) == 2 and texts[1].startswith("أسئلة كثيرة في وقت قصير!")
    [card] = inline.params["results"]
    assert card["title"].startswith("أسئلة كثيرة في وقت قصير!")


ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: "from" of every anonymous admin
CHANNEL_BOT = 136817688  # "from" of every message sent on behalf of a channel


async def test_rate_limit_is_per_real_sender_not_per_shared_bot_account(api, seeds_copy):
    settings = make_settings(api, seeds_copy, user_questions_per_minute=1)
    senders = [
        (ANONYMOUS_ADMIN, -100, {"id": -100, "type": "supergroup", "title": "أ"}),
        (ANONYMOUS_ADMIN, -200, {"id": -200, "type": "supergroup", "title": "ب"}),
        (CHANNEL_BOT, -300, {"id": -1009, "type": "channel", "title": "قناة"}),
    ]
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        for user_id, chat_id, sender_chat in senders:
            api.user_message(
                f"/ask {QUESTION}",
                user_id=user_id,
                chat_id=chat_id,
                chat_type="supergroup",
                extra={"sender_chat": sender_chat},
            )
            [answer] = await api.wait_for("sendMessage", chat_id=chat_id)
            assert "ناسداك" in answer.params["text"]
        api.user_message(
            f"/ask {BROAD}",
            user_id=ANONYMOUS_ADMIN,
            chat_id=-100,
            chat_type="supergroup",
            extra={"sender_chat": senders[0][2]},
        )
        calls = await api.wait_for("sendMessage", count=2, chat_id=-100)
    assert "انتظر" in calls[1].params["text"]


async def test_chat_outside_the_allow_list_is_ignored(api, seeds_copy):
    settings = make_settings(api, seeds_copy, allowed_chat_ids=[111])
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        api.user_message(QUESTION, user_id=222)
        api.user_message(QUESTION, user_id=111)
        await api.wait_for("sendMessage", chat_id=111)
        await asyncio.sleep(0.3)
    assert sent_texts(api, 222) == []


async def test_allow_list_keeps_admins_private_chat_and_inline_and_logs_each_drop_once(
    api, seeds_copy, caplog
):
    caplog.set_level(logging.INFO, logger="bot.telegram.app")
    group = -100321
    settings = make_settings(api, seeds_copy, allowed_chat_ids=[group])
    async with RunningBot(api, settings, Library.open(seeds_copy)):
        for _ in range(2):
            api.user_message(QUESTION, user_id=222)
            api.user_message(f"/ask {QUESTION}", chat_id=-100999, chat_type="supergroup")
        api.user_message(f"/ask {QUESTION}", chat_id=group, chat_type="supergroup")
        api.user_message("/stats", user_id=ADMIN)
        api.user_message("/gaps", user_id=ADMIN)
        await api.wait_for("sendMessage", chat_id=group)
        await api.wait_for("sendMessage", count=2, chat_id=ADMIN)
        stranger = api.inline_query(QUESTION, user_id=222)
        admin = api.inline_query(QUESTION, user_id=ADMIN)
        [refused] = await api.wait_for("answerInlineQuery", inline_query_id=stranger)
        [answered] = await api.wait_for("answerInlineQuery", inline_query_id=admin)
        api.inline_query(BROAD, user_id=222)
        await api.wait_for("answerInlineQuery", count=3)
    assert sent_texts(api, 222) == [] and sent_texts(api, -100999) == []
    assert refused.params["results"] == [] and refused.params["is_personal"] is True
    assert answered.params["results"] and answered.params["is_personal"] is True
    dropped = sorted(r.getMessage() for r in caplog.records if "ignoring" in r.getMessage())
    assert dropped == [
        "ignoring chat -100999 (supergroup): not in allowed_chat_ids",
        "ignoring chat 222 (private): not in allowed_chat_ids",
        "ignoring inline queries from telegram:222: allowed_chat_ids is set, "
        "inline mode is for admins",
    ]


async def test_start_lists_sources_examples_and_inline_button(api, bot):
    api.user_message("/start")
    [call] = await api.wait_for("sendMessage")
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert len(keyboard) >= 3
    assert all("switch_inline_query_current_chat" in row[0] for row in keyboard)
    assert "سند" in call.params["text"]


@pytest.mark.parametrize("inline_mode", [False, True])
async def test_start_says_once_when_inline_mode_is_off(api, seeds_copy, caplog, inline_mode):
    api.inline_mode = inline_mode
    with caplog.at_level(logging.WARNING, logger="bot.telegram.app"):
        async with RunningBot(api, make_settings(api, seeds_copy), Library.open(seeds_copy)):
            pass
    lines = [r.getMessage() for r in caplog.records if "inline mode" in r.getMessage()]
    if inline_mode:
        assert lines == []
    else:
        assert lines == [
            "inline mode is off for @sanad_test_bot: '@sanad_test_bot question' in other "
            "chats shows nothing; turn it on by sending /setinline to @BotFather"
        ]


async def test_lost_bot_api_while_polling_is_one_line_per_retry_not_a_traceback(
    api, bot, caplog
):
    caplog.set_level(logging.WARNING, logger="bot.telegram.app")
    api.fail_next("getUpdates", 500)
    api.fail_next(
        "getUpdates",
        409,
        description="Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
    api.user_message(QUESTION)  # fetched once both failures have been retried
    [answer] = await api.wait_for("sendMessage", chat_id=111, timeout=15)
    assert "ناسداك" in answer.params["text"]
    records = [r for r in caplog.records if r.name == "bot.telegram.app"]
    assert [r.levelname for r in records] == ["WARNING", "WARNING"]
    assert not any(r.exc_info for r in records)
    assert "fetching updates failed" in records[0].getMessage()
    assert "another process is fetching this bot's updates" in records[1].getMessage()


WEBHOOK_SECRET = "s3cret-token"
WEBHOOK_UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 5,
        "date": 0,
        "chat": {"id": 111, "type": "private"},
        "from": {"id": 111, "is_bot": False, "first_name": "س"},
        "text": QUESTION,
    },
}


@contextlib.asynccontextmanager
async def webhook_bot(api: BotApiEmulator, sources: Path):
    """The bot in webhook mode on a free loopback port; yields ``post(body, secret)``, which
    POSTs ``body`` (bytes) as Telegram would and returns the HTTP status."""
    from bot.telegram.app import webhook_options

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(
        api,
        sources,
        webhook_url="https://bot.example.org/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret_token=WEBHOOK_SECRET,
    )
    bot = RunningBot(api, settings, Library.open(sources))
    await bot.app.initialize()
    await bot.app.post_init(bot.app)
    await bot.app.start()
    await bot.app.updater.start_webhook(**webhook_options(settings))

    def send(body: bytes, secret: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/telegram",
            data=body,
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    async def post(body: bytes, secret: str = WEBHOOK_SECRET) -> int:
        return await asyncio.to_thread(send, body, secret)

    try:
        yield post
    finally:
        await bot.app.updater.stop()
        await bot.app.stop()
        await bot.app.shutdown()


async def test_webhook_mode_answers_updates_posted_with_the_secret(api, seeds_copy):
    async with webhook_bot(api, seeds_copy) as post:
        assert api.webhook["url"] == "https://bot.example.org/telegram"
        api.messages[(111, 5)] = WEBHOOK_UPDATE["message"]
        assert await post(json.dumps(WEBHOOK_UPDATE).encode(), "wrong") == 403
        assert await post(json.dumps(WEBHOOK_UPDATE).encode()) == 200
        [answer] = await api.wait_for("sendMessage", chat_id=111)
        assert "ناسداك" in answer.params["text"]


async def test_a_webhook_post_that_is_no_update_is_one_warning_line_and_the_bot_serves_on(
    api, seeds_copy
):
    # Telegram posts only updates: these come from strangers who found the URL.
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    level = root.level
    try:
        configure_logging(make_settings(api, seeds_copy, log_level="INFO"))
        async with webhook_bot(api, seeds_copy) as post:
            stranger = {"update_id": "x", "message": {"chat": 5, "text": "كلمة-سر-الغريب"}}
            assert await post(json.dumps(stranger).encode()) == 400
            assert await post(b"[1, 2]") == 400
            api.messages[(111, 5)] = WEBHOOK_UPDATE["message"]
            assert await post(json.dumps(WEBHOOK_UPDATE).encode()) == 200
            [answer] = await api.wait_for("sendMessage", chat_id=111)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        remove_library_lines()
        install_redaction([])
    assert "ناسداك" in answer.params["text"]
    lines = [line for line in stream.getvalue().splitlines() if "telegram.ext.Updater" in line]
    assert len(lines) == 2 and all(line.startswith("WARNING ") for line in lines), lines
    assert "KeyError" in lines[0] and "AttributeError" in lines[1]
    assert "not a Telegram update" in lines[0]
    logged = stream.getvalue()
    assert "Traceback" not in logged and "كلمة-سر-الغريب" not in logged and "CRITICAL" not in logged


async def test_admin_commands_are_registered_only_in_admin_chats(api, bot):
    calls = await api.wait_for("setMyCommands", count=2)
    scopes = {c.params.get("scope", {}).get("type"): c for c in calls}
    admin = scopes["chat"]
    assert admin.params["scope"]["chat_id"] == ADMIN
    assert "reload" in {c["command"] for c in admin.params["commands"]}
    assert "reload" not in {c["command"] for c in scopes["default"].params["commands"]}


async def test_no_secret_reaches_the_logs_at_debug(api, seeds_copy, monkeypatch):
    from bot.telegram import send

    monkeypatch.setattr(send, "RETRY_DELAYS", (0.01,))

    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx")}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    secret = "webhook-Secret_42"
    settings = make_settings(api, seeds_copy, log_level="DEBUG", webhook_secret_token=secret)
    try:
        configure_logging(settings)
        async with RunningBot(api, settings, Library.open(seeds_copy)):
            api.fail_next("sendMessage", 500, times=2)
            api.user_message(QUESTION)  # fails twice: the error handler logs the exception
            api.user_message(BROAD)
            await api.wait_for("sendMessage", count=2)
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        install_redaction([])
    logged = stream.getvalue()
    assert "getMe" in logged and "sendMessage" in logged  # DEBUG was on, requests were logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
    assert secret not in logged


def test_emulator_rejects_what_telegram_rejects():
    with pytest.raises(ValueError):
        parse_telegram_html("<b>غير مغلق")
    with pytest.raises(ValueError):
        parse_telegram_html("<div>x</div>")
    with pytest.raises(ValueError):
        parse_telegram_html("a & b")
    assert parse_telegram_html("<b>a</b> &amp; <blockquote expandable>c</blockquote>") == "a & c"
    assert utf16_length("🤖") == 2


async def test_a_group_answered_in_full_hears_passages_or_nothing_unless_it_calls_the_bot(
    api, seeds_copy
):
    # A trial saw «صباح الخير يا جماعة» and «هههههه» each answered «لم أجد…» in such a group.
    settings = make_settings(api, seeds_copy, answer_every_group_message=[-100])
    async with RunningBot(api, settings, Library.open(seeds_copy)) as running:
        for chatter in ("صباح الخير يا جماعة", "هههههه", "كيف أطبخ المقلوبة باللحم؟"):
            api.user_message(chatter, chat_id=-100, chat_type="supergroup")
        api.user_message(QUESTION, chat_id=-100, chat_type="supergroup")
        called = f"@{BOT_USER['username']} كيف أطبخ المقلوبة باللحم؟"
        api.user_message(called, chat_id=-100, chat_type="supergroup")
        await api.wait_for("sendMessage", chat_id=-100, count=2)
        stats = running.service.stats
        for _ in range(500):  # until every search reached the service (5 s at most)
            if len(stats.latencies_ms) >= 4:
                break
            await asyncio.sleep(0.01)
    texts = sent_texts(api, -100)
    assert len(texts) == 2, texts
    assert any("<b>ناسداك</b>" in text for text in texts)
    assert any("لم أجد" in text for text in texts)


async def test_talk_in_a_group_answered_in_full_does_not_use_up_the_questions_of_the_minute(
    api, seeds_copy
):
    # A trial: after chatting in such a group, a question to the bot was refused as too many.
    settings = make_settings(
        api, seeds_copy, answer_every_group_message=[-100], user_questions_per_minute=2
    )
    async with RunningBot(api, settings, Library.open(seeds_copy)) as running:
        for talk in ("كيف أطبخ المقلوبة باللحم؟", "مين جاي على العشاء بكرة؟", "هههههه"):
            api.user_message(talk, chat_id=-100, chat_type="supergroup")
        await until(lambda: len(running.service.stats.latencies_ms) >= 3)
        api.user_message(
            f"@{BOT_USER['username']} {QUESTION}", chat_id=-100, chat_type="supergroup"
        )
        [answer] = await api.wait_for("sendMessage", chat_id=-100)
    assert "<b>ناسداك</b>" in answer.params["text"]
