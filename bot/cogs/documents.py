"""/documents add, remove and list: a server's own documents, managed from Discord.

Each server may keep documents of its own besides the shared ones; only that server's
questions search them. Adding or removing one rebuilds the server's index in the
background, with progress, as /reindex does.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import TYPE_CHECKING, Callable

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.cogs.admin import refusal
from bot.cogs.ask import MAX_CHOICE, MAX_CHOICES
from bot.rebuild import edit_reply, rebuild_with_progress
from index import uploads
from index.errors import KizunaError, UnknownDocument, UploadRefused

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot

log = logging.getLogger(__name__)

# Where Discord serves attachments from; a URL anywhere else is not fetched.
CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")
DOWNLOAD_SECONDS = 30.0


async def download(connector: aiohttp.BaseConnector | None, attachment: discord.Attachment, limit: int) -> bytes:
    """The attachment's bytes from Discord's CDN, refusing more than ``limit`` as they arrive.

    The size Discord announces is checked before; this holds even if it were wrong.
    """
    url = yarl.URL(attachment.url, encoded=True)
    if url.scheme != "https" or url.host not in CDN_HOSTS:
        raise UploadRefused("that attachment is not on Discord's servers, so I won't fetch it")
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    data = bytearray()
    try:
        async with aiohttp.ClientSession(connector=connector, connector_owner=connector is None,
                                         timeout=timeout) as session:
            async with session.get(url, allow_redirects=False) as resp:
                if resp.status != 200:
                    raise UploadRefused(f"Discord did not hand me the file (HTTP {resp.status}); send it again")
                async for chunk in resp.content.iter_chunked(1 << 16):
                    data += chunk
                    if len(data) > limit:
                        raise UploadRefused(f"it is over the {limit / 1e6:g} MB limit")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Downloading attachment %s failed: %r", attachment.id, exc)
        raise UploadRefused("downloading it from Discord failed; send it again") from None
    return bytes(data)


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 10_000 else f"{n / 1e3:.1f} kB"


def _error(text: str) -> discord.Embed:
    return embeds.info_embed("Not added", text, colour=embeds.ERROR_COLOUR)


class Documents(commands.Cog):
    """A server's own documents: add, remove, list."""

    documents = app_commands.Group(
        name="documents", description="This server's own documents, which only its questions search",
        guild_only=True, allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False,
                                                                         private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: "KizunaBot", today: Callable[[], date] = date.today) -> None:
        self.bot = bot
        self.today = today

    async def _scope(self, interaction: discord.Interaction) -> str | None:
        """This server's scope if the user may change its documents; else None, having said why."""
        if interaction.guild_id is None:
            await interaction.response.send_message(embed=embeds.info_embed(
                "Only in a server", "Documents belong to a server: use this command in the server "
                "whose documents you mean.", colour=embeds.NOT_FOUND_COLOUR), ephemeral=True)
            return None
        scope = str(interaction.guild_id)
        # default_permissions is only advertised; Discord may still deliver, so check.
        if not await self.bot.may_manage(interaction, scope):
            await interaction.response.send_message(embed=refusal(scope), ephemeral=True)
            return None
        return scope

    @documents.command(name="add")
    @app_commands.describe(file="A .txt or .md file in UTF-8; a first line 'date YYYY-MM-DD Title' dates it",
                           replace="Overwrite a document of the same name (default: no)")
    async def add(self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False) -> None:
        """Add a document for this server's questions (Manage Server)."""
        scope = await self._scope(interaction)
        if scope is None:
            return
        limit = self.bot.settings.upload_limit_bytes
        try:  # what the attachment's metadata tells, before acknowledging
            uploads.safe_name(file.filename)
            if file.size > limit:
                raise UploadRefused(f"it is {_size(file.size)}; the limit is {_size(limit)}")
        except UploadRefused as exc:
            await interaction.response.send_message(embed=_error(f"That file can't be added: {exc}."), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            raw = await download(self.bot.http.connector, file, limit)
            upload = await asyncio.to_thread(uploads.prepare, file.filename, raw, max_bytes=limit, today=self.today())
            s = self.bot.settings
            replaced = await asyncio.to_thread(
                self.bot.library.add_document, scope, upload, replace=replace,
                max_documents=s.server_max_documents, max_total_bytes=int(s.server_max_mb * 1_000_000))
        except UploadRefused as exc:
            await edit_reply(interaction, _error(f"That file can't be added: {exc}. Nothing was stored."))
            return
        log.info("Server %s: %s %s (%d bytes) by %s", scope, "replaced" if replaced else "added",
                 upload.name, len(upload.data), interaction.user.id)
        await self._index_added(interaction, scope, upload, replaced)

    async def _index_added(self, interaction: discord.Interaction, scope: str, upload: uploads.Upload,
                           replaced: str | None) -> None:
        report = await rebuild_with_progress(self.bot, interaction, scope,
                                             f"Adding {embeds.escape_document_text(upload.name)}")
        docs = await asyncio.to_thread(self.bot.library.documents, [scope])
        if report is None or not any(d.path == upload.name for d in docs):
            if report is not None or not replaced:  # a new file the index could not take: take it back
                await asyncio.to_thread(self._take_back, scope, upload.name)
            if report is not None:
                await edit_reply(interaction, _error("The document was stored but the index could not read "
                                                     "it, so it was removed again."))
            return
        verb = "Replaced" if replaced else "Added"
        await edit_reply(interaction, embeds.info_embed(f"{verb} {embeds.escape_document_text(upload.name)}", (
            f"*{embeds.escape_document_text(upload.title)}* · {upload.date}\n"
            f"This server now has {len(docs)} document{'s' if len(docs) != 1 else ''} of its own "
            f"({report.sentences} sentences). Questions asked here search it from now on; "
            "other servers never see it."), colour=embeds.ANSWER_COLOUR))

    def _take_back(self, scope: str, name: str) -> None:
        try:
            self.bot.library.remove_document(scope, name)
        except KizunaError:
            pass

    @documents.command(name="remove")
    @app_commands.describe(name="The document to remove (start typing its name)")
    async def remove(self, interaction: discord.Interaction,
                     name: app_commands.Range[str, 1, 200]) -> None:
        """Remove one of this server's documents (Manage Server)."""
        scope = await self._scope(interaction)
        if scope is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            removed = await asyncio.to_thread(self.bot.library.remove_document, scope, name.strip())
        except UnknownDocument as exc:
            await edit_reply(interaction, embeds.info_embed(
                "Not found", embeds.escape_user_text(str(exc)), colour=embeds.NOT_FOUND_COLOUR))
            return
        log.info("Server %s: removed %s by %s", scope, removed, interaction.user.id)
        shown = embeds.escape_document_text(removed)
        report = await rebuild_with_progress(self.bot, interaction, scope, f"Removing {shown}")
        if report is not None:
            await edit_reply(interaction, embeds.info_embed(
                f"Removed {shown}", f"It is no longer searched. This server has {report.documents} "
                f"document{'s' if report.documents != 1 else ''} of its own left.", colour=embeds.ANSWER_COLOUR))

    @remove.autocomplete("name")
    async def remove_name(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        stored = await asyncio.to_thread(self.bot.library.stored_documents, str(interaction.guild_id))
        typed = current.casefold().strip()
        names = [n for n, _ in stored if typed in n.casefold() and len(n) <= MAX_CHOICE]
        return [app_commands.Choice(name=n, value=n) for n in names[:MAX_CHOICES]]

    @documents.command(name="list")
    async def list_documents(self, interaction: discord.Interaction) -> None:
        """This server's own documents, with the room left for more."""
        if interaction.guild_id is None:
            await interaction.response.send_message(embed=embeds.info_embed(
                "Only in a server", "Documents belong to a server: use this command in one."), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True)
        scope, library = str(interaction.guild_id), self.bot.library
        stored, indexed = await asyncio.to_thread(lambda: (library.stored_documents(scope), library.documents([scope])))
        await edit_reply(interaction, self._listing(stored, {d.path: d for d in indexed}))

    def _listing(self, stored: list[tuple[str, int]], indexed: dict) -> discord.Embed:
        s = self.bot.settings
        total = sum(size for _, size in stored)
        embed = discord.Embed(title=f"This server's documents ({len(stored)})", colour=embeds.INFO_COLOUR,
                              description=f"{len(stored)} of {s.server_max_documents} documents · "
                              f"{_size(total)} of {s.server_max_mb:g} MB · one file up to "
                              f"{s.upload_limit_bytes / 1e6:g} MB\nAdd with /documents add, remove with "
                              "/documents remove. Only this server's questions search them.")
        for name, size in stored[: embeds.FIELD_COUNT_LIMIT]:
            doc = indexed.get(name)
            about = (f"*{embeds.escape_document_text(doc.title)}* · {doc.date or 'no date'} · {doc.sentences} sentences"
                     if doc else "not indexed yet")
            embed.add_field(name=embeds.truncate(name, embeds.FIELD_NAME_LIMIT),
                            value=embeds.truncate(f"{about} · {_size(size)}", embeds.FIELD_VALUE_LIMIT), inline=False)
        return embeds.fit_embed(embed)


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Documents(bot))
