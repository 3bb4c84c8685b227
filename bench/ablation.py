"""What each part of the ranking buys: the shipped ranking, and it with one part taken out.

Run:  .venv/bin/python bench/ablation.py  [--squad ../shared/data/squad/dev-v2.0-16articles.json]

For each variant: P@1 on SQuAD (per-article pool, all 16 articles, then the even- and
odd-numbered ones apart) and top-1 on the article's question set. The weights were
tuned on all 16 articles together with the article set, so a part is worth keeping
when it helps both halves and the article, not just the total. This is the committed
form of the checks quoted in ``index/ranking.py`` and ``index/tokens.py``.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.corpus import Corpus, IndexParams, embed_documents  # noqa: E402
from index.documents import load_documents  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.evaluation import gold_rows, load_article_questions, load_squad  # noqa: E402
from index.ranking import SHORTLIST_WEIGHTS, Weights, rank  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "dev-v2.0-16articles.json"
QUESTIONS = ROOT / "bench" / "data" / "article_questions.jsonl"


@contextmanager
def paragraph_context_off(*corpora: Corpus) -> Iterator[None]:
    """The first sentence of each paragraph without the sentence before it (as before v5)."""
    saved = [c.before.copy() for c in corpora]
    for c in corpora:
        first = np.array([r > 0 and c.sentences[r - 1].paragraph != s.paragraph for r, s in enumerate(c.sentences)], bool)
        c.before[first] = -1
    try:
        yield
    finally:
        for c, before in zip(corpora, saved):
            c.before[:] = before


@contextmanager
def nothing(*corpora: Corpus) -> Iterator[None]:
    yield


VARIANTS: list[tuple[str, Weights, Callable]] = [
    ("shipped", Weights(), nothing),
    ("no token matching (first stage only)", SHORTLIST_WEIGHTS, nothing),
    ("no context across paragraphs", Weights(), paragraph_context_off),
    ("no answer kind", dataclasses.replace(Weights(), kind=0.0), nothing),
    ("no BM25", dataclasses.replace(Weights(), lexical_sentence=0.0, lexical_chunk=0.0), nothing),
    ("token matching x2 (SQuAD's own optimum)", dataclasses.replace(Weights(), token_match=3.0), nothing),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = load_embedder(None)

    documents, _ = load_documents(ROOT / "seeds")
    article, _ = embed_documents(documents, embedder, IndexParams(), {})
    asked = load_article_questions(QUESTIONS)
    answerable = [q for q in asked if q.gold is not None]
    a_vectors, a_tokens = embedder.encode_with_tokens([q.question for q in answerable])

    squad = load_squad(args.squad)
    corpus, _ = embed_documents(squad.documents, embedder, IndexParams(), {})
    questions = [q for q in squad.questions if not q.impossible]
    s_vectors, s_tokens = embedder.encode_with_tokens([q.question for q in questions])
    scopes = {d: np.flatnonzero(corpus.doc_ids == d) for d in range(len(squad.documents))}
    print(f"embedded {len(corpus.sentences)} SQuAD and {len(article.sentences)} article sentences in {time.perf_counter() - started:.0f} s")

    print(f"{'variant':42} {'SQuAD P@1':>9} {'even':>6} {'odd':>6} {'article top-1':>13}")
    for name, weights, switch in VARIANTS:
        with switch(corpus, article):
            hits = np.array([
                rank(corpus, q.question, s_vectors[i : i + 1], scopes[q.doc], weights, q_tokens=s_tokens[i]).rows[0]
                in gold_rows(corpus, q.doc, q.starts)
                for i, q in enumerate(questions)
            ])
            right = [
                article.sentences[int(rank(article, q.question, a_vectors[i : i + 1], None, weights, q_tokens=a_tokens[i]).rows[0])].text == q.gold
                for i, q in enumerate(answerable)
            ]
        even = np.array([q.doc % 2 == 0 for q in questions])
        print(f"{name:42} {hits.mean():9.3f} {hits[even].mean():6.3f} {hits[~even].mean():6.3f} {np.mean(right):13.0%}")


if __name__ == "__main__":
    main()
