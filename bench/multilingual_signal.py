"""Does multilingual-e5's vector, as one more fused signal, rank English questions better?

Run:  .venv/bin/python bench/multilingual_signal.py  [--squad FILE]

Issue 13 asks whether it pays for its cost. For each fold of ``kizuna fit``'s
cross-validation by article (four folds of SQuAD articles and the seed article's set),
the shipped procedure fits the ranking on the other folds; then, with that fit fixed,
the second stage's weights for token matching, answer kind and the new signal (e5's
question-to-sentence cosine) are chosen on the same training folds, and both rankings
are measured on the held-out fold. Beside it: the in-sample figure (everything fitted
on everything), and the cost of each encoder per sentence and per question, measured
in this run.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import fitting  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.multilingual import load_multilingual  # noqa: E402

E5_GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
TOKEN_GRID = (1.0, 1.5, 2.0, 3.0)
KIND_GRID = (0.0, 0.15, 0.3)


def scaled(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    return np.zeros_like(values) if hi - lo < 1e-9 else (values - lo) / (hi - lo)


def shortlists(cases, setting, corpora, e5_cosines):
    """Per case: the shortlist's gold flags and its scaled token, kind and e5 columns."""
    out = []
    for case in cases:
        keep, raw = fitting.shortlist_signals(case, fitting.first_signals(case, setting.bm25, corpora), setting.first, setting.discounts)
        columns = fitting._scale_columns(raw)
        token = columns[:, fitting.SIGNALS.index("token_match")]
        kind = columns[:, fitting.SIGNALS.index("kind")]
        rest = columns @ np.array([0.0 if n in ("token_match", "kind") else getattr(setting.second, n) for n in fitting.SIGNALS], np.float32)
        out.append((case.gold[keep], token, kind, rest, scaled(e5_cosines[id(case)][keep])))
    return out


def p_at_1(lists, weights: np.ndarray, token: float, kind: float, e5: float) -> float:
    right = np.array([gold[int(np.argmax(token * t + kind * k + r + e5 * m))] for gold, t, k, r, m in lists], float)
    return float(np.dot(right, weights) / weights.sum())


def choose(lists, weights, with_e5: bool) -> tuple[float, float, float]:
    grid = itertools.product(TOKEN_GRID, KIND_GRID, E5_GRID if with_e5 else (0.0,))
    return max(grid, key=lambda w: p_at_1(lists, weights, *w))


