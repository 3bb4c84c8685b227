"""``kizuna fit``: every fitted number of the engine, from data, with cross-validation by article.

Writes ``index/fitted.json`` (what the engine reads) and prints, for the shipped fit,
its figures on the data it was fitted on (in-sample) beside the figures of the same
procedure cross-validated: four folds of four SQuAD articles each and the seed
article's question set as a fifth, each measured by a fit made without it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad" / "dev-v2.0-16articles.json"
ARTICLE_QUESTIONS = ROOT / "bench" / "data" / "article_questions.jsonl"
# Casual questions typed as in a chat about four of the SQuAD articles, for fitting (the
# casual set that `kizuna eval` reports is another one, held out).
CASUAL_TRAIN = ROOT / "bench" / "data" / "casual_train_questions.jsonl"
# Turkish and Japanese questions about four SQuAD articles, for the cross-lingual numbers
# (the set about the seed article, bench/data/multilingual_questions.jsonl, is held out).
MULTILINGUAL_TRAIN = ROOT / "bench" / "data" / "multilingual_train_questions.jsonl"
ARTICLE_SEEDS = ROOT / "seeds"
# Embeddings of the fitting data, kept between runs (git-ignored): they depend only on
# the model and the texts, and take most of a run to compute.
CACHE = ROOT / "bench" / "out" / "fit-cache"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("fit", help="fit the engine's numbers from data and cross-validate them")
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, metavar="FILE", help="SQuAD 2.0 file to fit on")
    parser.add_argument("--questions", type=Path, default=ARTICLE_QUESTIONS, help="the seed article's question set")
    parser.add_argument("--article-seeds", type=Path, default=ARTICLE_SEEDS, help="the folder the question set asks about")
    parser.add_argument("--out", type=Path, help="where to write the numbers (default: index/fitted.json)")
    parser.add_argument("--report", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-cv", action="store_true", help="fit only; skip the cross-validation")
    parser.add_argument("--crosslingual-only", action="store_true",
                        help="refit only the cross-lingual numbers, keeping the rest of fitted.json")
    return parser


def run(args: argparse.Namespace, settings: Any = None) -> int:
    from index.embedder import load_embedder
    from index.fitted import PATH

    if not args.squad.is_file():
        print(f"kizuna fit: no SQuAD file at {args.squad}; pass --squad FILE", file=sys.stderr)
        return 2
    if args.out and not args.out.parent.is_dir():  # found out after minutes of fitting, otherwise
        print(f"kizuna fit: no folder {args.out.parent} to write {args.out.name} in", file=sys.stderr)
        return 2
    started = time.perf_counter()
    say = lambda text: print(f"[{time.perf_counter() - started:6.0f} s] {text}", flush=True)  # noqa: E731
    embedder = load_embedder(getattr(args, "model", None))
    multilingual = _multilingual(say)
    if args.crosslingual_only:
        return _crosslingual_only(args, embedder, multilingual, say)
    cases, folds = build_cases(args, embedder, say, multilingual)
    import numpy as np

    from index import fit_report, fitting

    corpora: dict = {}
    bm25_right = fitting.bm25_hits(cases, corpora)
    say("BM25 grid scored")
    fit = fitting.fit_all(cases, corpora, bm25_right, with_plain=True)
    say("fitted on everything")
    decided = fitting.outcomes(cases, fit, corpora)  # decided once, then measured by source
    article = np.array([c.group == fitting.ARTICLE for c in cases])
    report = {
        "in_sample": fit_report.figures(*decided),
        "squad_in_sample": fit_report.figures(*fit_report.of_style(decided, "squad")),
        "casual_in_sample": fit_report.figures(*fit_report.of_style(_select(decided, ~article), "casual")),
        "article_in_sample": fit_report.figures(*_select(decided, article)),
    }
    if not args.no_cv:
        held, fits = fitting.cross_validate(cases, folds, corpora, bm25_right, progress=say)
        report["per_fold"] = {name: fit_report.figures(*outcome) for name, outcome in held.items()}
        squad_folds = fit_report.pool([o for n, o in held.items() if n != "article"])
        report["squad_cross_validated"] = fit_report.figures(*fit_report.of_style(squad_folds, "squad"))
        report["casual_cross_validated"] = fit_report.figures(*fit_report.of_style(squad_folds, "casual"))
        report["article_cross_validated"] = report["per_fold"].get("article", {})
        report["fold_settings"] = [to_json(f) for f in fits]
    numbers = to_json(fit)
    cross_report = None
    if multilingual is not None:
        squad_corpus = cases[0].corpus  # build_cases asks SQuAD's questions first, of the corpus it built
        numbers["crosslingual"], cross_report = fit_crosslingual(args, squad_corpus, multilingual, say, not args.no_cv)
        report["crosslingual"] = cross_report
    else:  # keep the last fit's cross-lingual numbers rather than lose them
        from index.fitted import fitted

        numbers["crosslingual"] = fitted().get("crosslingual")
    out = args.out or PATH
    _write_atomically(out, json.dumps(numbers, indent=1) + "\n")
    say(f"wrote {out}")
    _save_english_references(cases, embedder, out, say)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(render(fit, report))
    if cross_report:
        print(render_crosslingual(numbers["crosslingual"], cross_report))
    return 0


def _save_english_references(cases: list, embedder: Any, out: Path, say) -> None:
    """The topic model's reference questions (``standing_out.py``), beside the numbers."""
    from index import fitting, reference_questions

    vectors, groups = fitting.reference_questions(cases)
    where = out.with_name(reference_questions.ENGLISH_PATH.name)
    reference_questions.save(vectors, [True] * len(groups), embedder, where, groups)
    say(f"wrote {where}")


