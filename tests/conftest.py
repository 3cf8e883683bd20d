"""Shared fixtures: real corpora written to temporary directories, never mocks of our code."""

from __future__ import annotations

import shutil
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
