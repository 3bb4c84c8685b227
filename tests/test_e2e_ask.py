"""End-to-end: /ask, its buttons, mentions, replies, DMs, /sources and /help on the article."""
from __future__ import annotations

import json
import re
import shutil
from typing import Any, AsyncIterator

import pytest

from bot import embeds
from standin import DiscordStandIn
from test_e2e_harness import QUOTE_1924, SEEDS, ask, bot_embedder, open_engine, running_bot  # noqa: F401 (fixture)

QUESTION = "When did diplomatic relations between Turkey and Japan begin?"
EPHEMERAL = 1 << 6


@pytest.fixture(scope="module")
async def live(article_engine: Any) -> AsyncIterator[tuple[DiscordStandIn, Any]]:
    async with running_bot(article_engine) as pair:
        yield pair


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])]


async def test_ask_is_acknowledged_fast_and_quotes_the_1924_sentence(live: Any) -> None:
    sd, _ = live
    it, body = await ask(sd, QUESTION)
    assert it.callback_type == 5  # deferred first, then the answer
    assert it.acknowledged_at - it.sent_at < 1.0, "must acknowledge well before Discord's 3 s"
    embed = body["embeds"][0]
    assert embed["color"] == embeds.ANSWER_COLOUR.value
    assert QUOTE_1924 in embed["description"].replace("**", "")
    assert "> Diplomatic relations began in **1924**" in embed["description"]
    assert "2022-01-09" in embed["description"] and "paragraph" in embed["description"]
    assert "confidence" in embed["footer"]["text"].lower()
    assert not it.original["flags"] & EPHEMERAL
    ids = custom_ids(body)
    assert len(ids) == 2 and ids[0].startswith("kz:ctx:") and ids[1].startswith("kz:alt:")


async def test_buttons_show_context_and_other_passages_privately(live: Any) -> None:
    sd, _ = live
    it, body = await ask(sd, QUESTION)
    ctx_id, alt_id = custom_ids(body)
    click = await sd.click_button(it.original, ctx_id, user=sd.admin_user)
    await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
    assert click.callback_type == 4 and click.callback_data["flags"] & EPHEMERAL
    text = click.callback_data["embeds"][0]["description"]
    assert f"**{QUOTE_1924}**" in text
    assert len(text.split(f"**{QUOTE_1924}**")[0]) > 20  # sentences before it, verbatim
    click = await sd.click_button(it.original, alt_id)
    await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
    data = click.callback_data
    assert data["flags"] & EPHEMERAL and data["embeds"][0]["title"] == "Other passages"
    assert data["embeds"][0]["fields"] and all(QUOTE_1924 not in f["value"] for f in data["embeds"][0]["fields"])


async def test_a_turkish_question_gets_its_reply_and_buttons_in_turkish(embedder: Any, e5: Any, tmp_path: Any) -> None:
    from index import Engine

    engine = Engine.open(SEEDS, tmp_path / "index", embedder, multilingual=e5)
    async with running_bot(engine) as (sd, _):
        it, body = await ask(sd, "İlişkiler ne zaman başladı?")
        embed = body["embeds"][0]
        assert embed["title"] == "Soru: İlişkiler ne zaman başladı?"
        assert QUOTE_1924.split(" 1924")[0] in embed["description"]  # the English sentence, quoted as it is
        assert "14. paragraf" in embed["description"] and "paragraph" not in embed["description"]
        assert "güven" in embed["footer"]["text"].lower()
        buttons = [c for row in body["components"] for c in row["components"]]
        assert [b["label"] for b in buttons] == ["Bağlamı göster", "Diğer pasajlar"]
        click = await sd.click_button(it.original, buttons[1]["custom_id"])
        await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
        assert click.callback_data["embeds"][0]["title"] == "Diğer pasajlar"


async def test_a_button_from_before_a_restart_says_expired(live: Any) -> None:
    sd, bot = live
    old = {"type": 1, "components": [{"type": 2, "style": 2, "label": "Show context",
                                      "custom_id": "kz:ctx:0123456789abcdef"}]}
    msg = await sd.send_message("placeholder")  # any message the button can hang on
    msg.update(author=sd.bot_user, components=[old])
    click = await sd.click_button(msg, "kz:ctx:0123456789abcdef")
    await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
    assert click.callback_data["flags"] & EPHEMERAL
    assert "expired" in click.callback_data["embeds"][0]["description"]


