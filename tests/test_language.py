"""Telling English questions from others, and reading what another language's question asks for."""
import json
from pathlib import Path

import pytest

from index.answer_types import Kind
from index.crosslingual import crosslingual_kind, name_words
from index.language import ENGLISH, language_of, word_count

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "question, language",
    [
        ("Hayashi kimdir?", "tr"),  # a Latin name and one Turkish question word
        ("iliskiler ne zaman basladi", "tr"),  # Turkish typed without its letters
        ("Türkiye ve Japonya ilişkileri ne zaman başladı?", "tr"),
        ("Reklam yapabilir miyim?", "tr"),  # a yes/no question: its particle with a personal ending
        ("Sunucumun reklamını yapabilir miyim?", "tr"),  # was "other": a Turkish letter, no word it knew
        ("Yardim edebilir misin", "tr"),
        ("関係はいつ始まりましたか？", "ja"),
        ("ハヤシって誰？", "ja"),
        ("Decision Timeって普通何時？", "ja"),  # Latin words inside a Japanese question
        ("Wann begannen die Beziehungen?", "de"),
        ("¿Cuándo empezaron las relaciones?", "es"),
        ("when did relations begin?", ENGLISH),
        ("wat yr did hayashi say", ENGLISH),  # chat shorthand is still English
        ("did çavuşoğlu wish hayashi luck in his new job?", ENGLISH),  # a Turkish name in English
        ("what does 絆 mean", ENGLISH),  # one foreign word inside English
        ("Hayashi?", ENGLISH),  # a name alone: the English path finds names best
        ("1924", ENGLISH),
    ],
)
def test_language_of(question, language):
    assert language_of(question) == language


@pytest.mark.parametrize("name", ["article_questions.jsonl", "casual_train_questions.jsonl"])
def test_english_question_sets_read_as_english(name):
    """Every English question the project has: a false "foreign" would lose token matching."""
    questions = [json.loads(line)["question"] for line in (ROOT / "bench" / "data" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    foreign = [q for q in questions if language_of(q) != ENGLISH]
    assert not foreign


@pytest.mark.parametrize("name, at_least", [
    ("multilingual_train_questions.jsonl", 100), ("multilingual_near_domain_questions.jsonl", 48)])
def test_training_questions_read_as_not_english(name, at_least):
    lines = (ROOT / "bench" / "data" / name).read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    assert len(questions) >= at_least
    english = [q["question"] for q in questions if language_of(q["question"]) == ENGLISH]
    assert len(english) <= 0.03 * len(questions), english


@pytest.mark.parametrize(
    "question, kind",
    [
        ("İlişkiler ne zaman başladı?", Kind.TIME),
        ("hangi yılda büyükelçilik açıldı", Kind.TIME),
        ("Görüşme kaç dakika sürdü?", Kind.QUANTITY),
        ("Hayashi kimdir?", Kind.PERSON),
        ("Expo 2025 nerede yapılacak?", Kind.PLACE),
        ("関係はいつ始まりましたか", Kind.TIME),
        ("会談は何分続いた？", Kind.QUANTITY),
        ("誰が祝福したの？", Kind.PERSON),
        ("万博はどこで開かれる？", Kind.PLACE),
        ("Bakanlar neyi görüştü?", Kind.OTHER),
    ],
)
def test_crosslingual_kind(question, kind):
    assert crosslingual_kind(question) is kind


def test_name_words_fold_turkish_letters_and_full_width():
    # The article spells "Cavusoglu"; people type "Çavuşoğlu" or "ÇAVUŞOĞLU", phones "２０２５".
    assert name_words("ÇAVUŞOĞLU ve Hayashi ne konuştu") >= {"cavusoglu", "hayashi"}
    assert name_words("Çavuşoğlu") == name_words("Cavusoglu")
    assert "istanbul" in name_words("İstanbul")
    assert "2025" in name_words("万博は2025年")


def test_a_links_parts_are_no_languages_words():
    # "com" is Portuguese for "with": a bare link was read as a Portuguese question and
    # answered, with high confidence, by the cross-lingual path.
    for text in ("https://example.com", "see www.example.com", "discord.gg/abc", "what is on example.com/de"):
        assert language_of(text) == "en", text
    assert language_of("Wann wurden die Beziehungen aufgenommen? https://example.com") == "de"
    assert language_of("Hayashi kimdir? www.example.com") == "tr"


def test_word_count_counts_each_kana_and_ideograph_as_japanese_runs_its_words_together():
    assert word_count("No.") == 1 and word_count("Is it free? Yes.") == 4
    assert word_count("はい。") == 2 and word_count("宣伝は禁止です。") == 7
    assert word_count("Expo 2025は大阪で") == 6
    assert word_count("snake_case x", 0, 5) == 1
