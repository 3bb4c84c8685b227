"""The topic model's two margins (index/standing_out.py) and the English reference questions behind one of them."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from index import reference_questions
from index.evaluation import load_casual_questions
from index.ranking import rank
from index.reference_questions import References, hubness, sentence_hubness
from index.standing_out import standing_out

ROOT = Path(__file__).resolve().parent.parent


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _corpus(n: int = 40, d: int = 16, seed: int = 0) -> SimpleNamespace:
    return SimpleNamespace(sentence_vectors=_unit(np.random.default_rng(seed).normal(size=(n, d))), derived={})


def test_both_margins_are_the_best_discounted_cosine_over_the_scopes_mean():
    corpus = _corpus()
    rng = np.random.default_rng(1)
    q = _unit(rng.normal(size=(1, 16)))[0]
    hub = rng.uniform(0.1, 0.5, size=40).astype(np.float32)
    scope = np.arange(5, 30)
    vectors = corpus.sentence_vectors[scope]
    cosines = vectors @ q
    centrality = vectors @ vectors.mean(axis=0)
    discounted, hub_discounted = standing_out(corpus, scope, cosines, q, scope, hub)
    assert discounted == pytest.approx((cosines - centrality).max() - (cosines - centrality).mean(), abs=1e-5)
    assert hub_discounted == pytest.approx((cosines - hub[scope]).max() - (cosines - hub[scope]).mean(), abs=1e-5)
    # Without reference questions the second is the plain margin of the best cosine over the mean.
    assert standing_out(corpus, scope, cosines, q, scope, None)[1] == pytest.approx(cosines.max() - cosines.mean(), abs=1e-5)


def test_the_means_cover_the_whole_scope_when_only_candidates_are_scored():
    """Past the exact scan the first stage scores candidates only; the mean must still be the scope's."""
    corpus = _corpus(seed=2)
    q = corpus.sentence_vectors[3]
    hub = np.linspace(0.1, 0.4, 40).astype(np.float32)
    candidates = np.array([3, 7, 11])
    all_cosines = corpus.sentence_vectors @ q
    discounted, hub_discounted = standing_out(corpus, candidates, all_cosines[candidates], q, None, hub)
    assert hub_discounted == pytest.approx((all_cosines - hub)[candidates].max() - (all_cosines - hub).mean(), abs=1e-5)
    centrality = corpus.sentence_vectors @ corpus.sentence_vectors.mean(axis=0)
    assert discounted == pytest.approx((all_cosines - centrality)[candidates].max() - (all_cosines - centrality).mean(), abs=1e-5)


def test_a_best_sentence_near_questions_about_anything_stands_out_less():
    corpus = _corpus(seed=3)
    q = corpus.sentence_vectors[0]
    scope = np.arange(40)
    cosines = corpus.sentence_vectors @ q
    plain = np.full(40, 0.2, np.float32)
    hubbed = plain.copy()
    hubbed[0] = 0.6  # the sentence the question lands on is near every kind of question
    assert standing_out(corpus, scope, cosines, q, scope, hubbed)[1] < standing_out(corpus, scope, cosines, q, scope, plain)[1] - 0.3


def test_hubness_in_chunks_is_the_same_as_at_once(monkeypatch):
    sentences = _corpus(n=50, seed=4).sentence_vectors
    questions = _corpus(n=30, seed=5).sentence_vectors
    whole = hubness(sentences, questions)
    monkeypatch.setattr(reference_questions, "_CHUNK", 7)
    assert np.allclose(hubness(sentences, questions), whole, atol=1e-6)
    nearest = np.sort(questions @ sentences[12])[::-1][: reference_questions.HUB_NEIGHBOURS].mean()
    assert whole[12] == pytest.approx(nearest, abs=1e-5)


def test_sentence_hubness_is_computed_once_per_corpus_and_off_without_references():
    corpus = _corpus(seed=6)
    references = References(_corpus(n=20, seed=7).sentence_vectors, _corpus(n=20, seed=7).sentence_vectors)
    first = sentence_hubness(corpus, references)
    assert first is sentence_hubness(corpus, references) and first.shape == (40,)
    assert sentence_hubness(corpus, None) is None
    other = _corpus(seed=6)  # equal vectors, another corpus: computed anew
    assert sentence_hubness(other, references) is not first and np.allclose(sentence_hubness(other, references), first)


