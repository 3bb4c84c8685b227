"""The answer engine: seeds folder in, verbatim quoted answers out."""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np

from . import reference_questions
from .answer import Answer, DocumentInfo, Passage, merge
from .answer_types import highlight
from .building import Progress
from .corpus import Corpus, IndexParams
from .crosslingual import foreign_sentences, rank_crosslingual, reading
from .embedder import Embedder
from .errors import InvalidQuestion, UnknownDocument
from .examples import candidate_questions
from .keeping import FOLLOW_EVERY, KeptIndex
from .language import ENGLISH, language_of
from .lexical import stems
from .ranking import LIKELY, NOT_FOUND, Calibration, Ranking, Weights, rank
from .served import Served

log = logging.getLogger(__name__)
WARM_HUBNESS_FROM = 4096  # sentences; below, the first question computes it in a quarter second or less

MAX_QUESTION_CHARS = 1000
_CONTEXT_SENTENCES = 2
# Discord's raw mention syntax: users <@123> and <@!123>, roles <@&123>, channels <#123>.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")


def _by_language(scope: np.ndarray | None, foreign: np.ndarray | None) -> list[tuple[np.ndarray | None, bool]]:
    """An English question's readings: (sentences searched, read by e5?) for the English
    documents in ``scope`` and for those in other languages, each only when it has any."""
    if foreign is None or not foreign.any() or (scope is not None and not foreign[scope].any()):
        return [(scope, False)]
    rows = np.arange(len(foreign)) if scope is None else scope
    english = rows[~foreign[rows]]
    return ([(english, False)] if len(english) else []) + [(rows[foreign[rows]], True)]


def clean_question(question: str) -> str:
    """The question in NFKC form, without invisible characters and runs of white space.

    Phones and IMEs type full-width letters ("ｗｈｅｎ") and ligatures, and text pasted
    from the web carries zero-width spaces and direction marks inside words: none of
    them may change the answer. Invisible format characters are dropped (a zero-width
    space splits no word); other control characters become spaces. Raw Discord
    mentions ("<@123> when did…", pasted on the command line) are no part of the
    question; the bot writes the mentions it can name as "@Alice" before this.
    """
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    text = "".join(
        "" if unicodedata.category(ch) == "Cf" else ch if ch.isprintable() else " "
        for ch in unicodedata.normalize("NFKC", question)
    )
    text = _MENTION.sub(" ", text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in text):
        raise InvalidQuestion("the question has no words in it")
    return text




def confidence_words(verdict: str, confidence: float) -> str:
    """The verdict and the match probability in words, for people.

    An answer is "high" from a probability of one half, "medium" below; a likely
    answer is "low" (a loose match, to be checked against its context); not found is
    "none".
    """
    if verdict == NOT_FOUND:
        return "none"
    if verdict == LIKELY:
        return "low"
    return "high" if confidence >= 0.5 else "medium"


