"""End-to-end: one bot in two servers, each with documents of its own, added from Discord.

Server A is the stand-in's first guild (its Admin is ``sd.admin_user``, its owner the
application's owner); server B the second (``B.admin_user``). The real engine and
model answer; every reply is checked for pings after each test (running_bot).
"""
from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from index import Engine, Library
from index.library import SERVERS
from standin import DiscordStandIn, Guild, Permissions
from test_e2e_harness import QUOTE_1924, SEEDS, bot_embedder, running_bot  # noqa: F401 (fixture)

EPHEMERAL = 1 << 6
TEA = b"# Tea in Japan\n\nMatcha is whisked with a bamboo whisk until it foams. Gyokuro is grown in shade for three weeks.\n"
MATCHA = "Matcha is whisked with a bamboo whisk until it foams."
ASK_TEA = "How is matcha whisked?"
TODAY = date(2024, 5, 1)
DONE = ("Added", "Replaced", "Removed", "Not added", "Not found", "Rebuild failed", "Already rebuilding")


@pytest.fixture
def library(bot_embedder: Any, tmp_path: Path) -> Library:  # noqa: F811
    """The article as the shared corpus, and room for servers' own in seeds/servers/."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return Library.around(Engine.open(seeds, tmp_path / "index", bot_embedder, exclude=(SERVERS,)))


@pytest.fixture
async def two(library: Library) -> AsyncIterator[tuple[DiscordStandIn, Guild, Any]]:
    """The bot in servers A and B (commands synced globally, so DMs have them too)."""
    async with running_bot(library, guilds=2, guild_id=None) as (sd, bot):
        bot.get_cog("Documents").today = lambda: TODAY
        yield sd, sd.guilds[1], bot


def folder(library: Library, guild: Guild | str) -> Path:
    return library.servers_dir / (guild.id if isinstance(guild, Guild) else guild)


def files_in(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


async def add(sd: DiscordStandIn, name: str, data: bytes, *, user: dict[str, Any] | None = None,
              guild: Guild | bool = True, replace: bool | None = None, **attachment: Any) -> Any:
    """/documents add, by server A's admin unless told; the attachment served from the CDN."""
    options: dict[str, Any] = {"file": sd.attachment(name, data, **attachment)}
    if replace is not None:
        options["replace"] = replace
    return await sd.send_slash("documents", {"add": options}, user=user or sd.admin_user, guild=guild)


async def final(sd: DiscordStandIn, it: Any, timeout: float = 60) -> dict[str, Any]:
    """The deferred reply's last state: its title says the command is done."""
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original",
                             predicate=lambda c: c.json["embeds"][0]["title"].startswith(DONE), timeout=timeout)
    return call.json["embeds"][0]


async def acked(sd: DiscordStandIn, it: Any) -> Any:
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    return it


async def ask(sd: DiscordStandIn, question: str, guild: Guild | bool = True, **options: Any) -> tuple[Any, str]:
    it = await sd.send_slash("ask", {"question": question, **options}, user=sd.member_user, guild=guild)
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original", timeout=20)
    return it, json.dumps(call.json["embeds"], ensure_ascii=False).replace("**", "")


async def suggestions(sd: DiscordStandIn, guild: Guild | bool, typed: str = "") -> list[str]:
    it = await sd.type_in_option("ask", {"question": "q", "document": typed}, focused="document", guild=guild)
    await acked(sd, it)
    return [c["value"] for c in it.callback_data["choices"]]


async def sources(sd: DiscordStandIn, guild: Guild | bool) -> str:
    it = await sd.send_slash("sources", {}, guild=guild)
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    return json.dumps(call.json["embeds"][0], ensure_ascii=False)


async def test_a_document_added_in_a_is_answered_in_a_and_never_seen_in_b(two: Any, library: Library) -> None:
    sd, b, _ = two
    it = await add(sd, "tea.md", TEA)
    await acked(sd, it)
    assert it.callback_type == 5 and it.callback_data["flags"] & EPHEMERAL
    assert it.acknowledged_at - it.sent_at < 1.0
    done = await final(sd, it)
    assert done["title"] == "Added tea.md" and "*Tea in Japan* · 2024-05-01" in done["description"]
    assert any(c.json["embeds"][0]["title"] == "Adding tea.md" for c in sd.calls
               if c.method == "PATCH" and it.token in c.path)  # progress was shown
    assert files_in(folder(library, sd.guild_id)) == ["tea.md"] and not folder(library, b).exists()

    # In A, within that one rebuild: the quote, its title, the date it was added, its corpus.
    _, text = await ask(sd, ASK_TEA)
    assert MATCHA in text and "Tea in Japan" in text and "2024-05-01" in text and "this server's documents" in text
    _, text = await ask(sd, "When did diplomatic relations between Turkey and Japan begin?")
    assert QUOTE_1924 in text and "shared documents" in text  # the shared corpus still answers in A

    # In B, and in a DM: never, in the answer or its closest passages.
    for where in (b, False):
        it, text = await ask(sd, ASK_TEA, guild=where)
        assert "Matcha" not in text and "Tea in Japan" not in text and "this server's documents" not in text
        buttons = [c["custom_id"] for row in it.original.get("components", []) for c in row["components"]]
        for custom_id in buttons:  # Show context, Other passages
            click = await acked(sd, await sd.click_button(it.original, custom_id))
            assert "Matcha" not in json.dumps(click.callback_data)

    # /sources and /ask's document suggestions show only what each place can search.
    assert "tea.md" in await sources(sd, True)
    assert "tea.md" not in await sources(sd, b) and "tea.md" not in await sources(sd, False)
    assert "tea.md" in await suggestions(sd, True)
    assert "tea.md" not in await suggestions(sd, b) and await suggestions(sd, b, "tea") == []
    it = await sd.send_slash("ask", {"question": ASK_TEA, "document": "tea.md"}, guild=b)
    call = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
    refusal = call.json["embeds"][0]["description"]
    assert call.json["flags"] & EPHEMERAL and "don't have that document" in refusal
    assert refusal.count("tea.md") == 1  # named as asked, never listed as one B has

    # A mention in B, the same.
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> {ASK_TEA}", guild=b)
    reply = await sd.wait_for("POST", rf"/channels/{b.channel_id}/messages", since=n)
    assert str(reply.json["message_reference"]["message_id"]) == msg["id"] and "Matcha" not in json.dumps(reply.json)


