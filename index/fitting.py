"""Fitting every number the ranking uses, and cross-validating the fit by article.

``kizuna fit`` (``bot/fit_cmd.py``) calls this and writes ``index/fitted.json``. Pure:
no printing, no files. The data are *cases*: one question asked of one scope (its own
SQuAD article, another article, or the seed article), with everything the ranking
computes from it that does not depend on a fitted number precomputed once, so that
trying a weight or a discount is numpy over arrays, not a new ranking.

The order of the fit, each step on the training cases only:

1. BM25's k1 and b: the best P@1 of BM25 alone.
2. The first stage's weights: the best P@1 of the first stage alone (the ranking of a
   model with no token vectors), over a grid.
3. The second stage's weights, then the two before-sentence discounts given them, then
   the weights again given the discounts: the best P@1, over grids.
4. The match model: logistic regression on ``Evidence`` of the best sentence, on
   on-topic questions (answerable ones ranked right are positives; ranked wrong, and
   impossible near misses, negatives).
5. The topic model: logistic regression on ``TopicEvidence``, questions asked of their
   own article (answerable and impossible) against answerable ones asked of another.
6. The thresholds: ``on_topic`` keeps ``KEEP_ON_TOPIC`` of the training questions that
   the documents answer; ``answer`` is where the match model's precision on the
   training questions it ranks first reaches ``ANSWER_PRECISION``.

Every choice weighs the two styles of question equally (``style_weights``): SQuAD's,
written while reading the paragraph, and the chat-typed ones (the seed article's set
and ``bench/data/casual_train_questions.jsonl``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .answer_types import Kind, offers_new, question_kind
from .corpus import Corpus
from .corpus import lexical_windows
from .lexical import build_bm25, stems
from .ranking import SHORTLIST, Candidates, Evidence, Logistic, TopicEvidence, Weights, first_stage, match_evidence
from .fit_report import Outcome, figures
from .logistic import fit_logistic, precision_threshold, probabilities, weighted_quantile
from .reference_questions import References, scope_hubness
from .standing_out import standing_out
from .tokens import Tokens, rarity_weights, token_parts

FIRST_SIGNALS = ("dense_sentence", "lexical_sentence", "lexical_chunk", "kind", "length")
SIGNALS = ("token_match",) + FIRST_SIGNALS

# The decision rules' two targets, the only numbers here not fitted from data: they say
# what the verdicts mean. Not found must leave alone 98.5% of the questions the
# documents answer (so at most about one in seventy is refused); "answer" rather than
# "likely" when at least 85 of 100 such calls on the training data quote the right sentence.
KEEP_ON_TOPIC = 0.985
ARTICLE = "article"  # the group of the seed article's own questions
ANSWER_PRECISION = 0.85

BM25_GRID = [(k1, b) for k1 in (0.3, 0.6, 0.9, 1.2, 1.5) for b in (0.25, 0.5, 0.75)]
FIRST_GRID = {
    "dense_sentence": (0.5, 1.0),
    "lexical_sentence": (0.5, 1.0),
    "lexical_chunk": (0.5, 1.0),
    "kind": (0.0, 0.3),
    "length": (0.0, 0.3),
}
SECOND_GRID = {
    "token_match": (1.0, 1.5, 2.0, 3.0),
    "dense_sentence": (0.0, 0.25, 0.5),
    "lexical_sentence": (0.0, 0.25, 0.5, 1.0),
    "lexical_chunk": (0.0, 0.25, 0.5, 1.0),
    "kind": (0.0, 0.15, 0.3, 0.5),
    "length": (0.0, 0.15),
}
DISCOUNT_GRID = [(s, p) for s in (0.6, 0.75, 0.85, 0.95) for p in (0.0, 0.4, 0.6, 0.8)]
# Parts that bench/ablation.py, cross-validated by article, showed to gain nothing on
# articles they were not fitted on, so the fit leaves them out: BM25 in the second stage
# (SQuAD P@1 0.818 with it, 0.820 without; chat-typed questions 0.750 and 0.790: a typo
# finds no BM25 term) and the first sentence of a paragraph borrowing words from the
# paragraph before (0.818 and 0.823; 0.750 and 0.760). BM25 still picks the shortlist.
SHIPPED_PINS = {"weights": {"lexical_sentence": 0.0, "lexical_chunk": 0.0}, "paragraph": 0.0}


@dataclass
class Case:
    """One question asked of one scope, with what the ranking computes that no fit changes."""

    question: str
    group: str  # the article it is asked about: the unit of cross-validation
    role: str  # "answerable", "impossible" (a near miss on topic) or "off_topic"
    style: str  # "squad" (written while reading the paragraph) or "casual" (typed as in a chat)
    corpus: Corpus
    scope: np.ndarray  # the rows searched
    q_vec: np.ndarray
    kind: Kind
    gold: np.ndarray  # (rows,) bool: the sentences that answer (all False unless answerable)
    token_weights: np.ndarray  # token_parts over every row in scope
    own: np.ndarray
    prior: np.ndarray
    same_paragraph: np.ndarray  # (rows,) bool: the sentence before is in the same paragraph
    first: dict[tuple, Candidates] = field(default_factory=dict)  # per BM25 parameters
    first_scaled: dict[tuple, np.ndarray] = field(default_factory=dict)  # (rows, FIRST_SIGNALS), scaled
    kind_new: dict[int, float] = field(default_factory=dict)  # row -> offers something new
    evidence: dict[tuple, Evidence] = field(default_factory=dict)  # (best row, tokens) -> its evidence, margin aside
    # The topic model's (discounted, hub_discounted): no fit changes them (``attach_standing_out``).
    stands_out: tuple[float, float] = (0.0, 0.0)


def make_case(question: str, group: str, role: str, style: str, corpus: Corpus, scope: np.ndarray, q_vec: np.ndarray,
              q_tokens: Tokens, gold_rows: np.ndarray, scopes: dict | None = None) -> Case:
    """A case; ``scopes`` caches each scope's token vectors across the cases that search it."""
    before = corpus.before[scope]
    weights, own = _own_matches(q_tokens, corpus, scope, {} if scopes is None else scopes)
    prior = own.copy()
    has = before >= 0  # the sentence before is in the same document, so in the scope too
    prior[:, has] = own[:, np.searchsorted(scope, before[has])]
    paragraphs = np.array([s.paragraph for s in corpus.sentences])
    same = (before >= 0) & (paragraphs[np.maximum(before, 0)] == paragraphs[scope])
    return Case(
        question, group, role, style, corpus, scope, q_vec, question_kind(question), np.isin(scope, gold_rows),
        weights, own, prior, same,
    )


