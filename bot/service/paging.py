"""Paging and feedback tokens: what a button or an inline offset carries, and nothing else.

Tokens are stateless: a "more" button carries only the offset of the next page, and the question
is read again from the message the answer replied to, so any replica (or a restarted process)
serves any press. Telegram allows 64 bytes of callback data and Discord 100 characters of
``custom_id``; these tokens are a few bytes.
"""

from __future__ import annotations

import re

MORE_PREFIX = "more:"
FEEDBACK_PREFIX = "fb:"
# Paging stops here: nobody reads 200 passages, and a crafted offset must not cost a deep scan.
MAX_OFFSET = 200
# ASCII digits only: str.isdigit() also accepts «²», «٣» and «۳», and int() then fails on some.
_OFFSET = re.compile(r"[0-9]{1,4}")


def more_token(offset: int) -> str:
    """The token of a "more" button that shows passages from ``offset`` on."""
    return f"{MORE_PREFIX}{offset}"


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
    return parse_offset(token.removeprefix(MORE_PREFIX))


def parse_feedback(token: str) -> bool | None:
    """Whether a feedback token says helpful, or None when the token is not one."""
    return {f"{FEEDBACK_PREFIX}1": True, f"{FEEDBACK_PREFIX}0": False}.get(token)
