"""Questions in other languages over many articles at once: how many sentences to rank them among.

Run:  .venv/bin/python bench/pool_size.py  [--squad FILE]

The cross-lingual numbers are fitted on questions asked of one article (225 sentences on
average) or of 15 sentences of it. Here every Turkish and Japanese question is asked of
the 16 SQuAD articles as one corpus (3,592 sentences, no scope), as a server's corpus of
many documents is asked: the answerable ones of ``multilingual_train_questions.jsonl``
(the training questions; their ``hub`` reference questions leave out their own article's,
as in the fit) and of ``multilingual_unseen_questions.jsonl`` (a check set about four
other articles, never fitted on), and the off-topic ones of both.

Rows: every sentence ranked (the engine before session 19, up to ``_FULL_SCAN``); ranked
among the nearest N by cosine with the topic still read over every sentence (the engine
now, N = ``crosslingual._POOL``); and ranked with the topic read among the nearest N too
(what a corpus past ``_FULL_SCAN`` does).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import crosslingual  # noqa: E402
from index.evaluation import casual_gold, gold_rows, load_casual_questions  # noqa: E402
from index.language import language_of  # noqa: E402

UNSEEN = ROOT / "bench" / "data" / "multilingual_unseen_questions.jsonl"
EVERYTHING = 10**9


def cases(squad, corpus, e5) -> tuple[list, list[str], np.ndarray]:
    """(question index, "train"/"unseen", gold rows or None for off-topic, references) per question."""
    documents = squad.documents
    paths = [d.path for d in documents]
    train = load_casual_questions(fit_cmd.MULTILINGUAL_TRAIN)
    asked = train + load_casual_questions(UNSEEN)
    read = [crosslingual.reading(q.question, language_of(q.question)) for q in asked]
    vectors = fit_cmd.queries_cached(read, e5, "pool-size")
    found = []
    for i, q in enumerate(asked):
        part = "train" if i < len(train) else "unseen"
        if q.role == "answerable":
            path, at = casual_gold(documents, q)
            gold = gold_rows(corpus, paths.index(path), [at])
        else:
            path, gold = "", None
        found.append((i, part, gold, fit_cmd.references_leaving_out(asked, vectors, i, path, references_from=len(train))))
    return found, read, vectors


def figures(corpus, found, read, vectors) -> dict:
    right, kept, refused_off = {}, {}, {}
    for i, part, gold, references in found:
        ranking = crosslingual.rank_crosslingual(corpus, read[i], vectors[i], None, references=references)
        if gold is None:
            refused_off.setdefault(part, []).append(ranking.verdict == "not_found")
        else:
            hit = bool(np.isin(ranking.rows[0], gold))
            right.setdefault(part, []).append(hit)
            kept.setdefault(part, []).append(hit and ranking.verdict != "not_found")
    return {part: (np.mean(right[part]), np.mean(kept[part]), np.mean(refused_off[part]), len(right[part]), len(refused_off[part]))
            for part in right}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    squad, corpus, e5 = fit_cmd.squad_for_crosslingual(args.squad)
    found, read, vectors = cases(squad, corpus, e5)
    shipped = crosslingual._POOL, crosslingual._FULL_SCAN
    rows = [("every sentence ranked", EVERYTHING, EVERYTHING)]
    for n in (256, 512):
        rows.append((f"ranked among the nearest {n}{' (shipped)' if n == shipped[0] else ''}", n, shipped[1]))
        rows.append(("  and the topic read among them too", n, n))
    print(f"{len(corpus.sentences):,} sentences, no scope; P@1 / right and not refused / off-topic given not_found")
    print(f"{'':<44} {'training questions':<26} {'unseen articles (check)':<26}")
    try:
        for label, pool, full_scan in rows:
            crosslingual._POOL, crosslingual._FULL_SCAN = pool, full_scan
            result = figures(corpus, found, read, vectors)
            cells = ["{:.3f} / {:.3f} / {:.3f}".format(*result[part][:3]) for part in ("train", "unseen")]
            print(f"{label:<44} {cells[0]:<26} {cells[1]:<26}", flush=True)
    finally:
        crosslingual._POOL, crosslingual._FULL_SCAN = shipped
    counts = {part: result[part][3:] for part in result}
    print(f"answerable / off-topic questions: training {counts['train'][0]} / {counts['train'][1]}, "
          f"unseen {counts['unseen'][0]} / {counts['unseen'][1]}")


if __name__ == "__main__":
    main()
