"""Choosing the one sentence that answers, and deciding what kind of reply it makes.

The ranking runs in stages, each a function of its own:

1. ``first_stage``: every sentence in scope (or, past ``_FULL_SCAN`` sentences, the
   union of each signal's best) gets five cheap signals: cosine of the question to the
   sentence (dense), BM25 against the sentence and against it with the sentence before
   (lexical), whether it holds the kind of thing asked for, length.
2. ``shortlist``: the best ``SHORTLIST`` of those by ``SHORTLIST_WEIGHTS`` are scored
   again with token matching (``tokens.token_match``), the strongest signal.
3. ``fuse``: each signal scaled to [0, 1] over the shortlist, summed with ``Weights``.
4. The decision, on unscaled evidence, as two separate questions: is the question about
   these documents at all (``TopicEvidence``: off-topic detection over the whole scope),
   and does the best sentence answer it (``Evidence``: match strength). ``Calibration``
   turns each into a probability and the two into a verdict: answer, likely or
   not_found.

Every number here comes from ``index/fitted.json``, written by ``kizuna fit``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np

from .answer_types import Kind, offers_new, question_kind
from .candidates import nearest
from .corpus import Corpus, lexical_window
from .fitted import fitted
from .lexical import Vocabulary, bm25_scores, content_words, soft_coverage, stems, tokenize
from .modifiers import modifier_conflict
from .standing_out import standing_out
from .tokens import Tokens, token_match

_FULL_SCAN = 4096  # below this many sentences in scope, score them all exactly
_POOL = 256  # otherwise, the union of each signal's top hits
# Sentences the second stage scores again: the first stage puts the right one among
# its best 64 for 99.7% of SQuAD's questions, and matching 64 sentences' tokens is cheap.
SHORTLIST = 64

ANSWER, LIKELY, NOT_FOUND = "answer", "likely", "not_found"


_FITTED_WEIGHTS = fitted()["weights"]


@dataclass(frozen=True)
class Weights:
    """Weights of the scaled signals in the fused ranking score; the defaults are ``kizuna fit``'s."""

    token_match: float = _FITTED_WEIGHTS["token_match"]
    dense_sentence: float = _FITTED_WEIGHTS["dense_sentence"]
    lexical_sentence: float = _FITTED_WEIGHTS["lexical_sentence"]
    lexical_chunk: float = _FITTED_WEIGHTS["lexical_chunk"]
    kind: float = _FITTED_WEIGHTS["kind"]  # the sentence holds what a when/how-many/who/where question asks for
    length: float = _FITTED_WEIGHTS["length"]

    @classmethod
    def shortlist(cls) -> "Weights":
        """The first stage's weights, and the whole ranking's when there are no token vectors."""
        return cls(**fitted()["shortlist_weights"])

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SHORTLIST_WEIGHTS = Weights.shortlist()


@dataclass(frozen=True)
class Evidence:
    """Unscaled facts about the best sentence: how well it answers (match strength)."""

    dense_sentence: float  # cosine of question and sentence
    coverage: float  # IDF-weighted share of the question's topic words in the sentence and the one before
    unknown: float  # share of the question's topic words the searched documents never use
    kind_mismatch: float  # 1 when a when/how-many question's sentence has no date/number
    margin: float  # best fused score minus the runner-up's, in weight units
    # 1 when the question's noun has another owner in the sentence: "Japanese mission" against "Turkish mission".
    modifier_conflict: float = 0.0
    token_match: float = 0.0  # the sentence's token matching score (0 without token vectors)

    NAMES = ("dense_sentence", "coverage", "unknown", "kind_mismatch", "margin", "modifier_conflict", "token_match")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in self.NAMES], dtype=np.float64)


