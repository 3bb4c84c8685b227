"""The fitting machinery behind `kizuna fit`: each piece checked against what it must recover."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from index import fitting, logistic
from index.building import embed_documents
from index.corpus import IndexParams
from index.embedder import HashingEmbedder
from index.evaluation import gold_rows, squad_documents
from index.fitted import fitted
from index.ranking import ANSWER, LIKELY, NOT_FOUND, Calibration, Evidence, Logistic, TopicEvidence

from conftest import SQUAD


def test_logistic_regression_recovers_known_coefficients() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20000, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([0.0, 1.0, -1.0])
    z = -1.0 + 2.0 * x[:, 0] - 0.75 * x[:, 1] + 0.0 * x[:, 2]
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-z))).astype(float)
    bias, coefficients = logistic.fit_logistic(x, y, l2=0.01)
    assert bias == pytest.approx(-1.0, abs=0.12)
    assert coefficients == pytest.approx([2.0, -0.75, 0.0], abs=0.12)


def test_each_style_of_question_weighs_as_much_as_the_other() -> None:
    class Fake:
        def __init__(self, style):
            self.style = style

    weights = fitting.style_weights([Fake("squad")] * 30 + [Fake("casual")] * 3)
    assert weights[:30].sum() == pytest.approx(0.5) and weights[30:].sum() == pytest.approx(0.5)


def test_a_feature_that_never_varies_gets_no_weight() -> None:
    x = np.column_stack([np.linspace(-2, 2, 200), np.full(200, 3.0)])
    y = (x[:, 0] > 0).astype(float)
    _, coefficients = logistic.fit_logistic(x, y)
    assert coefficients[0] > 1 and coefficients[1] == 0.0


def test_a_yes_no_feature_seen_only_a_few_times_gets_no_weight() -> None:
    """Two rows that happen to be positive are no evidence; twenty that are, are."""
    rng = np.random.default_rng(3)
    signal = rng.normal(size=400)
    y = (signal + rng.normal(scale=0.5, size=400) > 0).astype(float)
    for seen, weighted in ((2, False), (logistic.MIN_SUPPORT - 1, False), (20, True)):
        flag = np.zeros(400)
        flag[np.flatnonzero(y)[:seen]] = 1.0  # only ever on for positives
        _, coefficients = logistic.fit_logistic(np.column_stack([signal, flag]), y)
        assert coefficients[0] > 1
        assert (coefficients[1] > 0.5) == weighted, (seen, coefficients)


def test_the_answer_threshold_is_where_precision_reaches_the_target() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    right = np.array([1, 1, 1, 1, 0, 0], bool)
    assert logistic.precision_threshold(p, right, 0.85) == 0.6  # the four above 0.6 are all right
    assert logistic.precision_threshold(p, np.zeros(6, bool), 0.85) == 1.0  # never precise enough: always "likely"


def test_the_verdict_asks_topic_first_then_match() -> None:
    calibration = Calibration(Logistic(0.0, (0.0,) * len(Evidence.NAMES)), Logistic(0.0, (0.0,) * len(TopicEvidence.NAMES)), 0.3, 0.5)
    assert calibration.verdict(0.9, 0.4) == NOT_FOUND  # a strong match on an off-topic question
    assert calibration.verdict(0.9, 0.6) == ANSWER
    assert calibration.verdict(0.1, 0.6) == LIKELY


def test_the_shipped_numbers_have_every_part_the_engine_reads() -> None:
    data = fitted()
    assert set(data) >= {"bm25", "before_discount", "shortlist_weights", "weights", "match", "topic", "thresholds"}
    assert set(data["match"]["coefficients"]) == set(Evidence.NAMES)
    assert set(data["topic"]["coefficients"]) == set(TopicEvidence.NAMES)
    assert 0 < data["thresholds"]["answer"] < 1 and 0 < data["thresholds"]["on_topic"] < 1
    # Off topic is the rarer, plainer call: more of the question's words unknown to the
    # documents, and better best matches anywhere in them, must move it the right way.
    topic = data["topic"]["coefficients"]
    assert topic["unknown"] < 0 and topic["best_token_match"] > 0


@pytest.fixture(scope="module")
def small_cases():
    """Cases from one SQuAD article, on the fake embedder: cheap, but every step runs."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    squad = squad_documents({"version": data["version"], "data": data["data"][:2]})
    emb = HashingEmbedder()
    corpus, _ = embed_documents(squad.documents, emb, IndexParams(), {})
    qs = [q for q in squad.questions][:300]
    vectors, tokens = emb.encode_with_tokens([q.question for q in qs])
    scopes = {d: np.flatnonzero(corpus.doc_ids == d) for d in range(2)}
    cases = []
    for i, q in enumerate(qs):
        gold = gold_rows(corpus, q.doc, q.starts) if not q.impossible else np.zeros(0, np.int64)
        role = "impossible" if q.impossible else "answerable"
        style = "casual" if i % 5 == 0 else "squad"  # a few of the second style, so the weighting runs
        cases.append(fitting.make_case(q.question, str(q.doc), role, style, corpus, scopes[q.doc], vectors[i : i + 1], tokens[i], gold))
        if not q.impossible:
            cases.append(fitting.make_case(q.question, str(q.doc), "off_topic", style, corpus, scopes[1 - q.doc], vectors[i : i + 1], tokens[i], np.zeros(0, np.int64)))
    fitting.attach_standing_out(cases)
    return cases


