"""The engine at size: build, open, memory, latency, updates and quality over N sentences.

Run (on 2 quiet cores about 10 minutes at 10,000 sentences, 45 at 100,000):

    .venv/bin/python bench/bench_scale.py --squad /work/shared/data/squad/dev-v2.0-16articles.json \\
        --prose /tmp/pydoc /tmp/djdoc /tmp/sphinxdoc --sizes 10000 30000 100000

Where the text comes from. Every corpus holds the 16 SQuAD 2.0 articles of ``--squad``
(3,592 sentences; their questions measure latency and quality), then real English prose
up to N sentences: the paragraphs of documentation HTML pages as Debian packages them,
the Python 3.11 documentation first (with the SQuAD articles, about 72,000 sentences:
enough for 10,000 and 30,000), then Django's and Sphinx's (about 105,000 in all). Fetch
and unpack them once (nothing else is downloaded):

    cd /tmp && apt-get download python3.11-doc && dpkg-deb -x python3.11-doc_*.deb /tmp/pydoc
    cd /tmp && apt-get download python-django-doc && dpkg-deb -x python-django-doc_*.deb /tmp/djdoc
    cd /tmp && apt-get download sphinx-doc && dpkg-deb -x sphinx-doc_*.deb /tmp/sphinxdoc

Each page's ``<p>`` paragraphs are kept (code blocks, tables and navigation are not),
taken in the order of ``--prose`` and then of the pages' paths, and written as one .txt
document: its title, a blank line, the paragraphs separated by blank lines
(bench/scale_corpus.py). A paragraph is never used twice (the docs repeat some); a size
the text cannot reach without reuse is reported and skipped. The next unused page is the
document the update test adds; the one changed is a median-length page, less its last
paragraph.

What it measures, for each size, multilingual answers off (``--multilingual``: on, every
build embedding with MiniLM and e5, below), each phase in a process of its own so that
peak RSS is that phase's (this process never loads the model):

- full build (``Engine.open`` on an empty index folder) against a bare MiniLM encode of
  the same sentences, once each (run before and after the build; the faster counts);
  opening the built index (0 texts embedded);
- peak RSS while building and while serving; bytes per sentence on disk (the build
  folder) and in memory (RSS after opening minus RSS before, model loaded and warm);
- p50 and p99 of answering 200 SQuAD questions one at a time, against the same
  questions asked of the seed article (off its topic: the same work over 30 sentences),
  in the same process;
- ``engine.rebuild()`` after adding, changing and removing one document;
- global P@1 of the 16 articles' answerable questions (the top quote covers the answer
  start, the ReQA rule of ``index/evaluation.py``) over the whole corpus, against the
  same questions over the 16 articles alone.

With ``--multilingual`` the bare encode is MiniLM's and e5's, as a build's is, and the
serving phase also asks the 80 answerable Turkish and Japanese questions of
``bench/data/multilingual_unseen_questions.jsonl`` (about four of the articles; a check
set, and none of them among the reference questions the engine ships): their p50 and
p99 against the same questions asked of the seed article, and their global P@1 against
the 16 articles alone. Its figures go to ``bench/out/scale-<size>-multilingual.json``.

Each figure is printed beside issue 11's target (set for 100,000 sentences) and all of
them are written to ``bench/out/scale-<size>.json``. The cores may be shared: each time
is also given in CPU seconds (all threads), steadier when others' work takes the wall
clock, and the load average around each phase is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import Counting
from scale_corpus import (
    FETCH,
    ScaleCorpus,
    make_corpus,
    prose_pages,
    squad_pages,
    write_corpus,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OUT = ROOT / "bench" / "out"
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad" / "dev-v2.0-16articles.json"  # as kizuna fit's
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OPENBLAS_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
LATENCY_QUESTIONS = 200
# Turkish and Japanese questions about four of the SQuAD articles, with ``--multilingual``:
# a check set (bench/unseen_articles.py), never fitted on, none of them a reference question.
UNSEEN = ROOT / "bench" / "data" / "multilingual_unseen_questions.jsonl"
MB = 1e6

# -- phases, each in a process of its own -------------------------------------------------


def _rss() -> float:
    import psutil

    return psutil.Process().memory_info().rss / MB


def _peak() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # KiB on Linux


def _model():
    from index.embedder import load_embedder

    embedder = load_embedder(None)
    embedder.encode(["warm up the model before anything is timed"])
    return embedder


def _options(spec: dict) -> dict:
    """``Engine.open``'s options for the run: e5 beside MiniLM with ``--multilingual``."""
    if not spec.get("multilingual"):
        return {}
    from index.multilingual import load_multilingual

    e5 = load_multilingual()
    e5.encode(["warm up the model before anything is timed"])
    return {"multilingual": e5}


