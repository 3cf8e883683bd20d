"""Mixed Arabic/Latin answers read right, and no article can move text outside its own field.

Every check runs the real Unicode bidi algorithm (python-bidi, which wraps the Rust unicode-bidi
crate) over lines rendered by the real renderers and asserts what a reader sees. ``seen`` gives
a line's characters in visual order, left to right, without the invisible controls. python-bidi
does not apply rule L4 (mirroring, left to the font), so a bracket at a right-to-left level is
stored as the mirror image of what is drawn: ")OpenAI(" is drawn "(OpenAI)", "»x«" is "«x»".
"""

from __future__ import annotations

import re

import pytest
from bidi import get_display
from botapi import parse_telegram_html
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bidi import (
    DIRECTION_CONTROLS,
    LRI,
    PDI,
    RLM,
    display_field,
    display_quote,
    display_quote_pieces,
    isolate_ltr_runs,
    rtl_line,
    rtl_lines_in_ltr_layout,
)
from bot.console.render import render_answer
from bot.telegram.render import answer_html
from retrieval.answer import Answer, Passage, Source, Span

PARAGRAPH_SEPARATORS = re.compile("[\n\r\x1c\x1d\x1e\x85\u2029]")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# The paragraph label of every source line below, as a reader sees it ("الفقرة 12 من 40").
LABEL_SEEN = "40 نم 12 ةرقفلا"


def seen(line: str, base_dir: str | None = None) -> str:
    """One line as displayed, left to right, without invisible direction controls."""
    assert not PARAGRAPH_SEPARATORS.search(line)
    return "".join(c for c in get_display(line, base_dir=base_dir) if c not in DIRECTION_CONTROLS)


def visible(text: str) -> str:
    return "".join(c for c in text if c not in DIRECTION_CONTROLS)


def passage(
    text: str,
    title: str = "عنوان",
    publisher: str | None = "ناشر",
    author: str | None = None,
    url: str | None = None,
    highlights: tuple[Span, ...] = (),
) -> Passage:
    source = Source(title, "a.txt", 12, 40, publisher=publisher, author=author, url=url)
    return Passage(text, 1.0, source, Span(0, len(text)), highlights)


def terminal_lines(item: Passage, ansi: bool = False) -> list[str]:
    """``sanad ask`` output for one passage: intro, blank, quote line(s), source line."""
    text = render_answer(Answer("سؤال", (item,), total=1), ansi=ansi)
    return PARAGRAPH_SEPARATORS.split(ANSI.sub("", text))


def telegram_lines(item: Passage) -> list[str]:
    """What Telegram shows of the answer to one passage: intro, blank, quote, source line."""
    markup = answer_html(Answer("سؤال", (item,), total=1))
    return PARAGRAPH_SEPARATORS.split(parse_telegram_html(markup))


def quote_seen(text: str) -> tuple[str, str]:
    """The one-line quote ``text`` as seen in the terminal and in Telegram."""
    item = passage(text)
    return seen(terminal_lines(item)[2]), seen(telegram_lines(item)[2])


def source_seen(item: Passage) -> tuple[str, str]:
    """The source line of ``item`` as seen in the terminal and in Telegram."""
    return seen(terminal_lines(item)[-1]), seen(telegram_lines(item)[-1])


# --- Fault 1: a Latin name, figure or address reads left to right as one whole ------------------

LATIN_IN_ARABIC = [
    # (Arabic before, Latin run, Arabic after): the run must show exactly as written, with the
    # Arabic words on its right (before it) and left (after it).
    ("قال", "Sam Altman", "إن الشركة تنمو"),
    ("ارتفع مؤشر", "S&P 500", "أمس"),
    ("أطلقت الشركة", "GPT-4 Turbo", "اليوم"),
    ("اشترت الشركة", "Nvidia H100 GPUs", "بالآلاف"),
    ("صرّح", "Sam Altman, OpenAI", "أمس"),
    ("نشرت", "Daoshuo Blockchain", "تقريرًا"),
    ("اقرأ", "https://example.org/news/deepseek?id=5&lang=ar", "للتفاصيل"),
    ("زر", "https://example.org/news/", "للتفاصيل"),
    ("راسلنا على", "info@sanad.org", "للاستفسار"),
    ("كُتب بلغة", "C++", "وبلغة أخرى"),
    ("وبلغة", "C#", "أيضًا"),
    ("نموذج", "DeepSeek-R1", "مفتوح"),
    ("نموذج", "Llama 3.1 405B", "مفتوح"),
    ("شبكات", "5G", "الجديدة"),
    ("الدالة", "f(x)", "معرفة"),
    ("قال", "(Sam) Altman", "إن"),
    ("اكتب", "/sources", "لترى المصادر"),
    ("حساب", "@sanad_bot", "على تيليجرام"),
    # A number parted from the letters by a neutral: the digits would count as Arabic (N1).
    ("الملف", "000_af81419499bc971b.txt", "محذوف"),
    ("نموذج", "2023-GPT", "جديد"),
]