def reference_questions(cases: list[Case]) -> tuple[np.ndarray, list[str]]:
    """The English hub's reference questions: the answerable training questions' vectors
    and the article each is about. The seed article's are never among them: a user's
    documents are about none of the shipped questions, and its fold must see it so too."""
    refs = [c for c in cases if c.role == "answerable" and c.group != ARTICLE]
    vectors = np.vstack([c.q_vec.reshape(1, -1) for c in refs]).astype(np.float32) if refs else np.zeros((0, 0), np.float32)
    return vectors, [c.group for c in refs]


def attach_standing_out(cases: list[Case]) -> None:
    """Each case's ``standing_out`` margins, its scope's hubness taken among the reference
    questions about neither the article searched nor the one the question is from (a
    question must not meet itself, or its article's others, as a "question about anything")."""
    vectors, groups = reference_questions(cases)
    references = References(vectors, vectors, np.array(groups, dtype=str))

    def article(case: Case) -> tuple[int, int]:
        return id(case.corpus), int(case.corpus.doc_ids[case.scope[0]])

    # An article's group is the one whose answerable questions are asked of it.
    group_of = {article(c): c.group for c in cases if c.role == "answerable"}
    hubs: dict[tuple, np.ndarray] = {}
    for case in cases:
        left_out = frozenset({case.group, group_of.get(article(case), case.group)})
        key = (article(case), len(case.scope), left_out)
        if key not in hubs:
            hubs[key] = scope_hubness(case.corpus, case.scope, references.leaving_out(*left_out))
        q = case.q_vec.reshape(-1)
        cosines = case.corpus.sentence_vectors[case.scope] @ q
        case.stands_out = standing_out(case.corpus, case.scope, cosines, q, case.scope, hubs[key])


