"""Corpora of N real sentences for bench/bench_scale.py, never reusing a paragraph.

The 16 SQuAD articles come first, whole; then the prose paragraphs of documentation
pages (``<p>`` of a Sphinx page's main body: no code blocks, tables or navigation), in
path order, until the corpus holds N sentences as the engine segments them. Each page is
written as one .txt document: its title, a blank line, paragraphs separated by blank
lines.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Debian's packaged HTML documentation: the Python docs alone reach about 72,000 sentences
# (with the SQuAD articles); with Django's and Sphinx's after them, about 105,000.
SOURCES = {"/tmp/pydoc": "python3.11-doc", "/tmp/djdoc": "python-django-doc", "/tmp/sphinxdoc": "sphinx-doc"}
FETCH = "\n".join(f"cd /tmp && apt-get download {package} && dpkg-deb -x {package}_*.deb {folder}"
                  for folder, package in SOURCES.items())
MIN_WORDS = 6  # shorter <p> are labels and captions ("Availability: Unix."), not prose


class _Paragraphs(HTMLParser):
    """The title and ``<p>`` paragraphs of a Sphinx page's main body, without code or tables."""

    _SKIP = frozenset({"pre", "table", "script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self.paragraphs = "", []
        self._main = 0  # div depth inside role="main"; 0 = outside
        self._skip = 0
        self._text: list[str] | None = None
        self._h1: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "div" and (self._main or _is_main(dict(attrs))):
            self._main += 1
        elif tag in self._SKIP:
            self._skip += 1
        elif self._main and tag == "p" and not self._skip:
            self._text = []
        elif self._main and tag == "h1" and not self.title:
            self._h1 = []

    def handle_endtag(self, tag):
        if tag == "div" and self._main:
            self._main -= 1
        elif tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "p" and self._text is not None:
            self.paragraphs.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "h1" and self._h1 is not None:
            self.title = " ".join("".join(self._h1).replace("¶", "").split())
            self._h1 = None

    def handle_data(self, data):
        if self._skip:
            return
        for part in (self._text, self._h1):
            if part is not None:
                part.append(data)


def _is_main(attrs: dict) -> bool:
    """The page body: Sphinx's role="main", or the ``yui-main`` of Django's own theme."""
    return attrs.get("role") == "main" or attrs.get("id") == "yui-main"


def is_prose(paragraph: str) -> bool:
    """A paragraph of sentences: enough words, and it ends like a sentence does."""
    return len(paragraph.split()) >= MIN_WORDS and paragraph[-1] in ".!?:)\"”’"


def html_pages(folder: Path) -> list[tuple[str, str, list[str]]]:
    """(name, title, prose paragraphs) of every documentation page under ``folder``, in path order."""
    seen, pages = set(), []
    for path in sorted(folder.rglob("*.html")):
        real = path.resolve()
        rel = path.relative_to(folder).as_posix()
        if real in seen or any(p.startswith("_") for p in path.parts) or path.stem.startswith(("genindex", "py-modindex", "search")):
            continue
        seen.add(real)
        parser = _Paragraphs()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        kept = [p for p in parser.paragraphs if is_prose(p)]
        if kept:
            pages.append((rel, parser.title or path.stem, kept))
    return pages


@dataclass
class Page:
    """One document of a corpus: where it goes in the seeds folder, its title and paragraphs."""

    path: str
    title: str
    paragraphs: list[str]
    sentences: int = 0

    def text(self) -> str:
        return f"{self.title}\n\n" + "\n\n".join(self.paragraphs) + "\n"


@dataclass
class ScaleCorpus:
    """The pages of one size, the spare page the update test adds, and what it fell short of."""

    pages: list[Page]
    sentences: int
    spare: Page | None
    short_by: int = 0  # sentences missing to reach the size without reusing a paragraph


def sentence_ends(paragraph: str) -> list[int]:
    """Where each sentence of a paragraph ends, as the engine segments it."""
    from index.documents import Document
    from index.sentences import split_document

    return [s.end for s in split_document(Document("p.txt", "p", None, paragraph, 0, ""), 0)]


def make_corpus(fixed: list[Page], pool: list[Page], size: int, ends=sentence_ends) -> ScaleCorpus:
    """``fixed`` (whole: offsets into it must hold) then ``pool``'s paragraphs, in order, to ``size`` sentences.

    A paragraph already used is skipped; the last one taken is cut after the sentence
    that reaches the size. The spare is the next page with unused paragraphs. ``ends``
    segments a paragraph (the engine's segmenter by default).
    """
    used: set[str] = set()
    pages = []
    for page in fixed:
        used.update(page.paragraphs)
        pages.append(Page(page.path, page.title, list(page.paragraphs), sum(len(ends(p)) for p in page.paragraphs)))
    total = sum(p.sentences for p in pages)
    rest = iter(pool)
    while total < size and (source := next(rest, None)) is not None:
        page = _take(source, used, ends, size - total)
        if page.paragraphs:
            pages.append(page)
            total += page.sentences
    spare = next((page for page in (_take(s, used, ends) for s in rest) if page.paragraphs), None)
    return ScaleCorpus(pages, total, spare, max(size - total, 0))


def _take(source: Page, used: set[str], ends, limit: int | None = None) -> Page:
    """The unused paragraphs of ``source``, up to ``limit`` sentences; marks them used."""
    page = Page(source.path, source.title, [])
    for paragraph in source.paragraphs:
        if limit is not None and page.sentences >= limit:
            break
        cuts = [] if paragraph in used else ends(paragraph)
        used.add(paragraph)
        if not cuts:
            continue
        take = len(cuts) if limit is None else min(len(cuts), limit - page.sentences)
        page.paragraphs.append(paragraph if take == len(cuts) else paragraph[: cuts[take - 1]])
        page.sentences += take
    return page


def squad_pages(squad) -> list[Page]:
    return [Page(f"squad/{d.path}", d.title, d.text.split("\n\n")) for d in squad.documents]


def prose_pages(folders: list[Path]) -> list[Page]:
    pages = [Page(f"prose/{_page_name(rel)}.txt", title, paragraphs)
             for folder in folders for rel, title, paragraphs in html_pages(folder)]
    names = [p.path for p in pages]
    if len(set(names)) != len(names):
        raise ValueError("two pages would be written to the same file: pass each documentation folder once")
    return pages


def _page_name(rel: str) -> str:
    """``usr/share/doc/python3.11/html/library/os.html`` -> ``python3.11--library--os``.

    The folder above ``html`` names the package, so two sources' ``index.html`` differ.
    """
    parts = rel[: -len(".html")].split("/")
    if "html" in parts[:-1]:
        at = len(parts) - 1 - parts[::-1].index("html")
        parts = parts[max(at - 1, 0) : at] + parts[at + 1 :]
    return "--".join(parts)


def write_corpus(pages: list[Page], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for page in pages:
        target = folder / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text(), encoding="utf-8")
