"""A Discord stand-in on loopback, for end-to-end tests of the real discord.py client.

The stand-in serves Discord's REST API (v10) and the gateway websocket over TLS on
127.0.0.1. The client reaches it through its documented ``connector=`` option: the
connector resolves ``discord.com`` and ``*.discord.gg`` gateways to the stand-in,
refuses every other host, and trusts only a throwaway CA. Nothing in discord.py is
patched. It answers where bots break in production: exact JSON content type, the
3-second interaction deadline (10062), double acknowledgement (40060),
``default_member_permissions`` enforced before delivery, the message content intent,
message length limits (50035), and RESUME after a dropped gateway.

Use::

    sd = DiscordStandIn(); await sd.start()          # or the ``standin`` fixture
    bot = commands.AutoShardedBot(..., connector=sd.connector(), guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.start(sd.token))
    await sd.wait_ready()                             # GUILD_CREATE sent, commands synced
    it = await sd.send_slash("ask", {"question": "..."}, user=sd.member_user)
    call = await sd.wait_for("POST", rf"/interactions/{it.id}/{it.token}/callback")
    await sd.wait_for("PATCH", rf"/webhooks/{sd.application_id}/{it.token}/messages/@original")
    it.original, it.acknowledged_at - it.sent_at, sd.registered_commands
    await sd.drop_gateway(); await sd.wait_for_resume()
    await bot.close(); await sd.stop()

Attributes: token, application_id, bot_user_id, guild_id, channel_id, owner_id, port;
users as dicts: bot_user, owner_user, admin_user (Admin role), member_user (@everyone);
calls (every REST request as a ``Call``: method, path without /api/v10, query, json,
files, time, status, response), unknown_routes, refused_hosts, crashes, messages
(id -> current message dict), interactions (id -> ``SentInteraction``), gateway_log
(direction, time, frame), gateway_hosts, heartbeats (arrival times), identify (last
IDENTIFY ``d``), resumes, registered_commands; switches ack_deadline (3.0 s),
deliver_unpermitted (False), heartbeat_interval (seconds), bot_permissions.

Methods (times are ``time.monotonic()``):
  start/stop; connector() -> a fresh TCPConnector per client;
  wait_ready() -> the latest session got GUILD_CREATE and commands were synced since
    the latest login (``commands=False`` skips the sync);
  wait_for(method, path_regex, predicate=None, timeout=10, since=0) -> Call, the first
    from index ``since`` whose path ``re.fullmatch``es;
  send_slash(name, options, user=, permissions=, guild=True) -> SentInteraction;
    ``delivered`` is False where Discord would hide the command (lacking
    default_member_permissions, or not allowed in that context); an unregistered
    command raises LookupError, missing or unknown options ValueError;
  click_button(message, custom_id, user=, values=) -> SentInteraction;
  send_message(content, author=, mentions=, referenced_message=, ping_reply=True,
    guild=True) -> message dict;
  drop_gateway(code=4000, abrupt=False); wait_for_resume(); heartbeat_gaps();
  fail_next(method, path_regex, status, code=0); permissions_of(user); dm_channel(user);
  check() raises on unknown routes, refused hosts or stand-in crashes.
Fixture ``standin`` (function scope; import it, or ``pytest_plugins = ["standin"]``)
starts one, stops it and calls check() at teardown.

Like Discord: the first follow-up after a thinking defer replaces the loading message;
a follow-up before any acknowledgement is 10015; the callback answers 204 unless
``?with_response=1`` (discord.py always sends it); dispatches sent while the socket is
down are replayed on RESUME; MESSAGE_CREATE/UPDATE are dispatched for non-ephemeral
messages, blanked unless the bot has the message content intent, is mentioned (a
pinging reply counts), wrote it, or it is a DM.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import secrets
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import aiohttp
import pytest
import trustme
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

API = "/api/v10"
GATEWAY_HOSTS = ("gateway.discord.gg", "gateway-us-east1-b.discord.gg")
HOSTS = ("discord.com", *GATEWAY_HOSTS)
RESUME_URL = f"wss://{GATEWAY_HOSTS[1]}"
EPHEMERAL, LOADING = 1 << 6, 1 << 7
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1, 2, 1 << 9, 1 << 12, 1 << 15
T = TypeVar("T")
log = logging.getLogger(__name__)


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


@dataclass
class _Session:
    id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    guild_created: bool = False
    buffer: list[tuple[int, str]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    request: web.Request | None = None


class _LoopbackResolver(AbstractResolver):
    def __init__(self, standin: DiscordStandIn) -> None:
        self._sd = standin

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host not in HOSTS:
            self._sd.refused_hosts.append(host)
            raise OSError(f"the Discord stand-in refuses to resolve {host!r}")
        return [{"hostname": host, "host": "127.0.0.1", "port": self._sd.port,
                 "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


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


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        found = _find_component(comp.get("components", []), custom_id)
        if found:
            return found
    return None


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


def _apply_edit(msg: dict[str, Any], body: dict[str, Any]) -> None:
    for key in ("content", "embeds", "components"):
        if key in body:
            msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
    # Editing ends the "thinking..." state; ephemerality cannot change after the fact.
    msg["flags"] = (msg.get("flags", 0) & EPHEMERAL) | (int(body.get("flags") or 0) & ~(EPHEMERAL | LOADING))
    msg["edited_timestamp"] = _now_iso()


class DiscordStandIn:
    """Discord's REST API and gateway on loopback TLS, for one bot, one guild, one channel."""

    def __init__(self, *, heartbeat_interval: float = 41.25, ack_deadline: float = 3.0) -> None:
        self._ids = itertools.count()
        self._last_id = 0
        self.token = "stand-in." + secrets.token_urlsafe(24)
        self.application_id = self.bot_user_id = self._snowflake()
        self.guild_id, self.channel_id, self.admin_role_id, self.bot_role_id = (
            self._snowflake() for _ in range(4))
        self.bot_user = self._user(self.bot_user_id, "Kizuna", bot=True)
        self.owner_user, self.admin_user, self.member_user = (
            self._user(self._snowflake(), name) for name in ("owner", "admin", "member"))
        self.owner_id = self.owner_user["id"]
        self.users = {u["id"]: u for u in (self.bot_user, self.owner_user, self.admin_user, self.member_user)}
        self._roles = {self.admin_user["id"]: [self.admin_role_id], self.bot_user_id: [self.bot_role_id]}
        self.heartbeat_interval, self.ack_deadline = heartbeat_interval, ack_deadline
        self.deliver_unpermitted = False
        self.bot_permissions = Permissions.EVERYONE
        self.calls: list[Call] = []
        self.unknown_routes: list[str] = []
        self.refused_hosts: list[str] = []
        self.crashes: list[str] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, SentInteraction] = {}
        self.gateway_log: list[tuple[str, float, dict[str, Any]]] = []
        self.gateway_hosts: list[str] = []
        self.heartbeats: list[float] = []
        self._heartbeat_conn: list[int] = []
        self.identify: dict[str, Any] | None = None
        self.resumes = 0
        self._resumes_at_drop = 0
        self._commands: dict[str | None, list[dict[str, Any]]] = {}
        self._dm_channels: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._failures: list[tuple[str, str, int, int]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._ca = trustme.CA()
        self._client_ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._ca.configure_trust(self._client_ssl)

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(*HOSTS).configure_cert(server_ssl)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, ssl_context=server_ssl).start()

    async def stop(self) -> None:
        for session in self._sessions.values():
            if session.ws is not None:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    def connector(self) -> aiohttp.TCPConnector:
        """A fresh connector for ``Client(connector=...)``; the client closes it with its session."""
        return aiohttp.TCPConnector(resolver=_LoopbackResolver(self), ssl=self._client_ssl, limit=0)

    def check(self) -> None:
        """Fail loudly if the client asked for something the stand-in does not know."""
        problems = [f"unknown route {r}" for r in self.unknown_routes]
        problems += [f"refused host {h}" for h in self.refused_hosts] + self.crashes
        if problems:
            raise AssertionError("Discord stand-in: " + "; ".join(problems))

    # -- waiting ---------------------------------------------------------------------

    def _bump(self) -> None:
        # Waiters hold the old event; replacing it wakes them all exactly once.
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while True:
            changed = self._changed
            result = check()
            if result is not None and result is not False:
                return result
            remaining = deadline - time.monotonic()
            try:
                await asyncio.wait_for(changed.wait(), max(remaining, 0))
            except asyncio.TimeoutError:
                raise TimeoutError(f"Discord stand-in: timed out after {timeout}s waiting for {what}") from None

    async def wait_for(self, method: str, path_regex: str, predicate: Callable[[Call], bool] | None = None,
                       *, timeout: float = 10, since: int = 0) -> Call:
        """The first recorded call from index ``since`` whose path fully matches ``path_regex``."""
        pattern = re.compile(path_regex)

        def find() -> Call | None:
            for call in self.calls[since:]:
                if call.method == method and pattern.fullmatch(call.path) and (predicate is None or predicate(call)):
                    return call
            return None
        return await self._wait_until(find, timeout, f"{method} {path_regex}")

    async def wait_ready(self, *, timeout: float = 10, commands: bool = True) -> None:
        """The latest session got its GUILD_CREATE and (unless ``commands=False``) the
        bot synced commands since its latest login, so a restarted bot is waited for too."""
        synced = re.compile(rf"/applications/{self.application_id}(/guilds/\d+)?/commands")

        def ready() -> bool:
            logins = [i for i, c in enumerate(self.calls) if c.path == "/users/@me" and c.status == 200]
            if self._session is None or not self._session.guild_created or not logins:
                return False
            return not commands or any(c.method == "PUT" and c.status == 200 and synced.fullmatch(c.path)
                                       for c in self.calls[logins[-1]:])
        await self._wait_until(ready, timeout, "GUILD_CREATE and command sync")

    async def wait_for_resume(self, *, timeout: float = 10) -> None:
        await self._wait_until(lambda: self.resumes > self._resumes_at_drop, timeout, "RESUMED")

    def fail_next(self, method: str, path_regex: str, status: int, code: int = 0) -> None:
        """Answer the next matching REST call with an error instead of handling it."""
        self._failures.append((method, path_regex, status, code))

    def heartbeat_gaps(self) -> list[float]:
        """Seconds between consecutive heartbeats on the same connection."""
        pairs = zip(zip(self._heartbeat_conn, self.heartbeats), zip(self._heartbeat_conn[1:], self.heartbeats[1:]))
        return [t2 - t1 for (c1, t1), (c2, t2) in pairs if c1 == c2]

    # -- data --------------------------------------------------------------------------

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

    # -- gateway -------------------------------------------------------------------

    async def _dispatch(self, event: str, data: dict[str, Any], session: _Session | None = None) -> float:
        """Send a dispatch; while the socket is down it waits in the buffer for RESUME, as on Discord."""
        session = session or self._session
        if session is None:
            raise RuntimeError("Discord stand-in: no gateway session (is the bot connected?)")
        session.seq += 1
        # Serialized now, so a replay on RESUME sends what was true then, not later edits.
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.buffer.append((session.seq, text))
        sent_at = time.monotonic()
        await self._send(session.ws, text)
        return sent_at

    async def _send(self, ws: web.WebSocketResponse | None, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        self.gateway_log.append(("send", time.monotonic(), json.loads(text)))
        if ws is not None and not ws.closed:
            try:
                await ws.send_str(text)
            except ConnectionError:
                pass  # the frame stays buffered and is replayed on RESUME
        self._bump()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.gateway_hosts.append(request.host.split(":")[0])
        conn = len(self.gateway_hosts)
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}})
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            self.gateway_log.append(("recv", time.monotonic(), frame))
            await self._on_frame(ws, request, conn, frame)
        for session in self._sessions.values():
            if session.ws is ws:
                session.ws = None
        self._bump()
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, request: web.Request, conn: int,
                        frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats.append(time.monotonic())
            self._heartbeat_conn.append(conn)
            await self._send(ws, {"op": 11})
        elif op == 2:
            await self._on_identify(ws, request, data)
        elif op == 6:
            await self._on_resume(ws, request, data)
        elif op == 8:
            members = [self._member(u) for u in self.users.values()]
            await self._dispatch("GUILD_MEMBERS_CHUNK", {"guild_id": self.guild_id, "members": members,
                                 "chunk_index": 0, "chunk_count": 1, "nonce": data.get("nonce")})

    async def _on_identify(self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify = data
        session = _Session(secrets.token_hex(16), int(data.get("intents", 0)), data.get("shard"), ws=ws,
                           request=request)
        self._sessions[session.id] = self._session = session
        ready = {"v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
                 "guilds": [{"id": self.guild_id, "unavailable": True}], "session_id": session.id,
                 "resume_gateway_url": RESUME_URL, "session_type": "normal", "private_channels": [],
                 "relationships": [], "presences": [], "guild_join_requests": [], "user_settings": {},
                 "geo_ordered_rtc_regions": [], "auth": {}, "_trace": ["discord-stand-in"],
                 # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED: intents switched on.
                 "application": {"id": self.application_id, "flags": (1 << 15) | (1 << 19)}}
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._dispatch("READY", ready, session)
        if session.intents & GUILDS:
            await self._dispatch("GUILD_CREATE", self._guild(), session)
            session.guild_created = True
            self._bump()

    async def _on_resume(self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]) -> None:
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await self._send(ws, {"op": 9, "d": False})
            return
        session.ws, session.request = ws, request
        for seq, text in session.buffer:
            if seq > (data.get("seq") or 0):
                await self._send(ws, text)
        await self._dispatch("RESUMED", {"_trace": ["discord-stand-in"]}, session)
        self.resumes += 1
        self._bump()

    async def drop_gateway(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Close the bot's gateway socket (with ``code``, or by cutting TCP) so it reconnects."""
        self._resumes_at_drop = self.resumes
        for session in self._sessions.values():
            ws, request, session.ws = session.ws, session.request, None
            if ws is None:
                continue
            if abrupt and request is not None and request.transport is not None:
                request.transport.abort()
            else:
                await ws.close(code=code, message=b"stand-in dropped the connection")

    # -- pushing events at the bot -------------------------------------------------

    async def _publish(self, event: str, msg: dict[str, Any]) -> None:
        """MESSAGE_CREATE/UPDATE as the bot would see it, given its intents."""
        session = self._session
        guild = "guild_id" in msg
        if session is None or msg.get("flags", 0) & EPHEMERAL:
            return
        if not session.intents & (GUILD_MESSAGES if guild else DIRECT_MESSAGES):
            return
        data = {**msg, "member": self._member(msg["author"], with_user=False)} if guild else dict(msg)
        readable = (session.intents & MESSAGE_CONTENT or not guild or msg["author"]["id"] == self.bot_user_id
                    or any(u["id"] == self.bot_user_id for u in msg["mentions"]))
        if not readable:
            data.update(content="", embeds=[], attachments=[], components=[])
        await self._dispatch(event, data)

    async def send_message(self, content: str, *, author: dict[str, Any] | None = None,
                           mentions: list[dict[str, Any]] | None = None,
                           referenced_message: dict[str, Any] | None = None, ping_reply: bool = True,
                           guild: bool = True) -> dict[str, Any]:
        """A user writes in the guild channel (or, with ``guild=False``, a DM to the bot).

        A reply pings the replied-to author unless ``ping_reply=False``, as Discord's client does."""
        author = author or self.member_user
        channel_id = self.channel_id if guild else self.dm_channel(author)["id"]
        extra: dict[str, Any] = {}
        if referenced_message is not None:
            extra = {"message_reference": {"type": 0, "message_id": referenced_message["id"],
                                           "channel_id": referenced_message["channel_id"],
                                           **({"guild_id": self.guild_id} if guild else {})},
                     "referenced_message": referenced_message}
        msg = self._message(channel_id, author, {"content": content}, msg_type=19 if extra else 0, **extra)
        known = {u["id"] for u in msg["mentions"]}
        pinged = [referenced_message["author"]] if referenced_message is not None and ping_reply else []
        for user in [*(mentions or []), *pinged]:
            if user["id"] not in known:
                known.add(user["id"])
                msg["mentions"].append(user)
        await self._publish("MESSAGE_CREATE", msg)
        return msg

    def _command(self, name: str, guild: bool) -> dict[str, Any]:
        scopes = [self.guild_id, None] if guild else [None]
        for scope in scopes:
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        known = [c["name"] for c in self.registered_commands]
        raise LookupError(f"/{name} is not registered here (registered: {known})")

    def _visible(self, cmd: dict[str, Any], perms: int, guild: bool) -> bool:
        contexts = cmd.get("contexts")
        if not guild:
            return (1 in contexts) if contexts is not None else cmd.get("dm_permission") is not False
        if contexts is not None and 0 not in contexts:
            return False
        required = cmd.get("default_member_permissions")
        if required is None or perms & Permissions.ADMINISTRATOR:
            return True
        # "0" hides the command from everyone but administrators.
        return int(required) != 0 and perms & int(required) == int(required)

    def _options(self, cmd: dict[str, Any], options: dict[str, Any] | list[dict[str, Any]] | None,
                 resolved: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(options, list):
            return options
        spec = {o["name"]: o for o in cmd.get("options") or []}
        given = options or {}
        missing = [n for n, o in spec.items() if o.get("required") and n not in given]
        unknown = [n for n in given if n not in spec]
        if missing or unknown:
            raise ValueError(f"/{cmd['name']}: Discord would not send this (missing {missing}, unknown {unknown})")
        out = []
        for name, value in given.items():
            if spec[name]["type"] == 6 and isinstance(value, dict):
                resolved.setdefault("users", {})[value["id"]] = value
                resolved.setdefault("members", {})[value["id"]] = {
                    **self._member(value, with_user=False), "permissions": str(self.permissions_of(value))}
                value = value["id"]
            out.append({"name": name, "type": spec[name]["type"], "value": value})
        return out

    def _interaction(self, itype: int, data: dict[str, Any], user: dict[str, Any], perms: int, guild: bool,
                     locale: str, message: dict[str, Any] | None = None) -> SentInteraction:
        payload: dict[str, Any] = {
            "id": self._snowflake(), "application_id": self.application_id, "type": itype, "data": data,
            "token": "aW50ZXJhY3Rpb24." + secrets.token_urlsafe(48), "version": 1, "locale": locale,
            "app_permissions": str(self.bot_permissions), "entitlements": [], "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024, "context": 0 if guild else 1,
            "authorizing_integration_owners": {"0": self.guild_id if guild else "0"}}
        if guild:
            payload.update(guild_id=self.guild_id, guild={"id": self.guild_id, "locale": "en-US", "features": []},
                           guild_locale="en-US", channel_id=self.channel_id, channel=self._channel(),
                           member={**self._member(user), "permissions": str(perms)})
        else:
            dm = self.dm_channel(user)
            payload.update(channel_id=dm["id"], channel=dm, user=user)
        if message is not None:
            payload["message"] = message
        return SentInteraction(payload["id"], payload["token"], itype, payload)

    async def _deliver(self, it: SentInteraction) -> SentInteraction:
        self.interactions[it.id] = it
        it.delivered = True
        it.sent_at = await self._dispatch("INTERACTION_CREATE", it.payload)
        return it

    async def send_slash(self, name: str, options: dict[str, Any] | list[dict[str, Any]] | None = None, *,
                         user: dict[str, Any] | None = None, permissions: int | None = None,
                         guild: bool = True, locale: str = "en-US") -> SentInteraction:
        """A user runs a registered slash command; withheld (``delivered`` False) where Discord hides it."""
        user = user or self.member_user
        cmd = self._command(name, guild)
        perms = self.permissions_of(user) if permissions is None else permissions
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1}
        resolved: dict[str, Any] = {}
        data["options"] = self._options(cmd, options, resolved)
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        it = self._interaction(2, data, user, perms, guild, locale)
        if not self._visible(cmd, perms, guild) and not self.deliver_unpermitted:
            return it
        return await self._deliver(it)

    async def click_button(self, message: dict[str, Any], custom_id: str, *, user: dict[str, Any] | None = None,
                           values: list[str] | None = None, permissions: int | None = None,
                           locale: str = "en-US") -> SentInteraction:
        """A user clicks a button (or picks ``values`` in a select) on the message's current state."""
        user = user or self.member_user
        current = self.messages.get(message["id"], message)
        component = _find_component(current.get("components") or [], custom_id)
        if component is None or component.get("disabled"):
            raise LookupError(f"no enabled component {custom_id!r} on message {current['id']}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        perms = self.permissions_of(user) if permissions is None else permissions
        guild = "guild_id" in current
        it = self._interaction(3, data, user, perms, guild, locale, message=current)
        it.original = current
        return await self._deliver(it)

    # -- REST ------------------------------------------------------------------------

    @staticmethod
    def _json(status: int, body: Any) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=204)
        # Exactly "application/json": discord.py parses nothing else (no "; charset=...").
        return web.Response(status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        arrived = time.monotonic()
        path = request.path[len(API):] if request.path.startswith(API + "/") else request.path
        call = Call(request.method, path, dict(request.query), None, arrived)
        try:
            call.json, call.files = await self._read_body(request)
            call.status, call.response = await self._route(request, call)
        except Exception as exc:  # a 500 would make discord.py retry for 16 s; fail fast and loud instead
            log.exception("stand-in crashed on %s %s", call.method, call.path)
            self.crashes.append(f"{call.method} {call.path}: {exc!r}")
            call.status, call.response = 400, _error(0, f"stand-in crashed: {exc!r}")
        self.calls.append(call)
        self._bump()
        return self._json(call.status, call.response)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
        if request.content_type.startswith("multipart/"):
            payload, files = None, []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(part.filename or part.name or "")  # type: ignore[union-attr]
                    await part.read()  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        try:
            return (json.loads(raw) if raw else None), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _route(self, request: web.Request, call: Call) -> tuple[int, Any]:
        for i, (method, regex, status, code) in enumerate(self._failures):
            if method == call.method and re.fullmatch(regex, call.path):
                del self._failures[i]
                return status, _error(code, f"stand-in injected {status}")
        host_ok = request.host.split(":")[0] == "discord.com" and request.path.startswith(API + "/")
        for method, regex, handler, needs_auth in self._routes:
            match = re.fullmatch(regex, call.path)
            if host_ok and method == call.method and match:
                if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    return 401, _error(0, "401: Unauthorized")
                return await handler(self, call, *match.groups())
        self.unknown_routes.append(f"{call.method} {request.host}{request.path}")
        return 404, _error(0, "404: Not Found")

    async def _get_me(self, call: Call) -> tuple[int, Any]:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _get_app(self, call: Call) -> tuple[int, Any]:
        return 200, {"id": self.application_id, "name": "Kizuna", "icon": None, "description": "",
                     "bot_public": False, "bot_require_code_grant": False, "verify_key": "0" * 64,
                     "owner": self.owner_user, "team": None, "flags": (1 << 15) | (1 << 19),
                     "bot": self.bot_user, "summary": "", "interactions_endpoint_url": None}

    async def _get_gateway(self, call: Call) -> tuple[int, Any]:
        return 200, {"url": f"wss://{GATEWAY_HOSTS[0]}", "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}}

    @property
    def registered_commands(self) -> list[dict[str, Any]]:
        """Every synced command, global first; guild commands carry ``guild_id``."""
        return [c for scope in sorted(self._commands, key=lambda s: s is not None) for c in self._commands[scope]]

    def _invalid_commands(self, commands: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Discord's checks on a command sync, the ones a decorator typo trips."""
        for i, cmd in enumerate(commands):
            slash, options = cmd.get("type", 1) == 1, cmd.get("options") or []
            name_ok = re.fullmatch(r"[-_\w]{1,32}" if slash else r".{1,32}", cmd.get("name", ""))
            if not name_ok or (slash and cmd["name"] != cmd["name"].lower()):
                problem = ("name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            elif slash and not 1 <= len(cmd.get("description") or "") <= 100:
                problem = ("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            elif len(options) > 25 or any(o.get("required") and not all(p.get("required") for p in options[:j])
                                          for j, o in enumerate(options)):
                problem = ("options", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                           "Required options must be placed before non-required options")
            else:
                continue
            return _error(50035, "Invalid Form Body", _form_error(f"{i}.{problem[0]}", *problem[1:]))
        return None

    async def _put_commands(self, call: Call, app: str, guild: str | None = None) -> tuple[int, Any]:
        if app != self.application_id or guild not in (None, self.guild_id):
            return 403, _error(50001, "Missing Access")
        error = self._invalid_commands(call.json or [])
        if error:
            return 400, error
        old = {(c["name"], c.get("type", 1)): c for c in self._commands.get(guild, [])}
        stored = []
        for cmd in call.json or []:
            prev = old.get((cmd["name"], cmd.get("type", 1)))
            entry = {"type": 1, "options": [], "default_member_permissions": None, "nsfw": False,
                     "dm_permission": True, "contexts": None, "integration_types": [0],
                     "name_localizations": None, "description_localizations": None, **cmd,
                     "id": prev["id"] if prev else self._snowflake(), "application_id": self.application_id}
            if entry["default_member_permissions"] is not None:  # Discord answers bitfields as strings
                entry["default_member_permissions"] = str(entry["default_member_permissions"])
            if guild:
                entry["guild_id"] = guild
            unchanged = prev is not None and {k: v for k, v in prev.items() if k != "version"} == entry
            entry["version"] = prev["version"] if prev and unchanged else self._snowflake()
            stored.append(entry)
        self._commands[guild] = stored
        return 200, stored

    async def _get_commands(self, call: Call, app: str, guild: str | None = None) -> tuple[int, Any]:
        return 200, self._commands.get(guild, [])

    def _by_token(self, app: str, token: str) -> SentInteraction | None:
        if app != self.application_id:
            return None
        return next((it for it in self.interactions.values() if it.token == token), None)

    async def _callback(self, call: Call, interaction_id: str, token: str) -> tuple[int, Any]:
        it = self.interactions.get(interaction_id)
        if it is None or it.token != token or it.sent_at is None:
            return 404, _error(10062, "Unknown interaction")
        if it.acknowledged_at is not None:
            return 400, _error(40060, "Interaction has already been acknowledged.")
        if call.time - it.sent_at > self.ack_deadline:
            return 404, _error(10062, "Unknown interaction")
        kind, data = int(call.json["type"]), call.json.get("data") or {}
        if kind in (4, 7):
            error = _invalid_message(data, call.files, edit=kind == 7)
            if error:
                return 400, error
        it.acknowledged_at, it.callback_type, it.callback_data = call.time, kind, data
        flags = int(data.get("flags") or 0) & EPHEMERAL
        if kind in (4, 5):
            user = it.payload["member"]["user"] if "member" in it.payload else it.payload["user"]
            metadata = {"id": it.id, "type": it.type, "user": user,
                        "authorizing_integration_owners": it.payload["authorizing_integration_owners"]}
            it.original = self._message(it.payload["channel_id"], self.bot_user, data if kind == 4 else {},
                                        flags=flags | (LOADING if kind == 5 else 0), msg_type=20 if it.type == 2 else 0,
                                        application_id=self.application_id, webhook_id=self.application_id,
                                        interaction_metadata=metadata)
            await self._publish("MESSAGE_CREATE", it.original)
        elif kind == 7 and it.original is not None:
            _apply_edit(it.original, data)
            await self._publish("MESSAGE_UPDATE", it.original)
        answer: dict[str, Any] = {"resource": {"type": kind}, "interaction": {
            "id": it.id, "type": it.type, "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags)}}
        if it.original is not None and kind in (4, 5, 7):
            answer["interaction"]["response_message_id"] = it.original["id"]
            if kind != 5:
                answer["resource"]["message"] = it.original
        return (200, answer) if call.query.get("with_response") in ("1", "true", "True") else (204, None)

    async def _followup(self, call: Call, app: str, token: str) -> tuple[int, Any]:
        it = self._by_token(app, token)
        if it is None or it.acknowledged_at is None:
            return 404, _error(10015, "Unknown Webhook")
        body = call.json or {}
        error = _invalid_message(body, call.files)
        if error:
            return 400, error
        if it.callback_type == 5 and it.original is not None and it.original["flags"] & LOADING:
            _apply_edit(it.original, body)  # the first follow-up fills the "thinking..." message
            await self._publish("MESSAGE_UPDATE", it.original)
            msg = it.original
        else:
            msg = self._message(it.payload["channel_id"], self.bot_user, body,
                                flags=int(body.get("flags") or 0) & EPHEMERAL, application_id=self.application_id,
                                webhook_id=self.application_id)
            it.followups.append(msg)
            await self._publish("MESSAGE_CREATE", msg)
        return (200, msg) if call.query.get("wait") in ("1", "true", "True") else (204, None)

    async def _webhook_message(self, call: Call, app: str, token: str, message_id: str) -> tuple[int, Any]:
        it = self._by_token(app, token)
        if it is None:
            return 404, _error(10015, "Unknown Webhook")
        msg = it.original if message_id == "@original" else next(
            (m for m in [it.original, *it.followups] if m is not None and m["id"] == message_id), None)
        if msg is None or msg["id"] not in self.messages:
            return 404, _error(10008, "Unknown Message")
        return await self._message_op(call, msg, it)

    async def _message_op(self, call: Call, msg: dict[str, Any], it: SentInteraction | None = None) -> tuple[int, Any]:
        if call.method == "GET":
            return 200, msg
        if call.method == "DELETE":
            del self.messages[msg["id"]]
            if it is not None and it.original is msg:
                it.original = None
            data = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            if self._session is not None and not msg["flags"] & EPHEMERAL:
                await self._dispatch("MESSAGE_DELETE", data)
            return 204, None
        error = _invalid_message(call.json or {}, call.files, edit=True)
        if error:
            return 400, error
        _apply_edit(msg, call.json or {})
        await self._publish("MESSAGE_UPDATE", msg)
        return 200, msg

    def _channel_of(self, channel_id: str) -> dict[str, Any] | None:
        return self._channel() if channel_id == self.channel_id else self._dm_channels.get(channel_id)

    async def _create_message(self, call: Call, channel_id: str) -> tuple[int, Any]:
        if self._channel_of(channel_id) is None:
            return 404, _error(10003, "Unknown Channel")
        needed = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES
        if channel_id == self.channel_id and self.bot_permissions & needed != needed:
            return 403, _error(50013, "Missing Permissions")
        body = call.json or {}
        error = _invalid_message(body, call.files)
        if error:
            return 400, error
        extra: dict[str, Any] = {}
        ref = body.get("message_reference")
        if ref:
            referenced = self.messages.get(str(ref.get("message_id")))
            if referenced is None and ref.get("fail_if_not_exists", True):
                return 400, _error(50035, "Invalid Form Body", _form_error(
                    "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"))
            extra = {"message_reference": {"type": 0, "message_id": str(ref["message_id"]), "channel_id": channel_id,
                                           **({"guild_id": self.guild_id} if channel_id == self.channel_id else {})},
                     "referenced_message": referenced}
        msg = self._message(channel_id, self.bot_user, body, msg_type=19 if extra else 0, **extra)
        await self._publish("MESSAGE_CREATE", msg)
        return 200, msg

    async def _channel_message(self, call: Call, channel_id: str, message_id: str) -> tuple[int, Any]:
        msg = self.messages.get(message_id)
        if msg is None or msg["channel_id"] != channel_id:
            return 404, _error(10008, "Unknown Message")
        if call.method == "PATCH" and msg["author"]["id"] != self.bot_user_id:
            return 403, _error(50005, "Cannot edit a message authored by another user")
        return await self._message_op(call, msg)

    async def _get_channel(self, call: Call, channel_id: str) -> tuple[int, Any]:
        channel = self._channel_of(channel_id)
        return (200, channel) if channel else (404, _error(10003, "Unknown Channel"))

    async def _open_dm(self, call: Call) -> tuple[int, Any]:
        user = self.users.get(str((call.json or {}).get("recipient_id")))
        return (200, self.dm_channel(user)) if user else (400, _error(50033, "Invalid Recipient(s)"))

    async def _get_user(self, call: Call, user_id: str) -> tuple[int, Any]:
        user = self.users.get(user_id)
        return (200, user) if user else (404, _error(10013, "Unknown User"))

    async def _no_content(self, call: Call, *args: str) -> tuple[int, Any]:
        return 204, None

    _A, _W, _M = r"/applications/(\d+)", r"/webhooks/(\d+)/([^/]+)", r"/channels/(\d+)/messages"
    _routes: list[tuple[str, str, Callable[..., Any], bool]] = [
        ("GET", r"/users/@me", _get_me, True),
        ("GET", r"/oauth2/applications/@me", _get_app, True),
        ("GET", r"/gateway/bot", _get_gateway, True),
        ("GET", r"/gateway", _get_gateway, False),
        ("PUT", _A + r"/commands", _put_commands, True),
        ("PUT", _A + r"/guilds/(\d+)/commands", _put_commands, True),
        ("GET", _A + r"/commands", _get_commands, True),
        ("GET", _A + r"/guilds/(\d+)/commands", _get_commands, True),
        ("POST", r"/interactions/(\d+)/([^/]+)/callback", _callback, False),
        ("POST", _W, _followup, False),
        ("GET", _W + r"/messages/(@original|\d+)", _webhook_message, False),
        ("PATCH", _W + r"/messages/(@original|\d+)", _webhook_message, False),
        ("DELETE", _W + r"/messages/(@original|\d+)", _webhook_message, False),
        ("POST", _M, _create_message, True),
        ("GET", _M + r"/(\d+)", _channel_message, True),
        ("PATCH", _M + r"/(\d+)", _channel_message, True),
        ("DELETE", _M + r"/(\d+)", _channel_message, True),
        ("PUT", _M + r"/(\d+)/reactions/([^/]+)/@me", _no_content, True),
        ("DELETE", _M + r"/(\d+)/reactions/([^/]+)/@me", _no_content, True),
        ("POST", r"/channels/(\d+)/typing", _no_content, True),
        ("GET", r"/channels/(\d+)", _get_channel, True),
        ("POST", r"/users/@me/channels", _open_dm, True),
        ("GET", r"/users/(\d+)", _get_user, True),
    ]


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    """A started stand-in; fails the test at teardown if an unknown route or host was hit."""
    sd = DiscordStandIn()
    await sd.start()
    try:
        yield sd
    finally:
        await sd.stop()
    sd.check()
