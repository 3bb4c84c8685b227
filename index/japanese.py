"""A Japanese question's words, in English: JMdict's glosses, for matching English sentences.

e5 places "両外相はどんな分野での協力を協議しましたか？" near English sentences by one pooled
vector, which blurs which words it asked about. JMdict, the Electronic Dictionary
Research and Development Group's Japanese-English dictionary (CC BY-SA 3.0; the
``jamdict-data`` package ships it as an SQLite file), gives each word its English
glosses: 分野 "field, sphere, realm", 協力 "cooperation, collaboration". A sentence that
holds a gloss of most of the question's words is likely the one it asks about.

The question is cut into dictionary words, longest match first, within each run of
kana and kanji: the dictionary is the vocabulary, so no tokenizer is needed, and a
conjugated verb still meets its noun ("始まりました" starts with 始まり, "beginning").
Particles, pronouns, conjunctions and auxiliaries (by the part of speech of the word's
first sense), and hiragana of one or two characters ("は", "し": left over from
inflections), carry no topic and are left out. Each other word keeps the first three
senses of its first two entries (its common entries, when JMdict marks some), folded
and stemmed as English is. A name in katakana that JMdict lacks is looked up in
JMnedict, its names file, shipped in the same database: a Japanese question writes
"Huguenot" as ユグノー and "Koch" as コッホ, and a sentence that names them holds them.

Fitted by ``kizuna fit``; cross-validated by article, P@1 of the Japanese training
questions goes from 0.675 to 0.750, Turkish unchanged (``bench/glosses.py``). Turkish
questions have their own dictionary since session 15 (``index/turkish_glosses.py``).
"""
from __future__ import annotations

import logging
import re
import sqlite3
import threading
import unicodedata
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .lexical import FUNCTION_WORDS, stemmer, words_in

log = logging.getLogger(__name__)

_DATABASE = "jamdict_data/jamdict.db"
LONGEST = 10  # characters: longer dictionary words hardly occur in a question
_JAPANESE_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u3005\u4e00-\u9fff]+")
_HIRAGANA = re.compile(r"[\u3041-\u309f]+")
_KATAKANA = re.compile(r"[\u30a0-\u30ff]+")
# Parts of speech, as JMdict names them, that carry no topic. Whole names: "nouns which
# may take the genitive case particle 'no'" (関係, 協力) are as much topic as any noun.
_FUNCTION_POS = frozenset({"particle", "pronoun", "conjunction", "auxiliary", "auxiliary verb", "auxiliary adjective", "copula"})
_PARENTHESES = re.compile(r"\([^)]*\)")  # "blade (of a fan, propeller, etc.)": the aside is not the word
_LONGEST_QUESTION = 2000  # characters read; the engine refuses longer questions anyway


