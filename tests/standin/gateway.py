"""The gateway websocket: HELLO, heartbeats, IDENTIFY/READY, RESUME and dispatches."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .model import GUILDS, RESUME_URL


def on_shard(guild_id: str, shard: list[int] | None) -> bool:
    """Whether a gateway session identified as ``[shard_id, shard_count]`` gets this guild."""
    return shard is None or (int(guild_id) >> 22) % shard[1] == shard[0]


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


class _Gateway:
    """The websocket side of ``DiscordStandIn``; the state it reads is set up in server.py."""

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
        while True:
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.CLOSE:  # the code the bot closed with, as Discord sees it
                self.gateway_closes.append(int(msg.data))
                break
            if msg.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                self.gateway_closes.append(None)  # dropped without a close frame
                break
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
            wanted = data.get("guild_id")
            for guild_id in wanted if isinstance(wanted, list) else [wanted]:
                guild = self._guild_by(str(guild_id))
                if guild is None:
                    continue
                members = [self._member(u, guild=guild) for u in self.users.values()]
                await self._dispatch("GUILD_MEMBERS_CHUNK", {"guild_id": guild.id, "members": members,
                                     "chunk_index": 0, "chunk_count": 1, "nonce": data.get("nonce")})

    async def _on_identify(self, ws: web.WebSocketResponse, request: web.Request, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify = data
        session = _Session(secrets.token_hex(16), int(data.get("intents", 0)), data.get("shard"), ws=ws,
                           request=request)
        self._sessions[session.id] = self._session = session
        # Discord sends a shard only the guilds it runs: shard_id = (guild_id >> 22) % shard_count.
        guilds = [g for g in self.guilds if on_shard(g.id, session.shard)]
        ready = {"v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
                 "guilds": [{"id": g.id, "unavailable": True} for g in guilds], "session_id": session.id,
                 "resume_gateway_url": RESUME_URL, "session_type": "normal", "private_channels": [],
                 "relationships": [], "presences": [], "guild_join_requests": [], "user_settings": {},
                 "geo_ordered_rtc_regions": [], "auth": {}, "_trace": ["discord-stand-in"],
                 # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED: intents switched on.
                 "application": {"id": self.application_id, "flags": (1 << 15) | (1 << 19)}}
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._dispatch("READY", ready, session)
        if session.intents & GUILDS:
            for guild in guilds:
                await self._dispatch("GUILD_CREATE", self._guild(guild), session)
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
