"""/sources: what the bot can answer from, and how fresh the index is."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from index.library import SHARED

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot


class Sources(commands.Cog):
    """Lists the indexed documents, the model and when the index was built."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """List the documents I answer from here, the model, and when the index was built."""
        await interaction.response.defer(ephemeral=True)
        library = self.bot.library
        scopes = self.bot.scopes_for(interaction.guild_id)
        # A server's index may be opened on first use: keep it off the loop.
        docs, corpora = await asyncio.to_thread(lambda: (library.documents(scopes), library.describe(scopes)))
        count = sum(n for _, n, _ in corpora)
        built = max((b for _, _, b in corpora if b), default="")
        own = sum(1 for d in docs if d.scope != SHARED)
        note = ""
        if interaction.guild_id:
            note = (f"This server has {own} document{'s' if own != 1 else ''} of its own, besides the shared ones."
                    if own else "This server has no documents of its own; its admins can add some with /documents add.")
        await interaction.edit_original_response(
            embed=embeds.sources_embed(docs, library.model_name, _when(built), count, note))


def _when(iso: str | None) -> str:
    """An ISO time as a Discord timestamp, which each reader sees in their own zone."""
    if not iso:
        return "never"
    try:
        from datetime import datetime
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return f"{discord.utils.format_dt(moment, 'f')} ({discord.utils.format_dt(moment, 'R')})"


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Sources(bot))
