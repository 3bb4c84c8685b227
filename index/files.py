"""Writing a file whole or not at all, for every file Kizuna writes outside an index build."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, prefix: str = ".", mode: int | None = None) -> None:
    """``data`` into ``path``: a temporary file beside it (``prefix``*.tmp), synced, then
    one ``os.replace``, so a reader sees the old file or the new one, never half of one.
    ``mode``: the new file's permissions (``mkstemp`` makes it 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
