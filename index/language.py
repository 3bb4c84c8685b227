"""Which questions MiniLM can read: English ones, told apart by script and function words.

A question in another script (kana, kanji, Hangul, Cyrillic, Arabic…) is not English.
In Latin script the small words decide: "Hayashi kimdir?" has one Turkish question
word and no English one; "wat yr did hayashi say" has "did". A name alone ("Hayashi?",
"1924") is left to the English path, whose token matching finds names best.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ENGLISH = "en"

# Function words a question in each language can hardly do without. Short lists: a
# question needs only one of them to be told apart, and every word here is one that
# the other languages' questions (and English chat shorthand) do not use.
_FUNCTION_WORDS = {
    "en": """a an the is are was were be been do does did what when where who whom whose which why how
        many much of in on at to for from with by about and or not this that these those it its
        there their they he she his her has have had can could will would should wat wen wut wht
        whats who's what's when's where's hows yr u ur""",
    "tr": """ne neden niye nasıl nasil nerede nereye nereden neresi kim kimdir kimin kimi kaç kac hangi
        zaman mı mi mu mü midir mıdır mudur müdür ve ile için icin bir bu şu su da de ki olan oldu
        nedir neler nelerdir hangisi kaçıncı kacinci yüzde yuzde hakkında hakkinda ilişkiler iliskiler
        yılında yilinda tarihinde
        miyim mıyım muyum müyüm misin mısın musun müsün miyiz mıyız muyuz müyüz misiniz mısınız musunuz
        müsünüz miydi mıydı muydu müydü""",
    "de": "wer wie was wann wo warum welche welcher welches der die das und ist sind hat haben mit für von den dem",
    "es": "qué que cuándo cuando dónde donde quién quien cómo como cuál cual por para el los las del una es son fue",
    "fr": "quand où qui quoi pourquoi comment quel quelle quels est sont les des une avec pour dans le la du",
    "pt": "quando onde quem porque qual quais são foi os das dos uma com para",
    "it": "quando dove chi perché quale sono gli della delle una con per il",
}
_WORDS = {lang: frozenset(text.split()) for lang, text in _FUNCTION_WORDS.items()}
# Every language's: a question of these alone ("nedir?", "und", "que") asks for nothing.
# Not the Turkish words listed because questions use them so often: they have a topic.
_TOPIC_WORDS = frozenset("zaman yüzde yuzde ilişkiler iliskiler yılında yilinda tarihinde".split())
SMALL_WORDS = frozenset().union(*_WORDS.values()) - _TOPIC_WORDS
# Letters English never writes: one of them marks a Latin-script question as foreign.
_FOREIGN_LETTERS = set("ğışçöüİĞŞÇÖÜäßñ¿¡éèêàâîôûœãõ")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A word, as its words are counted: a run of letters or digits, or one kana or
# ideograph, since Japanese and Chinese write their words together ("宣伝は禁止です。"
# is not one word).
_COUNTED_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]|[^\W_\u3040-\u30ff\u3400-\u9fff]+")


def word_count(text: str, start: int = 0, end: int | None = None) -> int:
    """How many words text[start:end] holds (``_COUNTED_WORD``)."""
    return len(_COUNTED_WORD.findall(text, start, len(text) if end is None else end))


# A link's parts are no language's words: "com" is Portuguese for "with", "de" German's
# and Spanish's top-level domain. Left out before the small words are counted.
_LINK = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S*|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/\S*", re.IGNORECASE)


@lru_cache(maxsize=8192)  # per character: a document's language reads thousands of them
def _script(ch: str) -> str | None:
    """A coarse script name for letters outside Latin, None for Latin and non-letters."""
    if ch.isascii() or not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for script, tag in (("ja", "HIRAGANA"), ("ja", "KATAKANA"), ("ja", "CJK"), ("ko", "HANGUL"), ("ru", "CYRILLIC"),
                        ("ar", "ARABIC"), ("el", "GREEK"), ("he", "HEBREW"), ("hi", "DEVANAGARI"), ("th", "THAI")):
        if name.startswith(tag) or f" {tag} " in f" {name} ":
            return script
    return None if "LATIN" in name else "other"


def language_of(question: str) -> str:
    """"en", or a code for another language ("tr", "ja", "de", …; "other" when unsure which)."""
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return ENGLISH
    scripts = [s for s in map(_script, letters) if s]
    # Three letters of another script make it that language's question ("Decision Time
    # って何時？"); one word of it inside English ("what does 絆 mean") does not.
    if len(scripts) >= 3 or len(scripts) * 2 >= len(letters):
        return max(set(scripts), key=scripts.count)
    words = [w.lower() for w in _WORD.findall(_LINK.sub(" ", question))]
    counts = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    foreign_letters = sum(ch in _FOREIGN_LETTERS for ch in question)
    english = counts.pop(ENGLISH)
    best = max(counts, key=counts.get)
    if counts[best] > english:
        return best
    if foreign_letters and counts[best] >= english and counts[best] > 0:
        return best
    if english == 0 and foreign_letters and not counts[best]:
        return "other"
    return ENGLISH

