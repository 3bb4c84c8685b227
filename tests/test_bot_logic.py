"""Cooldown, batching, permissions and error texts, without any network."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import discord
import pytest

from bot.rebuild import Progress, progress_text, report_text
from bot.cogs.ask import AnswerCache, document_choices, resolve_document, strip_mentions
from bot.discord_app import Asker, Busy, Cooldown, KizunaBot, create_bot, expected_error_text
from bot.settings import Settings
from index.answer import BuildReport, DocumentInfo
from index.errors import IndexBuildError, InvalidQuestion, RebuildInProgress
from index.library import SHARED
from test_bot_fakes import FakeEngine


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_cooldown_allows_rate_then_says_when_to_retry() -> None:
    clock = Clock()
    cd = Cooldown(rate=2, per=30.0, clock=clock)
    assert cd.retry_after(1) == 0 and cd.retry_after(1) == 0
    clock.now += 10
    assert cd.retry_after(1) == pytest.approx(20.0)
    assert cd.retry_after(2) == 0  # per user
    clock.now += 20.01
    assert cd.retry_after(1) == 0


def test_cooldown_zero_seconds_is_off() -> None:
    cd = Cooldown(rate=1, per=0.0)
    assert all(cd.retry_after(1) == 0 for _ in range(10))


async def test_asker_batches_concurrent_questions() -> None:
    engine = FakeEngine(ask_delay=0.02)
    asker = Asker(engine, k=3, max_batch=32)
    answers = await asyncio.gather(*(asker.ask(f"when did relations begin {i}?") for i in range(50)))
    assert [a.question for a in answers] == [f"when did relations begin {i}?" for i in range(50)]
    assert sum(engine.ask_many_calls) == 50 and len(engine.ask_many_calls) <= 3
    assert engine.ask_calls == 0


async def test_asker_isolates_a_bad_question_in_a_batch() -> None:
    asker = Asker(FakeEngine(), k=3)
    results = await asyncio.gather(asker.ask("fine?"), asker.ask("invalid"), asker.ask("ok?"),
                                   return_exceptions=True)
    assert isinstance(results[1], InvalidQuestion)
    assert results[0].answered and results[2].answered


async def test_asker_turns_questions_away_past_its_bound_at_once() -> None:
    engine = FakeEngine(ask_delay=0.3)
    asker = Asker(engine, k=3, max_pending=3)
    waiting = [asyncio.create_task(asker.ask(f"when {i}?")) for i in range(3)]
    await asyncio.sleep(0.01)
    assert asker.full
    t0 = time.perf_counter()
    with pytest.raises(Busy):
        await asker.ask("one more?")
    assert time.perf_counter() - t0 < 0.2  # said at once, not after the 0.3 s the queue takes to drain
    assert all(a.answered for a in await asyncio.gather(*waiting))
    assert not asker.full and (await asker.ask("now?")).answered
    assert "try again" in expected_error_text(Busy())


async def test_asker_keeps_the_loop_free() -> None:
    asker = Asker(FakeEngine(ask_delay=0.3), k=3)
    task = asyncio.create_task(asker.ask("slow?"))
    t0 = time.perf_counter()
    await asyncio.sleep(0.01)
    assert time.perf_counter() - t0 < 0.2  # the loop was not blocked by the engine's 0.3 s
    assert (await task).answered


def test_expected_errors_have_friendly_text_and_others_none() -> None:
    assert "can't be used" in expected_error_text(InvalidQuestion("empty"))
    assert "being rebuilt" in expected_error_text(RebuildInProgress())
    assert "failed" in expected_error_text(IndexBuildError("disk full"))
    assert expected_error_text(ValueError("boom")) is None


def test_answer_cache_is_bounded() -> None:
    cache = AnswerCache(size=2)
    a = FakeEngine().ask("q?")
    k1, _, k3 = cache.put(a, "guild:1"), cache.put(a, "guild:1"), cache.put(a, "guild:1")
    assert len(k1) == 16 and cache.get(k1, "guild:1") is None and cache.get(k3, "guild:1") is a and len(cache) == 2


def test_answer_cache_is_kept_per_server() -> None:
    cache = AnswerCache(size=10, per_owner=2)
    a = FakeEngine().ask("q?")
    mine = cache.put(a, "guild:1")
    assert cache.get(mine, "guild:2") is None and cache.get(mine, "user:5") is None  # a key opens only its server's
    busy = [cache.put(a, "guild:2") for _ in range(5)]  # a busy server drops its own oldest ...
    assert cache.get(mine, "guild:1") is a  # ... not another server's
    assert [cache.get(k, "guild:2") is a for k in busy] == [False, False, False, True, True] and len(cache) == 3


def test_document_suggestions_keep_to_discords_limits() -> None:
    docs = [DocumentInfo(f"notes/{i:02}.md", f"Meeting notes {i}", "", 3, 1) for i in range(40)]
    docs.append(DocumentInfo("x" * 101 + ".md", "A file with a very long path", "2024-05-01", 3, 1))
    docs.append(DocumentInfo("tea.md", "Tea " + "very " * 30 + "long", "2024-05-01", 3, 1))
    assert len(document_choices(docs, "")) == 25  # Discord shows 25 at most
    assert [c.value for c in document_choices(docs, "NOTES 3")] == ["notes/03.md", "notes/30.md", "notes/31.md",
                                                                    "notes/32.md", "notes/33.md", "notes/34.md",
                                                                    "notes/35.md", "notes/36.md", "notes/37.md",
                                                                    "notes/38.md", "notes/39.md"]
    assert document_choices(docs, "very long path") == []  # a value over 100 characters cannot be offered
    (tea,) = document_choices(docs, "tea")
    assert len(tea.name) == 100 and tea.name.startswith("2024-05-01 · Tea very") and tea.value == "tea.md"


def test_a_typed_document_name_resolves_to_its_path() -> None:
    docs = [DocumentInfo("a/tea.md", "Tea", "", 3, 1), DocumentInfo("b/tea.md", "Tea", "", 3, 1),
            DocumentInfo("coffee.md", "Coffee", "", 3, 1)]
    assert resolve_document(docs, "coffee.md") == "coffee.md"
    assert resolve_document(docs, " COFFEE ") == "coffee.md"  # the title, any case
    assert resolve_document(docs, "Tea") == "Tea"  # two documents have that title: the engine refuses it
    assert resolve_document(docs, "") is None and resolve_document(docs, None) is None


def test_strip_mentions() -> None:
    assert strip_mentions("<@42> when? <@!42>", 42) == "when?"
    assert strip_mentions("<@42>", 42) == ""


def test_report_text_lists_changes() -> None:
    r = BuildReport(documents=2, sentences=30, added=("b.txt",), changed=("a.txt",),
                    seconds=1.25)
    text = report_text(r)
    assert "**Added** (1): `b.txt`" in text and "**Changed** (1): `a.txt`" in text
    assert "**Removed** (0): none" in text and "30 sentences" in text and "1.2 s" in text


async def test_progress_crosses_threads_safely() -> None:
    progress = Progress(asyncio.get_running_loop())
    await asyncio.to_thread(progress, "embedding", 3, 10)
    await asyncio.wait_for(progress.changed.wait(), 1)
    assert progress.state == ("embedding", 3, 10)
    assert "embedding: 3/10 30%" in progress_text(progress.state, time.monotonic())


def _interaction(user_id: int, manage_guild: bool, guild: int | None = 1) -> SimpleNamespace:
    perms = discord.Permissions(manage_guild=manage_guild)
    return SimpleNamespace(user=SimpleNamespace(id=user_id), permissions=perms, guild_id=guild)


async def test_who_may_change_which_corpus() -> None:
    bot = create_bot(Settings(admin_ids=frozenset({7})), FakeEngine())
    bot.owner_id = 99
    may = bot.may_manage
    # A server's own corpus: Manage Server in that server, asking from it.
    assert await may(_interaction(5, manage_guild=True), "1")
    assert not await may(_interaction(5, manage_guild=True), "2")  # not another server's
    assert not await may(_interaction(5, manage_guild=True, guild=None), "1")  # nor from a DM
    assert not await may(_interaction(5, manage_guild=False), "1")
    # The shared corpus: the owner and KIZUNA_ADMIN_IDS only, never Manage Server.
    assert not await may(_interaction(5, manage_guild=True), SHARED)
    for who in (7, 99):
        assert await may(_interaction(who, manage_guild=False, guild=None), SHARED)
        assert await may(_interaction(who, manage_guild=False), "2")


def test_questions_search_their_server_and_the_shared_corpus() -> None:
    assert KizunaBot.scopes_for(123) == ("123", SHARED)
    assert KizunaBot.scopes_for(None) == (SHARED,)


def test_bot_defaults_are_safe() -> None:
    bot = create_bot(Settings(), FakeEngine())
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.intents.message_content and not bot.intents.members


def test_progress_text_for_a_stage_without_counts() -> None:
    assert progress_text(("Waiting for another rebuild to finish", 0, 0), time.monotonic()).startswith(
        "Waiting for another rebuild to finish… (")


def test_progress_text_gives_the_stages_rate_and_time_left() -> None:
    now = time.monotonic()
    # 400 of 1,000 texts, 200 of them in the 10 s since the stage began: 20/s, 30 s left.
    text = progress_text(("embedding", 400, 1000), now - 60, since=(now - 10, 200))
    assert "embedding: 400/1000 40%" in text and "20/s" in text and "about 30 s left" in text
    # Too early to say, or no work since the stage began: no rate rather than a wild one.
    assert "/s" not in progress_text(("embedding", 10, 1000), now - 60, since=(now - 1, 0))
    assert "/s" not in progress_text(("embedding", 200, 1000), now - 60, since=(now - 10, 200))
    slow = progress_text(("embedding", 1000, 6000), now, since=(now - 1000, 0))
    assert "1.0/s" in slow and "about 1 h 23 min left" in slow


async def test_progress_remembers_when_each_stage_began() -> None:
    progress = Progress(asyncio.get_running_loop())
    progress("embedding", 0, 10)
    progress("embedding", 5, 10)
    progress("indexing words", 0, 1)
    await asyncio.sleep(0)
    await asyncio.wait_for(progress.changed.wait(), 1)
    assert progress.state == ("indexing words", 0, 1) and progress.since[1] == 0
    progress("indexing words", 1, 1)
    await asyncio.sleep(0)
    first = progress.since
    assert progress.since is first  # the same stage: its start is kept
