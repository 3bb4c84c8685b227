"""The engine's fitted numbers, read from ``fitted.json`` beside this file.

Every weight, threshold, BM25 parameter and calibration coefficient the ranking uses is
written there by one command, ``kizuna fit`` (``bot/fit_cmd.py`` over ``index/fitting.py``),
from SQuAD and the article's question set; the same command reports how they do on
articles they were not fitted on. Nothing here is set by hand.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("fitted.json")


@lru_cache(maxsize=1)
def fitted() -> dict:
    """The numbers of the last ``kizuna fit``, as written."""
    return json.loads(PATH.read_text(encoding="utf-8"))
