"""Whose mission? A question about the "Japanese mission" is not answered by the "Turkish mission".

Near misses are often a real sentence with one name changed or two names swapped:
"when was the first Japanese mission in Turkey established" against "the first Turkish
mission in Japan was established in 1925". Every word of the question is in the
sentence, so similarity and coverage call it answered. What gives it away is that the
same noun carries a different proper modifier in each.

It is deliberately narrow: proper modifiers only (words the corpus writes capitalised),
common nouns only, and no conflict when the two modifiers name one thing ("Japan" and
"Japanese"). What a conflict costs the match is fitted (``kizuna fit``). Three
carve-outs shaped on single SQuAD questions ("EU" for "European Union", "French
Huguenot ancestry", "William invaded") gained nothing on articles they were not shaped
on (bench/ablation.py) and went.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from .lexical import FUNCTION_WORDS, fold

# A word, hyphenated compounds and possessives kept whole ("Anglo-Saxon", "Japan’s").
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_POSSESSIVE = re.compile(r"['’]s$")


def proper_words(texts: Iterable[str]) -> frozenset[str]:
    """Folded words the texts write capitalised mid-sentence more often than not: names and demonyms."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for i, match in enumerate(_WORD.finditer(text)):
            word = match.group(0)
            if word[:1].isupper() and i:
                upper[_key(word)] += 1
            elif word[:1].islower():
                lower[_key(word)] += 1
    return frozenset(w for w, n in upper.items() if n > lower[w])


def modifier_conflict(question: str, sentence: str, proper: frozenset[str]) -> tuple[str, str, str] | None:
    """(question's modifier, noun, sentence's modifier) when the two give one noun different owners."""
    sentence_pairs = [(w, n) for w, n in _adjacent(sentence) if n[:1].islower()]  # common nouns only
    for modifier, noun in _adjacent(question):
        modifier, noun = _key(modifier), _key(noun)
        if modifier not in proper or modifier in FUNCTION_WORDS or noun in FUNCTION_WORDS:
            continue
        rivals = [w for w, n in sentence_pairs if _same_noun(noun, _key(n))]
        if not rivals or any(_names_one_thing(modifier, _key(w)) for w in rivals):
            continue
        for rival in rivals:
            if rival[:1].isupper() and _key(rival) in proper:
                return modifier, noun, rival
    return None


@lru_cache(maxsize=1 << 16)  # a corpus repeats its words: proper_words folds each once
def _key(word: str) -> str:
    return _POSSESSIVE.sub("", fold(word))


def _adjacent(text: str) -> list[tuple[str, str]]:
    """Pairs of neighbouring words with only white space between them."""
    matches = list(_WORD.finditer(text))
    return [(a.group(0), b.group(0)) for a, b in zip(matches, matches[1:]) if not text[a.end() : b.start()].strip()]


def _same_noun(a: str, b: str) -> bool:
    return a == b or a in (b + "s", b + "es") or b in (a + "s", a + "es")


def _names_one_thing(a: str, b: str) -> bool:
    """"japan"/"japanese", "britain"/"british": a shared start of four letters, or a part of a compound."""
    for part in (b, *b.split("-")):
        n = min(len(a), len(part))
        if a == part or n >= 3 and a[: min(n, 4)] == part[: min(n, 4)]:
            return True
    return False
