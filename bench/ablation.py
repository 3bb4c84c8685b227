"""What each part of the engine buys, cross-validated by article: the shipped fit, and the
same fitting procedure with one part taken out or one hand-made rule switched off.

Run:  .venv/bin/python bench/ablation.py  [--squad FILE] [--only NAME ...]

Every variant is fitted by ``kizuna fit``'s own procedure (``index/fitting.py``) and
measured on articles its fit did not see: P@1 on SQuAD's and on the casual training
questions, the share of answerable questions given not_found, and of off-topic ones
given it. A hand-made rule stays only if it gains on folds it was not shaped on; the
README lists what this run said for each.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import answer_types, fitting, modifiers  # noqa: E402
from index.answer_types import Kind  # noqa: E402
from index.embedder import load_embedder  # noqa: E402


@contextmanager
def patched(module, name: str, value):
    saved = getattr(module, name)
    setattr(module, name, value)
    answer_types._span_stems_of.cache_clear()
    try:
        yield
    finally:
        setattr(module, name, saved)
        answer_types._span_stems_of.cache_clear()


def _without(pattern: re.Pattern, old: str, new: str) -> re.Pattern:
    assert old in pattern.pattern, old
    return re.compile(pattern.pattern.replace(old, new), pattern.flags)


def no_city_of():
    """'the city of Osaka' read as a place span (shaped on the seed article's Expo questions)."""
    place = _without(answer_types._PLACE, r"(?:\s+of\s+[A-Z][a-z]+)?", "")
    return patched(answer_types, "_PATTERNS", {**answer_types._PATTERNS, Kind.PLACE: place})


def no_since_when():
    """'since when', 'how long ago', 'how far back' asked as when-questions."""
    patterns = tuple(
        (kind, _without(p, "|since when|how long ago|how far back", "") if kind is Kind.TIME else p)
        for kind, p in answer_types._QUESTION_PATTERNS
    )
    return patched(answer_types, "_QUESTION_PATTERNS", patterns)


def no_era_words():
    """'era', 'dynasty', 'period' counted as times (shaped on the Yuan dynasty article)."""
    time_pattern = _without(answer_types._TIME, "century|decade|era|dynasty|period", "century|decade")
    return patched(answer_types, "_PATTERNS", {**answer_types._PATTERNS, Kind.TIME: time_pattern})


def no_named_runs():
    """The modifier check's carve-outs for 'EU'/'European Union' and 'French Huguenot'."""
    return patched(modifiers, "_named_in_run", lambda modifier, run: False)


def no_verb_carve_out():
    """The modifier check's carve-out for '-ed' words ('William invaded')."""
    return patched(modifiers, "_looks_like_a_verb", lambda word: False)


# name: (what the fit is told, the patch around building the cases)
VARIANTS = {
    "shipped": ({}, nullcontext),
    "no token matching": ({"pinned": {"weights": {"token_match": 0.0}}}, nullcontext),
    "no BM25": ({"pinned": {"weights": {"lexical_sentence": 0.0, "lexical_chunk": 0.0}}}, nullcontext),
    "no answer kind": ({"pinned": {"weights": {"kind": 0.0}}, "drop": ("kind_mismatch",)}, nullcontext),
    "no context across paragraphs": ({"pinned": {"paragraph": 0.0}}, nullcontext),
    "no modifier check": ({"drop": ("modifier_conflict",)}, nullcontext),
    "rule off: city of X": ({}, no_city_of),
    "rule off: since when / how far back": ({}, no_since_when),
    "rule off: era / dynasty / period": ({}, no_era_words),
    "rule off: EU / Huguenot runs": ({}, no_named_runs),
    "rule off: -ed verbs": ({}, no_verb_carve_out),
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
    print(f"{'variant':38} {'SQuAD P@1':>9} {'casual P@1':>10} {'article':>7} {'ans. not_found':>14} {'off-topic nf':>12}", flush=True)
    for name, (fit_options, patch) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        with patch():
            cases, folds = fit_cmd.build_cases(options, embedder, quiet)
            corpora: dict = {}
            answerable = [i for i, c in enumerate(cases) if c.role == "answerable"]
            right = fitting.bm25_hits([cases[i] for i in answerable], corpora)
            bm25_right = {p: _spread(h, answerable, len(cases)) for p, h in right.items()}
            held, _ = fitting.cross_validate(cases, folds, corpora, bm25_right, **fit_options)
        pooled = fitting.pool(list(held.values()))
        squad = fitting.figures(*fitting.of_style(fitting.pool([o for n, o in held.items() if n != "article"]), "squad"))
        casual = fitting.figures(*fitting.of_style(fitting.pool([o for n, o in held.items() if n != "article"]), "casual"))
        article = fitting.figures(*held["article"])
        everything = fitting.figures(*pooled)
        print(
            f"{name:38} {squad['p_at_1']:9.3f} {casual['p_at_1']:10.3f} {article['p_at_1']:7.0%} "
            f"{everything['answerable_not_found']:14.3f} {everything['off_topic_not_found']:12.3f}",
            flush=True,
        )
    print(f"({time.perf_counter() - started:.0f} s; every figure cross-validated by article)")


def _spread(hits: np.ndarray, at: list[int], n: int) -> np.ndarray:
    full = np.zeros(n, bool)
    full[at] = hits
    return full


if __name__ == "__main__":
    main()
