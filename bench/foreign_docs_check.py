"""English questions over documents in other languages: a Turkish and a Japanese server guide.

Run:  .venv/bin/python bench/foreign_docs_check.py

A server may write its rules in Turkish or Japanese while some of its members ask in
English. ``bench/data/foreign_docs/`` holds two such guides, written for the project
in session 18 (rules, roles, events, support; 22 and 23 sentences), and
``bench/data/foreign_docs_questions.jsonl`` 26 English questions whose answer is in
them, about half typed as in a chat, and 8 off-topic ones (three near the guides'
subjects: a Valorant match's size, Nitro's price, a Discord password). They were written and committed
before the engine was run on them, and nothing is fitted or chosen on them: this
measures.

Two engines answer the same questions over the same documents: one with the English
reading only (MiniLM; what an English question got before session 18, and what it gets
without the multilingual extra), and one with multilingual-e5 on, which reads the
documents in other languages for an English question. Each guide is a corpus of its
own, as a server's own documents are: the two guides say much the same of two
servers ("can i sell my game account" is answered in both), so over both at once a
right answer from the wrong guide would count as wrong. Each is asked its own
questions and all the off-topic ones. Scored as ``kizuna eval`` scores the casual set:
right when the quote covers the start of the evidence.
"""
from __future__ import annotations

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
from index.multilingual import load_multilingual  # noqa: E402

DOCS = ROOT / "bench" / "data" / "foreign_docs"
QUESTIONS = ROOT / "bench" / "data" / "foreign_docs_questions.jsonl"


def main() -> None:
    questions = load_casual_questions(QUESTIONS)
    embedder = load_embedder(None)
    multilingual = load_multilingual()
    for guide in sorted(DOCS.glob("*.md")):
        asked = [q for q in questions if q.document in (None, guide.name)]
        with tempfile.TemporaryDirectory(prefix="kizuna-foreign-docs-") as folder:
            seeds = Path(folder) / "seeds"
            seeds.mkdir()
            shutil.copy(guide, seeds / guide.name)
            for name, extra in (("English reading only (baseline)", None), ("with multilingual-e5", multilingual)):
                engine = Engine.open(seeds, Path(folder) / name.split()[0], embedder, multilingual=extra)
                print(render_block(f"{guide.name}, {name} ({len(engine.corpus.sentences)} sentences; never fitted on)",
                                   evaluate_casual(engine, asked)))
                print()


if __name__ == "__main__":
    main()