async def test_who_may_change_which_servers_documents(two: Any, library: Library) -> None:
    sd, b, _ = two
    sd.deliver_unpermitted = True  # Discord hides these commands from most of them; the bot must refuse anyway
    manager = Permissions.EVERYONE | Permissions.MANAGE_GUILD
    refused = [
        await add(sd, "x.md", TEA, user=sd.admin_user, guild=b),  # A's admin, in B
        await add(sd, "x.md", TEA, user=b.admin_user, guild=True),  # B's admin, in A
        await add(sd, "x.md", TEA, user=sd.member_user),  # a member, in A
        await sd.send_slash("documents", {"remove": {"name": "x.md"}}, user=b.admin_user),
        await sd.send_slash("reindex", {}, user=sd.admin_user, guild=b),
        await sd.send_slash("reindex", {"corpus": "shared"}, user=b.admin_user, guild=b),
    ]
    for it in refused:
        await acked(sd, it)
        assert it.callback_type == 4 and it.callback_data["flags"] & EPHEMERAL, it.callback_data
        assert it.callback_data["embeds"][0]["title"] == "Not allowed"
    assert not library.servers_dir.exists()  # nothing was stored anywhere

    # Allowed: Manage Server in A (without Administrator), in A; the application's owner anywhere.
    it = await sd.send_slash("documents", {"add": {"file": sd.attachment("x.md", TEA)}}, user=sd.member_user,
                             permissions=manager)
    assert (await final(sd, it))["title"] == "Added x.md"
    it = await add(sd, "y.md", TEA, user=sd.owner_user, guild=b)  # a plain member of B, but the owner
    assert sd.permissions_of(sd.owner_user, b) == Permissions.EVERYONE
    assert (await final(sd, it))["title"] == "Added y.md"
    assert files_in(folder(library, sd.guild_id)) == ["x.md"] and files_in(folder(library, b)) == ["y.md"]

    # /reindex in a server rebuilds that server's own documents, for its admins.
    it = await sd.send_slash("reindex", {}, user=b.admin_user, guild=b)
    embed = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original",
                              predicate=lambda c: c.json["embeds"][0]["title"] == "Index rebuilt")
    assert "1 documents" in embed.json["embeds"][0]["description"]

    # In a DM there is no server: /documents is not offered, and a forced one is refused.
    sd.deliver_unpermitted = False
    assert not (await add(sd, "z.md", TEA, user=sd.owner_user, guild=False)).delivered
    sd.deliver_unpermitted = True
    it = await acked(sd, await add(sd, "z.md", TEA, user=sd.owner_user, guild=False))
    assert it.callback_data["embeds"][0]["title"] == "Only in a server"


