"""The reference questions behind the ``hub`` signals: how near a sentence is to
questions about anything (CSLS's query side; Conneau et al., 2018).

Two sets, each written by ``kizuna fit`` beside ``fitted.json`` together with the
encoder's name and version: e5's vectors of the Turkish and Japanese training questions
(``PATH``, for ``crosslingual.py``), and MiniLM's of the answerable English training
questions, SQuAD's and the chat-typed ones, with the article each is about
(``ENGLISH_PATH``, for the English topic model's ``hub_discounted``,
``standing_out.py``). A vector belongs to the encoder that made it: under any other the
signal is off, said once.
"""
from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_atomically

log = logging.getLogger(__name__)

PATH = Path(__file__).with_name("reference_questions.npz")
ENGLISH_PATH = Path(__file__).with_name("reference_questions_english.npz")
HUB_NEIGHBOURS = 10  # CSLS's own choice of neighbourhood, not fitted
_CHUNK = 4096  # sentences per product: 4096 x a few thousand questions stays under 100 MB


@dataclass(frozen=True)
class References:
    questions: np.ndarray  # every reference question's vector, for the ranking's ``hub``
    # The answerable ones only, for the topic model's: an off-topic question would find
    # its like among the off-topic ones whatever the documents hold.
    answerable: np.ndarray
    groups: np.ndarray | None = None  # the article each question is about, where written

    def leaving_out(self, *groups: str) -> np.ndarray:
        """The questions' vectors, but for those about ``groups`` (an evaluation over
        the training articles themselves must not find their own questions here)."""
        if self.groups is None:
            return self.questions
        return self.questions[~np.isin(self.groups, list(groups))]


def hubness(vectors: np.ndarray, references: np.ndarray | None) -> np.ndarray:
    """Each row's mean cosine to its ``HUB_NEIGHBOURS`` nearest rows of ``references``."""
    hub = np.zeros(len(vectors), np.float32)
    if references is None or not len(references) or not len(vectors):
        return hub
    k = min(HUB_NEIGHBOURS, len(references))
    for lo in range(0, len(vectors), _CHUNK):
        cosines = vectors[lo : lo + _CHUNK] @ references.T
        hub[lo : lo + _CHUNK] = np.partition(cosines, -k, axis=1)[:, -k:].mean(axis=1)
    return hub


def scope_hubness(corpus: Any, scope: np.ndarray, references: np.ndarray | None) -> np.ndarray:
    """The hubness of ``scope``'s sentences among ``references``, in an array over the
    whole corpus (0 elsewhere), as ``standing_out`` reads it: for a search held to one
    article whose own questions must not count among the references."""
    hub = np.zeros(len(corpus.sentences), np.float32)
    hub[scope] = hubness(corpus.sentence_vectors[scope], references)
    return hub


def sentence_hubness(corpus: Any, references: References | None) -> np.ndarray | None:
    """Every sentence's hubness among ``references`` (None without them), computed once
    per corpus: seconds at 100,000 sentences, microseconds at the seed article's."""
    if references is None:
        return None
    # One computation per corpus at a time: a question that arrives while a new build's is
    # computed in the background (``Engine._install``) waits for it instead of repeating
    # it, and questions about other corpora (other servers' documents) do not wait at all.
    # setdefault is atomic, so two threads never make two locks.
    with corpus.derived.setdefault("hubness_lock", threading.Lock()):
        cached = corpus.derived.get("hubness")
        if cached is None or cached[0] is not references:
            cached = corpus.derived["hubness"] = (references, hubness(corpus.sentence_vectors, references.questions))
        return cached[1]


def encoder_id(encoder: Any) -> str:
    return f"{encoder.name} {getattr(encoder, 'version', '')}".strip()


def save(vectors: np.ndarray, answerable: np.ndarray, encoder: Any, path: Path = PATH,
         groups: list[str] | None = None) -> None:
    """Write the vectors (as float16: a cosine needs no more), which rows are of
    answerable questions and, when given, the article each is about; whole or not at all."""
    packed = io.BytesIO()
    extra = {"groups": np.array(groups, dtype=str)} if groups is not None else {}
    np.savez(packed, vectors=vectors.astype(np.float16), answerable=np.asarray(answerable, bool),
             encoder=np.array(encoder_id(encoder)), **extra)
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
            groups = stored["groups"] if "groups" in stored.files else None
    except (OSError, KeyError, ValueError) as err:
        log.warning("hub signal off: cannot read %s (%s)", path, err)
        return None
    if made_by != wanted:
        log.warning("hub signal off: %s was written by %s, not %s", path.name, made_by, wanted)
        return None
    vectors = np.ascontiguousarray(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9))
    return References(vectors, np.ascontiguousarray(vectors[answerable]), groups)
