"""Constants, permission bits, the records the stand-in keeps, and Discord's error bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

API = "/api/v10"
GATEWAY_HOSTS = ("gateway.discord.gg", "gateway-us-east1-b.discord.gg")
CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")  # attachments: url and proxy_url
HOSTS = ("discord.com", *GATEWAY_HOSTS, *CDN_HOSTS)
RESUME_URL = f"wss://{GATEWAY_HOSTS[1]}"
EPHEMERAL, LOADING = 1 << 6, 1 << 7
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1, 2, 1 << 9, 1 << 12, 1 << 15


class Permissions:
    """Permission bits, as Discord numbers them."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 53) - 1
    EVERYONE = (CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
                | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS
                | SEND_MESSAGES_IN_THREADS)


@dataclass
class Guild:
    """One server: its text channel, its roles and who holds them. The first is the stand-in's own."""

    id: str
    channel_id: str
    admin_role_id: str
    bot_role_id: str
    name: str
    owner_id: str  # the server's owner: every permission there
    admin_user: dict[str, Any]  # holds the Admin role (Administrator) here, and nowhere else
    roles: dict[str, list[str]] = field(default_factory=dict)  # user id -> role ids


@dataclass
class Call:
    """One REST request as the stand-in saw it, with what it answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    time: float
    files: list[str] = field(default_factory=list)
    status: int = 0
    response: Any = None


@dataclass
class SentInteraction:
    """An interaction the stand-in sent (or, with ``delivered`` False, withheld)."""

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    delivered: bool = False
    sent_at: float | None = None
    acknowledged_at: float | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)


def _error(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return body


def _form_error(path: str, code: str, message: str) -> dict[str, Any]:
    # discord.py flattens the nested "errors" tree into "a.b.c: message" lines.
    tree: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        tree = {part: tree}
    return tree
