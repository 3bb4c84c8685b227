"""The ``kizuna`` command: ask, index, chat, eval, run (the Discord bot).

With no command it runs the main job: the Discord bot when DISCORD_TOKEN is set,
otherwise a terminal chat that gives the same answers.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from .settings import Settings, SettingsError

log = logging.getLogger("kizuna")


def _quiet_libraries(settings: Settings) -> None:
    """Keep library chatter off the terminal, and the bundled model off the network."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if settings.model is None:
        # The bundled model is a local folder: nothing needs the hub, so never ask it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _share_the_cpu() -> None:
    """One thread for numpy's BLAS; the cores are torch's.

    Every answer is a torch encode followed by small numpy products (the ranking). With
    two BLAS threads of its own, numpy fought torch's still-spinning worker threads for
    the two cores and answering one question took 2.5 times a bare encode; with one it
    takes 1.15 times (bench/bench_engine.py). OpenBLAS reads this when numpy loads, so it
    is set before anything imports numpy; a value already in the environment wins.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # bm25s sets its own logger to DEBUG when imported; these libraries speak only of problems.
    for noisy in ("faiss.loader", "bm25s", "sentence_transformers", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=Path, help="folder of .txt/.md documents (env KIZUNA_SEEDS, default ./seeds)")
    parser.add_argument("--index-dir", type=Path, help="where the index is stored (env KIZUNA_INDEX_DIR, default ./.kizuna-index)")
    parser.add_argument("--model", help="sentence-transformers model name or path (env KIZUNA_MODEL; default: bundled all-MiniLM-L6-v2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kizuna", description="Answers questions about your documents by quoting the source sentence.")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line from standard input)")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read questions from standard input")
    ask.add_argument("-k", type=int, default=None, metavar="N", help="how many other passages to show (0-10)")
    ask.add_argument("--document", help="search only this document (its path relative to the seeds folder)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    index = sub.add_parser("index", help="build or refresh the index")
    index.add_argument("--force", action="store_true", help="re-embed every document")
    sub.add_parser("chat", help="a terminal chat with the same answers as the bot")
    sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    sub.add_parser("sources", help="list the indexed documents")
    for name in ("ask", "index", "chat", "run", "sources"):
        _add_common(sub.choices[name])
    try:
        from . import eval_cmd
    except ImportError:  # the evaluation command is optional
        eval_cmd = None
    if eval_cmd is not None:
        _add_common(eval_cmd.add_parser(sub))
    from . import fit_cmd

    fit_cmd.add_parser(sub).add_argument("--model", help="sentence-transformers model name or path (default: bundled)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "seeds", None):
        settings = replace(settings, seeds_dir=args.seeds)
    if getattr(args, "index_dir", None):
        settings = replace(settings, index_dir=args.index_dir)
    if getattr(args, "model", None):
        settings = replace(settings, model=args.model)
    return settings


def main(argv: list[str] | None = None) -> int:
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as err:
        print(f"kizuna: {err}", file=sys.stderr)
        return 2
    _quiet_libraries(settings)
    _share_the_cpu()
    from . import commands  # imports the engine's libraries, so logging is set up after

    command = args.command or ("run" if settings.discord_token else "chat")
    # The bot is a service and logs what it does; the other commands print their results.
    _configure_logging(settings.log_level if command == "run" else min_level(settings.log_level))
    try:
        return commands.dispatch(command, args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """The reader of our output closed it (``kizuna ask -k 9 ... | head -3``): stop quietly.

    Output still buffered would fail again when the interpreter flushes it at exit, with
    a second traceback, so standard output is pointed at /dev/null first. 141 is what a
    shell reports for a program ended by SIGPIPE.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def min_level(level: str) -> str:
    """Commands print their own results; their logs only speak of problems unless asked."""
    return level if level in ("DEBUG", "ERROR", "CRITICAL") else "WARNING"


if __name__ == "__main__":
    raise SystemExit(main())
