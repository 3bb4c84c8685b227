"""The cross-lingual fit on articles it has never seen, and what training on them would do.

Run:  .venv/bin/python bench/unseen_articles.py  [--squad FILE] [--unseen FILE]

The cross-lingual numbers are fitted on Turkish and Japanese questions about eight SQuAD
articles (``bench/data/multilingual_train_questions.jsonl``) and cross-validated by
article. ``bench/data/multilingual_unseen_questions.jsonl`` holds questions of the same
kinds (10 per article and language, and 15 off-topic per language) about the four
articles the fit has no questions about and the held-out casual set does not use:
Computational_complexity_theory, European_Union_law, Islamism, French_and_Indian_War.
They were written in session 16 from those articles' text alone, by writers who saw
neither the engine nor any other question set.

First, the shipped fit decides them as it is, with the shipped reference questions
(the eight articles' ones): a test on articles no choice was made on. Beside it, the
same fit with one ranking weight at 0 at a time: what each signal is worth there.

Then, the same questions put in training (tried in session 16, and not shipped): the
eight articles' folds judged on the same cases by a fit on their questions alone, first
with the shipped reference questions, then with these among the ``hub`` signal's
reference questions too, as they would be once shipped; by a fit that also trains on
these; and the cross-validation over all twelve articles.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import fitting_crosslingual as fc  # noqa: E402
from index.crosslingual import CrossWeights, shipped_calibration  # noqa: E402

UNSEEN = ROOT / "bench" / "data" / "multilingual_unseen_questions.jsonl"
COLUMNS = {"p_at_1": "P@1", "right_and_not_refused": "right, kept", "top_right_kept": "ranked right kept",
           "answerable_answer": "answer", "off_topic_not_found": "off-topic nf"}


def judged(cases, train_mask, test_mask, folds) -> tuple[np.ndarray, np.ndarray]:
    """(right, verdict) of the test cases, each decided by a fit on ``train_mask`` without its fold."""
    right, verdict = np.zeros(len(cases), bool), np.empty(len(cases), object)
    for group in folds:
        test = [i for i, c in enumerate(cases) if test_mask[i] and c.group == group]
        held = {cases[i].question for i in test}  # every case of a question in the fold leaves the fit
        fit = fc.fit_crosslingual([c for c, t in zip(cases, train_mask) if t and c.group != group and c.question not in held])
        right[test], verdict[test] = fc.verdicts(fit, [cases[i] for i in test])
    return right, verdict


def row(label: str, cases, right, verdict, mask=None) -> None:
    """One line per language: the figures of the cases under ``mask``."""
    mask = np.ones(len(cases), bool) if mask is None else mask
    language = np.array([c.language for c in cases])
    for lang in ("all", "tr", "ja"):
        chosen = np.flatnonzero(mask & ((language == lang) | (lang == "all")))
        figures = fc.figures([cases[i] for i in chosen], right[chosen], verdict[chosen])
        print(f"{label:34} {lang:4} {figures['answerable']:5d} {figures['off_topic']:5d} "
              + " ".join(f"{figures[c]:>{len(h)}.3f}" for c, h in COLUMNS.items()))


def header(title: str) -> None:
    print(title)
    print(f"{'fit':34} {'lang':4} {'ans':>5} {'off':>5} " + " ".join(COLUMNS.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    parser.add_argument("--unseen", type=Path, default=UNSEEN)
    args = parser.parse_args()
    squad, corpus, e5 = fit_cmd.squad_for_crosslingual(args.squad)
    documents = squad.documents
    files = (fit_cmd.MULTILINGUAL_TRAIN, args.unseen)
    trained, trained_read, _, shipped_cases = fit_cmd.crosslingual_training(documents, corpus, e5)
    shipped = fc.CrossFit(CrossWeights.shipped(), shipped_calibration())  # index/fitted.json's numbers
    seen = set(trained_read)

    # The unseen questions' cases as the shipped engine meets them: its reference
    # questions are the eight articles' ones, never these.
    _, _, _, as_shipped = fit_cmd.crosslingual_training(documents, corpus, e5, files, references_from=len(trained))
    unseen = [c for c in as_shipped if c.question not in seen]

    header("The shipped cross-lingual fit on questions about four articles it has none about (each asked of its own "
           "article and of the next as off-topic; the off-topic ones of all twelve)")
    row("shipped", unseen, *fc.verdicts(shipped, unseen))
    for signal in ("kind", "names", "centrality", "hub", "glosses"):
        weights = replace(shipped.weights, **{signal: 0.0})
        row(f"shipped, {signal} at 0", unseen, *fc.verdicts(fc.CrossFit(weights, shipped.calibration), unseen))

    # Training on them too: the same eight folds, the same cases.
    asked, read, _, cases = fit_cmd.crosslingual_training(documents, corpus, e5, files)
    eight = {c.group for c in shipped_cases}
    titles = [d.title for d in documents]
    of_eight = np.array([c.question in seen and c.group in eight and titles[int(corpus.doc_ids[c.found.rows[0]])] in eight
                         for c in cases])
    everything = np.ones(len(cases), bool)
    print()
    header("Training on them too, cross-validated by article (their questions among the references in the last three)")
    row("shipped (kizuna fit's CV)", shipped_cases, *judged(shipped_cases, np.ones(len(shipped_cases), bool),
                                                           np.ones(len(shipped_cases), bool), sorted(eight)))
    of_eight_shipped = np.array([c.question in seen and c.group in eight
                                 and titles[int(corpus.doc_ids[c.found.rows[0]])] in eight for c in as_shipped])
    row("eight, shipped references", as_shipped, *judged(as_shipped, of_eight_shipped, of_eight_shipped, sorted(eight)),
        of_eight_shipped)
    row("eight articles' questions", cases, *judged(cases, of_eight, of_eight, sorted(eight)), of_eight)
    row("eight folds, these in training", cases, *judged(cases, everything, of_eight, sorted(eight)), of_eight)
    row("all twelve articles", cases, *judged(cases, everything, everything, sorted({c.group for c in cases})))
    print(f"questions: {len(trained)} about eight articles, {len(asked) - len(trained)} about four others")


if __name__ == "__main__":
    main()
