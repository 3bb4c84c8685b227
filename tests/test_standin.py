"""Proves the Discord stand-in against the real discord.py client and a tiny bot."""

from __future__ import annotations

import asyncio
import io
import statistics
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from standin import DiscordStandIn, Permissions, standin  # noqa: F401 (fixture)

HEARTBEAT = 0.25


class MoreView(discord.ui.View):
    @discord.ui.button(label="More", custom_id="more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[MoreView]) -> None:
        await interaction.response.edit_message(content="more detail", view=None)


@app_commands.command(description="Ask a question about the documents.")
@app_commands.describe(question="What you want to know")
async def ask(interaction: discord.Interaction, question: str) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(f"answer to: {question}", view=MoreView(timeout=30))


@app_commands.command(description="Rebuild the index.")
@app_commands.default_permissions(manage_guild=True)
async def reindex(interaction: discord.Interaction) -> None:
    # Discord enforces default_permissions only on its side; the bot checks as well.
    if not interaction.permissions.manage_guild:
        await interaction.response.send_message("You need Manage Server.", ephemeral=True)
        return
    await interaction.response.send_message("Reindexing.")
    await interaction.edit_original_response(content="Reindexed.")


@app_commands.command(description="Think before acknowledging.")
async def slow(interaction: discord.Interaction, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await interaction.response.defer()
    except discord.HTTPException as exc:
        interaction.client.errors.put_nowait(exc)  # type: ignore[attr-defined]


@app_commands.command(description="Acknowledge twice.")
async def twice(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("first")
    assert (await interaction.original_response()).content == "first"
    # A second responder (as with two bot processes) bypasses discord.py's local guard.
    try:
        await discord.InteractionResponse(interaction).send_message("second")
    except discord.HTTPException as exc:
        interaction.client.errors.put_nowait(exc)  # type: ignore[attr-defined]


@app_commands.command(description="Pick one of as many choices as the number typed.")
async def pick(interaction: discord.Interaction, item: str) -> None:
    await interaction.response.send_message(f"picked {item}")


@pick.autocomplete("item")
async def pick_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"item {i}", value=str(i)) for i in range(int(current or 0))]


@app_commands.command(description="Guild-only ping.")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


class TinyBot(commands.AutoShardedBot):
    def __init__(self, sd: DiscordStandIn) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(),
                         connector=sd.connector(), guild_ready_timeout=0.05, help_command=None)
        self.sd = sd
        self.errors: asyncio.Queue[BaseException] = asyncio.Queue()
        self.seen: list[discord.Message] = []

    async def setup_hook(self) -> None:
        for command in (ask, reindex, slow, twice, pick):
            self.tree.add_command(command)
        guild = discord.Object(int(self.sd.guild_id))
        self.tree.add_command(ping, guild=guild)
        await self.tree.sync()
        await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message)
        if message.guild is None or self.user in message.mentions:
            await message.reply(f"heard: {message.content}")


@pytest.fixture(scope="module")
async def sd() -> AsyncIterator[DiscordStandIn]:
    standin = DiscordStandIn(heartbeat_interval=HEARTBEAT)
    await standin.start()
    yield standin
    await standin.stop()
    standin.check()


@pytest.fixture(scope="module")
async def bot(sd: DiscordStandIn) -> AsyncIterator[TinyBot]:
    tiny = TinyBot(sd)
    task = asyncio.create_task(tiny.start(sd.token))
    await sd.wait_ready()
    await asyncio.wait_for(tiny.wait_until_ready(), 5)
    yield tiny
    await tiny.close()
    await asyncio.wait_for(task, 5)


async def test_login_ready_and_sync(sd: DiscordStandIn, bot: TinyBot) -> None:
    paths = [(c.method, c.path) for c in sd.calls]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert ("GET", "/gateway/bot") in paths  # AutoShardedBot asks where the gateway is
    assert bot.application_id == int(sd.application_id)
    assert (await bot.application_info()).owner.id == int(sd.owner_id)
    assert sd.identify is not None and sd.identify["shard"] == [0, 1]
    guild = bot.get_guild(int(sd.guild_id))
    assert guild is not None and guild.get_channel(int(sd.channel_id)) is not None
    assert guild.default_role.permissions.send_messages
    names = {c["name"]: c for c in sd.registered_commands}
    assert set(names) == {"ask", "reindex", "slow", "twice", "pick", "ping"}
    assert names["reindex"]["default_member_permissions"] == str(Permissions.MANAGE_GUILD)
    assert names["ping"]["guild_id"] == sd.guild_id
    assert all(c["application_id"] == sd.application_id and c["id"] and c["version"] for c in names.values())
    fetched = await bot.tree.fetch_commands()
    assert {c.name for c in fetched} == {"ask", "reindex", "slow", "twice", "pick"}


async def test_wrong_token_is_login_failure(sd: DiscordStandIn) -> None:
    client = discord.Client(intents=discord.Intents.default(), connector=sd.connector())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    assert any(c.path == "/users/@me" and c.status == 401 for c in sd.calls)


