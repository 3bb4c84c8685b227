"""English questions over many articles at once: is the topic model's "not found" weaker there?

Run:  .venv/bin/python bench/english_many_articles.py  [--squad FILE]

The English topic model is fitted on SQuAD questions asked of their own article and of
the next one (225 sentences on average) and on the seed article's (15). A server's
corpus can hold many documents. Here the 16 SQuAD articles are split in two halves of
eight (about 1,700 sentences each) and every answerable SQuAD question is asked four
ways, each with the shipped weights and decision:

- of its own article, and of the next one (off its topic), as ``kizuna fit`` asks it;
- of its own half, which holds its article, and of the other half (off its topic).

Then the chat-typed training questions (``bench/data/casual_train_questions.jsonl``,
about four of the articles): each answerable one asked of its own article and of the
four together, each off-topic one of every article in turn and of the four together.

The hub signal's reference questions leave out those about the articles searched and
the question's own, as the fit's do. These questions are the English fit's training
questions, so the figures are in-sample; what they show is the gap between one article
and several, which no fitted number was chosen on.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fit_cmd  # noqa: E402
from index import reference_questions  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.evaluation import casual_gold, load_casual_questions, load_squad  # noqa: E402
from index.ranking import Calibration, Weights, rank  # noqa: E402

WAYS = ("own article", "next article (off topic)", "own half", "other half (off topic)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=fit_cmd.DEFAULT_SQUAD)
    args = parser.parse_args()
    squad = load_squad(args.squad)
    embedder = load_embedder(None)
    corpus = fit_cmd.embed_cached(squad.documents, embedder, "squad")
    asked = [q for q in squad.questions if not q.impossible]
    vectors, tokens = fit_cmd.encode_cached([q.question for q in asked], embedder, "many-articles")
    references = reference_questions.for_encoder(embedder, reference_questions.ENGLISH_PATH)
    articles = len(squad.documents)
    halves = (list(range(0, articles, 2)), list(range(1, articles, 2)))
    titles = [d.title for d in squad.documents]
    hubs: dict[tuple, np.ndarray | None] = {}

    def hub(searched: list[int], scope: np.ndarray, own: int) -> np.ndarray | None:
        key = (tuple(searched), own)
        if references is not None and key not in hubs:
            left_out = [titles[d] for d in searched] + [titles[own]]
            hubs[key] = reference_questions.scope_hubness(corpus, scope, references.leaving_out(*left_out))
        return hubs.get(key)

    def verdict(question: str, i: int, q_vectors, q_tokens, searched: list[int], own: int) -> str:
        """The shipped verdict for question ``i`` of ``q_vectors`` asked of the articles ``searched``."""
        scope = np.flatnonzero(np.isin(corpus.doc_ids, searched))
        return rank(corpus, question, q_vectors[i : i + 1], scope, Weights(), Calibration(),
                    q_tokens[i] if q_tokens else None, hub(searched, scope, own)).verdict

    verdicts: dict[str, list[str]] = {way: [] for way in WAYS}
    for i, q in enumerate(asked):
        mine, theirs = halves[q.doc % 2], halves[1 - q.doc % 2]
        for way, searched in zip(WAYS, ([q.doc], [(q.doc + 1) % articles], mine, theirs)):
            verdicts[way].append(verdict(q.question, i, vectors, tokens, searched, q.doc))
    sizes = [int(np.isin(corpus.doc_ids, half).sum()) for half in halves]
    print(f"{len(asked)} answerable SQuAD questions; an article {len(corpus.sentences) / articles:.0f} sentences "
          f"on average, the halves {sizes[0]:,} and {sizes[1]:,}")
    _print(verdicts)

    casual = load_casual_questions(fit_cmd.CASUAL_TRAIN)
    c_vectors, c_tokens = fit_cmd.encode_cached([q.question for q in casual], embedder, "casual-train")
    paths = [d.path for d in squad.documents]
    four = sorted({paths.index(q.document) for q in casual if q.document in paths})
    ways = ("own article", "the four articles", "each article (off topic)", "the four (off topic)")
    verdicts = {way: [] for way in ways}
    for i, q in enumerate(casual):
        if q.role == "answerable":
            own = paths.index(casual_gold(squad.documents, q)[0])
            verdicts[ways[0]].append(verdict(q.question, i, c_vectors, c_tokens, [own], own))
            verdicts[ways[1]].append(verdict(q.question, i, c_vectors, c_tokens, four, own))
        else:
            for doc in four:
                verdicts[ways[2]].append(verdict(q.question, i, c_vectors, c_tokens, [doc], doc))
            verdicts[ways[3]].append(verdict(q.question, i, c_vectors, c_tokens, four, four[0]))
    print(f"\n{len(casual)} chat-typed training questions; the four articles {int(np.isin(corpus.doc_ids, four).sum()):,} sentences")
    _print(verdicts)


def _print(verdicts: dict[str, list[str]]) -> None:
    print(f"{'asked of':<28} {'not_found':>9} {'likely':>7} {'answer':>7}")
    for way, got in verdicts.items():
        got = np.array(got)
        print(f"{way:<28} {np.mean(got == 'not_found'):>9.3f} {np.mean(got == 'likely'):>7.3f} {np.mean(got == 'answer'):>7.3f}")


if __name__ == "__main__":
    main()
