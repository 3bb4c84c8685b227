"""What each part of the engine buys, cross-validated by article: the shipped fit, and the
same fitting procedure with one part taken out, or put back in.

Run:  .venv/bin/python bench/ablation.py  [--squad FILE] [--only NAME ...]

Every variant is fitted by ``kizuna fit``'s own procedure (``index/fitting.py``) and
measured on articles its fit did not see: P@1 on SQuAD's and on the casual training
questions, the share of answerable questions given not_found, and of off-topic ones
given it, and of near misses given "answer". A part stays only if it gains on folds
it was not fitted or shaped on; the README lists what this run said for each, and
bench/ablation-before-removals.txt the run that removed five hand-made rules.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import fit_report, fitting  # noqa: E402
from index.embedder import load_embedder  # noqa: E402


PINS = fitting.SHIPPED_PINS
NO_LEXICAL = PINS["weights"]

# name: what the fit is told
VARIANTS = {
    "shipped": {},
    "no token matching": {"pinned": {**PINS, "weights": {**NO_LEXICAL, "token_match": 0.0}}},
    "BM25 back in the second stage": {"pinned": {"paragraph": 0.0}},
    "context across paragraphs back in": {"pinned": {"weights": NO_LEXICAL}},
    "no answer kind": {"pinned": {**PINS, "weights": {**NO_LEXICAL, "kind": 0.0}}, "drop": ("kind_mismatch",)},
    "no modifier check": {"drop": ("modifier_conflict",)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    parser.add_argument("--only", nargs="*", help="run only these variants")
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = load_embedder(None)
    options = SimpleNamespace(squad=args.squad, questions=fit_cmd.ARTICLE_QUESTIONS, article_seeds=fit_cmd.ARTICLE_SEEDS)
    quiet = lambda _text: None  # noqa: E731
    print(f"{'variant':38} {'SQuAD P@1':>9} {'casual P@1':>10} {'article':>7} {'ans. not_found':>14} {'off-topic nf':>12} {'near miss answer':>16}", flush=True)
    cases, folds = fit_cmd.build_cases(options, embedder, quiet)
    corpora: dict = {}
    bm25_right = fitting.bm25_hits(cases, corpora)
    for name, fit_options in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        held, _ = fitting.cross_validate(cases, folds, corpora, bm25_right, **fit_options)
        pooled = fit_report.pool(list(held.values()))
        squad = fit_report.figures(*fit_report.of_style(fit_report.pool([o for n, o in held.items() if n != "article"]), "squad"))
        casual = fit_report.figures(*fit_report.of_style(fit_report.pool([o for n, o in held.items() if n != "article"]), "casual"))
        article = fit_report.figures(*held["article"])
        everything = fit_report.figures(*pooled)
        print(
            f"{name:38} {squad['p_at_1']:9.3f} {casual['p_at_1']:10.3f} {article['p_at_1']:7.0%} "
            f"{everything['answerable_not_found']:14.3f} {everything['off_topic_not_found']:12.3f} {everything['impossible_answer']:16.3f}",
            flush=True,
        )
    print(f"({time.perf_counter() - started:.0f} s; every figure cross-validated by article)")


if __name__ == "__main__":
    main()
