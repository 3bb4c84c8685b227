"""The JSON Discord sends and accepts: users, roles, members, channels, the guild, messages
(with its limits on message bodies and how an edit applies)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from .model import EPHEMERAL, LOADING, Permissions, _error, _form_error


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def _invalid_message(body: dict[str, Any], files: list[str], edit: bool = False) -> dict[str, Any] | None:
    """Discord's length limits: the usual reason a long quote fails in production."""
    if len(body.get("content") or "") > 2000:
        return _error(50035, "Invalid Form Body",
                      _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."))
    embeds = body.get("embeds") or []
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        for key, limit in limits.items():
            if len(embed.get(key) or "") > limit:
                return _error(50035, "Invalid Form Body", _form_error(
                    f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
        fields = embed.get("fields") or []
        for j, fld in enumerate(fields):
            if len(fld.get("value") or "") > 1024 or not fld.get("value"):
                return _error(50035, "Invalid Form Body", _form_error(
                    f"embeds.{i}.fields.{j}.value", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length."))
        if len(fields) > 25:
            return _error(50035, "Invalid Form Body", _form_error(
                f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    if not edit and not (body.get("content") or embeds or body.get("components") or files
                         or body.get("poll") or body.get("sticker_ids")):
        return _error(50006, "Cannot send an empty message")
    return None


def _invalid_choices(data: dict[str, Any]) -> dict[str, Any] | None:
    """An autocomplete answer (callback type 8): at most 25 choices, names and string values 1-100 long."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        return _error(50035, "Invalid Form Body", _form_error("data.choices", "BASE_TYPE_REQUIRED", "This field is required"))
    if len(choices) > 25:
        return _error(50035, "Invalid Form Body", _form_error(
            "data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    for i, choice in enumerate(choices):
        for key in ("name", "value"):
            value = choice.get(key)
            if isinstance(value, str) and not 1 <= len(value) <= 100 or value is None:
                return _error(50035, "Invalid Form Body", _form_error(
                    f"data.choices.{i}.{key}", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    return None


def _apply_edit(msg: dict[str, Any], body: dict[str, Any]) -> None:
    for key in ("content", "embeds", "components"):
        if key in body:
            msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
    # Editing ends the "thinking..." state; ephemerality cannot change after the fact.
    msg["flags"] = (msg.get("flags", 0) & EPHEMERAL) | (int(body.get("flags") or 0) & ~(EPHEMERAL | LOADING))
    msg["edited_timestamp"] = _now_iso()


class _Payloads:
    """Payload builders of ``DiscordStandIn``; the state they read is set up in server.py."""

    def _snowflake(self) -> str:
        # Real snowflakes carry their creation time; discord.py reads it (created_at).
        value = ((int(time.time() * 1000) - 1420070400000) << 22) | (next(self._ids) & 0xFFF)
        self._last_id = max(value, self._last_id + 1)
        return str(self._last_id)

    @staticmethod
    def _user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {"id": user_id, "username": name, "discriminator": "0", "global_name": name.title(),
                "avatar": None, "bot": bot, "public_flags": 0, "flags": 0}

    def _role(self, role_id: str, name: str, perms: int, position: int, **extra: Any) -> dict[str, Any]:
        return {"id": role_id, "name": name, "color": 0, "hoist": False, "icon": None, "unicode_emoji": None,
                "position": position, "permissions": str(perms), "managed": False, "mentionable": False,
                "flags": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                **extra}

    def _member(self, user: dict[str, Any], *, with_user: bool = True) -> dict[str, Any]:
        member = {"roles": self._roles.get(user["id"], []), "nick": None, "avatar": None, "banner": None,
                  "joined_at": "2024-01-01T00:00:00+00:00", "premium_since": None, "deaf": False,
                  "mute": False, "flags": 0, "pending": False, "communication_disabled_until": None}
        return {"user": user, **member} if with_user else member

    def permissions_of(self, user: dict[str, Any]) -> int:
        if user["id"] == self.owner_id or user["id"] == self.admin_user["id"]:
            return Permissions.ALL
        return self.bot_permissions if user["id"] == self.bot_user_id else Permissions.EVERYONE

    def _channel(self) -> dict[str, Any]:
        return {"id": self.channel_id, "type": 0, "guild_id": self.guild_id, "name": "general", "position": 0,
                "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}

    def dm_channel(self, user: dict[str, Any]) -> dict[str, Any]:
        """The DM channel between the bot and ``user`` (created on first use, like Discord)."""
        for channel in self._dm_channels.values():
            if channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel = {"id": self._snowflake(), "type": 1, "recipients": [user], "last_message_id": None, "flags": 0}
        self._dm_channels[channel["id"]] = channel
        return channel

    def _guild(self) -> dict[str, Any]:
        roles = [self._role(self.guild_id, "@everyone", Permissions.EVERYONE, 0),
                 self._role(self.admin_role_id, "Admin", Permissions.ADMINISTRATOR, 1),
                 self._role(self.bot_role_id, "Kizuna", self.bot_permissions, 2, managed=True,
                            tags={"bot_id": self.bot_user_id})]
        members = [self._member(u) for u in self.users.values()]
        return {"id": self.guild_id, "name": "Kizuna test guild", "icon": None, "splash": None,
                "discovery_splash": None, "banner": None, "description": None, "owner_id": self.owner_id,
                "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "nsfw_level": 0, "features": [], "emojis": [], "stickers": [], "roles": roles,
                "system_channel_id": self.channel_id, "system_channel_flags": 0, "rules_channel_id": None,
                "public_updates_channel_id": None, "safety_alerts_channel_id": None,
                "preferred_locale": "en-US", "premium_tier": 0, "premium_subscription_count": 0,
                "premium_progress_bar_enabled": False, "vanity_url_code": None, "max_members": 500000,
                "application_id": None, "joined_at": _now_iso(), "large": False, "lazy": True,
                "unavailable": False, "member_count": len(members), "members": members,
                "channels": [self._channel()], "threads": [], "presences": [], "voice_states": [],
                "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": []}

    def _message(self, channel_id: str, author: dict[str, Any], body: dict[str, Any], *,
                 flags: int = 0, msg_type: int = 0, **extra: Any) -> dict[str, Any]:
        guild = channel_id == self.channel_id
        content = body.get("content") or ""
        mentioned = set(re.findall(r"<@!?(\d+)>", content))
        msg = {"id": self._snowflake(), "channel_id": channel_id, "author": author, "content": content,
               "timestamp": _now_iso(), "edited_timestamp": None, "tts": bool(body.get("tts")),
               "mention_everyone": False, "mentions": [self.users[i] for i in mentioned if i in self.users],
               "mention_roles": [], "attachments": [], "embeds": body.get("embeds") or [],
               "components": body.get("components") or [], "pinned": False, "type": msg_type,
               "flags": flags, **({"guild_id": self.guild_id} if guild else {}), **extra}
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        self.messages[msg["id"]] = msg
        return msg
