"""A Japanese question's words in English, from JMdict (jamdict-data, installed by the test extra)."""
from __future__ import annotations

import time

from index import japanese
from index.japanese import gloss_words
from index.lexical import stemmer


def _glossed(question: str, english: str) -> bool:
    """Whether one of the question's words has the English word among its glosses."""
    stem = stemmer().stemWord(english.lower())
    return any(stem in word for word in gloss_words(question))


def test_the_question_is_cut_into_dictionary_words_and_glossed():
    question = "両外相はどんな分野での協力を協議しましたか？"
    for english in ("field", "cooperation", "discussion", "minister"):
        assert _glossed(question, english), english
    assert not _glossed(question, "turkey")


def test_nouns_that_take_no_are_kept_as_topic_words():
    # JMdict calls 関係 and 協力 "nouns which may take the genitive case particle 'no'":
    # a part of speech that names a particle without being one.
    assert _glossed("関係はいつ始まりましたか？", "relationship")
    assert _glossed("関係はいつ始まりましたか？", "beginning")
    assert _glossed("協力の分野", "cooperation")


def test_particles_pronouns_and_conjunctions_carry_no_topic():
    assert gloss_words("はをにのがで") == ()
    for word in ("私", "彼", "何", "誰", "そして", "しかし"):  # 彼 is "he" before "boyfriend"; しかし "however"
        assert gloss_words(word) == (), word


def test_katakana_loanwords_are_glossed_full_or_half_width():
    assert _glossed("ミサイルを発射したのは誰？", "missile")
    assert _glossed("ﾐｻｲﾙを発射したのは誰？", "missile")
    assert _glossed("トルコの首都は？", "turkey")


def test_foreign_names_in_katakana_get_their_latin_spelling():
    assert _glossed("ユグノーはどこに逃げた？", "Huguenot")  # JMnedict: not a word, a name
    assert _glossed("コッホがノーベル賞をもらったのは何年？", "Koch")
    assert not _glossed("林外相", "Hayashi")  # kanji names have many readings: not guessed


def test_other_languages_have_no_japanese_words():
    for question in ("when did relations begin?", "İlişkiler ne zaman başladı?", "Hayashi kimdir?", "", "1924", "🙂🙂"):
        assert gloss_words(question) == ()


def test_huge_and_hostile_input_is_bounded():
    started = time.perf_counter()
    words = gloss_words("協力" * 5000 + "\x00\u202e<@everyone>")
    assert time.perf_counter() - started < 10  # bounded: only the first characters are read
    assert 0 < len(words) <= japanese._LONGEST_QUESTION
    assert gloss_words("\x00\x1b[31m") == ()


def test_without_jmdict_the_signal_is_off(monkeypatch):
    monkeypatch.setattr(japanese, "glossary", lambda: None)
    assert gloss_words("両外相はどんな分野での協力を協議しましたか？") == ()


def test_a_missing_package_is_said_once_and_not_raised(monkeypatch, caplog):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    japanese.glossary.cache_clear()
    monkeypatch.setattr(japanese.metadata, "distribution", missing)
    try:
        with caplog.at_level("INFO", logger="index.japanese"):
            assert japanese.glossary() is None
            assert japanese.glossary() is None
        assert len(caplog.records) == 1 and "jamdict-data" in caplog.records[0].getMessage()
    finally:
        japanese.glossary.cache_clear()


def test_the_dictionary_opens_from_a_path_with_uri_characters(tmp_path):
    from pathlib import Path

    real = Path(japanese.glossary()._path)
    odd = tmp_path / "a#b?c %20" / "jamdict.db"
    odd.parent.mkdir()
    odd.symlink_to(real)
    assert japanese.Glossary(odd).words("協力") == japanese.glossary().words("協力")


def test_a_file_that_is_not_jmdict_is_said_and_the_signal_is_off(tmp_path, monkeypatch, caplog):
    from importlib import metadata

    broken = tmp_path / "jamdict_data" / "jamdict.db"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database" * 100)

    class Installed:
        def locate_file(self, name):
            return tmp_path / name

    japanese.glossary.cache_clear()
    monkeypatch.setattr(japanese.metadata, "distribution", lambda name: Installed())
    try:
        with caplog.at_level("WARNING", logger="index.japanese"):
            assert japanese.glossary() is None
        assert "cannot be read" in caplog.text and "jamdict-data" in caplog.text
    finally:
        japanese.glossary.cache_clear()
    assert metadata.distribution("jamdict-data")  # the real one is back for the other tests
