"""How far a question's best sentence stands out from its scope, once what brings a
sentence near every question is taken off: two columns of the English topic model
(``ranking.TopicEvidence``), as the cross-lingual one has them (``crosslingual.py``).

Each is the best cosine in scope minus the mean cosine over the scope, after each
sentence's cosine is lessened by

- ``discounted``: its centrality, its cosine to the mean of the scope's sentence
  vectors. A question about the documents comes closest to sentences on their subject,
  near that centre; a question about anything else lands on a sentence at the edge,
  which this margin then shows standing out most (its fitted weight is negative).
- ``hub_discounted``: its hubness, its mean cosine to its nearest reference questions
  (SQuAD's and the chat-typed training questions, about other articles;
  ``reference_questions.py``). A sentence near questions about anything is near this
  one for the same reason (CSLS's query side; Conneau et al., 2018).

The two together, and only together, moved the trade between refusing answerable
questions and declining off-topic ones (``bench/topic_features.py``, README).

Both means are over the whole scope, computed from the scope's mean vector, so they
are exact even where the first stage scores only candidates; the best is over the
sentences scored.
"""
from __future__ import annotations

import numpy as np

from .corpus import Corpus


def standing_out(
    corpus: Corpus, rows: np.ndarray, cosines: np.ndarray, q: np.ndarray, scope: np.ndarray | None, hub: np.ndarray | None
) -> tuple[float, float]:
    """(discounted, hub_discounted) for the scored ``rows`` and their ``cosines`` to ``q``.

    ``hub``: every sentence's hubness (None: none known, and ``hub_discounted`` is the
    plain margin over the mean).
    """
    if not len(rows):
        return 0.0, 0.0
    centre, mean_hub = _scope_means(corpus, scope, hub)
    mean_cosine = float(q @ centre)
    # The mean of each sentence's cosine to the centre is the centre's own squared length.
    discounted = float((cosines - corpus.sentence_vectors[rows] @ centre).max()) - (mean_cosine - float(centre @ centre))
    hubs = hub[rows] if hub is not None else np.zeros(len(rows), np.float32)
    return discounted, float((cosines - hubs).max()) - (mean_cosine - mean_hub)


def _scope_means(corpus: Corpus, scope: np.ndarray | None, hub: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The scope's mean sentence vector and mean hubness; the whole corpus's computed once."""
    if scope is not None:
        return _means(corpus.sentence_vectors[scope], hub[scope] if hub is not None else None)
    cached = corpus.derived.get("scope_means")
    if cached is None or cached[0] is not hub:
        cached = corpus.derived["scope_means"] = (hub, *_means(corpus.sentence_vectors, hub))
    return cached[1], cached[2]


def _means(vectors: np.ndarray, hub: np.ndarray | None) -> tuple[np.ndarray, float]:
    return vectors.mean(axis=0, dtype=np.float64).astype(np.float32), (float(hub.mean()) if hub is not None else 0.0)
