"""Discord's REST API (v10): the request handler, its route table and the route handlers."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .model import API, CDN_HOSTS, EPHEMERAL, GATEWAY_HOSTS, LOADING, Call, Permissions, SentInteraction, _error, _form_error
from .payloads import _apply_edit, _invalid_choices, _invalid_message

log = logging.getLogger(__package__)  # "standin", the name it logged under as a single module


class _Rest:
    """The REST side of ``DiscordStandIn``; the state it reads is set up in server.py."""

    @staticmethod
    def _json(status: int, body: Any) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=204)
        # Exactly "application/json": discord.py parses nothing else (no "; charset=...").
        return web.Response(status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        if request.host.split(":")[0] in CDN_HOSTS:
            return self._cdn(request)
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

    def _cdn(self, request: web.Request) -> web.Response:
        """An attachment's bytes, as Discord's CDN serves them (no token; 404 once unknown)."""
        call = Call(request.method, request.path, dict(request.query), None, time.monotonic())
        match = re.fullmatch(r"/(?:ephemeral-)?attachments/\d+/(\d+)/[^/]+", request.raw_path.split("?")[0])
        found = self._files.get(match.group(1)) if match and request.method == "GET" else None
        call.status = 200 if found else 404
        self.calls.append(call)
        self._bump()
        if found is None:
            return web.Response(status=404, text="Not Found")
        data, content_type = found
        return web.Response(status=200, body=data, headers={"Content-Type": content_type})

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
        if app != self.application_id or (guild is not None and self._guild_by(guild) is None):
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
        if (kind == 8) != (it.type == 4):  # autocomplete is answered with choices, and only so
            return 400, _error(50035, "Invalid Form Body", _form_error("type", "BASE_TYPE_CHOICES", "Value must be one of valid response types."))
        if kind in (4, 7):
            error = _invalid_message(data, call.files, edit=kind == 7)
            if error:
                return 400, error
        if kind == 8:
            error = _invalid_choices(data)
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
        guild = self._guild_of_channel(channel_id)
        return self._channel(guild) if guild else self._dm_channels.get(channel_id)

    async def _create_message(self, call: Call, channel_id: str) -> tuple[int, Any]:
        if self._channel_of(channel_id) is None:
            return 404, _error(10003, "Unknown Channel")
        needed = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES
        guild = self._guild_of_channel(channel_id)
        if guild is not None and self.bot_permissions & needed != needed:
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
                                           **({"guild_id": guild.id} if guild else {})},
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
