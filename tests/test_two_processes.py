"""Two real OS processes over one index folder: one answers while the other rebuilds."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from index import Engine, store
from index.embedder import HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "index_worker.py"
SAKE = "Sake is brewed from polished rice. Koji mould starts the brewing."


class Events:
    """The JSON lines a worker prints, read in a thread so a test can wait with a timeout."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put(json.loads(line))

    def next(self, event: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            item = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if item["event"] == event:
                return item


def _worker(*args: object) -> list[str]:
    return [sys.executable, str(WORKER), *map(str, args)]


def test_a_process_answering_follows_another_process_rebuild_without_a_wrong_quote(seeds, tmp_path):
    idx, stop = tmp_path / "idx", tmp_path / "stop"
    Engine.open(seeds, idx, HashingEmbedder()).close()
    old = store.current_build(idx)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    answering = subprocess.Popen(_worker("answer", seeds, idx, stop, 25), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env)
    try:
        events = Events(answering)
        ready = events.next("ready", timeout=15)
        assert ready["build"] == old.name and ready["embedded"] == 0  # loaded, not embedded
        (seeds / "sake.txt").write_text(SAKE, encoding="utf-8")
        builder = subprocess.run(_worker("build", seeds, idx), capture_output=True, text=True, env=env,
                                 timeout=30, check=False)
        assert builder.returncode == 0, builder.stderr
        built = json.loads(builder.stdout.splitlines()[-1])
        assert built["added"] == ["sake.txt"] and built["embedded"] == 2  # sake's two sentences
        switched = events.next("switched", timeout=10)
        assert switched["build"] == built["build"]
        assert switched["time"] - built["time"] < 4  # within a few seconds (it looks every 2 s)
        time.sleep(0.5)  # a few answers from the new build
        stop.touch()
        done = events.next("done", timeout=10)
        assert answering.wait(10) == 0
    finally:
        if answering.poll() is None:
            answering.kill()
    assert done["errors"] == []  # no exception, and every quote held in the build it came from
    assert done["per_build"][old.name] > 0 and done["per_build"][built["build"]] > 0
    assert done["sake_answered"]  # the new document answers once it is served
    assert done["encoded"] == done["questions"]  # it encoded its questions and nothing else
    assert not old.exists() and store.current_build(idx).name == built["build"]  # cleared up after its reader left
