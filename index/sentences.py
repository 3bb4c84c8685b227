"""Paragraphs and sentences with character offsets into the document text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from .documents import Document
from .language import word_count

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


# A line that ends a sentence, or is a heading, a rule, a list item's line or a table row, keeps its
# line break; one that does not is wrapped prose.
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"”’)\]*_`]*$")  # closing quotes, brackets or markup after: "**Can I?**"
_LINE_UNIT = re.compile(r"#|[^\w\s]+$")  # "# Title", or a line of "====" under or over a title
_STARTS_ITEM = re.compile(r"(?:[-*•+>]|#+|\d+[.)]|[A-Za-z][.)])(?:\s|$)|[^\w\s]+$")


def _unwrapped(paragraph: str) -> str:
    """The paragraph with the line breaks of hard-wrapped prose made spaces, for pysbd.

    pysbd ends a sentence at every line break, so a text file wrapped at 80 columns (a
    README, reStructuredText, an e-mail) was cut into quotes of one line each: "If you
    want each run to start afresh,". One character for one, so every offset holds, and
    the quote keeps the document's own line break. A break stays when the line before
    ends a sentence or is a heading, or the line after starts a list item, a quotation, a
    heading or a rule, or either holds a "|" (a table's row, with or without the outer
    pipes): there the line is the unit, as it was before."""
    if "\n" not in paragraph:
        return paragraph
    chars = list(paragraph)
    lines = paragraph.split("\n")
    at = 0
    for line, following in zip(lines, lines[1:]):
        at += len(line)
        before, after = line.strip(), following.strip()
        if before and after and "|" not in before + after and not (
                _ENDS_SENTENCE.search(before) or _LINE_UNIT.match(before) or _STARTS_ITEM.match(after)):
            chars[at] = " "
        at += 1
    return "".join(chars)


def _locate(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]: pysbd's strings, found again in the text.

    pysbd's own character spans are unreliable when a sentence repeats, so each string is
    searched for from a moving cursor; that makes text[start:end] == quote hold by
    construction. pysbd reads the paragraph with wrapped lines joined (``_unwrapped``),
    which has the same offsets.
    """
    local = _unwrapped(text[start:end])
    spans = []
    cursor = 0
    for piece_start, piece_end in _pieces(local, 0, len(local)):
        for sentence in _segmenter().segment(local[piece_start:piece_end]):
            sentence = sentence.strip()
            if not sentence:
                continue
            found = local.find(sentence, cursor, piece_end)
            if found < 0:  # pysbd altered the text; fall back to the rest of the piece
                found, sentence = cursor, local[cursor:piece_end].strip()
                if not sentence:
                    continue
                found = local.find(sentence, cursor, piece_end)
            spans.append((start + found, start + found + len(sentence)))
            cursor = found + len(sentence)
    spans = _closers_kept(text, [cut for span in spans for cut in _at_full_width_ends(text, *span)])
    return [piece for s, e in spans for piece in _split_long(text, s, e)]


# Japanese and Chinese end a sentence with a full-width "。", "！" or "？" (a closing
# quote or bracket after it stays with it) and start the next without a space, which
# pysbd's English rules never cut: a Japanese rules page came out as one "sentence" per
# paragraph, three rules quoted for one.
_CLOSERS = "」』）】〉》”’\")"
_FULL_WIDTH_END = re.compile(f"[。！？]+[{re.escape(_CLOSERS)}]*")