def _crosslingual_only(args: argparse.Namespace, embedder: Any, multilingual: Any, say) -> int:
    from index.evaluation import load_squad
    from index.fitted import PATH, fitted

    if multilingual is None:
        print("kizuna fit: the multilingual encoder cannot run here; nothing to fit", file=sys.stderr)
        return 2
    corpus = embed_cached(load_squad(args.squad).documents, embedder, "squad", multilingual)
    numbers = dict(fitted())
    numbers["crosslingual"], report = fit_crosslingual(args, corpus, multilingual, say, not args.no_cv)
    out = args.out or PATH
    _write_atomically(out, json.dumps(numbers, indent=1) + "\n")
    say(f"wrote {out}")
    print(render_crosslingual(numbers["crosslingual"], report))
    return 0


def _multilingual(say):
    from index.multilingual import MultilingualUnavailable, load_multilingual

    try:
        return load_multilingual()
    except MultilingualUnavailable as err:
        say(f"{err}; the cross-lingual numbers are kept from the last fit")
        return None


def fit_crosslingual(args: argparse.Namespace, corpus: Any, multilingual: Any, say, cv: bool) -> tuple[dict, dict]:
    """The numbers of index/crosslingual.py, and their figures in-sample and cross-validated by article.

    ``corpus`` is the SQuAD articles' corpus, with their multilingual vectors. Also writes
    the training questions' vectors, the ``hub`` signal's reference questions, beside
    the fitted numbers (``index/reference_questions.npz`` by default).
    """
    from index import fitting_crosslingual as fc
    from index import reference_questions
    from index.fitted import PATH
    from index.evaluation import load_squad

    asked, _, vectors, cases = crosslingual_training(load_squad(args.squad).documents, corpus, multilingual)
    fit = fc.fit_crosslingual(cases)
    where = (args.out or PATH).with_name(reference_questions.PATH.name)
    reference_questions.save(vectors, [q.role == "answerable" for q in asked], multilingual, where)
    say(f"wrote {where}")
    report = {"in_sample": fc.figures(cases, *fc.verdicts(fit, cases))}
    if cv:
        report["cross_validated"] = fc.cross_validate(cases)
    say(f"cross-lingual: {len(cases)} cases fitted")
    return fc.to_json(fit), report


