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

# Phrases, each a greeting or thanks whole, by the language a reply is framed in
# (``bot/phrases.py``: Turkish, Japanese, else English); a message may string several
# together ("hi, how are you?"). Written as typed: apostrophes and spaces split them.
_GREETINGS = {
    "en": """
    hi | hello | hey | heya | hiya | hullo | howdy | yo | sup | hallo | hola | bonjour | salut | ciao | hai |
    good morning | good afternoon | good evening | good day | morning | evening |
    how are you | how are u | how r u | how are you doing | how's it going | hows it going | how is it going |
    what's up | whats up | wassup | wazzup |
    guten tag | guten morgen | wie geht's | wie gehts | wie geht es dir | comment ça va | ça va | qué tal | que tal |
    cómo estás | como estas
    """,
    "tr": """
    merhaba | merhabalar | selam | selamlar | selamün aleyküm | günaydın | gunaydin | iyi günler | iyi gunler |
    iyi akşamlar | iyi aksamlar | nasılsın | nasilsin | nasılsınız | nasilsiniz | naber | ne haber
    """,
    "ja": "こんにちは | こんばんは | おはよう | おはようございます | やあ | はじめまして | お元気ですか | 元気ですか",
}
_THANKS = {
    "en": """
    thanks | thank you | thankyou | thank u | thanx | thx | ty | tysm | tyvm | cheers | ta | much appreciated |
    appreciated | thanks a lot | many thanks | danke | merci | gracias | obrigado | grazie
    """,
    "tr": """
    teşekkürler | tesekkurler | teşekkür ederim | tesekkur ederim | teşekkür ederiz | sağol | sagol | sağ ol |
    sag ol | sağolun | sagolun | eyvallah
    """,
    "ja": "ありがとう | ありがとうございます | ありがとうございました | どうも | どうもありがとう | サンキュー",
}
# Words that may come with either and change nothing: who it is said to, how much, and
# what else is said in passing ("ok thanks, bye").
_FILLER = frozenset("""
    kizuna bot there all everyone everybody guys folks again so very much a lot lots tons
    man mate friend buddy and ok okay cool great nice awesome perfect bye goodbye cya
    çok cok
""".split())
_LETTERS = re.compile(r"[^\W\d_]+")


def _phrases(tables: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Each phrase, as its words, and its language."""
    return {tuple(_LETTERS.findall(p.casefold())): language
            for language, table in tables.items() for p in table.split("|") if p.strip()}


_KINDS = {GREETING: _phrases(_GREETINGS), THANKS: _phrases(_THANKS)}
_LONGEST = max(len(p) for phrases in _KINDS.values() for p in phrases)


def small_talk(text: str) -> str | None:
    """``GREETING`` or ``THANKS`` when the whole message is one, else None."""
    found = _said(text)
    if not found:
        return None
    return THANKS if any(kind == THANKS for kind, _ in found) else GREETING


def small_talk_language(text: str) -> str:
    """The language to answer small talk in: Turkish or Japanese when a phrase is ("merhaba",
    "ありがとう"), else English (whose table also holds "danke", "merci"…)."""
    languages = [language for _, language in _said(text) or []]
    return next((language for language in languages if language != "en"), "en")


def _said(text: str) -> list[tuple[str, str]] | None:
    """(kind, language) of each phrase the message is made of, or None when it is not all small talk."""
    if len(text) > 80:  # small talk is short; anything longer is read as a question
        return None
    # "İ" first: casefold() gives it a combining dot ("İyi" as "i̇yi"), which splits the word.
    folded = unicodedata.normalize("NFKC", text).replace("İ", "i").casefold()
    words = [w for w in _LETTERS.findall(folded) if w not in _FILLER]
    if not words:
        return None
    found, i = [], 0
    while i < len(words):  # the longest phrase at each place, or it is not small talk
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + n])
            kind = next((k for k, phrases in _KINDS.items() if phrase in phrases), None)
            if kind:
                found.append((kind, _KINDS[kind][phrase]))
                i += n
                break
        else:
            return None
    return found
