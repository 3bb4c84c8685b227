"""What an engine answers from: the build in service, read from disk under a lease.

Several processes may share one index folder, and any of them may put a new build in
service (and clear up old ones) while another reads. So a build is leased before it
is read (``leases.Lease``: no clear-up deletes it meanwhile), and a ``CURRENT`` that is
half seen (unreadable, naming a build that is not there, or replaced during the read)
is read again after a pause: only the same build failing twice is called corrupt.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import leases, store
from .corpus import Corpus

log = logging.getLogger(__name__)

# Reads of the stored index before giving up on one that is half seen or keeps changing.
LOAD_TRIES = 5
# Seconds before the first read again, doubled each time (0.75 s in all): time for a
# half-seen pointer or build to settle.
RETRY_PAUSE = 0.05


@dataclass(frozen=True)
class Served:
    """One build as an engine serves it: the corpus, its manifest, and the lease that keeps it on disk.

    ``build`` and ``lease`` are None for a corpus that no folder holds (a test's).
    """

    corpus: Corpus
    manifest: dict
    build: Path | None = None
    lease: leases.Lease | None = None

    def release(self) -> None:
        if self.lease is not None:
            self.lease.release()


@dataclass(frozen=True)
class Loaded:
    """What reading the build in service gave: the build CURRENT named, and either its
    contents or why they cannot be used (``problem``, to log at ``level``)."""

    build: Path | None
    served: Served | None = None
    problem: str = ""
    level: int = logging.WARNING


def load_current(index_dir: Path, unusable: Callable[[dict], str]) -> Loaded:
    """The build ``CURRENT`` names, leased and read; ``unusable(manifest)`` says why a
    build made another way (model, parameters) cannot serve, or "" when it can.

    No pointer at all means no index (nothing to report). A pointer that names no build,
    or a build that is not there, is half seen: read again after a pause, up to
    ``LOAD_TRIES`` times. A build that is there but fails to read is corrupt only when
    it fails twice: the first time CURRENT may have moved on while it was read.
    """
    pointer = index_dir / store.POINTER
    failed: Path | None = None  # a build that was there and failed to read
    build: Path | None = None
    problem = ""
    for attempt in range(LOAD_TRIES):
        if attempt:
            time.sleep(RETRY_PAUSE * 2 ** (attempt - 1))
        build = store.current_build(index_dir)
        if build is None:
            if not pointer.exists() and not pointer.is_symlink():
                return Loaded(None)
            problem = f"{store.POINTER} does not name a build"
            continue
        try:
            return _load(index_dir, build, unusable)
        except leases.BuildGone as err:
            problem = f"it kept changing while it was read ({err})"
        except store.CorruptIndex as err:
            if build == failed:
                return Loaded(build, problem=f"corrupt ({err})")
            problem, failed = f"corrupt ({err})", build
        log.debug("reading the index in %s failed (%s); reading %s again", index_dir, problem, store.POINTER)
    return Loaded(build, problem=problem)


def _load(index_dir: Path, build: Path, unusable: Callable[[dict], str]) -> Loaded:
    lease = leases.Lease.take(build)  # before reading: from now on no clear-up deletes it
    try:
        manifest = store.build_manifest(build)
        problem = unusable(manifest)
        if problem:
            lease.release()
            return Loaded(build, problem=problem, level=logging.INFO)
        corpus = store.load(index_dir, manifest, build)
    except BaseException:
        lease.release()
        raise
    return Loaded(build, Served(corpus, manifest, build, lease))
