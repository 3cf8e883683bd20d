from pathlib import Path

import pytest
from conftest import SEEDS, write_articles

from retrieval.corpus import (
    PART_CHARS,
    SPLIT_PARAGRAPH_CHARS,
    load_corpus,
    read_article,
    split_long_paragraph,
    split_paragraphs,
)
from retrieval.indexing import read_sources
from retrieval.library import Library, default_snapshot
from retrieval.store import ParagraphStore


def test_every_seed_loads_with_attribution():
    corpus = load_corpus(SEEDS)
    problems = [f"{s.file}: {s.reason}" for s in corpus.skipped]
    problems += [f"{a.file}: no title" for a in corpus.articles if not a.title]
    problems += [
        f"{a.file}: no paragraphs"
        for a in corpus.articles
        if not any(p.article.file == a.file for p in corpus.paragraphs)
    ]
    assert problems == []
    assert len(corpus.articles) == 5
    by_file = {a.file: a for a in corpus.articles}
    assert by_file["003_23bee67f0e98f1d9.txt"].source == "موقع الصالح"
    assert by_file["002_8819a54ada74828c.txt"].author == "Daoshuo Blockchain"
    assert all(a.url is None and a.published is None for a in corpus.articles)


def test_seed_attribution_is_what_each_text_states_and_all_it_states():
    """sources.toml records a seed's publisher and author only as its own text names them
    (quoted below with the line that names them), and every seed whose text names one has it."""
    stated = {
        "000_af81419499bc971b.txt": (None, "شريك مؤسس لشركة VC في هونغ كونغ", 3),
        "001_e3b9e778cacdbb9d.txt": ("العربية Business نقلًا عن moneycontrol", None, 4),
        "002_8819a54ada74828c.txt": (None, "Daoshuo Blockchain", 1),
        "003_23bee67f0e98f1d9.txt": ("موقع الصالح", None, 1),
        "004_9d75bff426171bc6.txt": ("خَبَرَيْن", None, 2),
    }
    articles = {a.file: a for a in load_corpus(SEEDS).articles}
    assert {f: (a.source, a.author) for f, a in articles.items()} == {
        f: (source, author) for f, (source, author, _) in stated.items()
    }
    for file, (source, author, line) in stated.items():
        text = (SEEDS / file).read_text(encoding="utf-8").splitlines()[line - 1]
        for name in (source or author).split(" نقلًا عن "):
            assert name in text, (file, name)


def test_seed_paragraph_numbers_are_line_numbers():
    corpus = load_corpus(SEEDS)
    lines = (SEEDS / "004_9d75bff426171bc6.txt").read_text(encoding="utf-8").splitlines()
    for paragraph in corpus.paragraphs:
        if paragraph.article.file == "004_9d75bff426171bc6.txt":
            assert lines[paragraph.number - 1].strip() == paragraph.text


def test_front_matter_sets_attribution(tmp_path: Path):
    text = (
        '+++\ntitle = "عنوان المقال"\nsource = "الناشر"\nurl = "https://example.org/a"\n+++\n'
        "الفقرة الأولى من المقال وهي طويلة بما يكفي لتكون فقرة حقيقية كاملة.\n\n"
        "الفقرة الثانية من المقال وهي أيضا طويلة بما يكفي لتكون فقرة كاملة.\n"
    )
    article, paragraphs = read_article("a.md", text)
    assert (article.title, article.source, article.url) == (
        "عنوان المقال",
        "الناشر",
        "https://example.org/a",
    )
    assert [p.number for p in paragraphs] == [1, 2]


def test_title_is_derived_from_the_text_without_front_matter():
    article, _ = read_article(
        "b.txt", "عنوان قصير للمقال\nنص الفقرة الأولى الذي يشرح الموضوع بالتفصيل الكافي للقارئ.\n"
    )
    assert article.title == "عنوان قصير للمقال"


def test_blank_line_blocks_are_paragraphs_otherwise_lines():
    assert split_paragraphs("سطر أول\nسطر ثان\n\nفقرة ثانية\n") == [
        (1, "سطر أول\nسطر ثان"),
        (2, "فقرة ثانية"),
    ]
    assert split_paragraphs("أول\nثان\nثالث\n") == [(1, "أول"), (2, "ثان"), (3, "ثالث")]


