"""Keeping mixed Arabic/Latin lines in the right order on any platform.

The Unicode bidi algorithm gives a paragraph the direction of its first strong letter, so a line
that starts with "DeepSeek" or "R1" is laid out left-to-right and its Arabic words come out
shuffled. Wrapping every Latin/number run in a first-strong isolate (U+2068 … U+2069) keeps it
from steering the line, and a leading right-to-left mark fixes the line's own direction.
"""

from __future__ import annotations

import re

RLM = "\u200f"
FSI = "\u2068"
LRI = "\u2066"
PDI = "\u2069"

# A run that starts with a Latin letter or digit and continues through Latin text, numbers,
# and the punctuation that lives inside them (R-1, GPT-4, 3.5%, https://x.y/z). A /command is
# left alone: Telegram only recognises it when nothing sits between the slash and the name.
# Terminal styling (ESC [ 1 m) is skipped whole: an isolate inside it breaks the sequence.
_LTR_RUN = re.compile(
    r"(\x1b\[[0-9;]*m)"
    r"|(?<![/\w])(?:[A-Za-z0-9][A-Za-z0-9\-_.,:/%&'’+@#=?~]*[A-Za-z0-9%/]|[A-Za-z0-9])"
)


def isolate_ltr_runs(text: str) -> str:
    """Wrap each Latin or numeric run of ``text`` in a left-to-right isolate."""
    return _LTR_RUN.sub(lambda m: m.group(1) or f"{LRI}{m.group()}{PDI}", text)


def rtl_line(text: str) -> str:
    """A line that displays right-to-left whatever it starts with."""
    return RLM + isolate_ltr_runs(text)
