"""A small fake engine that follows the engine contract, for the bot's logic tests.

Imported by the other bot test modules (``from test_bot_fakes import FakeEngine``); the
tests at the bottom keep the fake honest about the contract it stands in for.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Sequence

from index.answer import Answer, BuildReport, DocumentInfo, Passage
from index.errors import IndexBuildError, InvalidQuestion, RebuildInProgress, UnknownDocument

QUOTE_1924 = ("Diplomatic relations began in 1924, and the first Turkish mission in Japan "
              "was established in 1925.")


def passage(quote: str, paragraph: int = 1, score: float = 0.9) -> Passage:
    return Passage(quote=quote, document="article.txt", title="Turkey and Japan",
                   date="2022-01-09", paragraph=paragraph, start=0, end=len(quote), score=score)


class FakeEngine:
    """Answers "when…relations" with the 1924 sentence, "france" as not found, and
    "long" with a very long sentence. Counts calls so tests can see batching."""

    model_name = "fake/model"
    built_at = "2024-05-01T12:00:00Z"

    def __init__(self, ask_delay: float = 0.0, rebuild_delay: float = 0.0) -> None:
        self.ask_delay, self.rebuild_delay = ask_delay, rebuild_delay
        self.version = 1
        self.fail_next_rebuild: str | None = None
        self.ask_calls = 0
        self.ask_many_calls: list[int] = []
        self.rebuild_calls = 0
        self._lock = threading.Lock()
        self._rebuilding = False

    @property
    def rebuilding(self) -> bool:
        return self._rebuilding

    @property
    def sentence_count(self) -> int:
        return 12

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo("article.txt", "Turkey and Japan", "2022-01-09", 12, 9)]

    def example_questions(self, n: int = 3) -> list[str]:
        return ["When did relations begin?"][:n]

    def ask(self, question: str, *, k: int = 3, document: str | None = None) -> Answer:
        self.ask_calls += 1
        if self.ask_delay:
            time.sleep(self.ask_delay)
        return self._answer(question, k, document)

    def ask_many(self, questions: Sequence[tuple[str, str | None]], *, k: int = 3) -> list[Answer]:
        self.ask_many_calls.append(len(questions))
        if self.ask_delay:
            time.sleep(self.ask_delay)
        return [self._answer(q, k, d) for q, d in questions]

    def _answer(self, question: str, k: int, document: str | None) -> Answer:
        if not question.strip() or "invalid" in question:
            raise InvalidQuestion("the question is empty")
        if document and document != "article.txt":
            raise UnknownDocument(document)
        low = question.lower()
        alts = tuple(passage(f"Alternative sentence {i} (v{self.version}).", i + 2, 0.5)
                     for i in range(max(k - 1, 0)))
        if "france" in low:
            return Answer(question, False, passage("The meeting lasted 25 minutes.", 7, 0.1),
                          alts, confidence="none", verdict="not_found")
        if "roughly" in low:  # a loose match: quoted as the probable answer
            return Answer(question, True, passage(QUOTE_1924, 9, 0.05), alts, "Before it.", "After it.",
                          (30, 34), "low", verdict="likely")
        if "long" in low:
            quote = "Very long *sentence* " + "word " * 1500
            return Answer(question, True, passage(quote), alts, "before " * 900,
                          "after " * 900, (0, 9), "low")
        quote = QUOTE_1924 if self.version == 1 else "Relations began in 1890 after the Ertugrul."
        span = (30, 34) if self.version == 1 else (20, 24)
        return Answer(question, True, passage(quote, 9), alts, "Before it.", "After it.",
                      span, "high")

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None, *, force: bool = False) -> BuildReport:
        with self._lock:
            if self._rebuilding:
                raise RebuildInProgress("a rebuild is already running")
            self._rebuilding = True
        try:
            self.rebuild_calls += 1
            steps = 5
            for i in range(steps):
                if progress:
                    progress("embedding", i + 1, steps)
                time.sleep(self.rebuild_delay / steps)
            if self.fail_next_rebuild:
                reason, self.fail_next_rebuild = self.fail_next_rebuild, None
                raise IndexBuildError(reason)
            self.version += 1
            return BuildReport(documents=1, sentences=12, changed=("article.txt",),
                               reembedded=1, seconds=self.rebuild_delay)
        finally:
            self._rebuilding = False


def test_fake_answers_like_the_contract() -> None:
    e = FakeEngine()
    a = e.ask("when did relations begin?")
    assert a.answered and a.quote == QUOTE_1924
    assert a.quote[a.highlight[0]:a.highlight[1]] == "1924"
    assert not e.ask("What is the capital of France?").answered
    assert [x.question for x in e.ask_many([("a", None), ("b", None)])] == ["a", "b"]


def test_fake_refuses_a_second_rebuild() -> None:
    e = FakeEngine(rebuild_delay=0.3)
    t = threading.Thread(target=e.rebuild)
    t.start()
    time.sleep(0.05)
    try:
        e.rebuild()
    except RebuildInProgress:
        pass
    else:
        raise AssertionError("second rebuild should be refused")
    t.join()
    assert e.version == 2


# -- one contract, run over the real engine and the fake --------------------------------------

CONTRACT = ("ask", "ask_many", "rebuild", "documents", "example_questions")


def test_the_fake_has_the_engines_signatures() -> None:
    import inspect

    from index import Engine

    def shape(function):  # names, kinds and defaults; annotations are spelt differently
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    for name in CONTRACT:
        assert shape(getattr(FakeEngine, name)) == shape(getattr(Engine, name)), name
    for name in ("rebuilding", "sentence_count", "model_name", "built_at"):
        assert hasattr(FakeEngine, name) and hasattr(Engine, name), name


def check_engine_contract(engine, answerable: str, off_topic: str, document: str) -> None:
    """What the bot relies on, whichever engine serves it."""
    import pytest

    a = engine.ask(answerable, k=2, document=document)
    assert a.answered and a.verdict in ("answer", "likely") and a.passage.document == document
    assert len(a.alternatives) <= 2
    off = engine.ask(off_topic, k=1)
    assert not off.answered and off.verdict == "not_found" and off.passage is not None
    batch = engine.ask_many([(answerable, None), (off_topic, None)], k=0)
    assert [x.question for x in batch] == [a.question, off.question] and batch[1].verdict == "not_found"
    with pytest.raises(InvalidQuestion):
        engine.ask("   ")
    with pytest.raises(UnknownDocument):
        engine.ask(answerable, document="no-such-file.txt")
    assert all(d.path for d in engine.documents())


def test_the_fake_keeps_the_contract() -> None:
    check_engine_contract(FakeEngine(), "when did relations begin?", "What is the capital of France?", "article.txt")


def test_the_real_engine_keeps_the_same_contract(article_engine) -> None:
    document = article_engine.documents()[0].path
    check_engine_contract(article_engine, "when did relations begin?", "What is the capital of France?", document)
