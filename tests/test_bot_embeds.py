"""Embeds: content, escaping, and Discord's size limits."""
from __future__ import annotations

import discord

from bot import embeds
from index.answer import Answer, DocumentInfo
from test_bot_fakes import QUOTE_1924, FakeEngine, passage


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= embeds.TITLE_LIMIT
    assert len(embed.description or "") <= embeds.DESCRIPTION_LIMIT
    assert len(embed.fields) <= embeds.FIELD_COUNT_LIMIT
    for f in embed.fields:
        assert len(f.name) <= embeds.FIELD_NAME_LIMIT and len(f.value) <= embeds.FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= embeds.FOOTER_LIMIT
    assert len(embed) <= embeds.EMBED_TOTAL_LIMIT


def test_answer_is_a_block_quote_with_the_year_in_bold() -> None:
    a = FakeEngine().ask("when did relations begin?")
    e = embeds.answer_embed(a)
    assert e.colour == embeds.ANSWER_COLOUR
    assert e.description.startswith("> Diplomatic relations began in **1924**, and")
    assert "Turkey and Japan" in e.description and "2022-01-09" in e.description
    assert "paragraph 9" in e.description
    assert "High confidence" in e.footer.text
    # The quote is verbatim once the bold markers are removed.
    assert QUOTE_1924 in e.description.replace("**", "").replace("> ", "", 1)
    assert_within_limits(e)


def test_not_found_looks_different_and_never_claims_an_answer() -> None:
    a = FakeEngine().ask("What is the capital of France?")
    e = embeds.answer_embed(a)
    assert e.colour == embeds.NOT_FOUND_COLOUR != embeds.ANSWER_COLOUR
    assert e.title.startswith("Not in the documents")
    assert "don't seem to cover" in e.description
    assert e.fields and all("Closest I found" in f.name and "not an answer" in f.name
                            for f in e.fields)
    assert_within_limits(e)


def test_user_text_is_escaped_in_titles() -> None:
    a = Answer("@everyone what is **this** <@123>?", False, passage("x."))
    e = embeds.answer_embed(a)
    assert "@everyone" not in e.title  # escape_mentions inserts a zero-width space
    assert "\\*\\*this\\*\\*" in e.title


def test_markdown_in_a_document_shows_literally() -> None:
    a = Answer("q", True, passage("Use *stars* and _underscores_."), highlight=(4, 11))
    d = embeds.answer_embed(a).description
    assert d.startswith("> Use **\\*stars\\***")
    assert "\\_underscores\\_" in d


def test_very_long_answer_is_truncated_visibly() -> None:
    e = FakeEngine().ask("a long one please")
    for embed in (embeds.answer_embed(e), embeds.context_embed(e), embeds.passages_embed(e)):
        assert_within_limits(embed)
    d = embeds.answer_embed(e).description
    assert "…" in d and d.rstrip().endswith("paragraph 1")  # the source line survives
    c = embeds.context_embed(e).description
    assert "**Very long" in c and "…" in c


def test_long_question_title_is_cut_with_ellipsis() -> None:
    a = Answer("why " * 200, True, passage("x."))
    title = embeds.answer_embed(a).title
    assert len(title) <= embeds.TITLE_LIMIT and title.endswith("…")


def test_context_puts_the_quote_in_bold_between_its_neighbours() -> None:
    a = FakeEngine().ask("when did relations begin?")
    d = embeds.context_embed(a).description
    assert d.startswith(f"Before it. **{QUOTE_1924}** After it.")


def test_passages_and_sources_fit_with_many_items() -> None:
    alts = tuple(passage("word " * 300, i) for i in range(40))
    assert_within_limits(embeds.passages_embed(Answer("q", True, passage("x."), alts)))
    docs = [DocumentInfo(f"d{i}.txt", "T" * 300, None, 5, 1) for i in range(60)]
    e = embeds.sources_embed(docs, "m", "now", 300)
    assert_within_limits(e)
    assert e.title == "60 documents indexed"


def test_truncate() -> None:
    assert embeds.truncate("abc", 3) == "abc"
    assert embeds.truncate("abcdef", 4) == "abc…"
    assert len(embeds.truncate("x" * 5000, 4096)) == 4096


def test_help_text_lists_titles_and_example_questions() -> None:
    text = embeds.help_text(["The foreign ministers of Turkey and Japan meet."], ["What happened in 1924?"])
    assert "• The foreign ministers of Turkey and Japan meet\n" in text
    assert "`/ask question: What happened in 1924?`" in text
    assert len(text) <= embeds.DESCRIPTION_LIMIT


def test_context_cuts_never_split_an_escape() -> None:
    a = Answer("q", True, passage("*" * 5000), context_before="_" * 3000, context_after="*" * 3000)
    d = embeds.context_embed(a).description
    assert len(d) <= embeds.DESCRIPTION_LIMIT and d.count("…") >= 2
    body = d.split("\n\n")[0].replace("…", "").replace(" ", "")
    stripped = body.replace("\\*", "").replace("\\_", "")
    assert stripped == "****"  # only the bold markers remain unescaped


