"""``kizuna eval``: how well the engine answers, and how well it knows when it can't.

By default it asks the article question set against the configured seeds. With
``--squad FILE`` it scores SQuAD articles (ReQA rule) for the engine and two one-signal
baselines side by side, in one run by the same code.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .settings import SettingsError

DEFAULT_QUESTIONS = Path("bench/data/article_questions.jsonl")
_REPOSITORY = Path(__file__).resolve().parent.parent  # where an editable install runs from
# The held-out casual set and the four SQuAD articles it asks about; never fitted on.
CASUAL_QUESTIONS = _REPOSITORY / "bench" / "data" / "casual_questions.jsonl"
CASUAL_ARTICLES = _REPOSITORY / "tests" / "data" / "squad" / "dev-v2.0-4articles.json"
# Turkish and Japanese questions about the seed article, held out: never fitted on.
MULTILINGUAL_QUESTIONS = _REPOSITORY / "bench" / "data" / "multilingual_questions.jsonl"
LANGUAGE_NAMES = {"tr": "Turkish", "ja": "Japanese"}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``eval`` subcommand's parser; the caller adds --seeds/--index-dir/--model."""
    parser = subparsers.add_parser("eval", help="measure answer accuracy and abstention")
    parser.add_argument("--questions", type=Path, help=f"article question set (JSON lines; default {DEFAULT_QUESTIONS} of the repository)")
    parser.add_argument("--squad", type=Path, metavar="FILE", help="score a SQuAD 2.0 file instead (its articles are the documents)")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="use only the first N questions of each article (SQuAD)")
    parser.add_argument("--casual", type=Path, default=CASUAL_QUESTIONS, help="the held-out casual question set (JSON lines)")
    parser.add_argument("--no-casual", action="store_true", help="skip the casual held-out block")
    parser.add_argument("--multilingual", type=Path, default=MULTILINGUAL_QUESTIONS,
                        help="the held-out questions in other languages about the seed article (JSON lines)")
    parser.add_argument("--no-multilingual", action="store_true", help="skip the other-languages blocks")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw confidence histograms with the threshold marked")
    return parser


def _option(args: argparse.Namespace, settings: Any, name: str, setting: str, default: Any) -> Any:
    value = getattr(args, name, None)
    if value is None and settings is not None:
        value = getattr(settings, setting, None)
    return default if value is None else value


def questions_file(path: Path | None) -> Path:
    """The article question set: the one given, else the repository's, from whatever folder."""
    if path is not None:
        return path
    for candidate in (_REPOSITORY / DEFAULT_QUESTIONS, DEFAULT_QUESTIONS):
        if candidate.is_file():
            return candidate
    raise SettingsError(
        f"the article question set {DEFAULT_QUESTIONS} is neither in {_REPOSITORY} nor here: "
        "run kizuna eval from the project folder, or pass --questions FILE"
    )


