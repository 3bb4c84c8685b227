"""The answer engine: seeds folder in, verbatim quoted answers out."""
from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Sequence

import numpy as np

from . import store
from .answer import Answer, BuildReport, DocumentInfo, Passage
from .answer_types import highlight
from .corpus import Corpus, IndexParams, Progress, embed_documents
from .crosslingual import rank_crosslingual
from .documents import load_documents
from .embedder import Embedder
from .errors import IndexBuildError, InvalidQuestion, RebuildInProgress, UnknownDocument
from .examples import candidate_questions
from .language import ENGLISH, language_of
from .lexical import stems
from .ranking import LIKELY, NOT_FOUND, Calibration, Ranking, Weights, rank

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
_CONTEXT_SENTENCES = 2
# Reads of the stored index before giving up on one that another process keeps replacing.
_LOAD_TRIES = 5
# Discord's raw mention syntax: users <@123> and <@!123>, roles <@&123>, channels <#123>.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")


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


class Engine:
    """Loads or builds the index, answers questions, and rebuilds without downtime."""

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
        multilingual: Embedder | None = None,
    ) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.exclude = tuple(exclude)  # folders directly under seeds_dir that are not this corpus
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.params = params
        self.max_file_bytes = max_file_bytes
        self.weights = weights
        self.calibration = calibration
        # The second encoder, for questions in other languages (index.multilingual); None: off.
        self.multilingual = multilingual
        self._corpus: Corpus | None = None
        self._manifest: dict = {}
        self._rebuild_lock = threading.Lock()
        self.last_report: BuildReport | None = None
        self._examples: tuple[Corpus | None, list[str]] = (None, [])
        self._documents: tuple[Corpus | None, list[DocumentInfo]] = (None, [])

    @classmethod
    def open(cls, seeds_dir: Path, index_dir: Path, embedder: Embedder, *, progress: Progress | None = None, **options) -> "Engine":
        """An engine serving the index in ``index_dir``, refreshed from ``seeds_dir`` if stale."""
        engine = cls(seeds_dir, index_dir, embedder, **options)
        engine.last_report = engine.rebuild(progress=progress)
        return engine

    # -- building ---------------------------------------------------------------------

    @property
    def rebuilding(self) -> bool:
        return self._rebuild_lock.locked()

    def rebuild(self, progress: Progress | None = None, *, force: bool = False) -> BuildReport:
        """Bring the index up to date with the seeds folder and swap it in.

        Blocking; run it in a thread. Questions keep being answered from the old index
        until the new one is complete. On failure the old index stays in service.
        """
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running")
        try:
            return self._rebuild(progress, force)
        except (RebuildInProgress, IndexBuildError):
            raise
        except Exception as err:
            log.exception("rebuilding the index from %s failed", self.seeds_dir)
            raise IndexBuildError(f"{type(err).__name__}: {err}") from err
        finally:
            self._rebuild_lock.release()

    def _rebuild(self, progress: Progress | None, force: bool) -> BuildReport:
        started = time.perf_counter()
        if progress:
            progress("reading", 0, 1)
        if not self.seeds_dir.is_dir():
            raise IndexBuildError(f"the seeds folder {self.seeds_dir} does not exist")
        store.check_index_dir(self.index_dir)  # before minutes of embedding, not after
        documents, warnings = load_documents(self.seeds_dir, self.max_file_bytes, self.exclude)
        for warning in warnings:
            log.warning("%s", warning)
        old = self._corpus if self._corpus is not None else self._load_stored()
        old_hashes = {d.path: d.sha256 for d in old.documents} if old else {}
        new_hashes = {d.path: d.sha256 for d in documents}
        added = tuple(p for p in new_hashes if p not in old_hashes)
        removed = tuple(p for p in old_hashes if p not in new_hashes)
        changed = tuple(p for p in new_hashes if p in old_hashes and old_hashes[p] != new_hashes[p])
        # Multilingual answers switched on or off, or another encoder: only its vectors change.
        switched = old is not None and (self._manifest.get("multilingual") or {}).get("model") != self._multilingual_name
        if old is not None and not (added or removed or changed or force or switched):
            self._corpus = old
            return self._report(old, (), (), (), 0, started, warnings, rebuilt=False)
        cache = store.cached_vectors(old) if old is not None and not force else {}
        if switched:
            cache = {sha: (*vectors[:3], None) for sha, vectors in cache.items()}
        corpus, fresh = embed_documents(documents, self.embedder, self.params, cache, progress, self.multilingual)
        if progress:
            progress("saving", 0, 1)
        self._manifest = store.save(corpus, self.index_dir, self.embedder.name, self._multilingual_name)
        self._corpus = corpus  # the swap: one reference assignment
        log.info("index built: %d documents, %d sentences, %d embedded anew", len(documents), len(corpus.sentences), fresh)
        return self._report(corpus, added, changed, removed, fresh, started, warnings, rebuilt=True)

    @property
    def _multilingual_name(self) -> str | None:
        return self.multilingual.name if self.multilingual is not None else None

    def _load_stored(self) -> Corpus | None:
        """The index on disk if it was built the same way, else None (with a warning).

        Another process may put a new build in service, and delete the old one, while
        this one reads. So each try reads CURRENT once and uses that build for manifest
        and data; a failure only means corruption when the same build fails twice.
        """
        failed = None
        for _ in range(_LOAD_TRIES):
            build = store.current_build(self.index_dir)
            if build is None:
                return None
            try:
                return self._load_build(build)
            except store.CorruptIndex as err:
                if build == failed:
                    log.warning("the index in %s is corrupt (%s); rebuilding it", self.index_dir, err)
                    return None
                log.debug("reading %s failed (%s); reading CURRENT again", build, err)
                failed = build
        log.warning("the index in %s kept changing while it was read; rebuilding it", self.index_dir)
        return None

    def _load_build(self, build: Path) -> Corpus | None:
        """One build's corpus, or None when it was built with another model or parameters."""
        manifest = store.build_manifest(build)
        if manifest.get("model") != self.embedder.name or manifest.get("dimension") != self.embedder.dimension:
            log.info("the index was built with %s; rebuilding for %s", manifest.get("model"), self.embedder.name)
            return None
        if manifest.get("params") != self.params.to_dict():
            log.info("the chunking parameters changed; rebuilding the index")
            return None
        corpus = store.load(self.index_dir, manifest, build)
        self._manifest = manifest
        return corpus

    def _report(self, corpus, added, changed, removed, fresh, started, warnings, rebuilt) -> BuildReport:
        return BuildReport(
            documents=len(corpus.documents),
            sentences=len(corpus.sentences),
            chunks=len(corpus.chunk_vectors),
            added=tuple(added),
            changed=tuple(changed),
            removed=tuple(removed),
            reembedded=fresh,
            seconds=time.perf_counter() - started,
            warnings=tuple(warnings),
            rebuilt=rebuilt,
        )

    # -- describing ---------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether an index is loaded and answering (a first build may still be running)."""
        return self._corpus is not None

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            raise IndexBuildError("the index has not been built")
        return self._corpus

    @property
    def model_name(self) -> str:
        return self.embedder.name

    @property
    def built_at(self) -> str:
        return str(self._manifest.get("built_at", ""))

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
        corpus = self.corpus  # one snapshot for the whole batch, whatever a rebuild does
        cleaned = [clean_question(q) for q, _ in questions]
        scopes = [self._scope(corpus, doc) for _, doc in questions]
        languages = [language_of(q) for q in cleaned]
        if not corpus.sentences:
            return [Answer(question=q, answered=False, passage=None, verdict=NOT_FOUND, language=lang) for q, lang in zip(cleaned, languages)]
        crosslingual = [lang != ENGLISH and self._can_cross(corpus) for lang in languages]
        english = [i for i, cross in enumerate(crosslingual) if not cross]
        rankings: dict[int, Ranking] = {}
        if english:
            vectors, tokens = self.embedder.encode_with_tokens([cleaned[i] for i in english])
            for j, i in enumerate(english):
                q_tokens = tokens[j] if tokens else None
                rankings[i] = rank(corpus, cleaned[i], vectors[j : j + 1], scopes[i], self.weights, self.calibration, q_tokens)
        others = [i for i, cross in enumerate(crosslingual) if cross]
        if others:
            vectors = self.multilingual.encode_queries([cleaned[i] for i in others])
            for j, i in enumerate(others):
                rankings[i] = rank_crosslingual(corpus, cleaned[i], vectors[j], scopes[i])
        return [
            self._answer(corpus, q, rankings[i], k, languages[i], crosslingual[i])
            for i, q in enumerate(cleaned)
        ]

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
