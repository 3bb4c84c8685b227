"""The searchable snapshot: sentences, their vectors, FAISS and BM25 indexes.

A ``Corpus`` is immutable once built. A rebuild makes a new one and the engine swaps
the reference, so a question in flight always sees one whole index.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Sequence

import faiss
import numpy as np

from .answer_types import kind_masks
from .documents import Document
from .embedder import Embedder
from .lexical import Vocabulary, build_bm25
from .modifiers import proper_words
from .sentences import Sentence, split_document
from .tokens import Tokens, TokenVectors, before_discount, paragraph_before_discount

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


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
    version: int = 6  # bump when the chunking, tokenizing or stored format changes meaning

    def to_dict(self) -> dict:
        return {
            "lexical_before": self.lexical_before,
            "version": self.version,
        }


@dataclass
class Corpus:
    documents: list[Document]
    sentences: list[Sentence]
    sentence_vectors: np.ndarray  # (n, d) float32, unit rows
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
    doc_ids: np.ndarray = field(init=False)  # (n,) which document each sentence is from
    starts: np.ndarray = field(init=False)  # (n,) sentence offsets into their document text
    ends: np.ndarray = field(init=False)
    kinds: np.ndarray = field(init=False)  # (n,) answer-kind bit masks
    vocabulary: Vocabulary = field(init=False)
    log_lengths: np.ndarray = field(init=False)  # (n,) log of sentence length in characters
    before: np.ndarray = field(init=False)  # (n,) row of the sentence before in the document, or -1
    before_discount: np.ndarray = field(init=False)  # (n,) how much a word found only there counts
    rarity: np.ndarray = field(init=False)  # IDF per token id, for token matching
    proper: frozenset[str] = field(init=False)  # words the corpus writes capitalised: names, demonyms
    _scoped_vocabularies: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        texts = [s.text for s in self.sentences]
        self.doc_ids = np.fromiter((s.doc for s in self.sentences), dtype=np.int32, count=len(texts))
        self.starts = np.fromiter((s.start for s in self.sentences), dtype=np.int64, count=len(texts))
        self.ends = np.fromiter((s.end for s in self.sentences), dtype=np.int64, count=len(texts))
        self.log_lengths = np.log1p(self.ends - self.starts).astype(np.float32)
        self.kinds = kind_masks(texts)
        self.before = np.array(
            [i - 1 if i > 0 and self.sentences[i - 1].doc == s.doc else -1 for i, s in enumerate(self.sentences)],
            dtype=np.int64,
        )
        self.before_discount = np.array(
            [before_discount() if i > 0 and _same_paragraph(self.sentences[i - 1], s) else paragraph_before_discount() for i, s in enumerate(self.sentences)],
            dtype=np.float32,
        )
        if self.tokens is not None and len(self.tokens) != len(texts):
            raise ValueError("token vectors do not match the sentences")
        self.rarity = self.tokens.rarity() if self.tokens is not None else np.zeros(0, np.float32)
        if self.dense is None:
            self.dense = flat_index(self.sentence_vectors)
        if self.multilingual is not None:
            if len(self.multilingual) != len(texts):
                raise ValueError("multilingual vectors do not match the sentences")
            if self.dense_multilingual is None:
                self.dense_multilingual = flat_index(self.multilingual)
        if texts and self.bm25_sentences is None:
            self.bm25_sentences = build_bm25(texts)
        if texts and self.bm25_chunks is None:
            self.bm25_chunks = build_bm25(lexical_windows(self.documents, self.sentences, self.params))
        self.vocabulary = Vocabulary.from_texts([d.title for d in self.documents] + texts)
        self._scoped_vocabularies = {}
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
    """Exact inner-product search: on unit vectors that is cosine similarity."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def lexical_windows(documents: Sequence[Document], sentences: Sequence[Sentence], params: IndexParams) -> list[str]:
    """Each sentence with the ``lexical_before`` sentences before it in its paragraph."""
    return [lexical_window(documents, sentences, params, i) for i in range(len(sentences))]


def lexical_window(documents: Sequence[Document], sentences: Sequence[Sentence], params: IndexParams, i: int) -> str:
    s = sentences[i]
    lo = i
    while lo > 0 and i - lo < params.lexical_before and _same_paragraph(sentences[lo - 1], s):
        lo -= 1
    return documents[s.doc].text[sentences[lo].start : s.end]


def _same_paragraph(a: Sentence, b: Sentence) -> bool:
    return a.doc == b.doc and a.paragraph == b.paragraph


