"""Kizuna on another kind of document: three Python HOWTOs, with questions no fit has seen.

Run:  .venv/bin/python bench/docs_check.py

Every fitted number comes from news and encyclopaedia prose: SQuAD's Wikipedia
articles, the seed news article and chat-typed questions about them. A server's own
documents may be anything: game rules, an FAQ, a project's docs. This asks questions of
three of Python's HOWTOs as a server would upload them (their reStructuredText source
saved as ``.txt``, code samples and markup included): ``bench/data/docs/``, from
Python 3.11's documentation (Debian's ``python3.11-doc``; PSF licence, see
``bench/data/docs/NOTICE``). ``bench/data/docs_questions.jsonl`` holds 15 answerable
questions per HOWTO, about half typed as in a chat, and 12 off-topic ones (six about
everyday things, two per HOWTO on programming near its subject and not answered there;
three everyday ones that repeated others were dropped), written in session 16 from the
documents alone by writers who saw neither the engine nor any other question set.

Scored as ``kizuna eval`` scores the casual set: right when the quote covers the start
of the sentence's evidence; the same figures and targets as that block.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.eval_cmd import render_block  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.evaluation import evaluate_casual, load_casual_questions  # noqa: E402

DOCS = ROOT / "bench" / "data" / "docs"
QUESTIONS = ROOT / "bench" / "data" / "docs_questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args()
    questions = load_casual_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="kizuna-docs-") as folder:
        seeds = Path(folder) / "seeds"
        seeds.mkdir()
        for path in sorted(DOCS.glob("*.txt")):
            shutil.copy(path, seeds / path.name)
        engine = Engine.open(seeds, Path(folder) / "index", load_embedder(None))
        result = evaluate_casual(engine, questions)
        sentences = len(engine.corpus.sentences)
    print(render_block(f"Python HOWTOs ({sentences} sentences; never fitted on)", result))


if __name__ == "__main__":
    main()