@pytest.mark.parametrize(
    "debris",
    [
        # Duplicates, an image and a hashtag line.
        "عنوان يتكرر في الصفحة كثيرا جدا جدا جدا جدا.\n"
        "![صورة](https://img.example/x.png)\n"
        "#وسم #آخر #DeepSeek\n",
        # Related-article links.
        "شاهد ايضاً: مرشحة للتعليم تواجه دعوى قضائية في ولاية أخرى\n"
        "اقرأ أيضًا: عنوان قصة أخرى لا علاقة لها بالمقال\n"
        "Read more: another headline from the same site\n",
    ],
)
def test_page_debris_is_dropped_and_later_locators_stay(debris: str):
    text = (
        "عنوان يتكرر في الصفحة كثيرا جدا جدا جدا جدا.\n"
        + debris
        + "شاهد أيضا كيف يتغير السوق عندما تنخفض التكاليف بهذا الشكل.\n"  # no link: no colon
    )
    article, paragraphs = read_article("c.txt", text)
    assert [p.number for p in paragraphs] == [1, 5]
    assert article.paragraph_total == 5


@pytest.mark.parametrize(
    ("byline", "writer"),
    [
        ("بقلم: أحمد علي", "أحمد علي"),
        ("بقلم سارة المصري", "سارة المصري"),
        ("المؤلف: خالد بن سعيد الأحمد", "خالد بن سعيد الأحمد"),
        ("الكاتبة: ليلى حسن", "ليلى حسن"),
        ("إعداد: فريق التحرير", "فريق التحرير"),
        ("By John Smith", "John Smith"),
        ("Written by Jane Doe", "Jane Doe"),
    ],
)
def test_a_byline_names_the_author_and_is_no_passage(byline: str, writer: str):
    text = f"{byline}\nتنخفض تكلفة النماذج كل عام بنسبة كبيرة، كما يقول الخبراء في السوق.\n"
    article, paragraphs = read_article("b.txt", text)
    assert [p.number for p in paragraphs] == [2]
    assert article.author == writer
    # A declared author wins over the byline.
    declared, _ = read_article("b.md", f'+++\nauthor = "هيئة التحرير"\n+++\n{text}')
    assert declared.author == "هيئة التحرير"


@pytest.mark.parametrize(
    "line",
    [
        "كتب محللو Wedbush في رسالة إلى العملاء أن السوق سيتعافى قريبا.",
        "الكاتب الفلسطيني غسان كنفاني ولد في عكا عام 1936.",
        "بقلمه الرشيق وصف الكاتب شوارع القاهرة القديمة.",
        "by then the market had already recovered from the shock.",
        "بقلم: " + "كلمة " * 20,  # too long for a byline
        # A formula followed by a sentence, not a name.
        "الكاتب هو الذي يصنع الحكاية في النهاية.",
        "الكاتب: محمود درويش شاعر فلسطيني كبير ولد في البروة.",
        "الكاتب: هو العنصر الأهم في صناعة الرواية الحديثة.",
        "إعداد: تم إعداد الخطة في ثلاثة أيام فقط.",
        "بقلم الرصاص رسم الفنان لوحة للسوق القديم.",
        "Written by the river, the poem won first prize.",
        "By 2030, Jordan will double solar power capacity.",
        "By Monday, shares of the Salt market company fell 17%.",
        "By design the system fails safe when the power is lost.",
    ],
)
def test_a_paragraph_that_starts_like_a_byline_stays_a_paragraph(line: str):
    article, paragraphs = read_article("p.txt", line + "\nفقرة ثانية طويلة بما يكفي لتكون فقرة.\n")
    assert paragraphs[0].text == line.strip()
    assert article.author is None


@pytest.mark.parametrize(
    "text",
    [
        "أهلا\nوسهلا\n\nتنخفض تكلفة النماذج كل عام بنسبة كبيرة، كما يقول الخبراء.\n",
        '+++\ntitle = "أهلا\\nوسهلا"\nsource = "وكالة\\r\\nالأنباء"\n+++\nنص المقال هنا.\n',
    ],
)
def test_a_title_or_publisher_with_a_line_break_is_shown_on_one_line(text: str):
    article, _ = read_article("t.md", text)
    assert article.title == "أهلا وسهلا"
    assert article.source in (None, "وكالة الأنباء")


def test_a_credits_block_is_no_byline():
    text = "إعداد: سارة محمود\nتصوير: علي حسن\n\nتنخفض تكلفة النماذج كل عام بنسبة كبيرة.\n"
    article, paragraphs = read_article("c.txt", text)
    assert article.author is None
    assert len(paragraphs) == 1 and paragraphs[0].heading == "إعداد: سارة محمود\nتصوير: علي حسن"