def test_a_cases_hubness_leaves_out_the_questions_about_its_articles(small_cases) -> None:
    """Asked of its own article, a question's references are the other article's questions
    (never itself); asked of the other article too, none are left, and the margin is plain."""
    from index.reference_questions import hubness
    from index.standing_out import standing_out

    vectors, groups = fitting.reference_questions(small_cases)
    assert len(groups) == sum(c.role == "answerable" for c in small_cases)
    mine = next(c for c in small_cases if c.role == "answerable" and c.group == "0")
    others = vectors[[g == "1" for g in groups]]
    hub = np.zeros(len(mine.corpus.sentences), np.float32)
    hub[mine.scope] = hubness(mine.corpus.sentence_vectors[mine.scope], others)
    q = mine.q_vec.reshape(-1)
    cosines = mine.corpus.sentence_vectors[mine.scope] @ q
    assert mine.stands_out == pytest.approx(standing_out(mine.corpus, mine.scope, cosines, q, mine.scope, hub), abs=1e-6)
    assert mine.stands_out[1] != pytest.approx(cosines.max() - cosines.mean(), abs=1e-4)  # the hub did count
    off = next(c for c in small_cases if c.role == "off_topic" and c.group == "0")
    cosines = off.corpus.sentence_vectors[off.scope] @ off.q_vec.reshape(-1)
    assert off.stands_out[1] == pytest.approx(cosines.max() - cosines.mean(), abs=1e-5)


def test_precomputed_token_matching_agrees_with_the_engines(small_cases) -> None:
    from index.tokens import token_match

    case = small_cases[0]
    corpus = case.corpus
    discounts = (0.85, 0.6)
    direct = token_match(
        HashingEmbedder().encode_with_tokens([case.question])[1][0], corpus.tokens, corpus.rarity, case.scope,
        corpus.before[case.scope], np.where(case.same_paragraph, *discounts).astype(np.float32),
    )
    best = np.maximum(case.own, np.where(case.same_paragraph, *discounts).astype(np.float32) * case.prior)
    replayed = case.token_weights @ best / case.token_weights.sum()
    assert replayed == pytest.approx(direct, abs=1e-5)


