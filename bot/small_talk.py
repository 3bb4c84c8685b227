"""Greetings and thanks: said to the bot, not asked of the documents.

In a channel people greet a bot ("hi kizuna") and thank it ("thanks!") as they would a
person. Searched as questions, both come back as "the documents don't cover that" and
four unrelated passages, which reads as a malfunction. The conversational replies (the
terminal chat, a message to the bot, /ask) answer them in kind instead; ``kizuna ask``
and its JSON stay the engine's answer to whatever text is given.

Only a message that is nothing but small talk counts: "hi, when did relations begin?"
is a question. Turkish and Japanese forms are here too, since the bot answers in both.
"""
from __future__ import annotations

import re
import unicodedata

GREETING = "greeting"
THANKS = "thanks"

_GREETINGS = frozenset("""
    hi hello hey heya hiya hullo howdy yo sup hallo hola bonjour ciao hai
    good_morning good_afternoon good_evening good_day
    merhaba merhabalar selam selamlar günaydın gunaydin iyi_günler iyi_gunler iyi_akşamlar iyi_aksamlar
    こんにちは こんばんは おはよう おはようございます やあ はじめまして
""".split())
_THANKS = frozenset("""
    thanks thank_you thankyou thank_u thanx thx ty tysm tyvm cheers ta much_appreciated appreciated
    teşekkürler tesekkurler teşekkür_ederim tesekkur_ederim teşekkürler_ederim sağol sagol sağ_ol sag_ol
    sağolun sagolun eyvallah
    ありがとう ありがとうございます ありがとうございました どうも どうもありがとう サンキュー
""".split())
# Words that may come with either and change nothing: who it is said to, and how much.
_FILLER = frozenset("""
    kizuna bot there all everyone everybody guys folks again so very much a lot lots tons
    man mate friend buddy
    çok cok
""".split())
_LETTERS = re.compile(r"[^\W\d_]+")


def small_talk(text: str) -> str | None:
    """``GREETING`` or ``THANKS`` when the whole message is one, else None."""
    if len(text) > 80:  # small talk is short; anything longer is read as a question
        return None
    # "İ" first: casefold() gives it a combining dot ("İyi" as "i̇yi"), which splits the word.
    folded = unicodedata.normalize("NFKC", text).replace("İ", "i").casefold()
    words = [w for w in _LETTERS.findall(folded) if w not in _FILLER]
    if not words:
        return None
    phrase = "_".join(words)
    if phrase in _GREETINGS:
        return GREETING
    if phrase in _THANKS:
        return THANKS
    return None