async def test_not_found_is_visibly_different(live: Any) -> None:
    sd, _ = live
    _, body = await ask(sd, "What is the capital of France?")
    embed = body["embeds"][0]
    assert embed["color"] == embeds.NOT_FOUND_COLOUR.value
    assert embed["title"].startswith("Not in the documents")
    assert embed["fields"] and all("Closest I found" in f["name"] for f in embed["fields"])
    assert not custom_ids(body)  # no "other passages" of an answer that is not one


async def test_private_makes_the_whole_reply_ephemeral(live: Any) -> None:
    sd, _ = live
    it, body = await ask(sd, QUESTION, private=True)
    assert it.callback_data["flags"] & EPHEMERAL and it.original["flags"] & EPHEMERAL
    assert QUOTE_1924 in body["embeds"][0]["description"].replace("**", "")


async def test_user_text_is_escaped_when_echoed(live: Any) -> None:
    sd, _ = live
    _, body = await ask(sd, "@everyone **when** did <@&1> relations begin?")
    title = body["embeds"][0]["title"]
    assert "@everyone" not in title and "\\*\\*when\\*\\*" in title


async def _bot_reply_to(sd: DiscordStandIn, msg: dict[str, Any], since: int) -> dict[str, Any]:
    call = await sd.wait_for("POST", r"/channels/\d+/messages", since=since,
                             predicate=lambda c: str((c.json.get("message_reference") or {}).get("message_id")) == msg["id"])
    assert call.status == 200, call.response
    return call.response


async def test_mention_then_reply_to_the_answer(live: Any) -> None:
    sd, _ = live
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> {QUESTION}")
    answer = await _bot_reply_to(sd, msg, n)
    assert QUOTE_1924 in answer["embeds"][0]["description"].replace("**", "")
    assert len(custom_ids(answer)) == 2
    n = len(sd.calls)
    follow = await sd.send_message("what is hayashi's new role as minister?", referenced_message=answer)
    reply = await _bot_reply_to(sd, follow, n)
    assert "Hayashi" in reply["embeds"][0]["description"] + str(reply["embeds"][0].get("fields"))


async def test_other_mentions_in_a_question_read_as_names(live: Any) -> None:
    sd, _ = live
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> when did <@{sd.admin_user['id']}>'s relations begin?",
                                mentions=[sd.admin_user])
    title = (await _bot_reply_to(sd, msg, n))["embeds"][0]["title"]
    assert "@Admin's relations" in title and "<@" not in title


async def test_a_bare_mention_gets_help_and_others_are_ignored(live: Any) -> None:
    sd, _ = live
    n = len(sd.calls)
    await sd.send_message("just chatting, not for the bot")
    msg = await sd.send_message(f"<@{sd.bot_user_id}>")
    reply = await _bot_reply_to(sd, msg, n)
    assert "/ask" in reply["embeds"][0]["description"]
    posts = [c for c in sd.calls[n:] if c.method == "POST" and re.fullmatch(r"/channels/\d+/messages", c.path)]
    assert len(posts) == 1


async def test_greetings_and_thanks_are_answered_in_kind(live: Any) -> None:
    sd, _ = live
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> hi kizuna!")
    embed = (await _bot_reply_to(sd, msg, n))["embeds"][0]
    assert embed["title"] == "Hello!" and "/ask question:" in embed["description"]
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> thanks!")
    embed = (await _bot_reply_to(sd, msg, n))["embeds"][0]
    assert embed["title"] == "You're welcome" and "fields" not in embed  # no closest passages
    _, body = await ask(sd, "teşekkürler")  # in the thanks' own language
    assert body["embeds"][0]["title"] == "Rica ederim" and not custom_ids(body)
    n = len(sd.calls)
    msg = await sd.send_message(f"<@{sd.bot_user_id}> こんにちは")
    embed = (await _bot_reply_to(sd, msg, n))["embeds"][0]
    assert embed["title"] == "こんにちは！" and "/ask question:" in embed["description"]


