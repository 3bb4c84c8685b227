"""Token matching: the flat token store, rarity weights, MaxSim with the sentence before."""
from __future__ import annotations

import numpy as np
import pytest

from index import Engine, store
from index.building import embed_documents
from index.corpus import IndexParams
from index.documents import Document
from index.embedder import HashingEmbedder
from index.ranking import SHORTLIST_WEIGHTS, rank
from index.tokens import TokenVectors, before_discount, paragraph_before_discount, token_match


def _one_hot(ids, dimension=8):
    vectors = np.zeros((len(ids), dimension), np.float32)
    vectors[np.arange(len(ids)), ids] = 1.0
    return vectors, np.array(ids, np.int32)


def test_token_store_keeps_each_text_and_slices_without_copying() -> None:
    store_ = TokenVectors.from_texts([_one_hot([1, 2]), _one_hot([]), _one_hot([3]), _one_hot([4, 5])], 8)
    assert len(store_) == 4 and store_.codes.dtype == np.int8
    assert store_.of(0)[1].tolist() == [1, 2] and store_.of(1)[1].tolist() == [] and store_.of(2)[1].tolist() == [3]
    middle = store_.slice(1, 3)
    assert [middle.of(i)[1].tolist() for i in range(len(middle))] == [[], [3]]
    assert np.array_equal(middle.of(1)[0], store_.of(2)[0])
    assert np.shares_memory(middle.codes, store_.codes)  # a rebuild's cache holds views, not copies
    assert TokenVectors.concat([store_.slice(3, 4), store_.slice(0, 1)], 8).ids.tolist() == [4, 5, 1, 2]
    assert len(TokenVectors.from_texts([], 8)) == 0


def test_int8_codes_keep_vectors_and_their_similarities() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[7] = 0.0  # a zero vector must not divide by zero
    store_ = TokenVectors.from_texts([(vectors, np.arange(50, dtype=np.int32))], 384)
    restored = store_.of(0)[0]
    assert store_.codes.dtype == np.int8 and store_.codes.nbytes == vectors.size
    assert np.abs(restored - vectors).max() < 0.01
    assert np.all(restored[7] == 0)
    cosines = vectors @ vectors.T
    assert np.abs(restored @ restored.T - cosines).max() < 0.01


def test_concatenating_stores_copies_codes_without_requantizing() -> None:
    a = TokenVectors.from_texts([_one_hot([1, 2]), _one_hot([])], 8)
    b = TokenVectors.from_texts([_one_hot([3])], 8)
    empty = TokenVectors.from_texts([_one_hot([])], 16)  # an empty part of another width is fine
    joined = TokenVectors.concat([a, empty, b], 8)
    assert len(joined) == 4 and joined.offsets.tolist() == [0, 2, 2, 2, 3]
    assert [joined.of(i)[1].tolist() for i in range(4)] == [[1, 2], [], [], [3]]
    assert np.array_equal(joined.codes, np.concatenate([a.codes, b.codes]))
    assert len(TokenVectors.concat([], 8)) == 0


def test_rarity_counts_each_text_once() -> None:
    store_ = TokenVectors.from_texts([_one_hot([1, 1, 2]), _one_hot([1]), _one_hot([1, 3])], 8)
    rarity = store_.rarity()
    # id 1 is in every text (twice in one, which must not count twice); 2 and 3 in one.
    assert rarity[1] < rarity[2] == rarity[3]
    assert rarity[1] == pytest.approx(np.log(4 / 3.5))


def test_match_rewards_shared_tokens_and_weighs_rare_ones_more() -> None:
    texts = TokenVectors.from_texts([_one_hot([1, 2]), _one_hot([1, 3]), _one_hot([1, 4]), _one_hot([5])], 8)
    rows = np.arange(4)
    none_before = np.full(4, -1)
    scores = token_match(_one_hot([1, 2]), texts, texts.rarity(), rows, none_before)
    # Row 0 has both tokens; rows 1 and 2 only the common one; row 3 neither.
    assert scores[0] == pytest.approx(1.0)
    assert scores[3] == pytest.approx(0.0)
    assert scores[1] == pytest.approx(scores[2])
    assert 0 < scores[1] < 0.5  # the rare token carries most of the weight


def test_a_token_only_the_sentence_before_holds_counts_at_a_discount() -> None:
    texts = TokenVectors.from_texts([_one_hot([2]), _one_hot([3])], 8)
    question = _one_hot([2, 3])
    alone = token_match(question, texts, texts.rarity(), np.array([1]), np.array([-1]))
    with_before = token_match(question, texts, texts.rarity(), np.array([1]), np.array([0]))
    assert alone[0] == pytest.approx(0.5)
    assert with_before[0] == pytest.approx(0.5 + 0.5 * before_discount())


def test_each_row_can_have_its_own_discount() -> None:
    texts = TokenVectors.from_texts([_one_hot([2]), _one_hot([3]), _one_hot([2]), _one_hot([3])], 8)
    question = _one_hot([2, 3])
    scores = token_match(question, texts, texts.rarity(), np.array([1, 3]), np.array([0, 2]), np.array([0.85, 0.6], np.float32))
    assert scores[0] == pytest.approx(0.5 + 0.5 * 0.85)
    assert scores[1] == pytest.approx(0.5 + 0.5 * 0.6)


