"""/sources: what the bot can answer from, and how fresh the index is."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot


class Sources(commands.Cog):
    """Lists the indexed documents, the model and when the index was built."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """List the documents I answer from, the model, and when the index was built."""
        await interaction.response.defer(ephemeral=True)
        engine = self.bot.engine
        # documents() may read shared state under the engine's lock: keep it off the loop.
        docs, model, built, count = await asyncio.to_thread(
            lambda: (engine.documents(), engine.model_name, engine.built_at, engine.sentence_count))
        await interaction.edit_original_response(
            embed=embeds.sources_embed(docs, model, _when(built), count))


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
