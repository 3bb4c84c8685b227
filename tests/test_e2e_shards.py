"""Several bot processes: each runs its shards against the Discord stand-in, and follows the index."""
from __future__ import annotations

import asyncio
from typing import Any

from standin import DiscordStandIn, on_shard
from test_bot_fakes import FakeEngine
from test_e2e_harness import running_bot

from bot.discord_app import create_bot
from bot.settings import Settings


async def _guilds_on_both_shards(sd: DiscordStandIn) -> None:
    """Snowflakes carry their millisecond, which picks the shard: add guilds until both have one."""
    while {on_shard(g.id, [0, 2]) for g in sd.guilds} != {True, False}:
        await asyncio.sleep(0.002)
        await sd.add_guild(f"Guild {len(sd.guilds) + 1}")


async def _run_shard(sd: DiscordStandIn, shard: int, engine: Any) -> tuple[Any, asyncio.Task[None]]:
    settings = Settings(discord_token=sd.token, shard_count=2, shard_ids=(shard,), cooldown_rate=1000)
    bot = create_bot(settings, engine, connector=sd.connector(), guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.start(sd.token))
    await sd.wait_ready(commands=shard == 0)
    return bot, task


async def _stop(sd: DiscordStandIn, bot: Any, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
    await sd.stop()


async def test_the_process_with_shard_0_gets_its_guilds_syncs_commands_and_answers() -> None:
    sd = DiscordStandIn()
    await sd.start()
    await _guilds_on_both_shards(sd)
    bot, task = await _run_shard(sd, 0, FakeEngine())
    try:
        assert sd.identify["shard"] == [0, 2] and (bot.shard_ids, bot.shard_count) == ([0], 2)
        mine = [g for g in sd.guilds if on_shard(g.id, [0, 2])]
        assert sorted(g.id for g in bot.guilds) == sorted(int(g.id) for g in mine)
        assert bot.syncs_commands and {c["name"] for c in sd.registered_commands} >= {"ask", "reindex"}
        it = await sd.send_slash("ask", {"question": "when did relations begin?"}, guild=mine[0])
        reply = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
        assert "Diplomatic relations began in" in str(reply.json)  # the answer, from a guild of shard 0
    finally:
        await _stop(sd, bot, task)
    sd.check()


async def test_a_process_without_shard_0_gets_only_its_guilds_and_leaves_the_commands_alone() -> None:
    sd = DiscordStandIn()
    await sd.start()
    await _guilds_on_both_shards(sd)
    bot, task = await _run_shard(sd, 1, FakeEngine())
    try:
        assert sd.identify["shard"] == [1, 2] and (bot.shard_ids, bot.shard_count) == ([1], 2)
        mine = sorted(int(g.id) for g in sd.guilds if on_shard(g.id, [1, 2]))
        assert mine and sorted(g.id for g in bot.guilds) == mine
        assert not bot.syncs_commands
        assert not [c for c in sd.calls if c.method == "PUT" and c.path.endswith("/commands")]
    finally:
        await _stop(sd, bot, task)
    sd.check()


def test_without_shard_settings_the_bot_runs_every_shard_discord_advises() -> None:
    bot = create_bot(Settings(), FakeEngine())
    assert (bot.shard_ids, bot.shard_count) == (None, None) and bot.syncs_commands


class FollowingEngine(FakeEngine):
    """A fake that counts how often the bot asks it to follow the index folder."""

    def __init__(self) -> None:
        super().__init__()
        self.refreshes = 0

    def refresh(self) -> bool:
        self.refreshes += 1
        return self.refreshes == 2


async def test_a_running_bot_follows_the_index_on_its_own() -> None:
    engine = FollowingEngine()
    async with running_bot(engine, follow_seconds=0.05):
        for _ in range(100):
            if engine.refreshes >= 3:
                break
            await asyncio.sleep(0.02)
        assert engine.refreshes >= 3  # a quiet bot moves on as well, every follow_seconds
    stopped = engine.refreshes
    await asyncio.sleep(0.2)
    assert engine.refreshes == stopped  # closing the bot stopped it
