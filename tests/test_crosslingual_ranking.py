"""The fused score for questions in other languages: what each signal does to the order."""
import numpy as np

from index.crosslingual import CrossCandidates, CrossWeights, fused_scores


def _two(cosine, centrality) -> CrossCandidates:
    zeros = np.zeros(2, np.float32)
    return CrossCandidates(np.arange(2), np.array(cosine, np.float32), zeros, zeros, zeros,
                           np.array(centrality, np.float32), 0.0, False)


def test_a_sentence_close_to_every_other_loses_a_tie_on_cosine():
    found = _two([0.80, 0.80], [0.90, 0.40])  # the first is the hub
    tied = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.0))
    assert tied[0] == tied[1]
    marked = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.1))
    assert marked[1] > marked[0]


def test_centrality_never_outweighs_a_clearly_better_cosine_at_a_small_weight():
    found = _two([0.90, 0.70], [0.90, 0.40])
    fused = fused_scores(found, CrossWeights(1.0, 0.0, 0.0, 0.0, 0.1))
    assert fused[0] > fused[1]
