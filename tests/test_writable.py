"""Whether a directory can take new files: asked of the kernel, not only of permission bits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from retrieval.writable import why_unwritable

PROBE = (
    "import sys; from pathlib import Path; from retrieval.writable import why_unwritable; "
    "print(why_unwritable(Path(sys.argv[1])))"
)


def test_a_writable_directory_is_writable_and_keeps_no_probe_file(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    assert why_unwritable(tmp_path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_directory_owned_by_someone_else_is_unwritable_for_the_reader(foreign_sources):
    child = subprocess.run(
        [*foreign_sources.prefix, sys.executable, "-c", PROBE, str(foreign_sources.path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("no write permission for uid "), child.stdout
    assert not any(p.name.startswith(".sanad-write-probe") for p in foreign_sources.path.iterdir())


def test_a_file_in_place_of_the_directory_and_a_missing_one_are_unwritable(tmp_path: Path):
    (tmp_path / "sources").write_text("a file, not a directory", encoding="utf-8")
    assert why_unwritable(tmp_path / "sources") == "not a directory"
    assert why_unwritable(tmp_path / "gone") == "does not exist"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_directory_the_kernel_refuses_files_in_is_unwritable_even_for_root():
    # /proc takes no new files from anyone; root's os.access says it may write there, so only
    # the probe file finds out (as it would for a read-only mount, which a test cannot make).
    assert why_unwritable(Path("/proc")) is not None
