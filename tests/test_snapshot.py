import json
import logging
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, write_articles
from serving import kill_group, wait_until

from retrieval import snapshot as snapshots
from retrieval.analysis.steps import AnalysisSettings
from retrieval.corpus import load_corpus
from retrieval.library import Library, default_snapshot
from retrieval.search import DEFAULT_PARAMS
from retrieval.snapshot import SnapshotError, fingerprint, load_snapshot, remove_dead_temp_files

QUESTIONS = [
    "كم انخفض مؤشر ناسداك؟",
    "تأثير ديب سيك على أسهم إنفيديا",
    "Tesla",
    "من هو مؤسس ديبسيك؟",
]


def ranking(library: Library, question: str) -> list[tuple[str, int, float]]:
    return [
        (h.paragraph.article.file, h.paragraph.number, round(h.score, 9))
        for h in library.engine.search(question)
    ]


def test_snapshot_answers_exactly_like_a_fresh_build(seeds_copy: Path):
    fresh = Library.open(seeds_copy)
    built = Library.open(seeds_copy, default_snapshot(seeds_copy))
    assert default_snapshot(seeds_copy).is_file()
    loaded = Library.open(seeds_copy, default_snapshot(seeds_copy))
    corpus = load_corpus(seeds_copy)
    direct = load_snapshot(
        default_snapshot(seeds_copy),
        fingerprint(seeds_copy, DEFAULT_PARAMS),
        DEFAULT_PARAMS,
    )
    assert list(direct.corpus.paragraphs) == list(corpus.paragraphs)
    assert direct.corpus.articles == corpus.articles
    for question in QUESTIONS:
        assert ranking(loaded, question) == ranking(fresh, question) == ranking(built, question)


def test_snapshot_keeps_every_term_s_pattern_root(seeds_copy: Path):
    fresh = Library.open(seeds_copy).engine
    Library.open(seeds_copy, default_snapshot(seeds_copy))
    loaded = Library.open(seeds_copy, default_snapshot(seeds_copy)).engine
    terms = sorted(fresh.index.vocabulary, key=fresh.index.vocabulary.__getitem__)
    assert list(loaded.index.vocabulary.terms) == terms
    assert np.asarray(loaded.roots.codes).tolist() == np.asarray(fresh.roots.codes).tolist()
    assert 0 < np.count_nonzero(fresh.roots.codes) < len(terms)