def _closers_kept(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with a closing quote or bracket that starts one (pysbd cuts "。」" after
    its "。" at times) given back to the sentence it closes."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and out[-1][1] == start and text[start - 1] in "。！？":
            while start < end and text[start] in _CLOSERS:
                start += 1
            out[-1] = (out[-1][0], start)
            if not (span := _trim(text, start, end)):
                continue
            start, end = span
        out.append((start, end))
    return out


def _at_full_width_ends(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """text[start:end] cut after each full-width sentence end inside it, trimmed."""
    spans = []
    for match in _FULL_WIDTH_END.finditer(text, start, end):
        if match.end() < end and (span := _trim(text, start, match.end())):
            spans.append(span)
            start = match.end()
    return spans + [span] if (span := _trim(text, start, end)) else spans


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


_WORD_CHARACTER = re.compile(r"\w")


def split_document(doc: Document, doc_index: int) -> list[Sentence]:
    """Every sentence of a document's body, in order, numbered by paragraph.

    A "sentence" with no letter or digit in it (a rule, "----" or "====", a row of
    asterisks) is left out: it can answer nothing, and would only turn up among the
    closest passages."""
    sentences = []
    for number, (p_start, p_end) in enumerate(paragraphs(doc.text, doc.body_start), start=1):
        for start, end in _with_one_words_joined(doc.text, _locate(doc.text, p_start, p_end)):
            if _WORD_CHARACTER.search(doc.text, start, end):
                sentences.append(Sentence(doc_index, number, start, end, doc.text[start:end]))
    return sentences


def _with_one_words_joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each sentence of one word joined to the next on its line, or else to
    the one before it on its line.

    In an FAQ "No. Advertising other servers is not allowed." answers "can I advertise",
    and "No." alone, which pysbd makes a sentence, quotes nothing. A line of its own
    (a heading, a list item, a table row) stays whole."""
    out: list[tuple[int, int]] = []
    pending: int | None = None  # where a one-word sentence waiting for the next one starts
    for i, (start, end) in enumerate(spans):
        if pending is not None:
            start, pending = pending, None
        one_word = word_count(text, spans[i][0], end) <= 1
        if one_word and i + 1 < len(spans) and "\n" not in text[end:spans[i + 1][0]]:
            pending = start
        elif one_word and out and "\n" not in text[out[-1][1]:start]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


_ATX_HEADING = re.compile(r"#{1,6}(?:\s|$)")  # "## How do I get the member role?"
_UNDERLINE = re.compile(r"[ \t]*\n[ \t]*([=\-~^*+#`'\"._:])\1{2,}[ \t]*(?:\n|$)")  # "Title" then "====="


# A Markdown table's delimiter row, under its header row: "|------|:---:|", "--- | ---".
_TABLE_DELIMITER = re.compile(r"[ \t]*\n[ \t]*(?=[^\n]*\|)(?=[^\n]*-)[|:\- \t]+(?:\n|$)")


_QUESTION_END = re.compile(r"\?[\"”’)\]*_`]*$")  # "…a ban?", "**…a ban?**"


def is_heading(text: str, sentence: Sentence) -> bool:
    """Whether the sentence is a heading: a Markdown "#" line, a line underlined by a
    rule (reStructuredText's and Markdown's "Title" over "=====" or "-----"), a
    Markdown table's header row ("| Game | Day | Prize |" over "|---|---|---|"), or a
    question alone on its line ("Q: How do I appeal a ban?").

    A heading names what the sentences under it are about; quoted as an answer it only
    repeats the question ("## How do I get the member role?" in an FAQ, and an FAQ's
    question line however it is marked), and a table's header row answers nothing
    ("what is the prize for chess" is in the row for chess). A question inside a
    paragraph stays a sentence: "consider the following instance …: is there a route of
    at most 2000 kilometres …?" answers SQuAD questions."""
    return bool(_ATX_HEADING.match(sentence.text) or _UNDERLINE.match(text, sentence.end)
                or ("|" in sentence.text and _TABLE_DELIMITER.match(text, sentence.end))
                or (_QUESTION_END.search(sentence.text) and _alone_on_its_lines(text, sentence)))


def _alone_on_its_lines(text: str, sentence: Sentence) -> bool:
    """Whether nothing but white space shares the sentence's first and last lines."""
    line_start = text.rfind("\n", 0, sentence.start) + 1
    line_end = text.find("\n", sentence.end)
    return not text[line_start:sentence.start].strip() and not text[sentence.end:len(text) if line_end < 0 else line_end].strip()

