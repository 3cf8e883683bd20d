"""Any passage and any question must render to valid Telegram HTML within Telegram's limits."""

from botapi import parse_telegram_html, utf16_length
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bidi import LRI, PDI, RLM
from bot.telegram.render import answer_html, passage_html, source_html
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


def test_source_line_starting_with_latin_keeps_right_to_left_order():
    source = Source("DeepSeek يغيّر السوق", "a.txt", 3, 9, publisher="العربية Business")
    line = source_html(source)
    assert line.startswith(RLM)
    assert f"{LRI}DeepSeek{PDI}" in line and f"{LRI}Business{PDI}" in line


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
