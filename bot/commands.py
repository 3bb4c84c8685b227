"""What each ``kizuna`` subcommand does, given parsed arguments and settings."""
from __future__ import annotations

import argparse
import json
import logging
import os
import select
import sys
import time
from pathlib import Path
from typing import Iterator

from index import Answer, Engine, KizunaError, store
from index.engine import clean_question
from index.errors import InvalidQuestion, ModelLoadError, UnknownDocument
from index.library import SERVERS, Library

from .render import render_answer, render_documents, render_report
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

_BATCH = 64  # questions encoded together when standard input has several ready


def check_folders(seeds_dir: Path, index_dir: Path) -> None:
    """Fail in a moment, not after the model's 20-second load, on folders that cannot work."""
    if not seeds_dir.is_dir():
        what = "is not a folder" if seeds_dir.exists() else "does not exist"
        raise SettingsError(
            f"the seeds folder {seeds_dir} {what}: create it and put .txt or .md documents in it, "
            "or point --seeds (KIZUNA_SEEDS) at the folder that holds them"
        )
    store.check_index_dir(index_dir)


def open_engine(settings: Settings, *, progress_bar: bool = False) -> Engine:
    """Load the model and the index (building it on first use)."""
    from index.embedder import load_embedder

    check_folders(settings.seeds_dir, settings.index_dir)
    embedder = load_embedder(settings.model, settings.device)
    multilingual = open_multilingual(settings.multilingual)
    bar = _ProgressBar() if progress_bar else None
    try:
        return Engine.open(
            settings.seeds_dir,
            settings.index_dir,
            embedder,
            multilingual=multilingual,
            progress=bar,
            max_file_bytes=int(settings.max_file_mb * 1_000_000),
            follow_every=settings.follow_seconds,  # other processes may rebuild the same index
            exclude=(SERVERS,),  # the servers' own documents are theirs, not the shared corpus
        )
    finally:
        if bar:
            bar.close()


def open_multilingual(mode: str):
    """The multilingual encoder when the setting wants it and it runs here, else None.

    Said once, at start: why answers in other languages are off when they were asked
    for ("on") or would have been on by default ("auto") but cannot be.
    """
    if mode == "off":
        log.info("multilingual answers are off (KIZUNA_MULTILINGUAL=off)")
        return None
    from index.multilingual import MultilingualUnavailable, load_multilingual

    try:
        return load_multilingual()
    except MultilingualUnavailable as err:
        if mode == "on":
            log.warning("%s; questions in other languages get the English ranking", err)
        else:
            log.info("%s; questions in other languages get the English ranking", err)
        return None


class _ProgressBar:
    """Build progress on standard error: on a terminal a tqdm bar per counted stage
    (splitting, embedding: with rate and time left) and a line as each other stage
    begins (indexing words, saving: seconds at 100,000 sentences); in a pipe or a log
    file one summary line, since a bar redrawn with carriage returns is noise there.
    """

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.bar = None
        self.stage: str | None = None
        self.done = self.total = 0
        self.started: float | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage.startswith("waiting"):  # another process (a bot, say) is building this index
            print(f"{stage}…", file=self.stream, flush=True)
            return
        if stage == "embedding":
            if self.started is None:
                self.started = time.perf_counter()
            self.done, self.total = done, total
        if not _is_terminal(self.stream):
            return
        counted = total > 1  # (0, 1) marks a stage that only has a start
        if stage != self.stage:
            self._close_bar()
            self.stage = stage
            if not counted and stage != "reading":
                print(f"{stage}…", file=self.stream, flush=True)
        if counted:
            if self.bar is None:
                from tqdm import tqdm

                unit = "text" if stage == "embedding" else "document"
                self.bar = tqdm(total=total, desc=stage, unit=unit, file=self.stream, leave=False)
            self.bar.n = done
            self.bar.refresh()

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def close(self) -> None:
        self._close_bar()
        if self.started is not None and not _is_terminal(self.stream):
            seconds = time.perf_counter() - self.started
            print(f"embedded {self.done} of {self.total} texts in {seconds:.1f} s", file=self.stream)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or already closed
        return False


def dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    """Run a command; an expected failure is one line on standard error, not a traceback.

    The one policy for exit codes: 1 when the model cannot be loaded, 2 for what the
    user can fix (a setting, a path, a file, a question), 0 when it worked.
    """
    handlers = {"ask": ask, "index": index, "chat": chat, "run": run, "sources": sources, "eval": evaluate, "fit": fit}
    try:
        return handlers[command](args, settings)
    except ModelLoadError as err:
        print(f"kizuna: {err}", file=sys.stderr)
        return 1
    except (KizunaError, SettingsError) as err:
        print(f"kizuna: {err}", file=sys.stderr)
        return 2


def _k(args: argparse.Namespace, settings: Settings) -> int:
    k = settings.alternatives if args.k is None else args.k
    if not 0 <= k <= 10:
        raise InvalidQuestion("-k must be between 0 and 10")
    return k