def test_the_first_sentence_of_a_paragraph_looks_back_across_it_at_a_larger_discount() -> None:
    text = "Expo 2025 opens in spring. It is big.\n\nThe city of Osaka is the setting."
    corpus, _ = embed_documents([Document("a.txt", "A", None, text, 0, "x")], HashingEmbedder(), IndexParams(), {})
    assert [s.paragraph for s in corpus.sentences] == [1, 1, 2]
    assert corpus.before.tolist() == [-1, 0, 1]
    assert corpus.before_discount[1] == pytest.approx(before_discount())
    assert corpus.before_discount[2] == pytest.approx(paragraph_before_discount())


def test_a_text_with_no_tokens_matches_nothing_and_does_not_crash() -> None:
    texts = TokenVectors.from_texts([_one_hot([]), _one_hot([2])], 8)
    scores = token_match(_one_hot([2]), texts, texts.rarity(), np.array([0, 1]), np.array([-1, 0]))
    assert scores[1] > scores[0]
    assert token_match(_one_hot([]), texts, texts.rarity(), np.array([0, 1]), np.array([-1, -1])).tolist() == [0, 0]


def test_real_model_tokens_skip_special_tokens_and_punctuation(embedder) -> None:
    vectors, tokens = embedder.encode_with_tokens(["When did relations begin?", "Türkiye, Japan."])
    assert np.allclose(vectors, embedder.encode(["When did relations begin?", "Türkiye, Japan."]), atol=1e-5)
    pieces = embedder.model.tokenizer.convert_ids_to_tokens(tokens[0][1].tolist())
    assert pieces == ["when", "did", "relations", "begin"]
    for token_vectors, ids in tokens:
        assert len(token_vectors) == len(ids) > 0
        assert np.allclose(np.linalg.norm(token_vectors, axis=1), 1.0, atol=1e-4)
    assert "," not in embedder.model.tokenizer.convert_ids_to_tokens(tokens[1][1].tolist())


class _NoTokens(HashingEmbedder):
    """A model with sentence vectors only, as static-embedding models are."""

    def encode_with_tokens(self, texts, batch_size=64):
        return self.encode(texts, batch_size), None


def test_a_model_without_token_vectors_still_builds_stores_and_answers(seeds, tmp_path) -> None:
    engine = Engine.open(seeds, tmp_path / "idx", _NoTokens())
    assert engine.corpus.tokens is None
    assert not (store.current_build(tmp_path / "idx") / "tokens.npy").exists()
    answer = engine.ask("when did diplomatic relations begin")
    assert "1924" in answer.quote
    reopened = Engine.open(seeds, tmp_path / "idx", _NoTokens())
    assert reopened.corpus.tokens is None and reopened.last_report.rebuilt is False


def test_token_vectors_survive_saving_and_an_incremental_rebuild(seeds, tmp_path) -> None:
    first = Engine.open(seeds, tmp_path / "idx", HashingEmbedder())
    assert first.corpus.tokens is not None and len(first.corpus.tokens) == len(first.corpus.sentences)
    (seeds / "sake.txt").write_text("Sake is brewed from polished rice.", encoding="utf-8")
    embedder = HashingEmbedder()
    again = Engine.open(seeds, tmp_path / "idx", embedder)
    assert embedder.calls == 1  # only the new sentence
    old_rows = [i for i, s in enumerate(again.corpus.sentences) if again.corpus.documents[s.doc].path != "sake.txt"]
    for new_row, old_row in zip(old_rows, range(len(first.corpus.sentences))):
        assert np.array_equal(again.corpus.tokens.of(new_row)[0], first.corpus.tokens.of(old_row)[0])
    loaded = Engine.open(seeds, tmp_path / "idx", HashingEmbedder()).corpus
    assert np.array_equal(loaded.tokens.codes, again.corpus.tokens.codes)
    assert np.array_equal(loaded.tokens.scales, again.corpus.tokens.scales)
    assert np.array_equal(loaded.tokens.offsets, again.corpus.tokens.offsets)


def test_without_question_tokens_the_ranking_is_the_shortlist_ranking(embedder) -> None:
    text = (
        "Diplomatic relations began in 1924.\n\nThe meeting lasted about 25 minutes.\n\n"
        "Osaka hosts the expo in 2025.\n\nThe ministers talked about trade."
    )
    corpus, _ = embed_documents([Document("a.txt", "Relations", None, text, 0, "x")], embedder, IndexParams(), {})
    question = "how long was the meeting"
    vectors, tokens = embedder.encode_with_tokens([question])
    plain = rank(corpus, question, vectors, None, q_tokens=None)
    first_stage = rank(corpus, question, vectors, None, SHORTLIST_WEIGHTS)
    assert plain.rows.tolist() == first_stage.rows.tolist()
    matched = rank(corpus, question, vectors, None, q_tokens=tokens[0])
    assert "25 minutes" in corpus.sentences[int(matched.rows[0])].text
    assert matched.evidence.token_match > 0 and plain.evidence.token_match == 0.0
    # Without token vectors the decision is the one fitted without them: the answer in
    # hand is still given, not refused for lack of a token matching score.
    assert matched.verdict != "not_found" and plain.verdict != "not_found"