def crosslingual_training(documents: list, corpus: Any, multilingual: Any,
                          files: tuple[Path, ...] = (MULTILINGUAL_TRAIN,),
                          references_from: int | None = None) -> tuple[list, list[str], Any, list]:
    """The Turkish and Japanese training questions, as the engine reads them, their e5
    vectors (cached) and their cases.

    ``corpus`` holds ``documents``, the SQuAD articles, with their multilingual vectors;
    ``files`` the questions, one after the other. ``references_from``: only the first
    that many questions are reference questions (the shipped ones, when the files after
    them are a check the shipped engine never saw); all of them by default. Shared by the
    fit and the bench scripts that try a signal, or more questions, on the same folds."""
    from index.crosslingual import reading
    from index.evaluation import load_casual_questions
    from index.language import language_of

    asked = [q for path in files for q in load_casual_questions(path)]
    # As the engine reads them: the language it tells, Turkish letters put back.
    read = [reading(q.question, language_of(q.question)) for q in asked]
    vectors = queries_cached(read, multilingual, "multilingual-train")
    return asked, read, vectors, crosslingual_cases(documents, asked, read, vectors, corpus, references_from)


def crosslingual_cases(documents: list, asked: list, read: list[str], vectors: Any, corpus: Any,
                       references_from: int | None = None) -> list:
    """The cross-lingual training cases: each answerable question asked of its article,
    and of the next one as off-topic; each off-topic question asked of every article.
    Each is asked of the whole article and of ``2 * SMALL_SCOPE + 1`` sentences of it.

    ``read`` are the questions as the engine reads them, ``vectors`` their e5 vectors, and
    ``corpus`` holds ``documents`` with their multilingual vectors. The same questions are
    the reference questions of the ``hub`` signal: for a case, all but itself and those
    about the article it is asked of, as the shipped ones are about none of a user's;
    of those, only the first ``references_from`` when it is given.
    """
    import numpy as np

    from index import fitting_crosslingual as fc
    from index.evaluation import casual_gold, gold_rows

    paths = [d.path for d in documents]
    topics = sorted({paths.index(q.document) for q in asked if q.document in paths})
    scopes = {d: np.flatnonzero(corpus.doc_ids == d) for d in topics}

    def references(i: int, doc: int):
        return references_leaving_out(asked, vectors, i, documents[doc].path, references_from)

    cases, off = [], 0
    for i, q in enumerate(asked):
        if q.role == "answerable":
            path, at = casual_gold(documents, q)
            doc = paths.index(path)
            gold = gold_rows(corpus, doc, [at])
            other = topics[(topics.index(doc) + 1) % len(topics)]  # the same question, off the next article's topic
            title = documents[doc].title
            mine, theirs = references(i, doc), references(i, other)
            for scope, far in ((scopes[doc], scopes[other]), (_window(scopes[doc], gold), _window(scopes[other], gold, scopes[doc]))):
                cases.append(fc.make_cross_case(read[i], q.language, title, "answerable", corpus, scope, vectors[i], gold, mine))
                cases.append(fc.make_cross_case(read[i], q.language, title, "off_topic", corpus, far, vectors[i], np.zeros(0, np.int64), theirs))
        else:
            # Of every article, not one in turn: several are near one article's subject
            # (Krakow's population, the last Ming emperor), and that pairing is the hard one.
            # All of a question's cases fall in one fold, so that no fold is measured on a
            # question its fit has seen asked of another article: the fold of the article
            # it was written beside, when it names one (on that article's subject, not
            # answered there: "how cold are Warsaw's winters"), else the articles' in turn.
            if q.document in paths:
                fold = documents[paths.index(q.document)].title
            else:
                fold, off = documents[topics[off % len(topics)]].title, off + 1
            for doc in topics:
                theirs = references(i, doc)
                for scope in (scopes[doc], scopes[doc][: 2 * SMALL_SCOPE + 1]):
                    cases.append(fc.make_cross_case(read[i], q.language, fold, "off_topic", corpus, scope, vectors[i],
                                                    np.zeros(0, np.int64), theirs))
    return cases


def references_leaving_out(asked: list, vectors: Any, i: int, path: str, references_from: int | None = None):
    """The reference questions for question ``i`` asked of the document at ``path``:
    ``vectors`` (one per question of ``asked``, the first ``references_from`` of them
    when given) but neither its own, nor any about that document or about its own, as
    the shipped ones are about none of a user's. An off-topic question about no article
    leaves out every other such question: they come in near pairs across the two
    languages ("Krakow's population" is in both), and its twin would be a reference no
    user's question has."""
    import numpy as np

    from index.reference_questions import References

    about = np.array([q.document or "" for q in asked])
    # Written out rather than compared with a "\0" stand-in: numpy drops a string's
    # trailing NULs, so "\0" would equal "" anyway; this is what the fit has always done.
    keep = (about != path) & (about != (asked[i].document or ""))
    keep[i] = False
    if references_from is not None:
        keep[references_from:] = False
    answerable = np.array([q.role == "answerable" for q in asked])
    return References(vectors[keep], vectors[keep & answerable])