@pytest.mark.parametrize(("before", "run", "after"), LATIN_IN_ARABIC)
def test_latin_run_inside_arabic_reads_as_written_in_terminal_and_telegram(before, run, after):
    expected = f"{after[::-1]} {run} {before[::-1]}"
    terminal, telegram = quote_seen(f"{before} {run} {after}")
    assert expected in terminal
    assert expected in telegram


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        # Latin first or last on the line: still on the right or the left end of an RTL line.
        ("DeepSeek أعلنت نموذجًا جديدًا", "اًديدج اًجذومن تنلعأ DeepSeek"),
        ("أعلنت نموذجًا جديدًا DeepSeek", "DeepSeek اًديدج اًجذومن تنلعأ"),
        ("Sam Altman قال", "لاق Sam Altman"),
        # An Arabic proclitic glued to the name stays on its right.
        ("قالت وMicrosoft إن", "نإ Microsoftو تلاق"),
        ("بالنسبة لـDeepSeek فإن", "نإف DeepSeekـل ةبسنلاب"),
        # Arabic punctuation between names keeps the names in Arabic reading order.
        ("شركات Intel، Nvidia، AMD تتنافس", "سفانتت AMD ،Nvidia ،Intel تاكرش"),
        ("ربحت Nvidia، 17 مليارًا", "اًرايلم 17 ،Nvidia تحبر"),
        # «» and brackets around Latin take the Arabic side (drawn mirrored, see ``seen``).
        ("قال «Sam Altman» أمس", "سمأ »Sam Altman« لاق"),
        ("أعلنت (OpenAI) عن نموذج", "جذومن نع )OpenAI( تنلعأ"),
    ],
)
def test_latin_at_line_edges_and_around_arabic_punctuation_reads_right(quote, expected):
    terminal, telegram = quote_seen(quote)
    assert expected in terminal
    assert expected in telegram


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "Daoshuo Blockchain", "Daoshuo Blockchain"),
        ("title", "DeepSeek يغيّر السوق", "قوسلا رّيغي DeepSeek"),
        ("title", "Sam Altman: the interview.", "Sam Altman: the interview."),
        ("publisher", "العربية Business", "Business ةيبرعلا"),
        ("publisher", "S&P Global", "S&P Global"),
    ],
)
def test_source_line_shows_latin_names_whole_and_fields_in_arabic_order(field, value, expected):
    fields = {"title": "عنوان", "publisher": "ناشر"} | {field: value}
    title_seen = expected if field == "title" else "ناونع"
    publisher_seen = expected if field == "publisher" else "رشان"
    terminal, telegram = source_seen(passage("نص", **fields))
    # Read right to left: 📄, title, publisher, paragraph (and the file in the terminal).
    assert telegram == f"{LABEL_SEEN} — {publisher_seen} — {title_seen} 📄"
    assert terminal == f"a.txt — {LABEL_SEEN} — {publisher_seen} — {title_seen} —   "


def test_author_and_url_in_the_terminal_source_line_read_whole():
    item = passage("نص", author="Sam Altman", url="https://example.org/a/")
    terminal, _ = source_seen(item)
    assert terminal == (
        f"https://example.org/a/ — a.txt — {LABEL_SEEN} — Sam Altman :بتاكلا — رشان — ناونع —   "
    )


def test_highlights_and_terminal_styling_do_not_split_a_latin_run():
    text = "قال Sam Altman إن الشركة"
    start = text.index("Altman")
    item = passage(text, highlights=(Span(start, start + len("Altman")),))
    expected = "ةكرشلا نإ Sam Altman لاق"
    assert expected in seen(terminal_lines(item, ansi=True)[2])
    assert expected in seen(telegram_lines(item)[2])


