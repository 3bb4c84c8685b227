"""Logistic regression and the two threshold rules that ``kizuna fit`` uses; plain numpy."""
from __future__ import annotations

import numpy as np

from .ranking import Logistic

# A 0/1 feature with fewer rows than this on one side is left out (coefficient 0). The
# features are standardised, so the penalty barely holds a rare one: the cross-lingual
# match model's kind_mismatch was 1 in 2 of its 320 training rows, both ranked right, and
# took a coefficient of +3.3, the opposite of what a time question answered without a
# date means. Two rows are no evidence either way.
MIN_SUPPORT = 10


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50,
                 sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """L2-regularised logistic regression by Newton's method, on standardised features.

    Returns the bias and coefficients in the features' own units. A feature that never
    varies gets coefficient 0, and so does a 0/1 feature seen fewer than ``MIN_SUPPORT``
    times one way. ``sample_weight`` (default: all equal) is normalised to sum to the
    number of rows.
    """
    sw = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, float) * len(x) / np.sum(sample_weight)
    mean = np.average(x, axis=0, weights=sw)
    std = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=sw))
    std = np.where((std > 1e-9) & ~_too_rare(x), std, np.inf)
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2 / len(x))
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        gradient = z.T @ (sw * (p - y)) / len(x) + penalty * w
        hessian = (z * (sw * p * (1 - p))[:, None]).T @ z / len(x) + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(w)), gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coefficients = w[1:] / std
    return float(w[0] - coefficients @ mean), coefficients


def _too_rare(x: np.ndarray) -> np.ndarray:
    """(features,) bool: a 0/1 feature with fewer than ``MIN_SUPPORT`` rows on one side."""
    binary = np.all((x == 0) | (x == 1), axis=0)
    ones = (x == 1).sum(axis=0)
    return binary & (np.minimum(ones, len(x) - ones) < MIN_SUPPORT)


def probabilities(model: Logistic, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(model.bias + x @ np.array(model.coefficients), -50, 50)))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The value below which a share ``q`` of the total weight lies."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def precision_threshold(p: np.ndarray, right: np.ndarray, target: float, weights: np.ndarray | None = None) -> float:
    """The lowest probability above which at least ``target`` of the (weighted) calls are right."""
    weights = np.ones(len(p)) if weights is None else weights
    order = np.argsort(-p)
    precision = np.cumsum(right[order] * weights[order]) / np.cumsum(weights[order])
    ok = np.flatnonzero(precision >= target)
    return float(p[order][ok[-1]]) if len(ok) else 1.0