def _require_matplotlib() -> None:
    """--plot's library is optional: say so before the evaluation runs, not after."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SettingsError("--plot needs matplotlib, which is not installed: pip install -e '.[eval]'") from None


def run(args: argparse.Namespace, settings: Any = None) -> int:
    """Run the evaluation; returns a process exit code."""
    from index.embedder import load_embedder
    from index.evaluation import load_article_questions, load_squad

    # Everything that can be wrong with the inputs fails now, not after the model's load.
    if args.plot:
        _require_matplotlib()
    if args.squad:
        data = load_squad(args.squad)
    else:
        data = load_article_questions(questions_file(args.questions))
        _check_folders(args, settings)
        if not args.no_casual:
            from index.evaluation import load_casual_questions

            args.casual_set = (load_casual_questions(args.casual), load_squad(CASUAL_ARTICLES))
        if not getattr(args, "no_multilingual", True):
            args.multilingual_set = load_article_questions(questions_file(args.multilingual))
    model = _option(args, settings, "model", "model", None)
    embedder = load_embedder(model)
    if args.squad:
        result = _squad(args, embedder, data)
    else:
        result = _articles(args, settings, embedder, data)
    if args.json:
        result = {k: v for k, v in result.items() if k != "confidence"}
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print(render_squad(result) if args.squad else render_articles(result))
    return 0


def _folders(args: argparse.Namespace, settings: Any) -> tuple[Path, Path]:
    seeds = Path(_option(args, settings, "seeds", "seeds_dir", "seeds"))
    return seeds, Path(_option(args, settings, "index_dir", "index_dir", ".kizuna-index"))


def _check_folders(args: argparse.Namespace, settings: Any) -> None:
    from .commands import check_folders

    check_folders(*_folders(args, settings))


def _articles(args: argparse.Namespace, settings: Any, embedder: Any, questions: list) -> dict:
    from index.engine import Engine
    from index.evaluation import evaluate_articles

    engine = Engine.open(*_folders(args, settings), embedder)
    result = evaluate_articles(engine, questions)
    if args.plot:
        yes = [c for q, c in zip(questions, result["confidences"]) if q.gold is not None]
        no = [c for q, c in zip(questions, result["confidences"]) if q.gold is None]
        plot_confidence(args.plot, {"answerable": yes, "unanswerable": no}, engine.calibration.answer)
    result.pop("confidences", None)
    if not args.no_casual:
        result["casual"] = _casual(args, embedder)
    if getattr(args, "multilingual_set", None) is not None:
        result["languages"] = _languages(args, settings, embedder)
    return result


def _languages(args: argparse.Namespace, settings: Any, embedder: Any) -> dict:
    """The held-out questions in other languages, per language, asked of the seed article."""
    from index.engine import Engine
    from index.evaluation import evaluate_articles
    from index.multilingual import MultilingualUnavailable, load_multilingual

    try:
        multilingual = load_multilingual()
    except MultilingualUnavailable as err:
        return {"skipped": str(err)}
    out = {}
    with tempfile.TemporaryDirectory(prefix="kizuna-languages-") as folder:
        engine = Engine.open(_folders(args, settings)[0], Path(folder) / "index", embedder, multilingual=multilingual)
        for language in sorted({q.language for q in args.multilingual_set}):
            asked = [q for q in args.multilingual_set if q.language == language]
            result = evaluate_articles(engine, asked)
            result.pop("confidences", None)
            out[language] = result
    return out


def _casual(args: argparse.Namespace, embedder: Any) -> dict:
    """The held-out casual set, asked of an engine over the four articles it is about."""
    from index.engine import Engine
    from index.evaluation import evaluate_casual

    questions, squad = args.casual_set
    with tempfile.TemporaryDirectory(prefix="kizuna-casual-") as folder:
        seeds = Path(folder) / "seeds"
        seeds.mkdir()
        for doc in squad.documents:  # no title line: the offsets are SQuAD's own
            (seeds / doc.path).write_text(doc.text, encoding="utf-8")
        engine = Engine.open(seeds, Path(folder) / "index", embedder)
        result = evaluate_casual(engine, questions)
    result.pop("confidences", None)
    return result


def _squad(args: argparse.Namespace, embedder: Any, squad: Any) -> dict:
    from index.building import embed_documents
    from index.corpus import IndexParams
    from index import reference_questions
    from index.evaluation import evaluate_squad, pick_questions
    from index.ranking import Calibration, Weights

    started = time.perf_counter()
    picked = pick_questions(squad, args.limit)
    corpus, _ = embed_documents(squad.documents, embedder, IndexParams(), {})
    vectors, tokens = embedder.encode_with_tokens([squad.questions[i].question for i in picked])
    full, all_tokens = _spread(vectors, tokens, picked, len(squad.questions))
    references = reference_questions.for_encoder(embedder, reference_questions.ENGLISH_PATH)
    result = evaluate_squad(corpus, squad, full, Weights(), Calibration(), picked, all_tokens, references)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["documents"] = len(squad.documents)
    result["sentences"] = len(corpus.sentences)
    if args.plot:
        plot_confidence(args.plot, result["confidence"], Calibration().answer)
    return result


def _spread(vectors, tokens, picked, n):
    """The picked questions' vectors and tokens placed at their index among all ``n``."""
    import numpy as np

    full = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    full[picked] = vectors
    if tokens is None:
        return full, None
    all_tokens = [None] * n
    for i, item in zip(picked, tokens):
        all_tokens[i] = item
    return full, all_tokens