def test_changed_sources_are_reindexed_not_served_stale(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    Library.open(seeds_copy, snapshot)
    write_articles(seeds_copy, {"wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n"})
    with pytest.raises(SnapshotError, match="other sources"):
        load_snapshot(
            snapshot,
            fingerprint(seeds_copy, DEFAULT_PARAMS),
            DEFAULT_PARAMS,
        )
    library = Library.open(seeds_copy, snapshot)
    assert library.engine.search("أسعار القمح في مصر")


def test_snapshot_built_by_other_indexing_code_is_rebuilt(seeds_copy: Path, monkeypatch):
    from retrieval import snapshot as snapshots

    path = default_snapshot(seeds_copy)
    Library.open(seeds_copy, path)
    built = path.stat().st_mtime_ns
    monkeypatch.setattr(snapshots, "_BUILDERS", ("retrieval.stemming",))
    snapshots.code_digest.cache_clear()
    try:
        with pytest.raises(SnapshotError, match="another version"):
            load_snapshot(path, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)
        Library.open(seeds_copy, path)
        assert path.stat().st_mtime_ns != built
    finally:
        snapshots.code_digest.cache_clear()


def test_snapshot_written_with_a_step_off_is_not_served_with_it_on(seeds_copy: Path):
    path = default_snapshot(seeds_copy)
    no_names = AnalysisSettings.without("names")
    Library.open(seeds_copy, path, analysis=no_names)
    with pytest.raises(SnapshotError, match="another version"):
        load_snapshot(path, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)
    # Without names, Latin Nvidia and Arabic إنفيديا are two terms; served with every step on
    # (rebuilt, not the snapshot written without names), they are one.
    analyzer = Library.open(seeds_copy, path, analysis=no_names).engine.analyzer
    assert analyzer.terms("Nvidia") != analyzer.terms("إنفيديا")
    analyzer = Library.open(seeds_copy, path).engine.analyzer
    assert analyzer.terms("Nvidia") == analyzer.terms("إنفيديا")
    assert load_snapshot(path, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)


def test_snapshot_of_a_step_whose_code_changed_is_rebuilt(seeds_copy: Path, monkeypatch):
    from retrieval.analysis import steps

    path = default_snapshot(seeds_copy)
    Library.open(seeds_copy, path)
    expected = fingerprint(seeds_copy, DEFAULT_PARAMS)
    digest = steps.step_digest
    monkeypatch.setattr(
        steps, "step_digest", lambda name: "changed" if name == "stemming" else digest(name)
    )
    assert fingerprint(seeds_copy, DEFAULT_PARAMS) != expected
    with pytest.raises(SnapshotError, match="another version"):
        load_snapshot(path, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)


def test_indexing_code_digest_covers_every_module_that_decides_indexed_text():
    from retrieval.analysis.steps import _closure

    names = {
        path.relative_to(path.parents[1]).as_posix() for path in _closure("retrieval.indexing")
    }
    for module in (
        "retrieval/corpus.py",  # paragraphs, headings, titles
        "retrieval/metadata.py",  # attribution is checked and shortened when read
        "retrieval/excerpt.py",  # long paragraphs are cut at its sentence spans
        "retrieval/normalize.py",
        "retrieval/stopwords.py",
        "retrieval/stemming.py",
        "retrieval/transliteration.py",
        "retrieval/tables.py",
        "retrieval/store.py",
        "retrieval/bm25.py",
    ):
        assert module in names
    assert {"words.py", "phrases.py", "vocabulary.py", "tokenizer.py"} <= {
        name.rpartition("/")[2] for name in names if name.startswith("analysis/")
    }


def test_code_digest_covers_every_module_that_builds_a_saved_array():
    """A changed builder of the spelling index, the trigram statistics or the roots' codes
    must rebuild the snapshot: the question side would read those arrays its new way."""
    from retrieval.analysis.steps import _closure

    covered = {path.name for module in snapshots._BUILDERS for path in _closure(module)}
    assert {"indexing.py", "spelling.py", "rerank.py", "forward.py", "roots.py"} <= covered


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not a snapshot at all",
        lambda data: data[: len(data) // 2],
        lambda data: data + b"appended",
        lambda data: data[:-10] + bytes(b ^ 0xFF for b in data[-10:]),
        lambda data: data[:80] + bytes([data[80] ^ 0x01]) + data[81:],
        lambda data: data[:-40] + bytes([data[-40] ^ 0x01]) + data[-39:],
    ],
    ids=[
        "foreign",
        "truncated",
        "appended",
        "flipped-trailer",
        "flipped-data-bit",
        "flipped-header-bit",
    ],
)
def test_corrupt_snapshot_is_rejected_and_rebuilt(seeds_copy: Path, caplog, damage):
    snapshot = default_snapshot(seeds_copy)
    expected = ranking(Library.open(seeds_copy, snapshot), QUESTIONS[0])
    snapshot.write_bytes(damage(snapshot.read_bytes()))
    with caplog.at_level(logging.INFO, logger="retrieval.library"):
        library = Library.open(seeds_copy, snapshot)
    assert "snapshot" in caplog.text
    assert ranking(library, QUESTIONS[0]) == expected
    assert load_snapshot(snapshot, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)


def test_leftover_temp_file_is_never_read_as_an_article_or_index(seeds_copy: Path):
    (seeds_copy / ".sanad-index.123.tmp").write_bytes(b"half written")
    library = Library.open(seeds_copy, default_snapshot(seeds_copy))
    assert not any(s.file.startswith(".") for s in library.engine.corpus.skipped)
    assert ranking(library, QUESTIONS[0])


