"""Ranking logic on a fake embedder: fusion, coverage, evidence, calibration, speed shape."""
from __future__ import annotations

import numpy as np
import pytest

from index.building import embed_documents
from index.corpus import IndexParams
from index.documents import Document
from index.embedder import HashingEmbedder
from index.lexical import bm25_scores, content_words, soft_coverage, tokenize
from index.ranking import Calibration, Logistic, Weights, rank

TEXT = (
    "Diplomatic relations began in 1924. The first mission opened in 1925.\n\n"
    "The meeting lasted about 25 minutes. It was held by video link.\n\n"
    "Osaka hosts the expo. The city expects many visitors."
)


def _corpus():
    doc = Document("a.txt", "Relations", None, TEXT, 0, "x")
    corpus, _ = embed_documents([doc], HashingEmbedder(), IndexParams(), {})
    return corpus


def test_rank_finds_the_sentence_and_offsets_hold() -> None:
    corpus = _corpus()
    emb = HashingEmbedder()
    for question, expected in [("when did diplomatic relations begin", "1924"), ("how long did the meeting last", "25 minutes")]:
        r = rank(corpus, question, emb.encode([question]))
        s = corpus.sentences[int(r.rows[0])]
        assert expected in s.text
        assert corpus.documents[s.doc].text[s.start : s.end] == s.text
        assert r.verdict in ("answer", "likely", "not_found") and r.evidence is not None and r.topic is not None
        assert r.evidence.dense_sentence == pytest.approx(float(corpus.sentence_vectors[r.rows[0]] @ emb.encode([question])[0]), abs=1e-5)


def test_one_signal_weights_rank_exactly_as_that_signal_does() -> None:
    # Oracle: BM25 computed apart, scaled by hand; the fused ranking must reproduce it.
    corpus = _corpus()
    q = "when did the meeting last"
    only = Weights(token_match=0, dense_sentence=0, lexical_sentence=1, lexical_chunk=0, kind=0, length=0)
    r = rank(corpus, q, HashingEmbedder().encode([q]), None, only)
    raw = bm25_scores(corpus.bm25_sentences, tokenize([q])[0])
    expected = (raw - raw.min()) / (raw.max() - raw.min())
    assert int(r.rows[0]) == int(np.argmax(raw))
    assert r.scores == pytest.approx(expected[r.rows], abs=1e-6)


def test_lexical_window_is_the_sentence_and_the_one_before() -> None:
    corpus = _corpus()
    scores = bm25_scores(corpus.bm25_chunks, tokenize(["relations mission"])[0])
    # The second sentence's window holds "relations" from the first: both terms match.
    assert scores[1] > scores[0] > 0 and scores[2] == 0


def test_soft_coverage_forgives_inflection_derivation_typos_and_accents() -> None:
    corpus = _corpus()
    text = corpus.sentences[0].text  # "Diplomatic relations began in 1924."
    assert soft_coverage(corpus.bm25_chunks, content_words("when did diplomatic realtions begin"), text) == 1.0
    assert soft_coverage(corpus.bm25_chunks, content_words("Diplomatíc relations?"), text) == 1.0
    half = soft_coverage(corpus.bm25_chunks, content_words("relations with france"), text)
    assert 0 < half < 1
    assert soft_coverage(corpus.bm25_chunks, [], text) == 0.0


def test_a_logistic_model_is_the_sigmoid_of_its_linear_score() -> None:
    model = Logistic(-1.0, (2.0, -3.0))
    assert model.probability(np.array([0.5, 0.0])) == pytest.approx(0.5)
    assert model.probability(np.array([1.0, 0.5])) == pytest.approx(1 / (1 + np.exp(0.5)))


def test_a_question_in_words_the_documents_never_use_is_off_topic() -> None:
    corpus = _corpus()
    emb = HashingEmbedder()
    calibration = Calibration()
    on = rank(corpus, "when did diplomatic relations begin", emb.encode(["when did diplomatic relations begin"]))
    off = rank(corpus, "recipe for sourdough bread starter", emb.encode(["recipe for sourdough bread starter"]))
    assert off.topic.unknown == 1.0 and on.topic.unknown == 0.0
    assert off.on_topic < on.on_topic and off.verdict == "not_found"
    assert calibration.verdict(off.confidence, off.on_topic) == off.verdict


def test_scope_restricts_rows() -> None:
    corpus = _corpus()
    scope = np.array([2, 3])
    r = rank(corpus, "osaka expo", HashingEmbedder().encode(["osaka expo"]), scope)
    assert set(r.rows.tolist()) == {2, 3}


def test_mistyped_question_words_are_not_taken_for_topics() -> None:
    from index.lexical import Vocabulary

    vocabulary = Vocabulary.from_texts(["The form was filled in."])
    assert content_words("whne did waht happen") == ["whne", "waht"]
    assert content_words("whne did waht happen", vocabulary) == []
    # A real word the corpus uses stays a topic word even if it is a swapped "from".
    assert content_words("which form", vocabulary) == ["form"]
