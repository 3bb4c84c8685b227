"""The index on disk: manifest rules, incremental rebuilds, corruption and crashes."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import Engine, IndexParams
from index import leases, store
from index.embedder import HashingEmbedder
from index.served import load_current
from index.token_file import StoredCodes

ROOT = Path(__file__).resolve().parent.parent


def _open(seeds, index_dir, embedder, **kw) -> Engine:
    return Engine.open(seeds, index_dir, embedder, **kw)


def _add(seeds, name, text):
    (seeds / name).write_text(text, encoding="utf-8")


def test_first_open_builds_and_writes_a_complete_manifest(seeds, tmp_path, hashing):
    engine = _open(seeds, tmp_path / "idx", hashing)
    manifest = store.read_manifest(tmp_path / "idx")
    assert manifest["model"] == hashing.name and manifest["dimension"] == hashing.dimension
    assert manifest["params"] == IndexParams().to_dict()
    assert manifest["counts"] == {"documents": 1, "sentences": 15}
    assert manifest["documents"][0]["sha256"] == engine.corpus.documents[0].sha256
    assert {"sentence-transformers", "faiss-cpu", "bm25s", "numpy"} <= set(manifest["versions"])
    assert manifest["built_at"].endswith("+00:00")
    assert set(manifest["files"]) >= {"documents.json", "sentences.faiss", "bm25-sentences/params.index.json"}
    assert "chunks.faiss" not in manifest["files"]  # sentences are embedded once


def test_reopening_unchanged_seeds_embeds_nothing(seeds, tmp_path):
    first = _open(seeds, tmp_path / "idx", HashingEmbedder())
    again = HashingEmbedder()
    engine = _open(seeds, tmp_path / "idx", again)
    assert again.calls == 0
    # The vectors come back from the FAISS files exactly as they were built.
    assert np.array_equal(engine.corpus.sentence_vectors, first.corpus.sentence_vectors)
    assert engine.last_report.rebuilt is False and engine.last_report.reembedded == 0
    assert engine.ask("when did diplomatic relations begin").passage is not None


def test_only_new_or_changed_documents_are_embedded_again(seeds, tmp_path):
    _add(seeds, "tea.md", "# Tea\n\nMatcha is whisked with a bamboo whisk. Sencha is steeped.\n")
    _open(seeds, tmp_path / "idx", HashingEmbedder())
    _add(seeds, "tea.md", "# Tea\n\nMatcha is whisked with a bamboo whisk. Gyokuro is shaded.\n")
    _add(seeds, "sake.txt", "Sake is brewed from polished rice.")
    embedder = HashingEmbedder()
    engine = _open(seeds, tmp_path / "idx", embedder)
    report = engine.last_report
    assert report.changed == ("tea.md",) and report.added == ("sake.txt",) and report.reembedded == 2
    assert embedder.calls == 3  # 3 sentences (2 + 1), each embedded once
    assert engine.ask("what is gyokuro").quote == "Gyokuro is shaded."


def test_removed_document_disappears_from_answers(seeds, tmp_path, hashing):
    _add(seeds, "sake.txt", "Sake is brewed from polished rice.")
    _open(seeds, tmp_path / "idx", hashing)
    (seeds / "sake.txt").unlink()
    engine = _open(seeds, tmp_path / "idx", hashing)
    assert engine.last_report.removed == ("sake.txt",)
    assert all(d.path != "sake.txt" for d in engine.documents())


@pytest.mark.parametrize(
    "change",
    [
        lambda: dict(embedder=HashingEmbedder(name="test/other-model")),
        lambda: dict(embedder=HashingEmbedder(dimension=128)),
        lambda: dict(embedder=HashingEmbedder(), params=IndexParams(lexical_before=2)),
    ],
    ids=["model", "dimension", "chunking"],
)
def test_model_or_parameter_change_rebuilds_everything(seeds, tmp_path, change):
    _open(seeds, tmp_path / "idx", HashingEmbedder())
    options = change()
    embedder = options.pop("embedder")
    engine = _open(seeds, tmp_path / "idx", embedder, **options)
    assert engine.last_report.rebuilt and engine.last_report.reembedded == 1
    assert store.read_manifest(tmp_path / "idx")["model"] == embedder.name


def test_corrupt_file_is_detected_and_rebuilt_with_a_warning(seeds, tmp_path, hashing, caplog):
    _open(seeds, tmp_path / "idx", hashing)
    build = store.current_build(tmp_path / "idx")
    raw = bytearray((build / "sentences.faiss").read_bytes())
    raw[-5] ^= 0xFF  # one flipped byte inside a stored vector
    (build / "sentences.faiss").write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING):
        engine = _open(seeds, tmp_path / "idx", hashing)
    assert "corrupt" in caplog.text and "sentences.faiss" in caplog.text
    assert engine.last_report.rebuilt


def test_garbage_manifest_or_pointer_is_rebuilt(seeds, tmp_path, hashing):
    _open(seeds, tmp_path / "idx", hashing)
    (store.current_build(tmp_path / "idx") / "manifest.json").write_text("{not json", encoding="utf-8")
    assert _open(seeds, tmp_path / "idx", hashing).last_report.rebuilt
    (tmp_path / "idx" / "CURRENT").write_text("../../etc", encoding="utf-8")
    assert _open(seeds, tmp_path / "idx", hashing).last_report.rebuilt


def test_crash_while_writing_leaves_the_previous_index_in_service(seeds, tmp_path, hashing, monkeypatch):
    _open(seeds, tmp_path / "idx", hashing)
    before = store.read_manifest(tmp_path / "idx")
    _add(seeds, "sake.txt", "Sake is brewed from polished rice.")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.faiss, "write_index", crash)  # dies halfway through the build folder
    with pytest.raises(Exception):
        _open(seeds, tmp_path / "idx", hashing)
    monkeypatch.undo()
    assert store.read_manifest(tmp_path / "idx") == before
    assert not [p for p in (tmp_path / "idx").iterdir() if p.name.startswith(".tmp-")]
    # A process killed outright leaves its temporary folder behind; it is ignored.
    (tmp_path / "idx" / ".tmp-build-dead").mkdir()
    (tmp_path / "idx" / ".tmp-build-dead" / "sentences.faiss").write_bytes(b"half")
    fresh = HashingEmbedder()
    loaded = load_current(tmp_path / "idx", lambda manifest: "").served
    assert loaded is not None and [d.path for d in loaded.corpus.documents] == [before["documents"][0]["path"]]
    loaded.release()
    engine = _open(seeds, tmp_path / "idx", fresh)
    assert engine.last_report.added == ("sake.txt",)
    assert not (tmp_path / "idx" / ".tmp-build-dead").exists()  # debris removed by the next save


def test_manifest_lists_every_file_with_its_hash(seeds, tmp_path, hashing):
    _open(seeds, tmp_path / "idx", hashing)
    build = store.current_build(tmp_path / "idx")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()} - {"manifest.json", leases.READERS}
    assert set(manifest["files"]) == on_disk


def test_two_writers_at_once_leave_a_loadable_index(seeds, tmp_path, hashing):
    import threading

    engine = _open(seeds, tmp_path / "idx", hashing)
    errors = []

    def write():
        try:
            for _ in range(5):
                store.save(engine.corpus, tmp_path / "idx", hashing.name)
        except Exception as err:  # collected: an assert in a thread would be lost
            errors.append(err)

    threads = [threading.Thread(target=write) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    manifest = store.read_manifest(tmp_path / "idx")
    assert store.load(tmp_path / "idx", manifest).sentences == engine.corpus.sentences
    builds = {p for p in (tmp_path / "idx").iterdir() if p.name.startswith("build-")}
    # The 14 replaced builds are gone, but for the one the engine still serves.
    assert builds == {store.current_build(tmp_path / "idx"), engine.build}


def _corpus_of_another_process(seeds, tmp_path):
    """What another process would save: these seeds plus one more document."""
    import shutil

    other = tmp_path / "other-seeds"
    shutil.copytree(seeds, other)
    _add(other, "sake.txt", "Sake is brewed from polished rice.")
    return Engine.open(other, tmp_path / "other-idx", HashingEmbedder()).corpus


@pytest.mark.parametrize("moment", ["after CURRENT is read", "while the data is read"])
def test_a_save_by_another_process_during_a_load_re_embeds_nothing(seeds, tmp_path, monkeypatch, caplog, moment):
    idx = tmp_path / "idx"
    _open(seeds, idx, HashingEmbedder())
    first = store.current_build(idx)
    other = _corpus_of_another_process(seeds, tmp_path)
    saved = []

    def other_process_saves():  # puts a new build in service and deletes the old one
        if not saved:
            saved.append(True)
            store.save(other, idx, HashingEmbedder().name)

    read_pointer, digest = store.current_build, store._sha256

    def current_build(index_dir):
        build = read_pointer(index_dir)
        other_process_saves()
        return build

    def sha256(path):
        other_process_saves()
        return digest(path)

    if moment == "after CURRENT is read":
        monkeypatch.setattr(store, "current_build", current_build)
    else:
        monkeypatch.setattr(store, "_sha256", sha256)
    embedder = HashingEmbedder()
    with caplog.at_level(logging.WARNING):
        engine = _open(seeds, idx, embedder)
    assert saved and not first.exists()  # the race happened: the build first named is gone
    assert embedder.calls == 0 and "corrupt" not in caplog.text and "unreadable" not in caplog.text
    assert engine.last_report.removed == ("sake.txt",)  # it read the other process's build


def test_a_read_that_fails_once_is_tried_again_before_calling_the_index_corrupt(seeds, tmp_path, monkeypatch, caplog):
    _open(seeds, tmp_path / "idx", HashingEmbedder())
    digest = store._sha256
    failures = []

    def flaky(path):
        if not failures:
            failures.append(path)
            raise OSError("Stale file handle")
        return digest(path)

    monkeypatch.setattr(store, "_sha256", flaky)
    embedder = HashingEmbedder()
    with caplog.at_level(logging.WARNING):
        engine = _open(seeds, tmp_path / "idx", embedder)
    assert failures and embedder.calls == 0 and not engine.last_report.rebuilt and "corrupt" not in caplog.text


def test_an_index_replaced_during_every_read_is_given_up_after_a_few_tries(seeds, tmp_path, monkeypatch, caplog):
    from index import served

    idx = tmp_path / "idx"
    corpus = _open(seeds, idx, HashingEmbedder()).corpus
    read_pointer = store.current_build
    saves = []

    def replaced_after_each_read(index_dir):
        build = read_pointer(index_dir)
        # Another process saving, as long as it can: once this one holds the writer
        # lock, no one else can replace CURRENT (and trying would wait for ever).
        if len(saves) < served.LOAD_TRIES:
            saves.append(store.save(corpus, idx, HashingEmbedder().name))
        return build

    monkeypatch.setattr(store, "current_build", replaced_after_each_read)
    monkeypatch.setattr(served, "RETRY_PAUSE", 0.0)
    embedder = HashingEmbedder()
    with caplog.at_level(logging.WARNING):
        engine = _open(seeds, idx, embedder)
    assert len(saves) == served.LOAD_TRIES and "kept changing" in caplog.text
    # Under the writer lock it read CURRENT again, found it steady, and embedded nothing.
    assert embedder.calls == 0 and not engine.last_report.rebuilt
    assert engine.build == read_pointer(idx)


def test_a_current_that_is_a_folder_is_refused_before_embedding_and_nothing_is_left(seeds, tmp_path, hashing):
    from index.errors import IndexStorageError

    (tmp_path / "idx" / "CURRENT").mkdir(parents=True)
    with pytest.raises(IndexStorageError, match="CURRENT is a folder"):
        _open(seeds, tmp_path / "idx", hashing)
    assert hashing.calls == 0
    assert [p.name for p in (tmp_path / "idx").iterdir()] == ["CURRENT"]


def test_a_pointer_that_cannot_be_replaced_leaves_no_build_or_temporary_file(seeds, tmp_path, hashing, monkeypatch):
    from index.errors import IndexStorageError

    engine = _open(seeds, tmp_path / "idx", hashing)
    before = sorted(p.name for p in (tmp_path / "idx").iterdir())
    real_replace = store.os.replace

    def replace(src, dst):
        if str(dst).endswith(store.POINTER):
            raise IsADirectoryError(21, "Is a directory", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(IndexStorageError, match="Is a directory"):
        store.save(engine.corpus, tmp_path / "idx", hashing.name)
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == before  # the old build still in service


@pytest.mark.parametrize("where", ["idx", "idx/deeper"])
def test_an_index_folder_that_is_or_lies_under_a_file_is_a_clear_error(seeds, tmp_path, hashing, where):
    from index.errors import IndexStorageError

    (tmp_path / "idx").write_text("not a folder", encoding="utf-8")
    with pytest.raises(IndexStorageError, match="is a file: move it away or choose another index folder"):
        _open(seeds, tmp_path / where, hashing)
    assert hashing.calls == 0


# -- several processes over one index folder: leases and clear-ups ---------------------


def _builds(index_dir):
    return {p.name for p in index_dir.iterdir() if p.name.startswith("build-")}


def test_a_leased_build_outlives_its_replacement_until_the_lease_is_given_back(seeds, tmp_path, hashing):
    idx = tmp_path / "idx"
    corpus = _open(seeds, idx, hashing).corpus
    first = store.current_build(idx)
    lease = leases.Lease.take(first)
    assert lease.held
    store.save(corpus, idx, hashing.name)
    store.save(corpus, idx, hashing.name)
    current = store.current_build(idx)
    assert _builds(idx) == {first.name, current.name}  # the middle one, unleased, went at once
    assert store.load(idx, store.build_manifest(first), first).sentences == corpus.sentences
    lease.release()
    store.collect(idx)
    assert _builds(idx) == {current.name}


def test_a_build_removed_before_its_lease_is_taken_is_reported_gone(seeds, tmp_path, hashing):
    import threading

    idx = tmp_path / "idx"
    _open(seeds, idx, hashing)
    with pytest.raises(leases.BuildGone):
        leases.Lease.take(idx / "build-never-made")
    build = store.current_build(idx)
    # A clear-up got its exclusive lock first: the lease waits for it, then finds nothing.
    fd = os.open(build / leases.READERS, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    remover = threading.Timer(0.2, lambda: (shutil.rmtree(build), os.close(fd)))
    remover.start()
    try:
        with pytest.raises(leases.BuildGone, match="removed while it was being opened"):
            leases.Lease.take(build)
    finally:
        remover.join()


def test_a_killed_process_leaves_no_lease_behind(seeds, tmp_path, hashing):
    idx = tmp_path / "idx"
    engine = _open(seeds, idx, hashing)
    engine.close()
    first = store.current_build(idx)
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sys; from index import leases; from pathlib import Path; "
                                "lease = leases.Lease.take(Path(sys.argv[1])); print(lease.held, flush=True); sys.stdin.read()"),
         str(first)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        store.save(engine.corpus, idx, hashing.name)
        assert first.is_dir()  # the other process serves it
        holder.kill()
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
    store.collect(idx)
    assert not first.exists() and _builds(idx) == {store.current_build(idx).name}


def test_collect_leaves_everything_to_a_writer_at_work(seeds, tmp_path, hashing):
    import threading

    idx = tmp_path / "idx"
    engine = _open(seeds, idx, hashing)
    engine.close()
    first = store.current_build(idx)
    with leases.writer(idx):
        _, _ = store.write_build(engine.corpus, idx, hashing.name)  # in service, not cleared up yet
        done = threading.Event()
        worker = threading.Thread(target=lambda: (store.collect(idx), done.set()))
        worker.start()
        assert done.wait(5)  # it did not wait for the writer ...
        assert first.is_dir()  # ... and removed nothing under it
    store.collect(idx)
    assert not first.exists()


def test_a_second_writer_waits_for_the_first_and_says_so(tmp_path):
    import threading

    idx = tmp_path / "idx"
    idx.mkdir()
    waited, order = [], []
    with leases.writer(idx):
        second = threading.Thread(target=lambda: _write_after(idx, waited, order))
        second.start()
        second.join(0.3)
        assert second.is_alive() and waited == ["waiting"]  # blocked, and told its caller
        order.append("first done")
    second.join(5)
    assert order == ["first done", "second"]


def _write_after(idx, waited, order):
    with leases.writer(idx, on_wait=lambda: waited.append("waiting")):
        order.append("second")


# -- the stored index is plain data: opened, not derived again --------------------------------


def test_opening_a_build_reads_what_was_derived_from_the_texts(seeds, tmp_path, hashing, monkeypatch):
    built = _open(seeds, tmp_path / "idx", hashing).corpus
    import index.building as building
    import index.corpus as corpus_module

    def derive_again(*_):
        raise AssertionError("opening a build derived its texts again")

    for name in ("kind_masks", "proper_words", "words_of"):
        monkeypatch.setattr(corpus_module, name, derive_again)
    monkeypatch.setattr(building, "split_document", derive_again)
    monkeypatch.setattr(corpus_module.TokenVectors, "rarity", derive_again)
    opened = _open(seeds, tmp_path / "idx", HashingEmbedder()).corpus
    assert np.array_equal(opened.rarity, built.rarity) and opened.rarity.any()
    assert np.array_equal(opened.kinds, built.kinds) and opened.kinds.any()
    assert opened.words == built.words and "diplomatic" in opened.words
    assert opened.proper == built.proper and "japan" in opened.proper
    assert [s.text for s in opened.sentences] == [s.text for s in built.sentences]


def test_a_build_from_before_the_derived_files_still_opens_and_answers_the_same(seeds, tmp_path, hashing):
    built = _open(seeds, tmp_path / "idx", hashing).corpus
    build = store.current_build(tmp_path / "idx")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    for name in ("kinds.npy", "words.json", "token-rarity.npy"):  # as session 6 wrote builds
        (build / name).unlink()
        del manifest["files"][name]
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = HashingEmbedder()
    opened = _open(seeds, tmp_path / "idx", again).corpus
    assert again.calls == 0 and store.current_build(tmp_path / "idx") == build
    assert np.array_equal(opened.kinds, built.kinds) and opened.words == built.words and opened.proper == built.proper
    assert np.array_equal(opened.rarity, built.rarity)


def test_token_codes_are_served_from_the_build_file_not_a_copy_in_memory(seeds, tmp_path, embedder):
    # The real model: only it gives token vectors, and they are most of an index's bytes.
    built = _open(seeds, tmp_path / "idx", embedder)
    assert isinstance(built.corpus.tokens.codes, StoredCodes)  # the process that built it, too
    opened = _open(seeds, tmp_path / "idx", embedder)
    assert isinstance(opened.corpus.tokens.codes, StoredCodes)
    assert opened.corpus.tokens.codes.path.parent == store.current_build(tmp_path / "idx")
    assert opened.ask("when did relations begin?").quote.startswith("Diplomatic relations began in 1924")


def test_sentence_vectors_are_faiss_own_storage_and_outlive_a_dropped_index(seeds, tmp_path, hashing):
    import gc

    corpus = _open(seeds, tmp_path / "idx", hashing).corpus
    expected = corpus.dense.reconstruct_n(0, corpus.dense.ntotal)
    vectors = corpus.sentence_vectors
    assert not vectors.flags.owndata and not vectors.flags.writeable
    assert np.array_equal(vectors, expected)
    del corpus
    gc.collect()
    for _ in range(20):  # reuse freed memory, were the view's storage freed with the index
        np.ones(expected.size, np.float32)
    assert np.array_equal(vectors, expected)


def test_a_rebuild_splits_only_the_documents_that_changed(seeds, tmp_path, hashing, monkeypatch):
    _add(seeds, "tea.md", "# Tea\n\nMatcha is whisked with a bamboo whisk. Sencha is steeped.\n")
    first = _open(seeds, tmp_path / "idx", hashing).corpus
    import index.building as building

    split, kinds = [], []
    real_split, real_kinds = building.split_document, building.kind_masks
    monkeypatch.setattr(building, "split_document", lambda doc, i: split.append(doc.path) or real_split(doc, i))
    monkeypatch.setattr(building, "kind_masks", lambda texts: kinds.append(len(texts)) or real_kinds(texts))
    _add(seeds, "tea.md", "# Tea\n\nMatcha is whisked with a bamboo whisk. Gyokuro was first made in 1835.\n")
    engine = _open(seeds, tmp_path / "idx", HashingEmbedder())
    assert split == ["tea.md"] and kinds == [2]
    article = [s.text for s in engine.corpus.sentences if engine.corpus.documents[s.doc].path != "tea.md"]
    assert article == [s.text for s in first.sentences if first.documents[s.doc].path != "tea.md"]
    assert engine.ask("when was gyokuro first made").quote == "Gyokuro was first made in 1835."
