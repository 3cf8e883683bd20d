"""Shared fixtures: real corpora written to temporary directories, never mocks of our code."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.search import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_engine() -> SearchEngine:
    """The engine over the bundled seed articles."""
    return SearchEngine.build(load_corpus(SEEDS))


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
