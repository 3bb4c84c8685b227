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

from .fitted import fitted
from .token_file import ChainedCodes, StoredCodes

# A question word found only in the sentence before counts this much: that sentence
# often names what this one calls "it" (1.0 would rank the sentence before as high as
# the answer). The first sentence of a paragraph may borrow from the last one of the
# paragraph before at its own discount: news is written in paragraphs of one sentence
# ("The year is 2025, and the city of Osaka is the setting." follows the Expo sentence),
# and a new paragraph shifts topic more often than a new sentence does. Both are
# chosen by ``kizuna fit`` (index/fitted.json).


def before_discount() -> float:
    return float(fitted()["before_discount"]["sentence"])


def paragraph_before_discount() -> float:
    return float(fitted()["before_discount"]["paragraph"])


Tokens = tuple[np.ndarray, np.ndarray]  # (t, d) unit vectors and their (t,) vocabulary ids


@dataclass(frozen=True)
class TokenVectors:
    """The token vectors of many texts in one array: text i owns rows offsets[i]:offsets[i+1].

    Kept as int8 codes with one scale per token (a token's vector is ``codes * scale``):
    half the size of float16 on disk and in memory, a quarter of float32. Token vectors
    are most of an index (about 25 per sentence against one sentence vector), and the
    ranking did not notice: SQuAD P@1 0.824 and the article's figures the same as with
    float16.
    """

    codes: np.ndarray | StoredCodes | ChainedCodes  # (T, d) int8; a served build's stay in its file
    scales: np.ndarray  # (T,) float32
    ids: np.ndarray  # (T,) int32 vocabulary ids, for rarity weights
    offsets: np.ndarray  # (n + 1,) int64

    @classmethod
    def from_texts(cls, per_text: Sequence[Tokens], dimension: int) -> "TokenVectors":
        lengths = [len(ids) for _, ids in per_text]
        offsets = np.zeros(len(per_text) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if not per_text or offsets[-1] == 0:
            return cls(np.zeros((0, dimension), np.int8), np.zeros(0, np.float32), np.zeros(0, np.int32), offsets)
        codes, scales = _quantize(np.concatenate([v for v, _ in per_text]))
        ids = np.concatenate([i for _, i in per_text]).astype(np.int32)
        return cls(codes, scales, ids, offsets)

    @classmethod
    def concat(cls, parts: Sequence["TokenVectors"], dimension: int) -> "TokenVectors":
        """The texts of all parts, in order; codes are chained as they are (``ChainedCodes``),
        never copied together or re-quantized."""
        offsets = [np.zeros(1, np.int64)]
        for part in parts:
            offsets.append(part.offsets[1:] + offsets[-1][-1])
        filled = [p for p in parts if len(p.ids)]  # an empty part's width may be the sentence dimension
        if not filled:
            return cls(np.zeros((0, dimension), np.int8), np.zeros(0, np.float32), np.zeros(0, np.int32), np.concatenate(offsets))
        return cls(
            filled[0].codes if len(filled) == 1 else ChainedCodes([p.codes for p in filled]),
            np.concatenate([p.scales for p in filled]),
            np.concatenate([p.ids for p in filled]),
            np.concatenate(offsets),
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def vectors(self, picks: np.ndarray) -> np.ndarray:
        """The float32 vectors of the tokens at ``picks``."""
        return self.codes[picks].astype(np.float32) * self.scales[picks, None]

    def of(self, i: int) -> Tokens:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.vectors(np.arange(lo, hi)), self.ids[lo:hi]

    def slice(self, lo: int, hi: int) -> "TokenVectors":
        """Texts lo..hi-1 (a document's share, for the rebuild cache), as views: no copy."""
        a, b = int(self.offsets[lo]), int(self.offsets[hi])
        return TokenVectors(self.codes[a:b], self.scales[a:b], self.ids[a:b], self.offsets[lo : hi + 1] - a)

    def rarity(self) -> np.ndarray:
        """IDF per vocabulary id over these texts; ids beyond the array were never seen."""
        if not len(self.ids):
            return np.zeros(0, np.float32)
        text_of = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        vocabulary = int(self.ids.max()) + 1
        pairs = np.unique(text_of * vocabulary + self.ids)  # each id once per text
        df = np.bincount((pairs % vocabulary).astype(np.int64), minlength=vocabulary)
        return _idf(df, len(self)).astype(np.float32)


def _quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: the largest component of each maps to ±127."""
    vectors = np.asarray(vectors, np.float32)
    peak = np.abs(vectors).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def _idf(df: np.ndarray | int, n: int) -> np.ndarray:
    return np.log((n + 1) / (np.asarray(df, dtype=np.float64) + 0.5))


def token_match(
    question: Tokens,
    tokens: TokenVectors,
    rarity: np.ndarray,
    rows: np.ndarray,
    before: np.ndarray,
    discount: np.ndarray | float | None = None,
) -> np.ndarray:
    """Rarity-weighted mean, over the question's tokens, of each one's best match in a row.

    ``before[i]`` is the row of the sentence before ``rows[i]`` in its document, or -1;
    a token matched only there counts ``discount`` (per row, or one for all) as much.
    """
    discount = before_discount() if discount is None else discount
    weights, own, prior = token_parts(question, tokens, rarity, rows, before)
    if not len(rows) or not len(weights):
        return np.zeros(len(rows), np.float32)
    best = np.maximum(own, np.asarray(discount, np.float32) * prior)
    return (weights @ best) / weights.sum()


def token_parts(
    question: Tokens, tokens: TokenVectors, rarity: np.ndarray, rows: np.ndarray, before: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``token_match`` combines: the question tokens' rarity weights, and each one's
    best cosine in each row (``own``) and in the sentence before it (``prior``; the row's
    own where there is none), each (question tokens, rows).

    Apart so that ``kizuna fit`` can try discounts without matching tokens again.
    """
    q_vectors, q_ids = question
    if not len(rows) or not len(q_ids):
        empty = np.zeros((len(q_ids), len(rows)), np.float32)
        return np.zeros(len(q_ids), np.float32), empty, empty
    weights = rarity_weights(q_ids, tokens, rarity)
    own = _best_per_row(q_vectors, tokens, rows)
    has_before = before >= 0
    prior = own.copy()
    if has_before.any():
        prior[:, has_before] = _best_per_row(q_vectors, tokens, before[has_before])
    return weights, own, prior


def rarity_weights(q_ids: np.ndarray, tokens: TokenVectors, rarity: np.ndarray) -> np.ndarray:
    """How much each question token counts: its IDF in the corpus (a token it never saw, the most)."""
    unseen = float(_idf(0, len(tokens)))
    weights = np.array([rarity[i] if i < len(rarity) else unseen for i in q_ids], dtype=np.float32)
    return weights if weights.sum() > 0 else np.ones(len(q_ids), np.float32)


def _best_per_row(q_vectors: np.ndarray, tokens: TokenVectors, rows: np.ndarray) -> np.ndarray:
    """(question tokens, rows): each question token's highest cosine with a row's tokens."""
    lo, hi = tokens.offsets[rows], tokens.offsets[rows + 1]
    lengths = hi - lo
    out = np.full((len(q_vectors), len(rows)), -1.0, np.float32)
    filled = lengths > 0  # a text of only punctuation has no tokens and matches nothing
    if not filled.any():
        return out
    picks = np.concatenate([np.arange(a, b) for a, b in zip(lo[filled], hi[filled])])
    similarity = q_vectors.astype(np.float32) @ tokens.vectors(picks).T
    starts = np.concatenate([[0], np.cumsum(lengths[filled])[:-1]])
    out[:, filled] = np.maximum.reduceat(similarity, starts, axis=1)
    return out
