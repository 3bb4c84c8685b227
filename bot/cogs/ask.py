"""/ask, questions by mention, reply or DM, and the buttons under every answer."""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.discord_app import BUSY, Busy, expected_error_text, send_ephemeral
from bot.phrases import phrase
from bot.small_talk import GREETING, THANKS, small_talk, small_talk_language
from index.answer import Answer
from index.errors import KizunaError

if TYPE_CHECKING:
    from bot.discord_app import KizunaBot

log = logging.getLogger(__name__)

MAX_QUESTION = 300
EXPIRED = ("This answer has expired (I may have restarted since, or it is old). "
           "Please ask again with /ask.")


class AnswerCache:
    """Recent answers by owner (a server, or a user in DMs) and a short random key, so
    buttons need no second model call.

    Bounded in total and per owner (oldest dropped first), so one busy server cannot
    push out every other server's answers, and a key only opens answers given in the
    same server. In memory: after a restart the buttons on old messages find nothing
    and say so politely instead of failing.
    """

    def __init__(self, size: int = 4096, per_owner: int = 1024) -> None:
        self.size, self.per_owner = size, per_owner
        self._items: OrderedDict[tuple[str, str], Answer] = OrderedDict()
        self._counts: Counter[str] = Counter()

    def put(self, answer: Answer, owner: str) -> str:
        key = secrets.token_hex(8)
        self._items[(owner, key)] = answer
        self._counts[owner] += 1
        if self._counts[owner] > self.per_owner:
            self._drop(next(k for k in self._items if k[0] == owner))
        while len(self._items) > self.size:
            self._drop(next(iter(self._items)))
        return key

    def _drop(self, item: tuple[str, str]) -> None:
        del self._items[item]
        self._counts[item[0]] -= 1
        if not self._counts[item[0]]:
            del self._counts[item[0]]

    def get(self, key: str, owner: str) -> Answer | None:
        return self._items.get((owner, key))

    def __len__(self) -> int:
        return len(self._items)


def owner_of(guild_id: int | None, user_id: int) -> str:
    """Whose answers a reply belongs to: its server's, or in a DM the user's own."""
    return f"guild:{guild_id}" if guild_id else f"user:{user_id}"


def _cached_answer(interaction: discord.Interaction, key: str) -> Answer | None:
    # AutoShardedBot is not a commands.Bot subclass: look the method up instead.
    get_cog = getattr(interaction.client, "get_cog", None)
    cog = get_cog("Ask") if get_cog else None
    owner = owner_of(interaction.guild_id, interaction.user.id)
    return cog.cache.get(key, owner) if isinstance(cog, Ask) else None


async def _show(interaction: discord.Interaction, key: str, render: Any) -> None:
    """A private reply built from the cached answer, or a note that it has expired."""
    try:
        answer = _cached_answer(interaction, key)
        if answer is None:
            embed = embeds.info_embed("Expired", EXPIRED, colour=embeds.NOT_FOUND_COLOUR)
        else:
            embed = render(answer)
        await interaction.response.send_message(embed=embed, ephemeral=True)
    except Exception as exc:  # dynamic items bypass the tree's handler: route it there
        report = getattr(interaction.client, "report_error", None)
        if report is None:
            raise
        await report(interaction, exc)


