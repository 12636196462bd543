"""The resampling engine of :mod:`concordlab.stats`: parameter checks, seeded streams,
effect sizes, the bootstrap with BCa intervals, and permutation p-values.

Every analysis (:func:`~concordlab.stats.correlate`, :func:`~concordlab.stats.compare_groups`,
...) describes its statistic as a function of an index array and hands it to
:func:`_intervals`; its null distribution is a set of rearrangements drawn with
:func:`_permutations` (or enumerated) and scored with :func:`concordlab._inference.p_value`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as scipy_stats

from concordlab._checks import Integer, check_seed
from concordlab.compute._common import CONFIDENCE, MAX_DRAWS
from concordlab.compute.surrogates import ALTERNATIVE
from concordlab.errors import ValidationError

__all__ = ["ALTERNATIVE", "CONFIDENCE", "PERMUTATIONS", "RESAMPLES"]

CI_METHOD = "BCa bootstrap (bias-corrected and accelerated, jackknife acceleration)"
D_FORMULA = (
    "d = (mean_a - mean_b) / s_pooled, "
    "s_pooled = sqrt(((n_a - 1) sd_a^2 + (n_b - 1) sd_b^2) / (n_a + n_b - 2)), sd with ddof=1"
)
# At least this many bootstrap resamples or permutations (and 5 resamples in each tail).
_MIN_RESAMPLES = 100
# Index arrays are built in chunks of about this many cells.
_CHUNK_CELLS = 1_000_000
# Exact enumeration of permutations (n! of them) only up to this many items.
_MAX_EXACT_ITEMS = 9


# --------------------------------------------------------------------------- checks


RESAMPLES = Integer(low=0, high=MAX_DRAWS, example="5000")
"""A number of bootstrap resamples (0 skips the interval; see :func:`_check_n_boot`)."""
PERMUTATIONS = Integer(
    low=_MIN_RESAMPLES,
    high=MAX_DRAWS,
    example="10000",
    note="the smallest Monte Carlo p-value is 1 / (n_permutations + 1)",
)
"""A number of permutations."""


def _check_n_boot(n_boot: Any, confidence: float) -> int:
    n_boot = RESAMPLES.check(n_boot, "n_boot")
    least = max(_MIN_RESAMPLES, math.ceil(round(10.0 / (1.0 - confidence), 6)))
    if 0 < n_boot < least:
        raise ValidationError(
            f"n_boot={n_boot} is too few resamples for a {confidence:g} interval: each tail "
            f"needs at least 5, so use n_boot >= {least} (default 5000), or n_boot=0 to skip "
            "the interval."
        )
    return n_boot


def _streams(seed: Any) -> tuple[int, np.random.Generator, np.random.Generator]:
    """The seed to record and independent generators for the bootstrap and permutations."""
    seed = check_seed(seed)
    boot, permutation = np.random.SeedSequence(seed).spawn(2)
    return seed, np.random.default_rng(boot), np.random.default_rng(permutation)


# --------------------------------------------------------------------------- statistics


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis; NaN where either has no spread."""
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = x - x.mean(-1, keepdims=True)
        ym = y - y.mean(-1, keepdims=True)
        r = (xm * ym).sum(-1) / np.sqrt((xm * xm).sum(-1) * (ym * ym).sum(-1))
    flat = (np.ptp(x, axis=-1) == 0) | (np.ptp(y, axis=-1) == 0)
    return np.where(flat, np.nan, np.clip(r, -1.0, 1.0))


