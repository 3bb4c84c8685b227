"""The fused score for questions in other languages: what each signal does to the order."""
import numpy as np
import pytest

from index.crosslingual import CrossCandidates, CrossWeights, fused_scores
from index.embedder import HashingEmbedder
from index.reference_questions import HUB_NEIGHBOURS, hubness


def _two(cosine, centrality, hub=(0.0, 0.0)) -> CrossCandidates:
    zeros = np.zeros(2, np.float32)
    return CrossCandidates(np.arange(2), np.array(cosine, np.float32), zeros, zeros, zeros,
                           np.array(centrality, np.float32), np.array(hub, np.float32), zeros, zeros, 0.0, 0.0, False, 2)


def test_a_sentence_close_to_every_other_loses_a_tie_on_cosine():
    found = _two([0.80, 0.80], [0.90, 0.40])  # the first is the hub
    tied = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.0))
    assert tied[0] == tied[1]
    marked = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.1))
    assert marked[1] > marked[0]


def test_centrality_never_outweighs_a_clearly_better_cosine_at_a_small_weight():
    found = _two([0.90, 0.70], [0.90, 0.40])
    fused = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.1))
    assert fused[0] > fused[1]


def test_a_sentence_close_to_many_other_questions_loses_a_tie_on_cosine():
    found = _two([0.80, 0.80], [0.5, 0.5], hub=[0.85, 0.70])  # the first is near many questions
    assert np.ptp(fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.0, 0.0))) == 0
    marked = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.0, 0.1))
    assert marked[1] > marked[0]


def test_hubness_is_the_mean_cosine_to_the_nearest_reference_questions():
    rng = np.random.default_rng(7)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    sentences, questions = unit(rng.normal(size=(5, 16))), unit(rng.normal(size=(40, 16)))
    hub = hubness(sentences, questions)
    for row, value in zip(sentences, hub):
        nearest = np.sort(questions @ row)[::-1][:HUB_NEIGHBOURS]
        assert np.isclose(value, nearest.mean(), atol=1e-6)
    # Fewer questions than the neighbourhood: all of them; none at all: the signal is off.
    assert np.allclose(hubness(sentences, questions[:3]), (sentences @ questions[:3].T).mean(axis=1), atol=1e-6)
    assert not hubness(sentences, None).any() and not hubness(sentences, questions[:0]).any()


def test_a_sentence_holding_the_glosses_of_a_japanese_questions_words_wins_a_tie():
    zeros = np.zeros(2, np.float32)
    found = CrossCandidates(np.arange(2), np.array([0.8, 0.8], np.float32), zeros, zeros, zeros, zeros, zeros, zeros,
                            np.array([0.0, 0.75], np.float32), 0.0, 0.0, False, 2)
    tied = fused_scores(found, CrossWeights(1.0, 0.0, 0.0))
    assert tied[0] == tied[1]
    assert fused_scores(found, CrossWeights(1.0, 0.0, 0.0, glosses=0.5))[1] > tied[0]


def test_a_rare_words_gloss_counts_for_more_than_a_common_ones():
    """As in token matching: of a question's two words, the one most candidates gloss
    ("countries") says less about which sentence answers than the one few do."""
    from types import SimpleNamespace

    from index.crosslingual import _glosses
    from index.lexical import stems

    texts = ["Relations improved after the visit.", "Both countries agreed.", "The countries met in Ankara."]
    corpus = SimpleNamespace(sentences=[SimpleNamespace(text=t) for t in texts])
    shares, known = _glosses((stems("relations"), stems("countries")), corpus, np.arange(3))
    assert shares[0] > shares[1] == shares[2] > 0
    assert known == 1.0  # both words are held somewhere: the scope-wide share is not weighted
    assert np.isclose(_glosses((stems("relations"),), corpus, np.arange(3))[0], [1.0, 0.0, 0.0]).all()


def test_a_short_table_row_is_a_candidate_when_its_header_makes_it_long_enough():
    # Under four words a sentence is no candidate for a question in another language (e5
    # puts short texts near every short question); a table's row is read with its header.
    from index.building import embed_documents
    from index.corpus import IndexParams
    from index.crosslingual import _long_enough
    from index.documents import Document
    from index.embedder import HashingEmbedder

    text = "| Game | Day | Prize |\n|---|---|---|\n| Chess | Sunday | Nitro |\n\nANKARA (Turkey)\n\nShort line here."
    corpus, _ = embed_documents([Document("a.md", "A", None, text, 0, "x")], HashingEmbedder(), IndexParams(), {})
    long_enough = dict(zip((s.text for s in corpus.sentences), _long_enough(corpus).tolist()))
    assert long_enough == {"| Game | Day | Prize |": False, "| Chess | Sunday | Nitro |": True,
                           "ANKARA (Turkey)": False, "Short line here.": False}


