"""``DiscordStandIn``: its state, lifecycle, TLS and resolver, waiting helpers, and the fixture."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import pytest
import trustme
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from .events import _Events
from .gateway import _Gateway, _Session
from .model import CDN_HOSTS, HOSTS, Call, Guild, Permissions, SentInteraction
from .payloads import _Payloads
from .rest import _Rest

T = TypeVar("T")


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


class DiscordStandIn(_Rest, _Events, _Gateway, _Payloads):
    """Discord's REST API, gateway and attachment CDN on loopback TLS, for one bot in one
    guild (more with ``add_guild``), each with one text channel."""

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
        self.guilds = [Guild(self.guild_id, self.channel_id, self.admin_role_id, self.bot_role_id,
                             "Kizuna test guild", self.owner_id, self.admin_user,
                             {self.admin_user["id"]: [self.admin_role_id], self.bot_user_id: [self.bot_role_id]})]
        self._files: dict[str, tuple[bytes, str]] = {}  # attachment id -> (bytes, content type) on the CDN
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
        self.gateway_closes: list[int | None] = []  # each gateway socket's close code from the bot; None if dropped
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

    async def add_guild(self, name: str = "Second guild") -> Guild:
        """Another server the bot is in, with its own channel and its own admin user.

        Every user is a member of it; only its ``admin_user`` holds its Admin role, and the
        application's owner is a plain member there. Added while the bot is connected,
        it arrives as GUILD_CREATE, as when a server invites the bot.
        """
        admin = self._user(self._snowflake(), f"admin{len(self.guilds) + 1}")
        self.users[admin["id"]] = admin
        gid, channel, role, bot_role = (self._snowflake() for _ in range(4))
        guild = Guild(gid, channel, role, bot_role, name, admin["id"], admin,
                      {admin["id"]: [role], self.bot_user_id: [bot_role]})
        self.guilds.append(guild)
        if self._session is not None and self._session.ws is not None:
            await self._dispatch("GUILD_CREATE", self._guild(guild))
        return guild

    def attachment(self, filename: str, data: bytes, *, content_type: str | None = "text/plain; charset=utf-8",
                   size: int | None = None, channel_id: str | None = None) -> dict[str, Any]:
        """A file a user attaches to a slash command, served on the CDN host like Discord's.

        Pass the returned object as the option's value. ``size`` overrides what the
        payload claims (Discord's own figure is the true one).
        """
        att_id = self._snowflake()
        self._files[att_id] = (data, content_type or "application/octet-stream")
        path = f"/ephemeral-attachments/{channel_id or self.channel_id}/{att_id}/{quote(filename, safe='')}"
        signed = f"?ex={int(time.time()) + 86400:x}&is={int(time.time()):x}&hm={secrets.token_hex(32)}&"
        att = {"id": att_id, "filename": filename, "size": len(data) if size is None else size,
               "url": f"https://{CDN_HOSTS[0]}{path}{signed}", "proxy_url": f"https://{CDN_HOSTS[1]}{path}{signed}",
               "ephemeral": True}
        if content_type is not None:
            att["content_type"] = content_type
        return att

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
