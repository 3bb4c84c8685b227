"""Turn the engine's answers into Discord embeds that always fit Discord's limits.

Everything here is pure: no network, no bot. Text that comes from a user (the question)
is escaped before it is echoed; text that comes from a document is escaped too, so a
stray ``*`` or ``_`` in a source sentence shows as itself and the quote stays verbatim.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import discord

from index.answer import Answer, DocumentInfo, Passage
from index.library import SHARED

from .phrases import CONFIDENCE_LEVELS, phrase

# Discord's documented limits (https://discord.com/developers/docs/resources/message).
MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
FIELD_COUNT_LIMIT = 25
ELLIPSIS = "…"

# Colours tell answered from not-answered at a glance, before anyone reads a word.
ANSWER_COLOUR = discord.Colour.from_rgb(46, 160, 67)
LIKELY_COLOUR = discord.Colour.from_rgb(52, 152, 219)
NOT_FOUND_COLOUR = discord.Colour.from_rgb(219, 150, 30)
INFO_COLOUR = discord.Colour.from_rgb(88, 101, 242)
ERROR_COLOUR = discord.Colour.from_rgb(218, 55, 60)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with "…" so it is visible."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def escape_user_text(text: str) -> str:
    """Neutralise markdown and @mentions in something a user typed before echoing it."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def escape_document_text(text: str) -> str:
    """Show document text literally (markdown escaped); mentions cannot ping anyway."""
    return discord.utils.escape_markdown(text)


def block_quote(text: str) -> str:
    """Prefix every line with "> " so a multi-line sentence stays one block quote."""
    return "\n".join("> " + line for line in text.splitlines() or [""])


def highlighted(quote: str, span: tuple[int, int] | None) -> str:
    """Escape the quote and put the part that answers (``span``) in bold."""
    # A span across a line break (a wrapped document's quote keeps its breaks) would put
    # "> " inside the bold once block-quoted, and Discord would show the asterisks.
    if not span or not (0 <= span[0] < span[1] <= len(quote)) or "\n" in quote[span[0]:span[1]]:
        return escape_document_text(quote)
    a, b = span
    return (
        escape_document_text(quote[:a])
        + "**" + escape_document_text(quote[a:b]) + "**"
        + escape_document_text(quote[b:])
    )


def corpus_name(scope: str | None, language: str = "en") -> str:
    """The corpus a scope names, as a member reads it: the shared one or their server's."""
    return phrase("corpus.shared" if scope == SHARED else "corpus.server", language)


def source_line(p: Passage, language: str = "en") -> str:
    """"Title · 2022-01-09 · paragraph 3 · shared documents": where a quote is from."""
    # Titles taken from a first sentence end in a full stop; the line adds its own.
    parts = [f"*{escape_document_text((p.title or p.document).rstrip('. '))}*"]
    if p.date:
        parts.append(p.date)
    parts.append(phrase("paragraph", language, n=p.paragraph))
    if p.scope:
        parts.append(corpus_name(p.scope, language))
    return " · ".join(parts)


def _question_title(prefix: str, question: str) -> str:
    # Titles do not render mentions, but escape anyway: the same text may be copied on.
    return truncate(f"{prefix}{escape_user_text(question)}", TITLE_LIMIT)