def _timed(work) -> tuple[float, float]:
    """Wall and CPU seconds (all the process's threads) of ``work()``.

    On a shared machine the wall clock also counts other people's work; CPU time
    mostly does not, so a ratio of CPU times is the steadier one.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def phase_bare(spec: dict) -> dict:
    """A bare MiniLM encode of the corpus's sentences, once each (what a build embeds since
    session 6), and an e5 one too with ``--multilingual`` (a build then embeds with both)."""
    from index.building import split_documents
    from index.documents import load_documents

    embedder = _model()
    encoders = [embedder, *_options(spec).values()]
    model_rss = _rss()
    documents = load_documents(Path(spec["seeds"]))[0]
    sentences = []
    split = _timed(lambda: sentences.extend(split_documents(documents)))
    texts = [s.text for s in sentences]
    seconds, cpu = _timed(lambda: [encoder.encode(texts) for encoder in encoders])
    return {"seconds": seconds, "cpu_seconds": cpu, "sentences": len(texts), "segment_seconds": split[0],
            "model_rss_mb": model_rss, "peak_rss_mb": _peak()}


def phase_build(spec: dict) -> dict:
    """A full build: ``Engine.open`` on an empty index folder."""
    from index import Engine

    embedder = Counting(_model())
    opened = []
    options = _options(spec)
    seconds, cpu = _timed(lambda: opened.append(Engine.open(Path(spec["seeds"]), Path(spec["index"]), embedder, **options)))
    engine = opened[0]
    from index import store

    build = store.current_build(Path(spec["index"]))
    disk = sum(p.stat().st_size for p in build.rglob("*") if p.is_file())
    return {"seconds": seconds, "cpu_seconds": cpu, "sentences": engine.sentence_count, "documents": len(engine.corpus.documents),
            "embedded_texts": embedder.calls, "disk_bytes": disk, "peak_rss_mb": _peak()}


def _ask_timed(engine, questions: list[str]) -> list[tuple[float, float]]:
    return [_timed(lambda q=q: engine.ask(q)) for q in questions]


def _quality(engine, squad_file: str, wanted: list[int]) -> dict:
    """Global P@1: the top quote of each answerable question covers one of its answer starts."""
    from index.evaluation import load_squad

    squad = load_squad(Path(squad_file))
    asked = [(squad.questions[i].question, squad.documents[squad.questions[i].doc], squad.questions[i].starts) for i in wanted]
    return _p_at_1(engine, asked)


def _crosslingual_quality(engine, squad_file: str) -> dict:
    """Global P@1 of the Turkish and Japanese check questions (``UNSEEN``: about four of the
    articles, and none of them among the reference questions the engine ships): the top
    quote covers the start of the question's evidence."""
    from index.evaluation import casual_gold, load_casual_questions, load_squad

    documents = load_squad(Path(squad_file)).documents
    by_path = {d.path: d for d in documents}
    asked = []
    for q in load_casual_questions(UNSEEN):
        if q.role == "answerable":
            path, at = casual_gold(documents, q)
            asked.append((q.question, by_path[path], [at]))
    return _p_at_1(engine, asked)