def test_a_line_stating_the_declared_author_is_the_byline():
    body = (
        "الكاتب هو شريك مؤسس لشركة استثمار في هونغ كونغ.\n"
        "تنخفض تكلفة النماذج كل عام بنسبة كبيرة، كما يقول الخبراء في السوق.\n"
    )
    article, paragraphs = read_article("d.md", f'+++\nauthor = "شريك مؤسس لشركة استثمار"\n+++\n{body}')
    assert [p.number for p in paragraphs] == [2]
    assert article.author == "شريك مؤسس لشركة استثمار"
    # Without the declared author the same line is a paragraph: what follows is no name.
    _, undeclared = read_article("u.txt", body)
    assert [p.number for p in undeclared] == [1, 2]


def test_a_seed_byline_does_not_answer_who_founded_deepseek(seed_engine):
    hits = seed_engine.search("من هو مؤسس ديب سيك؟", limit=3)
    assert not any(h.paragraph.text.startswith("الكاتب هو") for h in hits)
    assert any("ليانغ وينفينغ" in h.paragraph.text for h in hits)


def test_short_heading_becomes_context_of_the_paragraph_below():
    text = "تكاليف الذكاء الاصطناعي\nتنخفض تكلفة النماذج كل عام بنسبة كبيرة، كما يقول الخبراء.\n"
    _, paragraphs = read_article("d.txt", text)
    assert len(paragraphs) == 1
    assert paragraphs[0].heading == "تكاليف الذكاء الاصطناعي"
    assert paragraphs[0].number == 2


