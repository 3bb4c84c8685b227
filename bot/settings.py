"""Settings: the one place that reads the environment (after ``load_dotenv()``)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """A setting in the environment or .env has a value Kizuna cannot use."""


# torch's device names; checked here so a typo fails at once, not after loading the model.
_DEVICE = re.compile(r"(cpu|cuda|mps|xpu|npu|hpu)(:\d+)?")


def _device(env: dict[str, str]) -> str:
    device = env.get("KIZUNA_DEVICE", "").strip() or "cpu"
    if not _DEVICE.fullmatch(device):
        raise SettingsError(f"KIZUNA_DEVICE must be cpu, cuda (or cuda:N), mps or xpu, not {device!r}")
    return device


def _number(env: dict[str, str], name: str, default, low, high, kind=int):
    """A bounded number from the environment, with a message that names the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name} must be {what}, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _choice(env: dict[str, str], name: str, default: str, choices: dict[str, str]) -> str:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise SettingsError(f"{name} must be auto, on or off, not {raw!r}")
    return choices[raw]


def _ids(env: dict[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "")
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"{name} must list numeric Discord user IDs, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _shard_ids(env: dict[str, str], count: int | None) -> tuple[int, ...] | None:
    """The shards this process runs, from KIZUNA_SHARD_IDS ("0,1", "0-3", "0-3,8"), checked against the count."""
    raw = env.get("KIZUNA_SHARD_IDS", "").strip()
    if not raw:
        return None
    if count is None:
        raise SettingsError("KIZUNA_SHARD_IDS needs KIZUNA_SHARD_COUNT as well: the number of shards "
                            "that all the bot's processes run together")
    ids: list[int] = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
            raise SettingsError(f"KIZUNA_SHARD_IDS must list shard numbers like 0,1 or 0-3, not {part!r}")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise SettingsError(f"KIZUNA_SHARD_IDS: a range goes upwards ({last}-{first}), not {part!r}")
        ids += range(first, last + 1)
    seen: set[int] = set()
    for shard in ids:
        if shard >= count:
            raise SettingsError(f"KIZUNA_SHARD_IDS has shard {shard}, but with KIZUNA_SHARD_COUNT={count} "
                                f"shards are numbered 0 to {count - 1}")
        if shard in seen:
            raise SettingsError(f"KIZUNA_SHARD_IDS names shard {shard} twice")
        seen.add(shard)
    if not ids:
        raise SettingsError(f"KIZUNA_SHARD_IDS names no shard: list shard numbers like 0,1 or 0-3, not {raw!r}")
    return tuple(sorted(ids))


@dataclass(frozen=True)
class Settings:
    """Everything configurable, typed. Built once by ``Settings.from_env``."""

    discord_token: str | None = field(default=None, repr=False)  # never printed
    guild_id: int | None = None
    admin_ids: frozenset[int] = frozenset()
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path(".kizuna-index")
    model: str | None = None  # None: the bundled all-MiniLM-L6-v2
    device: str = "cpu"
    alternatives: int = 3
    max_file_mb: float = 4.0
    cooldown_rate: int = 5  # questions a user may ask ...
    cooldown_seconds: float = 30.0  # ... within this many seconds
    log_level: str = "INFO"
    max_upload_mb: float = 2.0  # one document sent with /documents add
    server_max_documents: int = 50  # documents one server may keep of its own ...
    server_max_mb: float = 20.0  # ... and their total size
    max_queued: int = 200  # questions waiting for an answer at once, all servers together
    # Questions in other languages through multilingual-e5 (the [multilingual] extra):
    # "auto" uses it when installed and runnable here, "on" warns when it is not, "off".
    multilingual: str = "auto"
    shard_count: int | None = None  # shards of all the bot's processes together; None: Discord's advice
    shard_ids: tuple[int, ...] | None = None  # the shards this process runs; None: all of them
    follow_seconds: float = 2.0  # how often a process looks for a build another one put in service

    @property
    def upload_limit_bytes(self) -> int:
        """The largest document /documents add takes: never more than the index reads."""
        return int(min(self.max_upload_mb, self.max_file_mb) * 1_000_000)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        token = env.get("DISCORD_TOKEN", "").strip() or None
        guild = env.get("DISCORD_GUILD_ID", "").strip()
        if guild and not guild.isdigit():
            raise SettingsError(f"DISCORD_GUILD_ID must be a numeric server ID, not {guild!r}")
        level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        shard_count = _number(env, "KIZUNA_SHARD_COUNT", None, 1, 100_000)
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
        return cls(
            discord_token=token,
            guild_id=int(guild) if guild else None,
            admin_ids=_ids(env, "KIZUNA_ADMIN_IDS"),
            seeds_dir=Path(env.get("KIZUNA_SEEDS", "").strip() or "seeds"),
            index_dir=Path(env.get("KIZUNA_INDEX_DIR", "").strip() or ".kizuna-index"),
            model=env.get("KIZUNA_MODEL", "").strip() or None,
            device=_device(env),
            alternatives=_number(env, "KIZUNA_ALTERNATIVES", 3, 0, 10),
            max_file_mb=_number(env, "KIZUNA_MAX_FILE_MB", 4.0, 0.001, 1024.0, float),
            cooldown_rate=_number(env, "KIZUNA_COOLDOWN_RATE", 5, 1, 1000),
            cooldown_seconds=_number(env, "KIZUNA_COOLDOWN_SECONDS", 30.0, 0.0, 86400.0, float),
            log_level=level,
            max_upload_mb=_number(env, "KIZUNA_MAX_UPLOAD_MB", 2.0, 0.001, 1024.0, float),
            server_max_documents=_number(env, "KIZUNA_SERVER_MAX_DOCUMENTS", 50, 1, 100_000),
            server_max_mb=_number(env, "KIZUNA_SERVER_MAX_MB", 20.0, 0.001, 102_400.0, float),
            max_queued=_number(env, "KIZUNA_MAX_QUEUED", 200, 1, 1_000_000),
            multilingual=_choice(env, "KIZUNA_MULTILINGUAL", "auto", {"auto": "auto", "on": "on", "off": "off",
                                 "1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}),
            shard_count=shard_count,
            shard_ids=_shard_ids(env, shard_count),
            follow_seconds=_number(env, "KIZUNA_FOLLOW_SECONDS", 2.0, 0.1, 3600.0, float),
        )
