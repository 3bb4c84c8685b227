"""Run the bot until stopped: what `kizuna run` calls once the engine is loaded."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord

from bot.discord_app import create_bot
from bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = (
    "No Discord bot token is set. Create a bot at https://discord.com/developers/applications "
    "(Bot -> Reset Token), then put it in the environment or in .env as\n"
    "    DISCORD_TOKEN=your-token-here\n"
    "and run `kizuna run` again."
)
BAD_TOKEN = (
    "Discord rejected the bot token (DISCORD_TOKEN). It may be mistyped, revoked or reset: "
    "copy a fresh one from the Developer Portal (Bot -> Reset Token) into .env."
)
NO_INTENT = (
    "Discord refused the Message Content intent. Enable it in the Developer Portal: "
    "your application -> Bot -> Privileged Gateway Intents -> Message Content Intent. "
    "Kizuna needs it to read questions sent as mentions and replies."
)


def _fail(text: str) -> int:
    log.error("%s", text.splitlines()[0])
    print(text, file=sys.stderr)
    return 1


async def run_bot(settings: Settings, engine: Any, *,
                  connector: aiohttp.BaseConnector | None = None) -> int:
    """Log in and serve until the connection is closed; returns a process exit code.

    ``engine`` is a Library, or one engine serving as the shared corpus alone.
    """
    token = settings.discord_token
    if not token:
        return _fail(NO_TOKEN)
    bot = create_bot(settings, engine, connector=connector)
    if settings.shard_count is not None:
        shards = settings.shard_ids if settings.shard_ids is not None else range(settings.shard_count)
        log.info("Running shards %s of %d", ", ".join(map(str, shards)), settings.shard_count)
    loop = asyncio.get_running_loop()
    # A service manager (systemd, Docker) stops the bot with SIGTERM: close the gateway
    # properly, so Discord shows it offline at once instead of after a missed heartbeat.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows; not the main thread
        loop.add_signal_handler(signal.SIGTERM, lambda: _stop(bot))
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        # discord.py's message is generic and never contains the token; ours says what to do.
        return _fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return _fail(NO_INTENT)
    except (aiohttp.ClientError, OSError) as exc:
        return _fail(f"Could not reach Discord: {type(exc).__name__}. Check the network.")
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGTERM)
    return 0


def _stop(bot: Any) -> None:
    log.info("Stopping on SIGTERM")
    asyncio.get_running_loop().create_task(bot.close())


def run(settings: Settings, engine: Any) -> int:
    """Blocking entry point; Ctrl-C stops the bot cleanly with exit code 0."""
    try:
        return asyncio.run(run_bot(settings, engine))
    except KeyboardInterrupt:
        log.info("Stopped by Ctrl-C")
        return 0
