"""Token-level matching (late interaction) with the embedding model's own token vectors.

One vector per sentence blurs which of the question's words it matched. The model
also gives a contextual vector per token, in the same forward pass: matching each
question token to its closest token in a sentence, and averaging those similarities
weighted by how rare the token is, scores a sentence word by word while still
crediting paraphrases ("began" for "start", "Türkiye" for "Turkey"). This is the
MaxSim of ColBERT, computed with MiniLM's untuned token vectors.

Measured on SQuAD (16 articles, P@1 within each article, the signal alone): sentence
cosine 0.635, BM25 0.707, token matching 0.795; dropping punctuation tokens 0.829,
once the sentence before may supply a word at a discount (below). Fused with the
other signals the engine went from 0.792 to 0.822 (``ranking.Weights`` says why not 0.834).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

# A question word found only in the sentence before counts this much: that sentence
# often names what this one calls "it" (P@1 0.60: 0.810, 0.75: 0.814, 0.85: 0.819,
# 0.95: 0.800; 1.0 ranks the sentence before as high as the answer, 0.652).
BEFORE_DISCOUNT = 0.85
# The same for the first sentence of a paragraph, from the last one of the paragraph
# before. News is written in paragraphs of one sentence ("The year is 2025, and the
# city of Osaka is the setting." follows the Expo sentence), so without this most of
# its sentences would have no context at all. A new paragraph shifts topic more often
# than a new sentence does, hence less: on SQuAD (paragraphs of several sentences)
# 0.5-0.6 left P@1 unchanged and 0.7 or more lost the article two casual questions to
# the short quote after Cavusoglu's tweet.
PARAGRAPH_BEFORE_DISCOUNT = 0.6

Tokens = tuple[np.ndarray, np.ndarray]  # (t, d) unit vectors and their (t,) vocabulary ids


@dataclass(frozen=True)
class TokenVectors:
    """The token vectors of many texts in one array: text i owns rows offsets[i]:offsets[i+1]."""

    vectors: np.ndarray  # (T, d) float16, unit rows; half precision halves the index on disk
    ids: np.ndarray  # (T,) int32 vocabulary ids, for rarity weights
    offsets: np.ndarray  # (n + 1,) int64

    @classmethod
    def from_texts(cls, per_text: Sequence[Tokens], dimension: int) -> "TokenVectors":
        lengths = [len(ids) for _, ids in per_text]
        offsets = np.zeros(len(per_text) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if not per_text or offsets[-1] == 0:
            return cls(np.zeros((0, dimension), np.float16), np.zeros(0, np.int32), offsets)
        vectors = np.concatenate([v for v, _ in per_text]).astype(np.float16)
        ids = np.concatenate([i for _, i in per_text]).astype(np.int32)
        return cls(vectors, ids, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def of(self, i: int) -> Tokens:
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return self.vectors[lo:hi], self.ids[lo:hi]

    def select(self, rows: Sequence[int]) -> "TokenVectors":
        """The texts at ``rows``, in that order (a document's share, for the rebuild cache)."""
        return TokenVectors.from_texts([self.of(int(r)) for r in rows], self.vectors.shape[1])

    def rarity(self) -> np.ndarray:
        """IDF per vocabulary id over these texts; ids beyond the array were never seen."""
        if not len(self.ids):
            return np.zeros(0, np.float32)
        text_of = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        vocabulary = int(self.ids.max()) + 1
        pairs = np.unique(text_of * vocabulary + self.ids)  # each id once per text
        df = np.bincount((pairs % vocabulary).astype(np.int64), minlength=vocabulary)
        return _idf(df, len(self)).astype(np.float32)


def _idf(df: np.ndarray | int, n: int) -> np.ndarray:
    return np.log((n + 1) / (np.asarray(df, dtype=np.float64) + 0.5))


def token_match(
    question: Tokens,
    tokens: TokenVectors,
    rarity: np.ndarray,
    rows: np.ndarray,
    before: np.ndarray,
    discount: np.ndarray | float = BEFORE_DISCOUNT,
) -> np.ndarray:
    """Rarity-weighted mean, over the question's tokens, of each one's best match in a row.

    ``before[i]`` is the row of the sentence before ``rows[i]`` in its document, or -1;
    a token matched only there counts ``discount`` (per row, or one for all) as much.
    """
    q_vectors, q_ids = question
    if not len(rows) or not len(q_ids):
        return np.zeros(len(rows), np.float32)
    unseen = float(_idf(0, len(tokens)))
    weights = np.array([rarity[i] if i < len(rarity) else unseen for i in q_ids], dtype=np.float32)
    if weights.sum() <= 0:
        weights = np.ones(len(q_ids), np.float32)
    own = _best_per_row(q_vectors, tokens, rows)
    has_before = before >= 0
    prior = own.copy()
    if has_before.any():
        prior[:, has_before] = _best_per_row(q_vectors, tokens, before[has_before])
    best = np.maximum(own, np.asarray(discount, np.float32) * np.where(has_before, prior, own))
    return (weights @ best) / weights.sum()


def _best_per_row(q_vectors: np.ndarray, tokens: TokenVectors, rows: np.ndarray) -> np.ndarray:
    """(question tokens, rows): each question token's highest cosine with a row's tokens."""
    lo, hi = tokens.offsets[rows], tokens.offsets[rows + 1]
    lengths = hi - lo
    out = np.full((len(q_vectors), len(rows)), -1.0, np.float32)
    filled = lengths > 0  # a text of only punctuation has no tokens and matches nothing
    if not filled.any():
        return out
    picks = np.concatenate([np.arange(a, b) for a, b in zip(lo[filled], hi[filled])])
    similarity = q_vectors.astype(np.float32) @ tokens.vectors[picks].astype(np.float32).T
    starts = np.concatenate([[0], np.cumsum(lengths[filled])[:-1]])
    out[:, filled] = np.maximum.reduceat(similarity, starts, axis=1)
    return out
