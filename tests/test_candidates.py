"""The first stage's search past a size: an inverted-file index that finds what the exact scan finds."""
from __future__ import annotations

import numpy as np

from index import Engine, candidates, ranking, store
from index.corpus import flat_index
from index.embedder import HashingEmbedder


def _clustered(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, d))
    vectors = centres[rng.integers(0, 40, n)] + 0.3 * rng.normal(size=(n, d))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_small_corpora_keep_the_exact_scan():
    assert candidates.coarse_index(_clustered(500)) is None


def test_the_coarse_search_finds_most_of_what_the_exact_one_finds(monkeypatch):
    monkeypatch.setattr(candidates, "COARSE_FROM", 1000)
    monkeypatch.setattr(candidates, "SENTENCES_PER_CELL", 100)
    vectors = _clustered(4000)
    coarse = candidates.coarse_index(vectors)
    exact = flat_index(vectors)
    assert coarse is not None and coarse.ntotal == 4000
    questions = _clustered(50, seed=1)
    kept = []
    for q in questions:
        best = candidates.nearest(exact, None, q[None], 10)
        found = candidates.nearest(exact, coarse, q[None], 50)
        assert len(found) == len(set(found.tolist())) and (found >= 0).all()
        kept.append(len(set(best.tolist()) & set(found.tolist())) / 10)
    assert np.mean(kept) >= 0.9
    assert candidates.nearest(exact, None, questions[:1], 10)[0] == int(np.argmax(vectors @ questions[0]))


def test_a_large_build_stores_its_coarse_index_and_answers_through_it(seeds, tmp_path, monkeypatch):
    monkeypatch.setattr(candidates, "COARSE_FROM", 8)
    monkeypatch.setattr(ranking, "_FULL_SCAN", 4)  # so the first stage searches instead of scoring all
    (seeds / "tea.md").write_text("# Tea\n\nMatcha is whisked with a bamboo whisk. Gyokuro was first made in 1835.\n", encoding="utf-8")
    built = Engine.open(seeds, tmp_path / "idx", HashingEmbedder())
    assert built.corpus.coarse is not None
    assert (store.current_build(tmp_path / "idx") / "sentences-coarse.faiss").is_file()
    searched = []
    real = candidates.nearest
    monkeypatch.setattr(ranking, "nearest", lambda exact, coarse, q, k: searched.append(coarse) or real(exact, coarse, q, k))
    opened = Engine.open(seeds, tmp_path / "idx", HashingEmbedder())
    assert opened.corpus.coarse is not None and opened.corpus.coarse.ntotal == opened.sentence_count
    assert opened.ask("when was gyokuro first made").quote == "Gyokuro was first made in 1835."
    assert searched and searched[0] is opened.corpus.coarse


def test_multilingual_vectors_get_their_own_coarse_index_and_questions_in_other_languages_use_it(seeds, tmp_path, e5, monkeypatch):
    from index import crosslingual

    monkeypatch.setattr(candidates, "COARSE_FROM", 8)
    monkeypatch.setattr(crosslingual, "_FULL_SCAN", 4)
    Engine.open(seeds, tmp_path / "idx", HashingEmbedder(), multilingual=e5)
    assert (store.current_build(tmp_path / "idx") / "multilingual-coarse.faiss").is_file()
    searched = []
    real = candidates.nearest
    monkeypatch.setattr(crosslingual, "nearest", lambda exact, coarse, q, k: searched.append(coarse) or real(exact, coarse, q, k))
    opened = Engine.open(seeds, tmp_path / "idx", HashingEmbedder(), multilingual=e5)
    assert opened.corpus.coarse_multilingual is not None
    answer = opened.ask("Türkiye ile Japonya arasındaki diplomatik ilişkiler hangi yılda kuruldu?")
    assert answer.crosslingual and searched and searched[0] is opened.corpus.coarse_multilingual
    assert answer.quote.startswith("Diplomatic relations began in 1924")
