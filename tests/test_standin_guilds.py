"""Proves the stand-in's second guild, subcommands and attachments against the real discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from standin import CDN_HOSTS, DiscordStandIn, Permissions

files = app_commands.Group(name="files", description="Files.", guild_only=True,
                           default_permissions=discord.Permissions(manage_guild=True))


@files.command(name="add", description="Read an attachment.")
async def add(interaction: discord.Interaction, file: discord.Attachment, replace: bool = False) -> None:
    await interaction.response.defer(ephemeral=True)
    data = await file.read()
    where = f"{interaction.guild_id}:{interaction.permissions.manage_guild}"
    await interaction.edit_original_response(
        content=f"{file.filename} {file.size} {file.content_type} {len(data)} {data[:5]!r} {replace} {where}")


@files.command(name="remove", description="Pick a name.")
async def remove(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message(f"removed {name}")


@remove.autocomplete("name")
async def names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"{interaction.guild_id}-{current}", value=current or "x")]


class Bot(commands.AutoShardedBot):
    def __init__(self, sd: DiscordStandIn) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(),
                         connector=sd.connector(), guild_ready_timeout=0.05, help_command=None)

    async def setup_hook(self) -> None:
        self.tree.add_command(files)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot and self.user in message.mentions:
            await message.reply(f"heard in {message.guild.id if message.guild else 'dm'}")


@pytest.fixture(scope="module")
async def two() -> AsyncIterator[tuple[DiscordStandIn, object, Bot]]:
    sd = DiscordStandIn()
    await sd.start()
    second = await sd.add_guild("Second")
    bot = Bot(sd)
    task = asyncio.create_task(bot.start(sd.token))
    await sd.wait_ready()
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    yield sd, second, bot
    await bot.close()
    await asyncio.wait_for(task, 5)
    await sd.stop()
    sd.check()


async def test_the_bot_sees_both_guilds_each_with_its_own_admin(two) -> None:
    sd, second, bot = two
    assert {g.id for g in bot.guilds} == {int(sd.guild_id), int(second.id)}
    b = bot.get_guild(int(second.id))
    assert b.owner_id == int(second.admin_user["id"]) and b.get_channel(int(second.channel_id))
    assert sd.permissions_of(sd.admin_user) == Permissions.ALL
    assert sd.permissions_of(sd.admin_user, second) == Permissions.EVERYONE  # A's admin is plain in B
    assert sd.permissions_of(sd.owner_user, second) == Permissions.EVERYONE
    assert sd.permissions_of(second.admin_user, second) == Permissions.ALL


async def test_an_attachment_arrives_resolved_and_downloads_from_the_cdn(two) -> None:
    sd, second, _ = two
    att = sd.attachment("notes.txt", b"hello there", channel_id=second.channel_id)
    it = await sd.send_slash("files", {"add": {"file": att, "replace": True}}, user=second.admin_user, guild=second)
    option = it.payload["data"]["options"][0]
    assert option["name"] == "add" and option["type"] == 1
    assert option["options"][0] == {"name": "file", "type": 11, "value": att["id"]}
    assert it.payload["data"]["resolved"]["attachments"][att["id"]]["url"].startswith(f"https://{CDN_HOSTS[0]}/")
    await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    assert it.original["content"] == (f"notes.txt 11 text/plain; charset=utf-8 11 b'hello' True "
                                      f"{second.id}:True")
    assert any(c.path.startswith("/ephemeral-attachments/") and c.status == 200 for c in sd.calls)


async def test_the_cdn_answers_404_for_unknown_files(two) -> None:
    sd, _, _ = two
    async with aiohttp.ClientSession(connector=sd.connector()) as http:
        async with http.get(f"https://{CDN_HOSTS[0]}/ephemeral-attachments/1/2/x.txt") as response:
            assert response.status == 404


async def test_guild_only_permissions_and_autocomplete_per_guild(two) -> None:
    sd, second, _ = two
    att = sd.attachment("a.md", b"x")
    hidden = await sd.send_slash("files", {"add": {"file": att}}, user=sd.admin_user, guild=second)
    assert not hidden.delivered  # Manage Server in A is nothing in B
    in_dm = await sd.send_slash("files", {"add": {"file": att}}, user=sd.owner_user, guild=False)
    assert not in_dm.delivered  # guild_only: Discord offers it in no DM
    with pytest.raises(ValueError, match="exactly one of its subcommands"):
        await sd.send_slash("files", {"file": att}, user=sd.admin_user)
    it = await sd.type_in_option("files", {"name": "te"}, focused="name", subcommand="remove",
                                 user=second.admin_user, guild=second)
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert it.callback_data["choices"] == [{"name": f"{second.id}-te", "value": "te"}]


async def test_messages_in_the_second_guild(two) -> None:
    sd, second, _ = two
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> hi", guild=second)
    assert msg["guild_id"] == second.id and msg["channel_id"] == second.channel_id
    reply = await sd.wait_for("POST", rf"/channels/{second.channel_id}/messages", since=n)
    assert reply.response["content"] == f"heard in {second.id}" and reply.response["guild_id"] == second.id


async def test_a_guild_added_later_arrives_as_guild_create(two) -> None:
    sd, _, bot = two
    third = await sd.add_guild("Third")
    for _ in range(50):
        if bot.get_guild(int(third.id)):
            break
        await asyncio.sleep(0.05)
    assert bot.get_guild(int(third.id)).name == "Third"