# Sentences generated from Arabic words, Latin runs and numbers, each Latin run or number
# between two Arabic words: a reader must find every unit in Arabic order, right to left, and
# every Latin run exactly as written.
ARABIC_WORDS = ["قال", "الشركة", "أعلنت", "نموذج", "جديد", "السوق", "أمس", "تقرير", "مؤشر", "ارتفع"]
LATIN_RUNS = [
    "Sam Altman",
    "S&P 500",
    "GPT-4 Turbo",
    "Nvidia H100 GPUs",
    "https://example.org/a?b=1",
    "https://x.org/",
    "info@sanad.org",
    "C++",
    "F#",
    "/sources",
    "Daoshuo Blockchain",
    "DeepSeek",
    "iPhone 15 Pro",
    "(Sam) Altman",
]
NUMBERS = ["2025", "17%", "3.5", "١٧", "١٧٪"]
SEPARATORS = [" ", "، ", "؛ ", ": ", " - ", " — ", "... "]


@st.composite
def mixed_sentences(draw):
    """(sentence, its units in logical order as (kind, text)), e.g. قال «Sam Altman»، 17% أمس."""
    words = draw(st.permutations(ARABIC_WORDS))
    latin = draw(st.permutations(LATIN_RUNS))
    count = draw(st.integers(1, 4))
    units: list[tuple[str, str]] = [("arabic", words[0])]
    text = words[0]
    for index in range(count):
        if draw(st.booleans()):
            unit = ("number", draw(st.sampled_from(NUMBERS)))
        else:
            unit = ("latin", latin[index])
        quoted = draw(st.booleans())
        text += draw(st.sampled_from(SEPARATORS)) + ("«" if quoted else "") + unit[1]
        text += ("»" if quoted else "") + draw(st.sampled_from(SEPARATORS)) + words[index + 1]
        units += [unit, ("arabic", words[index + 1])]
    return text, units


def shown_alone(kind: str, unit: str) -> str:
    """How a unit looks inside Arabic text: Arabic words drawn right to left, Latin runs and
    numbers left to right, a percent sign after a number in Arabic text on its left (%17)."""
    if kind == "arabic":
        return unit[::-1]
    if unit.endswith(("%", "٪")):
        return unit[-1] + unit[:-1]
    return unit


def assert_reads_in_order(line_seen: str, units: list[tuple[str, str]]) -> None:
    """Every unit shows as ``shown_alone`` says, each one left of the one before it."""
    position = len(line_seen)
    for kind, unit in units:
        found = line_seen.rfind(shown_alone(kind, unit), 0, position)
        assert found >= 0, (unit, line_seen)
        position = found


@settings(max_examples=300, deadline=None)
@given(mixed_sentences())
def test_any_mix_of_arabic_latin_and_numbers_reads_in_arabic_order(sentence):
    text, units = sentence
    assert_reads_in_order(seen(rtl_line(text)), units)
    assert_reads_in_order(seen(RLM + display_quote(text)), units)


# --- Fault 2: no invisible marks where the algorithm needs none ----------------------------------


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("انخفض 17%", "%17 ضفخنا"),
        ("انخفض ١٧٪", "٪١٧ ضفخنا"),
        ("بين 2023-2025 نما السوق", "قوسلا امن 2025-2023 نيب"),  # read right to left: 2023 first
        ("بلغ 3.5 مليار دولار", "رالود رايلم 3.5 غلب"),
        ("قال Sam Altman إن", "نإ Sam Altman لاق"),
        ("ارتفع S&P 500 بنسبة 2%", "%2 ةبسنب S&P 500 عفترا"),
        ("قال «Sam Altman» أمس", "سمأ »Sam Altman« لاق"),
        ("أعلنت (OpenAI) عن", "نع )OpenAI( تنلعأ"),
        ("DeepSeek أعلنت", "تنلعأ DeepSeek"),
    ],
)
def test_quotes_that_read_right_unmarked_are_quoted_exactly(quote, expected):
    item = passage(quote)
    assert terminal_lines(item)[2] == f"{RLM}1. «{quote}»"
    assert telegram_lines(item)[2] == f"{RLM}{quote}"
    assert expected in seen(telegram_lines(item)[2])


