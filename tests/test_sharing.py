"""Several engines over one index folder, as in several bot processes (deterministic embedder).

Two Engine objects on the same folders stand for two processes: locks and leases are
per open file, so they exclude each other within one process as across processes.
tests/test_two_processes.py does the same with real processes.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time

import pytest

from index import Engine, store
from index import served as served_module
from index.embedder import HashingEmbedder

SAKE = "Sake is brewed from polished rice. Koji mould starts the brewing."
TEA = "# Tea\n\nGyokuro is grown in shade for three weeks."


class RecordingEmbedder(HashingEmbedder):
    """Remembers every text it encoded, so a test can tell documents from questions."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.texts: list[str] = []

    def encode(self, texts, batch_size=64):
        self.texts += list(texts)
        return super().encode(texts, batch_size)


class GatedEmbedder(RecordingEmbedder):
    """Stops inside a document's embedding until released, to hold a rebuild half done."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = False
        self.entered, self.release = threading.Event(), threading.Event()

    def encode(self, texts, batch_size=64):
        if self.gate and len(texts) > 1:
            self.entered.set()
            assert self.release.wait(10)
        return super().encode(texts, batch_size)


def _write(seeds, name, text):
    (seeds / name).write_text(text, encoding="utf-8")


def _wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_second_builder_waits_for_the_first_and_then_embeds_nothing(seeds, tmp_path):
    idx = tmp_path / "idx"
    first = Engine.open(seeds, idx, GatedEmbedder())
    second = Engine.open(seeds, idx, RecordingEmbedder())
    _write(seeds, "sake.txt", SAKE)
    first.embedder.gate = True
    stages, reports = [], []
    a = threading.Thread(target=lambda: reports.append(("first", first.rebuild())))
    a.start()
    try:
        assert first.embedder.entered.wait(10)  # the first builder is embedding sake.txt
        b = threading.Thread(target=lambda: reports.append(
            ("second", second.rebuild(progress=lambda stage, done, total: stages.append(stage)))))
        b.start()
        assert _wait_until(lambda: "waiting for another process's build" in stages)
        assert b.is_alive() and not reports  # it waits for the lock, it does not build alongside
    finally:
        first.embedder.release.set()
        a.join(10)
    b.join(10)
    done = dict(reports)
    assert done["first"].added == ("sake.txt",) and done["first"].rebuilt
    assert not done["second"].rebuilt and done["second"].reembedded == 0
    assert second.embedder.texts == [] and second.build == first.build == store.current_build(idx)
    assert second.ask("what is sake brewed from").passage.document == "sake.txt"


def test_a_builder_diffs_against_the_build_in_service_not_its_own_memory(seeds, tmp_path):
    idx = tmp_path / "idx"
    stale = Engine.open(seeds, idx, RecordingEmbedder())
    other = Engine.open(seeds, idx, RecordingEmbedder())
    _write(seeds, "sake.txt", SAKE)
    assert other.rebuild().added == ("sake.txt",)
    _write(seeds, "tea.md", TEA)
    report = stale.rebuild()  # its memory still lacks sake.txt: the index on disk does not
    assert report.added == ("tea.md",) and report.reembedded == 1
    assert not any("Sake" in text for text in stale.embedder.texts)  # sake's vectors came from disk
    assert sorted(d.path for d in stale.documents()) == ["sake.txt", "tea.md", "turkey-japan-foreign-ministers-2022-01-09.txt"]


def test_an_engine_follows_a_build_another_put_in_service_without_embedding(seeds, tmp_path):
    idx = tmp_path / "idx"
    follower = Engine.open(seeds, idx, RecordingEmbedder(), follow_every=0.1)
    builder = Engine.open(seeds, idx, RecordingEmbedder())
    old, built = follower.build, len(follower.embedder.texts)
    _write(seeds, "sake.txt", SAKE)
    builder.rebuild()
    assert old.is_dir()  # the follower still serves it: the builder's clear-up left it
    asked = 0
    deadline = time.monotonic() + 5
    while follower.build != builder.build and time.monotonic() < deadline:
        follower.ask("what is sake brewed from")  # answered at once, from whichever build is in service
        asked += 1
        time.sleep(0.05)
    assert follower.build == builder.build  # within a few tenths of a second
    assert follower.ask("what is sake brewed from").passage.document == "sake.txt"
    assert len(follower.embedder.texts) - built == asked + 1  # the questions alone: nothing re-embedded
    assert _wait_until(lambda: not old.exists())  # its last reader moved on: cleared up


def test_refresh_is_a_cheap_no_op_until_current_changes(seeds, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    engine = Engine.open(seeds, idx, HashingEmbedder())
    loads = []
    monkeypatch.setattr(served_module, "_load", lambda *a: loads.append(a))
    assert engine.refresh() is False and loads == []  # read CURRENT, saw its own build, done


def test_a_build_made_with_another_model_is_not_followed(seeds, tmp_path, caplog):
    idx = tmp_path / "idx"
    engine = Engine.open(seeds, idx, HashingEmbedder())
    old = engine.build
    Engine.open(seeds, idx, HashingEmbedder(name="test/other-model"))
    with caplog.at_level(logging.INFO):
        assert engine.refresh() is False and engine.refresh() is False
    assert engine.build == old and old.is_dir()
    assert caplog.text.count("built with test/other-model") == 1  # said once, not every look
    assert engine.ask("when did diplomatic relations begin").passage is not None


def test_a_half_written_current_is_read_again_not_rebuilt(seeds, tmp_path, caplog):
    idx = tmp_path / "idx"
    Engine.open(seeds, idx, HashingEmbedder()).close()
    pointer = idx / store.POINTER
    name = pointer.read_text(encoding="utf-8")
    pointer.write_text("", encoding="utf-8")  # as a copy that has not written it yet
    timer = threading.Timer(0.15, lambda: pointer.write_text(name, encoding="utf-8"))
    timer.start()
    embedder = HashingEmbedder()
    with caplog.at_level(logging.WARNING):
        engine = Engine.open(seeds, idx, embedder)
    timer.join()
    assert embedder.calls == 0 and not engine.last_report.rebuilt
    assert engine.build.name == name.strip() and not _warnings(caplog)


def test_a_current_naming_a_build_not_there_yet_is_waited_for(seeds, tmp_path, caplog):
    idx = tmp_path / "idx"
    Engine.open(seeds, idx, HashingEmbedder()).close()
    build = store.current_build(idx)
    staged = idx / "staging"
    shutil.copytree(build, staged)
    (idx / store.POINTER).write_text("build-copied-later\n", encoding="utf-8")  # the pointer came first
    timer = threading.Timer(0.15, lambda: staged.rename(idx / "build-copied-later"))
    timer.start()
    embedder = HashingEmbedder()
    with caplog.at_level(logging.WARNING):
        engine = Engine.open(seeds, idx, embedder)
    timer.join()
    assert embedder.calls == 0 and engine.build.name == "build-copied-later" and not _warnings(caplog)


def test_a_half_seen_current_never_disturbs_an_engine_that_follows(seeds, tmp_path, monkeypatch, caplog):
    idx = tmp_path / "idx"
    engine = Engine.open(seeds, idx, HashingEmbedder(), follow_every=0.0)
    served = engine.build
    monkeypatch.setattr(served_module, "RETRY_PAUSE", 0.0)
    with caplog.at_level(logging.WARNING):
        (idx / store.POINTER).write_text("", encoding="utf-8")
        assert engine.refresh() is False
        (idx / store.POINTER).write_text("build-not-there\n", encoding="utf-8")
        assert engine.refresh() is False
        assert engine.ask("when did diplomatic relations begin").passage is not None
    assert engine.build == served and served.is_dir() and "corrupt" not in caplog.text


def test_a_corrupt_current_build_is_still_called_corrupt(seeds, tmp_path, caplog):
    idx = tmp_path / "idx"
    Engine.open(seeds, idx, HashingEmbedder()).close()
    (store.current_build(idx) / "documents.json").write_text("[]", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        engine = Engine.open(seeds, idx, HashingEmbedder())
    assert "corrupt" in caplog.text and "documents.json does not match" in caplog.text
    assert engine.last_report.rebuilt


@pytest.mark.parametrize("pointer", ["", "build-gone\n"])
def test_a_current_that_stays_unusable_is_rebuilt_after_a_few_reads(seeds, tmp_path, pointer, caplog):
    idx = tmp_path / "idx"
    Engine.open(seeds, idx, HashingEmbedder()).close()
    (idx / store.POINTER).write_text(pointer, encoding="utf-8")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        engine = Engine.open(seeds, idx, HashingEmbedder())
    assert engine.last_report.rebuilt and store.current_build(idx) == engine.build
    assert 0.5 < time.monotonic() - started < 10  # it looked again for a while first
    assert "rebuilding it" in caplog.text
