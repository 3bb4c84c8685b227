"""The Discord side of Kizuna: the bot class, its factory and its last-resort error handler.

The engine (model + index) is built before the bot exists and handed in, so nothing in
the cogs reaches for a global and tests can hand in a fake. Cogs live in ``bot/cogs``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import ERROR_COLOUR, escape_user_text, info_embed, truncate
from bot.settings import Settings
from index.answer import Answer
from index.errors import (InvalidQuestion, KizunaError, RebuildInProgress, UnknownDocument,
                          IndexBuildError, UploadRefused)
from index.library import SHARED, Library, NoSuchScope

log = logging.getLogger(__name__)

COGS = ("bot.cogs.ask", "bot.cogs.sources", "bot.cogs.admin", "bot.cogs.documents", "bot.cogs.help")
BUSY = "I'm answering a lot of questions right now. Please try again in a few seconds."


class Cooldown:
    """A sliding window per user: at most ``rate`` questions in any ``per`` seconds.

    Shared by /ask and mentions so a user cannot dodge it by switching between them.
    """

    def __init__(self, rate: int, per: float, clock: Any = time.monotonic) -> None:
        self.rate, self.per, self._clock = rate, per, clock
        self._hits: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float:
        """Record one question and return 0, or return seconds to wait (nothing recorded)."""
        if self.per <= 0:
            return 0.0
        now = self._clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        if len(self._hits) > 10_000:  # forget quiet users so memory stays bounded
            self._hits = {u: h for u, h in self._hits.items() if h and now - h[-1] < self.per}
        return 0.0


class Busy(Exception):
    """Too many questions are waiting: new ones are turned away until the asker catches up."""


class Asker:
    """Answers questions off the event loop, batching concurrent ones into one ask_many.

    A burst of questions (a busy server) costs one model call per engine per batch
    instead of one per question; a lone question waits at most ``max_wait`` seconds for
    company. At most ``max_pending`` questions wait at once: past that ``ask`` raises
    Busy at once, so the asker can say so within Discord's 3 seconds.
    """

    def __init__(self, library: Any, k: int, max_batch: int = 32, max_wait: float = 0.003,
                 max_pending: int = 200) -> None:
        self.library = Library.of(library)
        self.k, self.max_batch, self.max_wait, self.max_pending = k, max_batch, max_wait, max_pending
        self._pending: list[tuple[str, str | None, tuple[str, ...], asyncio.Future[Answer]]] = []
        self._unanswered = 0  # waiting in _pending or being answered in the worker's thread
        self._worker: asyncio.Task[None] | None = None

    @property
    def full(self) -> bool:
        """Whether a question asked now would be turned away."""
        return self._unanswered >= self.max_pending

    async def ask(self, question: str, document: str | None = None,
                  scopes: tuple[str, ...] = (SHARED,)) -> Answer:
        """The answer from ``scopes``, searching only ``document`` (a path in one of them) when given."""
        if self.full:
            raise Busy(f"{self._unanswered} questions are waiting")
        fut: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.append((question, document, tuple(scopes), fut))
        self._unanswered += 1
        try:
            if self._worker is None or self._worker.done():
                self._worker = asyncio.create_task(self._drain(), name="kizuna-asker")
            return await fut
        finally:
            self._unanswered -= 1

    async def _drain(self) -> None:
        await asyncio.sleep(self.max_wait)
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            try:
                results = await asyncio.to_thread(self._answer_all, [(q, d, s) for q, d, s, _ in batch])
            except BaseException as exc:  # keep the worker alive; the callers get the error
                results = [exc] * len(batch)
            for (*_, fut), result in zip(batch, results):
                if fut.done():
                    continue
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)

    def _answer_all(self, items: list[tuple[str, str | None, tuple[str, ...]]]) -> list[Answer | BaseException]:
        """Runs in a thread. One bad question (or document) must not fail the rest of its batch."""
        if len(items) > 1:
            try:
                return list(self.library.ask_many(items, k=self.k))
            except KizunaError:
                pass  # fall through and find which one it was
        out: list[Answer | BaseException] = []
        for question, document, scopes in items:
            try:
                out.append(self.library.ask(question, scopes, k=self.k, document=document))
            except Exception as exc:
                out.append(exc)
        return out


class KizunaBot(commands.AutoShardedBot):
    """The bot: holds the settings, the library of corpora, the shared cooldown and the asker.

    One process runs every shard Discord advises, unless the settings give a shard count
    (and this process's shards): then several processes share the servers between them,
    and the index folder, each following the builds the others put in service.
    """

    def __init__(self, settings: Settings, library: Any, **kwargs: Any) -> None:
        if settings.shard_count is not None:
            kwargs.setdefault("shard_count", settings.shard_count)
            if settings.shard_ids is not None:
                kwargs.setdefault("shard_ids", list(settings.shard_ids))
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        # Privileged: must be switched on in the Developer Portal (Bot -> Message Content
        # Intent). Needed to read replies to the bot's answers that do not ping it.
        intents.message_content = True
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: no text commands
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **kwargs,
        )
        self.settings = settings
        self.library = Library.of(library)
        self.cooldown = Cooldown(settings.cooldown_rate, settings.cooldown_seconds)
        self.asker = Asker(self.library, k=settings.alternatives, max_pending=settings.max_queued)
        # One rebuild per corpus at a time, and one at a time overall: on a small machine
        # two embedding runs at once would slow every server's answers.
        self._rebuild_locks: dict[str, asyncio.Lock] = {}
        self.rebuild_slot = asyncio.Semaphore(1)
        self.failed_cogs: dict[str, BaseException] = {}
        self.synced: list[app_commands.AppCommand] = []
        self.tree.on_error = self.on_app_command_error
        self._follower: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        for name in COGS:
            try:
                await self.load_extension(name)
            except Exception as exc:  # one broken feature must not take the others down
                self.failed_cogs[name] = exc
                log.error("Cog %s failed to load; starting without it", name, exc_info=exc)
        self._follower = asyncio.create_task(self._follow_index(), name="kizuna-follow-index")
        await self.sync_commands()

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            await asyncio.gather(self._follower, return_exceptions=True)
        await super().close()

    async def _follow_index(self) -> None:
        """Every few seconds, serve the builds other processes put in service (``Library.refresh``).

        Questions look for themselves; this also moves a quiet process on, so the old
        build it served can be cleared up. Loading runs in a thread; questions meanwhile
        are answered from the old build.
        """
        while True:
            await asyncio.sleep(self.settings.follow_seconds)
            try:
                changed = await asyncio.to_thread(self.library.refresh)
            except Exception:  # keep following; the next look may do better
                log.exception("Following the index folder failed")
                continue
            if changed:
                log.info("Now answering from the builds another process made for: %s", ", ".join(changed))

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs slash commands: the one running shard 0 (or every shard)."""
        return self.shard_ids is None or 0 in self.shard_ids

    async def sync_commands(self) -> None:
        """Sync instantly to the test server when one is set, else globally (slow to appear).

        With several processes, only the one running shard 0 syncs: the commands are the
        application's, the same for every shard, and Discord limits how often they change.
        """
        if not self.syncs_commands:
            log.info("Slash commands are synced by the process running shard 0; this one runs shards %s",
                     ", ".join(map(str, self.shard_ids or ())))
            return
        try:
            if self.settings.guild_id:
                guild = discord.Object(id=self.settings.guild_id)
                self.tree.copy_global_to(guild=guild)
                self.synced = await self.tree.sync(guild=guild)
            else:
                self.synced = await self.tree.sync()
            log.info("Synced %d commands (%s)", len(self.synced),
                     f"server {self.settings.guild_id}" if self.settings.guild_id else "global")
        except discord.HTTPException as exc:
            # The bot still answers mentions; commands already registered keep working.
            log.error("Could not sync slash commands: %s", exc)

    async def on_message(self, message: discord.Message) -> None:
        # No text commands: the ask cog's listener handles mentions. Overriding this
        # keeps "@Kizuna when…" from being parsed as a prefix command.
        return

    async def on_ready(self) -> None:
        log.info("Logged in as %s (%s), %d servers", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))

    @property
    def engine(self) -> Any:
        """The shared corpus's engine."""
        return self.library.shared

    @staticmethod
    def scopes_for(guild_id: int | None) -> tuple[str, ...]:
        """What a question may search: in a server its own documents and the shared ones; in a DM the shared."""
        return (str(guild_id), SHARED) if guild_id else (SHARED,)

    def rebuild_lock(self, scope: str) -> asyncio.Lock:
        return self._rebuild_locks.setdefault(scope, asyncio.Lock())

    async def may_manage(self, interaction: discord.Interaction, scope: str) -> bool:
        """Whether the user may change (rebuild, add to, remove from) the corpus ``scope``.

        The shared corpus: the application's owner and KIZUNA_ADMIN_IDS only. A server's
        own: also members with Manage Server in that server, asking from it. Checked
        here, since default_member_permissions is only advertised to Discord.
        """
        user = interaction.user
        if user.id in self.settings.admin_ids:
            return True
        here = interaction.guild_id is not None and scope == str(interaction.guild_id)
        if scope != SHARED and here and interaction.permissions.manage_guild:
            return True
        try:
            return await self.is_owner(user)
        except discord.HTTPException:
            return False

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        await self.report_error(interaction, error)

    async def report_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """The one place errors become messages: expected ones briefly, others logged."""
        original = getattr(error, "original", error)
        text = expected_error_text(original)
        if text is None:
            name = interaction.command.qualified_name if interaction.command else "component"
            log.error("Unhandled error in %s", name, exc_info=original)
            text = "Something went wrong on my side. It has been logged; please try again."
        await send_ephemeral(interaction, info_embed("Sorry", text, colour=ERROR_COLOUR))


