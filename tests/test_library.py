from pathlib import Path

import pytest
from conftest import write_articles

from retrieval.library import Library, ReloadError

WHEAT = "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n"
RICE = "انخفض إنتاج الأرز في آسيا بعد موسم الفيضانات الأخير.\n"


def test_reload_reports_what_changed_and_serves_the_new_index(tmp_path: Path):
    sources = write_articles(
        tmp_path / "s", {"wheat.txt": WHEAT, "old.txt": "مقال قديم عن السكر.\n"}
    )
    library = Library.open(sources)
    assert not library.engine.search("إنتاج الأرز في آسيا")
    write_articles(sources, {"rice.txt": RICE, "wheat.txt": WHEAT + "وزاد الطلب على الخبز.\n"})
    (sources / "old.txt").unlink()
    report = library.reload()
    assert (report.added, report.removed, report.changed) == (
        ["rice.txt"],
        ["old.txt"],
        ["wheat.txt"],
    )
    assert report.articles == 2 and report.paragraphs == 3
    assert library.engine.search("إنتاج الأرز في آسيا")


def test_failed_reload_keeps_serving_old_index(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"wheat.txt": WHEAT})
    library = Library.open(sources)
    before = library.engine
    (sources / "wheat.txt").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ReloadError, match="not UTF-8"):
        library.reload()
    assert library.engine is before
    assert library.engine.search("أسعار القمح في مصر")


def test_rollback_restores_the_index_before_the_last_reload(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"wheat.txt": WHEAT})
    library = Library.open(sources)
    assert library.rollback() is None
    write_articles(sources, {"rice.txt": RICE})
    library.reload()
    assert library.engine.search("إنتاج الأرز في آسيا")
    library.rollback()
    assert not library.engine.search("إنتاج الأرز في آسيا")
    assert library.engine.search("أسعار القمح في مصر")
