"""Chat text that asks no question, recognised the same way for every platform."""

from __future__ import annotations

import pytest

from bot.service import messages
from bot.service.phrases import command, greeting, is_more


@pytest.mark.parametrize(
    "text",
    [
        "المزيد",
        "مزيد",
        "مزيـــد",
        "المزيد؟",
        "المزيد!",
        "  المزيد من فضلك ",
        "هات المزيد",
        "أكثر",
        "اكثر",
        "التالي",
        "فقرات أخرى",
        "More",
        "more please",
        "/more",
        "المزيد يا سند",
    ],
)
def test_ways_of_asking_for_more_are_more(text):
    assert is_more(text)


@pytest.mark.parametrize(
    "text",
    ["ما المزيد عن ديبسيك؟", "أكثر الدول استخدامًا لديب سيك", "سند", "more about DeepSeek"],
)
def test_questions_that_hold_the_word_are_questions(text):
    assert not is_more(text)


@pytest.mark.parametrize(
    ("text", "salutation"),
    [
        ("مرحبا", messages.HELLO_REPLY),
        ("مرحباً!", messages.HELLO_REPLY),
        ("أهلاً وسهلاً", messages.HELLO_REPLY),
        ("اهلا يا سند", messages.HELLO_REPLY),
        ("صباح الخير", messages.HELLO_REPLY),
        ("Hi", messages.HELLO_REPLY),
        ("hello there!", messages.HELLO_REPLY),
        ("السلام عليكم", messages.SALAM_REPLY),
        ("السلام عليكم ورحمة الله وبركاته 🌹", messages.SALAM_REPLY),
        ("سلام", messages.SALAM_REPLY),
        ("salam alaikum", messages.SALAM_REPLY),
    ],
)
def test_a_greeting_alone_is_greeted_back(text, salutation):
    assert greeting(text) == salutation


@pytest.mark.parametrize(
    "text",
    [
        "مرحبا، كم كلّف تدريب نموذج R1؟",
        "السلام عليكم، من أسس ديب سيك؟",
        "صباح الخير يا جماعة، ما أخبار ديب سيك؟",
        "hi, who founded DeepSeek?",
        "مرحبا " * 20,
    ],
)
def test_a_greeting_with_a_question_is_a_question(text):
    assert greeting(text) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("/foo", "/foo"),
        ("/foo bar", "/foo"),
        ("  /Stats@SanadBot", "/Stats"),
        ("/ما هو ديبسيك؟", None),  # Arabic after a slash is no command on either platform
        ("ما /foo", None),
        ("/", None),
    ],
)
def test_a_slash_command_is_read_from_the_start_of_a_message(text, name):
    assert command(text) == name
