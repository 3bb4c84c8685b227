"""What the command line prints around its answers: embedding progress and build reports."""
from __future__ import annotations

import io

from bot.commands import _ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _feed(bar: _ProgressBar) -> None:
    bar("reading", 0, 1)
    for done in (0, 10, 20, 30):
        bar("embedding", done, 30)
    bar("saving", 0, 1)
    bar.close()


def test_progress_to_a_pipe_is_one_summary_line():
    out = io.StringIO()  # isatty() is False, as for a pipe or a log file
    _feed(_ProgressBar(out))
    assert "\r" not in out.getvalue() and "%|" not in out.getvalue()
    assert out.getvalue().startswith("embedded 30 of 30 texts in ") and out.getvalue().count("\n") == 1


def test_progress_on_a_terminal_is_a_bar():
    out = _Terminal()
    _feed(_ProgressBar(out))
    assert "embedding" in out.getvalue() and "30/30" in out.getvalue()


def test_nothing_embedded_prints_nothing():
    out = io.StringIO()
    bar = _ProgressBar(out)
    bar("reading", 0, 1)
    bar.close()
    assert out.getvalue() == ""
