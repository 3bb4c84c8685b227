"""End-to-end: cooldown, size limits, and the last-resort error handler (fake engine)."""
from __future__ import annotations

import logging
from typing import Any

import pytest

from test_bot_fakes import FakeEngine
from test_e2e_harness import ask, running_bot

EPHEMERAL = 1 << 6


class BrokenEngine(FakeEngine):
    """Fails in a way nobody planned for, to reach the tree-level handler."""

    def ask_many(self, items: Any, k: int = 3) -> Any:
        raise RuntimeError("disk on fire")

    def ask(self, question: str, k: int = 3, document: str | None = None) -> Any:
        raise RuntimeError("disk on fire")

    def documents(self) -> Any:
        raise RuntimeError("disk on fire")


async def test_cooldown_answers_with_when_to_retry(caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(FakeEngine(), cooldown_rate=2, cooldown_seconds=60.0) as (sd, _):
        for _ in range(2):
            _, body = await ask(sd, "when did relations begin?")
            assert body["embeds"][0]["title"].startswith("Q:")
        it = await sd.send_slash("ask", {"question": "and again?"})
        await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        assert it.callback_type == 4 and it.callback_data["flags"] & EPHEMERAL
        text = it.callback_data["embeds"][0]["description"]
        assert "Try again in" in text and (" 60 s" in text or " 59 s" in text)
        # The same budget covers mentions: no dodging the limit by switching.
        n = len(sd.calls)
        await sd.send_message(f"<@{sd.bot_user_id}> and now?")
        call = await sd.wait_for("POST", r"/channels/\d+/messages", since=n)
        assert "Try again in" in call.json["embeds"][0]["description"]
        # Another user is not affected.
        it = await sd.send_slash("ask", {"question": "when?"}, user=sd.admin_user)
        await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")


async def test_a_very_long_answer_stays_within_discords_limits() -> None:
    async with running_bot(FakeEngine()) as (sd, _):
        it, body = await ask(sd, "the long one " + "x" * 280)
        call = sd.calls[-1]
        assert call.status == 200, call.response  # the stand-in enforces Discord's limits
        embed = body["embeds"][0]
        assert len(embed["description"]) <= 4096 and "…" in embed["description"]
        assert len(embed["title"]) <= 256
        for row in body["components"]:
            for button in row["components"]:
                click = await sd.click_button(it.original, button["custom_id"])
                await sd.wait_for("POST", rf"/interactions/{click.id}/{click.token}/callback")
                assert sd.calls[-1].status == 200, sd.calls[-1].response
        n = len(sd.calls)
        await sd.send_message(f"<@{sd.bot_user_id}> long " + "y" * 3000)
        reply = await sd.wait_for("POST", r"/channels/\d+/messages", since=n)
        assert reply.status == 200, reply.response


async def test_an_unexpected_error_is_logged_and_the_user_told(caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot(BrokenEngine()) as (sd, _):
        with caplog.at_level(logging.ERROR):
            it = await sd.send_slash("ask", {"question": "when?"})
            call = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}",
                                     predicate=lambda c: bool(c.json.get("embeds")))
            assert "Something went wrong" in call.json["embeds"][0]["description"]
            assert call.json.get("flags", 0) & EPHEMERAL
            assert any(c.method == "DELETE" and it.token in c.path for c in sd.calls)
            it = await sd.send_slash("help", {})
            call = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}",
                                     predicate=lambda c: bool(c.json.get("embeds")))
            assert "Something went wrong" in call.json["embeds"][0]["description"]
            assert call.json.get("flags", 0) & EPHEMERAL
        assert any(r.name == "bot.discord_app" and r.exc_info and "disk on fire" in str(r.exc_info[1])
                   for r in caplog.records)


async def test_an_invalid_question_gets_a_private_explanation() -> None:
    async with running_bot(FakeEngine()) as (sd, _):
        it = await sd.send_slash("ask", {"question": "   "})
        await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        assert it.callback_type == 4 and it.callback_data["flags"] & EPHEMERAL
        it = await sd.send_slash("ask", {"question": "an invalid one"})  # the engine refuses it
        call = await sd.wait_for("POST", rf"/webhooks/{sd.application_id}/{it.token}")
        assert call.json["flags"] & EPHEMERAL and "can't be used" in call.json["embeds"][0]["description"]
        assert any(c.method == "DELETE" and it.token in c.path for c in sd.calls)


async def test_past_the_queue_bound_a_question_is_told_busy_at_once() -> None:
    async with running_bot(FakeEngine(ask_delay=1.5), max_queued=2) as (sd, _):
        waiting = [await sd.send_slash("ask", {"question": f"when did relations begin {i}?"}) for i in range(2)]
        for it in waiting:
            await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        it = await sd.send_slash("ask", {"question": "and one more?"})
        await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
        assert it.callback_type == 4 and it.callback_data["flags"] & EPHEMERAL  # the reply itself, not a defer
        assert it.acknowledged_at - it.sent_at < 1.0
        assert it.callback_data["embeds"][0]["title"] == "Busy"
        assert "try again" in it.callback_data["embeds"][0]["description"]
        n = len(sd.calls)
        await sd.send_message(f"<@{sd.bot_user_id}> and by mention?")
        reply = await sd.wait_for("POST", r"/channels/\d+/messages", since=n)
        assert reply.json["embeds"][0]["title"] == "Busy"
        for it in waiting:  # the questions already queued are still answered
            call = await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
            assert call.json["embeds"][0]["title"].startswith("Q:")
