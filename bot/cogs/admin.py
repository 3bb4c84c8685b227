"""/reindex: rebuild a corpus from its folder, for those allowed to, with live progress."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.rebuild import busy_embed, edit_reply, rebuild_with_progress, report_text
from index.library import SHARED

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot

log = logging.getLogger(__name__)

SHARED_ONLY = ("Only the bot's owner and the admins its host names can rebuild the shared "
               "documents, which every server sees.")
SERVER_ONLY = ("Only members with Manage Server in this server (and the bot's owner) can "
               "rebuild its documents.")


def refusal(scope: str) -> discord.Embed:
    """Why someone may not change a corpus, said plainly."""
    return embeds.info_embed("Not allowed", SHARED_ONLY if scope == SHARED else SERVER_ONLY,
                             colour=embeds.ERROR_COLOUR)


class Admin(commands.Cog):
    """Index maintenance, for people who run a server or the bot."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot

    @app_commands.command(name="reindex")
    @app_commands.describe(corpus="This server's own documents (the default in a server) or the shared ones")
    @app_commands.choices(corpus=[app_commands.Choice(name="this server's documents", value="server"),
                                  app_commands.Choice(name="shared documents (bot owner)", value="shared")])
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(self, interaction: discord.Interaction,
                      corpus: app_commands.Choice[str] | None = None) -> None:
        """Rebuild the index of this server's documents, or of the shared ones (admins only)."""
        wanted = corpus.value if corpus else ("server" if interaction.guild_id else "shared")
        if wanted == "server" and interaction.guild_id is None:
            await _say(interaction, "Not in a server", "In a direct message only the shared "
                       "documents can be rebuilt: choose corpus: shared documents.")
            return
        scope = SHARED if wanted == "shared" else str(interaction.guild_id)
        # default_permissions is only advertised; Discord may still deliver, so check.
        if not await self.bot.may_manage(interaction, scope):
            await interaction.response.send_message(embed=refusal(scope), ephemeral=True)
            return
        if self.bot.rebuild_lock(scope).locked() or self.bot.library.rebuilding(scope):
            await interaction.response.send_message(embed=busy_embed(), ephemeral=True)
            return
        if self.bot.library.engine(scope) is None:
            await _say(interaction, "Nothing to rebuild", "This server has no documents of its own "
                       "yet: add one with /documents add. The shared documents are rebuilt with "
                       "corpus: shared documents, by the bot's owner.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await rebuild_with_progress(self.bot, interaction, scope)
        if report is not None:
            log.info("Rebuild of %s done: %d documents, %d sentences, %.1f s",
                     scope, report.documents, report.sentences, report.seconds)
            await edit_reply(interaction, embeds.info_embed("Index rebuilt", report_text(report),
                                                            colour=embeds.ANSWER_COLOUR))


async def _say(interaction: discord.Interaction, title: str, text: str) -> None:
    await interaction.response.send_message(embed=embeds.info_embed(
        title, text, colour=embeds.NOT_FOUND_COLOUR), ephemeral=True)


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Admin(bot))
