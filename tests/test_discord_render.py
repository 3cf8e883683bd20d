"""Discord payloads: within Discord's limits and unable to ping, whatever the text."""

from __future__ import annotations

import re

import pytest
from conftest import CITY_PART_LABEL
from discordapi import (
    CHANNEL_DEFAULT_PARSE,
    FormErrors,
    check_message_fields,
    clickable_links,
    pings,
)
from discordbot import DIRECTION_CONTROLS, visible_text
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bidi import LRI, PDI, RLM
from bot.discord import render
from bot.service import messages
from bot.service.sanad import AnswerPage
from bot.telegram.render import source_html
from retrieval.answer import Answer, Passage, Source, Span

# Arabic, Latin, digits, Discord markdown and mention syntax, emoji, direction controls, breaks;
# or any Unicode text at all, up to more than a whole embed holds.
PIECES = [
    *"كم انخفض مؤشر ناسداك؟، ",
    *"DeepSeek R1 GPT-4 ",
    *"*_~`|<>@#&![]()\\:-+.=0123456789",
    *("@everyone", "@here", "<@123>", "<@!123>", "<@&9>", "<#5>", "<t:1:R>", "-# ", "> "),
    *("📉", "👨\u200d👩\u200d👧", "\u200f", "\u200e", "\u202e", "\u2066", "\u2069", "\n", "\t"),
]
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=800).map("".join),
    st.text(max_size=5000),
)


