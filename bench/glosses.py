"""What dictionary glosses buy Japanese and Turkish questions, cross-validated by article.

Run:  .venv/bin/python bench/glosses.py  [--squad FILE]

``index/japanese.py`` gives each word of a Japanese question its English glosses from
JMdict, ``index/turkish_glosses.py`` each word of a Turkish one from FreeDict read
backwards, and ``index/crosslingual.py``'s ``glosses`` signal is the share of those
words a sentence holds a gloss of; the topic model's ``known_glosses`` is the share of
them any sentence searched holds. Over ``kizuna fit``'s cross-lingual cases (Turkish
and Japanese training questions about eight SQuAD articles), each fold fitted on seven
articles and decided on the eighth, four fits side by side:

- without glosses: the signal's column and the topic feature zeroed, so the fit is
  session 12's;
- Japanese only: zeroed for the Turkish questions, so the fit is session 14's;
- shipped: both languages; the other weights by the grid, then the glosses weight with
  them held;
- joint: one grid over all the weights at once (glosses 0, 0.2, 0.5 or 1).

Beside them, in-sample, and the time the glosses take per question.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import crosslingual  # noqa: E402
from index import fitting_crosslingual as fc  # noqa: E402
from index.crosslingual import CrossWeights  # noqa: E402
from index import turkish_glosses  # noqa: E402
from index.japanese import Glossary  # noqa: E402
from index.language import language_of  # noqa: E402

GLOSSES = [f.name for f in crosslingual.fields(CrossWeights)].index("glosses")
JOINT_GRID = [replace(w, glosses=g) for w, g in itertools.product(fc.GRID, (0.0, 0.2, 0.5, 1.0))]


@contextmanager
def joint_grid():
    """``fit_crosslingual`` with one grid over every weight: its second step keeps the first's choice."""
    saved = fc.GRID, fc.GLOSS_GRID, fc.replace
    fc.GRID, fc.GLOSS_GRID = JOINT_GRID, (None,)
    fc.replace = lambda weights, glosses: weights
    try:
        yield
    finally:
        fc.GRID, fc.GLOSS_GRID, fc.replace = saved


def _fit(cases, joint: bool):
    if not joint:
        return fc.fit_crosslingual(cases)
    with joint_grid():
        return fc.fit_crosslingual(cases)


def held_out(cases, joint: bool) -> tuple[np.ndarray, np.ndarray]:
    """(right, verdict) of each case, decided by the fit on the other articles."""
    right, verdict = np.zeros(len(cases), bool), np.empty(len(cases), object)
    for group in sorted({c.group for c in cases}):
        fit = _fit([c for c in cases if c.group != group], joint)
        test = [i for i, c in enumerate(cases) if c.group == group]
        right[test], verdict[test] = fc.verdicts(fit, [cases[i] for i in test])
    return right, verdict


def without_glosses(cases, languages=("tr", "ja")):
    out = []
    for case in cases:
        if case.language not in languages:
            out.append(case)
            continue
        signals = case.signals.copy()
        signals[:, GLOSSES] = 0.0
        out.append(replace(case, signals=signals, found=replace(case.found, known_glosses=0.0)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    squad, corpus, multilingual = fit_cmd.squad_for_crosslingual(args.squad)
    started = time.perf_counter()
    asked, read, _, cases = fit_cmd.crosslingual_training(squad.documents, corpus, multilingual)
    say(f"{len(cases)} cross-lingual cases in {time.perf_counter() - started:.0f} s")

    variants = {"without glosses": (without_glosses(cases), False), "Japanese only": (without_glosses(cases, ("tr",)), False),
                "shipped": (cases, False), "joint grid": (cases, True)}
    languages = np.array([c.language for c in cases])
    print("cross-lingual training cases, cross-validated by article (in-sample in brackets)")
    print(f"{'fit':16s} {'language':9s} {'P@1':>14s} {'right, kept':>14s} {'off-topic nf':>14s}")
    for name, (these, joint) in variants.items():
        cv = held_out(these, joint)
        fit = _fit(these, joint)
        ins = fc.verdicts(fit, these)
        for language in ("all", "tr", "ja"):
            mask = np.ones(len(these), bool) if language == "all" else languages == language
            sub = [c for c, m in zip(these, mask) if m]
            a, b = fc.figures(sub, cv[0][mask], cv[1][mask]), fc.figures(sub, ins[0][mask], ins[1][mask])
            print(f"{name:16s} {language:9s} "
                  + " ".join(f"{a[k]:6.3f} ({b[k]:.3f})" for k in ("p_at_1", "right_and_not_refused", "off_topic_not_found")))
        print(f"{'':16s} weights in-sample: {fit.weights.to_dict()}")

    article = corpus.sentences[:400]
    for language, glossed in (("ja", crosslingual.gloss_words), ("tr", crosslingual.gloss_words)):
        questions = [r for r in read if language_of(r) == language]
        Glossary._entries.cache_clear()  # cold: the cases above looked every question up already
        Glossary.gloss_stems.cache_clear()
        turkish_glosses._table.cache_clear()
        turkish_glosses.word_glosses.cache_clear()
        crosslingual._sentence_stems.cache_clear()
        started = time.perf_counter()
        words = [glossed(q) for q in questions]
        looked_up = (time.perf_counter() - started) / len(questions)
        started = time.perf_counter()
        rows = np.arange(len(article))
        crosslingual._glosses(words[0], corpus, rows)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        for w in words[1:]:
            crosslingual._glosses(w, corpus, rows)
        warm = (time.perf_counter() - started) / (len(words) - 1)
        print(f"per {language} question ({len(questions)}): its dictionary words {looked_up * 1000:.1f} ms, from cold "
              f"(the first loads the dictionary); the signal over {len(article)} sentences {cold * 1000:.1f} ms the "
              f"first time (stemming them), {warm * 1000:.1f} ms after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
