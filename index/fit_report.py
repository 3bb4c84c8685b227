"""The figures ``kizuna fit`` reports, from what a fit decided for each case; plain numpy."""
from __future__ import annotations

from typing import Sequence

import numpy as np

Outcome = tuple  # (roles, best sentence right, verdicts, styles), one entry per case


def of_style(outcome: Outcome, style: str) -> Outcome:
    keep = outcome[3] == style
    return tuple(part[keep] for part in outcome)


def figures(roles: np.ndarray, right: np.ndarray, v: np.ndarray, styles: np.ndarray | None = None) -> dict:
    """The figures the targets speak of."""
    a = roles == "answerable"
    out = {
        "answerable": int(a.sum()),
        "p_at_1": _mean(right[a]),
        "right_and_not_refused": _mean(right[a] & (v[a] != "not_found")),
        "answerable_not_found": _mean(v[a] == "not_found"),
        "top_right_kept": _mean(v[a & right] != "not_found"),
        "answerable_answer": _mean(v[a] == "answer"),
        "answer_precision": _mean(right[a & (v == "answer")]),
    }
    for role in ("impossible", "off_topic"):
        m = roles == role
        out[role] = int(m.sum())
        for verdict in ("answer", "likely", "not_found"):
            out[f"{role}_{verdict}"] = _mean(v[m] == verdict)
    return out


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def pool(parts: Sequence[Outcome]) -> Outcome:
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))