def test_the_whole_fit_runs_and_its_choices_beat_one_signal(small_cases) -> None:
    corpora: dict = {}
    bm25_right = fitting.bm25_hits(small_cases, corpora)
    fit = fitting.fit_all(small_cases, corpora, bm25_right, pinned={})  # the whole grid, nothing pinned
    result = fitting.measure(small_cases, fit, corpora)
    # Far above chance (one sentence in about two hundred), and no grid point does better
    # on the same shortlists: the search found the grid's optimum.
    assert result["p_at_1"] > 0.5
    s = fit.setting
    lists = fitting.shortlists([c for c in small_cases if c.role == "answerable"], s.bm25, s.first, s.discounts, corpora)
    weights = fitting.style_weights([c for c in small_cases if c.role == "answerable"])
    chosen = fitting._weighted_mean(fitting.hits(lists, s.second), weights)
    rng = np.random.default_rng(0)
    grid = fitting._grid(fitting.SECOND_GRID)
    assert all(fitting._weighted_mean(fitting.hits(lists, grid[i]), weights) <= chosen + 1e-12 for i in rng.choice(len(grid), 200, replace=False))
    assert result["off_topic_not_found"] > 0.5 and result["answerable_not_found"] <= 1 - fitting.KEEP_ON_TOPIC + 0.01
    held, fits = fitting.cross_validate(small_cases, [["0"], ["1"]], corpora, bm25_right)
    assert set(held) == {"0", "1"} and len(fits) == 2


def test_the_weighted_quantile_counts_weight_not_rows() -> None:
    values = np.array([0.1, 0.2, 0.3, 0.4])
    assert logistic.weighted_quantile(values, np.ones(4), 0.5) == 0.2
    assert logistic.weighted_quantile(values, np.array([0.0, 0.0, 1.0, 1.0]), 0.25) == 0.3


class _FakeMultilingual(HashingEmbedder):
    """A second encoder with e5's interface, for the shape of the cross-lingual cases."""

    def encode_queries(self, texts):
        return self.encode(texts)


def _crosslingual_cases(articles: int, *more) -> tuple[list, Any, list, list]:
    """(documents, corpus, questions, cases): ``kizuna fit``'s cross-lingual cases over the
    first ``articles`` test articles, for a Turkish and a Japanese question about the first
    two, a Turkish one about nothing, and ``more`` questions after them."""
    from bot.fit_cmd import crosslingual_cases
    from index.evaluation import CasualQuestion, load_squad

    documents = load_squad(SQUAD).documents[:articles]
    encoder = _FakeMultilingual(64, "test/e5")
    corpus, _ = embed_documents(documents, HashingEmbedder(), IndexParams(), {}, multilingual=encoder)
    asked = [
        CasualQuestion("Normanlar adını hangi bölgeye verdi?", "Normans.txt", "gave their name to Normandy", "answerable", "tr"),
        CasualQuestion("石油危機はいつ始まった？", "1973_oil_crisis.txt", "began in October 1973", "answerable", "ja"),
        CasualQuestion("Bu akşam ne pişirsem?", None, None, "off_topic", "tr"),
        *more,
    ]
    read = [q.question for q in asked]
    return documents, corpus, asked, crosslingual_cases(documents, asked, read, encoder.encode_queries(read), corpus)