ARABIC_TEXT = st.text(
    alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىًٌٍَُِّْـ٠١٢٣٤٥٦٧٨٩0123456789"
    " .,:;!?()[]-%/«»،؛؟٪…—\"'",
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ابتثجحخدسعقلمنهوي"), ARABIC_TEXT), min_size=1, max_size=4))
def test_any_quote_without_latin_or_controls_is_shown_exactly_as_its_source(lines):
    text = "\n".join(first + rest for first, rest in lines)
    assert display_quote(text) == text
    one_line = text.replace("\n", " ")
    item = passage(one_line)
    assert terminal_lines(item)[2] == f"{RLM}1. «{one_line}»"
    assert telegram_lines(item)[2] == f"{RLM}{one_line}"


def test_a_later_quote_line_starting_with_latin_still_reads_right_to_left():
    text = "أعلنت الشركة:\nDeepSeek نموذج جديد"
    lines = terminal_lines(passage(text))
    assert seen(lines[2]) == ":ةكرشلا تنلعأ« .1"
    assert seen(lines[3]) == "»ديدج جذومن DeepSeek"
    assert seen(telegram_lines(passage(text))[3]) == "ديدج جذومن DeepSeek"


# --- Fault 3: nothing in an article reaches outside its own field or passage --------------------

CONTROL_CHARACTERS = [*sorted(DIRECTION_CONTROLS), "\n", "\r", "\t", "\x1b", "\u2028", "\u2029"]


@pytest.mark.parametrize("control", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["title", "publisher", "author"])
def test_a_control_in_a_field_cannot_move_the_rest_of_the_source_line(control, field):
    fields = {field: f"عنوان {control}خبيث Sam Altman 2024"}
    benign = {field: "عنوان خبيث"}
    terminal, telegram = source_seen(passage("نص", **fields))
    terminal_ok, telegram_ok = source_seen(passage("نص", **benign))
    if field != "author":
        # Telegram shows the author only without a publisher.
        assert_only_field_differs(telegram, telegram_ok, display_field(fields[field]))
        assert telegram.startswith(LABEL_SEEN) and telegram.endswith(" 📄")
    assert_only_field_differs(terminal, terminal_ok, display_field(fields[field]))
    assert terminal.startswith(f"a.txt — {LABEL_SEEN} — ")


def assert_only_field_differs(line_seen: str, benign_seen: str, rendered_field: str) -> None:
    """``line_seen`` is ``benign_seen`` with the benign field ("عنوان خبيث") replaced by the
    rendered field's own characters, all together: the field moved nothing else."""
    benign = "ثيبخ ناونع"
    start = benign_seen.index(benign)
    left, right = benign_seen[:start], benign_seen[start + len(benign) :]
    assert line_seen.startswith(left) and line_seen.endswith(right), (line_seen, benign_seen)
    middle = line_seen[len(left) : len(line_seen) - len(right)]
    assert sorted(middle) == sorted(visible(rendered_field))


def test_right_to_left_override_in_a_title_does_not_reverse_the_source_line():
    item = passage("نص", title="عنوان\u202e مزيف", publisher="Reuters")
    terminal, telegram = source_seen(item)
    assert telegram.startswith(f"{LABEL_SEEN} — Reuters — ")
    assert terminal.startswith(f"a.txt — {LABEL_SEEN} — Reuters — ")


def test_deeply_nested_controls_in_a_title_stay_inside_it():
    item = passage("نص", title="\u202e\u2067" * 200 + "عنوان" + "\u202c" * 30, publisher="Reuters")
    _, telegram = source_seen(item)
    assert telegram.startswith(f"{LABEL_SEEN} — Reuters — ") and telegram.endswith(" 📄")


@pytest.mark.parametrize("control", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_in_a_passage_cannot_move_the_rank_the_guillemets_or_the_source_line(control):
    item = passage(f"قال {control}Sam Altman إن 2024")
    lines = terminal_lines(item)
    assert seen(lines[2]).endswith("« .1")
    assert seen(lines[-2]).startswith("»")
    assert seen(lines[-1]) == seen(terminal_lines(passage("نص"))[-1])
    assert seen(telegram_lines(item)[-1]) == seen(telegram_lines(passage("نص"))[-1])


def test_quote_controls_are_kept_where_they_are_balanced():
    text = "قال \u2067أ\u2069 و\u202bب\u202c"
    assert display_quote(text) == text
    assert display_quote("قال \u202eمقلوب") == "قال \u202eمقلوب\u202c"
    assert display_quote("قال\u2069 \u202c") == "قال "


ANY_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8",
        include_characters="".join(CONTROL_CHARACTERS) + "Sam 2024 ()«»،.",
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
def test_no_field_text_can_change_how_the_rest_of_the_source_line_displays(title, publisher, author):
    fields = {"title": title, "publisher": publisher, "author": author}
    benign = {"title": "عنوان", "publisher": "ناشر", "author": "كاتب"}
    for lines, names in ((terminal_lines, fields), (telegram_lines, ["title", "publisher"])):
        line = seen(lines(passage("نص", **{k: fields[k] or " " for k in names}))[-1])
        base = seen(lines(passage("نص", **{k: benign[k] for k in names}))[-1])
        rendered = {k: visible(display_field(fields[k] or " ")) for k in names}
        assert_fields_in_place(line, base, {benign[k][::-1]: rendered[k] for k in names})


def assert_fields_in_place(line_seen: str, base_seen: str, fields: dict[str, str]) -> None:
    """``line_seen`` is ``base_seen`` with each benign field (key, as seen) replaced by that
    field's characters (value), each field's characters all together."""
    placed = sorted((base_seen.index(key), key, value) for key, value in fields.items())
    cursor = 0
    done = 0
    for start, key, value in placed:
        fixed = base_seen[done:start]
        assert line_seen[cursor : cursor + len(fixed)] == fixed, (line_seen, base_seen)
        cursor += len(fixed)
        assert sorted(line_seen[cursor : cursor + len(value)]) == sorted(value)
        cursor += len(value)
        done = start + len(key)
    assert line_seen[cursor:] == base_seen[done:]


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT.filter(str.strip))
def test_no_passage_text_can_move_the_rank_the_guillemets_or_the_source_line(text):
    item = passage(text)
    lines = terminal_lines(item)
    assert seen(lines[2]).endswith("« .1")
    assert seen(lines[-2]).startswith("»")
    assert seen(lines[-1]) == seen(terminal_lines(passage("نص"))[-1])
    assert seen(telegram_lines(item)[-1]) == seen(telegram_lines(passage("نص"))[-1])


def test_highlighted_quote_pieces_get_the_marks_of_the_whole_quote():
    pieces = [("استخدم ", False), ("C+", True), ("+ في", False)]
    assert display_quote_pieces(pieces) == [
        ("استخدم ", False),
        (f"{LRI}C+", True),
        (f"+{PDI} في", False),
    ]
    assert display_quote_pieces([("\u2069", True), ("نص", False)]) == [("نص", False)]


# --- Lines that nothing leads: the old contract of isolate_ltr_runs ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DeepSeek يغيّر السوق", "قوسلا رّيغي DeepSeek"),
        ("«Sam Altman» قال", "لاق »Sam Altman«"),
        ("S&P 500 يرتفع", "عفتري S&P 500"),
    ],
)
def test_a_line_starting_with_latin_still_reads_right_to_left_without_a_leading_mark(
    text, expected
):
    assert seen(isolate_ltr_runs(text)) == expected