# Each training question is asked of its whole article and of a small corpus too: the
# sentences within this many of the answer (the seed article has 15). A scope's size
# changes how far the best sentence stands out from the rest, and the bot serves both.
SMALL_SCOPE = 7


def _window(scope, gold, like=None):
    """``2 * SMALL_SCOPE + 1`` rows of ``scope`` around the gold row (or at its place in ``like``)."""
    import numpy as np

    where = int(np.searchsorted(like if like is not None else scope, gold[0])) if len(gold) else 0
    if like is not None:  # the same relative place in another article
        where = int(where * len(scope) / max(len(like), 1))
    lo = max(0, min(where - SMALL_SCOPE, len(scope) - (2 * SMALL_SCOPE + 1)))
    return scope[lo : lo + 2 * SMALL_SCOPE + 1]


def render_crosslingual(numbers: dict, report: dict) -> str:
    lines = [
        "",
        f"cross-lingual (Turkish and Japanese training questions): weights {numbers['weights']}, thresholds {numbers['thresholds']}",
        f"{'figure':36} {'CV':>8} {'in':>6}",
    ]
    for key, label in (("p_at_1", "P@1"), ("top_right_kept", "ranked right, given answer/likely"),
                       ("right_and_not_refused", "right and not refused"), ("answerable_answer", "answerable given answer"),
                       ("off_topic_not_found", "off-topic given not_found")):
        lines.append(f"{label:36} {_f(report.get('cross_validated', {}).get(key)):>8} {_f(report['in_sample'].get(key)):>6}")
    return "\n".join(lines)


def _select(outcome: tuple, keep) -> tuple:
    return tuple(part[keep] for part in outcome)


def _write_atomically(path: Path, text: str) -> None:
    """The engine reads this file at every start: a crash mid-write must leave the old one."""
    from index.files import write_atomically

    write_atomically(path, text.encode("utf-8"), prefix=f".{path.name}", mode=0o644)


def build_cases(args: argparse.Namespace, embedder: Any, say, multilingual: Any = None) -> tuple[list, list[list[str]]]:
    """SQuAD questions asked of their own article and of the next one, and the article's set."""
    import numpy as np

    from index.documents import load_documents
    from index.evaluation import gold_rows, load_article_questions, load_squad
    from index.fitting import ARTICLE, attach_standing_out, make_case

    squad = load_squad(args.squad)
    corpus = embed_cached(squad.documents, embedder, "squad", multilingual)
    say(f"SQuAD: {len(squad.documents)} articles, {len(corpus.sentences)} sentences embedded")
    vectors, tokens = encode_cached([q.question for q in squad.questions], embedder, "squad-questions")
    scopes = {d: np.flatnonzero(corpus.doc_ids == d) for d in range(len(squad.documents))}
    titles = [d.title for d in squad.documents]
    cases, decoded = [], {}
    for i, q in enumerate(squad.questions):
        gold = gold_rows(corpus, q.doc, q.starts) if not q.impossible else np.zeros(0, np.int64)
        role = "impossible" if q.impossible else "answerable"
        cases.append(make_case(q.question, titles[q.doc], role, "squad", corpus, scopes[q.doc], vectors[i : i + 1], tokens[i], gold, decoded))
        if not q.impossible:  # the same question, asked of another article: off its topic
            other = scopes[(q.doc + 1) % len(squad.documents)]
            cases.append(make_case(q.question, titles[q.doc], "off_topic", "squad", corpus, other, vectors[i : i + 1], tokens[i], np.zeros(0, np.int64), decoded))
    cases += casual_cases(squad, corpus, embedder, scopes, decoded)
    documents, _ = load_documents(args.article_seeds)
    article = embed_cached(documents, embedder, "article", multilingual)
    asked = load_article_questions(args.questions)
    a_vectors, a_tokens = encode_cached([q.question for q in asked], embedder, "article-questions")
    everything = np.arange(len(article.sentences))
    for i, q in enumerate(asked):
        gold = np.flatnonzero([s.text == q.gold for s in article.sentences]) if q.gold else np.zeros(0, np.int64)
        role = {"near_miss": "impossible"}.get(q.role, q.role)
        cases.append(make_case(q.question, ARTICLE, role, "casual", article, everything, a_vectors[i : i + 1], a_tokens[i], gold))
    attach_standing_out(cases)
    say(f"{len(cases)} cases prepared")
    folds = [[t for j, t in enumerate(titles) if j % 4 == f] for f in range(4)] + [[ARTICLE]]
    return cases, folds