def cost(embedder, e5, sentences: list[str], questions: list[str]) -> dict:
    """CPU seconds per text of each encoder, as indexing and answering use them.

    CPU time of the whole process (all threads), not wall time: the figure holds when
    other work shares the machine.
    """
    def timed(fn, texts):
        started = time.process_time()
        fn(texts)
        return (time.process_time() - started) / len(texts)

    return {
        "minilm_sentence": timed(lambda t: embedder.encode_with_tokens(t), sentences),  # what a build encodes
        "e5_sentence": timed(e5.encode, sentences),
        "minilm_question": np.median([timed(lambda t: embedder.encode_with_tokens(t), [q]) for q in questions]),
        "e5_question": np.median([timed(e5.encode_queries, [q]) for q in questions]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    started = time.perf_counter()
    say = lambda text: print(f"[{time.perf_counter() - started:6.0f} s] {text}", file=sys.stderr, flush=True)  # noqa: E731
    embedder, e5 = load_embedder(None), load_multilingual()
    options = SimpleNamespace(squad=args.squad, questions=fit_cmd.ARTICLE_QUESTIONS, article_seeds=fit_cmd.ARTICLE_SEEDS)
    cases, folds = fit_cmd.build_cases(options, embedder, say, e5)
    questions = sorted({c.question for c in cases})
    vectors = dict(zip(questions, fit_cmd.queries_cached(questions, e5, "english-questions")))
    e5_cosines = {id(c): c.corpus.multilingual[c.scope] @ vectors[c.question] for c in cases}
    say("e5 cosines computed")
    corpora: dict = {}
    bm25_right = fitting.bm25_hits(cases, corpora)
    answerable = [c for c in cases if c.role == "answerable"]
    index_of = {id(c): i for i, c in enumerate(cases)}
    rows = {}
    held = {False: [], True: []}
    held_cases = []
    for fold in folds:
        train = [c for c in answerable if c.group not in fold]
        test = [c for c in answerable if c.group in fold]
        setting = fitting.fit_ranking(train, corpora, {p: r[[index_of[id(c)] for c in train]] for p, r in bm25_right.items()})
        train_lists, test_lists = shortlists(train, setting, corpora, e5_cosines), shortlists(test, setting, corpora, e5_cosines)
        weights = fitting.style_weights(train)
        for with_e5 in (False, True):
            w = choose(train_lists, weights, with_e5)
            held[with_e5].append(np.array([gold[int(np.argmax(w[0] * t + w[1] * k + r + w[2] * m))] for gold, t, k, r, m in test_lists]))
            rows[(fold[0], with_e5)] = w
        held_cases += test
        say(f"fold {fold[0]}: e5 weight chosen {rows[(fold[0], True)][2]}")
    everything = fitting.fit_ranking(answerable, corpora, {p: r[[index_of[id(c)] for c in answerable]] for p, r in bm25_right.items()})
    all_lists = shortlists(answerable, everything, corpora, e5_cosines)
    all_weights = fitting.style_weights(answerable)
    in_sample = {e: choose(all_lists, all_weights, e) for e in (False, True)}
    sample_sentences = [s.text for s in cases[0].corpus.sentences[:256]]
    sample_questions = questions[:50]
    costs = cost(embedder, e5, sample_sentences, sample_questions)

    groups = np.array([c.group for c in held_cases])
    styles = np.array([c.style for c in held_cases])
    print("English P@1 with multilingual-e5's cosine as one more fused signal, cross-validated by article (CV) beside in-sample")
    print(f"{'questions':28} {'MiniLM CV':>10} {'+ e5 CV':>8} {'MiniLM in':>10} {'+ e5 in':>8}")
    in_right = {e: np.array([g[int(np.argmax(w[0] * t + w[1] * k + r + w[2] * m))] for g, t, k, r, m in all_lists])
                for e, w in in_sample.items()}
    all_styles = np.array([c.style for c in answerable])
    all_groups = np.array([c.group for c in answerable])
    for label, mask, in_mask in (
        ("SQuAD (16 articles)", styles == "squad", all_styles == "squad"),
        ("casual training set", (styles == "casual") & (groups != "article"), (all_styles == "casual") & (all_groups != "article")),
        ("seed article set", groups == "article", all_groups == "article"),
    ):
        cv = [np.concatenate(held[e])[mask].mean() for e in (False, True)]
        ins = [in_right[e][in_mask].mean() for e in (False, True)]
        print(f"{label:28} {cv[0]:>10.3f} {cv[1]:>8.3f} {ins[0]:>10.3f} {ins[1]:>8.3f}")
    print(f"in-sample weights (token, kind, e5): without {in_sample[False]}, with {in_sample[True]}")
    print("per-fold e5 weight chosen: " + ", ".join(f"{f}: {rows[(f, True)][2]}" for f in [fold[0] for fold in folds]))
    print(f"CPU per sentence indexed: MiniLM {costs['minilm_sentence'] * 1000:.1f} ms (the vector and its token vectors), "
          f"e5 {costs['e5_sentence'] * 1000:.1f} ms more ({costs['e5_sentence'] / costs['minilm_sentence']:.2f}x)")
    print(f"CPU per question (median of {len(sample_questions)}): MiniLM {costs['minilm_question'] * 1000:.1f} ms, "
          f"e5 {costs['e5_question'] * 1000:.1f} ms more")


if __name__ == "__main__":
    main()