async def test_a_direct_message_is_answered(live: Any) -> None:
    sd, _ = live
    n = len(sd.calls)
    msg = await sd.send_message(QUESTION, guild=False)
    reply = await _bot_reply_to(sd, msg, n)
    assert reply["channel_id"] == msg["channel_id"]
    assert QUOTE_1924 in reply["embeds"][0]["description"].replace("**", "")


async def test_sources_lists_the_article(live: Any, article_engine: Any) -> None:
    sd, _ = live
    it = await sd.send_slash("sources", {})
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    embed = call.json["embeds"][0]
    assert embed["title"] == "1 document indexed"
    assert "all-MiniLM-L6-v2" in embed["description"] and "built <t:" in embed["description"]
    field = embed["fields"][0]
    assert field["name"].startswith("The foreign ministers of Turkey and Japan")
    assert "2022-01-09" in field["value"] and f"{article_engine.sentence_count} sentences" in field["value"]


async def test_help_gives_examples_from_the_documents(live: Any) -> None:
    sd, _ = live
    it = await sd.send_slash("help", {})
    call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    text = call.json["embeds"][0]["description"]
    assert it.callback_type == 5 and it.callback_data["flags"] & EPHEMERAL  # acknowledged first, privately
    assert "The foreign ministers of Turkey and Japan" in text and "/ask" in text
    # The examples are questions the engine itself answers from the article.
    assert "/ask question: What happened in 2024?" in text


async def test_the_bot_resumes_after_the_gateway_drops(live: Any) -> None:
    sd, _ = live
    await sd.drop_gateway(abrupt=True)
    await sd.wait_for_resume(timeout=15)
    _, body = await ask(sd, QUESTION)
    assert QUOTE_1924 in body["embeds"][0]["description"].replace("**", "")


TEA = "# Tea in Japan\n\nMatcha is whisked with a bamboo whisk. Gyokuro is grown in shade for three weeks.\n"


async def suggestions(sd: DiscordStandIn, typed: str) -> list[dict[str, Any]]:
    """What Discord shows a member typing ``typed`` into /ask's document option."""
    it = await sd.type_in_option("ask", {"question": "when", "document": typed}, focused="document")
    await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    assert it.callback_type == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    return it.callback_data["choices"]


async def test_ask_can_be_held_to_one_document_picked_from_suggestions(bot_embedder: Any, tmp_path: Any) -> None:  # noqa: F811
    (tmp_path / "seeds").mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), tmp_path / "seeds")
    (tmp_path / "seeds" / "tea.md").write_text(TEA, encoding="utf-8")
    async with running_bot(open_engine(bot_embedder, tmp_path)) as (sd, _):
        assert [c["value"] for c in await suggestions(sd, "TEA")] == ["tea.md"]  # by title, any case
        assert len(await suggestions(sd, "")) == 2
        assert await suggestions(sd, "no such thing") == []
        (article,) = await suggestions(sd, "turkey")
        assert article["name"].startswith("2022-01-09 · The foreign ministers") and len(article["name"]) <= 100
        assert article["value"] == next(SEEDS.glob("*.txt")).name

        _, body = await ask(sd, QUESTION)
        assert QUOTE_1924 in body["embeds"][0]["description"].replace("**", "")
        for held_to in ("tea.md", "Tea in Japan"):  # the suggestion's value, or the title typed out
            _, body = await ask(sd, QUESTION, document=held_to)
            text = json.dumps(body["embeds"])
            assert "Diplomatic relations" not in text and "Tea in Japan" in text

        it = await sd.send_slash("ask", {"question": QUESTION, "document": "coffee.md"})
        call = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
        assert call.json["flags"] & EPHEMERAL
        assert "don't have that document" in call.json["embeds"][0]["description"] and "tea.md" in call.json["embeds"][0]["description"]


async def test_a_likely_answer_puts_show_context_first_and_foremost() -> None:
    from test_bot_fakes import FakeEngine

    async with running_bot(FakeEngine()) as (sd, _):
        _, body = await ask(sd, "roughly when did relations begin?")
        embed = body["embeds"][0]
        assert embed["color"] == embeds.LIKELY_COLOUR.value
        assert embed["description"].startswith(embeds.LIKELY_LINE)
        buttons = [c for row in body["components"] for c in row["components"]]
        assert buttons[0]["custom_id"].startswith("kz:ctx:") and buttons[0]["style"] == 1  # primary
        assert buttons[1]["style"] == 2
