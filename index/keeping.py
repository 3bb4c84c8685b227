"""Keeping an index in service: built from the seeds, saved, loaded, swapped and followed.

``KeptIndex`` is the half of the Engine that owns its index; the Engine adds answering.
Several of them, in several processes, may share one index folder: one builds at a
time, holding the folder's writer lock from the diff against the build on disk to the
clear-up after its own; the others follow ``CURRENT`` to each new build within
``follow_every`` seconds of a question (or when ``refresh`` is called), reading files
and never the model. index/store.py says why a build still served is never deleted.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from . import leases, store
from .answer import BuildReport
from .building import Progress, document_parts, embed_documents
from .corpus import Corpus, IndexParams
from .documents import load_documents
from .embedder import Embedder
from .errors import IndexBuildError, RebuildInProgress
from .served import Served, load_current

log = logging.getLogger(__name__)

# Seconds between two looks, when questions are asked, at whether another process has
# put a new build in service (a look is one read of a small file).
FOLLOW_EVERY = 2.0


def _diff(old: Corpus | None, documents) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The paths added, changed and removed going from ``old``'s documents to ``documents``."""
    old_hashes = {d.path: d.sha256 for d in old.documents} if old is not None else {}
    new_hashes = {d.path: d.sha256 for d in documents}
    added = tuple(p for p in new_hashes if p not in old_hashes)
    changed = tuple(p for p in new_hashes if p in old_hashes and old_hashes[p] != new_hashes[p])
    removed = tuple(p for p in old_hashes if p not in new_hashes)
    return added, changed, removed


