"""A Turkish question's words in English, from FreeDict read backwards (index/turkish_english.tsv)."""
from __future__ import annotations

import logging

import numpy as np

from index import crosslingual, turkish_glosses
from index.lexical import stemmer
from index.turkish_glosses import gloss_words, word_glosses


def _glossed(question: str, english: str) -> bool:
    """Whether one of the question's words has the English word among its glosses."""
    stem = stemmer().stemWord(english.lower())
    return any(stem in word for word in gloss_words(question))


def test_a_suffixed_word_is_found_by_its_stem():
    assert stemmer().stemWord("ambassador") in word_glosses("büyükelçisi")  # büyükelçi-si
    assert stemmer().stemWord("cooperate") in word_glosses("işbirliğini")  # işbirliği-ni
    assert stemmer().stemWord("meeting") in word_glosses("toplantısı")
    assert stemmer().stemWord("throw") in word_glosses("fırlattı")  # the verb fırlatmak, conjugated


def test_a_start_shorter_than_half_the_word_is_not_taken_for_it():
    # "alan" (area) is a third of "alanlarından": too little of the word to be sure of it.
    assert word_glosses("alan") and not word_glosses("alanlarından")


def test_question_words_particles_and_light_verbs_carry_no_topic():
    assert gloss_words("ne kim nerede kaç hangi mi nedir") == ()
    assert gloss_words("yaptı etti oldu olarak") == ()
    assert _glossed("Türkiye'nin Tokyo büyükelçisi kim?", "ambassador")


def test_turkish_capitals_are_lowered_as_turkish_writes_them():
    # "İ" is the capital of "i" and "I" of "ı": İLİŞKİ is ilişki, not "i̇li̇şki̇".
    assert gloss_words("İLİŞKİ") == gloss_words("ilişki") != ()
    assert gloss_words("NÜFUSU") == gloss_words("nüfusu") != ()


def test_only_turkish_questions_are_read_with_the_turkish_dictionary():
    assert crosslingual.gloss_words("Bakanlar hangi alanlarda işbirliği yapacak?")
    assert crosslingual.gloss_words("Welche Bereiche der Zusammenarbeit gibt es?") == ()
    japanese = crosslingual.gloss_words("両外相はどんな分野での協力を協議しましたか？")
    assert any(stemmer().stemWord("cooperation") in word for word in japanese)  # JMdict's, not FreeDict's


def test_without_the_table_turkish_questions_get_no_glosses_and_it_is_said(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(turkish_glosses, "TABLE", tmp_path / "missing.tsv")
    turkish_glosses._table.cache_clear()
    turkish_glosses.word_glosses.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="index.turkish_glosses"):
            assert gloss_words("Türkiye'nin Tokyo büyükelçisi kim?") == ()
            assert gloss_words("Toplantı kaç dakika sürdü?") == ()
        assert sum("without dictionary glosses" in r.message for r in caplog.records) == 1
    finally:
        turkish_glosses._table.cache_clear()
        turkish_glosses.word_glosses.cache_clear()


def test_the_table_is_what_its_script_writes():
    """Each line a Turkish word and its English headwords; the licence is stated at the top."""
    lines = turkish_glosses.TABLE.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert any("GNU General Public License version 2 or later" in line for line in header)
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) > 20_000 and all(len(row) == 2 and row[0] and row[1] for row in rows)
    words = [row[0] for row in rows]
    assert words == sorted(words) and len(set(words)) == len(words)
    assert all(len(row[1].split("|")) <= 6 for row in rows)


def test_a_sentence_holding_the_glosses_of_a_turkish_questions_words_gets_the_signal():
    from types import SimpleNamespace

    texts = ["The ambassador in Tokyo was appointed in 2020.", "The meeting lasted about 25 minutes.",
             "Relations began in 1924."]
    corpus = SimpleNamespace(sentences=[SimpleNamespace(text=t) for t in texts])
    shares, known = crosslingual._glosses(crosslingual.gloss_words("Toplantı kaç dakika sürdü?"), corpus, np.arange(3))
    assert int(np.argmax(shares)) == 1 and shares[1] > 0 and shares[0] == 0
    assert 0 < known <= 1