def _fit_quote(body: str, tail: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Join a block-quoted body and a tail, trimming the body (not the source) to fit."""
    room = limit - len(tail)
    return truncate(body, room) + tail


# The one plain line a likely answer opens with: the quote is probably it, not surely.
LIKELY_LINE = phrase("likely")


def answer_embed(answer: Answer) -> discord.Embed:
    """The reply to a question: an answer, a likely answer, or clearly not one."""
    if not answer.answered:
        return not_found_embed(answer)
    p = answer.passage
    assert p is not None  # answered implies a passage
    language = answer.language
    likely = answer.verdict == "likely"
    tail = "\n\n" + truncate(source_line(p, language), 1000)
    body = block_quote(highlighted(p.quote, answer.highlight))
    head = phrase("likely", language) + "\n" if likely else ""
    embed = discord.Embed(
        title=_question_title(phrase("question", language), answer.question),
        description=head + _fit_quote(body, tail, DESCRIPTION_LIMIT - len(head)),
        colour=LIKELY_COLOUR if likely else ANSWER_COLOUR,
    )
    known = answer.confidence in CONFIDENCE_LEVELS
    embed.set_footer(text=phrase(f"confidence.{answer.confidence}", language) if known else answer.confidence)
    return embed


def not_found_embed(answer: Answer) -> discord.Embed:
    """Visibly different: says the documents do not cover it; passages are only 'closest'."""
    language = answer.language
    embed = discord.Embed(
        title=_question_title(phrase("not_found.title", language), answer.question),
        description=phrase("not_found.text", language),
        colour=NOT_FOUND_COLOUR,
    )
    closest = [p for p in ((answer.passage,) + tuple(answer.alternatives)) if p][:3]
    for i, p in enumerate(closest, 1):
        embed.add_field(
            name=phrase("not_found.closest", language, n=i),
            value=truncate(f"{block_quote(escape_document_text(p.quote))}\n{source_line(p, language)}",
                           FIELD_VALUE_LIMIT),
            inline=False,
        )
    embed.set_footer(text=phrase("not_found.footer", language))
    return embed


def _fit_escaped(raw: str, limit: int, *, keep_end: bool = False) -> str:
    """Escape ``raw`` and fit it in ``limit``, cutting the raw text so no escape is split."""
    text = escape_document_text(raw)
    while len(text) > limit and raw:
        over = max(len(text) - limit + 1, 1)  # +1 for the "…"
        raw = raw[over:] if keep_end else raw[:-over]
        text = escape_document_text(raw)
        if len(text) + 1 <= limit:
            return ELLIPSIS + text.lstrip() if keep_end else text.rstrip() + ELLIPSIS
    return text


def context_embed(answer: Answer) -> discord.Embed:
    """The quote in its paragraph: the sentences around it, the quote itself in bold."""
    p = answer.passage
    if p is None:
        return info_embed("No context", "There is no passage to show context for.")
    source = "\n\n" + truncate(source_line(p, answer.language), 190)
    # The quote is the point of the message: it gets room first, the neighbours share the rest.
    quote = "**" + _fit_escaped(p.quote, DESCRIPTION_LIMIT - len(source) - 300) + "**"
    room = DESCRIPTION_LIMIT - len(source) - len(quote) - 2
    before = _fit_escaped(answer.context_before.strip(), room // 2, keep_end=True)
    after = _fit_escaped(answer.context_after.strip(), room - len(before))
    text = " ".join(x for x in (before, quote, after) if x)
    return discord.Embed(title=phrase("context", answer.language), colour=INFO_COLOUR, description=text + source)


def passages_embed(answer: Answer, *, title: str | None = None) -> discord.Embed:
    """The next best sentences, each with its source; never presented as the answer."""
    embed = discord.Embed(title=title or phrase("passages", answer.language), colour=INFO_COLOUR)
    if not answer.alternatives:
        embed.description = phrase("passages.none", answer.language)
        return embed
    for i, p in enumerate(answer.alternatives[:FIELD_COUNT_LIMIT], 1):
        embed.add_field(
            name=f"#{i} · score {p.score:.2f}",
            value=truncate(f"{block_quote(escape_document_text(p.quote))}\n{source_line(p, answer.language)}",
                           FIELD_VALUE_LIMIT),
            inline=False,
        )
    return fit_embed(embed)


def sources_embed(docs: Sequence[DocumentInfo], model: str, built_at: str,
                  sentence_count: int, note: str = "") -> discord.Embed:
    """What /sources shows: the documents (with their corpus), the model and when the index was built."""
    embed = discord.Embed(
        title=f"{len(docs)} document{'s' if len(docs) != 1 else ''} indexed",
        colour=INFO_COLOUR,
        description=truncate(f"{sentence_count} sentences · model `{model}` · built {built_at}"
                             + (f"\n{note}" if note else ""), 1000),
    )
    shown = list(docs)[: FIELD_COUNT_LIMIT - 1]
    for d in shown:
        corpus = f" · {corpus_name(d.scope)}" if d.scope else ""
        embed.add_field(
            name=truncate(escape_document_text(d.title or d.path), FIELD_NAME_LIMIT),
            value=truncate(f"`{d.path}` · {d.date or 'no date'} · {d.sentences} sentences{corpus}",
                           FIELD_VALUE_LIMIT),
            inline=False,
        )
    if len(docs) > len(shown):
        embed.add_field(name="…", value=f"and {len(docs) - len(shown)} more", inline=False)
    return fit_embed(embed)


def info_embed(title: str, text: str, *, colour: discord.Colour = INFO_COLOUR) -> discord.Embed:
    """A plain message in an embed (help, progress, refusals), within limits."""
    return discord.Embed(title=truncate(title, TITLE_LIMIT),
                         description=truncate(text, DESCRIPTION_LIMIT), colour=colour)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields (noting it) until the embed fits the 6,000-character total."""
    if len(embed.fields) > FIELD_COUNT_LIMIT:
        for _ in range(len(embed.fields) - FIELD_COUNT_LIMIT):
            embed.remove_field(-1)
    dropped = 0
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(-1)
        dropped += 1
    if dropped:
        embed.set_footer(text=f"{dropped} more not shown (message size limit){ELLIPSIS}")
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        over = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = truncate(embed.description, len(embed.description) - over)
    return embed


def help_text(titles: Iterable[str], questions: Iterable[str] = (), multilingual: bool = False) -> str:
    """How to ask: the documents by title, and questions about them the engine answers.

    ``multilingual``: questions in other languages are answered, and English ones over
    documents in other languages (the quote stays in the documents' language).
    """
    titles = [truncate(escape_document_text(t.rstrip(". ")), 80) for t in list(titles)[:3]]
    examples = [f"• `/ask question: {truncate(q, 120)}`" for q in list(questions)[:3]]
    examples += ["• `/ask question: When did …?`  (dates come back in bold)",
                 "• `/ask question: Who said …? private: True`  (only you see the reply)"]
    return truncate(
        "Ask me about the indexed documents and I'll quote the exact sentence that "
        "answers, with where it comes from.\n\n"
        + ("**Documents**\n" + "\n".join(f"• {t}" for t in titles) + "\n\n" if titles else "")
        + "**Ways to ask**\n"
        "• `/ask` with your question (1–300 characters); `document:` searches one document only\n"
        "• mention me with a question, or reply to one of my answers\n"
        "• send me a direct message\n"
        + ("• ask in your own language (Türkçe, 日本語, Deutsch, …), whatever the documents' language: "
           "I quote the source sentence as written\n"
           if multilingual else "")
        + "\n**Examples**\n" + "\n".join(examples) + "\n\n"
        "Buttons under an answer show the surrounding context and other passages. "
        "`/sources` lists the documents.",
        DESCRIPTION_LIMIT,
    )
