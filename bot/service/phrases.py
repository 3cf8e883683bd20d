"""Chat text that asks no question: a greeting, «المزيد» typed out, a slash command.

Searched as questions, these get «لم أجد…» (or, worse, passages that happen to hold «مرحبا»),
and count as unanswered questions in /gaps. The service recognises them first, the same way on
every platform; the phrases themselves live in :mod:`bot.service.messages`.

Matching is on whole messages, after the analyser's spelling folds (tashkeel, tatweel and
hamza seats: مرحباً = مرحبا, أهلاً = اهلا) and without punctuation or emoji, so «المزيد؟» and
«السلام عليكم 🌹» are recognised, and «مرحبا، كم كلّف R1؟» is a question.
"""

from __future__ import annotations

import functools
import re

from bot.service import messages
from retrieval.normalize import normalize_arabic

# A phrase is a few words: longer text is a question (or at least not one of these).
PHRASE_MAX_CHARS = 60
_WORD = re.compile(r"[^\W_]+")
# A slash command as Telegram and Discord write one: Latin letters, digits and underscores,
# optionally addressed to a bot (/start@SanadBot).
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?=\s|$)")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalize_arabic(text)))


@functools.cache
def _phrases(group: frozenset[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(_words(phrase) for phrase in group)


@functools.lru_cache(maxsize=4096)  # asked for twice per question; popular questions recur
def _phrase(text: str) -> tuple[str, ...]:
    """The words of a short message, without the words that only address the bot (يا سند)."""
    if len(text) > PHRASE_MAX_CHARS:
        return ()
    addressing = _phrases(messages.ADDRESSING_WORDS)
    return tuple(word for word in _words(text) if (word,) not in addressing)


def is_more(text: str) -> bool:
    """Whether ``text`` asks for more passages: «المزيد», «مزيد», «أكثر», «المزيد من فضلك»,
    "more", /more… (:data:`messages.MORE_WORDS`)."""
    return _phrase(text) in _phrases(messages.MORE_WORDS)


def greeting(text: str) -> str | None:
    """The reply's salutation when ``text`` is only a greeting («مرحبا», «السلام عليكم»,
    "hi"…), else None: «وعليكم السلام!» to a salam, «أهلًا بك!» to any other."""
    phrase = _phrase(text)
    if not phrase or phrase not in _phrases(messages.GREETING_WORDS):
        return None
    if any(word in ("سلام", "السلام", "salam", "salaam") for word in phrase):
        return messages.SALAM_REPLY
    return messages.HELLO_REPLY


def command(text: str) -> str | None:
    """The slash command ``text`` starts with (``/name``), or None."""
    match = _COMMAND.match(text.strip())
    return f"/{match.group(1)}" if match else None
