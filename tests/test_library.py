import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, write_articles
from serving import ServingProcess, alive, descendants, grandchildren, wait_until

from retrieval.library import Library, ReloadError, default_snapshot

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


def test_a_rollback_holds_although_the_snapshot_on_disk_is_the_newer_index(tmp_path: Path):
    # The watcher used to take the newer snapshot for a change made under the process and load
    # it again at the next question: every rollback was undone within seconds.
    sources = write_articles(tmp_path / "s", {"wheat.txt": WHEAT})
    library = Library.open(sources, default_snapshot(sources))
    write_articles(sources, {"rice.txt": RICE})
    library.reload()
    rolled_back = library.rollback()
    for _ in range(3):
        assert library.engine is rolled_back
        assert not library.reloading  # no reload of the newer snapshot started
    assert not library.engine.search("إنتاج الأرز في آسيا")
    # A snapshot another process writes later (sanad index after a new article) is followed.
    write_articles(sources, {"corn.txt": "زرع الفلاحون الذرة في الصعيد هذا الموسم.\n"})
    built = tmp_path / "built-elsewhere"
    Library.open(sources, built)
    os.replace(built, default_snapshot(sources))
    library.engine  # noqa: B018 - noticing the change starts a reload in the background
    wait_until(lambda: library.engine is not rolled_back, 60, "the replaced snapshot served")
    assert library.engine is not rolled_back


# A snapshot changed under a running process (real processes: tests/serving.py).

QUESTION = "كم انخفض مؤشر ناسداك؟"
WHEAT_QUESTION = "أسعار القمح في مصر"


def text_section(snapshot: Path) -> tuple[int, int]:
    """Where the paragraph text lies in a snapshot file (from its trailer and header)."""
    data = snapshot.read_bytes()
    header_offset, length, _ = struct.unpack("<QQI", data[-28:-8])
    _, (size,), offset = json.loads(data[header_offset : header_offset + length])["arrays"]["text"]
    return offset, offset + size


def truncate(snapshot: Path, other: Path) -> None:
    os.truncate(snapshot, 0)


def copy_in_place(snapshot: Path, other: Path) -> None:
    """What cp, rsync --inplace or a sync tool do: the same inode, other bytes."""
    with open(snapshot, "r+b") as handle:
        handle.write(other.read_bytes())
        handle.truncate()


def rewrite_text_same_size(snapshot: Path, other: Path) -> None:
    """Every ا of the paragraph text written as ب: still UTF-8, same size, other passages."""
    start, end = text_section(snapshot)
    with open(snapshot, "r+b") as handle:
        handle.seek(start)
        text = handle.read(end - start)
        handle.seek(start)
        handle.write(text.replace("ا".encode(), "ب".encode()))


def other_snapshot(tmp_path: Path) -> Path:
    """A valid snapshot of other, larger sources."""
    other = tmp_path / "other"
    shutil.copytree(SEEDS, other)
    write_articles(other, {"wheat.txt": WHEAT * 100})
    Library.open(other, default_snapshot(other))
    return default_snapshot(other)


def ask_until_logged(serving: ServingProcess, question: str, text: str, timeout: float = 60):
    """Ask again and again (questions are what look at the snapshot) until a log line holds
    ``text``; the answers on the way and that line."""
    answers = []
    deadline = time.monotonic() + timeout
    while not any(text in line for line in serving.read_log()):
        assert time.monotonic() < deadline, f"no log line with {text!r}: {serving.log}"
        answers.append(serving.ask(question))
    return answers, next(line for line in serving.log if text in line)


def warnings(serving: ServingProcess) -> list[str]:
    return [line for line in serving.read_log() if line.startswith(("WARNING", "ERROR"))]


@pytest.mark.parametrize("change", [truncate, copy_in_place, rewrite_text_same_size])
def test_snapshot_changed_in_place_never_kills_the_process_nor_changes_its_answers(
    seeds_copy: Path, tmp_path: Path, change
):
    snapshot = default_snapshot(seeds_copy)
    Library.open(seeds_copy, snapshot)
    other = other_snapshot(tmp_path)
    with ServingProcess(seeds_copy) as serving:
        expected = serving.ask(QUESTION)
        assert expected["passages"]
        os.utime(snapshot, (time.time() - 3600,) * 2)  # loaded long ago: any write shows
        change(snapshot, other)
        during, line = ask_until_logged(serving, QUESTION, "under the running process")
        after = serving.ask(QUESTION)
        assert serving.process.poll() is None
    # While it reloads a question may fail; none is answered from the changed bytes.
    assert all(answer == expected or "error" in answer for answer in during)
    assert after == expected
    assert "in place" in line and "reloaded" in line
    assert warnings(serving) == [line]


