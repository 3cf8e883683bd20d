"""The platform seams: each chat library is imported by its own adapter package only."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

ADAPTERS = {"hikari": "bot/discord/", "telegram": "bot/telegram/"}


def imported_packages(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(("library", "home"), ADAPTERS.items())
def test_a_chat_library_is_imported_only_by_its_adapter(library, home):
    sources = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "retrieval").rglob("*.py")]
    outside = [
        str(path.relative_to(ROOT))
        for path in sources
        if library in imported_packages(path)
        and not str(path.relative_to(ROOT)).startswith(home)
    ]
    assert outside == []