def _spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho (Pearson r of average ranks) along the last axis."""
    return _pearson(scipy_stats.rankdata(x, axis=-1), scipy_stats.rankdata(y, axis=-1))


# --------------------------------------------------------------------------- bootstrap


def _row_chunks(total: int, width: int) -> Iterator[tuple[int, int]]:
    size = max(1, _CHUNK_CELLS // max(1, width))
    for start in range(0, total, size):
        yield start, min(total, start + size)


Statistic = Callable[[np.ndarray, tuple[int, ...]], np.ndarray]


def _bootstrap(
    statistic: Statistic, sizes: tuple[int, ...], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """``statistic`` over ``n_boot`` resamples, drawn with replacement within each stratum.

    Observations are numbered stratum after stratum. Each resample draws, in one row of
    ``rng.integers(0, high)``, ``sizes[0]`` indices of the first stratum, then the second
    stratum's ... (so a loop drawing ``rng.integers(0, n_s, size=n_s)`` per stratum and
    resample gives the same indices). ``statistic(index, sizes)`` maps an index array
    (rows, sum(sizes)) to (k, rows). Returns (k, n_boot).
    """
    sizes_array = np.asarray(sizes)
    total = int(sizes_array.sum())
    high = np.repeat(sizes_array, sizes_array)
    offset = np.repeat(np.concatenate([[0], np.cumsum(sizes_array)[:-1]]), sizes_array)
    pieces = []
    for start, stop in _row_chunks(n_boot, total):
        index = rng.integers(0, high, size=(stop - start, total)) + offset
        pieces.append(statistic(index, sizes))
    return np.concatenate(pieces, axis=-1)


def _jackknife(statistic: Statistic, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Leave-one-out values of ``statistic`` per stratum: a list of (k, sizes[s]) arrays."""
    total = sum(sizes)
    keep = np.arange(total - 1)
    out = []
    first = 0
    for s, size in enumerate(sizes):
        reduced = tuple(n - (t == s) for t, n in enumerate(sizes))
        pieces = []
        for start, stop in _row_chunks(size, total):
            left_out = first + np.arange(start, stop)
            index = keep[None, :] + (keep[None, :] >= left_out[:, None])
            pieces.append(statistic(index, reduced))
        out.append(np.concatenate(pieces, axis=-1))
        first += size
    return out


def _bca(
    estimate: float, boot: np.ndarray, jackknives: list[np.ndarray], confidence: float
) -> tuple[float, float]:
    """BCa interval from bootstrap values (NaN left out) and per-stratum jackknife values."""
    boot = boot[np.isfinite(boot)]
    if not math.isfinite(estimate) or boot.size == 0:
        return math.nan, math.nan
    size = boot.size
    below = np.count_nonzero(boot < estimate) + 0.5 * np.count_nonzero(boot == estimate)
    z0 = special.ndtri(min(max(below / size, 0.5 / size), 1.0 - 0.5 / size))
    numerator = denominator = 0.0
    for values in jackknives:
        values = values[np.isfinite(values)]
        m = values.size
        if m < 2:
            continue
        u = (m - 1) * (values.mean() - values)
        numerator += float((u**3).sum()) / m**3
        denominator += float((u**2).sum()) / m**2
    acceleration = numerator / (6.0 * denominator**1.5) if denominator > 0 else 0.0
    alpha = (1.0 - confidence) / 2.0
    levels = []
    for z in (special.ndtri(alpha), special.ndtri(1.0 - alpha)):
        shifted = z0 + z
        level = special.ndtr(z0 + shifted / (1.0 - acceleration * shifted))
        if not math.isfinite(level) or 1.0 - acceleration * shifted <= 0:
            level = special.ndtr(z)  # acceleration too strong: fall back to percentile
        levels.append(level)
    low, high = np.quantile(boot, levels)
    return float(low), float(high)


# --------------------------------------------------------------------------- permutations


def _intervals(
    statistic: Statistic,
    sizes: tuple[int, ...],
    estimates: Any,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """BCa intervals (one row per estimate; NaN without resamples) and the number of
    resamples in which each estimate was defined."""
    ci = np.full((len(estimates), 2), np.nan)
    valid = np.zeros(len(estimates), dtype=np.int64)
    if n_boot:
        boot = _bootstrap(statistic, sizes, n_boot, rng)
        jack = _jackknife(statistic, sizes)
        for k, estimate in enumerate(estimates):
            valid[k] = np.isfinite(boot[k]).sum()
            ci[k] = _bca(float(estimate), boot[k], [values[k] for values in jack], confidence)
    return ci, valid


def _permutations(
    n: int, n_permutations: int, rng: np.random.Generator, exact: bool
) -> Iterator[np.ndarray]:
    """Chunks of permutations of range(n): all of them, or random ones (one
    ``rng.permutation(n)`` per row, in order)."""
    if exact:
        yield np.array(list(itertools.permutations(range(n))), dtype=np.intp).reshape(-1, n)
        return
    for start, stop in _row_chunks(n_permutations, n):
        yield rng.permuted(np.tile(np.arange(n), (stop - start, 1)), axis=1)


def _describe_p(exact: bool, count: int, what: str, alternative: str) -> str:
    side = {"two-sided": "two-sided", "greater": "one-sided (greater)", "less": "one-sided (less)"}
    if exact:
        return f"{side[alternative]} permutation test, exact: all {count} {what}"
    return (
        f"{side[alternative]} permutation test, Monte Carlo: {count} random {what}, "
        "p = (k + 1) / (n + 1)"
    )


def _interval(values: np.ndarray, row: int) -> tuple[float, float]:
    return float(values[row, 0]), float(values[row, 1])
