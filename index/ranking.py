"""Choosing the one sentence that answers, and deciding whether anything does.

Two stages. First every sentence in scope gets six cheap signals: cosine similarity of
the question to the sentence and to its window (dense), BM25 against the sentence and
against it with the sentence before (lexical), whether it holds the kind of thing the
question asks for, and its length. Each is scaled to [0, 1] over the candidates and a
weighted sum picks a shortlist. Then the shortlist is scored again with token matching
(``tokens.token_match``) added, which is the strongest signal but needs each
sentence's token vectors. Whether the best one answers at all is a separate,
calibrated decision on unscaled evidence (``Evidence``, ``Calibration``).

All per-question work is vectorised over the candidate rows; everything per sentence
(vectors, BM25 postings, token vectors, answer kinds, lengths) is computed when the
index is built.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .answer_types import Kind, offers_new, question_kind
from .corpus import Corpus, lexical_window
from .lexical import bm25_scores, content_words, soft_coverage, stems, tokenize
from .modifiers import modifier_conflict
from .tokens import Tokens, token_match

_FULL_SCAN = 4096  # below this many sentences in scope, score them all exactly
_POOL = 256  # otherwise, the union of each signal's top hits
# Sentences the second stage scores again. The first stage put the right one among its
# best 64 for 99.7% of SQuAD's questions, and matching 64 sentences' tokens is cheap.
SHORTLIST = 64


@dataclass(frozen=True)
class Weights:
    """Weights of the scaled signals in the final ranking score.

    Fitted by grid search on SQuAD (16 articles, P@1 within each article) together
    with the article question set, and checked on held-out halves of SQuAD. Min-max
    scaling beat z-scores and reciprocal-rank fusion. SQuAD alone wanted token matching
    at 3 (P@1 0.834) but then the article lost three of its casual questions to
    sentences that merely share a rare name ("what did Cavusoglu say they talked
    about" found "..., Cavusoglu said."); at 1.5 with more BM25 SQuAD gives 0.822 (even
    and odd halves 0.754 and 0.877, against 0.721 and 0.842 before token matching) and
    the article keeps its 92%. The sentence and window cosines add nothing once token
    matching is in (their best weight was 0 on both halves): the token vectors come
    from the same model and say more. They still pick the shortlist and feed the
    confidence. With the later context across paragraphs and the answer-kind check the
    figures are 0.824 (halves 0.758, 0.877) and 94%; ``bench/ablation.py`` reproduces
    them, each part taken out in turn, and the token weight SQuAD preferred.
    """

    token_match: float = 1.5
    dense_sentence: float = 0.0
    dense_chunk: float = 0.0
    lexical_sentence: float = 0.5
    lexical_chunk: float = 0.5  # the sentence before often names what this one calls "it"
    # Bonus when the sentence holds what a when/how-many/who/where question asks for.
    kind: float = 0.3
    # Longer sentences carry more facts; without token matching very short ones ("This
    # is called X.") won too often (+0.01 P@1 then). With it the bonus no longer helped.
    length: float = 0.0


# The first stage, and the whole ranking when the model gives no token vectors: the
# engine's weights before token matching (P@1 0.792 on SQuAD).
SHORTLIST_WEIGHTS = Weights(
    token_match=0.0, dense_sentence=1.0, dense_chunk=0.75, lexical_sentence=0.5, lexical_chunk=0.75, kind=0.3, length=0.3
)


@dataclass(frozen=True)
class Evidence:
    """Unscaled facts about the best sentence: what the confidence is computed from."""

    dense_sentence: float  # cosine of question and sentence
    dense_chunk: float  # cosine of question and window
    coverage: float  # IDF-weighted share of the question's topic words in the sentence and the one before
    unknown: float  # share of the question's topic words the corpus never uses
    kind_mismatch: float  # 1 when a when/how-many question's sentence has no date/number
    margin: float  # best fused score minus the runner-up's, in weight units
    # 1 when the question's noun has another owner in the sentence: "Japanese mission" against "Turkish mission".
    modifier_conflict: float = 0.0
    # The best sentence's token matching score (NaN when not computed). Shown, not
    # used by ``Calibration``: refitted with it, the confidence declined one more of
    # the article's unanswerable questions and otherwise moved SQuAD's figures by less
    # than half a point, and a model without token vectors would need a second fit.
    token_match: float = float("nan")

    def vector(self) -> np.ndarray:
        return np.array(
            [self.dense_sentence, self.dense_chunk, self.coverage, self.unknown, self.kind_mismatch, self.margin, self.modifier_conflict]
        )


@dataclass(frozen=True)
class Calibration:
    """A logistic model of P(the best sentence answers), over ``Evidence``.

    Fitted with numpy (L2 logistic regression on standardised features) on SQuAD, 16
    articles: positives are answerable questions whose top sentence is right, negatives
    are SQuAD's impossible questions and answerable ones asked with the search held to
    another article. The ``unknown`` weight is set by hand: in SQuAD every question's
    words occur somewhere in the 16 articles, so the data cannot teach it (it fits near
    zero), yet on a small corpus a question about words it never uses ("the capital of
    France") is the plainest sign of no answer. -3 was the value that kept the most
    correct decisions on the article question set while leaving SQuAD's figures within
    half a point (-2 to -5 were tried). ``kind_mismatch`` is set by hand too: a "when" or
    "how many" question whose best sentence holds no date or number cannot be answered
    by quoting it. The fit gave it -0.43, since only 3-7% of SQuAD's questions show it;
    at -2 SQuAD declines 1.2 points more answerable and 2.4 points more impossible
    questions, and the article declines two more of its near misses. ``modifier_conflict``
    is set by hand as well, strongly: a sentence about the "Turkish mission" says
    nothing of the "Japanese mission" however many words it shares with the question
    (``modifiers``). At -4 SQuAD declines 1.8 points more impossible questions and 0.6
    more answerable ones, most of those ranked wrong anyway; moving the threshold to
    0.11 instead costs the same 0.6 for only 1.3.

    Threshold 0.10, measured on SQuAD: 3.7% of answerable questions declined, 10.5% of
    the impossible near misses declined, 99.5% of off-topic questions declined. With
    token matching in the ranking the same model gives 4.2%, 10.2% and 99.5%; a refit
    on the new evidence gave 3.8%, 9.2% and 99.3%, and the same decisions on the
    article, so the coefficients stayed; with ``modifier_conflict`` the figures are
    4.8%, 12.1% and 99.5%. Impossible
    questions are written to look answerable and stay mostly indistinguishable with
    these features: raising the threshold to 0.18 declines about a fifth of them but
    also a tenth of the answerable ones, and on the article it lost more right answers
    than it gained refusals.
    """

    bias: float = -5.14
    dense_sentence: float = 2.46
    dense_chunk: float = 2.48
    coverage: float = 1.94
    unknown: float = -3.0
    kind_mismatch: float = -2.0
    margin: float = 0.59
    modifier_conflict: float = -4.0
    threshold: float = 0.10  # below it Kizuna says the documents don't cover the question

    def coefficients(self) -> np.ndarray:
        return np.array(
            [self.dense_sentence, self.dense_chunk, self.coverage, self.unknown, self.kind_mismatch, self.margin, self.modifier_conflict]
        )

    def confidence(self, evidence: Evidence) -> float:
        z = self.bias + float(self.coefficients() @ evidence.vector())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass(frozen=True)
class Ranking:
    rows: np.ndarray  # sentence rows, best first
    scores: np.ndarray  # fused scores, aligned with rows
    confidence: float  # calibrated probability that rows[0] answers
    kind: Kind
    evidence: Evidence | None = None


def _scale(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.zeros_like(values)
    return (values - lo) / (hi - lo)


def candidates(corpus: Corpus, q_vec: np.ndarray, lexical: np.ndarray, scope: np.ndarray | None) -> np.ndarray:
    """Sentence rows worth scoring: all of them when few, else each signal's best."""
    n = len(corpus.sentences)
    if scope is not None:
        return scope
    if n <= _FULL_SCAN:
        return np.arange(n)
    k = min(_POOL, n)
    _, a = corpus.dense.search(q_vec, k)
    _, b = corpus.dense_chunks.search(q_vec, k)
    c = np.argpartition(-lexical, k - 1)[:k]  # a sentence only BM25 finds must be scored too
    return np.unique(np.concatenate([a[0], b[0], c]))


def rank(
    corpus: Corpus,
    question: str,
    q_vec: np.ndarray,
    scope: np.ndarray | None = None,
    weights: Weights = Weights(),
    calibration: Calibration = Calibration(),
    q_tokens: Tokens | None = None,
) -> Ranking:
    """Score the sentences in ``scope`` (all when None) and order them best first.

    ``q_tokens`` are the question's token vectors and ids from the same encode as
    ``q_vec``; without them, or without the corpus's, token matching is left out.
    """
    tokens = tokenize([question])[0]
    lex_all = bm25_scores(corpus.bm25_sentences, tokens)
    rows = candidates(corpus, q_vec, lex_all, scope)
    q = q_vec[0]
    kind = question_kind(question)
    signals = {
        "dense_sentence": corpus.sentence_vectors[rows] @ q,
        "dense_chunk": corpus.chunk_vectors[rows] @ q,
        "lexical_sentence": lex_all[rows],
        "lexical_chunk": bm25_scores(corpus.bm25_chunks, tokens)[rows],
        "kind": ((corpus.kinds[rows] >> int(kind)) & 1).astype(np.float32) if kind else np.zeros(len(rows), np.float32),
        "length": corpus.log_lengths[rows],
    }
    # Weights that use token matching rank with the shortlist's first, and only with
    # those when the question or the corpus has no token vectors.
    fused = _fuse(signals, SHORTLIST_WEIGHTS if weights.token_match > 0 else weights)
    matching = weights.token_match > 0 and q_tokens is not None and corpus.tokens is not None
    if matching:
        # Second stage: the shortlist, scored again with token matching. Scaling over
        # the shortlist rather than all candidates is what the weights were fitted on.
        keep = np.argsort(-fused, kind="stable")[:SHORTLIST]
        rows = rows[keep]
        signals = {name: values[keep] for name, values in signals.items()}
        signals["token_match"] = token_match(
            q_tokens, corpus.tokens, corpus.rarity, rows, corpus.before[rows], corpus.before_discount[rows]
        )
        if kind:
            # The first stage took any sentence with something of the kind asked for;
            # here only something the question does not already say counts.
            asked = stems(question)
            signals["kind"] = np.array([offers_new(kind, corpus.sentences[r].text, asked) for r in rows], np.float32)
        fused = _fuse(signals, weights)
    order = np.argsort(-fused, kind="stable")
    best = int(order[0])
    words = content_words(question, corpus.vocabulary)
    evidence = Evidence(
        dense_sentence=float(signals["dense_sentence"][best]),
        dense_chunk=float(signals["dense_chunk"][best]),
        coverage=soft_coverage(
            corpus.bm25_chunks, words, lexical_window(corpus.documents, corpus.sentences, corpus.params, int(rows[best]))
        ),
        unknown=corpus.vocabulary.unknown_share(words),
        # Only dates and numbers are told apart reliably; a "where" question answered
        # "on Twitter" has no place name in it, and is still answered.
        kind_mismatch=float(kind in (Kind.TIME, Kind.QUANTITY) and not signals["kind"][best]),
        margin=float(fused[best] - fused[order[1]]) if len(order) > 1 else 1.0,
        modifier_conflict=float(modifier_conflict(question, corpus.sentences[int(rows[best])].text, corpus.proper) is not None),
        token_match=float(signals["token_match"][best]) if matching else float("nan"),
    )
    return Ranking(rows[order], fused[order], calibration.confidence(evidence), kind, evidence)


def _fuse(signals: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """The weighted sum of the signals, each scaled to [0, 1]; the answer kind is 0/1 already."""
    fused = np.zeros(len(signals["kind"]), np.float32)
    for name, values in signals.items():
        weight = getattr(weights, name)
        if weight:
            fused += weight * (values if name == "kind" else _scale(values))
    return fused