class KeptIndex:
    """An index folder kept in service from a seeds folder: what answers are read from.

    Several of these (in several processes) may share one index folder: one builds at a
    time, under the folder's writer lock, and the others follow ``CURRENT`` to the new
    build within ``follow_every`` seconds of a question, or when ``refresh`` is called.
    """

    def __init__(self, seeds_dir: Path, index_dir: Path, embedder: Embedder, *, params: IndexParams,
                 max_file_bytes: int, exclude: Sequence[str], follow_every: float,
                 multilingual: Embedder | None = None) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.exclude = tuple(exclude)  # folders directly under seeds_dir that are not this corpus
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        # The second encoder, for questions in other languages (index.multilingual); None: off.
        self.multilingual = multilingual
        self.params = params
        self.max_file_bytes = max_file_bytes
        self.follow_every = follow_every
        self._served: Served | None = None  # what questions are answered from; swapped whole
        self._rebuild_lock = threading.Lock()  # one rebuild at a time in this process
        self._swap_lock = threading.Lock()  # held by a rebuild or a refresh: they never overlap
        self._looked = 0.0  # when a question last looked at CURRENT (time.monotonic)
        self._warned: Path | None = None  # the last build a refresh could not use, logged once
        self.last_report: BuildReport | None = None

    def close(self) -> None:
        """Give back the lease on the build served, so a clear-up may delete it once it is
        replaced (ending the process does the same). Answers still come from memory."""
        served = self._served
        if served is not None:
            served.release()

    # -- building ---------------------------------------------------------------------

    @property
    def rebuilding(self) -> bool:
        return self._rebuild_lock.locked()

    def rebuild(self, progress: Progress | None = None, *, force: bool = False) -> BuildReport:
        """Bring the index up to date with the seeds folder and swap it in.

        Blocking; run it in a thread. Questions keep being answered from the old index
        until the new one is complete. On failure the old index stays in service. When
        another process is building in the same index folder, this waits for it (the
        stage "waiting") and then builds only what it left to do.
        """
        if not self._rebuild_lock.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running")
        try:
            with self._swap_lock:
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
        looked_at, stored = None, None
        try:
            if not force:  # first without the writer lock: the index is usually up to date
                looked_at, stored = self._stored()
                if (stored is not None and not any(_diff(stored.corpus, documents)) and self._same_multilingual(stored)
                        and store.current_build(self.index_dir) == looked_at):
                    self._install(stored)
                    return self._report(stored.corpus, (), (), (), 0, started, warnings, rebuilt=False)
            with contextlib.ExitStack() as locked:
                with store.storage_errors(self.index_dir):
                    locked.enter_context(leases.writer(self.index_dir, on_wait=self._waiting(progress)))
                # Under the lock no one else can change CURRENT: diff against what it names now.
                if force or store.current_build(self.index_dir) != looked_at:
                    self._discard(stored)
                    looked_at, stored = self._stored()
                return self._build(documents, stored, force, progress, started, warnings)
        finally:
            self._discard(stored)

    @staticmethod
    def _waiting(progress: Progress | None):
        def waiting() -> None:
            log.info("another process is building this index; waiting for it to finish")
            if progress:
                progress("waiting for another process's build", 0, 0)
        return waiting

    def _build(self, documents, stored: Served | None, force: bool, progress: Progress | None,
               started: float, warnings) -> BuildReport:
        """Under the writer lock: embed what the build in service lacks, save, swap, clear up."""
        served = self._served
        base = stored if stored is not None else served
        added, changed, removed = _diff(base.corpus if base is not None else None, documents)
        # Multilingual answers switched on or off, or another encoder: only its vectors change.
        if stored is not None and not (added or changed or removed or force) and self._same_multilingual(stored):
            self._install(stored)
            return self._report(stored.corpus, (), (), (), 0, started, warnings, rebuilt=False)
        cache = {}
        if not force:  # vectors are keyed by content hash: any copy of them is as good
            for state in (served, stored):
                if state is not None:
                    parts = document_parts(state.corpus)
                    if not self._same_multilingual(state):  # keep MiniLM's, not another encoder's
                        parts = {sha: part.without_multilingual() for sha, part in parts.items()}
                    cache.update(parts)
        corpus, fresh = embed_documents(documents, self.embedder, self.params, cache, progress, self.multilingual)
        if progress:
            progress("saving", 0, 1)
        with store.storage_errors(self.index_dir):
            build, manifest = store.write_build(corpus, self.index_dir, self.embedder.name, self._multilingual_name)
            corpus = store.mapped(corpus, build)
            self._install(Served(corpus, manifest, build, leases.Lease.take(build)))
            self._discard(stored)
            store.remove_debris(self.index_dir, keep=build.name)
        log.info("index built: %d documents, %d sentences, %d embedded anew", len(documents), len(corpus.sentences), fresh)
        return self._report(corpus, added, changed, removed, fresh, started, warnings, rebuilt=True)

    def _stored(self) -> tuple[Path | None, Served | None]:
        """The build CURRENT names, and its contents when they can serve (this engine's own
        when it serves that build already). A problem is logged: the caller rebuilds."""
        served = self._served
        if served is not None and served.build is not None and store.current_build(self.index_dir) == served.build:
            return served.build, served
        loaded = load_current(self.index_dir, self._unusable)
        if loaded.problem:
            log.log(loaded.level, "the index in %s: %s; rebuilding it", self.index_dir, loaded.problem)
        return loaded.build, loaded.served

    @property
    def _multilingual_name(self) -> str | None:
        return self.multilingual.name if self.multilingual is not None else None

    def _same_multilingual(self, state: Served) -> bool:
        """Whether the build has the multilingual vectors this engine wants (or none, when off)."""
        return (state.manifest.get("multilingual") or {}).get("model") == self._multilingual_name

    def _unusable(self, manifest: dict) -> str:
        """Why a build made another way cannot serve this engine, or "" when it can.

        A build with no multilingual vectors, or with them while this engine has none,
        still serves (questions in other languages then take the English ranking), so a
        process with the setting off can follow one with it on; another encoder's vectors
        would rank nonsense.
        """
        if manifest.get("model") != self.embedder.name or manifest.get("dimension") != self.embedder.dimension:
            return f"built with {manifest.get('model')} ({manifest.get('dimension')} dimensions), not {self.embedder.name}"
        if manifest.get("params") != self.params.to_dict():
            return "built with other chunking parameters"
        theirs = (manifest.get("multilingual") or {}).get("model")
        if theirs and self.multilingual is not None and theirs != self.multilingual.name:
            return f"its multilingual vectors are from {theirs}, not {self.multilingual.name}"
        return ""

    def _install(self, state: Served) -> None:
        """Answer from ``state`` from now on (one reference replaced), then give back the old lease."""
        old, self._served = self._served, state
        if old is not None and old is not state and old.lease is not state.lease:
            old.release()

    def _discard(self, state: Served | None) -> None:
        """Give back the lease of a build that was read but is not served."""
        if state is not None and state is not self._served:
            state.release()

    # -- following other processes ------------------------------------------------------

    def refresh(self) -> bool:
        """Serve the build another process put in service, if ``CURRENT`` names a new one.

        Reads files, never the model. Questions are answered from the old build while
        the new one loads; then one reference changes, the old build's lease is given
        back and, if no process serves it any more, it is deleted. Does nothing while
        this engine rebuilds (its own build comes next) or refreshes already. True when
        it changed builds.
        """
        if self._served is None or not self._swap_lock.acquire(blocking=False):
            return False
        try:
            served = self._served
            if store.current_build(self.index_dir) in (None, served.build):
                return False
            loaded = load_current(self.index_dir, self._unusable)
            if loaded.served is None or loaded.build == served.build:
                self._discard(loaded.served)
                if loaded.problem and loaded.build != self._warned:
                    self._warned = loaded.build
                    log.log(loaded.level, "the index in %s: %s; still answering from %s", self.index_dir,
                            loaded.problem, served.build.name if served.build else "memory")
                return False
            self._install(loaded.served)
        finally:
            self._swap_lock.release()
        log.info("now answering from %s (put in service in %s by another process)", loaded.build.name, self.index_dir)
        try:
            store.collect(self.index_dir)
        except OSError as err:
            log.debug("clearing up %s failed: %s", self.index_dir, err)
        return True

    def _follow(self) -> None:
        """At most every ``follow_every`` seconds, a look at CURRENT; a new build is loaded
        in a thread of its own, so this question is answered at once from the old one."""
        now = time.monotonic()
        if now - self._looked < self.follow_every:
            return
        self._looked = now
        served = self._served
        if served is None or self._swap_lock.locked() or store.current_build(self.index_dir) in (None, served.build):
            return
        threading.Thread(target=self._refresh_quietly, name="kizuna-follow", daemon=True).start()

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception:  # a thread of its own: nobody else would see it
            log.exception("following the index in %s failed", self.index_dir)

    def _report(self, corpus, added, changed, removed, fresh, started, warnings, rebuilt) -> BuildReport:
        return BuildReport(
            documents=len(corpus.documents),
            sentences=len(corpus.sentences),
            added=tuple(added),
            changed=tuple(changed),
            removed=tuple(removed),
            reembedded=fresh,
            seconds=time.perf_counter() - started,
            warnings=tuple(warnings),
            rebuilt=rebuilt,
        )

    # -- what is served -------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether an index is loaded and answering (a first build may still be running)."""
        return self._served is not None

    @property
    def corpus(self) -> Corpus:
        served = self._served
        if served is None:
            raise IndexBuildError("the index has not been built")
        return served.corpus

    @property
    def build(self) -> Path | None:
        """The build folder answers come from."""
        served = self._served
        return served.build if served is not None else None

    @property
    def built_at(self) -> str:
        served = self._served
        return str(served.manifest.get("built_at", "")) if served is not None else ""
