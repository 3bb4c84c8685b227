"""A Turkish question's words, in English: FreeDict's dictionary read backwards.

What JMdict does for Japanese questions (``index/japanese.py``), this does for Turkish
ones: e5 places "Türkiye'nin Tokyo büyükelçisi kim?" near English sentences by one
pooled vector; the dictionary says that "büyükelçi" is "ambassador", and a sentence
that holds it is likely the one asked about. The table, ``turkish_english.tsv``, is
written by ``bench/turkish_glossary.py`` from FreeDict's English-Turkish dictionary
(GPL-2.0-or-later, as that file is) and ships beside this module.

Turkish builds a word by adding suffixes to its stem ("büyükelçi-si", "işbirliğ-i-ni",
"fırlat-tı"), so a word is looked up by its longest start that the table holds, as
long as that start is at least half the word: no stemmer or morphology is needed, and
"fırlattı" meets the verb "fırlatmak" by its stem. Question words, particles and the
light verbs ("yaptı", "etti", "oldu") carry no topic and are left out.
"""
from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from pathlib import Path

from .lexical import FUNCTION_WORDS, stemmer, words_in

log = logging.getLogger(__name__)

TABLE = Path(__file__).with_name("turkish_english.tsv")
_WORD = re.compile(r"[a-zçğıöşüâîû]+")
_SHORTEST = 3  # letters: a shorter start ("ne", "o") is a particle or a pronoun
# Words with no topic: question words, particles, conjunctions, postpositions, and the
# light verbs' stems, which give a noun its verb ("tebrik etti").
NO_TOPIC = frozenset("""
    ne neden niye niçin nasıl nerede nereye nereden neresi nereli kim kime kimi kimin kimdir kaç kaçta
    kaçıncı hangi hangisi mı mi mu mü mıdır midir mudur müdür nedir neler nelerdir acaba ve veya ya ile
    ama fakat ise için gibi kadar göre hakkında sonra önce daha en çok az bir bu şu o bunlar şunlar
    onlar da de ki var yok ait ilgili olan olarak et ed yap ol kıl
""".split())
_LONGEST_QUESTION = 2000  # characters read; the engine refuses longer questions anyway


def _lower(text: str) -> str:
    """Lower case as Turkish writes it: "I" is "ı" and "İ" is "i"."""
    return text.replace("I", "ı").replace("İ", "i").lower()


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    """Each Turkish word and the stems of its English equivalents; empty (said once) without the file."""
    try:
        lines = TABLE.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        log.warning("Turkish questions are ranked without dictionary glosses: %s cannot be read (%s)", TABLE, err)
        return {}
    table = {}
    for line in lines:
        word, _, english = line.partition("\t")
        if line.startswith("#") or not english:
            continue
        content = [w for w in words_in(english.replace("|", " ")) if w not in FUNCTION_WORDS]
        if content:
            table[word] = frozenset(stemmer().stemWords(content))
    return table


@lru_cache(maxsize=50_000)
def word_glosses(word: str) -> frozenset[str]:
    """The English stems of a lower-case Turkish word, by its longest start the table holds."""
    table = _table()
    for end in range(len(word), max(_SHORTEST, math.ceil(len(word) / 2)) - 1, -1):
        if word[:end] in NO_TOPIC:
            return frozenset()
        found = table.get(word[:end])
        if found:
            return found
    return frozenset()


def gloss_words(question: str) -> tuple[frozenset[str], ...]:
    """The English stems of each content word of a Turkish question, in order."""
    out = []
    for word in _WORD.findall(_lower(question[:_LONGEST_QUESTION])):
        if word in NO_TOPIC:
            continue
        stems = word_glosses(word)
        if stems:
            out.append(stems)
    return tuple(out)
