"""Settings from the environment: defaults, parsing, clear errors, and a token kept out of sight."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import _share_the_cpu
from bot.settings import Settings, SettingsError


def test_defaults_need_nothing_set():
    s = Settings.from_env({})
    assert s.discord_token is None and s.model is None and s.guild_id is None
    assert s.seeds_dir == Path("seeds") and s.index_dir == Path(".kizuna-index")
    assert (s.alternatives, s.max_file_mb, s.cooldown_rate, s.cooldown_seconds) == (3, 4.0, 5, 30.0)


def test_values_are_parsed_and_typed():
    s = Settings.from_env({
        "DISCORD_TOKEN": " abc.def ", "DISCORD_GUILD_ID": "123", "KIZUNA_ADMIN_IDS": "1, 2;3",
        "KIZUNA_MODEL": "sentence-transformers/all-mpnet-base-v2", "KIZUNA_MAX_FILE_MB": "0.5",
        "KIZUNA_COOLDOWN_SECONDS": "2.5", "LOG_LEVEL": "debug",
    })
    assert s.discord_token == "abc.def" and s.guild_id == 123 and s.admin_ids == {1, 2, 3}
    assert s.model == "sentence-transformers/all-mpnet-base-v2" and s.max_file_mb == 0.5
    assert s.cooldown_seconds == 2.5 and s.log_level == "DEBUG"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DISCORD_GUILD_ID": "my-server"}, "DISCORD_GUILD_ID must be a numeric server ID"),
        ({"KIZUNA_ADMIN_IDS": "1,bob"}, "numeric Discord user IDs, not 'bob'"),
        ({"KIZUNA_ALTERNATIVES": "11"}, "between 0 and 10"),
        ({"KIZUNA_ALTERNATIVES": "three"}, "must be a whole number"),
        ({"KIZUNA_COOLDOWN_SECONDS": "soon"}, "must be a number"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be"),
        ({"KIZUNA_DEVICE": "gpu"}, "KIZUNA_DEVICE must be cpu, cuda"),
        ({"KIZUNA_MAX_UPLOAD_MB": "0"}, "KIZUNA_MAX_UPLOAD_MB must be between"),
        ({"KIZUNA_SERVER_MAX_DOCUMENTS": "many"}, "KIZUNA_SERVER_MAX_DOCUMENTS must be a whole number"),
        ({"KIZUNA_SERVER_MAX_MB": "-1"}, "KIZUNA_SERVER_MAX_MB must be between"),
        ({"KIZUNA_MAX_QUEUED": "0"}, "KIZUNA_MAX_QUEUED must be between 1"),
        ({"KIZUNA_SHARD_COUNT": "0"}, "KIZUNA_SHARD_COUNT must be between 1"),
        ({"KIZUNA_SHARD_COUNT": "two"}, "KIZUNA_SHARD_COUNT must be a whole number"),
        ({"KIZUNA_SHARD_IDS": "0,1"}, "KIZUNA_SHARD_IDS needs KIZUNA_SHARD_COUNT as well"),
        ({"KIZUNA_SHARD_COUNT": "2", "KIZUNA_SHARD_IDS": "1,2"}, "has shard 2, but with KIZUNA_SHARD_COUNT=2 shards are numbered 0 to 1"),
        ({"KIZUNA_SHARD_COUNT": "4", "KIZUNA_SHARD_IDS": "0-2,2"}, "names shard 2 twice"),
        ({"KIZUNA_SHARD_COUNT": "4", "KIZUNA_SHARD_IDS": "3-1"}, "a range goes upwards"),
        ({"KIZUNA_SHARD_COUNT": "4", "KIZUNA_SHARD_IDS": "first"}, "shard numbers like 0,1 or 0-3, not 'first'"),
        ({"KIZUNA_SHARD_COUNT": "4", "KIZUNA_SHARD_IDS": "-1"}, "shard numbers like 0,1 or 0-3, not '-1'"),
        ({"KIZUNA_SHARD_COUNT": "4", "KIZUNA_SHARD_IDS": " , "}, "names no shard"),
        ({"KIZUNA_FOLLOW_SECONDS": "0"}, "KIZUNA_FOLLOW_SECONDS must be between 0.1"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_devices_torch_knows_are_accepted():
    for device in ("cpu", "cuda", "cuda:1", "mps"):
        assert Settings.from_env({"KIZUNA_DEVICE": device}).device == device


def test_a_bad_device_is_reported_before_the_model_loads(tmp_path, monkeypatch, capsys):
    from bot import cli

    def load_embedder(*args, **kwargs):
        raise AssertionError("the model was loaded before the setting was checked")

    monkeypatch.setattr("index.embedder.load_embedder", load_embedder)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("KIZUNA_DEVICE", "gpu")
    assert cli.main(["ask", "--seeds", str(tmp_path), "when did relations begin?"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "KIZUNA_DEVICE must be" in err and "'gpu'" in err


def test_limits_for_servers_and_the_queue():
    s = Settings.from_env({})
    assert (s.max_upload_mb, s.server_max_documents, s.server_max_mb, s.max_queued) == (2.0, 50, 20.0, 200)
    assert s.upload_limit_bytes == 2_000_000
    s = Settings.from_env({"KIZUNA_MAX_UPLOAD_MB": "8", "KIZUNA_MAX_FILE_MB": "3", "KIZUNA_SERVER_MAX_DOCUMENTS": "5",
                           "KIZUNA_SERVER_MAX_MB": "1.5", "KIZUNA_MAX_QUEUED": "40"})
    assert s.upload_limit_bytes == 3_000_000  # never more than the index would read
    assert (s.server_max_documents, s.server_max_mb, s.max_queued) == (5, 1.5, 40)


def test_shards_for_several_processes():
    s = Settings.from_env({"KIZUNA_SHARD_COUNT": "8", "KIZUNA_SHARD_IDS": " 4-5, 7;0 "})
    assert (s.shard_count, s.shard_ids) == (8, (0, 4, 5, 7))
    s = Settings.from_env({"KIZUNA_SHARD_COUNT": "3"})  # a fixed count, every shard in this process
    assert (s.shard_count, s.shard_ids) == (3, None)
    s = Settings.from_env({})
    assert (s.shard_count, s.shard_ids, s.follow_seconds) == (None, None, 2.0)
    assert Settings.from_env({"KIZUNA_FOLLOW_SECONDS": "0.5"}).follow_seconds == 0.5


def test_every_setting_is_in_env_example():
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    for name in ("KIZUNA_MAX_UPLOAD_MB", "KIZUNA_SERVER_MAX_DOCUMENTS", "KIZUNA_SERVER_MAX_MB", "KIZUNA_MAX_QUEUED",
                 "KIZUNA_SHARD_COUNT", "KIZUNA_SHARD_IDS", "KIZUNA_FOLLOW_SECONDS"):
        assert f"\n{name}=" in example, name


def test_the_token_never_appears_in_the_settings_repr():
    s = Settings.from_env({"DISCORD_TOKEN": "MTIz.very-secret-token"})
    assert "very-secret" not in repr(s) and "very-secret" not in str(s)



def test_kizuna_gives_numpy_one_blas_thread_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    _share_the_cpu()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")  # an operator's own choice stands
    _share_the_cpu()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_the_setting_reaches_numpy_when_set_before_it_loads():
    # What the kizuna command does: the setting first, numpy (through the engine) after.
    probe = (
        "from bot import cli; cli._share_the_cpu(); import numpy, threadpoolctl; "
        "print([p['num_threads'] for p in threadpoolctl.threadpool_info() if p['internal_api'] == 'openblas'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[1]"
