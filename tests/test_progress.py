"""The build progress bar: one redrawn line on a terminal, nothing in logs or pipes."""

from __future__ import annotations

import io

from bot.console.progress import TerminalProgress, render_bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_the_stage_and_the_share_done():
    line = render_bar("indexing", 25, 100)
    assert line.startswith("\rindexing") and line.endswith(" 25%")
    assert line.count("#") == round(0.25 * 30)
    assert render_bar("indexing", 0, 0).endswith("100%")


def test_progress_draws_on_a_terminal_and_ends_the_line(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    progress = TerminalProgress()
    progress("reading", 10, 100)
    progress("reading", 20, 100)  # within a tenth of a second: not redrawn
    progress("reading", 100, 100)
    output = terminal.getvalue()
    assert output.count("\r") == 2 and output.endswith("100%\n")
    assert "reading sources" in output


def test_progress_is_silent_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    TerminalProgress()("indexing", 5, 10)
    assert capsys.readouterr().err == ""