def test_stored_codes_read_rows_windows_and_all_as_the_array_would(tmp_path):
    import gc

    from index.token_file import StoredCodes

    codes = np.random.default_rng(3).integers(-127, 128, size=(300, 12)).astype(np.int8)
    np.save(tmp_path / "tokens.npy", codes)
    stored = StoredCodes(tmp_path / "tokens.npy")
    assert stored.shape == (300, 12) and len(stored) == 300 and stored.nbytes == codes.nbytes
    picks = np.array([5, 6, 7, 40, 41, 299, 0])  # runs and a row out of order
    assert np.array_equal(stored[picks], codes[picks])
    window = stored[100:150]
    del stored
    gc.collect()  # the window keeps the file open
    assert np.array_equal(np.asarray(window), codes[100:150])
    assert np.array_equal(window[np.array([0, 49])], codes[[100, 149]])
    with pytest.raises(IndexError):
        window[np.array([50])]
    store_ = TokenVectors(window, np.ones(50, np.float32), np.arange(50, dtype=np.int32), np.array([0, 20, 50]))
    assert np.array_equal(store_.of(1)[0], codes[120:150].astype(np.float32))
    joined = TokenVectors.concat([store_.slice(1, 2), store_.slice(0, 1)], 12)
    assert np.array_equal(joined.codes, np.concatenate([codes[120:150], codes[100:120]]))


def test_stored_codes_cut_short_after_opening_fail_loudly(tmp_path):
    from index.token_file import StoredCodes

    np.save(tmp_path / "tokens.npy", np.ones((100, 8), np.int8))
    stored = StoredCodes(tmp_path / "tokens.npy")
    with (tmp_path / "tokens.npy").open("r+b") as fh:
        fh.truncate(200)
    with pytest.raises(OSError, match="ended early"):
        stored[np.array([90])]


def test_chained_codes_read_and_save_as_their_parts_joined(tmp_path):
    from index.token_file import ChainedCodes, StoredCodes, save_codes

    rng = np.random.default_rng(4)
    a, b = (rng.integers(-127, 128, size=(n, 6)).astype(np.int8) for n in (40, 25))
    np.save(tmp_path / "old.npy", b)
    chained = ChainedCodes([a, StoredCodes(tmp_path / "old.npy")[5:25], np.zeros((0, 6), np.int8)])
    joined = np.concatenate([a, b[5:25]])
    assert chained.shape == joined.shape == (60, 6)
    picks = np.array([0, 39, 40, 41, 59, 3])
    assert np.array_equal(chained[picks], joined[picks])
    assert np.array_equal(np.asarray(chained[35:45]), joined[35:45])
    assert np.array_equal(np.asarray(ChainedCodes([chained[50:60], chained[0:2]])), np.concatenate([joined[50:60], joined[:2]]))
    save_codes(tmp_path / "new.npy", chained)
    assert np.array_equal(np.load(tmp_path / "new.npy"), joined)
    assert np.array_equal(StoredCodes(tmp_path / "new.npy")[picks], joined[picks])


def test_a_lists_items_and_a_tables_rows_look_back_at_what_leads_into_them_not_at_each_other() -> None:
    text = ("## Patch notes 2.1\n\n* Added the /signup command.\n* Fixed: brackets showed the wrong time. They were UTC.\n"
            "* Removed #lfg.\n\nPlain prose.\n- Lone item after prose.\n- Second item.\n\n"
            "| Game | Prize |\n|---|---|\n| Chess | Nitro |\n| Go | Cake |\n\nName | Role\n--- | ---\nAiko | mod\nSam | admin")
    corpus, _ = embed_documents([Document("a.md", "A", None, text, 0, "x")], HashingEmbedder(), IndexParams(), {})
    texts = [s.text for s in corpus.sentences]
    before = {texts[i]: (texts[b] if b >= 0 else None) for i, b in enumerate(corpus.before.tolist())}
    assert before["* Added the /signup command."] == "## Patch notes 2.1"
    assert before["* Fixed: brackets showed the wrong time."] == "## Patch notes 2.1"
    assert before["They were UTC."] == "* Fixed: brackets showed the wrong time."  # an item's own next sentence
    assert before["* Removed #lfg."] == "## Patch notes 2.1"
    assert before["- Second item."] == "Plain prose."  # the prose line that leads into this list
    assert before["| Go | Cake |"] == "| Game | Prize |"
    assert before["Sam | admin"] == "Name | Role"  # a table without its outer pipes
    discount = dict(zip(texts, corpus.before_discount.tolist()))
    assert discount["* Removed #lfg."] == pytest.approx(discount["* Added the /signup command."]) == pytest.approx(before_discount())