def ask(args: argparse.Namespace, settings: Settings) -> int:
    k = _k(args, settings)
    if args.question == ["-"]:
        engine = open_engine(settings)
        return _ask_stream(engine, args, k)
    question = clean_question(" ".join(args.question))  # fail fast, before loading the model
    engine = open_engine(settings)
    answer = engine.ask(question, k=k, document=args.document)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(render_answer(answer, color=sys.stdout.isatty()))
    return 0


def _ask_stream(engine: Engine, args: argparse.Namespace, k: int) -> int:
    """One answer per input line, in order; a bad line gets an error, not a crash."""
    for lines in _line_batches(sys.stdin):
        parsed = [_parse_line(line, args.document) for line in lines]
        good = [(i, q) for i, q in enumerate(parsed) if not isinstance(q, str)]
        results: dict[int, Answer | dict] = {
            i: {"question": None, "error": q} for i, q in enumerate(parsed) if isinstance(q, str)
        }
        results.update(_answer_batch(engine, good, k))
        for i in range(len(lines)):
            print(_format(results[i], args.json))
        sys.stdout.flush()
    return 0


def _answer_batch(engine: Engine, items: list[tuple[int, tuple[str, str | None]]], k: int) -> dict[int, Answer | dict]:
    try:
        answers = engine.ask_many([q for _, q in items], k=k)
        return {i: a for (i, _), a in zip(items, answers)}
    except (InvalidQuestion, UnknownDocument):
        # One bad question must not sink its neighbours: answer them one by one.
        out: dict[int, Answer | dict] = {}
        for i, (question, document) in items:
            try:
                out[i] = engine.ask(question, k=k, document=document)
            except (InvalidQuestion, UnknownDocument) as err:
                out[i] = {"question": question, "error": str(err)}
        return out


def _format(result: Answer | dict, as_json: bool) -> str:
    """An answer or an error, as one JSON line or as the readable text of `kizuna ask`."""
    if as_json:
        return json.dumps(result.to_dict() if isinstance(result, Answer) else result, ensure_ascii=False)
    if isinstance(result, Answer):
        return f"Q: {result.question}\n{render_answer(result)}\n"
    return f"error: {result['error']}\n"


def _parse_line(line: str, default_document: str | None) -> tuple[str, str | None] | str:
    """A plain question, or a JSON object {"question": ..., "document": ...}; else an error."""
    text = line.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError as err:
            return f"not valid JSON: {err}"
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            return 'a JSON line needs a "question" string'
        document = obj.get("document", default_document)
        if document is not None and not isinstance(document, str):
            return '"document" must be a string'
        return obj["question"], document
    return text, default_document


def _line_batches(stream) -> Iterator[list[str]]:
    """Lines from ``stream`` in batches of what is already available, up to _BATCH.

    A pipe that delivers many questions at once gets them encoded together; an
    interactive one line at a time still gets each answer as soon as it is typed.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:
        for line in stream:
            yield [line.rstrip("\n")]
        return
    buffer = b""
    eof = False
    while True:
        lines: list[bytes] = []
        while True:
            while b"\n" in buffer and len(lines) < _BATCH:
                line, buffer = buffer.split(b"\n", 1)
                lines.append(line)
            if len(lines) >= _BATCH or eof or (lines and not _ready(fd)):
                break
            chunk = os.read(fd, 1 << 16)
            buffer += chunk
            if not chunk:
                eof = True
                if buffer:
                    lines.append(buffer)
                    buffer = b""
        if lines:
            yield [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]
        if eof and not buffer:
            return


def _ready(fd: int) -> bool:
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def index(args: argparse.Namespace, settings: Settings) -> int:
    # The report below lists the warnings; don't print them twice through the log.
    logging.getLogger("index.keeping").setLevel(logging.ERROR)
    engine = open_engine(settings, progress_bar=True)
    report = engine.last_report
    if args.force:
        bar = _ProgressBar()
        try:
            report = engine.rebuild(progress=bar, force=True)
        finally:
            bar.close()
    print(render_report(report))
    return 0


def sources(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings)
    print(render_documents(engine.documents(), engine.model_name, engine.built_at))
    return 0


def chat(args: argparse.Namespace, settings: Settings) -> int:
    from .chat import run_chat

    if settings.discord_token is None and args.command is None:
        print("No DISCORD_TOKEN is set, so Kizuna runs as a terminal chat. "
              "Put DISCORD_TOKEN=... in .env to run the Discord bot.", file=sys.stderr)
    engine = open_engine(settings, progress_bar=True)
    return run_chat(engine, settings, sys.stdin, sys.stdout)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_token:
        print("kizuna run needs a Discord bot token: create an application at the Discord developer "
              "portal, copy its bot token, and put DISCORD_TOKEN=... in .env (see .env.example).", file=sys.stderr)
        return 2
    engine = open_engine(settings, progress_bar=True)
    from .run import run as run_bot

    # Servers' own corpora are opened when a server first asks (index/library.py).
    return run_bot(settings, Library.around(engine))


def fit(args: argparse.Namespace, settings: Settings) -> int:
    from . import fit_cmd

    return fit_cmd.run(args, settings)


def evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from . import eval_cmd

    return eval_cmd.run(args, settings)
