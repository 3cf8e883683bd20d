"""Paging and feedback tokens: what a button or an inline offset carries, and nothing else.

Tokens are stateless: a "more" button carries only the offset of the next page, and the question
is read again from the message the answer replied to, so any replica (or a restarted process)
serves any press. Where that message can change after the answer (a Telegram question edited
by its asker), the token also carries a short digest of the question it answered, so a press
never pages through a question the answer was not for. Telegram allows 64 bytes of callback
data and Discord 100 characters of ``custom_id``; these tokens are at most 17 bytes.
"""

from __future__ import annotations

import hashlib
import re

MORE_PREFIX = "more:"
FEEDBACK_PREFIX = "fb:"
# Paging stops here: nobody reads 200 passages, and a crafted offset must not cost a deep scan.
MAX_OFFSET = 200
# ASCII digits only: str.isdigit() also accepts «²», «٣» and «۳», and int() then fails on some.
_OFFSET = re.compile(r"[0-9]{1,4}")
_DIGEST = re.compile(r"[0-9a-f]{8}")


def more_token(offset: int, question: str | None = None) -> str:
    """The token of a "more" button that shows passages from ``offset`` on; given the
    ``question`` it answered, the token is only good for that question (:func:`asked_with`)."""
    if question is None:
        return f"{MORE_PREFIX}{offset}"
    return f"{MORE_PREFIX}{offset}:{_digest(question)}"


def asked_with(token: str, question: str) -> bool:
    """Whether a "more" token may page through ``question``: it names no question, or names
    this one (spacing aside)."""
    _, _, digest = token.removeprefix(MORE_PREFIX).partition(":")
    return not digest or digest == _digest(question)


def _digest(question: str) -> str:
    # 32 bits: telling an edited question from its first wording, not resisting forgery (a
    # forged token can only page through a question its sender can already ask).
    canonical = " ".join(question.split())
    return hashlib.blake2s(canonical.encode(), digest_size=4).hexdigest()


def feedback_token(helpful: bool) -> str:
    """The token of a 👍 (``helpful``) or 👎 button."""
    return f"{FEEDBACK_PREFIX}{int(helpful)}"


def parse_offset(token: str) -> int | None:
    """The offset a token names (0 to :data:`MAX_OFFSET`), or None for anything else.

    Tokens come from clients, which can send any string: only ASCII digits in range pass.
    """
    if not _OFFSET.fullmatch(token):
        return None
    offset = int(token)
    return offset if offset <= MAX_OFFSET else None


def parse_more(token: str) -> int | None:
    """The offset of a "more" token, or None when the token is not one."""
    if not token.startswith(MORE_PREFIX):
        return None
    offset, colon, digest = token.removeprefix(MORE_PREFIX).partition(":")
    if colon and not _DIGEST.fullmatch(digest):
        return None
    return parse_offset(offset)


def parse_feedback(token: str) -> bool | None:
    """Whether a feedback token says helpful, or None when the token is not one."""
    return {f"{FEEDBACK_PREFIX}1": True, f"{FEEDBACK_PREFIX}0": False}.get(token)