class Glossary:
    """JMdict, read only. One connection shared by the threads that answer (behind a lock)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        # Read only and immutable: an installed package's file, never written, perhaps on a
        # read-only disk, so SQLite need not lock it. as_uri() escapes "?" and "#" in the path.
        self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _rows(self, sql: str, args: tuple) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @lru_cache(maxsize=50_000)
    def _entries(self, surface: str) -> tuple[int, ...]:
        """The entries written or read so, the common ones only when there are any.

        JMdict marks a form found in its frequency lists (news, ichi, spec): しかし is the
        common conjunction "however" before it is a rare noun; 協力 has one entry anyway."""
        rows = self._rows(
            "SELECT k.idseq, p.text FROM Kanji k LEFT JOIN KJP p ON p.kid = k.ID WHERE k.text=? "
            "UNION SELECT k.idseq, p.text FROM Kana k LEFT JOIN KNP p ON p.kid = k.ID WHERE k.text=?", (surface, surface))
        common = {idseq for idseq, priority in rows if priority}
        return tuple(sorted(common or {idseq for idseq, _ in rows}))

    @lru_cache(maxsize=50_000)
    def _names(self, surface: str) -> tuple[str, ...]:
        """What JMnedict, JMdict's names file, gives a name written in katakana: its Latin
        spellings (ユグノー "Huguenot", コッホ "Koch"). Katakana only: it transcribes a
        foreign name one way, where a name in kanji (林) has many readings."""
        if not _KATAKANA.fullmatch(surface):
            return ()
        rows = self._rows("SELECT g.text FROM NEKana k JOIN NETranslation t ON t.idseq = k.idseq "
                          "JOIN NETransGloss g ON g.tid = t.ID WHERE k.text=? ORDER BY t.ID LIMIT 3", (surface,))
        return tuple(r[0] for r in rows)

    def _known(self, surface: str) -> bool:
        return bool(self._entries(surface) or self._names(surface))

    def _function_word(self, sense: int) -> bool:
        return any(r[0] in _FUNCTION_POS for r in self._rows("SELECT text FROM pos WHERE sid=?", (sense,)))

    @lru_cache(maxsize=50_000)
    def gloss_stems(self, surface: str) -> frozenset[str]:
        """The stems of a word's English glosses; empty for a function word or an unknown one.

        A word whose first sense is a function word's is one ("彼" is "he" before it is
        "boyfriend"); otherwise only such senses are left out."""
        found: set[str] = set()
        if not self._entries(surface):  # a foreign name, or nothing
            for name in self._names(surface):
                found.update(stemmer().stemWords(words_in(_PARENTHESES.sub(" ", name))))
            return frozenset(found)
        for n, idseq in enumerate(self._entries(surface)[:2]):
            for m, (sense,) in enumerate(self._rows("SELECT ID FROM Sense WHERE idseq=? ORDER BY ID LIMIT 3", (idseq,))):
                if self._function_word(sense):
                    if n == m == 0:
                        return frozenset()
                    continue
                for (gloss,) in self._rows("SELECT text FROM SenseGloss WHERE sid=? AND lang='eng'", (sense,)):
                    words = [w for w in words_in(_PARENTHESES.sub(" ", gloss)) if w not in FUNCTION_WORDS]
                    found.update(stemmer().stemWords(words))
        return frozenset(found)

    def words(self, question: str) -> tuple[frozenset[str], ...]:
        """The gloss stems of each content word of the question, in order."""
        out = []
        for run in _JAPANESE_RUN.findall(question[:_LONGEST_QUESTION]):
            i = 0
            while i < len(run):
                j = next((j for j in range(min(len(run), i + LONGEST), i, -1) if self._known(run[i:j])), None)
                if j is None:
                    i += 1
                    continue
                surface, i = run[i:j], j
                if _HIRAGANA.fullmatch(surface) and len(surface) <= 2:
                    continue
                stems = self.gloss_stems(surface)
                if stems:
                    out.append(stems)
        return tuple(out)


@lru_cache(maxsize=1)
def glossary() -> Glossary | None:
    """JMdict where ``jamdict-data`` installed it; None (and said once) when it is not."""
    try:
        path = Path(metadata.distribution("jamdict-data").locate_file(_DATABASE))
    except metadata.PackageNotFoundError:
        log.info("Japanese questions are ranked without JMdict's glosses: jamdict-data is not installed "
                 "(pip install -e '.[multilingual]')")
        return None
    try:
        found = Glossary(path)
        found.gloss_stems("協力")  # a file that is not JMdict fails here, at the first question, not at every one
        return found
    except (sqlite3.Error, OSError) as err:
        log.warning("Japanese questions are ranked without JMdict's glosses: %s cannot be read (%s); "
                    "reinstall jamdict-data", path, err)
        return None


def gloss_words(question: str) -> tuple[frozenset[str], ...]:
    """The gloss stems of each content word of a Japanese question; () for any other, or without JMdict."""
    # NFKC: half-width katakana ("ﾐｻｲﾙ", typed on some phones and old keyboards) is the
    # dictionary's full-width form.
    question = unicodedata.normalize("NFKC", question[:_LONGEST_QUESTION])
    if not _JAPANESE_RUN.search(question):
        return ()
    found = glossary()
    return found.words(question) if found else ()