# What each button shows, by the code in its custom_id; its label is phrases' "button.<code>".
_BUTTONS = {
    "ctx": embeds.context_embed,  # the paragraph around the quote
    "alt": embeds.passages_embed,  # the next best sentences
}


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"kz:(?P<kind>ctx|alt):(?P<key>[0-9a-f]{16})"):
    """A button under an answer that shows more of it privately.

    Its custom_id carries the cache key, so it still answers (politely) after a restart.
    """

    def __init__(self, kind: str, key: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 language: str = "en") -> None:
        # The label is in the question's language. The custom_id does not carry it: a button
        # rebuilt from a click (from_custom_id) only handles that click, and the message
        # keeps the label it was sent with.
        label = phrase(f"button.{kind}", language)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"kz:{kind}:{key}"))
        self.kind, self.key = kind, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> "AnswerButton":
        return cls(match["kind"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _show(interaction, self.key, _BUTTONS[self.kind])


def busy_embed() -> discord.Embed:
    return embeds.info_embed("Busy", BUSY, colour=embeds.NOT_FOUND_COLOUR)


def cooldown_embed(retry_after: float) -> discord.Embed:
    seconds = max(1, round(retry_after + 0.5))
    return embeds.info_embed(
        "Slow down a little",
        f"You've asked several questions in a short time. Try again in {seconds} s.",
        colour=embeds.NOT_FOUND_COLOUR,
    )


# Discord's limits on autocomplete: 25 choices, each name and string value 1-100 characters.
MAX_CHOICES = 25
MAX_CHOICE = 100


def document_choices(documents: list[Any], typed: str) -> list[app_commands.Choice[str]]:
    """The documents whose title or path contains what the member has typed so far.

    The value is the path, which is what the engine searches by; a path too long to be
    a choice value can still be typed in full.
    """
    needle = typed.casefold().strip()
    choices = []
    for doc in documents:
        if needle and needle not in doc.title.casefold() and needle not in doc.path.casefold():
            continue
        if not 1 <= len(doc.path) <= MAX_CHOICE:
            continue
        # The date first: a long title is cut at 100 characters, and the date must survive.
        label = f"{doc.date} · {doc.title or doc.path}" if doc.date else doc.title or doc.path
        choices.append(app_commands.Choice(name=embeds.truncate(label, MAX_CHOICE), value=doc.path))
        if len(choices) == MAX_CHOICES:
            break
    return choices


def resolve_document(documents: list[Any], typed: str | None) -> str | None:
    """The path of the document a member named: its path, or its title in any case.

    Discord lets a member send their own text instead of picking a suggestion; an
    unknown name is passed on for the engine to refuse with the list of documents.
    """
    if typed is None or not typed.strip():
        return None
    typed = typed.strip()
    for doc in documents:
        if typed == doc.path:
            return doc.path
    folded = typed.casefold()
    matches = [d.path for d in documents if folded in (d.path.casefold(), d.title.casefold())]
    return matches[0] if len(matches) == 1 else typed


def strip_mentions(content: str, user_id: int) -> str:
    """The question without the bot's own mention(s)."""
    return re.sub(rf"<@!?{user_id}>", " ", content).strip()


def question_text(message: discord.Message, own_id: int) -> str:
    """The question a message asks: the bot's mention removed, other mentions written as names.

    "what did <@1234> say" reaches the engine as "what did @Alice say", which it can
    match, and is echoed back readable in the answer's title.
    """
    text = strip_mentions(message.content, own_id)
    for user in message.mentions:
        if user.id != own_id:
            name = f"@{user.display_name}"
            text = re.sub(rf"<@!?{user.id}>", lambda _, name=name: name, text)  # a name is not a template
    for role in message.role_mentions:
        text = text.replace(f"<@&{role.id}>", f"@{role.name}")
    for channel in message.channel_mentions:
        text = text.replace(f"<#{channel.id}>", f"#{getattr(channel, 'name', channel.id)}")
    return text.strip()


class Ask(commands.Cog):
    """Answering questions, the bot's one real job."""

    def __init__(self, bot: "KizunaBot") -> None:
        self.bot = bot
        self.cache = AnswerCache()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    def render(self, answer: Answer, owner: str) -> tuple[discord.Embed, discord.ui.View | None]:
        """The reply embed, and buttons only for real answers (closest passages are inline)."""
        embed = embeds.answer_embed(answer)
        if not answer.answered or answer.passage is None:
            return embed, None
        key = self.cache.put(answer, owner)
        view = discord.ui.View(timeout=None)
        # A likely answer is judged by its context: that button comes first, and stands out.
        likely = answer.verdict == "likely"
        style = discord.ButtonStyle.primary if likely else discord.ButtonStyle.secondary
        view.add_item(AnswerButton("ctx", key, style, answer.language))
        view.add_item(AnswerButton("alt", key, language=answer.language))
        return embed, view

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question about the documents, in any language (1–300 characters)",
                           private="Only you see the answer (default: everyone in the channel)",
                           document="Search only this document (start typing its title)")
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, MAX_QUESTION], private: bool = False,
                  document: str | None = None) -> None:
        """Ask a question; I quote the sentence from the documents that answers it."""
        # Only cheap checks before the acknowledgement: Discord allows 3 seconds.
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(embed=cooldown_embed(wait), ephemeral=True)
            return
        if not question.strip() or len(question) > MAX_QUESTION:
            await interaction.response.send_message(embed=embeds.info_embed(
                "Empty or too long", f"Please ask a question of 1–{MAX_QUESTION} characters."),
                ephemeral=True)
            return
        if self.bot.asker.full:  # said at once, within Discord's 3 seconds
            await interaction.response.send_message(embed=busy_embed(), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=private, thinking=True)
        scopes = self.bot.scopes_for(interaction.guild_id)
        talk = small_talk(question)
        if talk:
            try:
                embed = await self._small_talk_embed(talk, scopes, small_talk_language(question))
            except KizunaError as exc:
                embed = embeds.info_embed("Sorry", expected_error_text(exc) or str(exc), colour=embeds.ERROR_COLOUR)
            await interaction.edit_original_response(embed=embed)
            return
        try:
            path = None
            if document:
                # A server's documents may be opened on first use: off the loop.
                docs = await asyncio.to_thread(self.bot.library.documents, scopes)
                path = resolve_document(docs, document)
            answer = await self.bot.asker.ask(question, path, scopes)
        except (KizunaError, Busy) as exc:
            await send_ephemeral(interaction, embeds.info_embed(
                "Sorry", expected_error_text(exc) or str(exc), colour=embeds.ERROR_COLOUR))
            return
        embed, view = self.render(answer, owner_of(interaction.guild_id, interaction.user.id))
        await interaction.edit_original_response(embed=embed, view=view)

    @ask.autocomplete("document")
    async def ask_document(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Only the documents this server (or, in a DM, the shared corpus) can search."""
        try:
            docs = await asyncio.to_thread(self.bot.library.documents, self.bot.scopes_for(interaction.guild_id))
            return document_choices(docs, current)
        except KizunaError:  # no index yet: no suggestions, and /ask itself will say why
            return []

    # -- questions as messages ------------------------------------------------------

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, "" for a bare mention, None if not for us."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        addressed = message.guild is None or me.id in message.raw_mentions
        ref = message.reference.resolved if message.reference else None
        if isinstance(ref, discord.Message) and ref.author.id == me.id:
            addressed = True
        if not addressed:
            return None
        return question_text(message, me.id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        try:
            await self._answer_message(message, question)
        except Exception:  # a listener has no tree handler: log and apologise here
            log.exception("Failed to answer a message in channel %s", message.channel.id)
            await self._safe_reply(message, embeds.info_embed(
                "Sorry", "Something went wrong on my side. It has been logged; please try again.",
                colour=embeds.ERROR_COLOUR))

    async def _answer_message(self, message: discord.Message, question: str) -> None:
        guild_id = message.guild.id if message.guild else None
        scopes = self.bot.scopes_for(guild_id)
        talk = small_talk(question)
        if not question or talk:
            # A bare mention, "hi" or "thanks": said to the bot, not asked of the documents.
            await self._safe_reply(message, await self._small_talk_embed(talk, scopes, small_talk_language(question)))
            return
        wait = self.bot.cooldown.retry_after(message.author.id)
        if wait:
            await self._safe_reply(message, cooldown_embed(wait), delete_after=15)
            return
        if len(question) > MAX_QUESTION:
            question = question[:MAX_QUESTION]  # same limit as /ask; say so in the title
        try:
            answer = await self.bot.asker.ask(question, None, scopes)
        except Busy:
            await self._safe_reply(message, busy_embed(), delete_after=15)
            return
        except KizunaError as exc:
            await self._safe_reply(message, embeds.info_embed(
                "Sorry", expected_error_text(exc) or str(exc), colour=embeds.ERROR_COLOUR))
            return
        embed, view = self.render(answer, owner_of(guild_id, message.author.id))
        await self._safe_reply(message, embed, view=view)

    async def _small_talk_embed(self, talk: str | None, scopes: Any, language: str = "en") -> discord.Embed:
        """Thanks get a short reply; a greeting or a bare mention, how to ask (with examples).

        Said in the greeting's language (Turkish, Japanese, else English); the help text
        and its examples stay English."""
        if talk == THANKS:
            return embeds.info_embed(phrase("welcome.title", language), phrase("welcome.text", language))
        library = self.bot.library
        # The first examples per index ask the model, and a server's index may open on first use.
        titles, questions = await asyncio.to_thread(
            lambda: ([d.title for d in library.documents(scopes)], library.example_questions(scopes, 3)))
        return embeds.info_embed(phrase("hello", language) if talk == GREETING else "Ask me something",
                                 embeds.help_text(titles, questions, library.multilingual))

    async def _safe_reply(self, message: discord.Message, embed: discord.Embed,
                          **kwargs: Any) -> None:
        try:
            await message.reply(embed=embed, mention_author=False, **kwargs)
        except discord.HTTPException as exc:  # e.g. no permission to send there
            log.warning("Could not reply in channel %s: %s", message.channel.id, exc)


async def setup(bot: "KizunaBot") -> None:
    await bot.add_cog(Ask(bot))
