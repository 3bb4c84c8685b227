"""What a question asks for, and which sentences can supply it.

A "when" question wants a sentence with a date or year in it, "how many" a quantity,
"who" a person, "where" a place. These cheap pattern features lift the right sentence
over one that merely shares words with the question.
"""
from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache

import numpy as np

from .lexical import stems


class Kind(IntEnum):
    OTHER = 0
    TIME = 1
    QUANTITY = 2
    PERSON = 3
    PLACE = 4


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_TURKISH_DAYS = "pazartesi|salı|çarşamba|perşembe|cuma|cumartesi|pazar"
_TURKISH_MONTHS = "ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık"
_TIME = re.compile(
    rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b"
    rf"|\b(?:{_DAYS}|yesterday|today|tomorrow)\b"
    rf"|\b(?:in|from|until|till|by|since|to|between|before|after|during|through)\s+(?:early\s+|late\s+|mid-?)?(?:{_MONTHS})\b"
    r"|\b\d+(?:st|nd|rd|th)\s+century\b|\b(?:century|decade)\b"
    # Documents in Turkish and Japanese (their questions are read by e5): Turkish day and
    # month names as words, with a case ending or after an apostrophe ("cumartesi",
    # "ağustos ayında", "Ocak'ta"), and "saat 21:00"; Japanese dates and times, whose
    # digits follow a kana without the break "\b" needs ("2020年", "4月", "夜9時", "金曜日"),
    # a date's parts as one span ("2025年4月13日", "毎月第一月曜日": what an answer highlights).
    rf"|\b(?:{_TURKISH_DAYS}|{_TURKISH_MONTHS})(?:'\w*|da|de|ta|te|ları|leri)?\b|\bsaat\s+\d{{1,2}}(?::\d{{2}})?"
    r"|(?:毎(?:日|週|月|年))?(?:\d+\s*(?:年(?!間)|月|日(?!間)|時(?!間))|(?:第[一二三四五1-5])?[月火水木金土日]曜日)+"
    r"|毎(?:日|週|月|年)|午前|午後",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|dozen|half|several"
)
_QUANTITY = re.compile(
    rf"\b\d[\d,.]*\s*(?:%|percent|per cent|km|kilometres|kilometers|miles|metres|meters|years?|months?|"
    rf"weeks?|days?|hours?|minutes?|seconds?|million|billion|thousand|people|tons?|dollars?)?|"
    rf"[$€£¥]\s?\d|\b(?:{_NUMBER_WORDS})\b"
    # Japanese counts, whose digits follow a kana without a "\b" before them ("24時間", "2,000人").
    r"|\d[\d,.]*\s*(?:人|円|時間|分|か月|ヶ月|回|個|歳|年間|日間|週間|％)",
    re.IGNORECASE,
)
# Capital and small letters of the Latin alphabet, accented ones too, so that "Frédéric
# Chopin", "Ögedei Khan" and a Turkish guide's "Elif Yılmaz" or "İzmir" read as names.
_LATIN = [chr(c) for c in range(0xC0, 0x250)]
_UPPER = "[A-Z" + "".join(c for c in _LATIN if c.isupper()) + "]"
_LOWER = "[a-z" + "".join(c for c in _LATIN if c.islower()) + "]"
_CAPITALISED = f"{_UPPER}{_LOWER}+"
# A run of two or more capitalised words, or an honorific before one: most likely a name.
_PERSON = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Dr|Sir|King|Queen|President|Minister|Prince|Emperor|Pope|Saint|St)\.?\s+{_CAPITALISED}"
    rf"|\b{_CAPITALISED}(?:\s+(?:{_UPPER}\.\s*)?{_CAPITALISED})+"
)
_PLACE = re.compile(
    # "from May to November" names no place: months and days are left out.
    rf"\b(?:in|at|from|near|to|across|into)\s+(?:the\s+)?(?!(?i:{_MONTHS}|{_DAYS})\b){_CAPITALISED}"
    r"|\b(?:city|country|capital|region|province|state|island|river|town|village|continent|border)\b",
)

