"""Finding the sentences nearest a question in a large corpus: exact, then coarse past a size.

The first stage scores every sentence in scope up to ``ranking._FULL_SCAN`` of them;
past that it scores the union of each signal's best, and the dense signal's best come
from a search. An exact (flat) scan reads every vector: 14 ms a question at 100,000
sentences on these two cores, most of the time to answer. Past ``COARSE_FROM``
sentences the search goes through an inverted-file index instead: k-means cells over
the vectors (``SENTENCES_PER_CELL`` a cell), of which the question's nearest quarter
are read, each vector stored in 8 bits. The exact cosine of every candidate found is
still computed from the flat index, so only which sentences become candidates can
change, never how they are scored.

Chosen on SQuAD's questions over the 100,000-sentence corpus of ``bench/bench_scale.py``
(the exact search's 256 best against the coarse one's, on 300 of them; the script
prints the same comparison at every size it runs): 250 cells reading 64 kept 95% of the exact 256, 98.7% of its best 10 and
99.7% of its best one, in 1.7 ms; reading 32 kept 99.3% of the best one in 0.7 ms,
reading 16 97%. Five hundred cells cost three times the k-means for less.
"""
from __future__ import annotations

import faiss
import numpy as np

COARSE_FROM = 32_768  # below this an exact scan takes under 5 ms
SENTENCES_PER_CELL = 400
READ_SHARE = 4  # read the nearest 1/READ_SHARE of the cells


def coarse_index(vectors: np.ndarray) -> faiss.Index | None:
    """An inverted-file index over ``vectors`` when there are enough of them, else None."""
    n, d = vectors.shape
    if n < COARSE_FROM:
        return None
    cells = max(1, n // SENTENCES_PER_CELL)
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(d), d, cells, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    # k-means on 64 vectors a cell (faiss samples them, with a fixed seed): 4 s at
    # 100,000 sentences rather than a minute, for the same recall.
    index.cp.max_points_per_centroid = 64
    index.train(np.ascontiguousarray(vectors, dtype=np.float32))
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return prepared(index)


def prepared(index: faiss.Index) -> faiss.Index:
    """Set how many cells a search reads (not kept in the file on every faiss version)."""
    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = max(1, ivf.nlist // READ_SHARE)
    return index


def nearest(exact: faiss.Index, coarse: faiss.Index | None, q_vec: np.ndarray, k: int) -> np.ndarray:
    """Rows of the (up to) ``k`` sentences nearest the question, best first."""
    _, found = (coarse if coarse is not None else exact).search(np.ascontiguousarray(q_vec, dtype=np.float32), k)
    rows = found[0]
    return rows[rows >= 0]  # a coarse search may find fewer than k
