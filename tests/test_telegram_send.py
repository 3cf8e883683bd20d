"""What Telegram refuses, the bot sends again without: against the strict emulator."""

from __future__ import annotations

import pytest
from botapi import TOKEN, BotApiEmulator, utf16_length
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.telegram.send import Outgoing, send

CHAT = 111


@pytest.fixture
async def api():
    emulator = BotApiEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
async def telegram_bot(api):
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        yield bot


def keyboard(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("المصدر", url=url),
                InlineKeyboardButton("👍", callback_data="fb:1"),
            ]
        ]
    )


def attempts(api: BotApiEmulator) -> list:
    return api.calls_of("sendMessage", ok=None)


@pytest.mark.parametrize("url", ["https://intranet/doc", "https://exa mple.org/x", "https://"])
async def test_a_refused_button_url_is_dropped_and_the_formatting_kept(api, telegram_bot, url):
    await send(
        telegram_bot, CHAT, Outgoing("<b>ناسداك</b> انخفض", html=True, markup=keyboard(url))
    )
    rejected, sent = attempts(api)
    assert not rejected.ok and "BUTTON_URL_INVALID" in rejected.error
    assert sent.ok and "reply_markup" not in sent.params
    assert sent.params["parse_mode"] == "HTML" and sent.params["text"] == "<b>ناسداك</b> انخفض"


async def test_html_telegram_cannot_parse_is_sent_as_plain_text(api, telegram_bot):
    markup = keyboard("https://example.org/a")
    await send(telegram_bot, CHAT, Outgoing("<b>ناسداك <i>انخفض</b>", html=True, markup=markup))
    rejected, sent = attempts(api)
    assert "parse entities" in rejected.error
    assert "parse_mode" not in sent.params and sent.params["text"] == "ناسداك انخفض"
    assert sent.params["reply_markup"]  # the buttons were not the problem


async def test_a_message_telegram_counts_too_long_is_shortened(api, telegram_bot):
    await send(telegram_bot, CHAT, Outgoing("🤖" * 3000))  # 6 000 UTF-16 units
    rejected, sent = attempts(api)
    assert "too long" in rejected.error
    assert utf16_length(sent.params["text"]) <= 4096 and sent.params["text"].startswith("🤖")


async def test_a_gone_reply_target_is_dropped(api, telegram_bot):
    api.fail_next("sendMessage", 400, description="Bad Request: message to be replied not found")
    await send(telegram_bot, CHAT, Outgoing("نص", reply_to=5))
    rejected, sent = attempts(api)
    assert rejected.params["reply_parameters"]["message_id"] == 5
    assert "reply_parameters" not in sent.params and sent.params["text"] == "نص"


async def test_an_unknown_refusal_drops_buttons_then_formatting_then_gives_up(api, telegram_bot):
    outgoing = Outgoing("<b>نص</b>", html=True, markup=keyboard("https://example.org/a"))
    api.fail_next("sendMessage", 400, times=2, description="Bad Request: SOMETHING_NEW")
    await send(telegram_bot, CHAT, outgoing)
    first, second, third = attempts(api)
    assert "reply_markup" in first.params and "reply_markup" not in second.params
    assert second.params["parse_mode"] == "HTML" and "parse_mode" not in third.params
    assert third.ok and third.params["text"] == "نص"
    api.fail_next("sendMessage", 400, times=3, description="Bad Request: SOMETHING_NEW")
    with pytest.raises(BadRequest):
        await send(telegram_bot, CHAT, outgoing)
