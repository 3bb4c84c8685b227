"""Corpora by scope: the shared one and each server's own, kept apart (deterministic embedder)."""
from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest

from conftest import RELATIONS
from index import Engine, Library, UnknownDocument
from index.answer import Answer, Passage
from index.documents import load_documents
from index.library import SERVERS, SHARED, NoSuchScope, merge
from index.uploads import prepare

TEA = "# Tea in Japan\n\nMatcha is whisked with a bamboo whisk. Gyokuro is grown in shade for three weeks.\n"
COFFEE = "# Coffee\n\nEspresso is pressed through finely ground beans. A flat white has microfoam.\n"
A, B = "111", "222"


@pytest.fixture
def library(seeds: Path, tmp_path: Path, hashing) -> Library:
    for scope, name, text in ((A, "tea.md", TEA), (B, "coffee.md", COFFEE)):
        (seeds / SERVERS / scope).mkdir(parents=True)
        (seeds / SERVERS / scope / name).write_text(text, encoding="utf-8")
    shared = Engine.open(seeds, tmp_path / "idx", hashing, exclude=(SERVERS,))
    return Library.around(shared)


def quotes(answer: Answer) -> list[str]:
    return [p.quote for p in (answer.passage, *answer.alternatives) if p]


def test_the_shared_corpus_leaves_out_the_servers_folder(library: Library, seeds: Path) -> None:
    assert [d.path for d in library.shared.documents()] == ["turkey-japan-foreign-ministers-2022-01-09.txt"]
    (seeds / "notes" / "servers").mkdir(parents=True)  # only the top-level servers/ is set apart
    (seeds / "notes" / "servers" / "n.md").write_text("# N\n\nNested notes stay shared.\n", encoding="utf-8")
    docs, _ = load_documents(seeds, exclude=(SERVERS,))
    assert sorted(d.path for d in docs) == ["notes/servers/n.md", "turkey-japan-foreign-ministers-2022-01-09.txt"]


def test_a_server_searches_its_own_documents_and_the_shared_ones(library: Library) -> None:
    answer = library.ask("how is matcha whisked?", (A, SHARED))
    assert answer.answered and answer.quote.startswith("Matcha is whisked") and answer.scope == A
    assert {p.scope for p in answer.alternatives} <= {A, SHARED}
    shared = library.ask("when did diplomatic relations begin?", (A, SHARED))
    assert shared.quote == RELATIONS and shared.scope == SHARED


def test_another_server_and_a_dm_never_see_a_servers_documents(library: Library) -> None:
    for scopes in ((B, SHARED), (SHARED,)):
        answer = library.ask("how is matcha whisked with a bamboo whisk?", scopes, k=10)
        assert not any("Matcha" in q for q in quotes(answer))
        assert {p.scope for p in (answer.passage, *answer.alternatives)} <= set(scopes)
        assert "tea.md" not in [d.path for d in library.documents(scopes)]
    assert [(d.path, d.scope) for d in library.documents((B, SHARED))][0] == ("coffee.md", B)


def test_a_document_is_searched_only_where_the_asker_may_search(library: Library) -> None:
    held = library.ask("how is matcha whisked?", (A, SHARED), document="tea.md")
    assert held.scope == A and set(quotes(held)) <= {p.quote for p in (held.passage, *held.alternatives)}
    with pytest.raises(UnknownDocument) as refused:
        library.ask("how is matcha whisked?", (B, SHARED), document="tea.md")
    assert "coffee.md" in str(refused.value) and "tea.md'" in str(refused.value).split(";")[0]
    assert "tea.md" not in str(refused.value).split(";")[1]  # the list names only what B may search


def test_answers_say_their_corpus_in_json(library: Library) -> None:
    data = library.ask("how is matcha whisked?", (A, SHARED)).to_dict()
    assert data["scope"] == A and all(alt["scope"] in (A, SHARED) for alt in data["alternatives"])
    json.dumps(data)
    alone = library.shared.ask("when did diplomatic relations begin?").to_dict()
    assert alone["scope"] is None  # an engine used on its own names no corpus


def test_server_engines_open_on_first_use_and_only_for_real_folders(library: Library) -> None:
    assert set(library._engines) == {SHARED}
    library.ask("espresso?", (B, SHARED))
    assert set(library._engines) == {SHARED, B}
    for missing in ("333", "../..", "a/b", "", SHARED + "/x"):
        assert library.engine(missing) is None
    assert library.ask("when did relations begin?", ("333", SHARED)).scope == SHARED
    with pytest.raises(NoSuchScope):
        library.rebuild("333")
    with pytest.raises(NoSuchScope):
        library.folder("../etc")


def test_a_server_being_built_for_the_first_time_is_skipped_not_waited_for(library: Library) -> None:
    lock = library._lock_of(library._build_locks, A)
    with lock:  # as if its first build were running in another thread
        answer = library.ask("how is matcha whisked?", (A, SHARED))
        assert answer.scope == SHARED and library.rebuilding(A)
    assert library.ask("how is matcha whisked?", (A, SHARED)).scope == A


