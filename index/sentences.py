"""Paragraphs and sentences with character offsets into the document text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from .documents import Document

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
# pysbd's time grows faster than the input (measured: 27 s per 5 MB in 1,000-character
# pieces, 86 s in 5,000-character ones), so long paragraphs are segmented in pieces.
_PIECE_MAX = 1_000
_SENTENCE_MAX = 1_500  # longer "sentences" (tables, run-on lists) are cut at this length


@dataclass(frozen=True)
class Sentence:
    """One quotable sentence: ``document.text[start:end] == text``."""

    doc: int  # position of its document in the corpus
    paragraph: int  # 1-based within the document body
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def paragraphs(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each non-blank paragraph from ``start`` on, trimmed of white space."""
    spans = []
    pos = start
    for match in _PARAGRAPH_BREAK.finditer(text, start):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a long paragraph into pysbd-sized pieces at the safest boundary in reach."""
    pieces = []
    while end - start > _PIECE_MAX:
        cut = text.rfind("\n", start, start + _PIECE_MAX)
        if cut <= start:
            cut = _sentence_end(text, start, start + _PIECE_MAX)
        if cut <= start:
            cut = text.rfind(" ", start, start + _PIECE_MAX)
        if cut <= start:
            cut = start + _PIECE_MAX
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


# ". " after a lower-case word of four or more letters: a sentence end, not "Dr." or "J."
_SAFE_END = re.compile(r"[a-z]{4}[.!?][\"”’)]?\s+(?=[\"“‘(]?[A-Z])")


def _sentence_end(text: str, start: int, end: int) -> int:
    last = -1
    for match in _SAFE_END.finditer(text, start, end):
        last = match.end()
    return last


def _locate(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]: pysbd's strings, found again in the text.

    pysbd's own character spans are unreliable when a sentence repeats, so each string is
    searched for from a moving cursor; that makes text[start:end] == quote hold by
    construction.
    """
    spans = []
    cursor = start
    for piece_start, piece_end in _pieces(text, start, end):
        for sentence in _segmenter().segment(text[piece_start:piece_end]):
            sentence = sentence.strip()
            if not sentence:
                continue
            found = text.find(sentence, cursor, piece_end)
            if found < 0:  # pysbd altered the text; fall back to the rest of the piece
                found, sentence = cursor, text[cursor:piece_end].strip()
                if not sentence:
                    continue
                found = text.find(sentence, cursor, piece_end)
            spans.append((found, found + len(sentence)))
            cursor = found + len(sentence)
    return [piece for s, e in spans for piece in _split_long(text, s, e)]


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for s, e in _pieces(text, start, end) if end - start > _SENTENCE_MAX else [(start, end)]:
        while e - s > _SENTENCE_MAX:
            cut = text.rfind(" ", s, s + _SENTENCE_MAX)
            cut = cut if cut > s else s + _SENTENCE_MAX
            out.append(_trim(text, s, cut))
            s = cut
        out.append(_trim(text, s, e))
    return [span for span in out if span]


def split_document(doc: Document, doc_index: int) -> list[Sentence]:
    """Every sentence of a document's body, in order, numbered by paragraph."""
    sentences = []
    for number, (p_start, p_end) in enumerate(paragraphs(doc.text, doc.body_start), start=1):
        for start, end in _locate(doc.text, p_start, p_end):
            sentences.append(Sentence(doc_index, number, start, end, doc.text[start:end]))
    return sentences