def test_snapshot_renamed_over_for_the_same_sources_is_served(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    Library.open(seeds_copy, snapshot)
    with ServingProcess(seeds_copy) as serving:
        assert not serving.ask(WHEAT_QUESTION)["passages"]
        write_articles(seeds_copy, {"wheat.txt": WHEAT})
        indexed = subprocess.run(
            [sys.executable, "-m", "bot.console.cli", "index", "--sources", str(seeds_copy)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert indexed.returncode == 0, indexed.stderr
        during, line = ask_until_logged(serving, WHEAT_QUESTION, "under the running process")
        assert serving.ask(WHEAT_QUESTION)["passages"] == [WHEAT.strip()]
    assert all("error" not in answer for answer in during)
    assert "replaced by another file" in line and "reloaded" in line
    assert warnings(serving) == [line]


def test_snapshot_renamed_over_from_other_sources_is_not_served_and_said_once(
    seeds_copy: Path, tmp_path: Path
):
    snapshot = default_snapshot(seeds_copy)
    Library.open(seeds_copy, snapshot)
    foreign = other_snapshot(tmp_path).read_bytes()
    with ServingProcess(seeds_copy) as serving:
        expected = serving.ask(QUESTION)
        replacement = seeds_copy / "incoming"
        replacement.write_bytes(foreign)
        os.replace(replacement, snapshot)  # a replica of another version, say
        during, line = ask_until_logged(serving, QUESTION, "under the running process")
        later = [serving.ask(QUESTION) for _ in range(20)]
    assert all(answer == expected for answer in during + later)
    assert "other sources" in line and "still serving" in line
    assert warnings(serving) == [line]
    assert snapshot.read_bytes() == foreign  # not rebuilt over: no ping-pong between versions


def completed_passes(progress: Path, stage: str) -> int:
    """How many times the build went through ``stage`` to its end (from a ``ProgressLog``
    file; a pass may report its end more than once)."""
    passes, finished = 0, False
    for line in progress.read_text().splitlines():
        name, done, total = line.split()
        if name == stage:
            passes += done == total and not finished
            finished = done == total
    return passes


def start_on_a_full_disk(sources: Path, progress: Path) -> ServingProcess:
    """A serving process started without a snapshot, where writing past 64 KB fails (EFBIG
    under RLIMIT_FSIZE, as on a disk with 64 KB left); it has answered once."""
    default_snapshot(sources).unlink(missing_ok=True)
    with ServingProcess(sources, "--fsize", "65536", "--progress", str(progress)) as serving:
        assert serving.ask(QUESTION)
    return serving


def test_full_disk_at_start_leaves_no_partial_file_and_says_one_line(seeds_copy: Path, tmp_path):
    serving = start_on_a_full_disk(seeds_copy, tmp_path / "progress")
    assert warnings(serving) == [
        f"WARNING could not write the index snapshot {default_snapshot(seeds_copy)}: "
        "File too large; serving an index held in memory"
    ]
    assert not list(seeds_copy.glob(".*"))  # neither snapshot nor temporary file


def test_large_collection_on_a_full_disk_is_indexed_once(large_copy: Path, tmp_path: Path):
    progress = tmp_path / "progress"
    serving = start_on_a_full_disk(large_copy, progress)
    assert warnings(serving) == [
        f"WARNING could not write the index snapshot {default_snapshot(large_copy)}: "
        "File too large; serving an index held in memory"
    ]
    assert not list(large_copy.glob(".*"))
    # The indexing child stopped at the first write that failed, while reading.
    assert completed_passes(progress, "reading") == 1
    assert completed_passes(progress, "indexing") == 1


def test_killed_serving_process_during_reload_leaves_no_indexing_process_behind(
    large_copy: Path,
):
    with ServingProcess(large_copy) as serving:
        os.mkfifo(large_copy / "zz-still-arriving.txt")  # the reload waits for it, mid-way
        serving.reload()
        wait_until(lambda: grandchildren(serving.pid), 60, "the reading workers")
        tree = descendants(serving.pid)
        serving.process.kill()  # kill -9 of the bot while it reloads
        serving.process.wait(30)
        wait_until(lambda: not alive(tree), 30, f"the orphans {alive(tree)} to end")


def test_reload_indexes_at_a_lower_cpu_priority_than_the_answers(large_copy: Path):
    # On two cores an indexing child at the answers' priority takes both cores for minutes;
    # answers asked meanwhile must get a core first.
    with ServingProcess(large_copy) as serving:
        fifo = large_copy / "zz-still-arriving.txt"
        os.mkfifo(fifo)  # the reload waits for it, mid-way
        serving.reload()
        workers = wait_until(lambda: grandchildren(serving.pid), 60, "the reading workers")
        indexing = {_parent(pid) for pid in workers}
        rebuild = {pid: t for pid, t in descendants(serving.pid).items()
                   if pid in workers or pid in indexing}
        served_at = os.getpriority(os.PRIO_PROCESS, serving.pid)
        assert len(indexing) == 1 and len(rebuild) > 1
        assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in rebuild} == {
            min(served_at + 10, 19)
        }
        with open(fifo, "w", encoding="utf-8") as source:  # the last source arrives
            source.write("ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n")
        wait_until(lambda: not alive(rebuild), 120, "the rebuild to end")
        assert os.getpriority(os.PRIO_PROCESS, serving.pid) == served_at


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])