def test_reference_questions_about_an_article_can_be_left_out(tmp_path):
    path = tmp_path / "english.npz"
    vectors = np.eye(4, 8, dtype=np.float32)
    encoder = SimpleNamespace(name="test/minilm", version="1")
    reference_questions.save(vectors, [True] * 4, encoder, path, ["A", "B", "A", "C"])
    loaded = reference_questions.for_encoder(encoder, path)
    assert list(loaded.groups) == ["A", "B", "A", "C"]
    assert np.allclose(loaded.leaving_out("A"), vectors[[1, 3]]) and np.allclose(loaded.leaving_out("A", "C"), vectors[[1]])
    assert np.allclose(loaded.leaving_out(), vectors)


def test_the_shipped_english_references_are_minilms_vectors_of_the_training_questions(embedder):
    shipped = reference_questions.for_encoder(embedder, reference_questions.ENGLISH_PATH)
    assert shipped is not None, "index/reference_questions_english.npz is missing or was written by another model"
    casual = [q for q in load_casual_questions(ROOT / "bench" / "data" / "casual_train_questions.jsonl") if q.role == "answerable"]
    assert shipped.questions.shape[1] == embedder.dimension and len(shipped.questions) > len(casual)
    # SQuAD's and the chat-typed training questions, never the seed article's own.
    assert "article" not in set(shipped.groups) and len(set(shipped.groups)) == 16
    for q in (casual[0], casual[-1]):
        assert float((shipped.questions @ embedder.encode([q.question])[0]).max()) > 0.99
    off_topic = [q for q in load_casual_questions(ROOT / "bench" / "data" / "casual_train_questions.jsonl") if q.role != "answerable"]
    assert float((shipped.questions @ embedder.encode([off_topic[0].question])[0]).max()) < 0.99


def test_the_engine_ranks_english_questions_with_the_sentences_hubness(article_engine, monkeypatch):
    """The hubness reaches the ranking, and an off-topic question stands out less than one the article answers."""
    from index import engine as engine_module

    seen = []

    def spy(*args, **kwargs):
        ranking = rank(*args, **kwargs)
        seen.append((args[7] if len(args) > 7 else kwargs.get("hub"), ranking.topic))
        return ranking

    monkeypatch.setattr(engine_module, "rank", spy)
    article_engine.ask("when did relations begin?")
    article_engine.ask("what is the capital of France?")
    (hub, on), (_, off) = seen
    assert hub is not None and hub.shape == (len(article_engine.corpus.sentences),) and hub.std() > 0
    assert on.hub_discounted > off.hub_discounted


@pytest.fixture
def started(monkeypatch) -> list:
    """Every thread the engine module starts, from the moment the test asks for this."""
    from index import engine as engine_module

    threads = []
    real = engine_module.threading.Thread

    def recording(*args, **kwargs):
        thread = real(*args, **kwargs)
        threads.append(thread)
        return thread

    monkeypatch.setattr(engine_module.threading, "Thread", recording)
    return threads


def test_a_large_builds_hubness_is_computed_when_it_is_put_in_service(embedder, seeds, tmp_path, monkeypatch, started):
    """Past ``WARM_HUBNESS_FROM`` sentences the engine computes it in the background on
    install, so the first question does not pay seconds for it; the result is the one a
    question would compute."""
    from index import engine as engine_module

    monkeypatch.setattr(engine_module, "WARM_HUBNESS_FROM", 0)
    engine = engine_module.Engine.open(seeds, tmp_path / "index", embedder)
    warming = [t for t in started if t.name == "kizuna-warm"]
    assert len(warming) == 1  # one build put in service, one computation
    warming[0].join(timeout=60)
    references, warmed = engine.corpus.derived["hubness"]
    assert warmed.shape == (len(engine.corpus.sentences),) and warmed.std() > 0
    assert engine._hubness(engine.corpus) is warmed  # the question reuses it
    assert np.allclose(warmed, hubness(engine.corpus.sentence_vectors, references.questions))
    assert "foreign" not in engine.corpus.derived  # without the multilingual encoder no English question needs it


def test_a_large_builds_document_languages_are_read_when_it_is_put_in_service(seeds, tmp_path, monkeypatch, started):
    from index import engine as engine_module
    from index.crosslingual import foreign_sentences
    from index.embedder import HashingEmbedder
    from conftest import FakeMultilingual

    monkeypatch.setattr(engine_module, "WARM_HUBNESS_FROM", 0)
    engine = engine_module.Engine.open(seeds, tmp_path / "index", HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5"))
    [warming] = [t for t in started if t.name == "kizuna-warm"]
    warming.join(timeout=60)
    warmed = engine.corpus.derived["foreign"]
    assert warmed.shape == (len(engine.corpus.sentences),) and not warmed.any()  # the article is English
    assert foreign_sentences(engine.corpus) is warmed  # the question reuses it
