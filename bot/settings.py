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
        )