def _p_at_1(engine, asked: list[tuple]) -> dict:
    """``asked``: (question, its SQuAD document, the answer's starts in that document's text)."""
    texts = {d.path: d.text for d in engine.corpus.documents}
    right = []
    for lo in range(0, len(asked), 64):
        part = asked[lo : lo + 64]
        for (_, doc, starts), answer in zip(part, engine.ask_many([(q, None) for q, _, _ in part], k=0)):
            path = f"squad/{doc.path}"
            offset = len(texts[path]) - len(doc.text) - 1  # the file ends with a newline
            if texts[path][offset : offset + len(doc.text)] != doc.text:
                raise AssertionError(f"{path} does not hold its SQuAD article's text at {offset}")
            p = answer.passage
            right.append(bool(p and p.document == path and any(p.start <= offset + s < p.end for s in starts)))
    return {"questions": len(right), "p_at_1": sum(right) / len(right)}


def phase_serve(spec: dict) -> dict:
    """Open the built index, answer one question at a time, then measure quality."""
    from index import Engine

    embedder = Counting(_model())
    options = _options(spec)
    before = _rss()
    t = time.perf_counter()
    engine = Engine.open(Path(spec["seeds"]), Path(spec["index"]), embedder, **options)
    opened = time.perf_counter() - t
    embedded = embedder.calls  # before any question is encoded
    after = _rss()
    seed = Engine.open(SEEDS, Path(spec["seed_index"]), embedder.inner, **options)
    questions, warm = spec["latency"], spec["warm"]
    for q in warm:
        engine.ask(q)
        seed.ask(q)
    big, small = _latencies(engine, seed, questions)
    result = {"latency_ms": _percentiles([w for w, _ in big]), "seed_latency_ms": _percentiles([w for w, _ in small]),
              "cpu_ms": _percentiles([c for _, c in big]), "seed_cpu_ms": _percentiles([c for _, c in small])}
    if options:
        from index.evaluation import load_casual_questions

        foreign = [q.question for q in load_casual_questions(UNSEEN) if q.role == "answerable"]
        big, small = _latencies(engine, seed, foreign)
        result["crosslingual"] = {"latency_ms": _percentiles([w for w, _ in big]), "seed_latency_ms": _percentiles([w for w, _ in small]),
                                  "quality": _crosslingual_quality(engine, spec["squad"])}
    serving_peak = _peak()
    quality = _quality(engine, spec["squad"], spec["quality"])
    coarse = _coarse_cost(engine, embedder.inner, questions, spec)
    return {**result, "coarse": coarse, "open_seconds": opened, "open_embedded_texts": embedded, "rss_before_open_mb": before,
            "rss_after_open_mb": after, "sentences": engine.sentence_count, "peak_rss_mb": serving_peak, "quality": quality}


def _latencies(engine, seed, questions: list[str]) -> tuple[list, list]:
    """(wall, CPU) seconds of each question asked of ``engine`` and of ``seed``, twice over."""
    big, small = [], []
    for _ in range(2):  # blocks, not alternating questions: see bench_engine.warm_latency
        small += _ask_timed(seed, questions)
        big += _ask_timed(engine, questions)
    return big, small


def _coarse_cost(engine, embedder, questions: list[str], spec: dict) -> dict | None:
    """What the coarse (inverted-file) candidate search costs against the exact scan, when the
    index has one: the exact search's best 256, 10 and 1 that it also finds, the time of
    each search, and global P@1 with the exact search in its place."""
    from index import candidates

    corpus = engine.corpus
    if corpus.coarse is None:
        return None
    vectors = embedder.encode(questions)
    kept = {256: [], 10: [], 1: []}
    times = {"exact": [], "coarse": []}
    for q in vectors:
        q = q[None]
        found = {}
        for name, coarse in (("exact", None), ("coarse", corpus.coarse)):
            t = time.perf_counter()
            found[name] = candidates.nearest(corpus.dense, coarse, q, 256)
            times[name].append(time.perf_counter() - t)
        reached = set(found["coarse"].tolist())
        for k in kept:
            best = found["exact"][:k].tolist()
            kept[k].append(sum(row in reached for row in best) / len(best))
    corpus.coarse, coarse = None, corpus.coarse  # the same engine, searching exactly
    try:
        exact_quality = _quality(engine, spec["squad"], spec["quality"])
    finally:
        corpus.coarse = coarse
    return {"cells": int(coarse.nlist), "cells_read": int(coarse.nprobe),
            "kept": {str(k): statistics.mean(v) for k, v in kept.items()},
            "search_ms": {name: statistics.median(v) * 1000 for name, v in times.items()},
            "exact_quality": exact_quality}


