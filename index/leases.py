"""Locks that let several processes share one index folder: the writer lock and leases.

``writer`` is one lock file per index folder (``.lock``): whoever holds it builds,
moves ``CURRENT`` and clears up. A ``Lease`` is a shared lock on one build's
``.readers`` file, held by each process serving that build; a clear-up deletes a
build only when it gets the exclusive lock on it (``remove_unless_served``).
index/store.py states the rule these serve.

These are ``flock`` locks: they belong to an open file, so two in one process exclude
each other as two processes do, and the kernel drops them when a process ends, however
it ends (no stale lease to expire).
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

log = logging.getLogger(__name__)

LOCK = ".lock"
READERS = ".readers"  # in each build folder: the processes serving it hold a shared flock on it


class BuildGone(Exception):
    """The build CURRENT named is not there (any more, or yet): read CURRENT again."""


@contextmanager
def writer(index_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index folder's writer lock: one process builds and clears up at a time.

    A builder holds it from reading the build in service to clearing up after its own,
    so it never diffs against a build that another builder is about to replace.
    ``on_wait`` is called once, before waiting, when another process holds it.
    """
    with (index_dir / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def writer_if_free(index_dir: Path) -> Iterator[bool]:
    """The writer lock if no one holds it (True), else nothing (False): never waits."""
    try:
        fh = (index_dir / LOCK).open("a")
    except OSError:  # a read-only copy of the index: nothing to clear up
        yield False
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class Lease:
    """A shared lock on one build, held while this process serves it, so no clear-up deletes it.

    Taken before the build is read. Closing the file (``release``, or the process
    ending, however it ends) gives it back; the lock lives in the kernel, so a
    killed process leaves no stale lease behind.
    """

    def __init__(self, build: Path, fd: int | None) -> None:
        self.build, self._fd = build, fd

    @classmethod
    def take(cls, build: Path) -> Lease:
        """Lease ``build``; BuildGone when it is not there (removed before the lease was had)."""
        path = build / READERS
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        except FileNotFoundError as err:
            raise BuildGone(f"{build.name} is not there") from err
        except OSError as err:  # a read-only copy: no process can delete it from under us either
            log.debug("serving %s without a lease (%s)", build, err)
            return cls(build, None)
        try:
            # Waits only while a clear-up that got the build first is deleting it.
            fcntl.flock(fd, fcntl.LOCK_SH)
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                raise FileNotFoundError(path)
        except OSError as err:
            os.close(fd)
            raise BuildGone(f"{build.name} was removed while it was being opened") from err
        return cls(build, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:  # an engine dropped without close() gives its lease back too
        with suppress(OSError, TypeError, AttributeError):  # TypeError: os already gone at exit
            self.release()


def remove_unless_served(build: Path) -> bool:
    """Delete ``build`` if no process holds a lease on it; True when it is gone."""
    try:
        fd = os.open(build / READERS, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return True
    except OSError as err:
        log.debug("cannot lock %s to remove it (%s); leaving it", build, err)
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.debug("%s is still served by a process; leaving it", build.name)
            return False
        # Held until the folder is gone: a reader waiting for a lease then finds it gone.
        shutil.rmtree(build, ignore_errors=True)
        return not build.exists()
    finally:
        os.close(fd)