@dataclass(frozen=True)
class TopicEvidence:
    """Unscaled facts about the whole scope: is the question about these documents at all?"""

    unknown: float  # share of the question's topic words the searched documents never use
    best_sentence: float  # the highest sentence cosine anywhere in scope
    best_token_match: float  # the highest token matching score on the shortlist (0 without)
    coverage: float  # the best sentence's coverage of the question's topic words
    # How far the best cosine stands out from the scope's mean, with what brings a
    # sentence near every question taken off: its centrality, its hubness among
    # reference questions (``standing_out.py``).
    discounted: float = 0.0
    hub_discounted: float = 0.0

    NAMES = ("unknown", "best_sentence", "best_token_match", "coverage", "discounted", "hub_discounted")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in self.NAMES], dtype=np.float64)


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model: P = sigmoid(bias + coefficients . features)."""

    bias: float
    coefficients: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: dict, names: tuple[str, ...]) -> "Logistic":
        return cls(float(data["bias"]), tuple(float(data["coefficients"][n]) for n in names))

    def probability(self, features: np.ndarray) -> float:
        z = self.bias + float(np.dot(self.coefficients, features))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass(frozen=True)
class Calibration:
    """Two probabilities and the verdict they give.

    ``topic``: P(the question is about the searched documents), fitted on questions
    asked of their own SQuAD article against the same questions asked of another one.
    ``match``: P(the best sentence answers), fitted on on-topic questions only: answerable
    ones ranked right against those ranked wrong and SQuAD's impossible near misses.
    Below ``on_topic`` the reply is not_found; otherwise answer at or above ``answer``,
    likely below it.
    """

    match: Logistic = field(default_factory=lambda: Logistic.from_dict(fitted()["match"], Evidence.NAMES))
    topic: Logistic = field(default_factory=lambda: Logistic.from_dict(fitted()["topic"], TopicEvidence.NAMES))
    answer: float = field(default_factory=lambda: float(fitted()["thresholds"]["answer"]))
    on_topic: float = field(default_factory=lambda: float(fitted()["thresholds"]["on_topic"]))

    @classmethod
    def without_tokens(cls) -> "Calibration":
        """The decision fitted for a model with no token vectors, ranked by the first stage alone."""
        plain = fitted()["without_tokens"]
        return cls(
            Logistic.from_dict(plain["match"], Evidence.NAMES),
            Logistic.from_dict(plain["topic"], TopicEvidence.NAMES),
            float(plain["thresholds"]["answer"]),
            float(plain["thresholds"]["on_topic"]),
        )

    def verdict(self, confidence: float, on_topic: float) -> str:
        if on_topic < self.on_topic:
            return NOT_FOUND
        return ANSWER if confidence >= self.answer else LIKELY


@dataclass(frozen=True)
class Candidates:
    """Sentence rows and their unscaled signals, aligned."""

    rows: np.ndarray
    signals: dict[str, np.ndarray]

    def take(self, keep: np.ndarray) -> "Candidates":
        return Candidates(self.rows[keep], {name: values[keep] for name, values in self.signals.items()})


@dataclass(frozen=True)
class Ranking:
    rows: np.ndarray  # sentence rows, best first
    scores: np.ndarray  # fused scores, aligned with rows
    confidence: float  # P(rows[0] answers)
    kind: Kind
    evidence: Evidence | None = None
    on_topic: float = 1.0  # P(the question is about the searched documents)
    topic: TopicEvidence | None = None
    verdict: str = ANSWER


def _scale(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.zeros_like(values)
    return (values - lo) / (hi - lo)


def candidate_rows(corpus: Corpus, q_vec: np.ndarray, lexical: np.ndarray, scope: np.ndarray | None) -> np.ndarray:
    """Sentence rows worth scoring: all of them when few, else each signal's best."""
    n = len(corpus.sentences)
    if scope is not None:
        return scope
    if n <= _FULL_SCAN:
        return np.arange(n)
    k = min(_POOL, n)
    a = nearest(corpus.dense, corpus.coarse, q_vec, k)
    c = np.argpartition(-lexical, k - 1)[:k]  # a sentence only BM25 finds must be scored too
    return np.unique(np.concatenate([a, c]))


def first_stage(corpus: Corpus, question: str, q_vec: np.ndarray, scope: np.ndarray | None, kind: Kind) -> Candidates:
    """The five cheap signals for every candidate sentence."""
    tokens = tokenize([question])[0]
    lex_all = bm25_scores(corpus.bm25_sentences, tokens)
    rows = candidate_rows(corpus, q_vec, lex_all, scope)
    quotable = rows[~corpus.headings[rows]]
    rows = quotable if len(quotable) else rows  # headings alone in scope: keep them rather than answer from nothing
    q = q_vec[0]
    return Candidates(rows, {
        "dense_sentence": corpus.sentence_vectors[rows] @ q,
        "lexical_sentence": lex_all[rows],
        "lexical_chunk": bm25_scores(corpus.bm25_chunks, tokens)[rows],
        "kind": ((corpus.kinds[rows] >> int(kind)) & 1).astype(np.float32) if kind else np.zeros(len(rows), np.float32),
        "length": corpus.log_lengths[rows],
    })


def shortlist(
    corpus: Corpus, question: str, first: Candidates, kind: Kind, q_tokens: Tokens, weights: Weights = SHORTLIST_WEIGHTS
) -> Candidates:
    """The first stage's best ``SHORTLIST``, with token matching and a stricter answer kind."""
    picked = first.take(np.argsort(-fuse(first.signals, weights), kind="stable")[:SHORTLIST])
    rows = picked.rows
    signals = dict(picked.signals)
    signals["token_match"] = token_match(q_tokens, corpus.tokens, corpus.rarity, rows, corpus.before[rows], corpus.before_discount[rows])
    if kind:
        # The first stage took any sentence with something of the kind asked for; here
        # only something the question does not already say counts.
        asked = stems(question)
        signals["kind"] = np.array([offers_new(kind, corpus.sentences[r].text, asked) for r in rows], np.float32)
    return Candidates(rows, signals)