@st.composite
def passages(draw) -> Passage:
    text = draw(TEXT.filter(lambda t: t.strip()))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    cuts = sorted(draw(st.sets(st.integers(start, end), max_size=12)))
    highlights = tuple(Span(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b)
    source = Source(
        title=draw(TEXT),
        file="a.md",
        paragraph=draw(st.integers(1, 10_000)),
        paragraph_total=10_000,
        publisher=draw(st.none() | TEXT),
        url=draw(st.none() | st.sampled_from(["https://x.org/a", "javascript:alert(1)", "x"])),
    )
    return Passage(text, 1.0, source, Span(start, end), highlights)


SOURCE = Source(title="عنوان", file="a.md", paragraph=1, paragraph_total=1)


def within_discord_limits(payload: dict) -> None:
    """Nothing the emulator (Discord's limits) refuses, nothing it counts as a ping."""
    errors = FormErrors()
    check_message_fields(payload, errors)
    assert errors.tree == {} and render.problems(payload) == []
    assert pings(payload, default_parse=CHANNEL_DEFAULT_PARSE, replied_author="1") == set()


@settings(max_examples=150, deadline=None)
@given(
    question=TEXT,
    found=st.lists(passages(), min_size=0, max_size=5),
    offset=st.integers(0, 200),
    weak=st.booleans(),
    trimmed=st.booleans(),
    ephemeral=st.booleans(),
)
def test_any_answer_renders_within_discords_limits_and_pings_nobody(
    question, found, offset, weak, trimmed, ephemeral
):
    asked = render.fit_question(question)
    answer = Answer(asked, tuple(found), offset, total=offset + len(found) + 1, weak=weak)
    payload = render.answer_payload(AnswerPage(answer), trimmed=trimmed, ephemeral=ephemeral)
    within_discord_limits(payload)
    assert len(payload.get("embeds", [])) == len(found)
    expected = DIRECTION_CONTROLS.sub("", asked).strip() or None
    assert render.question_of_answer(payload["content"]) == expected


@settings(max_examples=150, deadline=None)
@given(text=TEXT.filter(str.strip), ephemeral=st.booleans())
def test_any_sentence_or_list_fits_one_message(text, ephemeral):
    payload = render.text_payload(text, ephemeral=ephemeral)
    within_discord_limits(payload)


@given(text=TEXT)
def test_escaping_is_undone_exactly(text):
    assert render.unescape_markdown(render.escape_markdown(text)) == text


# Links as people paste them, and pieces that sit against them in a line.
LINK_PIECES = [
    *PIECES,
    *("https://evil.example/a_b?c=*d*", "http://x.org/`tick`", "<https://x.org>", " "),
    *("discord.gg/abc", "www.example.org", "HTTPS://X.ORG/", "ftp://x", "\\", "`", "``"),
]
LINKED_TEXT = st.lists(st.sampled_from(LINK_PIECES), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(question=st.one_of(LINKED_TEXT, TEXT))
def test_a_question_line_has_no_live_link_and_reads_back_as_the_question(question):
    asked = render.fit_question(question)
    content = render.answer_payload(AnswerPage(Answer(asked, (), 0, 0)))["content"]
    first_line = content.split("\n", 1)[0]
    assert clickable_links(first_line) == []
    expected = DIRECTION_CONTROLS.sub("", asked).strip() or None
    assert render.question_of_answer(content) == expected


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(LINKED_TEXT, TEXT))
def test_user_text_escaping_is_undone_exactly_and_leaves_no_live_link(text):
    escaped = render.escape_user_text(text)
    assert render.unescape_markdown(escaped) == text
    assert clickable_links(escaped) == []


def test_links_in_a_question_show_as_typed_but_are_no_links():
    question = "افتح https://evil.example/x_y و discord.gg/abc"
    line = render.question_line(question)
    assert clickable_links(line) == []
    assert visible_text(line) == f"-# ❓ {question}"  # Discord drops the escaping backslashes
    # <…> only stops the preview: Discord still makes a link of it.
    assert clickable_links("<https://evil.example/x>") == ["https://evil.example/x"]


def test_a_long_list_keeps_its_first_lines_and_says_how_many_were_left_out():
    lines = [f"- ملف {n}.md: عنوان طويل بعض الشيء للمقال رقم {n}" for n in range(300)]
    content = render.text_payload("\n".join(lines))["content"]
    shown = visible_text(content).split("\n")
    assert len(content) <= render.CONTENT_LIMIT and len(shown) > 10
    assert shown[:-1] == lines[: len(shown) - 1]
    assert shown[-1] == messages.LIST_CUT.format(count=300 - (len(shown) - 1))


def test_every_arabic_line_is_held_right_to_left_and_latin_lines_are_left_alone():
    text = "DeepSeek R1 هو نموذج\nhttps://example.org\nسطر عربي"
    assert render.rtl_lines(text).split("\n") == [
        f"{RLM}{LRI}DeepSeek R1{PDI} هو نموذج{RLM}",  # the whole Latin run, isolated once
        "https://example.org",
        f"{RLM}سطر عربي{RLM}",
    ]


def test_the_texts_own_overrides_are_closed_before_the_lines_last_mark():
    shown = render.rtl_lines("\u202eمؤشر ناسداك\u2066")
    assert shown == f"{RLM}\u202eمؤشر ناسداك{LRI}{PDI}\u202c{RLM}"


@given(text=TEXT)
def test_no_mark_separates_a_backslash_from_what_it_escapes(text):
    shown = render.rtl_lines(render.escape_markdown(text))
    i = 0
    while i < len(shown):
        if shown[i] == "\\":
            assert not DIRECTION_CONTROLS.match(shown, i + 1), shown[max(0, i - 5) : i + 5]
            i += 2
        else:
            i += 1
    assert render.unescape_markdown(DIRECTION_CONTROLS.sub("", shown)) == DIRECTION_CONTROLS.sub(
        "", text
    )


@pytest.mark.parametrize("cluster", ["👨\u200d👩\u200d👧", "🇸🇦", "بَ", "👍🏽"])
def test_a_quote_is_cut_between_whole_characters_as_people_see_them(cluster):
    text = cluster * 3000  # no space to cut at
    passage = Passage(text, 1.0, SOURCE, Span(0, len(text)), ())
    shown = visible_text(render.quote(passage, 500)).removesuffix("…")
    assert shown and shown == cluster * (len(shown) // len(cluster))


def test_a_link_is_only_an_http_url_discord_takes():
    assert render.link_url("https://www.aljazeera.net/a?b=1") == "https://www.aljazeera.net/a?b=1"
    for bad in ("javascript:alert(1)", "ftp://x.org", "https://x.org/a b", "https://" + "a" * 600):
        assert render.link_url(bad) is None


def test_the_question_is_read_back_from_the_answer_exactly():
    question = "ما **ديب سيك**؟ \\ `R1` <@123> @everyone"
    page = AnswerPage(Answer(question, (), 0, 0))
    content = render.answer_payload(page)["content"]
    assert render.question_of_answer(content) == question
    assert render.question_of_answer("مرحبا") is None
    assert re.match(r"-# ", content)


def test_a_part_of_a_long_paragraph_is_cited_with_its_part(split_answer):
    [embed] = render.answer_payload(AnswerPage(split_answer))["embeds"]
    assert visible_text(embed["footer"]["text"]) == CITY_PART_LABEL


def test_an_author_standing_in_for_the_publisher_is_labelled_on_every_platform():
    by_author = Source("عنوان", "a.txt", 2, 9, publisher=None, author="سارة علي")
    by_publisher = Source("عنوان", "a.txt", 2, 9, publisher="الجزيرة", author="سارة علي")
    assert render.footer_text(by_author).startswith(f"{messages.AUTHOR}: سارة علي — ")
    assert render.footer_text(by_publisher).startswith("الجزيرة — ")
    assert f"{messages.AUTHOR}: " in source_html(by_author)
    assert messages.AUTHOR not in source_html(by_publisher)