def plot_confidence(path: Path, groups: dict[str, list[float]], threshold: float) -> None:
    """Overlaid confidence histograms per group, the threshold as a vertical line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    bins = [i / 40 for i in range(41)]
    for name, values in groups.items():
        if values:
            ax.hist(values, bins=bins, alpha=0.5, density=True, label=f"{name} ({len(values)})")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    ax.set_xlabel("calibrated confidence")
    ax.set_ylabel("density")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def render_articles(r: dict) -> str:
    lines = [render_block("article questions", r)]
    if "casual" in r:
        lines.append(render_block("casual questions (held out: never fitted on)", r["casual"]))
    languages = r.get("languages", {})
    if "skipped" in languages:
        lines.append(f"questions in other languages: skipped, {languages['skipped']}")
    for language, block in languages.items():
        if language != "skipped":
            lines.append(_render_language(language, block))
    return "\n\n".join(lines)


def _render_language(language: str, r: dict) -> str:
    lines = [
        f"{LANGUAGE_NAMES.get(language, language)} questions about the article (held out: never fitted on): "
        f"{r['answerable']} answerable, {r['off_topic']} off-topic",
        f"{'figure':44} {'kizuna':>7}  target",
        f"  {'top-1 right':42} {_pct(r['top1']):>7}",
        f"  {'right and not refused':42} {_pct(r['right_and_not_refused']):>7}  >= 90%",
        f"  {'off-topic given not_found':42} {_pct(r['off_topic_not_found']):>7}  >= 90%",
        f"  {'answerable given answer (not likely)':42} {_pct(r['answer_share']):>7}",
    ]
    if r["misses"]:
        lines.append("misses:")
        for m in r["misses"]:
            lines.append(f"  [{m['why']}] {m['question']!r} -> {m['quote'][:80]!r} ({m['verdict']}, {m['score']:.2f})")
    return "\n".join(lines)


def render_block(name: str, r: dict) -> str:
    lines = [
        f"{name}: {r['answerable']} answerable, {r['near_miss']} near misses, {r['off_topic']} off-topic",
        f"{'figure':44} {'kizuna':>7} {'one score':>9}  target",
        f"  {'top-1 right':42} {_pct(r['top1']):>7} {'':>9}",
        f"  {'ranked right, given answer or likely':42} {_pct(r['top_right_kept']):>7} {_pct(r['baseline_top_right_kept']):>9}  >= 97%",
        f"  {'right and not refused':42} {_pct(r['right_and_not_refused']):>7} {_pct(r['baseline_right_and_answered']):>9}  >= 92%",
        f"  {'off-topic given not_found':42} {_pct(r['off_topic_not_found']):>7} {_pct(r['baseline_off_topic_declined']):>9}  >= 95%",
        f"  {'answerable given answer (not likely)':42} {_pct(r['answer_share']):>7} {'':>9}",
    ]
    if r["near_miss"]:
        lines.append(f"  {'near misses given not_found':42} {_pct(r['near_miss_not_found']):>7}")
        lines.append(f"  {'near misses given answer':42} {_pct(r['near_miss_answer']):>7}")
    lines.append("  (one score: answer when the match probability reaches the threshold, else refuse)")
    if r["misses"]:
        lines.append("misses:")
        for m in r["misses"]:
            lines.append(f"  [{m['why']}] {m['question']!r} -> {m['quote'][:80]!r} ({m['verdict']}, {m['score']:.2f})")
    return "\n".join(lines)


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:5.1f}%"


def render_squad(r: dict) -> str:
    lines = [
        f"SQuAD: {r['documents']} articles, {r['sentences']} sentences, {r['questions']} questions, {r['seconds']} s",
        f"{'system':13} {'pool':8} {'n':>5} {'P@1':>6} {'MRR':>6} {'R@5':>6}",
    ]
    for name in ("bm25-default", "bm25", "dense", "engine"):
        for pool in ("article", "global"):
            s = r["scores"][name][pool]
            lines.append(f"{name:13} {pool:8} {s['n']:5d} {s['p_at_1']:6.3f} {s['mrr']:6.3f} {s['recall_at_5']:6.3f}")
    v = r["verdicts"]
    lines += [f"{'verdicts':27} {'answer':>7} {'likely':>7} {'not found':>9}"]
    for group, label in (("answerable", "answerable"), ("impossible", "impossible (near misses)"), ("off_topic", "off-topic (other article)")):
        lines.append(f"  {label:25} {_pct(v[group]['answer']):>7} {_pct(v[group]['likely']):>7} {_pct(v[group]['not_found']):>9}")
    lines += [
        f"quote length {r['quote_chars']:.0f} chars vs mean sentence {r['sentence_chars']:.0f} "
        f"({r['quote_chars'] / r['sentence_chars']:.2f}x)",
    ]
    return "\n".join(lines)

