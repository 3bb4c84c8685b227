"""Building a Corpus from documents, a document at a time.

A build reuses each unchanged document's part of the build in service whole (its
sentence spans, vectors, token vectors and answer kinds, by content hash), and splits,
embeds and classifies only new or changed documents. The Corpus it returns is plain
data (``corpus.py``), written by ``store.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from .answer_types import kind_masks
from .corpus import Corpus, IndexParams, document_bounds
from .documents import Document
from .embedder import Embedder
from .sentences import Sentence, split_document
from .tokens import TokenVectors

Progress = Callable[[str, int, int], None]


def split_documents(documents: Sequence[Document]) -> list[Sentence]:
    return [s for i, doc in enumerate(documents) for s in split_document(doc, i)]


@dataclass(frozen=True)
class DocumentPart:
    """One document's share of a build, kept by content hash.

    A rebuild reuses an unchanged file's part whole: no segmenting (pysbd is most of a
    build's work after the model), no embedding, no answer kinds.
    """

    spans: np.ndarray  # (m, 3) int64: each sentence's paragraph, start and end
    vectors: np.ndarray  # (m, d) sentence vectors
    tokens: TokenVectors | None
    multilingual: np.ndarray | None  # (m, d') multilingual-e5 vectors, when the build has them
    kinds: np.ndarray  # (m,) answer-kind bit masks

    def without_multilingual(self) -> "DocumentPart":
        return replace(self, multilingual=None)


def document_parts(corpus: Corpus) -> dict[str, DocumentPart]:
    """Each document's part of ``corpus`` by content hash (views, not copies)."""
    bounds = document_bounds(corpus)
    parts = {}
    for i, doc in enumerate(corpus.documents):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        parts[doc.sha256] = DocumentPart(
            spans=np.stack([corpus.paragraphs[lo:hi], corpus.starts[lo:hi], corpus.ends[lo:hi]], axis=1).astype(np.int64),
            vectors=corpus.sentence_vectors[lo:hi],
            tokens=corpus.tokens.slice(lo, hi) if corpus.tokens is not None else None,
            multilingual=corpus.multilingual[lo:hi] if corpus.multilingual is not None else None,
            kinds=corpus.kinds[lo:hi],
        )
    return parts


def embed_documents(
    documents: Sequence[Document],
    embedder: Embedder,
    params: IndexParams,
    cached: dict[str, DocumentPart],
    progress: Progress | None = None,
    multilingual: Embedder | None = None,
) -> tuple[Corpus, int]:
    """Build a Corpus, reusing the parts of documents whose content hash is cached.

    With a ``multilingual`` encoder each sentence gets its vector too; a cached document
    without one gets only that one, so switching multilingual answers on re-embeds no
    MiniLM vector. Returns the corpus and how many documents had to be embedded anew
    (by either model).
    """
    sentences: list[Sentence] = []
    bounds = [0]
    for i, doc in enumerate(documents):
        part = cached.get(doc.sha256)
        if part is None:
            sentences.extend(split_document(doc, i))
        else:
            sentences.extend(Sentence(i, p, a, b, doc.text[a:b]) for p, a, b in part.spans.tolist())
        bounds.append(len(sentences))
        if progress and ((i + 1) % 50 == 0 or i + 1 == len(documents)):  # a minute of pysbd at 100,000 sentences
            progress("splitting documents into sentences", i + 1, len(documents))
    n, dim = len(sentences), embedder.dimension
    sent_vecs = np.zeros((n, dim), dtype=np.float32)
    kinds = np.zeros(n, dtype=np.uint8)
    ml_vecs = np.zeros((n, multilingual.dimension), np.float32) if multilingual else None
    stored: dict[int, TokenVectors | None] = {}  # cached documents' token vectors, as stored
    rows: list[int] = []  # rows to embed with the main model
    ml_rows: list[int] = []  # and with the multilingual one
    fresh: set[int] = set()
    for i, doc in enumerate(documents):
        lo, hi = bounds[i], bounds[i + 1]
        part = cached.get(doc.sha256)
        if part is None:
            kinds[lo:hi] = kind_masks([s.text for s in sentences[lo:hi]])
            rows.extend(range(lo, hi))
            fresh.add(i)
            if ml_vecs is not None:
                ml_rows.extend(range(lo, hi))
            continue
        sent_vecs[lo:hi] = part.vectors
        kinds[lo:hi] = part.kinds
        stored[i] = part.tokens
        if ml_vecs is not None:
            if part.multilingual is not None and part.multilingual.shape[1] == ml_vecs.shape[1]:
                ml_vecs[lo:hi] = part.multilingual
            else:
                ml_rows.extend(range(lo, hi))
                fresh.add(i)
    fresh_tokens = _embed_rows(embedder, sentences, rows, sent_vecs, progress, multilingual, ml_rows, ml_vecs)
    token_vectors = _token_vectors(bounds, stored, rows, fresh_tokens, dim)
    if progress:
        progress("indexing words", 0, 1)  # BM25 and the vocabulary: seconds past 100,000 sentences
    corpus = Corpus(list(documents), sentences, sent_vecs, params, tokens=token_vectors, multilingual=ml_vecs, kinds=kinds)
    return corpus, len(fresh)


def _token_vectors(
    bounds: list[int], stored: dict[int, TokenVectors | None], rows: list[int], fresh: TokenVectors | None, dim: int
) -> TokenVectors | None:
    """All sentences' token vectors in row order, or None when the model gives none.

    ``fresh`` holds the token vectors of ``rows`` (whole documents, in order), ``stored``
    those of the other documents. Documents' rows are contiguous.
    """
    if not stored:  # a full build: the fresh ones are all of them, in order
        return fresh
    parts = []
    position = 0  # where the next fresh document starts in ``fresh``
    for i in range(len(bounds) - 1):
        if i in stored:
            part = stored[i]
        elif fresh is not None:
            count = bounds[i + 1] - bounds[i]
            part = fresh.slice(position, position + count)
            position += count
        else:
            part = None
        if part is None:  # the model gives token vectors for all sentences or for none
            return None
        parts.append(part)
    return TokenVectors.concat(parts, dim)


def _embed_rows(embedder, sentences, rows, sent_vecs, progress,
                multilingual=None, ml_rows=(), ml_vecs=None) -> TokenVectors | None:
    """Embed ``rows`` (and ``ml_rows`` with the multilingual encoder) in place; returns the
    token vectors of ``rows``, in order, or None when the model gives none.

    Each batch's token vectors are quantized as they come: held as float32 until the end,
    100,000 sentences' took 4 GB, which the process kept after the build.
    """
    batch = 256
    total = len(rows) + len(ml_rows)
    done = 0
    batches: list[TokenVectors] = []
    has_tokens = True
    if progress and total:
        progress("embedding", 0, total)  # before the first batch, so a bar's clock starts with the work
    for lo in range(0, len(rows), batch):
        part = rows[lo : lo + batch]
        vectors, per_text = embedder.encode_with_tokens([sentences[r].text for r in part])
        sent_vecs[part] = vectors
        if per_text is None or any(item is None for item in per_text):
            has_tokens = False
        elif has_tokens:
            batches.append(TokenVectors.from_texts(per_text, sent_vecs.shape[1]))
        done += len(part)
        if progress:
            progress("embedding", done, total)
    for lo in range(0, len(ml_rows), batch):
        part = ml_rows[lo : lo + batch]
        ml_vecs[part] = multilingual.encode([sentences[r].text for r in part])
        done += len(part)
        if progress:
            progress("embedding", done, total)
    return TokenVectors.concat(batches, sent_vecs.shape[1]) if has_tokens else None
