"""What the Docker image is built from and what it installs, checked without a Docker engine.

No engine runs here, so the image's inputs are checked one by one: the build context that
.dockerignore leaves (read by Docker's own Python client), the wheel the Dockerfile builds from
that context, and the installed wheel answering from outside the source tree. What only an
engine can show (the layers, the user, the HEALTHCHECK running) is not covered.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from docker.utils.build import exclude_paths

# What a developer's checkout holds besides the sources, after `make run`, `make test`,
# `make bench`, `pip install .` and a local config: none of it may reach the image.
LEFTOVERS = [
    "seeds/.sanad-index",
    "seeds/.sanad-index.4242.1.tmp",
    "seeds/.rice.md.77.tmp",
    "seeds/.sanad-write-probe-x1",
    "bot/__pycache__/cli.cpython-311.pyc",
    "retrieval/__pycache__/bm25.cpython-311.pyc",
    ".venv/bin/python",
    ".git/HEAD",
    ".pytest_cache/v/cache/nodeids",
    ".hypothesis/examples/x",
    ".bench/corpus/0.txt",
    "build/lib/bot/__init__.py",
    "sanad.egg-info/PKG-INFO",
    "bot/sanad.egg-info/PKG-INFO",
    "dist/sanad-0.1.0-py3-none-any.whl",
    "config.toml",
    ".env",
    "eval/results.json",
    "tests/test_x.py",
]


def copied_sources() -> list[str]:
    """The Dockerfile's COPY sources, each a path relative to the context."""
    sources = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if re.match(r"COPY\s", line) and "--from=" not in line:
            sources += [word for word in line.split()[1:-1] if not word.startswith("--")]
    return sources


@pytest.fixture(scope="module")
def developer_tree(tmp_path_factory) -> Path:
    """A checkout as a developer leaves it: the repository's files plus every leftover."""
    tree = tmp_path_factory.mktemp("checkout")
    for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "Makefile"):
        shutil.copy2(ROOT / name, tree / name)
    for name in ("bot", "retrieval", "seeds", "eval"):
        shutil.copytree(
            ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )
    for leftover in LEFTOVERS:
        (tree / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tree / leftover).write_text("SANAD_TELEGRAM_TOKEN=1:secret\n", encoding="utf-8")
    return tree


@pytest.fixture(scope="module")
def context(developer_tree: Path, tmp_path_factory) -> Path:
    """The build context Docker would send for ``developer_tree``, copied out file by file."""
    lines = (developer_tree / ".dockerignore").read_text(encoding="utf-8").splitlines()
    # As the Docker client reads it: stripped lines, blank ones and # comments dropped.
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    context = tmp_path_factory.mktemp("context")
    for relative in exclude_paths(str(developer_tree), patterns, dockerfile="Dockerfile"):
        source = developer_tree / relative
        if source.is_file():
            (context / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, context / relative)
    return context


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_build_context_holds_what_the_image_copies_and_no_leftover(developer_tree, context):
    held = files_under(context)
    assert not held & set(LEFTOVERS)
    hidden = [name for name in held - {".dockerignore"} if "/." in f"/{name}"]
    assert not hidden and not [name for name in held if "__pycache__" in name]
    copied = copied_sources()
    assert set(copied) == {"pyproject.toml", "README.md", "bot", "retrieval", "seeds"}
    # Every file of the repository that the Dockerfile copies is there, and nothing else is.
    repository = files_under(developer_tree) - set(LEFTOVERS)
    for source in copied:
        wanted = {n for n in repository if n == source or n.startswith(f"{source}/")}
        assert wanted and wanted <= held, source
    outside = {n for n in held if not any(n == s or n.startswith(f"{s}/") for s in copied)}
    assert outside <= {"Dockerfile", ".dockerignore"}


@pytest.fixture(scope="module")
def wheel(context: Path, tmp_path_factory) -> Path:
    """The wheel the Dockerfile's middle stage builds (offline: the backend is installed)."""
    out = tmp_path_factory.mktemp("wheels")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out), str(context)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    [built] = out.glob("sanad-*.whl")
    return built


def test_wheel_carries_every_module_and_the_answerability_model(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("bot", "retrieval"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix in {".py", ".json"} and "__pycache__" not in path.parts:
                assert str(path.relative_to(ROOT)) in names, path
    assert "retrieval/answerability.json" in names
    assert not [n for n in names if n.startswith(("tests/", "seeds/", "build/")) or ".pyc" in n]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "sanad = bot.console.entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_answers_from_outside_the_source_tree(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    data = tmp_path / "data"
    shutil.copytree(SEEDS, data, ignore=shutil.ignore_patterns(".*"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy must be the one imported (the editable checkout is on sys.path too).
    program = (
        "import sys, bot, retrieval.answerability as model; "
        "print(bot.__file__, model.__file__, file=sys.stderr); "
        "from bot.console.cli import main; sys.exit(main())"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    environment |= {"PYTHONPATH": str(target), "SANAD_SOURCES_DIR": str(data)}
    result = subprocess.run(
        [sys.executable, "-c", program, "ask", "بكم انخفض مؤشر ناسداك؟"],
        capture_output=True, text=True, cwd=elsewhere, env=environment, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    imported = result.stderr.split()[:2]
    assert all(path.startswith(str(target)) for path in imported), imported
    assert "ناسداك" in result.stdout
    assert (data / ".sanad-index").is_file()  # the index was saved into the data directory