class Engine(KeptIndex):
    """Loads or builds the index, answers questions, and rebuilds without downtime.

    Keeping the index (building, loading, swapping, following other processes that
    share its folder) is ``KeptIndex``'s part; answering from it is this class's.
    """

    def __init__(
        self,
        seeds_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        *,
        params: IndexParams = IndexParams(),
        max_file_bytes: int = 4_000_000,
        weights: Weights = Weights(),
        calibration: Calibration = Calibration(),
        exclude: Sequence[str] = (),
        follow_every: float = FOLLOW_EVERY,
        multilingual: Embedder | None = None,
    ) -> None:
        super().__init__(seeds_dir, index_dir, embedder, params=params, max_file_bytes=max_file_bytes,
                         exclude=exclude, follow_every=follow_every, multilingual=multilingual)
        self.weights = weights
        self.calibration = calibration
        self._examples: tuple[Corpus | None, list[str]] = (None, [])
        self._documents: tuple[Corpus | None, list[DocumentInfo]] = (None, [])

    @classmethod
    def open(cls, seeds_dir: Path, index_dir: Path, embedder: Embedder, *, progress: Progress | None = None, **options) -> "Engine":
        """An engine serving the index in ``index_dir``, refreshed from ``seeds_dir`` if stale."""
        engine = cls(seeds_dir, index_dir, embedder, **options)
        engine.last_report = engine.rebuild(progress=progress)
        return engine

    # -- describing ---------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self.embedder.name

    @property
    def sentence_count(self) -> int:
        return len(self.corpus.sentences)

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents; counted once per index, since /ask's suggestions ask on every keystroke."""
        corpus = self.corpus
        cached_for, documents = self._documents
        if cached_for is not corpus:
            counts = np.bincount(corpus.doc_ids, minlength=len(corpus.documents)) if len(corpus.doc_ids) else [0] * len(corpus.documents)
            paragraphs: dict[int, int] = {}
            for s in corpus.sentences:
                paragraphs[s.doc] = max(paragraphs.get(s.doc, 0), s.paragraph)
            documents = [
                DocumentInfo(d.path, d.title, d.date, int(counts[i]), paragraphs.get(i, 0))
                for i, d in enumerate(corpus.documents)
            ]
            self._documents = (corpus, documents)
        return list(documents)

    def example_questions(self, n: int = 3) -> list[str]:
        """Up to ``n`` questions about the documents that this engine answers itself.

        Drawn from years and names in the text, then kept only when the engine answers
        them with a sentence holding that year or name. Computed once per index (one
        batched model call), so call it off the event loop the first time.
        """
        corpus = self.corpus
        cached_for, examples = self._examples
        if cached_for is not corpus:
            candidates = candidate_questions(corpus)
            answers = self.ask_many([(q, None) for q, _ in candidates], k=0) if candidates else []
            examples = [q for (q, needle), a in zip(candidates, answers) if a.answered and needle in a.quote]
            self._examples = (corpus, examples)
        return examples[:n]

    # -- answering ----------------------------------------------------------------------

    def ask(self, question: str, *, k: int = 3, document: str | None = None) -> Answer:
        """The best sentence for ``question``, or a not-found answer with the closest ones."""
        return self.ask_many([(question, document)], k=k)[0]

    def ask_many(self, questions: Sequence[tuple[str, str | None]], *, k: int = 3) -> list[Answer]:
        """Answer several questions with one model call; results in the same order."""
        self._follow()
        corpus = self.corpus  # one snapshot for the whole batch, whatever a rebuild does
        cleaned = [clean_question(q) for q, _ in questions]
        scopes = [self._scope(corpus, doc) for _, doc in questions]
        languages = [language_of(q) for q in cleaned]
        if not corpus.sentences:
            return [Answer(question=q, answered=False, passage=None, verdict=NOT_FOUND, language=lang) for q, lang in zip(cleaned, languages)]
        can_cross = self._can_cross(corpus)
        crosslingual = [lang != ENGLISH and can_cross for lang in languages]
        # An English question's English reading covers the English documents; the
        # documents in other languages are read by e5, as another language's question
        # reads the English ones (``merge`` says which reading answers).
        foreign = foreign_sentences(corpus) if can_cross else None
        readings: list[list[tuple[np.ndarray | None, bool]]] = [
            [(scopes[i], True)] if cross else _by_language(scopes[i], foreign)
            for i, cross in enumerate(crosslingual)
        ]
        english = [(i, scope) for i, reads in enumerate(readings) for scope, cross in reads if not cross]
        others = [(i, scope) for i, reads in enumerate(readings) for scope, cross in reads if cross]
        rankings: dict[tuple[int, bool], Ranking] = {}
        if english:
            vectors, tokens = self.embedder.encode_with_tokens([cleaned[i] for i, _ in english])
            hub = self._hubness(corpus)
            for j, (i, scope) in enumerate(english):
                q_tokens = tokens[j] if tokens else None
                rankings[i, False] = rank(corpus, cleaned[i], vectors[j : j + 1], scope, self.weights, self.calibration, q_tokens, hub)
        if others:
            read = [reading(cleaned[i], languages[i]) for i, _ in others]
            vectors = self.multilingual.encode_queries(read)
            references = reference_questions.for_encoder(self.multilingual)
            for j, (i, scope) in enumerate(others):
                rankings[i, True] = rank_crosslingual(corpus, read[j], vectors[j], scope, references=references)
        return [
            merge([self._answer(corpus, q, rankings[i, cross], k, languages[i], cross) for _, cross in readings[i]], k)
            for i, q in enumerate(cleaned)
        ]

    def _hubness(self, corpus: Corpus) -> np.ndarray | None:
        """Every sentence's hubness among the English reference questions, for the topic model."""
        return reference_questions.sentence_hubness(corpus, reference_questions.for_encoder(self.embedder, reference_questions.ENGLISH_PATH))

    def _install(self, state: Served) -> None:
        super()._install(state)
        # At 100,000 sentences the hubness takes seconds (and the documents' languages
        # one or two with the multilingual encoder on): a new build's are computed now,
        # beside the questions still answered, rather than by the first one it answers.
        if len(state.corpus.sentences) > WARM_HUBNESS_FROM:
            threading.Thread(target=self._warm, args=(state.corpus,), name="kizuna-warm", daemon=True).start()

    def _warm(self, corpus: Corpus) -> None:
        """What the first question would otherwise compute: the hubness, and which documents are in another language."""
        self._hubness(corpus)
        if self._can_cross(corpus):
            foreign_sentences(corpus)

    def _can_cross(self, corpus: Corpus) -> bool:
        return self.multilingual is not None and corpus.multilingual is not None

    def _scope(self, corpus: Corpus, document: str | None) -> np.ndarray | None:
        if document is None or document == "":
            return None
        i = corpus.document_index(document)
        if i is None:
            names = ", ".join(d.path for d in corpus.documents[:10])
            raise UnknownDocument(f"no document named {document!r}; indexed: {names}")
        return np.flatnonzero(corpus.doc_ids == i)

    def _answer(self, corpus: Corpus, question: str, ranking: Ranking, k: int, language: str = ENGLISH, crosslingual: bool = False) -> Answer:
        answered = ranking.verdict != NOT_FOUND
        best = self._passage(corpus, int(ranking.rows[0]), ranking.confidence)
        alternatives = []
        seen = {best.quote}
        for row, score in zip(ranking.rows[1:], ranking.scores[1:]):
            if len(alternatives) >= k:
                break
            passage = self._passage(corpus, int(row), float(score) * ranking.confidence / max(float(ranking.scores[0]), 1e-9))
            if passage.quote not in seen:  # the same sentence in two files is one passage
                seen.add(passage.quote)
                alternatives.append(passage)
        before, after = self._context(corpus, int(ranking.rows[0]))
        return Answer(
            question=question,
            answered=answered,
            passage=best,
            alternatives=tuple(alternatives),
            context_before=before,
            context_after=after,
            highlight=highlight(ranking.kind, best.quote, stems(question)) if answered else None,
            confidence=confidence_words(ranking.verdict, ranking.confidence),
            verdict=ranking.verdict,
            language=language,
            crosslingual=crosslingual,
        )

    def _passage(self, corpus: Corpus, row: int, score: float) -> Passage:
        s = corpus.sentences[row]
        doc = corpus.documents[s.doc]
        return Passage(s.text, doc.path, doc.title, doc.date, s.paragraph, s.start, s.end, round(min(max(score, 0.0), 1.0), 4))

    def _context(self, corpus: Corpus, row: int) -> tuple[str, str]:
        s = corpus.sentences[row]
        text = corpus.documents[s.doc].text
        lo = row
        while lo > 0 and row - lo < _CONTEXT_SENTENCES and corpus.sentences[lo - 1].doc == s.doc:
            lo -= 1
        hi = row
        while hi + 1 < len(corpus.sentences) and hi - row < _CONTEXT_SENTENCES and corpus.sentences[hi + 1].doc == s.doc:
            hi += 1
        before = text[corpus.sentences[lo].start : s.start].strip() if lo < row else ""
        after = text[s.end : corpus.sentences[hi].end].strip() if hi > row else ""
        return before, after