def test_a_likely_answer_says_it_is_probable_and_still_bolds_the_answer() -> None:
    a = FakeEngine().ask("roughly when did relations begin?")
    assert a.verdict == "likely" and a.answered
    e = embeds.answer_embed(a)
    assert e.colour == embeds.LIKELY_COLOUR not in (embeds.ANSWER_COLOUR, embeds.NOT_FOUND_COLOUR)
    first, rest = e.description.split("\n", 1)
    assert first == embeds.LIKELY_LINE
    assert rest.startswith("> Diplomatic relations began in **1924**")
    assert "Low confidence" in e.footer.text
    assert_within_limits(e)


def test_the_terminal_says_the_same_three_things() -> None:
    from bot.render import render_answer

    engine = FakeEngine()
    likely = render_answer(engine.ask("roughly when did relations begin?"))
    assert likely.startswith("Probably this, though the match is loose") and QUOTE_1924[:40] in likely
    assert not render_answer(engine.ask("when did relations begin?")).startswith("Probably")
    assert render_answer(engine.ask("What is the capital of France?")).startswith("The documents don't cover that")


def test_help_says_other_languages_work_only_when_they_do() -> None:
    on = embeds.help_text(["The foreign ministers of Turkey and Japan meet."], [], multilingual=True)
    off = embeds.help_text(["The foreign ministers of Turkey and Japan meet."], [], multilingual=False)
    assert "Türkçe" in on and "日本語" in on
    assert "Türkçe" not in off


def test_every_language_frames_every_phrase_with_the_same_blanks() -> None:
    import string

    from bot.phrases import PHRASES

    def blanks(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for language, table in PHRASES.items():
        assert table.keys() == PHRASES["en"].keys(), language
        for key, text in table.items():
            assert blanks(text) == blanks(PHRASES["en"][key]), (language, key)
            assert text.strip(), (language, key)


def test_a_turkish_question_is_answered_in_turkish_around_the_english_quote() -> None:
    from bot.render import render_answer

    a = Answer("İlişkiler ne zaman başladı?", True, passage(QUOTE_1924, paragraph=14), highlight=(30, 34),
               confidence="high", language="tr", crosslingual=True)
    e = embeds.answer_embed(a)
    assert e.title == "Soru: İlişkiler ne zaman başladı?"
    assert e.footer.text.startswith("Yüksek güven")
    assert "14. paragraf" in e.description and "paragraph" not in e.description
    assert QUOTE_1924 in e.description.replace("**", "").replace("> ", "", 1)  # the quote stays the document's own
    text = render_answer(a)
    assert "Güven: yüksek (0.90)" in text and "14. paragraf" in text and QUOTE_1924[:40] in text
    assert embeds.context_embed(a).title == "Bağlam" and embeds.passages_embed(a).title == "Diğer pasajlar"


def test_a_japanese_question_the_documents_do_not_cover_is_told_so_in_japanese() -> None:
    from bot.render import render_answer

    a = Answer("昨日の試合結果は？", False, passage("ANKARA (Turkey)"), language="ja", crosslingual=True)
    e = embeds.answer_embed(a)
    assert e.colour == embeds.NOT_FOUND_COLOUR and e.title == "資料にありません: 昨日の試合結果は？"
    assert e.fields and all("答えではありません" in f.name for f in e.fields)
    assert render_answer(a).startswith("資料にはその答えがありません。")
    likely = Answer("関係はいつ始まった？", True, passage(QUOTE_1924), verdict="likely", confidence="low", language="ja")
    assert embeds.answer_embed(likely).description.startswith("おそらくこの文ですが")
    assert render_answer(likely).startswith("おそらくこの文ですが")


def test_other_languages_are_framed_in_english() -> None:
    a = Answer("Wann begannen die Beziehungen?", True, passage(QUOTE_1924), confidence="medium", language="de")
    e = embeds.answer_embed(a)
    assert e.title.startswith("Q: ") and e.footer.text.startswith("Medium confidence")
    assert embeds.answer_embed(Answer("q", True, passage("x."), confidence="odd")).footer.text == "odd"


def test_a_quote_from_a_wrapped_file_stays_one_block_quote_and_bolds_only_within_a_line() -> None:
    quote = "Diplomatic relations began in\n1924, and the first mission opened in 1925."
    a = Answer("when did relations begin?", True, passage(quote), highlight=(30, 34), confidence="high")
    assert embeds.answer_embed(a).description.startswith("> Diplomatic relations began in\n> **1924**, and")
    across = Answer("q", True, passage(quote), highlight=(20, 34), confidence="high")
    assert "**" not in embeds.answer_embed(across).description  # no bold across the "> " of a new line
