"""The resampling engine of :mod:`concordlab.stats`: parameter checks, seeded streams,
effect sizes, the bootstrap with BCa intervals, permutation p-values, and the one rule that
decides whether an interval can be trusted next to its test (:func:`_ci_reliability`).

Every analysis (:func:`~concordlab.stats.correlate`, :func:`~concordlab.stats.compare_groups`,
...) describes its statistic as a function of an index array and hands it to
:func:`_intervals`; its null distribution is a set of rearrangements drawn with
:func:`_permutations` (or enumerated) and scored with :func:`concordlab._inference.p_value`.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as scipy_stats

from concordlab._checks import Integer, check_seed
from concordlab.compute._common import CONFIDENCE, MAX_DRAWS
from concordlab.compute.surrogates import ALTERNATIVE
from concordlab.errors import ValidationError

__all__ = ["ALTERNATIVE", "BCA_MIN_N", "CONFIDENCE", "PERMUTATIONS", "RESAMPLES"]

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
BCA_MIN_N = 10
"""Fewer sessions than this (dyads; sessions in the smaller group) and a BCa interval is
flagged as not reliable (see :func:`_ci_reliability`)."""


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


# --------------------------------------------------------------------------- reliability


def _smallest_p(count: int, exact: bool, alternative: str) -> tuple[float, str]:
    """The smallest p-value the permutation test can give, whatever the data, and its
    fraction: ``1 / count`` exact or ``1 / (count + 1)`` Monte Carlo, doubled two-sided."""
    sides = 2 if alternative == "two-sided" else 1
    total = count if exact else count + 1
    return min(1.0, sides / total), f"{sides}/{total}"


def _ci_reliability(
    intervals: Sequence[tuple[str, tuple[float, float], float]],
    *,
    n: int,
    unit: str,
    count: int,
    exact: bool,
    confidence: float,
    alternative: str,
    null: float = 0.0,
) -> tuple[bool, str]:
    """Whether bootstrap intervals can be trusted next to their permutation test, and why not.

    The one rule of :mod:`concordlab.stats` (``correlate``, ``compare_groups`` and
    ``compare_paired`` all use it). An interval at ``confidence`` is *not reliable* when

    1. it rests on fewer than :data:`BCA_MIN_N` (10) sessions (for two groups: in the
       smaller group, each group being resampled on its own), or
    2. the permutation test cannot reach the level that matches the interval: its smallest
       attainable p (``1/m`` of the ``m`` arrangements, doubled two-sided; ``1/(N + 1)``
       for ``N`` Monte Carlo draws) is above it, so no data of this size can be
       significant, or
    3. the interval claims more than the test: it excludes the null value (0) while p is
       above the level. (The other disagreement, an interval that includes 0 next to a
       p at most the level, is the interval being the more cautious of the two; it is
       common near p = 0.05 at any n and is not flagged.)

    The level that matches a two-sided interval at confidence ``c`` is ``1 - c`` for a
    two-sided test; for a one-sided test it is ``(1 - c) / 2``, against the interval's
    bound on the side of the alternative (the lower bound for "greater"). An interval that
    is not finite (``n_boot=0``, or no resample defined the statistic) is not an interval
    to trust or distrust: with none, the result is reliable with an empty note.

    Why 10. BCa's accuracy is asymptotic: its coverage error shrinks as O(1/n) (second
    order; Efron & Tibshirani 1993, ch. 14 and 22; DiCiccio & Efron 1996), which says
    nothing about n = 4. The percentile family it corrects is too narrow in small samples
    (Hesterberg 2015), and with ``n`` sessions there are only ``C(2n - 1, n)`` distinct
    resamples (35 for n = 4) and ``n`` jackknife values to estimate the acceleration from.
    10 is a convention, not a theorem; what it guards against was measured when the rule
    was written (normal samples, n_boot = 1000, 400 samples per n, 95 % intervals):

    - d_z (:func:`compare_paired`, true d_z 0.5): coverage 74 % at n = 4, 83 % at 5,
      89 % at 6 and 8; 93-95 % from 10 to 20;
    - d (:func:`compare_groups`, n per group, true d 0.5): 90 % at 4, 91 % at 5, 94-95 %
      from 6 on; the mean difference 84-90 % below 10 and 90-93 % from 10 to 20;
    - r (:func:`correlate`, true rho 0.5): a bound at +/-1 in 98 % of samples at n = 5,
      35 % at 6, 1 % at 8 (resamples repeating two or three sessions give r = +/-1).

    Parameters
    ----------
    intervals : sequence of (label, (low, high), p_value)
        Each interval, the name of what it estimates (e.g. "d_z") and the p-value of the
        test it should agree with.
    n : int
        Sessions behind the intervals (the smaller group's, for two groups).
    unit : str
        What ``n`` counts, e.g. "dyads".
    count : int
        The test's arrangements (exact) or random draws (Monte Carlo).
    exact : bool
        Whether the test enumerated every arrangement.
    confidence : float
        The intervals' coverage.
    alternative : {"two-sided", "greater", "less"}
        The test's alternative.
    null : float, default 0.0
        The value of the statistic under the null hypothesis.

    Returns
    -------
    tuple of (bool, str)
        Whether the intervals are reliable, and a short note saying why not ("" if they are).

    Examples
    --------
    >>> from concordlab.stats._resampling import _ci_reliability
    >>> reliable, note = _ci_reliability([("d_z", (1.07, 4.33), 0.125)], n=4, unit="dyads",
    ...                                  count=16, exact=True, confidence=0.95,
    ...                                  alternative="two-sided")
    >>> reliable
    False
    >>> print(note)
    4 dyads < 10, too few for a BCa interval; the exact test's smallest attainable p is
    0.125 (2/16) > 0.05; the CI of d_z [1.07, 4.33] excludes 0 but p = 0.125 > 0.05
    >>> _ci_reliability([("r", (0.2, 0.7), 0.003)], n=40, unit="sessions", count=10000,
    ...                 exact=False, confidence=0.95, alternative="two-sided")
    (True, '')
    """
    finite = [(label, ci, p) for label, ci, p in intervals if all(math.isfinite(v) for v in ci)]
    if not finite:
        return True, ""
    two_sided = alternative == "two-sided"
    level = (1.0 - confidence) if two_sided else (1.0 - confidence) / 2.0
    clauses = []
    if n < BCA_MIN_N:
        clauses.append(f"{n} {unit} < {BCA_MIN_N}, too few for a BCa interval")
    smallest, fraction = _smallest_p(count, exact, alternative)
    if smallest > level * (1 + 1e-9):
        test = "exact test's" if exact else f"Monte Carlo test's (n_permutations = {count})"
        clauses.append(
            f"the {test} smallest attainable p is {_short(smallest)} ({fraction}) > {_short(level)}"
        )
    null_text = _short(null)
    overclaims: dict[float, list[str]] = {}  # p -> the intervals excluding 0 next to it
    for label, (low, high), p in finite:
        excludes = {
            "two-sided": low > null or high < null,
            "greater": low > null,
            "less": high < null,
        }[alternative]
        if math.isfinite(p) and excludes and p > level * (1 + 1e-9):
            overclaims.setdefault(p, []).append(f"{label} [{_short(low)}, {_short(high)}]")
    for p, labels in overclaims.items():
        many = len(labels) > 1
        names = ", ".join(labels[:-1]) + " and " + labels[-1] if many else labels[0]
        verdict = f"{'exclude' if many else 'excludes'} {null_text} but p = {_short(p)} > "
        clauses.append(f"the CI{'s' if many else ''} of {names} {verdict}{_short(level)}")
    return not clauses, "; ".join(clauses)


def _judged_intervals(
    function: str,
    intervals: Sequence[tuple[str, tuple[float, float], float]],
    **design: Any,
) -> tuple[bool, str]:
    """:func:`_ci_reliability` of ``intervals``, with the one warning when they are not
    reliable, pointing at the caller of ``function``."""
    reliable, note = _ci_reliability(intervals, **design)
    if not reliable:
        warnings.warn(
            f"{function}: the {design['confidence']:.0%} bootstrap CI is not reliable: {note}. "
            "The permutation p-value holds its level at any n, the interval only "
            "approximately; result.ci_reliable is False and result.ci_note says why.",
            UserWarning,
            stacklevel=3,
        )
    return reliable, note


def _short(value: float) -> str:
    return f"{value:.3g}"