def fuse(signals: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """The weighted sum of the signals, each scaled to [0, 1]; the answer kind is 0/1 already."""
    fused = np.zeros(len(signals["kind"]), np.float32)
    for name, values in signals.items():
        weight = getattr(weights, name)
        if weight:
            fused += weight * (values if name == "kind" else _scale(values))
    return fused


def match_evidence(
    corpus: Corpus, question: str, picked: Candidates, fused: np.ndarray, kind: Kind, vocabulary: Vocabulary
) -> Evidence:
    """How well the best-fused sentence answers the question, unscaled."""
    order = np.argsort(-fused, kind="stable")
    best = int(order[0])
    row = int(picked.rows[best])
    words = content_words(question, vocabulary)
    matched = picked.signals.get("token_match")
    return Evidence(
        dense_sentence=float(picked.signals["dense_sentence"][best]),
        coverage=soft_coverage(corpus.bm25_chunks, words, lexical_window(corpus.documents, corpus.sentences, corpus.params, corpus.headings, row)),
        unknown=vocabulary.unknown_share(words),
        # Only dates and numbers are told apart reliably; a "where" question answered
        # "on Twitter" has no place name in it, and is still answered.
        kind_mismatch=float(kind in (Kind.TIME, Kind.QUANTITY) and not picked.signals["kind"][best]),
        margin=float(fused[best] - fused[order[1]]) if len(order) > 1 else 1.0,
        modifier_conflict=float(modifier_conflict(question, corpus.sentences[row].text, corpus.proper) is not None),
        token_match=float(matched[best]) if matched is not None else 0.0,
    )


def topic_evidence(first: Candidates, picked: Candidates, evidence: Evidence, stands_out: tuple[float, float]) -> TopicEvidence:
    """How much of the question the searched documents speak of at all, over the whole scope.

    ``stands_out``: ``standing_out.standing_out``'s two margins for the first stage's rows.
    """
    matched = picked.signals.get("token_match")
    return TopicEvidence(
        unknown=evidence.unknown,
        best_sentence=float(first.signals["dense_sentence"].max()),
        best_token_match=float(matched.max()) if matched is not None else 0.0,
        coverage=evidence.coverage,
        discounted=stands_out[0],
        hub_discounted=stands_out[1],
    )


_SHIPPED = Calibration()


@lru_cache(maxsize=1)
def _shipped_without_tokens() -> Calibration:
    return Calibration.without_tokens()


def rank(
    corpus: Corpus,
    question: str,
    q_vec: np.ndarray,
    scope: np.ndarray | None = None,
    weights: Weights = Weights(),
    calibration: Calibration = Calibration(),
    q_tokens: Tokens | None = None,
    hub: np.ndarray | None = None,
) -> Ranking:
    """Score the sentences in ``scope`` (all when None), order them best first, and decide.

    ``q_tokens`` are the question's token vectors and ids from the same encode as
    ``q_vec``; without them, or without the corpus's, token matching is left out and the
    first stage's ranking is the answer. ``hub``: every sentence's hubness among the
    reference questions (``reference_questions.sentence_hubness``), for the topic model.
    """
    kind = question_kind(question)
    first = first_stage(corpus, question, q_vec, scope, kind)
    matching = weights.token_match > 0 and q_tokens is not None and corpus.tokens is not None
    if matching:
        picked = shortlist(corpus, question, first, kind, q_tokens)
        fused = fuse(picked.signals, weights)
    else:
        picked = first
        fused = fuse(first.signals, SHORTLIST_WEIGHTS if weights.token_match > 0 else weights)
        if (q_tokens is None or corpus.tokens is None) and calibration == _SHIPPED:
            # The fitted models lean on token matching; without token vectors the
            # decision is the one fitted without them. A calibration passed in is kept.
            calibration = _shipped_without_tokens()
    order = np.argsort(-fused, kind="stable")
    vocabulary = corpus.vocabulary_for(scope)
    evidence = match_evidence(corpus, question, picked, fused, kind, vocabulary)
    stands_out = standing_out(corpus, first.rows, first.signals["dense_sentence"], q_vec[0], scope, hub)
    topic = topic_evidence(first, picked, evidence, stands_out)
    confidence = calibration.match.probability(evidence.vector())
    on_topic = calibration.topic.probability(topic.vector())
    verdict = calibration.verdict(confidence, on_topic)
    if corpus.headings[picked.rows[order[0]]]:  # headings alone in scope: the closest, never an answer
        verdict = NOT_FOUND
    return Ranking(picked.rows[order], fused[order], confidence, kind, evidence, on_topic, topic, verdict)
