"""BM25 over sentences and windows (bm25s), and the corpus vocabulary for coverage checks."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import bm25s
import numpy as np
import Stemmer

# Question words carry no topic: a word the corpus lacks matters, "when" does not.
_QUESTION_WORDS = frozenset(
    "what when where who whom whose which why how did does do is are was were be been "
    "can could would should will shall may might must the a an of in on at to for from by "
    "with about into than then there their they them this that these those it its as and "
    "or not no yes any some many much long tell me please know name happened happen "
    "kind type year date "
    # Reporting verbs name no topic, and "said" does not stem to "say": without these a
    # question like "what did X say about Y" looked a quarter off-topic.
    "say says said tell told".split()
)
_WORD = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False
    )


# Sentences are short and a question's words rarely repeat in one: a low k1 saturates
# term frequency early and a low b penalises length less. Measured on SQuAD sentences
# (P@1, BM25 alone): k1=1.5/b=0.75 (bm25s default) 0.707, 1.2/0.75 0.712, 0.9/0.4 0.730,
# 0.6/0.5 0.735, 1.2/1.0 0.691.
K1 = 0.6
B = 0.5


def build_bm25(texts: Sequence[str], k1: float = K1, b: float = B) -> bm25s.BM25:
    retriever = bm25s.BM25(k1=k1, b=b)
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer(), show_progress=False)
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


def coverage(retriever: bm25s.BM25, query_tokens: list[str], rows: np.ndarray) -> np.ndarray:
    """For each row, the IDF-weighted share of the question's terms it contains.

    Unlike BM25 this is bounded (0..1) and comparable across questions, so it can feed
    the confidence: a sentence holding every rare word of the question is strong evidence.
    Terms the index has never seen count with the highest IDF and are never covered.
    """
    terms = list(dict.fromkeys(query_tokens))
    if not terms or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.float32)
    scores = retriever.scores
    n = float(scores["num_docs"])
    indptr, indices = scores["indptr"], scores["indices"]
    covered = np.zeros(len(rows), dtype=np.float32)
    total = 0.0
    for term in terms:  # a handful of terms; each step is vectorised over the rows
        tid = retriever.vocab_dict.get(term)
        postings = indices[indptr[tid] : indptr[tid + 1]] if tid is not None else indices[:0]
        idf = math.log(1.0 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
        total += idf
        if len(postings):
            covered += idf * np.isin(rows, postings)
    return covered / total if total > 0 else covered


def content_words(question: str) -> list[str]:
    """The words of a question that name its topic, lower-cased."""
    return [w for w in _WORD.findall(question.lower()) if w not in _QUESTION_WORDS]


class Vocabulary:
    """The corpus's words, with one-edit tolerance so a typo is not taken for a new topic."""

    def __init__(self, words: set[str]) -> None:
        self.words = words
        self.stems = {stemmer().stemWord(w) for w in words}
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
            words.update(_WORD.findall(text.lower()))
        return cls(words)

    def knows(self, word: str) -> bool:
        if word in self.words or stemmer().stemWord(word) in self.stems:
            return True
        if len(word) < 5:
            return False
        if word in self.deletions:
            return True
        return any(word[:i] + word[i + 1 :] in self.words or word[:i] + word[i + 1 :] in self.deletions for i in range(len(word)))

    def unknown_share(self, words: Sequence[str]) -> float:
        """Share of the question's topic words the corpus has never seen (0 when none)."""
        if not words:
            return 0.0
        return sum(not self.knows(w) for w in words) / len(words)
