"""End-to-end harness: the real bot against the Discord stand-in, plus login/sync tests.

Other ``test_e2e_*`` modules import ``running_bot`` and the engine fixtures from here.
The real engine on the article is conftest's session-scoped ``article_engine``; reindex
tests get their own engine on a copy of ``seeds/`` in a temporary folder.
"""
from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from bot.discord_app import KizunaBot, create_bot
from bot.run import run_bot
from bot.settings import Settings
from standin import DiscordStandIn, Permissions

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUOTE_1924 = ("Diplomatic relations began in 1924, and the first Turkish mission in Japan "
              "was established in 1925.")


class WrappedEmbedder:
    """The real embedder with test hooks: slow down or fail when a marker is being embedded.

    Questions never contain the markers, so answering keeps working during the test.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.slow_marker, self.slow_seconds, self.fail_marker = "KIZUNA-SLOW", 0.0, "KIZUNA-FAIL"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _hooks(self, texts: Any) -> None:
        if any(self.fail_marker in t for t in texts):
            raise RuntimeError("injected embedder failure")
        if self.slow_seconds and any(self.slow_marker in t for t in texts):
            import time
            time.sleep(self.slow_seconds)

    def encode(self, texts: Any, batch_size: int = 64) -> Any:
        self._hooks(texts)
        return self.inner.encode(texts, batch_size=batch_size)

    def encode_with_tokens(self, texts: Any, batch_size: int = 64) -> Any:
        self._hooks(texts)
        return self.inner.encode_with_tokens(texts, batch_size=batch_size)


@pytest.fixture(scope="session")
def bot_embedder(embedder: Any) -> WrappedEmbedder:
    """The session's real model (conftest's ``embedder``) with the test hooks above."""
    return WrappedEmbedder(embedder)


def open_engine(embedder: Any, folder: Path) -> Any:
    """A real engine over a private copy of the seeds, so tests may edit the files."""
    from index import Engine
    seeds = folder / "seeds"
    if not seeds.exists():
        shutil.copytree(SEEDS, seeds)
    return Engine.open(seeds, folder / "index", embedder)


@pytest.fixture
def fresh_engine(bot_embedder: WrappedEmbedder, tmp_path: Path) -> Any:
    """An engine this test may rebuild, edit and break without touching the others."""
    return open_engine(bot_embedder, tmp_path)


def assert_no_pings(sd: DiscordStandIn) -> None:
    """Every message the bot sent or edited carried allowed_mentions that ping nobody."""
    sent = [c for c in sd.calls if c.method in ("POST", "PATCH") and isinstance(c.json, dict)]
    for call in sent:
        body = call.json.get("data", call.json) if "/callback" in call.path else call.json
        if not isinstance(body, dict) or not (body.get("content") or body.get("embeds")):
            continue
        mentions = body.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], (call.path, mentions)
        assert not mentions.get("users") and not mentions.get("roles"), (call.path, mentions)
        assert not mentions.get("replied_user"), (call.path, mentions)


@asynccontextmanager
async def running_bot(engine: Any, *, guilds: int = 1, **overrides: Any) -> AsyncIterator[tuple[DiscordStandIn, KizunaBot]]:
    """Start a stand-in with ``guilds`` servers and the real bot on it (an engine, or a
    Library); stop both and check the payloads after."""
    sd = DiscordStandIn()
    await sd.start()
    for n in range(1, guilds):
        await sd.add_guild(f"Guild {n + 1}")
    settings = Settings(discord_token=sd.token, guild_id=int(sd.guild_id), cooldown_rate=1000,
                        cooldown_seconds=1.0)
    settings = replace(settings, **overrides)
    bot = create_bot(settings, engine, connector=sd.connector(), guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.start(sd.token))
    try:
        await sd.wait_ready(commands=True)
        yield sd, bot
    finally:
        await bot.close()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
        await sd.stop()
    assert_no_pings(sd)
    sd.check()


async def ask(sd: DiscordStandIn, question: str, **kw: Any) -> tuple[Any, dict[str, Any]]:
    """Send /ask and return the interaction and the final reply (the edited original)."""
    options = {"question": question, **kw}
    it = await sd.send_slash("ask", options, user=sd.member_user)
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    return it, call.json


async def test_login_and_instant_guild_sync(article_engine: Any) -> None:
    async with running_bot(article_engine) as (sd, bot):
        assert not bot.failed_cogs
        cmds = {c["name"]: c for c in sd.registered_commands}
        assert set(cmds) == {"ask", "sources", "reindex", "documents", "help"}
        assert all(c.get("guild_id") == sd.guild_id for c in cmds.values())
        question, private, document = cmds["ask"]["options"]
        assert (question["name"], question["type"], question["required"]) == ("question", 3, True)
        assert (question["min_length"], question["max_length"]) == (1, 300)
        assert (private["name"], private["type"], private.get("required", False)) == ("private", 5, False)
        assert (document["name"], document["type"], document.get("required", False)) == ("document", 3, False)
        assert document["autocomplete"] is True
        assert int(cmds["reindex"]["default_member_permissions"]) == Permissions.MANAGE_GUILD
        (corpus,) = cmds["reindex"]["options"]
        assert [c["value"] for c in corpus["choices"]] == ["server", "shared"] and not corpus.get("required")
        documents = cmds["documents"]
        assert int(documents["default_member_permissions"]) == Permissions.MANAGE_GUILD
        assert documents["contexts"] == [0]  # servers only: a DM has no server documents
        subs = {o["name"]: o for o in documents["options"]}
        assert set(subs) == {"add", "remove", "list"} and all(o["type"] == 1 for o in subs.values())
        file, replace = subs["add"]["options"]
        assert (file["name"], file["type"], file["required"]) == ("file", 11, True)  # an attachment
        assert (replace["name"], replace["type"]) == ("replace", 5)
        assert subs["remove"]["options"][0]["autocomplete"] is True
        assert cmds["ask"]["default_member_permissions"] is None
        assert all(1 <= len(c["description"]) <= 100 for c in cmds.values())
        assert sd.identify["intents"] & (1 << 15)  # message content, documented in the README


async def test_global_sync_without_a_guild(article_engine: Any) -> None:
    async with running_bot(article_engine, guild_id=None) as (sd, _):
        assert {c["name"] for c in sd.registered_commands} == {"ask", "sources", "reindex", "documents", "help"}
        assert not any(c.get("guild_id") for c in sd.registered_commands)


async def test_a_broken_cog_is_logged_and_the_rest_start(article_engine: Any, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("bot.discord_app.COGS", ("bot.cogs.ask", "bot.cogs.does_not_exist"))
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        async with running_bot(article_engine) as (sd, bot):
            assert [c["name"] for c in sd.registered_commands] == ["ask"]
            assert "bot.cogs.does_not_exist" in bot.failed_cogs
    assert any("does_not_exist" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_rejected_token_exits_1_without_printing_it(article_engine: Any, capsys: pytest.CaptureFixture,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    sd = DiscordStandIn()
    await sd.start()
    bad = "wrong." + "x" * 40
    try:
        with caplog.at_level(logging.DEBUG):
            code = await run_bot(Settings(discord_token=bad), article_engine, connector=sd.connector())
    finally:
        await sd.stop()
    err = capsys.readouterr().err
    assert code == 1 and "rejected the bot token" in err
    assert bad not in err and all(bad not in r.getMessage() for r in caplog.records)


async def test_sigterm_closes_the_gateway_cleanly_and_exits_0(article_engine: Any) -> None:
    sd = DiscordStandIn()
    await sd.start()
    # Should run_bot not take SIGTERM, this keeps it from ending pytest: the test times out instead.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        settings = Settings(discord_token=sd.token, guild_id=int(sd.guild_id))
        task = asyncio.create_task(run_bot(settings, article_engine, connector=sd.connector()))
        await sd.wait_ready(commands=True)
        os.kill(os.getpid(), signal.SIGTERM)
        code = await asyncio.wait_for(task, 10)
    finally:
        signal.signal(signal.SIGTERM, previous)
        await sd.stop()
    assert code == 0 and sd.gateway_closes == [1000]  # a normal close, not a dropped connection


async def test_no_token_explains_how_to_set_one(article_engine: Any, capsys: pytest.CaptureFixture) -> None:
    assert await run_bot(Settings(discord_token=None), article_engine) == 1
    assert "DISCORD_TOKEN=" in capsys.readouterr().err