async def test_other_hosts_are_refused(sd: DiscordStandIn) -> None:
    async with aiohttp.ClientSession(connector=sd.connector()) as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.get("https://example.com/")
    assert sd.refused_hosts == ["example.com"]
    sd.refused_hosts.clear()


async def test_slash_defers_then_follows_up(sd: DiscordStandIn, bot: TinyBot) -> None:
    it = await sd.send_slash("ask", {"question": "when did relations begin?"}, user=sd.member_user)
    callback = await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert callback.status == 200 and callback.json["type"] == 5
    followup = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
    assert followup.query["wait"] == "1"
    assert it.acknowledged_at is not None and it.sent_at is not None
    assert 0 <= it.acknowledged_at - it.sent_at < 1
    assert it.original is not None and it.original["content"] == "answer to: when did relations begin?"
    assert it.original["id"] == followup.response["id"]  # the follow-up filled the thinking message
    assert it.original["flags"] == 0 and it.original["components"][0]["components"][0]["custom_id"] == "more"


async def test_button_updates_message(sd: DiscordStandIn, bot: TinyBot) -> None:
    it = await sd.send_slash("ask", {"question": "q"})
    await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
    assert it.original is not None
    click = await sd.click_button(it.original, "more", user=sd.admin_user)
    call = await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
    assert call.status == 200 and click.callback_type == 7
    assert sd.messages[it.original["id"]]["content"] == "more detail"
    assert sd.messages[it.original["id"]]["components"] == []
    with pytest.raises(LookupError):
        await sd.click_button(it.original, "more")


async def test_mention_gets_a_reply_and_content_needs_intent(sd: DiscordStandIn, bot: TinyBot) -> None:
    start = len(sd.calls)
    plain = await sd.send_message("no mention here")
    asked = await sd.send_message(f"<@{sd.bot_user_id}> hello")
    reply = await sd.wait_for("POST", rf"/channels/{sd.channel_id}/messages", since=start)
    assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
    assert reply.response["referenced_message"]["id"] == asked["id"]
    assert reply.response["content"] == f"heard: <@{sd.bot_user_id}> hello"
    seen = {str(m.id): m.content for m in bot.seen}
    assert seen[plain["id"]] == ""  # no message content intent, not mentioned
    mark = len(sd.calls)
    quiet = await sd.send_message("thanks", referenced_message=reply.response, ping_reply=False)
    pinged = await sd.send_message("and why?", referenced_message=reply.response)
    again = await sd.wait_for("POST", rf"/channels/{sd.channel_id}/messages", since=mark)
    assert str(again.json["message_reference"]["message_id"]) == pinged["id"]
    assert again.response["content"] == "heard: and why?"  # a pinging reply counts as a mention
    assert {str(m.id): m.content for m in bot.seen}[quiet["id"]] == ""


async def test_direct_messages(sd: DiscordStandIn, bot: TinyBot) -> None:
    start = len(sd.calls)
    dm = await sd.send_message("hello in private", guild=False)
    reply = await sd.wait_for("POST", rf"/channels/{dm['channel_id']}/messages", since=start)
    assert reply.response["content"] == "heard: hello in private"
    it = await sd.send_slash("ask", {"question": "dm?"}, guild=False)
    assert "user" in it.payload and "member" not in it.payload
    await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
    with pytest.raises(LookupError):
        await sd.send_slash("ping", guild=False)  # guild commands do not exist in DMs


async def test_late_ack_is_unknown_interaction(sd: DiscordStandIn, bot: TinyBot) -> None:
    it = await sd.send_slash("slow", {"delay": sd.ack_deadline + 0.2})
    error = await asyncio.wait_for(bot.errors.get(), 10)
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert it.acknowledged_at is None


async def test_double_ack_is_rejected(sd: DiscordStandIn, bot: TinyBot) -> None:
    it = await sd.send_slash("twice")
    error = await asyncio.wait_for(bot.errors.get(), 5)
    assert isinstance(error, discord.HTTPException) and (error.status, error.code) == (400, 40060)
    assert it.original is not None and it.original["content"] == "first"
    assert any(c.method == "GET" and c.path.endswith(f"/{it.token}/messages/@original") for c in sd.calls)


async def test_autocomplete_gets_choices_within_discords_limits(sd: DiscordStandIn, bot: TinyBot) -> None:
    it = await sd.type_in_option("pick", {"item": "3"}, focused="item")
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert it.callback_type == 8 and [c["value"] for c in it.callback_data["choices"]] == ["0", "1", "2"]
    it = await sd.type_in_option("pick", {"item": "26"}, focused="item")  # Discord takes 25 at most
    call = await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert call.status == 400 and call.response["code"] == 50035 and it.acknowledged_at is None
    with pytest.raises(ValueError, match="without autocomplete"):
        await sd.type_in_option("ask", {"question": "wh"}, focused="question")


