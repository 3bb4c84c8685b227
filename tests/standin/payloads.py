"""The JSON Discord sends and accepts: users, roles, members, channels, the guild, messages
(with its limits on message bodies and how an edit applies)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from .model import EPHEMERAL, LOADING, Guild, Permissions, _error, _form_error


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

    def _guild_by(self, guild_id: str | None) -> Guild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def _guild_of_channel(self, channel_id: str) -> Guild | None:
        return next((g for g in self.guilds if g.channel_id == channel_id), None)

    def _member(self, user: dict[str, Any], *, with_user: bool = True, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.guilds[0]
        member = {"roles": guild.roles.get(user["id"], []), "nick": None, "avatar": None, "banner": None,
                  "joined_at": "2024-01-01T00:00:00+00:00", "premium_since": None, "deaf": False,
                  "mute": False, "flags": 0, "pending": False, "communication_disabled_until": None}
        return {"user": user, **member} if with_user else member

    def permissions_of(self, user: dict[str, Any], guild: Guild | None = None) -> int:
        """A user's permissions in a guild (the first unless named): its owner and Admins have all."""
        guild = guild or self.guilds[0]
        if user["id"] == self.bot_user_id:
            return self.bot_permissions
        if user["id"] == guild.owner_id or guild.admin_role_id in guild.roles.get(user["id"], []):
            return Permissions.ALL
        return Permissions.EVERYONE

    def _channel(self, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.guilds[0]
        return {"id": guild.channel_id, "type": 0, "guild_id": guild.id, "name": "general", "position": 0,
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

    def _guild(self, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.guilds[0]
        roles = [self._role(guild.id, "@everyone", Permissions.EVERYONE, 0),
                 self._role(guild.admin_role_id, "Admin", Permissions.ADMINISTRATOR, 1),
                 self._role(guild.bot_role_id, "Kizuna", self.bot_permissions, 2, managed=True,
                            tags={"bot_id": self.bot_user_id})]
        members = [self._member(u, guild=guild) for u in self.users.values()]
        return {"id": guild.id, "name": guild.name, "icon": None, "splash": None,
                "discovery_splash": None, "banner": None, "description": None, "owner_id": guild.owner_id,
                "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "nsfw_level": 0, "features": [], "emojis": [], "stickers": [], "roles": roles,
                "system_channel_id": guild.channel_id, "system_channel_flags": 0, "rules_channel_id": None,
                "public_updates_channel_id": None, "safety_alerts_channel_id": None,
                "preferred_locale": "en-US", "premium_tier": 0, "premium_subscription_count": 0,
                "premium_progress_bar_enabled": False, "vanity_url_code": None, "max_members": 500000,
                "application_id": None, "joined_at": _now_iso(), "large": False, "lazy": True,
                "unavailable": False, "member_count": len(members), "members": members,
                "channels": [self._channel(guild)], "threads": [], "presences": [], "voice_states": [],
                "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": []}

    def _message(self, channel_id: str, author: dict[str, Any], body: dict[str, Any], *,
                 flags: int = 0, msg_type: int = 0, **extra: Any) -> dict[str, Any]:
        guild = self._guild_of_channel(channel_id)
        content = body.get("content") or ""
        mentioned = set(re.findall(r"<@!?(\d+)>", content))
        msg = {"id": self._snowflake(), "channel_id": channel_id, "author": author, "content": content,
               "timestamp": _now_iso(), "edited_timestamp": None, "tts": bool(body.get("tts")),
               "mention_everyone": False, "mentions": [self.users[i] for i in mentioned if i in self.users],
               "mention_roles": [], "attachments": [], "embeds": body.get("embeds") or [],
               "components": body.get("components") or [], "pinned": False, "type": msg_type,
               "flags": flags, **({"guild_id": guild.id} if guild else {}), **extra}
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        self.messages[msg["id"]] = msg
        return msg
