"""bench/scale_corpus.py: corpora of exactly N sentences, as the engine counts them, without reuse."""
from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

from index import Engine
from index.documents import load_documents

_SPEC = importlib.util.spec_from_file_location("scale_corpus", Path(__file__).parents[1] / "bench" / "scale_corpus.py")
scale_corpus = importlib.util.module_from_spec(_SPEC)
sys.modules["scale_corpus"] = scale_corpus  # dataclasses look their module up there
_SPEC.loader.exec_module(scale_corpus)
Page = scale_corpus.Page

PLACES = ["harbour", "council", "treaty", "railway", "festival", "museum", "garden", "bridge", "library", "merchant", "island"]
SEASONS = ["spring", "summer", "autumn", "winter"]


def paragraph(tag: str, sentences: int) -> str:
    return " ".join(f"The {PLACES[i % len(PLACES)]} of {tag} opened in the {SEASONS[i % 4]}." for i in range(sentences))


def pool() -> list[Page]:
    repeated = paragraph("repeat", 2)
    return [
        Page("prose/a.txt", "Alpha pages", [paragraph("a1", 3), repeated, repeated, paragraph("a2", 4)]),
        Page("prose/b.txt", "Beta pages", [repeated, paragraph("b1", 5), paragraph("b2", 2)]),
        Page("prose/c.txt", "Gamma pages", [paragraph("c1", 3), paragraph("c2", 3)]),
        Page("prose/d.txt", "Delta pages", [paragraph("d1", 2)]),
    ]


def written_paragraphs(folder: Path) -> list[str]:
    documents, _ = load_documents(folder)
    return [p for d in documents for p in d.text[d.body_start :].strip().split("\n\n")]


def test_reaches_the_size_as_the_engine_counts_without_reusing_a_paragraph(tmp_path, hashing):
    fixed = [Page("squad/Fixed.txt", "Fixed article", [paragraph("f1", 2), paragraph("f2", 3)])]
    corpus = scale_corpus.make_corpus(fixed, pool(), 16)  # 5 fixed + 3 + 2 + 4 + 2 of b1's 5: a cut paragraph
    assert (corpus.sentences, corpus.short_by) == (16, 0)
    scale_corpus.write_corpus(corpus.pages, tmp_path / "seeds")
    engine = Engine.open(tmp_path / "seeds", tmp_path / "index", hashing)
    assert engine.sentence_count == 16
    paragraphs = written_paragraphs(tmp_path / "seeds")
    assert max(Counter(paragraphs).values()) == 1
    # The fixed page is written whole, so offsets into its text still hold.
    text = (tmp_path / "seeds" / "squad" / "Fixed.txt").read_text(encoding="utf-8")
    assert text.endswith("\n\n".join(fixed[0].paragraphs) + "\n")
    # The spare (the page an update adds) is new text too.
    assert corpus.spare.path == "prose/c.txt"
    assert not set(corpus.spare.paragraphs) & set(paragraphs)


def test_a_size_the_text_cannot_reach_is_reported_short():
    corpus = scale_corpus.make_corpus([], pool(), 1000)
    distinct = 3 + 2 + 4 + 5 + 2 + 3 + 3 + 2  # the repeated paragraph counted once
    assert (corpus.sentences, corpus.short_by, corpus.spare) == (distinct, 1000 - distinct, None)


def test_html_pages_keep_the_main_body_prose_only(tmp_path):
    page = tmp_path / "html" / "library" / "os.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<html><body><div class="sphinxsidebar"><p>Navigation text that is not part of the page body.</p></div>'
        '<div class="body" role="main"><h1>os — Miscellaneous interfaces<a class="headerlink">¶</a></h1>'
        "<p>This module provides a portable way of using <code>operating system</code> functionality.</p>"
        '<div class="highlight"><pre><p>print("code is not prose, even in a paragraph")</p></pre></div>'
        "<p>Availability: Unix.</p><div><p>A nested paragraph inside the body is still prose to keep.</p></div>"
        "</div><p>The footer after the main body is not kept either.</p></body></html>",
        encoding="utf-8",
    )
    pages = scale_corpus.prose_pages([tmp_path])
    assert [(p.path, p.title) for p in pages] == [("prose/library--os.txt", "os — Miscellaneous interfaces")]
    assert pages[0].paragraphs == [
        "This module provides a portable way of using operating system functionality.",
        "A nested paragraph inside the body is still prose to keep.",
    ]