async def test_permission_filtered_command(sd: DiscordStandIn, bot: TinyBot) -> None:
    hidden = await sd.send_slash("reindex", user=sd.member_user)
    assert not hidden.delivered and hidden.id not in sd.interactions
    assert not any(f.get("t") == "INTERACTION_CREATE" and f["d"]["id"] == hidden.id for _, _, f in sd.gateway_log)
    shown = await sd.send_slash("reindex", user=sd.member_user, permissions=Permissions.MANAGE_GUILD)
    await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{shown.token}/messages/@original")
    assert shown.original is not None and shown.original["content"] == "Reindexed."
    assert shown.original["edited_timestamp"] is not None
    sd.deliver_unpermitted = True
    try:
        forced = await sd.send_slash("reindex", user=sd.member_user)
        await sd.wait_for("POST", rf"/interactions/{forced.id}/{forced.token}/callback")
    finally:
        sd.deliver_unpermitted = False
    assert forced.original is not None and forced.original["content"] == "You need Manage Server."
    assert forced.original["flags"] & 64


@pytest.mark.parametrize("abrupt", [False, True])
async def test_drop_and_resume(sd: DiscordStandIn, bot: TinyBot, abrupt: bool) -> None:
    await sd.drop_gateway(abrupt=abrupt)
    it = await sd.send_slash("ask", {"question": "still there?"})  # buffered, replayed on RESUME
    await sd.wait_for_resume()
    assert sd.gateway_hosts[-1] == "gateway-us-east1-b.discord.gg"  # resume_gateway_url was used
    await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
    assert it.original is not None and it.original["content"] == "answer to: still there?"


async def test_rest_errors_surface(sd: DiscordStandIn, bot: TinyBot) -> None:
    channel = bot.get_channel(int(sd.channel_id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035 and "content" in too_long.value.text
    sd.fail_next("POST", rf"/channels/{sd.channel_id}/messages", 403, 50013)
    with pytest.raises(discord.Forbidden):
        await channel.send("hi")
    message = await channel.send("hi", file=discord.File(io.BytesIO(b"quote"), "quote.txt"))
    assert sd.calls[-1].files == ["quote.txt"] and sd.calls[-1].json["content"] == "hi"
    await message.edit(content="edited")
    assert sd.messages[str(message.id)]["content"] == "edited"
    await message.add_reaction("\N{WHITE HEAVY CHECK MARK}")
    async with channel.typing():
        pass
    await message.delete()
    assert str(message.id) not in sd.messages
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/guilds/{guild_id}/nothing", guild_id=sd.guild_id))
    assert sd.unknown_routes == [f"GET discord.com/api/v10/guilds/{sd.guild_id}/nothing"]
    sd.unknown_routes.clear()


async def test_everything_recorded_and_heartbeats_on_time(sd: DiscordStandIn, bot: TinyBot) -> None:
    assert all(c.status and c.time for c in sd.calls)
    puts = [c for c in sd.calls if c.method == "PUT" and c.path.endswith("/commands")]
    assert puts and all(isinstance(c.json, list) for c in puts)
    ops = {f.get("op") for direction, _, f in sd.gateway_log if direction == "recv"}
    assert {1, 2, 6} <= ops  # heartbeat, identify, resume
    gaps = sd.heartbeat_gaps()
    # The client keeps the cadence the gateway asked for, and never skips a beat. One beat
    # may come late on a loaded machine (discord.py beats from a thread of its own, which
    # waits for the event loop): a fixed 0.3 s of slack failed once on a clean clone at 0.38 s.
    assert len(gaps) >= 3 and abs(statistics.median(gaps) - HEARTBEAT) < 0.1
    assert max(gaps) < 3 * HEARTBEAT
    acks = sum(1 for d, _, f in sd.gateway_log if d == "send" and f.get("op") == 11)
    assert acks == len(sd.heartbeats)
    sd.check()


async def test_rest_contract_without_a_bot(standin: DiscordStandIn) -> None:
    base, app = "https://discord.com/api/v10", standin.application_id
    auth = {"Authorization": f"Bot {standin.token}"}
    command = {"name": "ask", "description": "Ask.", "default_member_permissions": "32"}
    async with aiohttp.ClientSession(connector=standin.connector()) as http:
        async with http.get(f"{base}/users/@me") as response:
            assert response.status == 401
        async with http.put(f"{base}/applications/{app}/commands", json=[{**command, "name": "Ask Me"}],
                            headers=auth) as response:
            assert response.status == 400 and (await response.json())["code"] == 50035
        synced = []
        for _ in range(2):
            async with http.put(f"{base}/applications/{app}/commands", json=[command], headers=auth) as response:
                assert response.headers["Content-Type"] == "application/json"
                synced.append((await response.json())[0])
    assert synced[0]["id"] == synced[1]["id"] and synced[0]["version"] == synced[1]["version"]
    assert standin.registered_commands == [synced[1]]
