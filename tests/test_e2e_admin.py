"""End-to-end: /reindex of the shared corpus on a private copy of the seeds, with the real engine.

Who may rebuild which corpus, across two servers, is in test_e2e_servers.py.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from standin import DiscordStandIn, Permissions
from test_e2e_harness import (QUOTE_1924, ask, bot_embedder, fresh_engine,  # noqa: F401 (fixtures)
                              running_bot)

EPHEMERAL = 1 << 6
NEW_SENTENCE = "Diplomatic relations began in 1890, after the frigate Ertugrul sank off Kushimoto."
QUESTION = "When did diplomatic relations between Turkey and Japan begin?"


def article(engine: Any) -> Path:
    return next(Path(engine.seeds_dir).glob("*.txt"))


def rewrite_1924(engine: Any, marker: str = "") -> None:
    path = article(engine)
    text = path.read_text(encoding="utf-8")
    assert QUOTE_1924 in text
    path.write_text(text.replace(QUOTE_1924, NEW_SENTENCE + marker), encoding="utf-8")


async def reindex(sd: DiscordStandIn, user: dict[str, Any] | None = None, corpus: str | None = "shared",
                  **kw: Any) -> Any:
    """/reindex, by default of the shared corpus by the application's owner (who owns the first server)."""
    return await sd.send_slash("reindex", {"corpus": corpus} if corpus else {}, user=user or sd.owner_user, **kw)


async def final_reply(sd: DiscordStandIn, it: Any, title: str, timeout: float = 20) -> dict[str, Any]:
    """The last edit of the /reindex reply, once it carries ``title``."""
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original",
                             predicate=lambda c: c.json["embeds"][0]["title"] == title, timeout=timeout)
    return call.json["embeds"][0]


async def test_admin_reindex_reports_changes_and_the_next_answer_is_new(fresh_engine: Any) -> None:  # noqa: F811
    async with running_bot(fresh_engine) as (sd, _):
        rewrite_1924(fresh_engine)
        it = await reindex(sd)
        await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        assert it.callback_type == 5 and it.callback_data["flags"] & EPHEMERAL
        embed = await final_reply(sd, it, "Index rebuilt")
        name = article(fresh_engine).name
        assert f"**Changed** (1): `{name}`" in embed["description"]
        assert "**Added** (0)" in embed["description"] and "sentences" in embed["description"]
        _, body = await ask(sd, QUESTION)
        assert "1890" in body["embeds"][0]["description"]
        assert "1924" not in body["embeds"][0]["description"]


async def test_progress_is_shown_while_rebuilding(fresh_engine: Any, bot_embedder: Any) -> None:  # noqa: F811
    bot_embedder.slow_seconds = 1.0  # embedding the marked sentence takes a while
    try:
        async with running_bot(fresh_engine) as (sd, _):
            rewrite_1924(fresh_engine, " KIZUNA-SLOW")
            it = await reindex(sd)
            progress = await sd.wait_for(
                "PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original",
                predicate=lambda c: c.json["embeds"][0]["title"] == "Rebuilding the index")
            assert "(" in progress.json["embeds"][0]["description"]
            # Questions keep being answered from the old index meanwhile.
            _, body = await ask(sd, QUESTION)
            assert "1924" in body["embeds"][0]["description"]
            await final_reply(sd, it, "Index rebuilt")
            edits = [c for c in sd.calls if c.method == "PATCH" and it.token in c.path]
            gaps = [b.time - a.time for a, b in zip(edits, edits[1:-1])]
            assert all(g >= 1.0 for g in gaps), gaps  # throttled
    finally:
        bot_embedder.slow_seconds = 0.0


async def refused(sd: DiscordStandIn, it: Any) -> str:
    """The private refusal's text, sent as the acknowledgement itself."""
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert it.callback_type == 4 and it.callback_data["flags"] & EPHEMERAL
    assert it.callback_data["embeds"][0]["title"] == "Not allowed"
    return it.callback_data["embeds"][0]["description"]


