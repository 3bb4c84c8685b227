"""A Discord stand-in on loopback, for end-to-end tests of the real discord.py client.

The stand-in serves Discord's REST API (v10), the gateway websocket and the attachment
CDN over TLS on 127.0.0.1. The client reaches it through its documented ``connector=``
option: the connector resolves ``discord.com``, ``*.discord.gg`` gateways and
``cdn.discordapp.com``/``media.discordapp.net`` to the stand-in,
refuses every other host, and trusts only a throwaway CA. Nothing in discord.py is
patched. It answers where bots break in production: exact JSON content type, the
3-second interaction deadline (10062), double acknowledgement (40060),
``default_member_permissions`` enforced before delivery, the message content intent,
message length limits (50035), RESUME after a dropped gateway, and shards: a session
that IDENTIFYs with ``shard: [id, count]`` gets only the guilds with
``(guild_id >> 22) % count == id`` (``on_shard``); events go to the latest session.

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
guilds (``Guild``: id, channel_id, owner_id, admin_user, roles; the first is guild_id);
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
  add_guild(name) -> Guild: another server, with its own channel and Admin (before or
    after the bot connects); every user is a member, plain unless its admin;
  attachment(filename, data, content_type=, size=) -> the attachment object to pass as
    an option's value: it arrives as an id in data.options with the object in
    data.resolved.attachments, and its url serves ``data`` from the CDN host;
  send_slash(name, options, user=, permissions=, guild=True) -> SentInteraction;
    ``guild`` is True (the first), a Guild or its id, or False for a DM; a subcommand
    is given as ``{"add": {options}}``; ``delivered`` is False where Discord would hide
    the command (lacking default_member_permissions, or not allowed in that context);
    an unregistered command raises LookupError, missing or unknown options ValueError;
  click_button(message, custom_id, user=, values=) -> SentInteraction;
  type_in_option(name, typed, focused, subcommand=, guild=) -> an autocomplete request;
  send_message(content, author=, mentions=, referenced_message=, ping_reply=True,
    guild=True) -> message dict;
  drop_gateway(code=4000, abrupt=False); wait_for_resume(); heartbeat_gaps();
  fail_next(method, path_regex, status, code=0); permissions_of(user, guild=None); dm_channel(user);
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

from .model import (API, CDN_HOSTS, DIRECT_MESSAGES, EPHEMERAL, GATEWAY_HOSTS, GUILD_MEMBERS, GUILD_MESSAGES, GUILDS,
                    HOSTS, LOADING, MESSAGE_CONTENT, RESUME_URL, Call, Guild, Permissions, SentInteraction)
from .gateway import on_shard
from .server import DiscordStandIn, standin

__all__ = ["API", "CDN_HOSTS", "DIRECT_MESSAGES", "EPHEMERAL", "GATEWAY_HOSTS", "GUILD_MEMBERS", "GUILD_MESSAGES", "GUILDS",
           "Guild", "HOSTS", "LOADING", "MESSAGE_CONTENT", "RESUME_URL", "Call", "DiscordStandIn", "Permissions",
           "SentInteraction", "on_shard", "standin"]
