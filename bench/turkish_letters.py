"""Turkish typed without its letters: does putting them back help e5 find the sentence?

Run:  .venv/bin/python bench/turkish_letters.py  [--squad FILE]

People often type Turkish in plain ASCII ("iliskiler ne zaman basladi"): e5's tokenizer
splits such words into pieces it rarely saw, and the question's vector drifts. This
asks every Turkish question of the training set (``bench/data/multilingual_train_
questions.jsonl``; never the held-out set) of its own SQuAD article three ways: as
written, with every Turkish letter folded to ASCII (as such a user would type it), and
folded and then restored by ``index.turkish.restore_letters``. It prints P@1 of the
shipped cross-lingual ranking for each, and how many questions restoring gives back
exactly as written. Nothing here is fitted. The ``hub`` signal's reference questions are
these training questions, so each is ranked, as ``kizuna fit`` ranks it, against those
about other articles.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import crosslingual, reference_questions  # noqa: E402
from index.evaluation import casual_gold, gold_rows, load_casual_questions  # noqa: E402
from index.turkish import restore_letters, to_ascii  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    squad, corpus, multilingual = fit_cmd.squad_for_crosslingual(args.squad)
    everything = load_casual_questions(fit_cmd.MULTILINGUAL_TRAIN)  # in the reference questions' order
    asked = [q for q in everything if q.language == "tr" and q.role == "answerable"]
    references = reference_questions.for_encoder(multilingual)
    paths = [d.path for d in squad.documents]
    variants = {
        "as written": [q.question for q in asked],
        "folded to ASCII": [to_ascii(q.question) for q in asked],
        "folded, restored": [restore_letters(to_ascii(q.question)) for q in asked],
    }
    print(f"{len(asked)} answerable Turkish training questions, each asked of its own article")
    print(f"{'questions':20} {'P@1':>6}")
    for name, texts in variants.items():
        vectors = fit_cmd.queries_cached(texts, multilingual, "turkish-letters")
        right = []
        for q, text, vector in zip(asked, texts, vectors):
            path, at = casual_gold(squad.documents, q)
            doc = paths.index(path)
            others = None
            if references is not None:  # as kizuna fit gives them
                others = fit_cmd.references_leaving_out(everything, references.questions, everything.index(q), path)
            ranking = crosslingual.rank_crosslingual(corpus, text, vector.reshape(1, -1), np.flatnonzero(corpus.doc_ids == doc),
                                                     references=others)
            right.append(bool(np.isin(ranking.rows[0], gold_rows(corpus, doc, [at]))))
        print(f"{name:20} {np.mean(right):6.3f}")
    folded = [q.question for q in asked if to_ascii(q.question) != q.question]
    back = sum(restore_letters(to_ascii(t)) == t for t in folded)
    print(f"restored exactly as written: {back} of the {len(folded)} questions that had Turkish letters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