async def test_a_server_admin_may_not_rebuild_the_shared_corpus(fresh_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(fresh_engine, "rebuild", lambda *a, **k: pytest.fail("rebuilt"))
    async with running_bot(fresh_engine, guild_id=None) as (sd, _):  # global commands: DMs too
        withheld = await reindex(sd, sd.member_user)
        assert not withheld.delivered  # Discord itself hides it from members ...
        sd.deliver_unpermitted = True  # ... but a bot must not rely on that
        assert "owner" in await refused(sd, await reindex(sd, sd.member_user))
        # Manage Server, even Administrator, in a server is nothing over the shared documents.
        manager = Permissions.EVERYONE | Permissions.MANAGE_GUILD
        assert "shared" in await refused(sd, await reindex(sd, sd.member_user, permissions=manager))
        assert "shared" in await refused(sd, await reindex(sd, sd.admin_user))
        it = await reindex(sd, sd.admin_user, guild=False)  # nor from a DM
        assert "shared" in await refused(sd, it)
        it = await reindex(sd, corpus="everything")  # not one of the choices: a hand-made payload
        await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        assert it.callback_data["flags"] & EPHEMERAL and "can't use" in it.callback_data["embeds"][0]["description"]


async def test_admin_ids_and_the_owner_may_reindex(fresh_engine: Any) -> None:  # noqa: F811
    async with running_bot(fresh_engine, guild_id=None) as (sd, bot):
        sd.deliver_unpermitted = True
        it = await reindex(sd, sd.owner_user, permissions=Permissions.EVERYONE)
        await final_reply(sd, it, "Index rebuilt")
        it = await reindex(sd, sd.owner_user, corpus=None, guild=False)  # in a DM the shared one is the default
        await final_reply(sd, it, "Index rebuilt")
        bot.settings = bot.settings.__class__(admin_ids=frozenset({int(sd.member_user["id"])}))
        it = await reindex(sd, sd.member_user, permissions=Permissions.EVERYONE)
        await final_reply(sd, it, "Index rebuilt")


async def test_two_reindex_at_once(fresh_engine: Any, bot_embedder: Any) -> None:  # noqa: F811
    bot_embedder.slow_seconds = 1.0
    try:
        async with running_bot(fresh_engine) as (sd, _):
            rewrite_1924(fresh_engine, " KIZUNA-SLOW")
            first, second = await reindex(sd), await reindex(sd, sd.owner_user)  # the second, from the owner too
            await sd.wait_for("POST", rf"/interactions/{second.id}/{second.token}/callback")
            assert second.callback_data["embeds"][0]["title"] == "Already rebuilding"
            assert second.callback_data["flags"] & EPHEMERAL
            embed = await final_reply(sd, first, "Index rebuilt")
            assert "**Changed** (1)" in embed["description"]
    finally:
        bot_embedder.slow_seconds = 0.0


async def test_the_engine_refusing_a_second_rebuild_is_reported(fresh_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from index.errors import RebuildInProgress

    def busy(*a: Any, **k: Any) -> Any:  # e.g. `kizuna index` running at the same time
        raise RebuildInProgress("a rebuild is already running")
    monkeypatch.setattr(fresh_engine, "rebuild", busy)
    async with running_bot(fresh_engine) as (sd, _):
        it = await reindex(sd)
        await final_reply(sd, it, "Already rebuilding")


async def test_a_failed_rebuild_keeps_the_old_index(fresh_engine: Any, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    async with running_bot(fresh_engine) as (sd, _):
        rewrite_1924(fresh_engine, " KIZUNA-FAIL")  # the embedder refuses this sentence
        with caplog.at_level(logging.ERROR):
            it = await reindex(sd)
            embed = await final_reply(sd, it, "Rebuild failed")
        assert "injected embedder failure" in embed["description"]
        assert "previous index is still answering" in embed["description"]
        assert any(r.name == "bot.rebuild" and r.exc_info for r in caplog.records)
        _, body = await ask(sd, QUESTION)
        assert QUOTE_1924 in body["embeds"][0]["description"].replace("**", "")