def test_a_document_added_is_answerable_after_one_rebuild_and_gone_after_removal(library: Library) -> None:
    upload = prepare("sake.txt", b"Sake is brewed from polished rice in winter.", max_bytes=10_000,
                     today=date(2024, 5, 1))
    library.ask("anything?", (A, SHARED))  # A's index is open, as in a bot that has been asked there
    assert library.add_document(A, upload) is None
    report = library.rebuild(A)
    assert report.added == ("sake.txt",)
    answer = library.ask("how is sake brewed?", (A, SHARED))
    assert answer.quote == "Sake is brewed from polished rice in winter."
    assert (answer.passage.title, answer.passage.date, answer.scope) == ("Sake", "2024-05-01", A)
    assert library.stored_documents(A) == [("sake.txt", len(upload.data)), ("tea.md", len(TEA))]
    assert "Sake" not in " ".join(quotes(library.ask("how is sake brewed?", (B, SHARED), k=10)))
    assert library.remove_document(A, "sake.txt") == "sake.txt"
    assert library.rebuild(A).removed == ("sake.txt",)
    assert "Sake" not in " ".join(quotes(library.ask("how is sake brewed?", (A, SHARED), k=10)))


def test_refresh_follows_every_loaded_corpus_that_another_process_rebuilt(library: Library, seeds: Path) -> None:
    library.ask("how is matcha whisked?", (A, SHARED))  # A's corpus is loaded here; B's is not
    # Another process: a library of its own over the same folders.
    other = Library.around(Engine.open(seeds, library.shared.index_dir, library.shared.embedder, exclude=(SERVERS,)))
    (seeds / SERVERS / A / "sake.txt").write_text("Sake is brewed from polished rice.", encoding="utf-8")
    (seeds / "mochi.md").write_text("# Mochi\n\nMochi is pounded rice.", encoding="utf-8")
    other.rebuild(A)
    other.rebuild(SHARED)
    embedded = library.shared.embedder.calls
    assert library.refresh() == [SHARED, A]  # both loaded corpora moved to the new builds
    assert library.refresh() == []
    assert library.shared.embedder.calls == embedded  # read from disk, not embedded again
    assert library.ask("how is sake brewed?", (A, SHARED)).scope == A
    assert library.ask("what is mochi?", (SHARED,)).quote == "Mochi is pounded rice."
    assert library.engine(A).follow_every == library.shared.follow_every


def test_the_shared_corpus_takes_no_uploads(library: Library) -> None:
    upload = prepare("x.txt", b"Some words here.", max_bytes=100, today=date(2024, 5, 1))
    with pytest.raises(NoSuchScope):
        library.add_document(SHARED, upload)
    with pytest.raises(NoSuchScope):
        library.remove_document(SHARED, "turkey-japan-foreign-ministers-2022-01-09.txt")


def test_quota_checks_and_writes_do_not_interleave(library: Library) -> None:
    uploads = [prepare(f"n{i}.txt", f"Note number {i} is here.".encode(), max_bytes=100, today=date(2024, 5, 1))
               for i in range(8)]
    results: list[object] = []

    def add(upload) -> None:
        try:
            results.append(library.add_document(B, upload, max_documents=4))
        except Exception as exc:  # noqa: BLE001 (collected for the assertion)
            results.append(exc)
    threads = [threading.Thread(target=add, args=(u,)) for u in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(library.stored_documents(B)) == 4  # coffee.md and three of the eight


def _p(quote: str, score: float, scope: str) -> Passage:
    return Passage(quote, "d.txt", "T", None, 1, 0, len(quote), score, scope)


def test_merge_keeps_the_best_verdict_then_score_and_pools_the_rest() -> None:
    likely = Answer("q", True, _p("likely one", 0.9, A), (_p("a2", 0.5, A),), verdict="likely")
    answer = Answer("q", True, _p("real answer", 0.3, SHARED), (_p("s2", 0.2, SHARED), _p("a2", 0.1, SHARED)))
    best = merge([likely, answer], k=3)
    assert best.quote == "real answer" and best.scope == SHARED  # the verdict outranks the score
    assert [p.quote for p in best.alternatives] == ["likely one", "a2", "s2"]  # by score, each once
    assert len(merge([likely, answer], k=1).alternatives) == 1
    tie = [Answer("q", True, _p("mine", 0.4, A)), Answer("q", True, _p("theirs", 0.4, SHARED))]
    assert merge(tie, k=3).scope == A  # a server's own document wins a tie
    empty = Answer("q", False, None, verdict="not_found")
    found = Answer("q", False, _p("closest", 0.0, SHARED), verdict="not_found")
    assert merge([empty, found], k=3).passage is not None


def test_merge_prefers_an_answer_read_in_the_questions_own_language_unless_it_is_not_found() -> None:
    # An English question: MiniLM's reading of the English documents, e5's of a Turkish guide.
    english = Answer("q", True, _p("Relations began in 1924.", 0.3, SHARED), verdict="likely")
    across = Answer("q", True, _p("İtirazlar üç gün içinde yanıtlanır.", 0.9, A), crosslingual=True)
    assert merge([across, english], k=3).quote == "Relations began in 1924."  # whatever the verdicts
    refused = Answer("q", False, _p("Relations began in 1924.", 0.6, SHARED), verdict="not_found")
    assert merge([refused, across], k=3).quote == across.quote  # e5 answers what MiniLM does not
    # A Turkish question's answers are all e5's: verdict, then score, as before.
    turkish = [Answer("q", True, _p("mine", 0.9, A), verdict="likely", crosslingual=True),
               Answer("q", True, _p("theirs", 0.4, SHARED), crosslingual=True)]
    assert merge(turkish, k=3).quote == "theirs"
