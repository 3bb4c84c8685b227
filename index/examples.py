"""Example questions drawn from the documents, for /help: only ones the engine answers."""
from __future__ import annotations

import re
from typing import Iterator

from .corpus import Corpus

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_CANDIDATES = 24  # enough to find a few good ones, few enough for one quick model call


def candidate_questions(corpus: Corpus) -> list[tuple[str, str]]:
    """(question, the text its answer must contain), taking documents in turn.

    "What happened in 1924?" is a question every reader understands and a sentence with
    that year answers; templates for names read oddly for places and organisations.
    """
    per_doc: dict[int, list[tuple[str, str]]] = {}
    for s in corpus.sentences:
        for year in _YEAR.findall(s.text):
            per_doc.setdefault(s.doc, []).append((f"What happened in {year}?", year))
    seen: set[str] = set()
    out = []
    for question, needle in _round_robin(list(per_doc.values())):
        if question not in seen:
            seen.add(question)
            out.append((question, needle))
        if len(out) >= _CANDIDATES:
            break
    return out


def _round_robin(lists: list[list[tuple[str, str]]]) -> Iterator[tuple[str, str]]:
    for i in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if i < len(items):
                yield items[i]
