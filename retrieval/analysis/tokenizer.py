"""The chain's source: text → normalised single-script words, each with its span.

Two named steps: ``normalize`` (:func:`retrieval.normalize.normalize_arabic`, per raw word) and
the tokenizer proper, which splits raw words (letters, digits and the marks that may sit inside
a word, so offsets stay exact) and then splits a normalised word that mixes scripts
(لـDeepSeek → ل, deepseek). With ``normalize`` off a word is only lowercased (for measurement:
then إنفيديا and انفيديا are different words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.normalize import IN_WORD, NUMBER_SEPARATOR, normalize_arabic

# A raw word in the original text: letters/digits plus the marks that may sit inside a word
# (tashkeel, tatweel, accents, zero-width and bidi characters), so offsets stay exact.
# A separator between two digits is part of the number (١٢٬٥٠٠، 12.5).
RAW_WORD = re.compile(f"(?:[^\\W_]|[{IN_WORD}]|{NUMBER_SEPARATOR})+")
# After normalisation a raw word may still mix scripts (لـDeepSeek → لdeepseek): split it. A
# decimal number (12.5) is one run.
SCRIPT_RUN = re.compile("[a-z0-9]+(?:\\.[0-9]+)*|[\u0621-\u064a]+|[^\\W_a-z0-9\u0621-\u064a]+")
ARABIC = re.compile("[\u0621-\u064a]+")
LATIN = re.compile("[a-z]+")
# Distinct raw words whose runs are remembered (about 20 MB at most: a server re-reads the
# paragraphs it quotes, and their words are new for ever).
RUN_CACHE_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class Word:
    """A normalised single-script word and its span in the original text."""

    form: str
    start: int
    end: int


@lru_cache(maxsize=RUN_CACHE_SIZE)
def _normalized_runs(raw: str) -> tuple[str, ...]:
    """Normalised single-script runs of one raw word (words repeat: this is cached)."""
    return tuple(run.group() for run in SCRIPT_RUN.finditer(normalize_arabic(raw)))


@lru_cache(maxsize=RUN_CACHE_SIZE)
def _lowercase_runs(raw: str) -> tuple[str, ...]:
    return tuple(run.group() for run in SCRIPT_RUN.finditer(raw.lower()))


class Tokenizer:
    """Splits text into words; ``normalize`` says whether words are normalised."""

    def __init__(self, normalize: bool = True) -> None:
        self.runs = _normalized_runs if normalize else _lowercase_runs

    def forms(self, token: str) -> tuple[str, ...]:
        """Normalised single-script words of one whitespace-separated token (no spans)."""
        runs = self.runs
        return tuple(form for raw in RAW_WORD.findall(token) for form in runs(raw))

    def words(self, text: str) -> list[Word]:
        """Split ``text`` into normalised single-script words, keeping original offsets."""
        words: list[Word] = []
        runs = self.runs
        for raw in RAW_WORD.finditer(text):
            start, end = raw.span()
            words.extend(Word(form, start, end) for form in runs(raw.group()))
        return words

    def text_forms(self, text: str) -> list[str]:
        """The forms of :meth:`words` without their spans (the cheaper path)."""
        runs = self.runs
        return [form for raw in RAW_WORD.findall(text) for form in runs(raw)]


TOKENIZER = Tokenizer()


def word_forms(token: str) -> tuple[str, ...]:
    """Normalised single-script words of one whitespace-separated token (no spans)."""
    return TOKENIZER.forms(token)


def surface_words(text: str) -> list[Word]:
    """Split ``text`` into normalised single-script words, keeping original offsets."""
    return TOKENIZER.words(text)
