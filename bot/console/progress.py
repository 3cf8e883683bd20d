"""A progress bar for long index builds, drawn on the operator's terminal (stderr)."""

from __future__ import annotations

import sys
import time

_STAGES = {"reading": "reading sources", "indexing": "indexing"}
_WIDTH = 30
_REDRAW_SECONDS = 0.1


class TerminalProgress:
    """Redraws one line on stderr, at most ten times a second; silent when stderr is no terminal.

    Picklable (it holds no stream), so an indexing subprocess draws on the same terminal.
    """

    def __init__(self) -> None:
        self._drawn_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        stream = sys.stderr
        if not stream.isatty():
            return
        finished = done >= total
        now = time.monotonic()
        if not finished and now - self._drawn_at < _REDRAW_SECONDS:
            return
        self._drawn_at = now
        stream.write(render_bar(_STAGES.get(stage, stage), done, total))
        stream.write("\n" if finished else "")
        stream.flush()


def render_bar(label: str, done: int, total: int) -> str:
    """``\\r<label> [#####.....] 50%``: one line that the next draw overwrites."""
    fraction = min(done / total, 1.0) if total else 1.0
    filled = round(fraction * _WIDTH)
    return f"\r{label:<16} [{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction:4.0%}"
