"""Token codes read from a build's file when a question needs them, not held in memory.

The int8 token codes are most of an index: about 10 KB a sentence, a gigabyte at
100,000 sentences. A question reads its shortlist's (64 sentences and the ones before
them, some 1.3 MB). Memory-mapped, every page a question had touched stayed in the
process's resident memory, so a bot that had answered a few thousand questions held
most of the file. Read with ``pread`` the same pages sit in the kernel's page cache,
shared by every process serving the build and given back under pressure, and the
process holds only what the question in hand uses.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class _Codes:
    """What ``TokenVectors`` needs of an int8 (rows, width) array, for codes not held as one:
    ``codes[lo:hi]`` is a window (no read), ``codes[picks]`` reads those rows, and
    ``np.asarray(codes)`` reads them all. Subclasses give ``shape``, ``_window`` and ``_take``."""

    dtype = np.dtype(np.int8)
    ndim = 2
    shape: tuple[int, int]

    @property
    def nbytes(self) -> int:
        return self.shape[0] * self.shape[1]

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if step != 1:
                raise IndexError("only contiguous windows of token codes")
            return self._window(lo, max(lo, hi))
        picks = np.asarray(key, dtype=np.int64)
        if picks.ndim != 1:
            raise IndexError("token codes are read by row numbers or a window")
        if len(picks) and (picks.min() < 0 or picks.max() >= len(self)):
            raise IndexError("row out of range")
        return self._take(picks)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self._take(np.arange(len(self), dtype=np.int64))
        return whole if dtype is None else whole.astype(dtype)

    def _window(self, lo: int, hi: int):
        raise NotImplementedError

    def _take(self, picks: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class StoredCodes(_Codes):
    """A (rows, width) int8 array in a ``.npy`` file, rows read on demand (a rebuild copying
    unchanged documents' codes reads a window whole)."""

    def __init__(self, path: Path, _window: tuple[int, int] | None = None, _file: "_OpenFile | None" = None) -> None:
        self.path = Path(path)
        self._file = _file if _file is not None else _OpenFile(self.path)
        self._start, self._stop = _window if _window is not None else (0, self._file.rows)

    @property
    def shape(self) -> tuple[int, int]:
        return (self._stop - self._start, self._file.width)

    def _window(self, lo: int, hi: int) -> "StoredCodes":
        return StoredCodes(self.path, (self._start + lo, self._start + hi), self._file)

    def _take(self, picks: np.ndarray) -> np.ndarray:
        """The rows at ``picks``, one read per run of consecutive rows (a sentence's tokens)."""
        out = np.empty((len(picks), self.shape[1]), np.int8)
        if not len(picks):
            return out
        breaks = np.flatnonzero(np.diff(picks) != 1) + 1
        starts = np.concatenate([[0], breaks])
        ends = np.concatenate([breaks, [len(picks)]])
        for a, b in zip(starts.tolist(), ends.tolist()):
            self._file.read_into(out[a:b], int(picks[a]) + self._start)
        return out


class ChainedCodes(_Codes):
    """Several code arrays (in memory or stored) read as one, without copying them together.

    A build's token codes are its documents' parts: batches just embedded and unchanged
    documents' windows on the old build's file. Joined into one array they took a
    gigabyte more at 100,000 sentences; chained, they are written to the new file part
    by part (``save_codes``) and read from there.
    """

    def __init__(self, parts: list) -> None:
        flat = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, ChainedCodes) else [part])
        self.parts = [p for p in flat if len(p)]
        self.width = int(flat[0].shape[1]) if flat else 0
        self.bounds = np.cumsum([0] + [len(p) for p in self.parts])

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.bounds[-1]), self.width)

    def _window(self, lo: int, hi: int):
        windows = []
        for part, start in zip(self.parts, self.bounds[:-1].tolist()):
            a, b = max(lo - start, 0), min(hi - start, len(part))
            if a < b:
                windows.append(part[a:b])
        return ChainedCodes(windows) if windows else np.empty((0, self.width), np.int8)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        # Part by part: a whole build's codes through ``_take`` would sort 2.5 million rows into parts.
        whole = np.concatenate([np.asarray(p) for p in self.parts]) if self.parts else np.empty((0, self.width), np.int8)
        return whole if dtype is None else whole.astype(dtype)

    def _take(self, picks: np.ndarray) -> np.ndarray:
        out = np.empty((len(picks), self.width), np.int8)
        owner = np.searchsorted(self.bounds, picks, side="right") - 1
        for i in np.unique(owner).tolist():
            mine = owner == i
            out[mine] = self.parts[i][picks[mine] - self.bounds[i]]
        return out


class _OpenFile:
    """The open ``.npy`` file that a ``StoredCodes`` and its windows share; closed with the last of them."""

    _CHUNK = 1 << 28  # a read() is capped near 2 GB; a whole build's codes may be more

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            if fortran or dtype != np.int8 or len(shape) != 2:
                raise ValueError(f"{path.name} is not a C-ordered (rows, width) int8 array")
            self.data_at = fh.tell()
        self.rows, self.width = int(shape[0]), int(shape[1])
        self.name = path.name
        self.fd = os.open(path, os.O_RDONLY)

    def read_into(self, out: np.ndarray, first_row: int) -> None:
        """Fill ``out`` (rows, width) with the file's rows from ``first_row`` on."""
        target = memoryview(out.reshape(-1)).cast("B")
        done, offset = 0, self.data_at + first_row * self.width
        while done < len(target):
            got = os.preadv(self.fd, [target[done : done + self._CHUNK]], offset + done)
            if got <= 0:
                raise OSError(f"{self.name} ended early: it was changed or cut after it was checked")
            done += got

    def __del__(self) -> None:
        fd = getattr(self, "fd", None)
        if fd is not None:
            os.close(fd)


def save_codes(path: Path, codes) -> None:
    """Write (rows, width) int8 codes as a ``.npy`` file, a part and a chunk at a time."""
    if isinstance(codes, np.ndarray):
        np.save(path, codes)
        return
    parts = codes.parts if isinstance(codes, ChainedCodes) else [codes]
    chunk = max(1, (64 << 20) // max(1, codes.shape[1]))  # rows in 64 MB
    with path.open("wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "|i1", "fortran_order": False, "shape": tuple(codes.shape)})
        for part in parts:
            for lo in range(0, len(part), chunk):
                fh.write(np.ascontiguousarray(np.asarray(part[lo : lo + chunk])).tobytes())