def test_crosslingual_cases_ask_off_topic_questions_of_every_article(monkeypatch) -> None:
    from bot.fit_cmd import SMALL_SCOPE
    from index import fitting_crosslingual

    given = []  # (question, article asked of, how many reference questions, how many answerable)
    real = fitting_crosslingual.make_cross_case

    def spy(question, language, group, role, corpus, scope, q_vec, gold, references):
        given.append((question, int(corpus.doc_ids[scope[0]]), len(references.questions), len(references.answerable)))
        return real(question, language, group, role, corpus, scope, q_vec, gold, references)

    monkeypatch.setattr(fitting_crosslingual, "make_cross_case", spy)

    documents, corpus, asked, cases = _crosslingual_cases(3)  # the third article has no question: never a topic

    def articles(case) -> set[int]:
        return set(corpus.doc_ids[case.found.rows].tolist())

    small = 2 * SMALL_SCOPE + 1
    off = [c for c in cases if c.question == asked[2].question]
    assert all(c.role == "off_topic" for c in off)
    # Of both articles questions are about, each whole and cut to the seed article's size.
    assert sorted((min(articles(c)), len(c.found.rows) <= small) for c in off) == [(0, False), (0, True), (1, False), (1, True)]
    assert {c.group for c in off} == {documents[0].title}  # one fold: no fold sees it fitted and measured
    for q, own, other in ((asked[0], 0, 1), (asked[1], 1, 0)):
        mine = [c for c in cases if c.question == q.question]
        answerable = [c for c in mine if c.role == "answerable"]
        # Of its own article at both sizes, its answer in scope; of the next one as off-topic.
        assert len(answerable) == 2 and all(c.gold.sum() == 1 and articles(c) == {own} for c in answerable)
        assert [articles(c) for c in mine if c.role == "off_topic"] == [{other}, {other}]
    # The hub's reference questions: never the question itself, nor one about the article
    # it is asked of or about its own; the topic model's, only answerable ones.
    assert set(given) == {
        (asked[0].question, 0, 2, 1), (asked[0].question, 1, 1, 0),
        (asked[1].question, 1, 2, 1), (asked[1].question, 0, 1, 0),
        (asked[2].question, 0, 1, 1), (asked[2].question, 1, 1, 1),
    }


def test_an_off_topic_question_written_beside_an_article_falls_in_its_fold() -> None:
    """A near-domain question (on an article's subject, not answered there) is asked of
    every article like any off-topic one, but measured with the article it was written
    beside: its hardest case is there, and that fold's fit must not have seen it."""
    from index.evaluation import CasualQuestion

    near_domain = CasualQuestion("Petrol krizinde Türkiye'de benzin kaç liraydı?", "1973_oil_crisis.txt", None, "off_topic", "tr")
    documents, _, asked, cases = _crosslingual_cases(2, near_domain)
    near = [c for c in cases if c.question == asked[3].question]
    assert {c.role for c in near} == {"off_topic"} and len(near) == 4  # both articles, each at both sizes
    assert {c.group for c in near} == {documents[1].title}
    assert {c.group for c in cases if c.question == asked[2].question} == {documents[0].title}  # the others in turn, as before


def test_reference_questions_can_stop_at_the_shipped_ones() -> None:
    """``references_from``: questions after the first n (a check the shipped engine never
    saw, bench/unseen_articles.py) are never reference questions, as they are not in the
    shipped reference file; the other exclusions still hold, and an off-topic question
    about no article has no other such question among its references (its twin in the
    other language would be one)."""
    import numpy as np

    from bot.fit_cmd import references_leaving_out
    from index.evaluation import CasualQuestion

    asked = [
        CasualQuestion("a", "A.txt", "x", "answerable", "tr"),
        CasualQuestion("b", "B.txt", "y", "answerable", "tr"),
        CasualQuestion("c", None, None, "off_topic", "tr"),
        CasualQuestion("d", "C.txt", "z", "answerable", "ja"),
        CasualQuestion("e", None, None, "off_topic", "ja"),
    ]
    vectors = np.eye(5, dtype=np.float32)  # row i is question i's vector: which rows came back says which questions
    every = references_leaving_out(asked, vectors, 3, "A.txt")
    assert every.questions.argmax(axis=1).tolist() == [1, 2, 4]  # not itself, not one about A
    assert every.answerable.argmax(axis=1).tolist() == [1]
    shipped = references_leaving_out(asked, vectors, 3, "A.txt", references_from=3)
    assert shipped.questions.argmax(axis=1).tolist() == [1, 2]
    assert shipped.answerable.argmax(axis=1).tolist() == [1]
    assert references_leaving_out(asked, vectors, 4, "B.txt").questions.argmax(axis=1).tolist() == [0, 3]
