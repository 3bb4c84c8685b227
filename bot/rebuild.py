"""Rebuilding one corpus from Discord: in a thread, one at a time, with live progress.

/reindex and /documents both end in a rebuild; this is the one way it is done.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import discord

from bot import embeds
from index.answer import BuildReport
from index.errors import IndexBuildError, RebuildInProgress
from index.library import NoSuchScope

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot

log = logging.getLogger(__name__)

PROGRESS_EVERY = 1.5  # seconds between progress edits: Discord rate-limits edits


class Progress:
    """The latest (stage, done, total) from the building thread, handed to the loop safely.

    Also when the stage began and how far it was then (``since``), so that its rate and
    the time left are measured on this stage's own work, not on the whole rebuild's.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.state: tuple[str, int, int] | None = None
        self.since: tuple[float, int] | None = None  # (time.monotonic(), done) when the stage began
        self.changed = asyncio.Event()

    def __call__(self, stage: str, done: int, total: int) -> None:
        # Called from the engine's thread: never touch loop objects directly from there.
        self.loop.call_soon_threadsafe(self._set, (stage, done, total), time.monotonic())

    def _set(self, state: tuple[str, int, int], at: float) -> None:
        if self.state is None or self.state[0] != state[0] or self.since is None:
            self.since = (at, state[1])
        self.state = state
        self.changed.set()


# A rate is shown once a stage has run this long and done some work: before that it says nothing.
_RATE_AFTER = 3.0


def progress_text(state: tuple[str, int, int] | None, started: float, since: tuple[float, int] | None = None) -> str:
    """One line: the stage, how far, and (once measurable) its rate and the time left."""
    now = time.monotonic()
    elapsed = now - started
    if state is None:
        return f"Starting… ({elapsed:.0f} s)"
    stage, done, total = state
    if not total and not done:  # a stage without counts, such as waiting for a turn
        return f"{embeds.escape_document_text(stage)}… ({elapsed:.0f} s)"
    pct = f" {100 * done // total}%" if total else ""
    pace = ""
    if since is not None and total and now - since[0] >= _RATE_AFTER and done > since[1]:
        rate = (done - since[1]) / (now - since[0])
        pace = f" · {rate:.0f}/s" if rate >= 10 else f" · {rate:.1f}/s"
        pace += f" · about {_duration((total - done) / rate)} left"
    return f"{embeds.escape_document_text(stage)}: {done}/{total}{pct}{pace} ({elapsed:.0f} s)"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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


def busy_embed() -> discord.Embed:
    return embeds.info_embed("Already rebuilding", "A rebuild is already running; its "
                             "result will be posted where it was asked.",
                             colour=embeds.NOT_FOUND_COLOUR)


async def edit_reply(interaction: discord.Interaction, embed: discord.Embed, **kwargs: Any) -> None:
    """Edit the (deferred) reply; a lost reply is logged, not raised."""
    try:
        await interaction.edit_original_response(embed=embed, **kwargs)
    except discord.HTTPException as exc:  # the 15-minute token may have expired
        log.warning("Could not update the reply to /%s: %s",
                    interaction.command.qualified_name if interaction.command else "?", exc)


async def rebuild_with_progress(bot: "KizunaBot", interaction: discord.Interaction, scope: str,
                                heading: str = "Rebuilding the index") -> BuildReport | None:
    """Rebuild ``scope`` in a thread, showing progress in the deferred reply.

    Waits its turn behind a rebuild of the same corpus, and behind any other corpus's
    (one at a time: embedding takes the CPU). Returns the report, or None when the
    rebuild did not happen, the reply then saying why.
    """
    started = time.monotonic()
    progress = Progress(asyncio.get_running_loop())
    ticker = asyncio.create_task(_show_progress(interaction, progress, started, heading))
    try:
        lock = bot.rebuild_lock(scope)
        if lock.locked() or bot.rebuild_slot.locked():
            progress("Waiting for another rebuild to finish", 0, 0)
        async with lock, bot.rebuild_slot:
            log.info("Rebuilding %s for %s (%s)", scope, interaction.user, interaction.user.id)
            return await asyncio.to_thread(bot.library.rebuild, scope, progress)
    except RebuildInProgress:
        await _finish(ticker, interaction, busy_embed())
    except NoSuchScope as exc:
        await _finish(ticker, interaction, embeds.info_embed("Nothing to rebuild", str(exc),
                                                             colour=embeds.NOT_FOUND_COLOUR))
    except IndexBuildError as exc:
        log.error("Rebuild of %s failed; the old index keeps serving", scope, exc_info=exc)
        await _finish(ticker, interaction, embeds.info_embed(
            "Rebuild failed", embeds.truncate(f"{exc}", 1500) +
            "\n\nThe previous index is still answering questions.", colour=embeds.ERROR_COLOUR))
    finally:
        await _stop(ticker)
    return None


async def _stop(ticker: asyncio.Task[None]) -> None:
    ticker.cancel()
    # Wait for it, so a late progress edit cannot overwrite the final message.
    await asyncio.gather(ticker, return_exceptions=True)


async def _finish(ticker: asyncio.Task[None], interaction: discord.Interaction, embed: discord.Embed) -> None:
    await _stop(ticker)
    await edit_reply(interaction, embed)


async def _show_progress(interaction: discord.Interaction, progress: Progress, started: float,
                         heading: str) -> None:
    """Edit the reply with the latest progress, at most every PROGRESS_EVERY seconds."""
    await edit_reply(interaction, embeds.info_embed(heading, progress_text(progress.state, started, progress.since)))
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        await progress.changed.wait()
        progress.changed.clear()
        await edit_reply(interaction, embeds.info_embed(heading, progress_text(progress.state, started, progress.since)))