def test_bad_files_are_skipped_with_a_reason_and_the_rest_loads(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"good.txt": "فقرة سليمة تماما عن موضوع ما.\n"})
    (sources / "latin1.txt").write_bytes("café".encode("latin-1"))
    (sources / "empty.md").write_text("  \n\n", encoding="utf-8")
    (sources / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (sources / "badmeta.md").write_text("+++\ntitle = \n+++\nنص\n", encoding="utf-8")
    (sources / "typo.md").write_text('+++\ntitel = "x"\n+++\nنص المقال هنا.\n', encoding="utf-8")
    (sources / "notes.csv").write_text("ignored", encoding="utf-8")
    corpus = load_corpus(sources)
    assert [a.file for a in corpus.articles] == ["good.txt"]
    reasons = {s.file: s.reason for s in corpus.skipped}
    assert reasons["latin1.txt"] == "not UTF-8 text"
    assert reasons["empty.md"] == "no text"
    assert reasons["binary.txt"] == "binary content"
    assert reasons["badmeta.md"].startswith("unreadable front matter")
    assert "titel" in reasons["typo.md"]
    assert "notes.csv" not in reasons


# An article with front matter, a heading, blank-line paragraphs and a line break inside one,
# and one with a paragraph a line.
BLOCKS = (
    '+++\ntitle = "عنوان المقال"\nsource = "الناشر"\nurl = "https://example.org/a"\n+++\n'
    "الفقرة الأولى من المقال وهي طويلة بما يكفي لتكون فقرة حقيقية كاملة.\n"
    "وسطرها الثاني في الفقرة نفسها.\n\n"
    "عنوان فرعي قصير\n\n"
    "الفقرة الثانية من المقال وهي أيضا طويلة بما يكفي لتكون فقرة كاملة.\n"
)
LINES = (
    "سطر أول من المقال وهو جملة كاملة ومفيدة للقارئ.\n"
    "سطر ثان من المقال وهو أيضا جملة كاملة.\n"
    "\n"
    "سطر رابع بعد سطر فارغ وهو جملة كاملة أيضا.\n"
)


def saved_as(text: str, line_break: str) -> str:
    """``text`` as saved with another line break (U+2029 ends paragraphs, U+2028 lines)."""
    if line_break == "\u2029":
        return text.replace("\n\n", "\u2029").replace("\n", "\u2028")
    return text.replace("\n", line_break)


@pytest.mark.parametrize(
    ("text", "line_break"),
    [(text, brk) for text in (BLOCKS, LINES) for brk in ("\r\n", "\r", "\u2028", "\x85")]
    + [(BLOCKS, "\u2029")],  # a paragraph separator is a blank line: it makes blocks, not lines
)
def test_article_reads_exactly_like_its_lf_copy_whatever_its_line_breaks(text, line_break):
    assert read_article("a.txt", saved_as(text, line_break)) == read_article("a.txt", text)


def test_windows_file_keeps_its_front_matter_and_citations(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes(BLOCKS.replace("\n", "\r\n").encode("utf-8"))
    corpus = load_corpus(tmp_path)
    (article,) = corpus.articles
    assert (article.title, article.source, article.url) == (
        "عنوان المقال",
        "الناشر",
        "https://example.org/a",
    )
    assert [(p.number, p.text[:12], p.heading) for p in corpus.paragraphs] == [
        (1, "الفقرة الأول", ""),
        (3, "الفقرة الثان", "عنوان فرعي قصير"),
    ]
    assert not any("\r" in p.text or "title" in p.text for p in corpus.paragraphs)


def test_long_block_is_cited_as_parts_of_whole_sentences_pointing_into_the_file():
    sentence = "جملة كاملة عن موضوع المقال في سطر واحد طويل جدا. "
    block = (sentence * 4000).strip()  # a page saved without line breaks, 200 000 characters
    text = "فقرة أولى قصيرة.\n\n" + block + "\n\nفقرة أخيرة قصيرة.\n"
    article, paragraphs = read_article("a.txt", text)
    parts = [p for p in paragraphs if p.number == 2]
    assert [p.part for p in parts] == list(range(1, len(parts) + 1)) and len(parts) > 100
    assert all(len(p.text) <= PART_CHARS and p.text.endswith(".") for p in parts)
    assert " ".join(p.text for p in parts) == block  # nothing lost, nothing rewritten
    assert [(p.number, p.part) for p in paragraphs if p.number != 2] == [(1, 0), (3, 0)]
    assert article.paragraph_total == 3


@pytest.mark.parametrize(
    "block",
    ["كلمة " * 60_000, "ك" * 200_000],  # one sentence of words; one "word" without a space
    ids=["no sentence end", "no space"],
)
def test_long_block_without_sentences_is_cut_at_spaces_or_at_the_limit(block):
    parts = split_long_paragraph(block.strip())
    assert all(0 < len(p) <= PART_CHARS for p in parts)
    assert "".join(parts).replace(" ", "") == block.replace(" ", "")


def test_paragraph_under_the_split_length_stays_whole():
    text = "جملة. " * (SPLIT_PARAGRAPH_CHARS // 6)
    assert split_long_paragraph(text.strip()) == [text.strip()]


def test_parts_keep_their_locators_through_the_paragraph_store(tmp_path: Path):
    block = ("جملة كاملة عن موضوع المقال. " * 400).strip()
    write_articles(tmp_path, {"a.txt": "مقدمة قصيرة.\n\n" + block + "\n", "b.txt": "نص آخر.\n"})
    corpus = load_corpus(tmp_path)
    store = ParagraphStore.from_paragraphs(corpus.articles, corpus.paragraphs)
    assert list(store) == list(corpus.paragraphs)
    assert [(p.article.file, p.number, p.part) for p in store][:4] == [
        ("a.txt", 1, 0),
        ("a.txt", 2, 1),
        ("a.txt", 2, 2),
        ("a.txt", 2, 3),
    ]


def test_articles_in_subfolders_load_under_their_relative_path(tmp_path: Path):
    body = "نص فقرة من المقال طويل بما يكفي ليكون فقرة كاملة.\n"
    write_articles(tmp_path, {"a.txt": body, "sources.toml": CATALOG})
    write_articles(tmp_path / "news" / "2024", {"b.md": body, "notes.pdf": "x"})
    write_articles(tmp_path / ".git", {"c.txt": body})  # hidden folders are not sources
    write_articles(tmp_path / "news", {".draft.txt": body})
    (tmp_path / "news" / "loop").symlink_to(tmp_path, target_is_directory=True)
    corpus = load_corpus(tmp_path)
    assert [a.file for a in corpus.articles] == ["a.txt", "news/2024/b.md"]
    assert corpus.articles[1].title == "مقال في مجلد"  # sources.toml names it by its path
    assert corpus.skipped == []
    bulk, _ = read_sources(tmp_path)
    assert list(bulk.paragraphs) == list(corpus.paragraphs)


CATALOG = '[articles."news/2024/b.md"]\ntitle = "مقال في مجلد"\n'


def test_article_added_to_a_subfolder_is_served_after_a_restart(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"a.txt": "نص المقال الأول عن الزراعة.\n"})
    Library.open(sources, default_snapshot(sources))
    write_articles(sources / "news", {"b.txt": "نص المقال الثاني عن الفضاء.\n"})
    engine = Library.open(sources, default_snapshot(sources)).engine
    assert [h.paragraph.article.file for h in engine.search("الفضاء")] == ["news/b.txt"]