def _own_matches(q_tokens: Tokens, corpus: Corpus, scope: np.ndarray, scopes: dict) -> tuple[np.ndarray, np.ndarray]:
    """``token_parts``'s weights and own matches, over every row in scope, with its tokens decoded once."""
    key = (id(corpus), int(scope[0]), int(scope[-1]), len(scope))
    if key not in scopes:
        weights, own, _ = token_parts(q_tokens, corpus.tokens, corpus.rarity, scope, np.full(len(scope), -1))
        lo, hi = corpus.tokens.offsets[scope], corpus.tokens.offsets[scope + 1]
        filled = hi > lo
        picks = np.concatenate([np.arange(a, b) for a, b in zip(lo[filled], hi[filled])])
        starts = np.concatenate([[0], np.cumsum((hi - lo)[filled])[:-1]])
        scopes[key] = (corpus.tokens.vectors(picks).T.copy(), starts, filled)
        return weights, own
    matrix, starts, filled = scopes[key]
    weights = rarity_weights(q_tokens[1], corpus.tokens, corpus.rarity)
    q_vectors = q_tokens[0].astype(np.float32)
    own = np.full((len(q_vectors), len(scope)), -1.0, np.float32)
    if len(q_vectors) and filled.any():
        own[:, filled] = np.maximum.reduceat(q_vectors @ matrix, starts, axis=1)
    return weights, own


@dataclass(frozen=True)
class Setting:
    """Everything the ranking fits: BM25, both stages' weights, the discounts."""

    bm25: tuple[float, float]
    first: Weights
    second: Weights
    discounts: tuple[float, float]  # (same paragraph, across a paragraph break)


def style_weights(cases: Sequence[Case]) -> np.ndarray:
    """Per-case weights under which each style of question counts as much as the other.

    SQuAD's questions were written while reading the paragraph and share its words;
    people in a chat type from memory, with typos and shorthand. There are thousands of
    the first and a hundred or two of the second, and the bot serves the second: left
    unweighted, every choice would be SQuAD's alone.
    """
    return balanced_weights([c.style for c in cases])


def balanced_weights(labels: Sequence[str]) -> np.ndarray:
    """Per-item weights under which every label's items together weigh the same."""
    labels = np.array(labels)
    weights = np.zeros(len(labels))
    present = sorted(set(labels.tolist()))
    for label in present:
        mask = labels == label
        weights[mask] = 1.0 / (mask.sum() * len(present))
    return weights


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.dot(values, weights) / weights.sum()) if weights.sum() > 0 else float("nan")


# -- the ranking, replayed from a case ----------------------------------------------------------


def with_bm25(corpus: Corpus, k1: float, b: float) -> Corpus:
    """The same corpus, its BM25 indexes built with other parameters (vectors reused)."""
    return Corpus(
        corpus.documents, corpus.sentences, corpus.sentence_vectors, corpus.params,
        dense=corpus.dense, tokens=corpus.tokens, multilingual=corpus.multilingual,
        bm25_sentences=build_bm25([s.text for s in corpus.sentences], k1, b),
        bm25_chunks=build_bm25(lexical_windows(corpus.documents, corpus.sentences, corpus.params, corpus.headings), k1, b),
    )


