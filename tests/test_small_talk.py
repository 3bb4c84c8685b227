"""Greetings and thanks are told apart from questions, in English, Turkish and Japanese."""
from __future__ import annotations

import pytest

from bot.small_talk import GREETING, THANKS, small_talk


@pytest.mark.parametrize("text, kind", [
    ("hi", GREETING), ("Hi!", GREETING), ("hello kizuna", GREETING), ("hey there 👋", GREETING),
    ("good morning everyone", GREETING), ("Merhaba", GREETING), ("İyi günler", GREETING), ("こんにちは", GREETING),
    ("thanks!", THANKS), ("Thank you so much!!", THANKS), ("thx", THANKS), ("ty", THANKS), ("much appreciated", THANKS),
    ("TEŞEKKÜRLER", THANKS), ("sağ ol", THANKS), ("ありがとうございます！", THANKS),
    ("hi, how are you?", GREETING), ("Bonjour, comment ça va ?", GREETING), ("merhaba nasılsın", GREETING),
    ("ok thanks, bye", THANKS), ("hi! thanks a lot", THANKS),
])
def test_a_message_that_is_only_a_greeting_or_thanks_is_small_talk(text, kind):
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", [
    "hi, when did relations begin?", "thanks to whom did hayashi speak", "what is thanksgiving", "hello world",
    "yo what year", "Selam, Hayashi kimdir?", "ありがとうと言ったのは誰？", "", "   ", "!!!", "hi " * 40,
    "how are you related to hayashi", "what is up with north korea", "how are the relations", "ok", "bye",
])
def test_anything_more_is_a_question(text):
    assert small_talk(text) is None


@pytest.mark.parametrize("text, language", [
    ("merhaba", "tr"), ("teşekkürler!", "tr"), ("hi kizuna, teşekkürler", "tr"), ("ありがとうございます", "ja"),
    ("こんにちは", "ja"), ("thanks!", "en"), ("danke", "en"), ("hi", "en"), ("when did relations begin?", "en"),
])
def test_small_talk_is_answered_in_its_own_language(text, language):
    from bot.small_talk import small_talk_language

    assert small_talk_language(text) == language