def casual_cases(squad, corpus, embedder: Any, scopes: dict, decoded: dict) -> list:
    """The casual training questions, each asked of its SQuAD article; off-topic ones of each article in turn."""
    import numpy as np

    from index.evaluation import casual_gold, gold_rows, load_casual_questions
    from index.fitting import make_case

    if not CASUAL_TRAIN.is_file():
        return []
    asked = load_casual_questions(CASUAL_TRAIN)
    vectors, tokens = encode_cached([q.question for q in asked], embedder, "casual-train")
    paths = [d.path for d in squad.documents]
    cases, off = [], 0
    for i, q in enumerate(asked):
        if q.role == "answerable":
            path, at = casual_gold(squad.documents, q)
            doc = paths.index(path)
            gold, role = gold_rows(corpus, doc, [at]), "answerable"
        else:
            topics = sorted({paths.index(x.document) for x in asked if x.document in paths})
            doc, off = topics[off % len(topics)], off + 1
            gold, role = np.zeros(0, np.int64), "off_topic"
        title = squad.documents[doc].title
        cases.append(make_case(q.question, title, role, "casual", corpus, scopes[doc], vectors[i : i + 1], tokens[i], gold, decoded))
    return cases


def squad_for_crosslingual(path: Path) -> tuple[Any, Any, Any]:
    """The SQuAD file, its articles embedded by both encoders (cached), and the multilingual
    encoder: where every bench script that tries something on the cross-lingual folds starts."""
    from index.embedder import load_embedder
    from index.evaluation import load_squad
    from index.multilingual import load_multilingual

    multilingual = load_multilingual()
    squad = load_squad(path)
    return squad, embed_cached(squad.documents, load_embedder(None), "squad", multilingual), multilingual


def embed_cached(documents: list, embedder: Any, name: str, multilingual: Any = None):
    """A corpus of these documents, their vectors kept in ``CACHE`` between runs."""
    from index import store
    from index.building import document_parts, embed_documents
    from index.corpus import IndexParams

    folder = CACHE / name
    cached = {}
    manifest = store.read_manifest(folder) if folder.is_dir() else None
    if manifest and manifest.get("model") == embedder.name and manifest.get("params") == IndexParams().to_dict():
        try:
            cached = document_parts(store.load(folder, manifest))
        except store.CorruptIndex:
            cached = {}
        stored = (manifest.get("multilingual") or {}).get("model")
        if stored != (multilingual.name if multilingual else None):
            cached = {sha: part.without_multilingual() for sha, part in cached.items()}
    corpus, fresh = embed_documents(documents, embedder, IndexParams(), cached, multilingual=multilingual)
    if fresh:
        folder.mkdir(parents=True, exist_ok=True)
        store.save(corpus, folder, embedder.name, multilingual.name if multilingual else None)
    return corpus


