"""The searchable snapshot: sentences, their vectors, FAISS and BM25 indexes, as plain data.

``building.py`` makes one from documents and ``store.py`` writes and opens it. A
``Corpus`` is immutable once built. A rebuild makes a new one and the engine swaps
the reference, so a question in flight always sees one whole index.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Sequence

import faiss
import numpy as np

from .answer_types import kind_masks
from .candidates import coarse_index
from .documents import Document
from .lexical import Vocabulary, build_bm25, words_in
from .modifiers import proper_words
from .sentences import Sentence, is_heading
from .tokens import TokenVectors, before_discount, paragraph_before_discount

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class IndexParams:
    """Everything that changes what is stored: a change rebuilds the index."""

    # Sentences before a sentence in its BM25 window. Only earlier ones: a sentence's
    # "it" or "the city" points back, so the words a question uses for its subject sit
    # in the sentence before far more often than in the one after. Measured on SQuAD
    # (P@1 of the whole ranking): centred window 0.789, preceding sentence only 0.792.
    lexical_before: int = 1
    # 6: each sentence is embedded once. Until 5 it was embedded a second time inside a
    # window of its neighbours, with the title; cross-validated by article that bought
    # nothing (SQuAD P@1 0.824 with, 0.827 without) and cost half of every build.
    # 7: hard-wrapped lines of prose are joined before sentences are cut, lines with no
    # letter or digit are no sentences, and a heading is in the BM25 window of the
    # sentence under it (index/sentences.py). 8: a sentence of one word ("No.") is joined
    # to the next on its line, or the one before (index/sentences.py). 9: a question
    # alone on its line (an FAQ's) is a heading, in the BM25 window of the sentence under it.
    # 10: Japanese sentences end at "。", "！" and "？" (index/sentences.py). 11: names
    # and places in accented Latin letters are answer kinds ("Elif Yılmaz", "in İzmir").
    version: int = 11  # bump when the chunking, tokenizing or stored format changes meaning

    def to_dict(self) -> dict:
        return {
            "lexical_before": self.lexical_before,
            "version": self.version,
        }


@dataclass
class Corpus:
    """An index as plain data: sentences, their vectors and what is derived from their text.

    The derived parts (answer kinds, the vocabulary's words, proper words, token rarity,
    the coarse index, BM25) are computed when not given; a stored build gives them, so
    opening one reads them instead of recomputing (seconds at 100,000 sentences).
    ``building.embed_documents`` is the builder: it reuses unchanged documents' parts.
    """

    documents: list[Document]
    sentences: list[Sentence]
    sentence_vectors: np.ndarray  # (n, d) float32, unit rows; a read-only view of ``dense``'s own
    params: IndexParams
    # Loaded from disk when available; built from the vectors and texts otherwise.
    dense: faiss.Index | None = None
    bm25_sentences: object = None
    bm25_chunks: object = None
    # Each sentence's token vectors, for token matching; None when the model gives none.
    tokens: TokenVectors | None = None
    # Each sentence's multilingual-e5 vector, for questions in other languages; None when off.
    multilingual: np.ndarray | None = None
    dense_multilingual: faiss.Index | None = None
    # Past ``candidates.COARSE_FROM`` sentences, the inverted-file indexes searched for candidates.
    coarse: faiss.Index | None = None
    coarse_multilingual: faiss.Index | None = None
    kinds: np.ndarray | None = None  # (n,) answer-kind bit masks
    words: frozenset[str] | None = None  # every word of the titles and sentences, folded
    proper: frozenset[str] | None = None  # words the corpus writes capitalised: names, demonyms
    rarity: np.ndarray | None = None  # IDF per token id, for token matching
    doc_ids: np.ndarray = field(init=False)  # (n,) which document each sentence is from
    paragraphs: np.ndarray = field(init=False)  # (n,) its paragraph in the document
    starts: np.ndarray = field(init=False)  # (n,) sentence offsets into their document text
    ends: np.ndarray = field(init=False)
    vocabulary: Vocabulary = field(init=False)
    log_lengths: np.ndarray = field(init=False)  # (n,) log of sentence length in characters
    before: np.ndarray = field(init=False)  # (n,) row of the sentence before in the document, or -1
    before_discount: np.ndarray = field(init=False)  # (n,) how much a word found only there counts
    headings: np.ndarray = field(init=False)  # (n,) bool: a heading, context for what follows, never quoted
    _scoped_vocabularies: dict = field(init=False, repr=False)
    # What other modules compute from this corpus once and keep for as long as it lives
    # (its sentences' hubness, their mean vector), by name: a cache outside it would keep
    # every build it ever saw alive, vectors and all.
    derived: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        texts = [s.text for s in self.sentences]
        n = len(texts)
        self.doc_ids = np.fromiter((s.doc for s in self.sentences), dtype=np.int32, count=n)
        self.paragraphs = np.fromiter((s.paragraph for s in self.sentences), dtype=np.int32, count=n)
        self.starts = np.fromiter((s.start for s in self.sentences), dtype=np.int64, count=n)
        self.ends = np.fromiter((s.end for s in self.sentences), dtype=np.int64, count=n)
        self.log_lengths = np.log1p(self.ends - self.starts).astype(np.float32)
        if self.kinds is None:
            self.kinds = kind_masks(texts)
        if len(self.kinds) != n:
            raise ValueError("answer kinds do not match the sentences")
        follows = np.zeros(n, bool)  # the sentence before is in the same document
        follows[1:] = self.doc_ids[1:] == self.doc_ids[:-1]
        self.before = np.where(follows, np.arange(n) - 1, -1).astype(np.int64)
        self.headings = np.fromiter((s.doc < len(self.documents) and is_heading(self.documents[s.doc].text, s)
                                     for s in self.sentences), dtype=bool, count=n)
        same_paragraph = follows.copy()
        same_paragraph[1:] &= self.paragraphs[1:] == self.paragraphs[:-1]
        # A heading belongs to the paragraph under it: its words count for the sentence
        # right after it as a word of the sentence before in the same paragraph does.
        under_heading = follows.copy()
        under_heading[1:] &= self.headings[:-1]
        self.before_discount = np.where(same_paragraph | under_heading, before_discount(),
                                        paragraph_before_discount()).astype(np.float32)
        # A table's row is read with the table's header row, and a list's item with what
        # leads into the list, as their first one is, not with the row or item above it:
        # "the prize for chess" is "Prize" in the header and "Chess" in its row; under
        # "## Patch notes 2.1", "Fixed: …" is what was fixed in 2.1, three items down.
        for later, first in _table_rows(self.sentences, self.headings) + _list_items(self.documents, self.sentences):
            self.before[later] = self.before[first]
            self.before_discount[later] = self.before_discount[first]
        if self.tokens is not None and len(self.tokens) != n:
            raise ValueError("token vectors do not match the sentences")
        if self.rarity is None:
            self.rarity = self.tokens.rarity() if self.tokens is not None else np.zeros(0, np.float32)
        if self.dense is None:
            self.dense = flat_index(self.sentence_vectors)
        self.sentence_vectors = flat_vectors(self.dense)  # one copy of the vectors, FAISS's
        if self.coarse is None:
            self.coarse = coarse_index(self.sentence_vectors)
        if self.multilingual is not None:
            if len(self.multilingual) != n:
                raise ValueError("multilingual vectors do not match the sentences")
            if self.dense_multilingual is None:
                self.dense_multilingual = flat_index(self.multilingual)
            self.multilingual = flat_vectors(self.dense_multilingual)
            if self.coarse_multilingual is None:
                self.coarse_multilingual = coarse_index(self.multilingual)
        if texts and self.bm25_sentences is None:
            self.bm25_sentences = build_bm25(texts)
        if texts and self.bm25_chunks is None:
            self.bm25_chunks = build_bm25(lexical_windows(self.documents, self.sentences, self.params, self.headings))
        if self.words is None:
            self.words = words_of([d.title for d in self.documents] + texts)
        self.vocabulary = Vocabulary(set(self.words))
        self._scoped_vocabularies = {}
        self.derived = {}
        if self.proper is None:
            self.proper = proper_words(texts)

    @property
    def dimension(self) -> int:
        return int(self.sentence_vectors.shape[1])

    def vocabulary_for(self, scope: np.ndarray | None) -> Vocabulary:
        """The words of the documents a search covers: all of them, or the scope's own.

        "Does the corpus use this word?" must be asked of what is searched: a question
        about the Normans held to an article on steam engines is off that article's
        topic even though another document knows every word of it.
        """
        if scope is None:
            return self.vocabulary
        docs = tuple(np.unique(self.doc_ids[scope]).tolist())
        if len(docs) == len(self.documents):
            return self.vocabulary
        if docs not in self._scoped_vocabularies:
            if len(self._scoped_vocabularies) >= 64:  # one per document or server scope in use
                self._scoped_vocabularies.clear()
            chosen = set(docs)
            texts = [self.documents[d].title for d in docs] + [s.text for s in self.sentences if s.doc in chosen]
            self._scoped_vocabularies[docs] = Vocabulary.from_texts(texts)
        return self._scoped_vocabularies[docs]

    def document_index(self, path: str) -> int | None:
        for i, doc in enumerate(self.documents):
            if doc.path == path:
                return i
        return None


def flat_index(vectors: np.ndarray) -> faiss.Index:
    """Exact inner-product search: on unit vectors that is cosine similarity.

    It is where the sentence vectors live (``flat_vectors``) and what every candidate's
    cosine is read from; past ``candidates.COARSE_FROM`` sentences the candidates
    themselves are found through the coarse index instead (a scan of 100,000 took 14 ms).
    """
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class _Pinned:
    """Holds a FAISS index for as long as a numpy view of its storage lives (the view's base)."""

    def __init__(self, index: faiss.Index, view: np.ndarray) -> None:
        self.index = index
        self.__array_interface__ = view.__array_interface__


def flat_vectors(index: faiss.Index) -> np.ndarray:
    """A flat index's vectors as a read-only (n, d) array, without copying them.

    Held twice, the vectors were a sixth of an index's memory; the view keeps the index
    alive, so it stays valid whoever drops the index first.
    """
    n, d = index.ntotal, index.d
    if n == 0:
        return np.zeros((0, d), dtype=np.float32)
    view = faiss.rev_swig_ptr(faiss.downcast_index(index).get_xb(), n * d).reshape(n, d)
    vectors = np.asarray(_Pinned(index, view))
    vectors.flags.writeable = False
    return vectors


def words_of(texts: Sequence[str]) -> frozenset[str]:
    """The folded words of the texts: what ``Vocabulary`` knows."""
    return frozenset(word for text in texts for word in words_in(text))


def _table_rows(sentences: Sequence[Sentence], headings: np.ndarray) -> list[tuple[int, int]]:
    """(row, the table's first row) for each later row: a sentence holding "|" in the
    paragraph of a table's header row (whose first row follows it, so reads it before)."""
    out, header, first = [], -1, -1
    for i, s in enumerate(sentences):
        if header >= 0 and _same_paragraph(sentences[header], s) and "|" in s.text:
            if first >= 0:
                out.append((i, first))
            else:
                first = i
        else:
            header, first = (i if headings[i] and "|" in s.text else -1), -1
    return out


_LIST_ITEM = re.compile(r"(?:[-*•+]|\d+[.)])\s")  # "- item", "* item", "1. item", "2) item"


def _list_items(documents: Sequence[Document], sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """(item, the list's first item) for each later item of a list: a sentence starting a
    line with a list marker. An item's own later sentences keep the list open; any other
    sentence (a heading, a paragraph of prose) ends it."""
    out, first = [], -1
    for i, s in enumerate(sentences):
        if _LIST_ITEM.match(s.text) and _starts_line(documents, s):
            if first >= 0 and sentences[first].doc == s.doc:
                out.append((i, first))
            else:
                first = i
        elif first >= 0 and (sentences[i - 1].doc != s.doc or sentences[i - 1].paragraph != s.paragraph
                             or _starts_line(documents, s)):
            first = -1
    return out


def _starts_line(documents: Sequence[Document], s: Sentence) -> bool:
    text = documents[s.doc].text if s.doc < len(documents) else ""
    return s.start == 0 or not text[text.rfind("\n", 0, s.start) + 1 : s.start].strip()


def lexical_windows(documents: Sequence[Document], sentences: Sequence[Sentence], params: IndexParams,
                    headings: np.ndarray) -> list[str]:
    """Each sentence with the ``lexical_before`` sentences before it in its paragraph, or
    the heading right above it (``headings``: ``Corpus.headings``)."""
    return [lexical_window(documents, sentences, params, headings, i) for i in range(len(sentences))]


def lexical_window(documents: Sequence[Document], sentences: Sequence[Sentence], params: IndexParams,
                   headings: np.ndarray, i: int) -> str:
    s = sentences[i]
    lo = i
    while lo > 0 and i - lo < params.lexical_before and (
        _same_paragraph(sentences[lo - 1], s) or (sentences[lo - 1].doc == s.doc and headings[lo - 1])
    ):
        lo -= 1
    return documents[s.doc].text[sentences[lo].start : s.end]


def _same_paragraph(a: Sentence, b: Sentence) -> bool:
    return a.doc == b.doc and a.paragraph == b.paragraph


def document_bounds(corpus: Corpus) -> np.ndarray:
    """(documents + 1,): document i's sentences are rows bounds[i]:bounds[i + 1] (they are contiguous)."""
    return np.searchsorted(corpus.doc_ids, np.arange(len(corpus.documents) + 1), side="left")
