"""Any passage and any question must render to valid Telegram HTML within Telegram's limits."""

import unicodedata

import regex
from bidi import get_display
from botapi import parse_telegram_html, utf16_length
from conftest import CITY_PART_LABEL
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import fitting
from bot.bidi import FSI, LRI, PDI, RLI
from bot.service.sanad import Listing, Welcome, sources_listing
from bot.telegram.render import (
    INLINE_DESCRIPTION_UNITS,
    INLINE_TITLE_UNITS,
    LIST_MESSAGES,
    answer_html,
    inline_description,
    inline_title,
    listing_messages,
    passage_html,
    welcome_html,
)
from retrieval.answer import Answer, Passage, Source, Span

ALPHABET = st.characters(
    categories=("L", "N", "P", "S", "Zs", "Mn", "Cf"),
    include_characters="<>&\"'\n\u200f\u202e\u2066ًٌ",
)
TEXT = st.text(alphabet=ALPHABET, min_size=1, max_size=3000)


@st.composite
def passages(draw):
    text = draw(TEXT.filter(lambda t: t.strip()))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    spans = []
    cursor = start
    for _ in range(draw(st.integers(0, 5))):
        if cursor >= end:
            break
        a = draw(st.integers(cursor, end - 1))
        b = draw(st.integers(a + 1, end))
        spans.append(Span(a, b))
        cursor = b
    source = Source(
        title=draw(st.text(alphabet=ALPHABET, min_size=1, max_size=200)),
        file="a.txt",
        paragraph=draw(st.integers(1, 10_000)),
        paragraph_total=10_000,
        publisher=draw(st.none() | st.text(alphabet=ALPHABET, max_size=80)),
        url=draw(st.none() | st.just('https://example.org/a?b="c"&d=<e>')),
    )
    return Passage(text, 1.0, source, Span(start, end), tuple(spans))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(passages(), min_size=1, max_size=5),
    st.text(alphabet=ALPHABET, max_size=5000),
    st.integers(0, 40),
)
def test_any_answer_renders_to_valid_html_within_the_limit(items, question, offset):
    answer = Answer(question, tuple(items), offset=offset, total=offset + len(items) + 1)
    markup = answer_html(answer, trimmed_question=len(question) > 500)
    visible = parse_telegram_html(markup)
    assert 0 < utf16_length(visible) <= 4096
    assert "<blockquote" in markup


@settings(max_examples=150, deadline=None)
@given(passages())
def test_any_single_passage_is_valid_inline_message(passage):
    visible = parse_telegram_html(passage_html(passage).html)
    assert utf16_length(visible) <= 4096


def test_matched_terms_are_bold_and_corpus_html_is_escaped():
    text = "قال <b>المدير</b> إن أرباح Nvidia & شركائها ارتفعت."
    start = text.index("أرباح")
    passage = Passage(
        text, 1.0, Source("t", "a.txt", 1, 1), Span(0, len(text)), (Span(start, start + 5),)
    )
    markup = passage_html(passage).html
    visible = parse_telegram_html(markup).replace(LRI, "").replace(PDI, "")
    assert "<b>المدير</b>" in visible and "Nvidia & شركائها" in visible
    assert "<b>أرباح</b>" in markup


# Text as people paste it: emoji (astral, ZWJ sequences, flags, skin tones), mathematical
# letters and CJK beyond the BMP, Arabic with tashkeel, markup characters, newlines.
PIECES = ["🤖", "🔥", "🇸🇦", "👩\u200d💻", "👍🏽", "❤️", "𝐀", "𠀀", "ﷺ", "بِ", "سند", " ", "\n", "<", "&", "R1"]
ASTRAL_TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=2500).map("".join)
GRAPHEME = regex.compile(r"\X")


def grapheme_boundaries(text: str) -> set[int]:
    return {0} | {m.end() for m in GRAPHEME.finditer(text)}


@st.composite
def astral_passages(draw):
    text = draw(ASTRAL_TEXT.filter(lambda t: t.strip()))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    source = Source(
        title=draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5000).map("".join)),
        file="a.txt",
        paragraph=3,
        paragraph_total=9,
        publisher=draw(st.none() | ASTRAL_TEXT),
        url=draw(st.none() | st.just("https://example.org/a") | st.just("ftp://x/y")),
    )
    return Passage(text, 1.0, source, Span(start, end), ())


