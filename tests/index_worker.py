"""One process of tests/test_two_processes.py: answers in a loop, or rebuilds once.

    python tests/index_worker.py answer SEEDS INDEX STOP_FILE MAX_SECONDS
    python tests/index_worker.py build SEEDS INDEX

Prints one JSON object per line (events) on standard output. The deterministic
HashingEmbedder stands in for the model: what is tested is the index folder's sharing.
Run with the repository on PYTHONPATH.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from index import Engine
from index.embedder import HashingEmbedder

QUESTIONS = ("when did diplomatic relations begin", "what is sake brewed from", "who is the foreign minister of japan")


def say(**event) -> None:
    print(json.dumps(event), flush=True)


def quote_errors(answer, states) -> list[str]:
    """Every passage must be ``text[start:end]`` of a document in the build it came from.

    ``states`` are what the engine served just before and just after the question (a
    swap may fall in between): each passage must hold in one of them, and that
    document must be the one the build's manifest lists, hash and all.
    """
    errors = []
    for passage in filter(None, (answer.passage, *answer.alternatives)):
        if not any(_holds(passage, state) for state in states):
            errors.append(f"{passage.document}[{passage.start}:{passage.end}] is not {passage.quote!r}")
    return errors


def _holds(passage, state) -> bool:
    listed = {d["path"]: d["sha256"] for d in state.manifest["documents"]}
    for doc in state.corpus.documents:
        if doc.path == passage.document and listed.get(doc.path) == doc.sha256:
            return doc.text[passage.start:passage.end] == passage.quote
    return False


def answer(seeds: Path, index: Path, stop: Path, seconds: float) -> None:
    embedder = HashingEmbedder()
    engine = Engine.open(seeds, index, embedder)  # follows CURRENT every 2 s, the default
    say(event="ready", build=engine.build.name, embedded=embedder.calls)
    before_questions = embedder.calls
    errors, per_build, asked, sake_answered = [], {}, 0, False
    last = engine.build
    deadline = time.monotonic() + seconds
    while not stop.exists() and time.monotonic() < deadline:
        question = QUESTIONS[asked % len(QUESTIONS)]
        before = engine._served  # what it serves (a test may look inside)
        try:
            reply = engine.ask(question)
        except Exception as exc:  # noqa: BLE001 -- any error at all is a failure of the test
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        finally:
            asked += 1
        after = engine._served
        errors += quote_errors(reply, (before, after))
        if not after.build.is_dir():
            errors.append(f"{after.build.name}, still served, was deleted")
        per_build[after.build.name] = per_build.get(after.build.name, 0) + 1
        if after.build != last:
            last = after.build
            say(event="switched", build=last.name, time=time.time())
        if question.startswith("what is sake") and reply.passage and reply.passage.document == "sake.txt":
            sake_answered = True
        time.sleep(0.005)
    say(event="done", errors=errors[:20], per_build=per_build, questions=asked,
        encoded=embedder.calls - before_questions, sake_answered=sake_answered)
    engine.close()


def build(seeds: Path, index: Path) -> None:
    embedder = HashingEmbedder()
    engine = Engine.open(seeds, index, embedder)
    report = engine.last_report
    say(event="built", build=engine.build.name, time=time.time(), added=list(report.added),
        rebuilt=report.rebuilt, embedded=embedder.calls)


if __name__ == "__main__":
    role, seeds, index, *rest = sys.argv[1:]
    if role == "answer":
        answer(Path(seeds), Path(index), Path(rest[0]), float(rest[1]))
    else:
        build(Path(seeds), Path(index))
