"""Shared fixtures: real corpora written to temporary directories, never mocks of our code."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from retrieval.answer import Answer
from retrieval.corpus import load_corpus
from retrieval.search import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_engine() -> SearchEngine:
    """The engine over the bundled seed articles."""
    return SearchEngine.build(load_corpus(SEEDS))


# Paragraph 2 of 3 is over 4 000 characters: read as parts of whole sentences, and the one
# sentence about the population lands in its part 2 (retrieval.corpus.split_long_paragraph).
CITY_FILLER = "هذه جملة عامة عن تاريخ المدينة القديمة وأسواقها. " * 40
CITY_KEY = "بلغ عدد سكان المدينة مليوني نسمة في آخر إحصاء رسمي. "
CITY = (
    "تقع المدينة على ضفة النهر منذ قرون طويلة.\n\n"
    + (CITY_FILLER + CITY_KEY + CITY_FILLER).strip()
    + "\n\nوفي المدينة جامعة قديمة مشهورة.\n"
)
CITY_PART_LABEL = "الفقرة 2 (الجزء 2) من 3"


@pytest.fixture(scope="session")
def split_answer(tmp_path_factory: pytest.TempPathFactory) -> Answer:
    """A real answer whose passage is part 2 of paragraph 2 of 3 (``CITY``)."""
    sources = write_articles(tmp_path_factory.mktemp("city"), {"city.txt": CITY})
    answer = SearchEngine.from_sources(sources).answer("كم عدد سكان المدينة؟", limit=1)
    source = answer.passages[0].source
    assert (source.paragraph, source.part, source.paragraph_total) == (2, 2, 3)
    return answer


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seeds directory."""
    target = tmp_path / "sources"
    shutil.copytree(SEEDS, target)
    return target


def write_articles(directory: Path, articles: dict[str, str]) -> Path:
    """Write ``{file name: text}`` into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@dataclass
class ForeignSources:
    """A copy of the seeds that a child process started through ``prefix`` can read but not
    write: what a host-owned bind mount is to the Docker image's uid 10001."""

    path: Path
    prefix: list[str] = field(default_factory=list)


@pytest.fixture
def foreign_sources() -> Iterator[ForeignSources]:
    """Seeds in a directory owned by someone other than the child that reads them.

    Permission bits do not stop root (CI runs as root) because of its CAP_DAC_OVERRIDE: as root
    the directory belongs to uid 10001 (mode 0755) and the child starts without that capability
    (util-linux's setpriv; nobody's uid cannot run the interpreter under /root). As any other
    user the directory loses its write bits. Either way the child meets a real EACCES.
    """
    parent = Path(tempfile.mkdtemp(prefix="sanad-foreign-"))
    target = parent / "sources"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns(".*"))  # no saved index
    if os.geteuid() == 0:
        os.chown(target, 10001, 10001)
        target.chmod(0o755)
        yield ForeignSources(target, ["setpriv", "--bounding-set=-dac_override", "--"])
    else:
        target.chmod(0o555)
        yield ForeignSources(target)
    target.chmod(0o755)
    shutil.rmtree(parent)


def write_large_sources(directory: Path, size: int) -> Path:
    """At least ``size`` bytes of articles of seed words in random order (seeded), in files of
    400 paragraphs: enough for the parallel build (indexing child and reading workers)."""
    import random
    from collections import Counter

    directory.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    for paragraph in load_corpus(SEEDS).paragraphs:
        counts.update(paragraph.text.split())
    words, weights = zip(*counts.items(), strict=True)
    rng = random.Random(3)
    written = 0
    while written < size:
        paragraphs = (" ".join(rng.choices(words, weights, k=rng.randint(15, 80))) for _ in range(400))
        data = ("\n\n".join(paragraphs) + "\n").encode("utf-8")
        (directory / f"article-{written:010d}.txt").write_bytes(data)
        written += len(data)
    return directory


@pytest.fixture(scope="session")
def large_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sources just large enough for an indexing child with two reading workers, with their
    snapshot saved (read-only: copy them with ``large_copy``)."""
    from retrieval.indexing import PARALLEL_MIN_BYTES, TASK_BYTES
    from retrieval.library import Library, default_snapshot

    size = max(PARALLEL_MIN_BYTES, TASK_BYTES) + (1 << 20)
    sources = write_large_sources(tmp_path_factory.mktemp("large") / "s", size)
    Library.open(sources, default_snapshot(sources))
    return sources


@pytest.fixture
def large_copy(large_sources: Path, tmp_path: Path) -> Path:
    """A writable copy of ``large_sources`` and its snapshot (modification times kept)."""
    target = tmp_path / "large"
    shutil.copytree(large_sources, target)
    return target
