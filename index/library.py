"""Corpora by scope: the shared documents and each server's own, one Engine each.

A scope is a plain name here. ``SHARED`` is the corpus every question searches (the
seeds folder, without its ``servers/`` folder); any other name (the bot uses a
server's ID) is a corpus of its own, kept apart on disk::

    <seeds>/                     the shared documents
    <seeds>/servers/<scope>/     one server's documents
    <index>/                     the shared index
    <index>/servers/<scope>/     one server's index

A question names the scopes it may search; each one's engine answers it and the best
answer wins, by verdict first (answer, then likely, then not found) and score second
(``answer.merge``, which first prefers an answer read in the question's own language).
Server engines are opened on first use, so a bot in many servers loads only the
corpora people ask about.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from . import uploads
from .answer import Answer, BuildReport, DocumentInfo, Passage, merge
from .engine import Engine, clean_question
from .errors import KizunaError, UnknownDocument
from .uploads import Upload

log = logging.getLogger(__name__)

SHARED = "shared"
SERVERS = "servers"  # the folder, in the seeds and in the index folder, that holds server corpora
_SCOPE = re.compile(r"[0-9A-Za-z_-]{1,64}")

Item = tuple[str, "str | None", Sequence[str]]  # question, document or None, scopes to search


class NoSuchScope(KizunaError):
    """A scope that has no corpus: a server that has added no documents, or a bad name."""


class Library:
    """One Engine per scope, answering each question from the scopes it may search.

    ``shared`` is the engine of the shared corpus, already open. Server corpora live in
    ``servers_dir/<scope>`` with their index in ``servers_index_dir/<scope>``; without
    those folders the library is the shared corpus alone.
    """

    def __init__(self, shared: Any, servers_dir: Path | None = None, servers_index_dir: Path | None = None,
                 *, open_engine: Callable[[Path, Path], Any] | None = None) -> None:
        self.shared = shared
        self.servers_dir = Path(servers_dir) if servers_dir is not None else None
        self.servers_index_dir = Path(servers_index_dir) if servers_index_dir is not None else None
        self._open_engine = open_engine or self._server_engine
        self._engines: dict[str, Any] = {SHARED: shared}
        # Per scope: held by a rebuild or a first load, so they never overlap; questions
        # never wait on it (a scope being built for the first time is skipped).
        self._build_locks: dict[str, threading.Lock] = {}
        # Per scope: held while files are added or removed, so a quota check and the
        # write it allows are one step.
        self._file_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def around(cls, shared: Engine) -> "Library":
        """The library whose server corpora live in ``servers/`` of the shared engine's folders."""
        return cls(shared, shared.seeds_dir / SERVERS, shared.index_dir / SERVERS)

    @classmethod
    def of(cls, engine_or_library: Any) -> "Library":
        """A library as is, or an engine alone wrapped as the shared corpus."""
        return engine_or_library if isinstance(engine_or_library, cls) else cls(engine_or_library)

    # -- scopes ---------------------------------------------------------------------------

    def folder(self, scope: str) -> Path:
        """Where a scope's documents are kept."""
        if scope == SHARED:
            return Path(self.shared.seeds_dir)
        if self.servers_dir is None:
            raise NoSuchScope("this library serves the shared documents only")
        if not _SCOPE.fullmatch(scope) or scope == SHARED:
            raise NoSuchScope(f"{scope!r} is not a scope name")
        return self.servers_dir / scope

    def _server_engine(self, folder: Path, index: Path) -> Engine:
        s = self.shared
        return Engine(folder, index, s.embedder, params=s.params, max_file_bytes=s.max_file_bytes,
                      weights=s.weights, calibration=s.calibration, follow_every=s.follow_every,
                      multilingual=getattr(s, "multilingual", None))

    def engine(self, scope: str) -> Any | None:
        """The scope's engine (created, not yet loaded, on first use), or None when it has no folder."""
        with self._lock:
            engine = self._engines.get(scope)
            if engine is not None:
                return engine
            try:
                folder = self.folder(scope)
            except NoSuchScope:
                return None
            if not folder.is_dir():
                return None
            assert self.servers_index_dir is not None
            engine = self._engines[scope] = self._open_engine(folder, self.servers_index_dir / scope)
            return engine

    def _lock_of(self, locks: dict[str, threading.Lock], scope: str) -> threading.Lock:
        with self._lock:
            return locks.setdefault(scope, threading.Lock())

    def _serving(self, scope: str) -> Any | None:
        """The scope's engine if it can answer now, loading its index on first use.

        Never waits: while a scope's first build runs elsewhere, it is skipped.
        """
        engine = self.engine(scope)
        if engine is None or getattr(engine, "ready", True):
            return engine
        lock = self._lock_of(self._build_locks, scope)
        if not lock.acquire(blocking=False):
            return None
        try:
            if not engine.ready:
                engine.rebuild()  # reads the stored index; embeds only what changed on disk
        except KizunaError as err:
            log.warning("the %s corpus could not be opened: %s", scope, err)
            return None
        finally:
            lock.release()
        return engine

    def rebuilding(self, scope: str) -> bool:
        """Whether a rebuild (or first load) of ``scope`` is running now."""
        engine = self._engines.get(scope)
        return self._lock_of(self._build_locks, scope).locked() or bool(getattr(engine, "rebuilding", False))

    def rebuild(self, scope: str, progress: Any = None, *, force: bool = False) -> BuildReport:
        """Bring a scope's index up to date with its folder. Blocking: run it in a thread.

        Waits for a first load of the same scope to finish; the engine refuses a second
        rebuild that overlaps (RebuildInProgress).
        """
        engine = self.engine(scope)
        if engine is None:
            raise NoSuchScope("this server has no documents of its own yet")
        with self._lock_of(self._build_locks, scope):
            return engine.rebuild(progress, force=force)

    def refresh(self) -> list[str]:
        """Each loaded corpus follows its index folder to the build another process put in
        service (``Engine.refresh``); returns the scopes that changed. Blocking: it reads
        files (never the model), so run it in a thread. Questions do the same by
        themselves every few seconds; this is for a process that is asked nothing.
        """
        with self._lock:
            engines = list(self._engines.items())
        changed = []
        for scope, engine in engines:
            refresh = getattr(engine, "refresh", None)  # an engine that shares no folder has none
            if refresh is not None and refresh():
                changed.append(scope)
        return changed

    # -- describing -----------------------------------------------------------------------

    def documents(self, scopes: Sequence[str]) -> list[DocumentInfo]:
        """The documents the scopes hold, in the scopes' order, each tagged with its scope."""
        out: list[DocumentInfo] = []
        for scope in scopes:
            engine = self._serving(scope)
            if engine is not None:
                out += [d if d.scope else replace(d, scope=scope) for d in engine.documents()]
        return out

    def describe(self, scopes: Sequence[str]) -> list[tuple[str, int, str]]:
        """(scope, sentences, built at) for each scope that has an index."""
        out = []
        for scope in scopes:
            engine = self._serving(scope)
            if engine is not None:
                out.append((scope, engine.sentence_count, engine.built_at))
        return out

    @property
    def multilingual(self) -> bool:
        """Whether questions in other languages are ranked with the multilingual encoder."""
        return getattr(self.shared, "multilingual", None) is not None

    @property
    def model_name(self) -> str:
        return self.shared.model_name

    def example_questions(self, scopes: Sequence[str], n: int = 3) -> list[str]:
        """Up to ``n`` questions the scopes answer themselves, the first scope's first."""
        out: list[str] = []
        for scope in scopes:
            engine = self._serving(scope)
            if engine is not None and len(out) < n:
                out += [q for q in engine.example_questions(n) if q not in out]
        return out[:n]

    # -- answering ------------------------------------------------------------------------

    def ask(self, question: str, scopes: Sequence[str] = (SHARED,), *, k: int = 3,
            document: str | None = None) -> Answer:
        """The best answer to ``question`` from ``scopes``, or only from the one holding ``document``."""
        return self.ask_many([(question, document, scopes)], k=k)[0]

    def ask_many(self, items: Sequence[Item], *, k: int = 3) -> list[Answer]:
        """Answer several questions, each from its own scopes: one call per engine."""
        targets = [self._targets(document, scopes) for _, document, scopes in items]
        asked: dict[str, list[int]] = {}
        for i, scopes in enumerate(targets):
            for scope in scopes:
                asked.setdefault(scope, []).append(i)
        found: list[list[Answer]] = [[] for _ in items]
        for scope, rows in asked.items():
            engine = self._serving(scope)
            if engine is None:
                continue
            answers = engine.ask_many([(items[i][0], items[i][1]) for i in rows], k=k)
            for i, answer in zip(rows, answers):
                found[i].append(_tagged(answer, scope))
        return [merge(answers, k) if answers else _nothing(items[i][0]) for i, answers in enumerate(found)]

    def _targets(self, document: str | None, scopes: Sequence[str]) -> list[str]:
        """The scopes to ask: all of them, or the first that holds ``document``."""
        if not document:
            return list(scopes)
        names: list[str] = []
        for scope in scopes:
            engine = self._serving(scope)
            if engine is None:
                continue
            paths = [d.path for d in engine.documents()]
            if document in paths:
                return [scope]
            names += paths
        shown = ", ".join(names[:10]) or "none"
        raise UnknownDocument(f"no document named {document!r}; indexed: {shown}")

    # -- documents added by people ----------------------------------------------------------

    def add_document(self, scope: str, upload: Upload, *, replace: bool = False,
                     max_documents: int = 50, max_total_bytes: int = 20_000_000) -> str | None:
        """Store an upload in a server's folder (atomically, within its quota); rebuild after.

        Returns the name of the file it replaced, if any.
        """
        if scope == SHARED:
            raise NoSuchScope("documents are added to a server's own corpus, not the shared one")
        folder = self.folder(scope)
        with self._lock_of(self._file_locks, scope):
            return uploads.store(folder, upload, replace=replace, max_documents=max_documents,
                                 max_total_bytes=max_total_bytes)

    def remove_document(self, scope: str, name: str) -> str:
        """Delete a document from a server's folder; rebuild after. Returns the name removed."""
        if scope == SHARED:
            raise NoSuchScope("documents are removed from a server's own corpus, not the shared one")
        with self._lock_of(self._file_locks, scope):
            return uploads.remove(self.folder(scope), name)

    def stored_documents(self, scope: str) -> list[tuple[str, int]]:
        """(file name, bytes) of each document in a server's folder, indexed or not yet."""
        try:
            return uploads.listing(self.folder(scope))
        except NoSuchScope:
            return []


def _tagged(answer: Answer, scope: str) -> Answer:
    """The answer with every passage marked as coming from ``scope``."""
    def tag(p: Passage) -> Passage:
        return p if p.scope else replace(p, scope=scope)

    return replace(answer, passage=tag(answer.passage) if answer.passage else None,
                   alternatives=tuple(tag(p) for p in answer.alternatives))


def _nothing(question: str) -> Answer:
    """No scope could answer (none has an index yet): not found, with nothing to show."""
    return Answer(question=clean_question(question), answered=False, passage=None, verdict="not_found")


__all__ = ["Library", "NoSuchScope", "SHARED", "SERVERS", "merge"]
