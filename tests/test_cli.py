"""Every ``kizuna`` command, run as a user would: a subprocess with the real model."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ARTICLE, RELATIONS, SEEDS, SQUAD

KIZUNA = Path(sys.executable).with_name("kizuna")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DISCORD_"))}
    env.update(HF_HUB_OFFLINE="1", LOG_LEVEL="WARNING", **extra)
    return env


def kizuna(*args: str, index_dir: Path, stdin: str | None = None, env: dict | None = None, cwd: Path | None = None, seeds: Path = SEEDS):
    command = [str(KIZUNA), *args[:1], "--seeds", str(seeds), "--index-dir", str(index_dir), *args[1:]] if args else [str(KIZUNA)]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300, env=env or _env(), cwd=cwd)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-index")
    first = kizuna("index", index_dir=folder)
    assert first.returncode == 0, first.stderr
    assert "documents 1, sentences 15" in first.stdout and "1 document(s) embedded anew" in first.stdout
    # Standard error is a pipe here: a summary line, not a progress bar redrawn with \r.
    # MiniLM embeds each sentence; multilingual-e5, where it runs, each sentence too.
    from index.multilingual import unsupported_reason

    texts = 15 if unsupported_reason() else 30
    assert "\r" not in first.stderr and f"embedded {texts} of {texts} texts in" in first.stderr
    return folder


def test_index_again_reembeds_nothing(index_dir):
    result = kizuna("index", index_dir=index_dir)
    assert result.returncode == 0 and "up to date: nothing re-embedded" in result.stdout


def test_ask_quotes_the_sentence_with_its_source(index_dir):
    result = kizuna("ask", "when did relations begin?", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "Diplomatic relations began in 1924" in result.stdout
    assert "2022-01-09" in result.stdout and "paragraph 14" in result.stdout
    assert "don't cover" not in result.stdout


def test_ask_json_declines_what_the_article_does_not_hold(index_dir):
    result = kizuna("ask", "--json", "What is the capital of France?", index_dir=index_dir)
    data = json.loads(result.stdout)
    assert data["answered"] is False and data["question"] == "What is the capital of France?"
    assert data["verdict"] == "not_found"
    assert data["quote"] and len(data["alternatives"]) == 3  # the closest, labelled as such


def test_ask_json_fields_and_offsets(index_dir):
    data = json.loads(kizuna("ask", "--json", "-k", "2", "when did relations begin?", index_dir=index_dir).stdout)
    assert data["answered"] is True and data["quote"] == RELATIONS and data["verdict"] == "answer"
    text = ARTICLE.read_text(encoding="utf-8")
    assert text[data["start"] : data["end"]] == data["quote"]
    assert data["document"] == ARTICLE.name and data["date"] == "2022-01-09" and data["paragraph"] == 14
    assert len(data["alternatives"]) == 2
    for alt in data["alternatives"]:
        assert text[alt["start"] : alt["end"]] == alt["quote"]


def test_ask_json_stdin_batch_in_order_with_documents_and_bad_lines(index_dir):
    lines = [
        "when did relations begin?",
        json.dumps({"question": "how long did the meeting last?", "document": ARTICLE.name}),
        json.dumps({"question": "when did relations begin?", "document": "missing.txt"}),
        "{broken json",
        "",
        json.dumps({"document": ARTICLE.name}),
        "What is the capital of France?",
    ]
    result = kizuna("ask", "--json", "-", index_dir=index_dir, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["quote"] == RELATIONS
    assert "25 minutes" in out[1]["quote"] and out[1]["document"] == ARTICLE.name
    assert "missing.txt" in out[2]["error"]
    assert "JSON" in out[3]["error"] and "empty" in out[4]["error"] and "question" in out[5]["error"]
    assert out[6]["answered"] is False


def test_sources_lists_the_article(index_dir):
    result = kizuna("sources", index_dir=index_dir)
    assert "1 document(s)" in result.stdout and "2022-01-09: 15 sentences" in result.stdout


def test_chat_answers_line_by_line(index_dir):
    result = kizuna("chat", index_dir=index_dir, stdin="when did relations begin?\n\n/sources\n/help\nWhat is the capital of France?\n/quit\nnever read\n")
    assert result.returncode == 0, result.stderr
    assert "Diplomatic relations began in 1924" in result.stdout
    assert "15 sentences" in result.stdout and "e.g. What happened in 2024?" in result.stdout
    assert "The documents don't cover that" in result.stdout


def test_chat_answers_greetings_and_thanks_in_kind_not_with_passages(index_dir):
    result = kizuna("chat", index_dir=index_dir, stdin="hi kizuna\nthanks!\n")
    assert result.returncode == 0, result.stderr
    assert "Hello! Ask a question about the documents" in result.stdout and "e.g. " in result.stdout
    assert "You're welcome" in result.stdout
    assert "don't cover that" not in result.stdout and "closest passages" not in result.stdout


def test_bare_command_without_token_is_the_chat(index_dir, tmp_path):
    env = _env(KIZUNA_SEEDS=str(SEEDS), KIZUNA_INDEX_DIR=str(index_dir))
    result = subprocess.run([str(KIZUNA)], input="how long did the meeting last?\n", capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "meeting lasted about 25" in result.stdout and "No DISCORD_TOKEN is set" in result.stderr


def test_run_without_token_explains_how_to_set_one(index_dir):
    result = kizuna("run", index_dir=index_dir)
    assert result.returncode == 2 and "DISCORD_TOKEN" in result.stderr


def test_bad_settings_and_arguments_get_clear_messages(index_dir):
    result = kizuna("ask", "hello", index_dir=index_dir, env=_env(KIZUNA_ALTERNATIVES="lots"))
    assert result.returncode == 2 and "KIZUNA_ALTERNATIVES must be a whole number" in result.stderr
    result = kizuna("ask", "-k", "99", "hello", index_dir=index_dir)
    assert result.returncode == 2 and "-k must be between 0 and 10" in result.stderr
    result = kizuna("ask", "   ", index_dir=index_dir)
    assert result.returncode == 2 and "empty" in result.stderr
    result = kizuna("ask", "x" * 5000, index_dir=index_dir)
    assert result.returncode == 2 and "limit is 1000" in result.stderr
    result = kizuna("ask", "--document", "nope.txt", "hello", index_dir=index_dir)
    assert result.returncode == 2 and "no document named 'nope.txt'" in result.stderr


def test_unloadable_model_is_a_clear_error(tmp_path):
    result = kizuna("ask", "--model", str(tmp_path / "no-such-model"), "hello", index_dir=tmp_path / "idx")
    assert result.returncode == 1 and "could not load the embedding model" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_article_set_prints_the_table(index_dir, tmp_path):
    # Run outside the project folder: the question set is found beside the package.
    result = kizuna("eval", "--json", index_dir=index_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["answerable"], data["near_miss"], data["off_topic"]) == (50, 14, 8)
    assert data["top1"] >= 0.84 and data["off_topic_not_found"] >= 0.85 and data["right_and_not_refused"] >= 0.82
    # The single-score rule, from the same answers, refuses more of what it ranked right.
    assert data["top_right_kept"] > data["baseline_top_right_kept"]
    casual = data["casual"]  # the held-out block: measured, never fitted on
    assert (casual["answerable"], casual["off_topic"]) == (100, 30)
    # Measured: 77% top-1, all of those kept (answer or likely), 22 of 30 off-topic not found.
    assert casual["top1"] >= 0.75 and casual["top_right_kept"] >= 0.97 and casual["off_topic_not_found"] >= 0.7
    # Turkish and Japanese, held out too. Measured: top-1 76% and 84%, off-topic not found
    # 43% and 79%. The English ranking alone puts the right sentence first for few of them.
    from index.multilingual import unsupported_reason

    languages = data["languages"]
    if unsupported_reason() is not None:  # the encoder cannot run on this processor: said so
        assert "multilingual answers are off" in languages["skipped"]
        return
    assert {k: (v["answerable"], v["off_topic"]) for k, v in languages.items()} == {"tr": (33, 14), "ja": (32, 14)}
    for block in languages.values():
        assert block["top1"] >= 0.7 and block["right_and_not_refused"] >= 0.7 and block["off_topic_not_found"] >= 0.4


def test_eval_squad_with_plot(index_dir, tmp_path):
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))
    small = tmp_path / "one-article.json"
    small.write_text(json.dumps({"version": squad["version"], "data": squad["data"][:1]}), encoding="utf-8")
    plot = tmp_path / "confidence.png"
    result = kizuna("eval", "--squad", str(small), "--limit", "20", "--plot", str(plot), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    for line in ("bm25-default  article", "bm25          article", "dense         global", "engine        article", "impossible (near misses)", "quote length"):
        assert line in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ask_stdin_without_json_prints_readable_answers(index_dir):
    result = kizuna("ask", "-", index_dir=index_dir, stdin="when did relations begin?\n\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Q: when did relations begin?\n  > “Diplomatic relations began")
    assert "error: the question is empty" in result.stdout


def test_a_reader_that_closes_early_ends_the_command_quietly(index_dir):
    # As in `kizuna ask ... | head -1`: the pipe closes before the answer is written.
    command = [str(KIZUNA), "ask", "--seeds", str(SEEDS), "--index-dir", str(index_dir), "-k", "5", "when did relations begin?"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    process.stdout.close()  # long before the model has loaded
    _, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr.decode() and "BrokenPipe" not in stderr.decode()
    assert process.returncode == 141
