"""The reference questions behind the cross-lingual ``hub`` signal (``crosslingual.py``).

Their vectors are e5's for the Turkish and Japanese training questions, written by
``kizuna fit`` beside ``fitted.json`` together with the encoder's name and version. A
vector belongs to the encoder that made it: under any other the signal is off, said once.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_atomically

log = logging.getLogger(__name__)

PATH = Path(__file__).with_name("reference_questions.npz")


@dataclass(frozen=True)
class References:
    questions: np.ndarray  # every reference question's vector, for the ranking's ``hub``
    # The answerable ones only, for the topic model's: an off-topic question would find
    # its like among the off-topic ones whatever the documents hold.
    answerable: np.ndarray


def encoder_id(encoder: Any) -> str:
    return f"{encoder.name} {getattr(encoder, 'version', '')}".strip()


def save(vectors: np.ndarray, answerable: np.ndarray, encoder: Any, path: Path = PATH) -> None:
    """Write the vectors (as float16: a cosine needs no more) and which rows are of
    answerable questions, whole or not at all."""
    packed = io.BytesIO()
    np.savez(packed, vectors=vectors.astype(np.float16), answerable=np.asarray(answerable, bool),
             encoder=np.array(encoder_id(encoder)))
    # 0644: the default 0600 would hide it from other users of an install.
    write_atomically(path, packed.getvalue(), prefix=f".{path.name}", mode=0o644)
    _load.cache_clear()


def for_encoder(encoder: Any, path: Path = PATH) -> References | None:
    """The reference questions' vectors made by ``encoder``, or None when there are none such."""
    return _load(path, encoder_id(encoder))


@lru_cache(maxsize=4)
def _load(path: Path, wanted: str) -> References | None:
    try:
        with np.load(path) as stored:
            made_by, vectors = str(stored["encoder"]), stored["vectors"].astype(np.float32)
            answerable = stored["answerable"].astype(bool)
    except (OSError, KeyError, ValueError) as err:
        log.warning("cross-lingual hub signal off: cannot read %s (%s)", path, err)
        return None
    if made_by != wanted:
        log.warning("cross-lingual hub signal off: %s was written by %s, not %s", path.name, made_by, wanted)
        return None
    vectors = np.ascontiguousarray(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9))
    return References(vectors, np.ascontiguousarray(vectors[answerable]))