def _percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50": statistics.median(ordered) * 1000, "p99": p99 * 1000}


def phase_update(spec: dict) -> dict:
    """``engine.rebuild()`` after adding, changing and removing one document."""
    from index import Engine

    embedder = Counting(_model())
    seeds = Path(spec["seeds"])
    options = _options(spec)
    engine = Engine.open(seeds, Path(spec["index"]), embedder, **options)
    changed = seeds / spec["changed"]
    edited = changed.read_text(encoding="utf-8").rstrip("\n").rsplit("\n\n", 1)[0] + "\n"  # drop its last paragraph
    steps = {}
    for step, apply in (
        ("add", lambda: _write(seeds / spec["spare"]["path"], spec["spare"]["text"])),
        ("change", lambda: _write(changed, edited)),
        ("remove", lambda: (seeds / spec["spare"]["path"]).unlink()),
    ):
        apply()
        reports = []
        seconds, cpu = _timed(lambda reports=reports: reports.append(engine.rebuild()))
        steps[step] = {"seconds": seconds, "cpu_seconds": cpu, "reembedded_documents": reports[0].reembedded}
    texts = _sentence_texts_of(seeds, spec["changed"])
    # A few seconds at most; the median steadies a figure this short.
    encoders = [embedder.inner, *options.values()]
    encodes = [_timed(lambda: [encoder.encode(texts) for encoder in encoders]) for _ in range(3)]
    steps["change"].update(document_sentences=len(texts), embed_seconds=statistics.median(w for w, _ in encodes),
                           embed_cpu_seconds=statistics.median(c for _, c in encodes))
    return {**steps, "peak_rss_mb": _peak()}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _sentence_texts_of(seeds: Path, rel: str) -> list[str]:
    from index.documents import read_document
    from index.sentences import split_document

    return [s.text for s in split_document(read_document(seeds / rel, rel, [], 10**9), 0)]


def phase_small(spec: dict) -> dict:
    """The same quality over the 16 articles alone (built here when not yet built)."""
    from index import Engine

    options = _options(spec)
    engine = Engine.open(Path(spec["seeds"]), Path(spec["index"]), _model(), **options)
    result = {"sentences": engine.sentence_count, "quality": _quality(engine, spec["squad"], spec["quality"])}
    if options:
        result["crosslingual_quality"] = _crosslingual_quality(engine, spec["squad"])
    return result


PHASES = {"bare": phase_bare, "build": phase_build, "serve": phase_serve, "update": phase_update, "small": phase_small}


def run_phase(name: str, spec: dict, work: Path) -> dict:
    """Run one phase in a fresh process; its result is the JSON on its last line."""
    spec_file = work / f"spec-{name}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    t, load = time.perf_counter(), os.getloadavg()[0]
    print(f"  [{time.strftime('%H:%M:%S')}] {name}...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, __file__, "--phase", name, "--spec", str(spec_file)],
                          check=False, capture_output=True, text=True, env=ENV)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    print(f"  [{time.strftime('%H:%M:%S')}] {name} done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_average"] = [load, os.getloadavg()[0]]  # 1-minute, at the phase's start and end
    return result


# -- the run ------------------------------------------------------------------------------


