"""Choosing the one sentence that answers, and deciding whether anything does.

Every sentence in scope gets five signals: cosine similarity of the question to the
sentence and to its window (dense), BM25 against the sentence and the window (lexical),
and whether it holds the kind of thing the question asks for. Each signal is scaled to
[0, 1] over the candidates and the weighted sum ranks them. Whether the best one
answers at all is a separate, calibrated decision on unscaled evidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .answer_types import Kind, question_kind
from .corpus import Corpus
from .lexical import bm25_scores, content_words, tokenize

_FULL_SCAN = 4096  # below this many sentences in scope, score them all exactly
_POOL = 256  # otherwise, the union of each signal's top hits


@dataclass(frozen=True)
class Weights:
    dense_sentence: float = 0.35
    dense_chunk: float = 0.25
    lexical_sentence: float = 0.25
    lexical_chunk: float = 0.15
    kind: float = 0.10


@dataclass(frozen=True)
class Calibration:
    """A logistic model of P(the best sentence answers), over unscaled evidence."""

    bias: float = -6.0
    dense_sentence: float = 7.0
    dense_chunk: float = 4.0
    unknown_words: float = -6.0
    kind_match: float = 0.5
    threshold: float = 0.5  # below it Kizuna says the documents don't cover the question


@dataclass(frozen=True)
class Ranking:
    rows: np.ndarray  # sentence rows, best first
    scores: np.ndarray  # fused scores, aligned with rows
    confidence: float  # calibrated probability that rows[0] answers
    kind: Kind


def _scale(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.zeros_like(values)
    return (values - lo) / (hi - lo)


def candidates(corpus: Corpus, q_vec: np.ndarray, scope: np.ndarray | None) -> np.ndarray:
    """Sentence rows worth scoring: all of them when few, else each signal's best."""
    n = len(corpus.sentences)
    if scope is not None:
        return scope
    if n <= _FULL_SCAN:
        return np.arange(n)
    k = min(_POOL, n)
    _, a = corpus.dense.search(q_vec, k)
    _, b = corpus.dense_chunks.search(q_vec, k)
    return np.unique(np.concatenate([a[0], b[0]]))


def rank(
    corpus: Corpus,
    question: str,
    q_vec: np.ndarray,
    scope: np.ndarray | None = None,
    weights: Weights = Weights(),
    calibration: Calibration = Calibration(),
) -> Ranking:
    """Score the sentences in ``scope`` (all when None) and order them best first."""
    rows = candidates(corpus, q_vec, scope)
    q = q_vec[0]
    dense_s = corpus.sentence_vectors[rows] @ q
    dense_c = corpus.chunk_vectors[rows] @ q
    tokens = tokenize([question])[0]
    lex_s = bm25_scores(corpus.bm25_sentences, tokens)[rows]
    lex_c = bm25_scores(corpus.bm25_chunks, tokens)[rows]
    kind = question_kind(question)
    fits = ((corpus.kinds[rows] >> int(kind)) & 1).astype(np.float32) if kind else np.zeros(len(rows), np.float32)
    fused = (
        weights.dense_sentence * _scale(dense_s)
        + weights.dense_chunk * _scale(dense_c)
        + weights.lexical_sentence * _scale(lex_s)
        + weights.lexical_chunk * _scale(lex_c)
        + weights.kind * fits
    )
    order = np.argsort(-fused, kind="stable")
    best = order[0]
    unknown = corpus.vocabulary.unknown_share(content_words(question))
    z = (
        calibration.bias
        + calibration.dense_sentence * float(dense_s[best])
        + calibration.dense_chunk * float(dense_c[best])
        + calibration.unknown_words * unknown
        + calibration.kind_match * float(fits[best])
    )
    confidence = 1.0 / (1.0 + math.exp(-z))
    return Ranking(rows[order], fused[order], confidence, kind)
