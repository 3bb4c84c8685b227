"""The command line's expected failures: one line naming the path and what to do, status 2.

Each is checked before the model loads, so most of these run the real ``kizuna`` in a
subprocess in a second or two; the few that need a fault injected run in-process with
the fake embedder.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli, commands, eval_cmd
from conftest import SEEDS
from index.embedder import HashingEmbedder

KIZUNA = Path(sys.executable).with_name("kizuna")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DISCORD_"))}
    env.update(HF_HUB_OFFLINE="1", LOG_LEVEL="WARNING")
    return env


def _kizuna(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(KIZUNA), *args], capture_output=True, text=True, timeout=300, env=_env(), cwd=cwd)


def _one_clear_line(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kizuna: "), stderr
    for needle in needles:
        assert needle in lines[0]


def _dispatch(argv: list[str], capsys) -> tuple[int, str]:
    """A command run in-process, as ``kizuna`` would run it after reading its settings."""
    args = cli.build_parser().parse_args(argv)
    engine_log = logging.getLogger("index.keeping")
    level = engine_log.level  # `index` quiets it for its report: don't let that outlive the test
    try:
        code = commands.dispatch(args.command, args, cli._settings(args))
    finally:
        engine_log.setLevel(level)
    return code, capsys.readouterr().err


@pytest.fixture
def no_model(monkeypatch):
    """Fails the test if the model is loaded: these mistakes must be caught before that."""

    def load_embedder(*args, **kwargs):
        raise AssertionError("the model was loaded before the mistake was reported")

    monkeypatch.setattr("index.embedder.load_embedder", load_embedder)


def test_an_index_folder_that_is_a_file(tmp_path):
    (tmp_path / "idx").write_text("not a folder", encoding="utf-8")
    result = _kizuna("ask", "--seeds", str(SEEDS), "--index-dir", "idx", "when did relations begin?", cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result.stderr, "idx", "is a file", "choose another index folder")


def test_an_index_folder_under_a_file(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = _kizuna("index", "--seeds", str(SEEDS), "--index-dir", "file/idx", cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result.stderr, "file/idx", "choose another index folder")


def test_a_current_pointer_that_is_a_folder_leaves_nothing_behind(tmp_path):
    (tmp_path / "idx" / "CURRENT").mkdir(parents=True)
    for _ in range(2):  # every try used to leave another build and .CURRENT.* file
        result = _kizuna("index", "--seeds", str(SEEDS), "--index-dir", "idx", cwd=tmp_path)
        assert result.returncode == 2
        _one_clear_line(result.stderr, "idx/CURRENT", "is a folder", "remove it")
    assert [p.name for p in (tmp_path / "idx").iterdir()] == ["CURRENT"]


def test_an_index_folder_that_cannot_be_written(tmp_path, monkeypatch, capsys):
    # Tests run as root, whom chmod does not stop: make os.mkdir answer as it does for
    # anyone else creating a folder inside a read-only one.
    locked = tmp_path / "read-only"
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if str(path).startswith(str(locked)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr("index.embedder.load_embedder", lambda *a, **k: HashingEmbedder())
    code, err = _dispatch(["ask", "--seeds", str(SEEDS), "--index-dir", str(locked / "idx"), "when did relations begin?"], capsys)
    assert code == 2
    _one_clear_line(err, str(locked / "idx"), "Permission denied", "writable")
    assert not locked.exists()


def test_eval_outside_the_project_folder_without_the_question_set(tmp_path, monkeypatch, capsys, no_model):
    # An installed (not editable) kizuna has no bench/ beside it.
    monkeypatch.setattr(eval_cmd, "_REPOSITORY", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    code, err = _dispatch(["eval", "--seeds", str(SEEDS), "--index-dir", str(tmp_path / "idx")], capsys)
    assert code == 2
    _one_clear_line(err, "bench/data/article_questions.jsonl", "--questions FILE")


def test_eval_finds_the_repository_question_set_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = eval_cmd.questions_file(None)
    assert found.is_file() and found.is_absolute() and found.name == "article_questions.jsonl"


@pytest.mark.parametrize(
    "name, content, needles",
    [
        ("missing.json", None, ["missing.json", "No such file", "SQuAD 2.0 JSON file"]),
        ("notes.json", "just some notes", ["notes.json", "is not JSON", "SQuAD 2.0 JSON file"]),
        ("other.json", json.dumps({"rows": [1, 2]}), ["other.json", "is not SQuAD 2.0", "SQuAD 2.0 JSON file"]),
    ],
)
def test_eval_squad_file_that_is_missing_or_not_squad(tmp_path, name, content, needles):
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = _kizuna("eval", "--squad", name, cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result.stderr, *needles)


def test_eval_questions_with_a_broken_line_names_file_and_line(tmp_path):
    good = json.dumps({"question": "when did relations begin?", "gold": "x", "kind": "date"})
    (tmp_path / "q.jsonl").write_text(f"{good}\n\n{{broken json\n", encoding="utf-8")
    result = _kizuna("eval", "--seeds", str(SEEDS), "--index-dir", "idx", "--questions", "q.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result.stderr, "q.jsonl, line 3", "JSON")


def test_eval_plot_without_matplotlib_says_how_to_install_it_before_working(tmp_path):
    squad = Path(__file__).parent / "data" / "squad" / "dev-v2.0-4articles.json"
    probe = (
        "import sys; sys.modules['matplotlib'] = None\n"  # as if it were not installed
        "import index.embedder\n"
        "def load_embedder(*a, **k): raise SystemExit('the model was loaded first')\n"
        "index.embedder.load_embedder = load_embedder\n"
        "from bot.cli import main\n"
        f"sys.exit(main(['eval', '--squad', {str(squad)!r}, '--plot', 'x.png']))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=_env(), cwd=tmp_path)
    assert result.returncode == 2
    _one_clear_line(result.stderr, "--plot needs matplotlib", "pip install -e '.[eval]'")


@pytest.mark.parametrize("command", [["ask", "when did relations begin?"], ["index"], ["sources"], ["eval"]])
def test_a_missing_seeds_folder_is_reported_before_the_model_loads(tmp_path, monkeypatch, capsys, no_model, command):
    monkeypatch.setenv("KIZUNA_SEEDS", str(tmp_path / "no-seeds"))
    code, err = _dispatch([*command, "--index-dir", str(tmp_path / "idx")], capsys)
    assert code == 2
    _one_clear_line(err, str(tmp_path / "no-seeds"), "does not exist", "KIZUNA_SEEDS")


def test_fit_with_an_out_folder_that_does_not_exist_says_so_before_fitting(tmp_path, capsys, no_model):
    squad = Path(__file__).resolve().parent / "data" / "squad" / "dev-v2.0-4articles.json"
    out = tmp_path / "no-such-folder" / "fitted.json"
    code, err = _dispatch(["fit", "--squad", str(squad), "--out", str(out)], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.strip() == f"kizuna fit: no folder {out.parent} to write fitted.json in"
    assert not out.parent.exists()