def expected_error_text(error: BaseException) -> str | None:
    """A short, friendly text for failures that are the user's or the moment's, else None."""
    if isinstance(error, InvalidQuestion):
        return f"That question can't be used: {escape_user_text(str(error))}"
    if isinstance(error, UnknownDocument):
        return f"I don't have that document: {escape_user_text(str(error))}"
    if isinstance(error, RebuildInProgress):
        return "The index is being rebuilt right now; try again when it has finished."
    if isinstance(error, IndexBuildError):
        return truncate(f"Rebuilding the index failed: {error}", 1000)
    if isinstance(error, (UploadRefused, NoSuchScope)):  # their texts hold no raw user input
        return truncate(str(error), 1000)
    if isinstance(error, Busy):
        return BUSY
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):  # a hand-made payload: not one of the choices
        return "One of the options has a value I can't use; pick one of those Discord offers."
    if isinstance(error, (app_commands.MissingPermissions, app_commands.CheckFailure)):
        return "You don't have permission to use this command."
    return None


async def send_ephemeral(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """Reply privately whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
                # A public "thinking…" placeholder would turn the first follow-up public:
                # remove it so the explanation stays private.
                try:
                    await interaction.delete_original_response()
                except discord.NotFound:
                    pass
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException as exc:  # expired token, deleted channel: nothing to tell
        log.warning("Could not deliver an error message: %s", exc)


def create_bot(settings: Settings, library: Any, *,
               connector: aiohttp.BaseConnector | None = None, **kwargs: Any) -> KizunaBot:
    """Build the bot around an already-loaded Library, or one engine serving as the
    shared corpus alone (``connector`` is for tests)."""
    if connector is not None:
        kwargs["connector"] = connector
    return KizunaBot(settings, library, **kwargs)


__all__ = ["KizunaBot", "create_bot", "Cooldown", "Asker", "Busy", "expected_error_text", "send_ephemeral"]
