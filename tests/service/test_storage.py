"""The operator's start-up line when a directory Sanad writes to cannot be written."""

from pathlib import Path

from bot.service.settings import Settings
from bot.service.storage import storage_warning


def test_writable_sources_and_snapshot_need_no_line(seeds_copy: Path):
    assert storage_warning(Settings(sources_dir=seeds_copy)) is None


def test_unwritable_sources_holding_the_snapshot_say_both_costs_in_one_line(tmp_path: Path):
    sources = tmp_path / "data"
    sources.write_text("a file where the directory should be", encoding="utf-8")
    line = storage_warning(Settings(sources_dir=sources))
    assert line is not None and "\n" not in line
    assert line.startswith(f"sources directory {sources} cannot be written (not a directory)")
    assert "memory only" in line and "uploaded by admins are refused" in line
    assert "chown, or docker run --user" in line


def test_unwritable_snapshot_directory_alone_keeps_uploads(seeds_copy: Path, tmp_path: Path):
    (tmp_path / "index").write_text("a file", encoding="utf-8")
    settings = Settings(sources_dir=seeds_copy, index_file=tmp_path / "index" / "sanad.idx")
    line = storage_warning(settings)
    assert line is not None and "\n" not in line
    assert line.startswith(f"index snapshot directory {tmp_path / 'index'} cannot be written")
    assert "memory only" in line and "refused" not in line and "index_file" in line


def test_unwritable_sources_with_the_snapshot_elsewhere_only_refuse_uploads(tmp_path: Path):
    sources = tmp_path / "data"
    sources.write_text("a file", encoding="utf-8")
    (tmp_path / "index").mkdir()
    settings = Settings(sources_dir=sources, index_file=tmp_path / "index" / "sanad.idx")
    line = storage_warning(settings)
    assert line is not None and "\n" not in line
    assert line.startswith(f"sources directory {sources} cannot be written")
    assert "uploaded by admins are refused" in line and "memory" not in line
