"""/reindex: rebuild the index from the seeds folder, for admins, with live progress."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from index.answer import BuildReport
from index.errors import IndexBuildError, RebuildInProgress

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot

log = logging.getLogger(__name__)

PROGRESS_EVERY = 1.5  # seconds between progress edits: Discord rate-limits edits


class Progress:
    """The latest (stage, done, total) from the building thread, handed to the loop safely."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.state: tuple[str, int, int] | None = None
        self.changed = asyncio.Event()

    def __call__(self, stage: str, done: int, total: int) -> None:
        # Called from the engine's thread: never touch loop objects directly from there.
        self.loop.call_soon_threadsafe(self._set, (stage, done, total))

    def _set(self, state: tuple[str, int, int]) -> None:
        self.state = state
        self.changed.set()


def progress_text(state: tuple[str, int, int] | None, started: float) -> str:
    elapsed = time.monotonic() - started
    if state is None:
        return f"Starting… ({elapsed:.0f} s)"
    stage, done, total = state
    pct = f" {100 * done // total}%" if total else ""
    return f"{embeds.escape_document_text(stage)}: {done}/{total}{pct} ({elapsed:.0f} s)"


def report_text(report: BuildReport) -> str:
    """What changed, in a few lines; long path lists are cut visibly."""
    def paths(items: tuple[str, ...]) -> str:
        shown = ", ".join(f"`{p}`" for p in items[:10])
        more = f" and {len(items) - 10} more" if len(items) > 10 else ""
        return embeds.truncate(shown + more, 900) if items else "none"

    lines = [
        f"**Added** ({len(report.added)}): {paths(report.added)}",
        f"**Changed** ({len(report.changed)}): {paths(report.changed)}",
        f"**Removed** ({len(report.removed)}): {paths(report.removed)}",
        f"{report.documents} documents · {report.sentences} sentences · "
        f"{report.seconds:.1f} s",
    ]
    if not report.rebuilt:
        lines.insert(0, "Nothing had changed; the index was already up to date.")
    if report.warnings:
        lines.append("**Warnings:** " + embeds.truncate("; ".join(report.warnings), 800))
    return embeds.truncate("\n".join(lines), embeds.DESCRIPTION_LIMIT)


class Admin(commands.Cog):
    """Index maintenance, for people who run the server or the bot."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot
        self._running = False  # our own guard; the engine also refuses a second rebuild

    @app_commands.command(name="reindex")
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index from the documents folder (admins only)."""
        # default_permissions is only advertised; Discord may still deliver, so check.
        if not await self.bot.is_admin(interaction):
            await interaction.response.send_message(embed=embeds.info_embed(
                "Not allowed", "Only members with Manage Server, the bot's owner or "
                "configured admins can rebuild the index.", colour=embeds.ERROR_COLOUR),
                ephemeral=True)
            return
        if self._running or getattr(self.bot.engine, "rebuilding", False):
            await interaction.response.send_message(embed=_busy(), ephemeral=True)
            return
        self._running = True
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._rebuild(interaction)
        finally:
            self._running = False

    async def _rebuild(self, interaction: discord.Interaction) -> None:
        started = time.monotonic()
        progress = Progress(asyncio.get_running_loop())
        log.info("Rebuild requested by %s (%s)", interaction.user, interaction.user.id)
        build = asyncio.create_task(asyncio.to_thread(self.bot.engine.rebuild, progress=progress))
        ticker = asyncio.create_task(self._show_progress(interaction, progress, started))
        try:
            report: BuildReport = await build
        except RebuildInProgress:
            await _edit(interaction, _busy())
            return
        except IndexBuildError as exc:
            log.error("Rebuild failed; the old index keeps serving", exc_info=exc)
            await _edit(interaction, embeds.info_embed(
                "Rebuild failed", embeds.truncate(f"{exc}", 1500) +
                "\n\nThe previous index is still answering questions.",
                colour=embeds.ERROR_COLOUR))
            return
        finally:
            ticker.cancel()
            # Wait for it, so a late progress edit cannot overwrite the final message.
            await asyncio.gather(ticker, return_exceptions=True)
        log.info("Rebuild done: %d documents, %d sentences, %.1f s",
                 report.documents, report.sentences, report.seconds)
        await _edit(interaction, embeds.info_embed("Index rebuilt", report_text(report),
                                                   colour=embeds.ANSWER_COLOUR))

    async def _show_progress(self, interaction: discord.Interaction, progress: Progress,
                             started: float) -> None:
        """Edit the reply with the latest progress, at most every PROGRESS_EVERY seconds."""
        await _edit(interaction, embeds.info_embed("Rebuilding the index", progress_text(None, started)))
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            await progress.changed.wait()
            progress.changed.clear()
            await _edit(interaction, embeds.info_embed(
                "Rebuilding the index", progress_text(progress.state, started)))


def _busy() -> discord.Embed:
    return embeds.info_embed("Already rebuilding", "A rebuild is already running; its "
                             "result will be posted where it was asked.",
                             colour=embeds.NOT_FOUND_COLOUR)


async def _edit(interaction: discord.Interaction, embed: discord.Embed, **kwargs: Any) -> None:
    try:
        await interaction.edit_original_response(embed=embed, **kwargs)
    except discord.HTTPException as exc:  # the 15-minute token may have expired
        log.warning("Could not update the /reindex reply: %s", exc)


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Admin(bot))