@settings(max_examples=100, deadline=None)
@given(st.lists(astral_passages(), min_size=1, max_size=5), ASTRAL_TEXT)
def test_astral_answers_keep_every_passage_within_4096_units(items, question):
    answer = Answer(question, tuple(items), offset=0, total=len(items) + 1)
    markup = answer_html(answer)
    visible = parse_telegram_html(markup)
    assert utf16_length(visible) <= 4096
    assert markup.count("<blockquote") == len(items)  # shortened, never dropped
    assert 'href="ftp:' not in markup


@settings(max_examples=100, deadline=None)
@given(astral_passages())
def test_astral_inline_result_fits(passage):
    assert utf16_length(parse_telegram_html(passage_html(passage).html)) <= 4096
    assert utf16_length(inline_title(passage)) <= INLINE_TITLE_UNITS
    assert utf16_length(inline_description(passage)) <= INLINE_DESCRIPTION_UNITS


@settings(max_examples=200, deadline=None)
@given(ASTRAL_TEXT, st.integers(2, 300))
def test_shortened_text_fits_and_ends_between_graphemes(text, limit):
    short = fitting.shorten(text, limit)
    assert utf16_length(short) <= limit
    body = short.removesuffix(fitting.ELLIPSIS).rstrip()
    assert text.startswith(body) and len(body) in grapheme_boundaries(text)


@settings(max_examples=200, deadline=None)
@given(ASTRAL_TEXT, st.integers(5, 500))
def test_split_loses_nothing_and_cuts_between_graphemes(text, limit):
    parts = fitting.split(text, limit)
    assert "".join(parts) == text
    assert all(utf16_length(part) <= limit for part in parts)
    cuts = [sum(len(p) for p in parts[: i + 1]) for i in range(len(parts) - 1)]
    assert set(cuts) <= grapheme_boundaries(text)


@settings(max_examples=50, deadline=None)
@given(st.lists(ASTRAL_TEXT, min_size=1, max_size=60))
def test_list_replies_fit_in_a_few_messages(lines):
    parts = listing_messages(Listing(tuple(lines)))
    assert 1 <= len(parts) <= LIST_MESSAGES
    assert all(0 < utf16_length(part) <= 4096 for part in parts)


def test_a_part_of_a_long_paragraph_is_cited_with_its_part_in_chat_and_inline(split_answer):
    chat = parse_telegram_html(answer_html(split_answer))
    inline = parse_telegram_html(passage_html(split_answer.passages[0]).html)
    for text in (chat, inline):
        source = regex.sub("[\u200e\u200f\u2066-\u2069]", "", text.splitlines()[-1])
        assert source.endswith(f" — {CITY_PART_LABEL}"), source


def paragraph_direction(line: str) -> str:
    """UAX #9 P2-P3: the first strong letter outside isolates sets a line's direction."""
    depth = 0
    for char in line:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        elif depth == 0 and unicodedata.bidirectional(char) in ("R", "AL", "L"):
            return "ltr" if unicodedata.bidirectional(char) == "L" else "rtl"
    return "ltr"


def test_every_line_of_sources_start_and_gaps_reads_right_to_left(seed_engine):
    # File names and Latin titles come first on these lines; a trial saw them left-to-right.
    listing = sources_listing(seed_engine)
    gaps = Listing(("• ❓ ChatGPT o3 شو هو؟", "• 👎 2023-GPT ماذا يعني"))
    welcome = Welcome(2, 9, ("Deepseek يغيّر قواعد اللعبة", "DeepSeek R1"), ())
    start = parse_telegram_html(welcome_html(welcome, group=False))
    texts = [*listing_messages(listing), *listing_messages(gaps), start]
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    assert len(lines) > len(listing.lines)
    assert [line for line in lines if paragraph_direction(line) != "rtl"] == []
    files = [line for line in listing_messages(listing)[0].splitlines() if ".txt" in line]
    for line, article in zip(files, seed_engine.corpus.articles, strict=True):
        assert article.file in get_display(line)  # 000_af81….txt whole, not af81….txt_000


def test_quotes_are_the_source_once_the_direction_marks_are_removed(seed_engine):
    marks = regex.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
    for question in ("ما هو نموذج DeepSeek R1؟", "ما موقف OpenAI من ديب سيك؟"):
        answer = seed_engine.answer(question)
        markup = answer_html(answer)
        quotes = regex.findall(r"<blockquote[^>]*>(.*?)</blockquote>", markup, regex.DOTALL)
        assert len(quotes) == len(answer.passages) > 0
        for quote, passage in zip(quotes, answer.passages, strict=True):
            text = marks.sub("", parse_telegram_html(quote))
            assert text.strip("…") in passage.text