def test_reload_with_a_snapshot_indexes_in_a_subprocess_and_serves_the_result(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    library = Library.open(seeds_copy, snapshot)
    write_articles(seeds_copy, {"wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n"})
    report = library.reload()
    assert report.added == ["wheat.txt"]
    assert library.engine.search("أسعار القمح في مصر")
    fresh = load_snapshot(snapshot, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)
    assert fresh.search("أسعار القمح في مصر")


def test_failed_subprocess_reload_keeps_the_old_index(seeds_copy: Path):
    from retrieval.library import ReloadError

    library = Library.open(seeds_copy, default_snapshot(seeds_copy))
    before = library.engine
    for path in seeds_copy.glob("*.txt"):
        path.write_bytes(b"\xff\xfe broken")
    with pytest.raises(ReloadError, match="not UTF-8"):
        library.reload()
    assert library.engine is before


def test_engine_kept_for_rollback_still_quotes_its_replaced_snapshot(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    Library.open(seeds_copy, snapshot)  # build and save
    library = Library.open(seeds_copy, snapshot)  # served from the snapshot file
    before = library.engine.answer(QUESTIONS[0]).passages[0].text
    write_articles(seeds_copy, {"wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n"})
    library.reload()  # renames a new snapshot over the old one
    assert library.rollback() is not None
    assert library.engine.answer(QUESTIONS[0]).passages[0].text == before
    assert not library.engine.search("أسعار القمح في مصر")


def test_snapshot_carries_the_articles_and_skipped_files(seeds_copy: Path):
    (seeds_copy / "broken.txt").write_bytes(b"\xff\xfe")
    Library.open(seeds_copy, default_snapshot(seeds_copy))
    loaded = load_snapshot(
        default_snapshot(seeds_copy), fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS
    )
    corpus = load_corpus(seeds_copy)
    assert loaded.corpus.articles == corpus.articles
    assert loaded.corpus.skipped == corpus.skipped
    assert loaded.corpus.aliases == corpus.aliases


def test_unwritable_snapshot_location_serves_and_reloads_from_memory(
    seeds_copy: Path, tmp_path: Path, caplog
):
    (tmp_path / "volume").write_text("a file where the snapshot's directory should be")
    snapshot = tmp_path / "volume" / ".sanad-index"
    with caplog.at_level(logging.WARNING, logger="retrieval"):
        library = Library.open(seeds_copy, snapshot)
        assert library.engine.answer(QUESTIONS[0]).passages
        write_articles(seeds_copy, {"wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام.\n"})
        assert library.reload().added == ["wheat.txt"]
    assert library.engine.search("أسعار القمح في مصر")
    # Expected, not a fault: the operator's line comes once from the start-up check
    # (bot.service.storage), not at every start and reload.
    assert caplog.text == ""
    assert not list(seeds_copy.glob(".*.tmp")) and not list(seeds_copy.glob(".sanad-write-*"))


def test_abandoned_temp_files_are_removed_and_fresh_ones_kept(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    abandoned = seeds_copy / f".{snapshot.name}.999.1.tmp"
    in_progress = seeds_copy / f".{snapshot.name}.998.1.tmp"  # another replica's build, now
    for temp in (abandoned, in_progress):
        temp.write_bytes(b"partial")
    old = time.time() - 2 * 3600
    os.utime(abandoned, (old, old))
    snapshot.unlink(missing_ok=True)  # a build writes a snapshot, and cleans up first
    Library.open(seeds_copy, snapshot)
    assert not abandoned.exists() and in_progress.exists()


def _rewrite(path: Path, change) -> None:
    """Let ``change(header, body)`` alter a snapshot, then seal it again with valid checksums
    (damage a checksum cannot see, as a bug or another version could make)."""
    data = path.read_bytes()
    tail = struct.calcsize(snapshots._TRAILER) + len(snapshots.MAGIC)
    offset, length, _ = struct.unpack(snapshots._TRAILER, data[-tail : -len(snapshots.MAGIC)])
    header = json.loads(data[offset : offset + length])
    body = bytearray(data[:offset])
    change(header, body)
    header["crc32c"] = snapshots.checksum(body[len(snapshots.MAGIC) :])
    encoded = json.dumps(header, ensure_ascii=False).encode()
    trailer = struct.pack(snapshots._TRAILER, len(body), len(encoded), snapshots.checksum(encoded))
    path.write_bytes(bytes(body) + encoded + trailer + snapshots.MAGIC)


def _drop(prefix: str):
    def change(header: dict, body: bytearray) -> None:
        header["arrays"] = {k: v for k, v in header["arrays"].items() if not k.startswith(prefix)}

    return change


def _fill(name: str, value: int):
    def change(header: dict, body: bytearray) -> None:
        dtype, shape, offset = header["arrays"][name]
        size = np.dtype(dtype).itemsize * int(np.prod(shape))
        body[offset : offset + size] = np.full(shape, value, dtype=dtype).tobytes()

    return change


def _reverse(name: str):
    def change(header: dict, body: bytearray) -> None:
        dtype, shape, offset = header["arrays"][name]
        size = np.dtype(dtype).itemsize * int(np.prod(shape))
        values = np.frombuffer(bytes(body[offset : offset + size]), dtype=dtype)
        body[offset : offset + size] = values[::-1].tobytes()

    return change


@pytest.mark.parametrize(
    "damage",
    [
        _drop("analysis."),
        _drop("analysis.lexicon."),
        _drop("vocabulary."),
        _drop("spelling."),
        _drop("grams."),
        _drop("grams.term_"),
        _drop("forward."),
        _drop("forward.counts"),
        _fill("forward.terms", 10**6),
        _fill("forward.terms", -1),
        _fill("forward.counts", 0),
        _reverse("forward.indptr"),
        _fill("grams.term_grams", 10**6),
        _reverse("grams.term_indptr"),
        _fill("analysis.forms.term", 10**6),
        _fill("analysis.arabic.term", -7),
        _reverse("analysis.forms.directory"),
        _reverse("analysis.terms.offsets"),
        _fill("vocabulary.ids", 10**6),
        _reverse("spelling.directory"),
        lambda header, body: header["analysis"].pop("phrases"),
    ],
    ids=[
        "no-analyser-tables",
        "no-lexicon",
        "no-vocabulary",
        "no-spelling-index",
        "no-gram-statistics",
        "no-grams-of-terms",
        "no-paragraph-terms",
        "no-paragraph-term-counts",
        "paragraph-term-ids-out-of-range",
        "negative-paragraph-term-ids",
        "paragraph-terms-counted-zero-times",
        "paragraph-terms-out-of-order",
        "term-grams-out-of-range",
        "term-grams-out-of-order",
        "term-ids-out-of-range",
        "negative-term-ids",
        "directory-out-of-order",
        "offsets-out-of-order",
        "vocabulary-ids-out-of-range",
        "spelling-directory-out-of-order",
        "no-alias-phrases",
    ],
)
def test_snapshot_with_missing_or_damaged_vocabulary_tables_is_rebuilt(
    seeds_copy: Path, caplog, damage
):
    snapshot = default_snapshot(seeds_copy)
    expected = {q: ranking(Library.open(seeds_copy, snapshot), q) for q in QUESTIONS}
    _rewrite(snapshot, damage)
    with pytest.raises(SnapshotError):
        load_snapshot(snapshot, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)
    with caplog.at_level(logging.INFO, logger="retrieval.library"):
        library = Library.open(seeds_copy, snapshot)
    assert "indexing from sources" in caplog.text
    assert {q: ranking(library, q) for q in QUESTIONS} == expected
    assert load_snapshot(snapshot, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)


def test_snapshot_whose_vocabulary_bytes_changed_is_rebuilt(seeds_copy: Path):
    snapshot = default_snapshot(seeds_copy)
    expected = ranking(Library.open(seeds_copy, snapshot), QUESTIONS[1])
    header = json.loads(_header_bytes(snapshot))
    _, _, offset = header["arrays"]["analysis.forms.blob"]
    data = bytearray(snapshot.read_bytes())
    data[offset + 3] ^= 0x01  # a word of the collection misspelt on disk
    snapshot.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="checksum"):
        load_snapshot(snapshot, fingerprint(seeds_copy, DEFAULT_PARAMS), DEFAULT_PARAMS)
    assert ranking(Library.open(seeds_copy, snapshot), QUESTIONS[1]) == expected


def _header_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    tail = struct.calcsize(snapshots._TRAILER) + len(snapshots.MAGIC)
    offset, length, _ = struct.unpack(snapshots._TRAILER, data[-tail : -len(snapshots.MAGIC)])
    return data[offset : offset + length]


def test_temp_files_of_dead_builds_go_at_once_and_of_live_builds_stay(large_copy: Path):
    snapshot = default_snapshot(large_copy)
    fifo = large_copy / "zz-still-arriving.txt"
    os.mkfifo(fifo)  # the live build waits for this source, its temp file open and locked
    live = subprocess.Popen(
        [sys.executable, "-m", "bot.console.cli", "index", "--sources", str(large_copy)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        [building] = wait_until(lambda: list(large_copy.glob(".*.tmp")), 60, "a build to start")
        ended = subprocess.Popen([sys.executable, "-c", "pass"])
        ended.wait()
        host = socket.gethostname()
        dead_here = large_copy / f".{snapshot.name}.{host}.{ended.pid}.0001.tmp"
        elsewhere = large_copy / f".{snapshot.name}.other-host.{os.getpid()}.0002.tmp"
        elsewhere_long_ago = large_copy / f".{snapshot.name}.other-host.{os.getpid()}.0003.tmp"
        for temp in (dead_here, elsewhere, elsewhere_long_ago):
            temp.write_bytes(snapshots.MAGIC + b" partial")
        os.utime(elsewhere_long_ago, (time.time() - 2 * 3600,) * 2)
        remove_dead_temp_files(snapshot)  # what every start does
        assert building.exists() and elsewhere.exists()
        assert not dead_here.exists() and not elsewhere_long_ago.exists()
        with open(fifo, "w", encoding="utf-8") as source:  # the last source arrives
            source.write("ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n")
        assert live.wait(120) == 0
    finally:
        kill_group(live.pid)
        live.wait(30)
    assert not building.exists()  # renamed into place, the last source in it
    assert "أسعار القمح في مصر".encode() in snapshot.read_bytes()