def test_over_a_whole_corpus_a_question_is_ranked_among_its_nearest_sentences_its_topic_read_over_all(seeds, tmp_path, monkeypatch):
    """The weights were fitted on one article at a time; over many documents the
    question is ranked among the sentences nearest it, as a corpus of that size would
    be, and whether it is on topic is still read over everything."""
    from conftest import FakeMultilingual

    from index import Engine, crosslingual
    from index.embedder import HashingEmbedder

    corpus = Engine.open(seeds, tmp_path / "idx", HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5")).corpus
    question = "İlişkiler ne zaman başladı?"
    vector = FakeMultilingual(64, "test/e5").encode_queries([question])[0]
    everything = crosslingual.rank_crosslingual(corpus, question, vector)
    monkeypatch.setattr(crosslingual, "_POOL", 5)
    pooled = crosslingual.rank_crosslingual(corpus, question, vector)
    cosines = corpus.multilingual[everything.rows] @ vector
    assert len(everything.rows) > 5 and len(pooled.rows) == 5
    among = np.isin(everything.rows, pooled.rows)
    assert among.sum() == 5 and cosines[among].min() >= cosines[~among].max() and cosines.max() > cosines.min()
    assert pooled.on_topic == everything.on_topic
    scoped = crosslingual.rank_crosslingual(corpus, question, vector, scope=np.arange(len(corpus.sentences)))
    assert len(scoped.rows) == len(everything.rows)  # a scope that is given is ranked whole, as the fit's articles were


def test_a_scope_past_the_full_scan_is_searched_for_its_nearest_sentences(seeds, tmp_path, monkeypatch):
    """As the whole corpus is past that size: an English question over a large body of
    documents in another language is a scope, and scoring each sentence grows with it."""
    from conftest import FakeMultilingual

    from index import Engine, crosslingual
    from index.embedder import HashingEmbedder

    corpus = Engine.open(seeds, tmp_path / "idx", HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5")).corpus
    question = "İlişkiler ne zaman başladı?"
    vector = FakeMultilingual(64, "test/e5").encode_queries([question])[0]
    scope = np.arange(1, len(corpus.sentences))  # all but the first sentence
    whole = crosslingual.rank_crosslingual(corpus, question, vector, scope=scope)
    monkeypatch.setattr(crosslingual, "_FULL_SCAN", 8)
    monkeypatch.setattr(crosslingual, "_POOL", 5)
    searched = crosslingual.rank_crosslingual(corpus, question, vector, scope=scope)
    cosines = corpus.multilingual[whole.rows] @ vector
    among = np.isin(whole.rows, searched.rows)
    assert len(whole.rows) > 8 and len(searched.rows) <= 5 and set(searched.rows.tolist()) <= set(scope.tolist())
    assert among.sum() == len(searched.rows) and cosines[among].min() >= cosines[~among].max()


def test_the_topic_evidence_counts_every_quotable_sentence_searched_not_only_the_candidates(seeds, tmp_path, monkeypatch):
    """The more sentences a question is searched over, the nearer the nearest comes by
    chance: the topic model reads how many there were, also when only the nearest
    ``_POOL`` of them are candidates (a corpus past ``_FULL_SCAN``)."""
    from conftest import FakeMultilingual

    from index import Engine, crosslingual
    from index.answer_types import Kind

    corpus = Engine.open(seeds, tmp_path / "idx", HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5")).corpus
    question = "İlişkiler ne zaman başladı?"
    vector = FakeMultilingual(64, "test/e5").encode_queries([question])[0]
    quotable = np.array([crosslingual.word_count(s.text) >= crosslingual.MIN_WORDS for s in corpus.sentences]) & ~corpus.headings
    assert 8 < quotable.sum() < len(corpus.sentences)  # the seeds have short lines and headings, left out

    everything = crosslingual.candidates(corpus, question, vector, None, Kind.TIME)
    assert everything.searched == quotable.sum() == len(everything.rows)
    assert crosslingual.topic_evidence(everything).searched == pytest.approx(np.log(quotable.sum()))
    half = np.arange(len(corpus.sentences) // 2)
    assert crosslingual.candidates(corpus, question, vector, half, Kind.TIME).searched == quotable[half].sum()

    monkeypatch.setattr(crosslingual, "_FULL_SCAN", 8)
    monkeypatch.setattr(crosslingual, "_POOL", 5)
    pooled = crosslingual.candidates(corpus, question, vector, None, Kind.TIME)
    assert len(pooled.rows) <= 5 and pooled.searched == quotable.sum()
    scoped = crosslingual.candidates(corpus, question, vector, np.arange(len(corpus.sentences)), Kind.TIME)
    assert len(scoped.rows) <= 5 and scoped.searched == quotable.sum()


def test_the_same_evidence_over_more_sentences_is_read_as_less_on_topic():
    """What the fit learned from its two sizes of scope (15 sentences, whole articles):
    a best sentence as near, among more sentences, is likelier to be near by chance."""
    from dataclasses import replace

    from index.crosslingual import CrossTopic, shipped_calibration

    topic = shipped_calibration().topic
    small = CrossTopic(best_cosine=0.88, spread=0.03, known_names=0.0, relative=0.1, discounted=0.08,
                       hub_discounted=0.1, searched=float(np.log(15)))
    large = replace(small, searched=float(np.log(3592)))
    assert topic.probability(large.vector()) < topic.probability(small.vector())
