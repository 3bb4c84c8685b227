"""Questions in other languages on an article's subject that it does not answer: declined?

Run:  .venv/bin/python bench/near_domain.py  [--squad FILE]

The cross-lingual fit's off-topic questions are far from every article ("what should I
cook tonight") or about another one. What users ask of a corpus about Turkey and Japan
is often near it and still not answered there: "who is Japan's prime minister". This
measures that kind on training data: ``bench/data/multilingual_near_domain_questions.jsonl``
holds 24 Turkish and 24 Japanese questions written beside the eight training articles,
three per article and language, each on its subject and checked against its text not to
be answered there ("how cold are Warsaw's winters", "who is the most famous Huguenot
painter"). Each is asked of every article, as the other off-topic questions are, and all
its cases fall in the fold of the article it was written beside.

Two fits, each cross-validated by article over the same cases (the training questions
and these): the shipped one, which never sees these questions, and one that has them
among its off-topic cases. Beside each figure, in brackets, the in-sample one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import fitting_crosslingual as fc  # noqa: E402

NEAR_DOMAIN = ROOT / "bench" / "data" / "multilingual_near_domain_questions.jsonl"


def decide(cases, trained_on, fit_each_fold: bool) -> tuple[np.ndarray, np.ndarray]:
    """(right, verdict) per case: by the fit without the case's article (cross-validated)
    or by one fit on every case ``trained_on`` allows (in-sample)."""
    right, verdict = np.zeros(len(cases), bool), np.empty(len(cases), object)
    for group in sorted({c.group for c in cases}) if fit_each_fold else [None]:
        fit = fc.fit_crosslingual([c for c, t in zip(cases, trained_on) if t and c.group != group])
        test = [i for i, c in enumerate(cases) if group is None or c.group == group]
        right[test], verdict[test] = fc.verdicts(fit, [cases[i] for i in test])
    return right, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    squad, corpus, e5 = fit_cmd.squad_for_crosslingual(args.squad)
    documents = squad.documents
    files = (fit_cmd.MULTILINGUAL_TRAIN, NEAR_DOMAIN)
    asked, read, _, cases = fit_cmd.crosslingual_training(documents, corpus, e5, files)
    near_questions = {r for q, r in zip(asked, read) if q.document and q.role == "off_topic"}
    near = np.array([c.question in near_questions for c in cases])
    titles = [d.title for d in documents]
    # A near-domain question's cases are all in the fold of the article it was written beside.
    own = np.array([titles[int(corpus.doc_ids[c.found.rows[0]])] == c.group for c in cases])
    role = np.array([c.role for c in cases])
    language = np.array([c.language for c in cases])

    print("Cross-lingual decisions with off-topic questions near an article's subject, cross-validated by article (in-sample)")
    columns = ("P@1", "right, kept", "other off nf", "near own nf", "near other nf")
    print(f"{'fit':34} {'language':8} " + " ".join(f"{c:>14}" for c in columns))
    for label, trained_on in (("shipped (never sees them)", ~near), ("with them among its off-topic", np.ones(len(cases), bool))):
        cv, ins = decide(cases, trained_on, True), decide(cases, trained_on, False)
        for lang in ("all", "tr", "ja"):
            mask = np.ones(len(cases), bool) if lang == "all" else language == lang
            cells = []
            for right, verdict in (cv, ins):
                declined = verdict == "not_found"
                answerable = mask & (role == "answerable")
                cells.append((right[answerable].mean(), (right & ~declined)[answerable].mean(),
                              declined[mask & (role == "off_topic") & ~near].mean(),
                              declined[mask & near & own].mean(), declined[mask & near & ~own].mean()))
            print(f"{label:34} {lang:8} " + " ".join(f"{a:.3f} ({b:.3f})".rjust(14) for a, b in zip(*cells)))
    print(f"near-domain questions: {len(near_questions)}, {int((near & own).sum())} cases asked of their own article "
          f"(whole and 15 sentences), {int((near & ~own).sum())} of the others")


if __name__ == "__main__":
    main()
