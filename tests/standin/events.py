"""Pushing events at the bot: users write messages, run slash commands, click buttons."""

from __future__ import annotations

import secrets
from typing import Any

from .model import DIRECT_MESSAGES, EPHEMERAL, GUILD_MESSAGES, MESSAGE_CONTENT, Guild, Permissions, SentInteraction


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        found = _find_component(comp.get("components", []), custom_id)
        if found:
            return found
    return None


class _Events:
    """What users do, as ``DiscordStandIn`` methods; the state they read is set up in server.py."""

    async def _publish(self, event: str, msg: dict[str, Any]) -> None:
        """MESSAGE_CREATE/UPDATE as the bot would see it, given its intents."""
        session = self._session
        guild = "guild_id" in msg
        if session is None or msg.get("flags", 0) & EPHEMERAL:
            return
        if not session.intents & (GUILD_MESSAGES if guild else DIRECT_MESSAGES):
            return
        data = ({**msg, "member": self._member(msg["author"], with_user=False, guild=self._guild_by(msg["guild_id"]))}
                if guild else dict(msg))
        readable = (session.intents & MESSAGE_CONTENT or not guild or msg["author"]["id"] == self.bot_user_id
                    or any(u["id"] == self.bot_user_id for u in msg["mentions"]))
        if not readable:
            data.update(content="", embeds=[], attachments=[], components=[])
        await self._dispatch(event, data)

    async def send_message(self, content: str, *, author: dict[str, Any] | None = None,
                           mentions: list[dict[str, Any]] | None = None,
                           referenced_message: dict[str, Any] | None = None, ping_reply: bool = True,
                           guild: bool | Guild = True) -> dict[str, Any]:
        """A user writes in the (first, or given) guild's channel, or with ``guild=False`` a DM to the bot.

        A reply pings the replied-to author unless ``ping_reply=False``, as Discord's client does."""
        author = author or self.member_user
        where = self._where(guild)
        channel_id = where.channel_id if where else self.dm_channel(author)["id"]
        extra: dict[str, Any] = {}
        if referenced_message is not None:
            extra = {"message_reference": {"type": 0, "message_id": referenced_message["id"],
                                           "channel_id": referenced_message["channel_id"],
                                           **({"guild_id": where.id} if where else {})},
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

    def _where(self, guild: bool | Guild | str) -> Guild | None:
        """``True``: the first guild; a Guild or a guild ID: that one; ``False``: a DM."""
        if guild is True:
            return self.guilds[0]
        if guild is False:
            return None
        found = self._guild_by(guild.id if isinstance(guild, Guild) else str(guild))
        if found is None:
            raise LookupError(f"no guild {guild!r} in the stand-in")
        return found

    def _command(self, name: str, guild: Guild | None) -> dict[str, Any]:
        scopes = [guild.id, None] if guild else [None]
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
                 resolved: dict[str, Any], guild: Guild | None = None) -> list[dict[str, Any]]:
        """Options as Discord sends them. A subcommand is given as ``{"add": {its options}}``;
        a user (type 6) or attachment (type 11) as its object, which goes to ``resolved``."""
        if isinstance(options, list):
            return options
        spec = {o["name"]: o for o in cmd.get("options") or []}
        given = options or {}
        if any(o["type"] in (1, 2) for o in spec.values()):
            if len(given) != 1 or next(iter(given)) not in spec:
                raise ValueError(f"/{cmd['name']}: Discord sends exactly one of its subcommands {list(spec)}, not {list(given)}")
            (name, inner), = given.items()
            return [{"name": name, "type": spec[name]["type"],
                     "options": self._options(spec[name], inner, resolved, guild)}]
        missing = [n for n, o in spec.items() if o.get("required") and n not in given]
        unknown = [n for n in given if n not in spec]
        if missing or unknown:
            raise ValueError(f"/{cmd['name']}: Discord would not send this (missing {missing}, unknown {unknown})")
        out = []
        for name, value in given.items():
            if spec[name]["type"] == 6 and isinstance(value, dict):
                resolved.setdefault("users", {})[value["id"]] = value
                resolved.setdefault("members", {})[value["id"]] = {
                    **self._member(value, with_user=False, guild=guild),
                    "permissions": str(self.permissions_of(value, guild))}
                value = value["id"]
            elif spec[name]["type"] == 11:  # an attachment: its id here, the object in resolved
                if not isinstance(value, dict) or "url" not in value:
                    raise ValueError(f"/{cmd['name']} {name}: pass an attachment from sd.attachment()")
                resolved.setdefault("attachments", {})[value["id"]] = value
                value = value["id"]
            out.append({"name": name, "type": spec[name]["type"], "value": value})
        return out

    def _interaction(self, itype: int, data: dict[str, Any], user: dict[str, Any], perms: int, guild: Guild | None,
                     locale: str, message: dict[str, Any] | None = None) -> SentInteraction:
        payload: dict[str, Any] = {
            "id": self._snowflake(), "application_id": self.application_id, "type": itype, "data": data,
            "token": "aW50ZXJhY3Rpb24." + secrets.token_urlsafe(48), "version": 1, "locale": locale,
            "app_permissions": str(self.bot_permissions), "entitlements": [], "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024, "context": 0 if guild else 1,
            "authorizing_integration_owners": {"0": guild.id if guild else "0"}}
        if guild:
            payload.update(guild_id=guild.id, guild={"id": guild.id, "locale": "en-US", "features": []},
                           guild_locale="en-US", channel_id=guild.channel_id, channel=self._channel(guild),
                           member={**self._member(user, guild=guild), "permissions": str(perms)})
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
                         guild: bool | Guild | str = True, locale: str = "en-US") -> SentInteraction:
        """A user runs a registered slash command in a guild (the first unless given) or a DM
        (``guild=False``); withheld (``delivered`` False) where Discord hides it."""
        user = user or self.member_user
        where = self._where(guild)
        cmd = self._command(name, where)
        perms = self.permissions_of(user, where) if permissions is None else permissions
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1}
        resolved: dict[str, Any] = {}
        data["options"] = self._options(cmd, options, resolved, where)
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        it = self._interaction(2, data, user, perms, where, locale)
        if not self._visible(cmd, perms, where is not None) and not self.deliver_unpermitted:
            return it
        return await self._deliver(it)

    async def type_in_option(self, name: str, typed: dict[str, Any], focused: str, *,
                             user: dict[str, Any] | None = None, guild: bool | Guild | str = True,
                             locale: str = "en-US", subcommand: str | None = None) -> SentInteraction:
        """A user types in an option that has autocomplete: Discord sends what is typed so far.

        ``typed`` holds every option filled in yet (partial, unvalidated, as Discord sends
        them); ``focused`` is the one the cursor is in, whose suggestions are asked for;
        ``subcommand`` names the subcommand they belong to, if any.
        """
        user = user or self.member_user
        where = self._where(guild)
        cmd = self._command(name, where)
        parent = next(o for o in cmd.get("options") or [] if o["name"] == subcommand) if subcommand else cmd
        spec = {o["name"]: o for o in parent.get("options") or []}
        if not spec.get(focused, {}).get("autocomplete"):
            raise ValueError(f"/{name} {focused}: Discord asks no suggestions for an option without autocomplete")
        options = [{"name": n, "type": spec[n]["type"], "value": v, **({"focused": True} if n == focused else {})}
                   for n, v in typed.items()]
        if subcommand:
            options = [{"name": subcommand, "type": 1, "options": options}]
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": options}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        it = self._interaction(4, data, user, self.permissions_of(user, where), where, locale)
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
        guild = self._guild_by(current.get("guild_id"))
        perms = self.permissions_of(user, guild) if permissions is None else permissions
        it = self._interaction(3, data, user, perms, guild, locale, message=current)
        it.original = current
        return await self._deliver(it)