_QUESTION_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.TIME, re.compile(r"\b(?:when|what (?:year|date|day|time|month|century|decade)|which (?:year|date|century))\b")),
    (Kind.QUANTITY, re.compile(r"\bhow (?:many|much|long|far|old|big|large|tall|high|often)\b|\bwhat (?:percentage|percent|number|amount|proportion)\b")),
    (Kind.PERSON, re.compile(r"\b(?:who|whom|whose)\b|\bwhat (?:person|man|woman)\b")),
    (Kind.PLACE, re.compile(r"\bwhere\b|\b(?:what|which) (?:city|country|place|region|continent|state|town|location)\b")),
)


def question_kind(question: str) -> Kind:
    """The kind of answer the question asks for; OTHER when it is not clear."""
    text = question.lower()
    for kind, pattern in _QUESTION_PATTERNS:
        if pattern.search(text):
            return kind
    return Kind.OTHER


_PATTERNS = {Kind.TIME: _TIME, Kind.QUANTITY: _QUANTITY, Kind.PERSON: _PERSON, Kind.PLACE: _PLACE}


def _searched(kind: Kind, sentence: str) -> str:
    """Where to look for a kind: names skip the sentence's first word, capitalised whatever it is."""
    if kind is Kind.PERSON:
        return sentence.split(" ", 1)[1] if " " in sentence else ""
    return sentence


def sentence_kinds(sentence: str) -> int:
    """A bit mask of the answer kinds the sentence can supply (bit ``1 << kind``)."""
    mask = 0
    for kind, pattern in _PATTERNS.items():
        if pattern.search(_searched(kind, sentence)):
            mask |= 1 << kind
    return mask


# Words a span is found by ("in", "from", "city of") that say nothing about what it is.
_LINKS = stems("in at from near to across into the of a an until till by since between before after during through early late mid")


def _span_stems(span: str) -> frozenset[str]:
    return stems(span) - _LINKS


def offers_new(kind: Kind, sentence: str, question_stems: frozenset[str]) -> bool:
    """Whether the sentence holds something of this kind that the question does not already say.

    "Where is Expo 2025?" is not answered by "... will participate in Expo 2025": the
    only place there is the one asked about. ``question_stems`` is ``lexical.stems`` of
    the question. On SQuAD this made the answer kind a slightly better signal (P@1
    +0.001 at the same weight); it matters most in a small corpus, where one sentence
    often repeats the question's own words.
    """
    return any(span - question_stems for span in _span_stems_of(kind, sentence))


@lru_cache(maxsize=65536)
def _span_stems_of(kind: Kind, sentence: str) -> tuple[frozenset[str], ...]:
    """The terms of each span of this kind in the sentence (cached: the shortlist repeats)."""
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return ()
    return tuple(_span_stems(m.group(0)) for m in pattern.finditer(_searched(kind, sentence)))


def kind_masks(sentences: list[str]) -> np.ndarray:
    return np.fromiter((sentence_kinds(s) for s in sentences), dtype=np.uint8, count=len(sentences))


def highlight(kind: Kind, quote: str, question_stems: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """The span of the quote that answers a question of this kind, when one stands out.

    A span that only repeats the question ("2025" for "when will Expo 2025 be held")
    gives way to one that says something new ("from May").
    """
    pattern = {Kind.TIME: _TIME, Kind.QUANTITY: _QUANTITY}.get(kind)
    if pattern is None:
        return None
    found = []
    for match in pattern.finditer(quote):
        span = match.group(0).strip()
        # Generic words ("era", "several") answer nothing on their own.
        if any(ch.isdigit() for ch in span) or kind is Kind.TIME and span.lower() not in {"century", "decade", "era", "dynasty", "period"}:
            start = match.start() + match.group(0).find(span)
            if _span_stems(span) - question_stems:
                return start, start + len(span)
            found.append((start, start + len(span)))
    return found[0] if found else None
