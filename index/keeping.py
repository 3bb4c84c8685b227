"""Keeping an index in service: built from the seeds, saved, loaded and swapped.

``KeptIndex`` is the half of the Engine that owns its index; the Engine adds answering.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from . import store
from .answer import BuildReport
from .corpus import Corpus, IndexParams, Progress, embed_documents
from .documents import load_documents
from .embedder import Embedder
from .errors import IndexBuildError, RebuildInProgress

log = logging.getLogger(__name__)

# Reads of the stored index before giving up on one that another process keeps replacing.
_LOAD_TRIES = 5


class KeptIndex:
    """An index folder kept in service from a seeds folder: what answers are read from."""

    def __init__(self, seeds_dir: Path, index_dir: Path, embedder: Embedder, *, params: IndexParams,
                 max_file_bytes: int, exclude: Sequence[str]) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.exclude = tuple(exclude)  # folders directly under seeds_dir that are not this corpus
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.params = params
        self.max_file_bytes = max_file_bytes
        self._corpus: Corpus | None = None
        self._manifest: dict = {}
        self._rebuild_lock = threading.Lock()
        self.last_report: BuildReport | None = None

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
        if old is not None and not (added or removed or changed or force):
            self._corpus = old
            return self._report(old, (), (), (), 0, started, warnings, rebuilt=False)
        cache = store.cached_vectors(old) if old is not None and not force else {}
        corpus, fresh = embed_documents(documents, self.embedder, self.params, cache, progress)
        if progress:
            progress("saving", 0, 1)
        self._manifest = store.save(corpus, self.index_dir, self.embedder.name)
        self._corpus = corpus  # the swap: one reference assignment
        log.info("index built: %d documents, %d sentences, %d embedded anew", len(documents), len(corpus.sentences), fresh)
        return self._report(corpus, added, changed, removed, fresh, started, warnings, rebuilt=True)

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

    # -- what is served -------------------------------------------------------------------

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
    def built_at(self) -> str:
        return str(self._manifest.get("built_at", ""))
