"""/help: how to ask, with examples drawn from the indexed documents."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot


class Help(commands.Cog):
    """Explains the bot in one embed."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """How to ask me questions, with examples."""
        # The first call per index asks the model to check its examples, and a server's
        # index may be opened on first use: acknowledge first, then work off the loop.
        await interaction.response.defer(ephemeral=True)
        library, scopes = self.bot.library, self.bot.scopes_for(interaction.guild_id)
        titles, questions = await asyncio.to_thread(
            lambda: ([d.title for d in library.documents(scopes)], library.example_questions(scopes, 3)))
        await interaction.edit_original_response(
            embed=embeds.info_embed("How to ask Kizuna", embeds.help_text(titles, questions, library.multilingual)))


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Help(bot))