def pick_questions(squad) -> tuple[list[str], list[str], list[int]]:
    """Latency questions (evenly spread, all kinds), warm-up ones, and every answerable one."""
    from index.engine import clean_question

    usable = [i for i, q in enumerate(squad.questions) if _clean(clean_question, q.question)]
    step = max(1, len(usable) // LATENCY_QUESTIONS)
    latency = [squad.questions[i].question for i in usable[::step][:LATENCY_QUESTIONS]]
    warm = [squad.questions[i].question for i in usable[step // 2 :: step][:10]]
    answerable = [i for i in usable if not squad.questions[i].impossible]
    return latency, warm, answerable


def _clean(clean, question: str) -> bool:
    from index.errors import InvalidQuestion

    try:
        clean(question)
        return True
    except InvalidQuestion:
        return False


def measure(size: int, corpus: ScaleCorpus, squad_file: Path, questions, work: Path, multilingual: bool = False) -> dict:
    both = "-multilingual" if multilingual else ""  # an index with e5's vectors is another index
    seeds, index = work / f"seeds-{size}", work / f"index-{size}{both}"
    write_corpus(corpus.pages, seeds)
    shutil.rmtree(index, ignore_errors=True)
    latency, warm, answerable = questions
    common = {"seeds": str(seeds), "index": str(index), "squad": str(squad_file), "multilingual": multilingual}
    small_seeds = work / "seeds-16articles"
    if not small_seeds.is_dir():
        write_corpus([p for p in corpus.pages if p.path.startswith("squad/")], small_seeds)
    # The bare encode runs before and after the build and the faster run counts: other
    # people's work on the shared cores made one run of it at 10,000 sentences four times
    # slower than another.
    bare = [run_phase("bare", common, work)]
    results = {"build": run_phase("build", common, work)}
    bare.append(run_phase("bare", common, work))
    results.update({
        "bare": min(bare, key=lambda run: run["seconds"]),
        "bare_runs": bare,
        "serve": run_phase("serve", {**common, "seed_index": str(work / f"index-seed{both}"), "latency": latency,
                                      "warm": warm, "quality": answerable}, work),
        "small": run_phase("small", {"seeds": str(small_seeds), "index": str(work / f"index-16articles{both}"),
                                     "squad": str(squad_file), "quality": answerable, "multilingual": multilingual}, work),
    })
    # The document changed: a typical one (median length), edited by dropping its last paragraph.
    prose = sorted((p for p in corpus.pages if p.path.startswith("prose/") and len(p.paragraphs) > 1), key=lambda p: p.sentences)
    changed = prose[len(prose) // 2] if prose else None
    if corpus.spare is not None and changed is not None:
        results["update"] = run_phase("update", {**common, "changed": changed.path,
                                                 "spare": {"path": corpus.spare.path, "text": corpus.spare.text()}}, work)
        results["update"]["add"]["document_sentences"] = corpus.spare.sentences
        results["update"]["changed_document"] = changed.path
    return results


def figures(r: dict) -> list[tuple]:
    """(figure, value, unit, reference, target text, met or None for information) rows."""
    build, bare, serve, small = r["build"], r["bare"], r["serve"], r["small"]
    n = build["sentences"]
    model_rss = serve["rss_before_open_mb"]
    rows = [
        ("full build (s) vs bare encode, once each", build["seconds"], "s", bare["seconds"], "<= 2x bare", build["seconds"] <= 2 * bare["seconds"]),
        ("  the same in CPU seconds", build["cpu_seconds"], "s", bare["cpu_seconds"], "", None),
        ("  segmenting every document with pysbd (s)", bare["segment_seconds"], "s", None, "", None),
        ("open the built index (s)", serve["open_seconds"], "s", None, "<= 3 s", serve["open_seconds"] <= 3),
        ("  texts embedded while opening", serve["open_embedded_texts"], "", None, "0", serve["open_embedded_texts"] == 0),
        ("peak RSS building (MB) vs bare encode's", build["peak_rss_mb"], "MB", bare["peak_rss_mb"], "", None),
        ("peak RSS serving (MB) vs model alone", serve["peak_rss_mb"], "MB", model_rss, "<= 1500 MB", serve["peak_rss_mb"] <= 1500),
        ("disk bytes per sentence (build folder)", build["disk_bytes"] / n, "B", None, "", None),
        ("memory bytes per sentence (RSS open - before)", (serve["rss_after_open_mb"] - model_rss) * MB / n, "B", None, "", None),
        ("answer p50 (ms) vs p50 on the seed article", serve["latency_ms"]["p50"], "ms", serve["seed_latency_ms"]["p50"], "<= 2x seed",
         serve["latency_ms"]["p50"] <= 2 * serve["seed_latency_ms"]["p50"]),
        ("answer p99 (ms) vs p99 on the seed article", serve["latency_ms"]["p99"], "ms", serve["seed_latency_ms"]["p99"], "<= 100 ms", serve["latency_ms"]["p99"] <= 100),
        ("  answer p50 in CPU ms vs the seed article's", serve["cpu_ms"]["p50"], "ms", serve["seed_cpu_ms"]["p50"], "", None),
        ("  answer p99 in CPU ms vs the seed article's", serve["cpu_ms"]["p99"], "ms", serve["seed_cpu_ms"]["p99"], "", None),
    ]
    if "update" in r:
        u = r["update"]
        allowed = 0.05 * build["seconds"] + u["change"]["embed_seconds"]
        rows += [
            ("add one document: rebuild (s) vs full build", u["add"]["seconds"], "s", build["seconds"], "", None),
            ("change one document: rebuild (s) vs 5% build + its encode", u["change"]["seconds"], "s", allowed, "<= 1x", u["change"]["seconds"] <= allowed),
            ("  the same in CPU seconds", u["change"]["cpu_seconds"], "s", 0.05 * build["cpu_seconds"] + u["change"]["embed_cpu_seconds"], "", None),
            ("remove one document: rebuild (s) vs full build", u["remove"]["seconds"], "s", build["seconds"], "", None),
        ]
    at_size, alone = serve["quality"]["p_at_1"], small["quality"]["p_at_1"]
    rows.append(("global P@1 vs the 16 articles alone", at_size, "", alone, "drop <= 0.02", alone - at_size <= 0.02))
    cross = serve.get("crosslingual")
    if cross:
        rows += [
            ("Turkish/Japanese question p50 (ms) vs on the seed article", cross["latency_ms"]["p50"], "ms", cross["seed_latency_ms"]["p50"], "", None),
            ("Turkish/Japanese question p99 (ms) vs on the seed article", cross["latency_ms"]["p99"], "ms", cross["seed_latency_ms"]["p99"], "", None),
            ("Turkish/Japanese global P@1 vs the 16 articles alone", cross["quality"]["p_at_1"], "", small["crosslingual_quality"]["p_at_1"], "", None),
        ]
    coarse = serve.get("coarse")
    if coarse:
        rows += [
            ("  the same with the exact dense search instead of the coarse", coarse["exact_quality"]["p_at_1"], "", alone, "", None),
            ("coarse search: share of the exact best 256 it finds", coarse["kept"]["256"], "", None, "", None),
            ("  of the exact best 10", coarse["kept"]["10"], "", None, "", None),
            ("  of the exact best 1", coarse["kept"]["1"], "", None, "", None),
            ("  search time (ms) vs the exact scan's", coarse["search_ms"]["coarse"], "ms", coarse["search_ms"]["exact"], "", None),
        ]
    return rows


def print_table(size: int, r: dict, corpus: ScaleCorpus) -> str:
    u = r.get("update", {})
    lines = [
        (f"== {r['build']['sentences']:,} sentences (asked for {size:,}), {r['build']['documents']} documents: "
         f"{r['small']['sentences']:,} from the SQuAD articles, the rest documentation prose; "
         f"multilingual answers {'on (MiniLM and e5)' if r['multilingual'] else 'off'} =="),
        f"{'figure':<58} {'value':>10} {'reference':>10} {'ratio':>7}  {'target (100k)':<13} result",
    ]
    for name, value, unit, ref, target, ok in figures(r):
        ratio = f"{value / ref:6.2f}x" if ref else ""
        reference = f"{ref:10.3f}" if ref is not None else ""
        result = "" if ok is None else "met" if ok else "MISSED"
        lines.append(f"{name:<58} {value:>10.3f} {reference:>10} {ratio:>7}  {target:<13} {result}")
    if u:
        lines.append(f"  updates: added {u['add']['document_sentences']} sentences, changed {u['changed_document']} "
                     f"({u['change']['document_sentences']} sentences, bare encode {u['change']['embed_seconds']:.2f} s); "
                     f"documents re-embedded: add {u['add']['reembedded_documents']}, change {u['change']['reembedded_documents']}, "
                     f"remove {u['remove']['reembedded_documents']}; peak RSS {u['peak_rss_mb']:.0f} MB")
    else:
        lines.append("  updates: not measured (no unused page left to add, or no prose document to change)")
    s = r["serve"]
    if s.get("coarse"):
        lines.append(f"  dense candidates: {s['coarse']['cells']} k-means cells, the nearest {s['coarse']['cells_read']} read "
                     f"(index/candidates.py); searches compared on the {LATENCY_QUESTIONS} latency questions")
    lines.append(f"  latency over {s['latency_ms']['n']} asks (2 rounds of the same questions); quality over "
                 f"{s['quality']['questions']} answerable questions; model-loaded RSS before opening {s['rss_before_open_mb']:.0f} MB")
    phases = [("bare", r["bare_runs"][0]), ("build", r["build"]), ("bare", r["bare_runs"][1])]
    phases += [(name, r[name]) for name in ("serve", "small", "update") if name in r]
    loads = ", ".join(f"{name} {p['load_average'][0]:.1f}-{p['load_average'][1]:.1f}" for name, p in phases)
    first, second = (b["seconds"] for b in r["bare_runs"])
    lines.append(f"  bare encode before and after the build: {first:.1f} s and {second:.1f} s (the faster counts)"
                 + ("; they differ by over 25%: the cores were shared unevenly, read the times with care"
                    if max(first, second) > 1.25 * min(first, second) else ""))
    lines.append(f"  1-minute load average at each phase's start and end ({os.cpu_count()} cores, this run at nice "
                 f"{os.nice(0)}): {loads}")
    if corpus.short_by:
        lines.append(f"  SHORT: the text reached only {corpus.sentences:,} sentences without reusing a paragraph")
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000], help="corpus sizes in sentences")
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, help="the 16-article SQuAD 2.0 file")
    parser.add_argument("--prose", type=Path, nargs="+", default=[Path("/tmp/pydoc")],
                        help="folder(s) holding the unpacked python3.11-doc package")
    parser.add_argument("--work", type=Path, help="folder for corpora and indexes (default: a temporary one, removed)")
    parser.add_argument("--multilingual", action="store_true",
                        help="build and serve with the multilingual encoder too (needs the [multilingual] extra)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](json.loads(args.spec.read_text(encoding="utf-8")))))
        return 0
    missing = [str(p) for p in args.prose if not any(p.rglob("*.html"))]
    if missing:
        commands = FETCH.replace("\n", "\n    ")
        return _fail(f"no HTML pages under {', '.join(missing)}: fetch the prose first, with\n    {commands}\n"
                     "and pass --prose /tmp/pydoc (10,000 and 30,000 sentences) or all three folders (100,000)")
    if not args.squad.is_file():
        return _fail(f"no SQuAD file at {args.squad}: pass --squad dev-v2.0-16articles.json")
    return run(args)


def run(args) -> int:
    sys.path.insert(0, str(ROOT))
    from index.evaluation import load_squad

    squad = load_squad(args.squad)
    questions = pick_questions(squad)
    fixed, pool = squad_pages(squad), prose_pages(args.prose)
    work = args.work or Path(tempfile.mkdtemp(prefix="kizuna-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        for size in args.sizes:
            corpus = make_corpus(fixed, pool, size)
            if corpus.short_by:
                print(f"== {size:,} sentences: not reachable without reusing paragraphs; the text holds "
                      f"{corpus.sentences:,}. Skipped: add another --prose folder ==")
                continue
            results = measure(size, corpus, args.squad, questions, work, args.multilingual)
            results["multilingual"] = args.multilingual
            table = print_table(size, results, corpus)
            print(table, flush=True)
            record = {"size": size, "sentences": results["build"]["sentences"], "sources": {
                "squad": str(args.squad), "prose": [str(p) for p in args.prose],
                "pages": len(corpus.pages), "spare_page": corpus.spare.path if corpus.spare else None},
                "results": results, "figures": [dict(zip(("figure", "value", "unit", "reference", "target", "met"), row))
                                                 for row in figures(results)]}
            (OUT / f"scale-{size}{'-multilingual' if args.multilingual else ''}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