def queries_cached(texts: list[str], multilingual: Any, name: str):
    """The multilingual encoder's question vectors, kept in ``CACHE`` like ``encode_cached``'s."""
    import hashlib

    import numpy as np

    key = hashlib.sha256("\n".join([multilingual.name, *texts]).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = multilingual.encode_queries(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def encode_cached(texts: list[str], embedder: Any, name: str):
    """Question vectors and token vectors, kept in ``CACHE`` keyed by the model and the texts."""
    import hashlib

    import numpy as np

    key = hashlib.sha256("\n".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npz"
    if path.is_file():
        with np.load(path) as data:  # each data[key] reads the whole array again: read each once
            arrays = {key: data[key] for key in data.files}
        if "ids" not in arrays:
            return arrays["vectors"], None
        tokens, ids, cuts = arrays["tokens"], arrays["ids"], arrays["offsets"]
        return arrays["vectors"], [(tokens[a:b], ids[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    vectors, tokens = embedder.encode_with_tokens(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    if tokens is None:
        np.savez(path, vectors=vectors)
    else:
        offsets = np.cumsum([0] + [len(ids) for _, ids in tokens])
        np.savez(path, vectors=vectors, tokens=np.concatenate([t for t, _ in tokens]), ids=np.concatenate([i for _, i in tokens]), offsets=offsets)
    return vectors, tokens


def to_json(fit) -> dict:
    from index.ranking import Evidence, TopicEvidence

    s = fit.setting
    return {
        "note": "Written by `kizuna fit`; do not edit by hand. README, Evaluation, says what each number does.",
        "bm25": {"k1": s.bm25[0], "b": s.bm25[1]},
        "before_discount": {"sentence": s.discounts[0], "paragraph": s.discounts[1]},
        "shortlist_weights": s.first.to_dict(),
        "weights": s.second.to_dict(),
        "match": {"bias": round(fit.match.bias, 4), "coefficients": {n: round(c, 4) for n, c in zip(Evidence.NAMES, fit.match.coefficients)}},
        "topic": {"bias": round(fit.topic.bias, 4), "coefficients": {n: round(c, 4) for n, c in zip(TopicEvidence.NAMES, fit.topic.coefficients)}},
        "thresholds": {"answer": round(fit.answer, 4), "on_topic": round(fit.on_topic, 4)},
        "without_tokens": _decision_json(*fit.plain) if fit.plain else None,
    }


def _decision_json(match, topic, answer: float, on_topic: float) -> dict:
    from index.ranking import Evidence, TopicEvidence

    return {
        "match": {"bias": round(match.bias, 4), "coefficients": {n: round(c, 4) for n, c in zip(Evidence.NAMES, match.coefficients)}},
        "topic": {"bias": round(topic.bias, 4), "coefficients": {n: round(c, 4) for n, c in zip(TopicEvidence.NAMES, topic.coefficients)}},
        "thresholds": {"answer": round(answer, 4), "on_topic": round(on_topic, 4)},
    }


ROWS = [
    ("p_at_1", "P@1 (per article)"),
    ("answerable_not_found", "answerable given not_found"),
    ("top_right_kept", "ranked right, given answer/likely"),
    ("right_and_not_refused", "right and not refused"),
    ("answerable_answer", "answerable given answer"),
    ("answer_precision", "answer verdicts that are right"),
    ("impossible_not_found", "near misses given not_found"),
    ("impossible_likely", "near misses given likely"),
    ("off_topic_not_found", "off-topic given not_found"),
]


def render(fit, report: dict) -> str:
    s = fit.setting
    lines = [
        f"BM25 k1 {s.bm25[0]}, b {s.bm25[1]}; discounts {s.discounts[0]} (same paragraph), {s.discounts[1]} (across)",
        f"first stage: {s.first.to_dict()}",
        f"second stage: {s.second.to_dict()}",
        f"thresholds: answer at P(match) >= {fit.answer:.3f}; not_found below P(on topic) {fit.on_topic:.3f}",
        "",
        "cross-validated by article (CV) beside in-sample; casual: the chat-typed training questions",
        f"{'figure':36} {'SQuAD CV':>8} {'in':>6} {'casual CV':>9} {'in':>6} {'article CV':>10} {'in':>6}",
    ]
    for key, label in ROWS:
        cells = []
        for source, width in (("squad", 8), ("casual", 9), ("article", 10)):
            cells.append(f"{_f(report.get(f'{source}_cross_validated', {}).get(key)):>{width}}")
            cells.append(f"{_f(report[f'{source}_in_sample'].get(key)):>6}")
        lines.append(f"{label:36} " + " ".join(cells))
    return "\n".join(lines)


def _f(value) -> str:
    return "-" if value is None or value != value else f"{value:.3f}"
