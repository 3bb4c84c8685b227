"""What the command line prints around its answers: embedding progress and build reports."""
from __future__ import annotations

import io

from bot.commands import _ProgressBar
from bot.render import render_report
from index import BuildReport


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _feed(bar: _ProgressBar) -> None:
    bar("reading", 0, 1)
    for done in (50, 100, 120):
        bar("splitting documents into sentences", done, 120)
    for done in (0, 10, 20, 30):
        bar("embedding", done, 30)
    bar("indexing words", 0, 1)
    bar("saving", 0, 1)
    bar.close()


def test_progress_to_a_pipe_is_one_summary_line():
    out = io.StringIO()  # isatty() is False, as for a pipe or a log file
    _feed(_ProgressBar(out))
    assert "\r" not in out.getvalue() and "%|" not in out.getvalue()
    assert out.getvalue().startswith("embedded 30 of 30 texts in ") and out.getvalue().count("\n") == 1


def test_progress_on_a_terminal_is_a_bar_per_counted_stage_and_a_line_per_other():
    out = _Terminal()
    _feed(_ProgressBar(out))
    text = out.getvalue()
    assert "embedding" in text and "30/30" in text
    assert "splitting documents into sentences" in text and "120/120" in text
    assert "indexing words…\n" in text and "saving…\n" in text
    assert "reading…" not in text  # an instant: saying so would only be noise


def test_nothing_embedded_prints_nothing():
    out = io.StringIO()
    bar = _ProgressBar(out)
    bar("reading", 0, 1)
    bar.close()
    assert out.getvalue() == ""


def test_waiting_for_another_processs_build_is_said_before_the_wait():
    out = io.StringIO()
    bar = _ProgressBar(out)
    bar("waiting for another process's build", 0, 0)
    assert out.getvalue() == "waiting for another process's build…\n"


def _report(added: int) -> BuildReport:
    paths = tuple(f"doc-{i:02d}.txt" for i in range(added))
    return BuildReport(documents=added, sentences=3 * added, added=paths, changed=("a.md",),
                       removed=(), reembedded=added + 1, seconds=1.5, warnings=(), rebuilt=True)


def test_a_report_lists_up_to_ten_files():
    text = render_report(_report(10))
    assert "  added: " + ", ".join(f"doc-{i:02d}.txt" for i in range(10)) in text
    assert "  changed: a.md" in text and "removed" not in text


def test_a_report_past_ten_files_gives_the_count_and_the_first_few():
    text = render_report(_report(42))
    assert "  added: 42 files, doc-00.txt, doc-01.txt, doc-02.txt, doc-03.txt, doc-04.txt and 37 more" in text
    assert "doc-05.txt" not in text and len(max(text.splitlines(), key=len)) < 100
