"""Ranking logic on a fake embedder: fusion, coverage, evidence, calibration, speed shape."""
from __future__ import annotations

import numpy as np

from index.corpus import IndexParams, embed_documents
from index.documents import Document
from index.embedder import HashingEmbedder
from index.lexical import bm25_scores, content_words, soft_coverage, tokenize
from index.ranking import Calibration, Evidence, Weights, rank

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
        assert 0.0 <= r.confidence <= 1.0 and r.evidence is not None


def test_one_signal_weights_order_by_that_signal() -> None:
    corpus = _corpus()
    q = "when did the meeting last"
    only = Weights(token_match=0, dense_sentence=0, dense_chunk=0, lexical_sentence=1, lexical_chunk=0, kind=0, length=0)
    r = rank(corpus, q, HashingEmbedder().encode([q]), None, only)
    assert np.all(np.diff(r.scores) <= 1e-9)


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


def test_unknown_words_lower_confidence() -> None:
    calib = Calibration()
    known = Evidence(0.6, 0.6, 0.6, 0.0, 0.0, 0.5)
    unknown = Evidence(0.6, 0.6, 0.6, 1.0, 0.0, 0.5)
    assert calib.confidence(known) > calib.threshold > calib.confidence(unknown)


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
