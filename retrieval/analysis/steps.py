"""The analysis chain's named steps, which can be switched off, and what each adds to a
snapshot's fingerprint.

As lunr.py's pipeline is a list of labelled functions and Lucene's ArabicAnalyzer a tokenizer
plus named filters, every step of Sanad's analysis has a name. Settings switch steps off (for
measuring what each is worth); a snapshot records which steps were on and a digest of the code
of each, so an index written by a changed step, or with a step switched off, is never served
to an analyser that differs (:func:`source_digest` follows each step's imports within
``retrieval``, so no list of modules has to be kept by hand).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Every step, in chain order, with what it does. The first two make words of text; the per-word
# filters give each word its term; the phrase joiners read several words as one term; the
# question reader rewrites question words only (retrieval.query); ``roots`` only reorders the best
# paragraphs (retrieval.search), the index is the same with it on or off.
STEPS: dict[str, str] = {
    "normalize": "fold spelling variants: hamza seats, alef, ya, ta marbuta, digits, accents",
    "stopwords": "drop function and question words, and single letters",
    "aliases": "admin alias groups from sources.toml: one term for every spelling",
    "proclitics": "remove و ف ب ل ك ال س where the corpus backs the shorter word",
    "names": "read a Latin name and its Arabic transliteration as one term",
    "stemming": "light10 suffixes for Arabic, plural -s for Latin",
    "acronyms": "Arabic letter names spelling a Latin acronym (جي بي تي = GPT)",
    "split-names": "two words the corpus writes as one word or one name (ديب سيك)",
    "links": "web addresses in a question left out (the link of what the asker read)",
    "dialect": "an everyday dialect word the corpus lacks read as its Modern Standard Arabic "
    "counterpart (اتولد → ولد, عايز → يريد)",
    "short-names": "a first and last name of two consonants each, in Latin, read as the Arabic "
    "spelling the corpus uses for both",
    "spelling": "a question word the corpus lacks read as a corpus term one edit away",
    "roots": "rerank: a question word a paragraph holds only in another derivation counts",
}
# The module that implements each step (its imports within retrieval are followed).
_MODULES: dict[str, str] = {
    "normalize": "retrieval.analysis.tokenizer",
    "stopwords": "retrieval.analysis.words",
    "aliases": "retrieval.analysis.phrases",
    "proclitics": "retrieval.analysis.words",
    "names": "retrieval.analysis.words",
    "stemming": "retrieval.analysis.words",
    "acronyms": "retrieval.analysis.phrases",
    "split-names": "retrieval.analysis.phrases",
    "links": "retrieval.query.links",
    "dialect": "retrieval.query.dialect",
    "short-names": "retrieval.query.names",
    "spelling": "retrieval.query.spelling",
    "roots": "retrieval.stemming",
}


class UnknownStepError(ValueError):
    """A setting names a step the chain does not have."""


@dataclass(frozen=True)
class AnalysisSettings:
    """Which steps are off (all are on by default). Raises :class:`UnknownStepError` for a
    name that is no step."""

    off: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.off) - STEPS.keys())
        if unknown:
            raise UnknownStepError(f"no analysis step named {', '.join(unknown)}")

    @classmethod
    def without(cls, *names: str) -> AnalysisSettings:
        return cls(frozenset(names))

    def on(self, name: str) -> bool:
        if name not in STEPS:
            raise UnknownStepError(f"no analysis step named {name}")
        return name not in self.off

    def fingerprint(self, names: tuple[str, ...] = tuple(STEPS)) -> str:
        """Digest of the named steps: each one's name, whether it is on, and its code."""
        digest = hashlib.sha256()
        for name in names:
            digest.update(f"{name}:{self.on(name)}:{step_digest(name)}\n".encode())
        return digest.hexdigest()


DEFAULT_SETTINGS = AnalysisSettings()


def step_digest(name: str) -> str:
    """What a step adds to the snapshot fingerprint: the digest of its module's code and of
    every ``retrieval`` module that one imports."""
    return source_digest(_MODULES[name])


@cache
def source_digest(module: str) -> str:
    """SHA-256 of the source of ``module`` and of every ``retrieval`` module it imports,
    directly or not (read from the files, without importing them)."""
    digest = hashlib.sha256()
    for path in sorted(_closure(module)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _closure(module: str) -> set[Path]:
    seen: set[str] = set()
    paths: set[Path] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _source(name)
        if path is None:
            continue
        paths.add(path)
        pending.extend(_imports(name, path))
    return paths


def _source(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def _imports(module: str, path: Path) -> list[str]:
    """The ``retrieval`` modules (and packages) ``path`` imports."""
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _statements(ast.parse(path.read_bytes()).body):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append(base)
            # ``from retrieval import x`` may name a module.
            found += [f"{base}.{alias.name}" for alias in node.names]
    return [
        name
        for name in found
        if (name == "retrieval" or name.startswith("retrieval.")) and _exists(name)
    ]


def _statements(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``nodes`` and of the blocks inside them (imports are statements:
    skipping the expressions, most of a module's nodes, makes a start 0.2 s faster)."""
    for node in nodes:
        yield node
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