def split_documents(documents: Sequence[Document]) -> list[Sentence]:
    return [s for i, doc in enumerate(documents) for s in split_document(doc, i)]


# One document's sentence, token and multilingual vectors (the last two None when absent).
Cached = tuple[np.ndarray, TokenVectors | None, np.ndarray | None]


def embed_documents(
    documents: Sequence[Document],
    embedder: Embedder,
    params: IndexParams,
    cached: dict[str, Cached],
    progress: Progress | None = None,
    multilingual: Embedder | None = None,
) -> tuple[Corpus, int]:
    """Build a Corpus, reusing the vectors of documents whose content hash is cached.

    With a ``multilingual`` encoder each sentence gets its vector too; a cached document
    without one gets only that one, so switching multilingual answers on re-embeds no
    MiniLM vector. Returns the corpus and how many documents had to be embedded anew
    (by either model).
    """
    sentences = split_documents(documents)
    by_doc: dict[int, list[int]] = {}
    for row, s in enumerate(sentences):
        by_doc.setdefault(s.doc, []).append(row)
    dim = embedder.dimension
    sent_vecs = np.zeros((len(sentences), dim), dtype=np.float32)
    tokens: list[Tokens | None] = [None] * len(sentences)  # fresh rows' token vectors
    stored: dict[int, TokenVectors | None] = {}  # cached documents' token vectors, as stored
    fresh = [i for i, d in enumerate(documents) if d.sha256 not in cached]
    ml_vecs = np.zeros((len(sentences), multilingual.dimension), np.float32) if multilingual else None
    ml_fresh = list(fresh)
    for i, doc in enumerate(documents):
        if doc.sha256 in cached and i in by_doc:
            rows = by_doc[i]
            old_s, old_t, old_m = cached[doc.sha256]
            if len(old_s) == len(rows):
                sent_vecs[rows] = old_s
                stored[i] = old_t
                if ml_vecs is not None and old_m is not None and old_m.shape[1] == ml_vecs.shape[1]:
                    ml_vecs[rows] = old_m
                else:
                    ml_fresh.append(i)
            else:  # segmentation changed under us (new pysbd): embed this one again
                fresh.append(i)
                ml_fresh.append(i)
    rows = [r for i in sorted(set(fresh)) for r in by_doc.get(i, [])]
    ml_rows = [r for i in sorted(set(ml_fresh)) for r in by_doc.get(i, [])] if multilingual else []
    _embed_rows(embedder, sentences, rows, sent_vecs, tokens, progress, multilingual, ml_rows, ml_vecs)
    token_vectors = _token_vectors(by_doc, stored, tokens, dim)
    if progress:
        progress("indexing words", 0, 1)  # BM25 and the vocabulary: seconds past 100,000 sentences
    corpus = Corpus(list(documents), sentences, sent_vecs, params, tokens=token_vectors, multilingual=ml_vecs)
    return corpus, len(set(fresh) | (set(ml_fresh) if multilingual else set()))


def _token_vectors(
    by_doc: dict[int, list[int]], stored: dict[int, TokenVectors | None], fresh: list[Tokens | None], dim: int
) -> TokenVectors | None:
    """All sentences' token vectors in row order (documents' rows are contiguous), or None.

    The model gives token vectors for all sentences or for none.
    """
    parts = []
    for i in sorted(by_doc):
        if i in stored:
            part = stored[i]
        elif all(fresh[r] is not None for r in by_doc[i]):
            part = TokenVectors.from_texts([fresh[r] for r in by_doc[i]], dim)
        else:
            part = None
        if part is None:
            return None
        parts.append(part)
    return TokenVectors.concat(parts, dim)


def _embed_rows(embedder, sentences, rows, sent_vecs, tokens, progress,
                multilingual=None, ml_rows=(), ml_vecs=None) -> None:
    batch = 256
    total = len(rows) + len(ml_rows)
    done = 0
    if progress and total:
        progress("embedding", 0, total)  # before the first batch, so a bar's clock starts with the work
    for lo in range(0, len(rows), batch):
        part = rows[lo : lo + batch]
        vectors, per_text = embedder.encode_with_tokens([sentences[r].text for r in part])
        sent_vecs[part] = vectors
        for row, item in zip(part, per_text or [None] * len(part)):
            tokens[row] = item
        done += len(part)
        if progress:
            progress("embedding", done, total)
    for lo in range(0, len(ml_rows), batch):
        part = ml_rows[lo : lo + batch]
        ml_vecs[part] = multilingual.encode([sentences[r].text for r in part])
        done += len(part)
        if progress:
            progress("embedding", done, total)
