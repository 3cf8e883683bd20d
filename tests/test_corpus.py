from pathlib import Path

import pytest
from conftest import SEEDS, write_articles

from retrieval.corpus import load_corpus, read_article, split_paragraphs


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