BAD = [
    ("big.txt", b"word " * 3000, {}, "the limit is"),  # over KIZUNA_MAX_UPLOAD_MB (10 kB here)
    ("lying.txt", b"word " * 3000, {"size": 100}, "over the 0.01 MB limit"),  # Discord's size said 100
    ("report.pdf", b"%PDF-1.7\n", {"content_type": "application/pdf"}, "a .pdf file is not supported"),
    ("latin1.txt", "Café crème brûlée, à la carte.".encode("latin-1"), {}, "not UTF-8"),
    ("empty.txt", b"", {}, "the file is empty"),
    ("archive.txt", None, {}, "a ZIP archive"),
    ("image.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), {"content_type": "image/png"}, "a PNG image"),
    ("nul.txt", b"some text\x00\x00more", {}, "NUL bytes"),
    ("title.md", b"# Just a title\n", {}, "a title but no text"),
    ("noext", b"Matcha is whisked.", {}, "without an extension"),
]


def _zip() -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("tea.txt", TEA.decode())
    return buf.getvalue()


async def test_each_bad_attachment_gets_its_error_and_nothing_is_left(library: Library) -> None:
    async with running_bot(library, guilds=2, guild_id=None, max_upload_mb=0.01) as (sd, bot):
        bot.get_cog("Documents").today = lambda: TODAY
        before = library.shared.documents()
        for name, data, attachment, reason in BAD:
            it = await acked(sd, await add(sd, name, _zip() if data is None else data, **attachment))
            if it.callback_type == 4:  # refused from the attachment's metadata, at once
                embed = it.callback_data["embeds"][0]
            else:  # refused once downloaded and read
                embed = await final(sd, it)
            assert it.acknowledged_at - it.sent_at < 3.0
            assert embed["title"] == "Not added" and reason in embed["description"], (name, embed)
            assert files_in(folder(library, sd.guild_id)) == []  # nothing half-stored, no temporary file
        assert not any(c.method == "PATCH" and c.json["embeds"][0]["title"].startswith("Adding")
                       for c in sd.calls if c.json)  # no rebuild was started
        assert library.shared.documents() == before

        # A hostile name is kept inside the server's folder; an existing one is not overwritten.
        it = await add(sd, "../../../seeds/turkey.txt", b"Sake is brewed from polished rice.")
        assert (await final(sd, it))["title"] == "Added turkey.txt"
        assert files_in(folder(library, sd.guild_id)) == ["turkey.txt"]
        it = await add(sd, "Turkey.txt", b"Something else entirely, in words.")
        embed = await final(sd, it)
        assert embed["title"] == "Not added" and "replace: True" in embed["description"]
        assert (folder(library, sd.guild_id) / "turkey.txt").read_bytes().endswith(b"polished rice.")
        it = await add(sd, "Turkey.txt", b"Sake is served warm or cold.", replace=True)
        assert (await final(sd, it))["title"] == "Replaced Turkey.txt"
        assert files_in(folder(library, sd.guild_id)) == ["Turkey.txt"]
        assert (SEEDS.parent / "seeds").exists() and not (library.servers_dir.parent / "turkey.txt").exists()


async def test_a_servers_quota_is_kept(library: Library) -> None:
    async with running_bot(library, guilds=2, guild_id=None, server_max_documents=2) as (sd, _):
        for name in ("a.txt", "b.txt"):
            assert (await final(sd, await add(sd, name, b"Sake is brewed from rice.")))["title"] == f"Added {name}"
        embed = await final(sd, await add(sd, "c.txt", b"Sake is brewed from rice."))
        assert embed["title"] == "Not added" and "remove one first" in embed["description"]
        it = await sd.send_slash("documents", {"list": {}}, user=sd.admin_user)
        call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
        listing = call.json["embeds"][0]
        assert "2 of 2 documents" in listing["description"] and [f["name"] for f in listing["fields"]] == ["a.txt", "b.txt"]
        assert files_in(folder(library, sd.guild_id)) == ["a.txt", "b.txt"]


async def test_removing_a_document_stops_its_answers(two: Any, library: Library) -> None:
    sd, b, _ = two
    await final(sd, await add(sd, "tea.md", TEA))
    it = await sd.type_in_option("documents", {"name": "te"}, focused="name", subcommand="remove", user=sd.admin_user)
    assert [c["value"] for c in (await acked(sd, it)).callback_data["choices"]] == ["tea.md"]
    it = await sd.type_in_option("documents", {"name": ""}, focused="name", subcommand="remove",
                                 user=b.admin_user, guild=b)
    assert (await acked(sd, it)).callback_data["choices"] == []  # B is never offered A's names
    it = await sd.send_slash("documents", {"remove": {"name": "tea.md"}}, user=sd.admin_user)
    embed = await final(sd, it)
    assert embed["title"] == "Removed tea.md" and "0 documents of its own" in embed["description"]
    _, text = await ask(sd, ASK_TEA)
    assert "Matcha" not in text
    it = await sd.send_slash("documents", {"remove": {"name": "tea.md"}}, user=sd.admin_user)
    assert (await final(sd, it))["title"] == "Not found"


async def test_a_rebuild_in_a_does_not_hold_up_answers_in_b(two: Any, bot_embedder: Any) -> None:  # noqa: F811
    sd, b, _ = two
    bot_embedder.slow_seconds = 4.0  # embedding A's new document takes a while
    try:
        slow = TEA.replace(b"three weeks.", b"three weeks. KIZUNA-SLOW")
        it = await add(sd, "tea.md", slow)
        await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original",
                          predicate=lambda c: c.json["embeds"][0]["title"] == "Adding tea.md")
        started = time.monotonic()
        asked = [await sd.send_slash("ask", {"question": "When did diplomatic relations begin?"}, guild=b)
                 for _ in range(3)]
        for q in asked:
            await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{q.token}/messages/@original", timeout=20)
            assert q.callback_type == 5 and q.acknowledged_at - q.sent_at < 1.0  # well inside Discord's 3 s
            assert QUOTE_1924 in json.dumps(sd.messages[q.original["id"]]["embeds"]).replace("**", "")
        assert time.monotonic() - started < 4.0, "B waited for A's rebuild"
        assert (await final(sd, it))["title"] == "Added tea.md"
    finally:
        bot_embedder.slow_seconds = 0.0
