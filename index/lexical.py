"""BM25 over sentences and windows (bm25s), and the corpus vocabulary for coverage checks."""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from .fitted import fitted

# Words that carry no topic: a question word the corpus lacks matters, "when" or "had"
# does not. English function words, question words, and the shorthand people type in
# chat ("abt", "whats").
FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | frozenset(
    "what when where who whom whose which why how did does do is are was were be been "
    "can could would should will shall may might must the a an of in on at to for from by "
    "with about into than then there their they them this that these those it its as and "
    "or not no yes any some many much long tell me please know name happened happen "
    "kind type year date also ever get got go went like thing things "
    "whats whens wheres whos hows abt pls plz u ur thx "
    # Reporting verbs name no topic, and "said" does not stem to "say": without these a
    # question like "what did X say about Y" looked a quarter off-topic.
    "say says said tell told".split()
)
_WORD = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_UNFOLDABLE = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower case without accents, so "Türkiye" and "Çavuşoğlu" match how people type them."""
    if text.isascii():  # nothing to fold but case: the common path, a tenth of the time
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_UNFOLDABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        [fold(t) for t in texts], stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False
    )


# Sentences are short and a question's words rarely repeat in one: a low k1 saturates
# term frequency early and a low b penalises length less. ``kizuna fit`` chooses both
# (BM25 alone, P@1 on SQuAD); bm25s's defaults are k1 1.5, b 0.75.
def bm25_parameters() -> tuple[float, float]:
    params = fitted()["bm25"]
    return float(params["k1"]), float(params["b"])


def build_bm25(texts: Sequence[str], k1: float | None = None, b: float | None = None) -> bm25s.BM25:
    fitted_k1, fitted_b = bm25_parameters()
    retriever = bm25s.BM25(k1=fitted_k1 if k1 is None else k1, b=fitted_b if b is None else b)
    tokens = bm25s.tokenize([fold(t) for t in texts], stopwords="en", stemmer=stemmer(), show_progress=False)
    retriever.index(tokens, show_progress=False)
    return retriever


def save_bm25(retriever: bm25s.BM25, folder: Path) -> None:
    retriever.save(str(folder), show_progress=False)


def load_bm25(folder: Path) -> bm25s.BM25:
    return bm25s.BM25.load(str(folder), show_progress=False)


def bm25_scores(retriever: bm25s.BM25, query_tokens: list[str]) -> np.ndarray:
    if not query_tokens:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return retriever.get_scores(query_tokens).astype(np.float32)


def soft_coverage(retriever: bm25s.BM25, words: Sequence[str], text: str) -> float:
    """IDF-weighted share of the question's topic words that ``text`` contains.

    Forgiving the way people write: "begin" finds "began", "partner" finds
    "partnership", "realtions" finds "relations" (``Vocabulary.knows``). Words the index
    never saw weigh the most, and are never covered.
    """
    if not words:
        return 0.0
    scores = retriever.scores
    n = float(scores["num_docs"])
    present = Vocabulary.from_texts([text])
    covered = total = 0.0
    for word in dict.fromkeys(words):
        tid = retriever.vocab_dict.get(stemmer().stemWord(word))
        df = float(scores["indptr"][tid + 1] - scores["indptr"][tid]) if tid is not None else 0.0
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        total += idf
        covered += idf if present.knows(word) else 0.0
    return covered / total if total > 0 else 0.0


def _swapped_function_word(word: str) -> bool:
    """Whether the word is a function word with two neighbouring letters swapped ("whne")."""
    return any(word[:i] + word[i + 1] + word[i] + word[i + 2 :] in FUNCTION_WORDS for i in range(len(word) - 1))


def content_words(question: str, vocabulary: "Vocabulary | None" = None) -> list[str]:
    """The words of a question that name its topic, lower-cased and without accents.

    Given the corpus vocabulary, a word it does not know that is a mistyped function
    word ("whne", "waht") is dropped too, rather than taken for an unknown topic.
    """
    words = [w for w in _WORD.findall(fold(question)) if w not in FUNCTION_WORDS]
    if vocabulary is None:
        return words
    return [w for w in words if vocabulary.knows(w) or not _swapped_function_word(w)]


_TERM = re.compile(r"(?u)\w+")


def stems(text: str) -> frozenset[str]:
    """Every word of a text, folded and stemmed, numbers included ("25")."""
    return frozenset(stemmer().stemWords(_TERM.findall(fold(text))))


def words_in(text: str) -> list[str]:
    """A text's words as ``Vocabulary`` keeps them: folded, two characters or more."""
    return _WORD.findall(fold(text))


class Vocabulary:
    """The corpus's words, with one-edit tolerance so a typo is not taken for a new topic."""

    def __init__(self, words: set[str]) -> None:
        self.words = words
        self.stems = {stemmer().stemWord(w) for w in words}
        # "partner" and "partnership" stem apart; a shared five-letter start joins them.
        self.prefixes = {w[:5] for w in words if len(w) >= 6}
        # Each word with one letter deleted: two words are within one edit (deletion,
        # insertion or substitution) when their deletion sets meet (SymSpell's trick).
        self.deletions: set[str] = set()
        for w in words:
            if len(w) >= 5:
                self.deletions.update(w[:i] + w[i + 1 :] for i in range(len(w)))

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> "Vocabulary":
        words: set[str] = set()
        for text in texts:
            words.update(words_in(text))
        return cls(words)

    def knows(self, word: str) -> bool:
        if word in self.words or stemmer().stemWord(word) in self.stems:
            return True
        if len(word) < 5:
            return False
        if len(word) >= 6 and word[:5] in self.prefixes:
            return True
        if word in self.deletions:
            return True
        return any(word[:i] + word[i + 1 :] in self.words or word[:i] + word[i + 1 :] in self.deletions for i in range(len(word)))

    def unknown_share(self, words: Sequence[str]) -> float:
        """Share of the question's topic words the corpus has never seen (0 when none)."""
        if not words:
            return 0.0
        return sum(not self.knows(w) for w in words) / len(words)
