"""Answers as plain text for the terminal: the command line and the chat share this."""
from __future__ import annotations

import textwrap

from index import Answer, BuildReport, DocumentInfo, Passage

from .phrases import CONFIDENCE_LEVELS, phrase

_WIDTH = 88


def source_line(p: Passage, language: str = "en") -> str:
    """"Title · 2022-01-09 · paragraph 3 · file.txt": where a quote comes from."""
    parts = [p.title.rstrip(". ") or p.document]
    if p.date:
        parts.append(p.date)
    parts += [phrase("paragraph", language, n=p.paragraph), p.document]
    return " · ".join(parts)


def _quoted(text: str) -> str:
    """The text in quotation marks, unless the sentence already opens with one."""
    return text if text.startswith(("“", '"', "‘", "'")) else f"“{text}”"


def _quote_block(text: str, bold: tuple[int, int] | None = None) -> str:
    if bold:
        # Terminal bold; the span comes from the engine, relative to the quote.
        text = f"{text[:bold[0]]}\033[1m{text[bold[0]:bold[1]]}\033[0m{text[bold[1]:]}"
    lines = textwrap.wrap(_quoted(text), _WIDTH - 4) or [""]
    return "\n".join(f"  > {line}" for line in lines)


def _passages(passages: tuple[Passage, ...] | list[Passage], language: str = "en") -> str:
    out = []
    for n, p in enumerate(passages, start=1):
        snippet = textwrap.shorten(p.quote, _WIDTH - 8, placeholder=" …")
        out.append(f"  {n}. {_quoted(snippet)}\n     {source_line(p, language)}")
    return "\n".join(out)


def render_answer(answer: Answer, *, color: bool = False) -> str:
    """The quote as a block quote, its source, the confidence in words; or the not-found reply."""
    p = answer.passage
    if p is None:
        return "The index holds no documents yet: add .txt or .md files to the seeds folder and run `kizuna index`."
    language = answer.language
    if not answer.answered:
        closest = [p, *answer.alternatives]
        return phrase("text.not_found", language) + "\n" + _passages(closest, language)
    lines = [phrase("likely", language)] if answer.verdict == "likely" else []
    level = phrase(f"level.{answer.confidence}", language) if answer.confidence in CONFIDENCE_LEVELS else answer.confidence
    lines += [
        _quote_block(p.quote, answer.highlight if color else None),
        f"  — {source_line(p, language)}",
        "  " + phrase("text.confidence", language, level=level, score=f"{p.score:.2f}"),
    ]
    if answer.alternatives:
        lines += ["", phrase("passages", language) + ":", _passages(answer.alternatives, language)]
    return "\n".join(lines)


def render_documents(docs: list[DocumentInfo], model: str, built_at: str) -> str:
    lines = [f"{len(docs)} document(s), model {model}, index built {built_at or 'just now'}"]
    for d in docs:
        date = f", {d.date}" if d.date else ""
        lines.append(f"  - {d.title.rstrip('. ')}{date}: {d.sentences} sentences ({d.path})")
    return "\n".join(lines)


def render_report(report: BuildReport) -> str:
    if not report.rebuilt:
        head = "The index is up to date: nothing re-embedded."
    else:
        head = f"Index built in {report.seconds:.2f} s: {report.reembedded} document(s) embedded anew."
    lines = [
        head,
        f"  documents {report.documents}, sentences {report.sentences}",
    ]
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if paths:
            lines.append(f"  {label}: {_paths(paths)}")
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _paths(paths: tuple[str, ...]) -> str:
    """Up to 10 paths in full; past that the count and the first five, so a report stays short."""
    if len(paths) <= 10:
        return ", ".join(paths)
    return f"{len(paths)} files, {', '.join(paths[:5])} and {len(paths) - 5} more"