def first_signals(case: Case, bm25: tuple[float, float], corpora: dict) -> Candidates:
    """The case's first-stage signals under these BM25 parameters (computed once each)."""
    if bm25 not in case.first:
        key = (id(case.corpus), bm25)
        if key not in corpora:
            corpora[key] = with_bm25(case.corpus, *bm25)
        case.first[bm25] = first_stage(corpora[key], case.question, case.q_vec, case.scope, case.kind)
    return case.first[bm25]


def _scaled(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    return np.zeros_like(values) if hi - lo < 1e-9 else (values - lo) / (hi - lo)


def _first_scaled(first: Candidates) -> np.ndarray:
    return np.stack([first.signals[n] if n == "kind" else _scaled(first.signals[n]) for n in FIRST_SIGNALS], axis=1)


def _first_fused(first: Candidates, weights: Weights, scaled: np.ndarray | None = None) -> np.ndarray:
    scaled = _first_scaled(first) if scaled is None else scaled
    return scaled @ np.array([getattr(weights, n) for n in FIRST_SIGNALS], np.float32)


def _scaled_first(case: Case, first: Candidates) -> np.ndarray:
    key = id(first)
    if key not in case.first_scaled:
        case.first_scaled[key] = _first_scaled(first)
    return case.first_scaled[key]


def shortlist_signals(case: Case, first: Candidates, weights: Weights, discounts: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(positions in scope of the shortlist, its raw signals in ``SIGNALS`` order)."""
    keep = np.argsort(-_first_fused(first, weights, _scaled_first(case, first)), kind="stable")[:SHORTLIST]
    discount = np.where(case.same_paragraph[keep], discounts[0], discounts[1]).astype(np.float32)
    best = np.maximum(case.own[:, keep], discount * case.prior[:, keep])
    total = case.token_weights.sum()
    matched = (case.token_weights @ best) / total if total > 0 and len(case.token_weights) else np.zeros(len(keep), np.float32)
    kind = np.zeros(len(keep), np.float32)
    if case.kind:
        asked = stems(case.question)
        for i, pos in enumerate(keep):
            row = int(case.scope[pos])
            if row not in case.kind_new:
                case.kind_new[row] = float(offers_new(case.kind, case.corpus.sentences[row].text, asked))
            kind[i] = case.kind_new[row]
    raw = np.stack([matched] + [kind if n == "kind" else first.signals[n][keep] for n in FIRST_SIGNALS], axis=1)
    return keep, raw.astype(np.float32)


def _scale_columns(raw: np.ndarray) -> np.ndarray:
    out = raw.copy()
    for j, name in enumerate(SIGNALS):
        if name != "kind":
            out[:, j] = _scaled(raw[:, j])
    return out


@dataclass
class Shortlists:
    """Every case's shortlist under one setting of BM25, first-stage weights and discounts."""

    keep: list[np.ndarray]
    raw: list[np.ndarray]
    scaled: np.ndarray  # (cases, SHORTLIST, signals), padded
    valid: np.ndarray  # (cases, SHORTLIST) bool
    gold: np.ndarray  # (cases, SHORTLIST) bool


def shortlists(cases: Sequence[Case], bm25, first_weights: Weights, discounts, corpora: dict) -> Shortlists:
    n = len(cases)
    scaled = np.zeros((n, SHORTLIST, len(SIGNALS)), np.float32)
    valid = np.zeros((n, SHORTLIST), bool)
    gold = np.zeros((n, SHORTLIST), bool)
    keeps, raws = [], []
    for i, case in enumerate(cases):
        keep, raw = shortlist_signals(case, first_signals(case, bm25, corpora), first_weights, discounts)
        keeps.append(keep)
        raws.append(raw)
        scaled[i, : len(keep)] = _scale_columns(raw)
        valid[i, : len(keep)] = True
        gold[i, : len(keep)] = case.gold[keep]
    return Shortlists(keeps, raws, scaled, valid, gold)


def _vector(weights: Weights) -> np.ndarray:
    return np.array([getattr(weights, n) for n in SIGNALS], np.float32)


def best_positions(lists: Shortlists, weights: Weights) -> np.ndarray:
    fused = lists.scaled @ _vector(weights)
    fused[~lists.valid] = -np.inf
    return np.argmax(fused, axis=1)  # ties go to the first, as the engine's stable sort does


def hits(lists: Shortlists, weights: Weights) -> np.ndarray:
    best = best_positions(lists, weights)
    return lists.gold[np.arange(len(best)), best]


# -- the grids ---------------------------------------------------------------------------------


def _grid(space: dict[str, tuple[float, ...]], fixed: dict[str, float] | None = None) -> list[Weights]:
    names = list(space)
    return [Weights(**{**dict(zip(names, values)), **(fixed or {})}) for values in itertools.product(*space.values())]


def bm25_hits(cases: Sequence[Case], corpora: dict) -> dict[tuple[float, float], np.ndarray]:
    """For each grid point, whether BM25 alone ranks each case's gold sentence first.

    Only answerable cases have one; the others are False without being scored.
    """
    from .lexical import bm25_scores, tokenize

    out = {}
    for params in BM25_GRID:
        right = np.zeros(len(cases), bool)
        for i, case in enumerate(cases):
            if case.role != "answerable":
                continue
            key = (id(case.corpus), "bm25-only", params)
            if key not in corpora:
                corpora[key] = build_bm25([s.text for s in case.corpus.sentences], *params)
            scores = bm25_scores(corpora[key], tokenize([case.question])[0])[case.scope]
            right[i] = bool(case.gold[int(np.argmax(scores))])
        out[params] = right
    return out


def fit_first(cases: Sequence[Case], bm25, corpora: dict, fixed: dict[str, float] | None = None) -> Weights:
    """First-stage weights: the best P@1 of the first stage alone (``fixed`` pins some, for ablations)."""
    scaled = [_scaled_first(c, first_signals(c, bm25, corpora)) for c in cases]
    weights = style_weights(cases)

    def p_at_1(w: Weights) -> float:
        vector = np.array([getattr(w, n) for n in FIRST_SIGNALS], np.float32)
        return _weighted_mean(np.array([c.gold[int(np.argmax(m @ vector))] for c, m in zip(cases, scaled)], float), weights)

    space = {k: v for k, v in FIRST_GRID.items() if not fixed or k not in fixed}
    return max(_grid(space, {"token_match": 0.0, **(fixed or {})}), key=p_at_1)


def fit_second(lists: Shortlists, weights: np.ndarray, fixed: dict[str, float] | None = None) -> Weights:
    """Second-stage weights: the best weighted P@1 over the grid (``fixed`` pins some, for ablations)."""
    space = {k: v for k, v in SECOND_GRID.items() if not fixed or k not in fixed}
    best, best_score = None, -1.0
    for w in _grid(space, fixed):
        score = _weighted_mean(hits(lists, w), weights)
        if score > best_score + 1e-12:
            best, best_score = w, score
    return best


def fit_ranking(cases: Sequence[Case], corpora: dict, bm25_right: dict, pinned: dict | None = None) -> Setting:
    """Steps 1-3 of the module docstring, on answerable cases (``pinned``: ``SHIPPED_PINS`` unless given)."""
    pinned = SHIPPED_PINS if pinned is None else pinned
    weights = style_weights(cases)
    bm25 = max(BM25_GRID, key=lambda p: _weighted_mean(bm25_right[p], weights))
    first = fit_first(cases, bm25, corpora, pinned.get("first"))
    discounts = pinned.get("discounts", (0.85, 0.6))
    second = fit_second(shortlists(cases, bm25, first, discounts, corpora), weights, pinned.get("weights"))
    if "discounts" not in pinned:
        grid = [d for d in DISCOUNT_GRID if pinned.get("paragraph") is None or d[1] == pinned["paragraph"]]
        discounts = max(grid, key=lambda d: _weighted_mean(hits(shortlists(cases, bm25, first, d, corpora), second), weights))
        second = fit_second(shortlists(cases, bm25, first, discounts, corpora), weights, pinned.get("weights"))
    return Setting(bm25, first, second, discounts)


# -- evidence and the two logistic models -------------------------------------------------------


def case_evidence(case: Case, setting: Setting, corpora: dict, tokens: bool = True) -> tuple[Evidence, TopicEvidence, int, int]:
    """The best sentence's evidence, the scope's topic evidence, its row, and its position in scope.

    ``tokens`` False replays the ranking of a model with no token vectors: the first
    stage alone, and no token matching in the evidence.
    """
    first = first_signals(case, setting.bm25, corpora)
    if tokens:
        keep, raw = shortlist_signals(case, first, setting.first, setting.discounts)
        fused = _scale_columns(raw) @ _vector(setting.second)
        signals = {n: raw[:, j] for j, n in enumerate(SIGNALS)}
    else:
        keep = np.arange(len(case.scope))
        fused = _first_fused(first, setting.first, _scaled_first(case, first))
        signals = first.signals
    order = np.argsort(-fused, kind="stable")
    best = int(order[0])
    row = int(case.scope[keep[best]])
    margin = float(fused[best] - fused[order[1]]) if len(order) > 1 else 1.0
    key = (row, tokens)
    if key not in case.evidence:
        picked = Candidates(case.scope[keep], signals)
        corpus = corpora[(id(case.corpus), setting.bm25)]
        case.evidence[key] = match_evidence(corpus, case.question, picked, fused, case.kind, corpus.vocabulary_for(case.scope))
    ev = case.evidence[key]
    ev = Evidence(**{**{n: getattr(ev, n) for n in Evidence.NAMES}, "margin": margin})
    topic = TopicEvidence(
        unknown=ev.unknown,
        best_sentence=float(first.signals["dense_sentence"].max()),
        best_token_match=float(signals["token_match"].max()) if tokens else 0.0,
        coverage=ev.coverage,
        discounted=case.stands_out[0],
        hub_discounted=case.stands_out[1],
    )
    return ev, topic, row, int(keep[best])


@dataclass
class Decisions:
    """The evidence a fitted ranking gives for each case, and whether its best sentence is right."""

    right: np.ndarray
    match_x: np.ndarray
    topic_x: np.ndarray


def decide(cases: Sequence[Case], setting: Setting, corpora: dict, tokens: bool = True) -> Decisions:
    right, mx, tx = [], [], []
    for case in cases:
        ev, topic, row, position = case_evidence(case, setting, corpora, tokens)
        right.append(bool(case.gold[position]) if case.role == "answerable" else False)
        mx.append(ev.vector())
        tx.append(topic.vector())
    n = len(cases)
    return Decisions(np.array(right, bool), np.array(mx).reshape(n, -1), np.array(tx).reshape(n, -1))


@dataclass(frozen=True)
class Fit:
    setting: Setting
    match: Logistic
    topic: Logistic
    answer: float
    on_topic: float
    # The same decision fitted for a model with no token vectors (first stage only).
    plain: tuple[Logistic, Logistic, float, float] | None = None


def fit_decision(cases: Sequence[Case], d: Decisions, drop: Sequence[str] = (),
                 topic_drop: Sequence[str] = ()) -> tuple[Logistic, Logistic, float, float]:
    """Steps 4-6: the two logistic models and the two thresholds."""
    roles = np.array([c.role for c in cases])
    weights = style_weights(cases)
    on_topic = roles != "off_topic"
    match_cols = np.array([n not in drop for n in Evidence.NAMES])
    x = d.match_x[on_topic][:, match_cols]
    bias, coefs = fit_logistic(x, d.right[on_topic].astype(float), sample_weight=weights[on_topic])
    full = np.zeros(len(Evidence.NAMES))
    full[match_cols] = coefs
    match = Logistic(bias, tuple(full))
    # Topic: questions about the article (answerable or near misses) against answerable
    # ones asked of another article.
    topic_cols = np.array([n not in topic_drop for n in TopicEvidence.NAMES])
    tb, tc = fit_logistic(d.topic_x[:, topic_cols], on_topic.astype(float), sample_weight=weights)
    topic_full = np.zeros(len(TopicEvidence.NAMES))
    topic_full[topic_cols] = tc
    topic = Logistic(tb, tuple(topic_full))
    answerable = roles == "answerable"
    # Keep KEEP_ON_TOPIC of the answerable questions, each style counting as much as the other.
    p_topic = probabilities(topic, d.topic_x[answerable])
    on_topic_threshold = weighted_quantile(p_topic, weights[answerable], 1.0 - KEEP_ON_TOPIC)
    p_match = probabilities(match, d.match_x[answerable])
    answer = precision_threshold(p_match, d.right[answerable], ANSWER_PRECISION, weights[answerable])
    return match, topic, answer, on_topic_threshold


def verdicts(fit: Fit, d: Decisions) -> np.ndarray:
    match = probabilities(fit.match, d.match_x)
    topic = probabilities(fit.topic, d.topic_x)
    return np.where(topic < fit.on_topic, "not_found", np.where(match >= fit.answer, "answer", "likely"))


def fit_all(cases: Sequence[Case], corpora: dict, bm25_right: dict, pinned: dict | None = None,
            drop: Sequence[str] = (), with_plain: bool = False, topic_drop: Sequence[str] = ()) -> Fit:
    answerable = [c for c in cases if c.role == "answerable"]
    idx = [i for i, c in enumerate(cases) if c.role == "answerable"]
    setting = fit_ranking(answerable, corpora, {p: r[idx] for p, r in bm25_right.items()}, pinned)
    d = decide(cases, setting, corpora)
    match, topic, answer, on_topic = fit_decision(cases, d, drop, topic_drop)
    plain = None
    if with_plain:
        d_plain = decide(cases, setting, corpora, tokens=False)
        plain = fit_decision(cases, d_plain, ("token_match", *drop), ("best_token_match", *topic_drop))
    return Fit(setting, match, topic, answer, on_topic, plain)


def outcomes(cases: Sequence[Case], fit: Fit, corpora: dict) -> Outcome:
    """What this fit decides for each case."""
    d = decide(cases, fit.setting, corpora)
    return np.array([c.role for c in cases]), d.right, verdicts(fit, d), np.array([c.style for c in cases])


def measure(cases: Sequence[Case], fit: Fit, corpora: dict) -> dict:
    return figures(*outcomes(cases, fit, corpora))


def cross_validate(cases: Sequence[Case], folds: Sequence[Sequence[str]], corpora: dict, bm25_right: dict,
                   progress: Callable[[str], None] = lambda _: None, **options) -> tuple[dict, list[Fit]]:
    """Fit on all folds but one and decide that one's cases, for each fold.

    Returns each fold's outcomes (roles, right, verdicts), keyed by its first group, and
    the fits; ``pool`` joins outcomes so that ``figures`` can measure them together.
    """
    held, fits = {}, []
    for i, fold in enumerate(folds):
        train = [j for j, c in enumerate(cases) if c.group not in fold]
        fit = fit_all([cases[j] for j in train], corpora, {p: r[train] for p, r in bm25_right.items()}, **options)
        fits.append(fit)
        held[fold[0]] = outcomes([c for c in cases if c.group in fold], fit, corpora)
        progress(f"fold {i + 1}/{len(folds)}: held-out P@1 {figures(*held[fold[0]])['p_at_1']:.3f}")
    return held, fits