# --- Discord: no right-to-left paragraphs at all -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DeepSeek يغيّر السوق.", ".قوسلا رّيغي DeepSeek"),
        ("قال Sam Altman إن S&P 500 ارتفع 2%.", ".%2 عفترا S&P 500 نإ Sam Altman لاق"),
        ("انخفض 17%", "%17 ضفخنا"),
        ("2025 عام جديد", "ديدج ماع 2025"),
    ],
)
def test_arabic_lines_read_right_to_left_on_a_left_to_right_platform(text, expected):
    assert seen(text, base_dir="L") != expected  # what Discord shows without help
    shown = rtl_lines_in_ltr_layout(text)
    assert shown.startswith(RLM) and shown.endswith(RLM)
    assert seen(shown, base_dir="L") == expected


def test_only_arabic_lines_get_marks_on_a_left_to_right_platform():
    text = "قال Sam Altman\nhttps://example.org/a\nمرحبًا"
    lines = rtl_lines_in_ltr_layout(text).split("\n")
    assert lines[1] == "https://example.org/a"
    assert [line.startswith(RLM) and line.endswith(RLM) for line in lines] == [True, False, True]
    assert seen(lines[0], base_dir="L") == "Sam Altman لاق"


@settings(max_examples=300, deadline=None)
@given(mixed_sentences())
def test_a_left_to_right_platform_shows_what_a_right_to_left_line_shows(sentence):
    text, units = sentence
    shown = seen(rtl_lines_in_ltr_layout(text), base_dir="L")
    assert shown == seen(rtl_line(text))
    assert_reads_in_order(shown, units)
