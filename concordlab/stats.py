"""Cohort statistics: concordance against ratings, groups, pre/post and pseudo-dyads.

The cohort questions of psychotherapy and empathy research, each answered with an effect
size, a confidence interval and a permutation p-value:

- :func:`correlate`: does a session's concordance index track a rating? (Marci et al.
  2007: r = 0.47 between the index and patient-rated therapist empathy over 20 dyads.)
- :func:`compare_groups`: do two groups of sessions differ? (The rMEA data: patients who
  stayed in therapy vs those who dropped out.)
- :func:`compare_paired`: does concordance change from before to after, on the same
  dyads? (Empathy-training studies.)
- :func:`compare_real_pseudo`: are real dyads more concordant than pseudo-dyads, people
  who never met? (Marci's "hypothetical dyads", rMEA's pseudo-synchrony.)

Each returns a frozen result with a readable ``repr``, ``to_frame()`` (a tidy
:class:`pandas.DataFrame`) and ``plot()`` (a plotly figure, see :mod:`concordlab.plots`).

Conventions shared by all four
------------------------------
**Inputs.** One value per session: a :class:`pandas.Series` indexed by session (or dyad)
id, a dict of id to value or a 1-D :class:`xarray.DataArray`; these are matched on their
ids. Plain array-likes are matched by position and must have equal lengths. NaN and
+/-inf count as missing (a concordance index is +inf when no window is negative).
Sessions whose id is in only one input, or that miss a value, are left out: a
``UserWarning`` says how many, and ``result.dropped`` counts them.

**Confidence intervals** are bias-corrected and accelerated (BCa) bootstrap intervals
(Efron 1987; Efron & Tibshirani 1993, ch. 14 and 22) over ``n_boot`` resamples of the
sessions with replacement (within each group for :func:`compare_groups`), with the
acceleration from the jackknife (the multi-sample formula for two groups, as
:func:`scipy.stats.bootstrap` uses). Resamples in which a statistic is undefined (no
spread) are left out and counted in ``n_boot_valid``. ``n_boot=0`` skips the intervals.

**p-values** come from permutation tests of the null hypothesis named in each function.
Two-sided: ``p = min(1, 2 * min(p_greater, p_less))``, the rule of
:func:`scipy.stats.permutation_test` and :func:`concordlab.surrogate_test`. When the
number of distinct rearrangements is at most ``n_permutations`` they are all enumerated
and p is exact, ``k / m`` with the observed arrangement among the ``m``; otherwise
``n_permutations`` random rearrangements give the Monte Carlo p-value
``(k + 1) / (n_permutations + 1)``, which is never zero (Phipson & Smyth 2010). Values
within a relative ``1e-12`` of the observed statistic count as ties (as extreme).

**Seeds.** ``seed`` seeds two independent streams (:meth:`numpy.random.SeedSequence.spawn`):
one for the bootstrap, one for the permutations, so the same seed gives the same result
and changing ``n_boot`` leaves the p-value unchanged. None draws a fresh seed, stored
in ``result.seed``.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82(397), 171-185.

Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.

Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
related estimators. *J Educ Stat*, 6(2), 107-128.

Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
science: a practical primer for t-tests and ANOVAs. *Front Psychol*, 4, 863.

Marci, C. D., Ham, J., Moran, E., & Orr, S. P. (2007). Physiologic correlates of
perceived therapist empathy and social-emotional process during psychotherapy.
*J Nerv Ment Dis*, 195(2), 103-111.

Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Stat Appl Genet Mol Biol*, 9(1), Article 39.

Kleinbub, J. R., & Ramseyer, F. T. (2021). rMEA: An R package to assess nonverbal
synchronization in motion energy analysis time-series. *Psychother Res*, 31(6), 817-830.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from scipy import special
from scipy import stats as scipy_stats

from concordlab._checks import Integer, check_seed
from concordlab.compute._common import CONFIDENCE, MAX_DRAWS
from concordlab.compute.surrogates import ALTERNATIVE, ALTERNATIVES, count_derangements
from concordlab.errors import ValidationError

__all__ = [
    "ALTERNATIVES",
    "CorrelationEstimate",
    "CorrelationResult",
    "GroupComparison",
    "PairedComparison",
    "RealPseudoComparison",
    "compare_groups",
    "compare_paired",
    "compare_real_pseudo",
    "correlate",
]

CI_METHOD = "BCa bootstrap (bias-corrected and accelerated, jackknife acceleration)"
D_FORMULA = (
    "d = (mean_a - mean_b) / s_pooled, "
    "s_pooled = sqrt(((n_a - 1) sd_a^2 + (n_b - 1) sd_b^2) / (n_a + n_b - 2)), sd with ddof=1"
)
# At least this many bootstrap resamples or permutations (and 5 resamples in each tail).
_MIN_RESAMPLES = 100
# Index arrays are built in chunks of about this many cells.
_CHUNK_CELLS = 1_000_000
# Null values within this relative distance of the observed statistic count as ties.
_TIE_TOLERANCE = 1e-12
# Exact enumeration of permutations (n! of them) only up to this many items.
_MAX_EXACT_ITEMS = 9

_PAIR_ID = re.compile(
    r"^(?P<first>.+):(?P<first_role>[^:+]+)\+(?P<second>.+):(?P<second_role>[^:+]+)$"
)


# --------------------------------------------------------------------------- checks


RESAMPLES = Integer(low=0, high=MAX_DRAWS, example="5000")
"""A number of bootstrap resamples or permutations (0 skips; see the minimums below)."""


def _check_confidence(confidence: Any) -> float:
    return CONFIDENCE.check(confidence, "confidence")


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


def _check_n_permutations(value: Any) -> int:
    value = RESAMPLES.check(value, "n_permutations")
    if value < _MIN_RESAMPLES:
        raise ValidationError(
            f"n_permutations={value} is too few: the smallest Monte Carlo p-value is "
            f"1 / (n_permutations + 1); use at least {_MIN_RESAMPLES} (default 10000)."
        )
    return value


def _check_alternative(alternative: Any) -> str:
    return ALTERNATIVE.check(alternative, "alternative")


def _streams(seed: Any) -> tuple[int, np.random.Generator, np.random.Generator]:
    """The seed to record and independent generators for the bootstrap and permutations."""
    seed = check_seed(seed)
    boot, permutation = np.random.SeedSequence(seed).spawn(2)
    return seed, np.random.default_rng(boot), np.random.default_rng(permutation)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Input:
    series: pd.Series
    labelled: bool  # indexed by ids (matched on ids) rather than by position
    name: str


def _as_input(value: Any, role: str, function: str) -> _Input:
    what = (
        "one value per session: a pandas Series indexed by session id, a dict of id to "
        "value, a 1-D xarray.DataArray or a 1-D array-like"
    )
    if isinstance(value, xr.DataArray):
        if value.ndim != 1:
            raise ValidationError(
                f"{function}: {role} must be {what}; got a DataArray with dims {value.dims}."
            )
        labelled = value.dims[0] in value.coords
        series = value.to_series()
    elif isinstance(value, pd.DataFrame):
        if value.shape[1] != 1:
            raise ValidationError(
                f"{function}: {role} must be {what}; got a DataFrame with columns "
                f"{list(value.columns)[:6]}. Pick one, e.g. table[{str(value.columns[0])!r}]."
            )
        series, labelled = value.iloc[:, 0], True
    elif isinstance(value, pd.Series):
        series, labelled = value, True
    elif isinstance(value, Mapping):
        series, labelled = pd.Series(dict(value), dtype=None if value else float), True
    elif isinstance(value, str | bytes) or np.ndim(value) != 1:
        raise ValidationError(f"{function}: {role} must be {what}; got {type(value).__name__}.")
    else:
        series, labelled = pd.Series(list(value)), False
    name = series.name
    name = role if name is None or (isinstance(name, str) and not name.strip()) else str(name)
    return _Input(series=series, labelled=labelled, name=name)


def _check_unique(part: _Input, role: str, function: str) -> None:
    index = part.series.index
    if part.labelled and index.has_duplicates:
        repeated = list(index[index.duplicated()].unique()[:5])
        raise ValidationError(
            f"{function}: {role} has repeated ids {repeated}; give one value per session "
            f"id (e.g. average the repeats with {role}.groupby(level=0).mean())."
        )


def _align(inputs: dict[str, Any], function: str) -> tuple[pd.DataFrame, dict[str, str], int]:
    """The inputs side by side (one column per role, index = ids), their names and the
    number of ids found in only some of them."""
    parts = {role: _as_input(value, role, function) for role, value in inputs.items()}
    roles = list(parts)
    for role, part in parts.items():
        _check_unique(part, role, function)
    names = {role: part.name for role, part in parts.items()}
    if all(part.labelled for part in parts.values()):
        common = parts[roles[0]].series.index
        for role in roles[1:]:
            common = common[common.isin(parts[role].series.index)]
        every = set()
        for part in parts.values():
            every.update(part.series.index)
        if len(common) == 0:
            examples = "; ".join(
                f"{role} has ids like {list(part.series.index[:3])}" for role, part in parts.items()
            )
            raise ValidationError(
                f"{function}: {' and '.join(roles)} share no session ids ({examples}). Index "
                "them by the same ids, or pass plain arrays (e.g. "
                f"{roles[0]}.to_numpy()) to match them by position."
            )
        frame = pd.DataFrame(
            {role: part.series.reindex(common).to_numpy() for role, part in parts.items()},
            index=common,
        )
        return frame, names, len(every) - len(common)
    lengths = {role: len(part.series) for role, part in parts.items()}
    if len(set(lengths.values())) > 1:
        raise ValidationError(
            f"{function}: {' and '.join(roles)} have different lengths {lengths}; without ids "
            "to match on they must hold one value per session each, in the same order. Give "
            "pandas Series indexed by session id to match them on ids."
        )
    labelled = [part for part in parts.values() if part.labelled]
    n = next(iter(lengths.values()))
    index = labelled[0].series.index if labelled else pd.RangeIndex(n)
    frame = pd.DataFrame(
        {role: part.series.to_numpy() for role, part in parts.items()}, index=index
    )
    return frame, names, 0


def _numbers(column: pd.Series, role: str, function: str) -> np.ndarray:
    """Float64 values, NaN where missing or not finite; an error for anything else."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise ValidationError(
            f"{function}: {role} must hold numbers, got booleans; for groups use "
            "compare_groups(values, groups)."
        )
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raw = column.to_numpy(dtype=object)
        for key, value in zip(column.index, raw, strict=True):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValidationError(
                    f"{function}: {role} must hold numbers (NaN for missing); found "
                    f"{value!r} ({type(value).__name__}) at id {key!r}. If these are numbers "
                    f"written as text, convert them first, e.g. pd.to_numeric({role})."
                )
        values = np.array(
            [np.nan if v is None or v is pd.NA else float(v) for v in raw], dtype=np.float64
        )
    values = values.copy()
    values[~np.isfinite(values)] = np.nan
    return values


def _report(function: str, dropped: dict[str, int], n: int, roles: str, stacklevel: int) -> None:
    parts = []
    if dropped.get("unmatched"):
        parts.append(f"{dropped['unmatched']} id(s) found in only some of {roles}")
    if dropped.get("missing"):
        parts.append(f"{dropped['missing']} with a missing (NaN or infinite) value")
    if dropped.get("other_groups"):
        parts.append(f"{dropped['other_groups']} in groups not compared")
    if dropped.get("pseudo_missing"):
        parts.append(f"{dropped['pseudo_missing']} pseudo-dyad(s) with a missing value")
    if parts:
        warnings.warn(
            f"{function}: left out {'; '.join(parts)}; {n} remain. result.dropped counts them.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


def _frozen(values: Any, dtype: Any = None) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def _flat(values: np.ndarray) -> bool:
    return bool(values.size == 0 or np.ptp(values) == 0)


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


def _cohen_d(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean difference and Cohen's d (pooled SD, ddof=1) of a vs b along the last axis."""
    n_a, n_b = a.shape[-1], b.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_a, mean_b = a.mean(-1), b.mean(-1)
        ss = ((a - mean_a[..., None]) ** 2).sum(-1) + ((b - mean_b[..., None]) ** 2).sum(-1)
        d = (mean_a - mean_b) / np.sqrt(ss / (n_a + n_b - 2))
    flat = (np.ptp(a, axis=-1) == 0) & (np.ptp(b, axis=-1) == 0)
    return mean_a - mean_b, np.where(flat, np.nan, d)


def _d_z(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cohen's d_z (mean / SD, ddof=1) along the last axis."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = diff.mean(-1)
        d = mean / diff.std(-1, ddof=1)
    return mean, np.where(np.ptp(diff, axis=-1) == 0, np.nan, d)


def _hedges_j(df: int) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))."""
    if df < 2:
        return math.nan
    return math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)


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


def _p_value(observed: float, null: np.ndarray, alternative: str, *, exact: bool) -> float:
    """Permutation p-value: k / m if ``exact`` (observed among the m), else (k + 1) / (m + 1)."""
    null = null[np.isfinite(null)]
    if not math.isfinite(observed) or null.size == 0:
        return math.nan
    tolerance = _TIE_TOLERANCE * max(abs(observed), float(np.abs(null).max()))
    above = np.count_nonzero(null >= observed - tolerance)
    below = np.count_nonzero(null <= observed + tolerance)
    m = null.size
    if exact:
        p_greater, p_less = above / m, below / m
    else:
        p_greater, p_less = (above + 1) / (m + 1), (below + 1) / (m + 1)
    if alternative == "greater":
        return float(p_greater)
    if alternative == "less":
        return float(p_less)
    return float(min(1.0, 2.0 * min(p_greater, p_less)))


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


# --------------------------------------------------------------------------- formatting


def _fmt(value: float) -> str:
    return "nan" if not math.isfinite(value) else f"{value:.3g}"


def _fmt_ci(ci: tuple[float, float], confidence: float) -> str:
    if not all(math.isfinite(v) for v in ci):
        return "(no CI)"
    return f"{confidence:.0%} CI [{_fmt(ci[0])}, {_fmt(ci[1])}]"


def _fmt_dropped(dropped: dict[str, int]) -> str:
    words = {
        "unmatched": "id(s) in only one input",
        "missing": "missing",
        "other_groups": "in other groups",
        "pseudo_missing": "pseudo-dyad(s) missing",
    }
    parts = [f"{count} {words[key]}" for key, count in dropped.items() if count]
    return f"\n  left out: {', '.join(parts)}" if parts else ""


def _interval(values: np.ndarray, row: int) -> tuple[float, float]:
    return float(values[row, 0]), float(values[row, 1])


# --------------------------------------------------------------------------- correlate


@dataclass(frozen=True, eq=False)
class CorrelationEstimate:
    """One correlation coefficient with its confidence interval and p-value.

    Attributes
    ----------
    method : {"pearson", "spearman"}
        Pearson's r or Spearman's rho (Pearson's r of average ranks).
    estimate : float
        The coefficient.
    ci : (float, float)
        BCa bootstrap confidence interval (NaN with ``n_boot=0``).
    p_value : float
        Permutation p-value (see :func:`correlate`).
    n_boot_valid : int
        Bootstrap resamples in which the coefficient was defined.

    Examples
    --------
    >>> from concordlab.stats import correlate
    >>> correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).pearson.method
    'pearson'
    """

    method: str
    estimate: float
    ci: tuple[float, float]
    p_value: float
    n_boot_valid: int

    def __repr__(self) -> str:
        symbol = "r" if self.method == "pearson" else "ρ"
        return (
            f"{self.method:<9} {symbol} = {_fmt(self.estimate)}  CI [{_fmt(self.ci[0])}, "
            f"{_fmt(self.ci[1])}]  p = {_fmt(self.p_value)}"
        )


@dataclass(frozen=True, eq=False)
class CorrelationResult:
    """Pearson and Spearman correlations of two session-level measures.

    Attributes
    ----------
    pearson, spearman : CorrelationEstimate
        Each coefficient with its interval and p-value.
    n : int
        Sessions used.
    x, y : numpy.ndarray
        The values used (read-only), in session order.
    ids : numpy.ndarray
        Their session ids (positions for plain arrays).
    x_name, y_name : str
        What x and y are (the Series names, else "x" and "y").
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    exact : bool
        Whether the p-values enumerate all ``n!`` permutations.
    ci_method, p_method : str
        How the intervals and p-values were computed.
    dropped : dict
        Sessions left out: ``{"unmatched": ids in only one input, "missing": missing value}``.

    Examples
    --------
    >>> from concordlab.stats import correlate
    >>> result = correlate([1.0, 2, 3, 4, 5], [2.0, 1, 4, 3, 5], n_boot=0)
    >>> round(result.pearson.estimate, 2), result.n, result.exact
    (0.8, 5, True)
    """

    pearson: CorrelationEstimate
    spearman: CorrelationEstimate
    n: int
    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    x_name: str
    y_name: str
    confidence: float
    n_boot: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]

    def __repr__(self) -> str:
        return (
            f"CorrelationResult: {self.y_name} vs {self.x_name}, n = {self.n} sessions\n"
            f"  {self.pearson!r}\n  {self.spearman!r}\n"
            f"  CI: {self.confidence:.0%} {self.ci_method}, n_boot = {self.n_boot}\n"
            f"  p: {self.p_method}; seed = {self.seed}{_fmt_dropped(self.dropped)}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per method: ``method``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``n``, ``confidence``, ``x``, ``y``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import correlate
        >>> correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).to_frame()["method"].tolist()
        ['pearson', 'spearman']
        """
        rows = [
            {
                "method": e.method,
                "estimate": e.estimate,
                "ci_low": e.ci[0],
                "ci_high": e.ci[1],
                "p_value": e.p_value,
                "n": self.n,
                "confidence": self.confidence,
                "x": self.x_name,
                "y": self.y_name,
            }
            for e in (self.pearson, self.spearman)
        ]
        return pd.DataFrame(rows)

    def plot(self) -> go.Figure:
        """Scatter plot, regression line and band: :func:`concordlab.plots.plot_correlation`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import correlate
        >>> [t.name for t in correlate([1, 2, 3, 4], [1, 3, 2, 5], n_boot=0).plot().data]
        ['95% band (OLS)', 'OLS fit', 'sessions']
        """
        from concordlab.plots import plot_correlation

        return plot_correlation(self)


def correlate(
    x: Any,
    y: Any,
    *,
    n_boot: int = 5000,
    n_permutations: int = 10000,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> CorrelationResult:
    """Pearson and Spearman correlation of two per-session measures, with CIs and p-values.

    Marci et al. (2007)'s question: across dyads, does a session's concordance index
    track the patient's rating of therapist empathy?

    - **Estimates**: Pearson's r and Spearman's rho (Pearson's r of average ranks, so
      ties are handled as :func:`scipy.stats.spearmanr` does).
    - **Confidence intervals**: BCa bootstrap over sessions: each resample draws ``n``
      sessions with replacement, keeping each session's (x, y) pair.
    - **p-values**: permutation test of "x and y are unrelated" (the pairing of x with y
      is exchangeable): y is permuted against x, ``n_permutations`` times at random, or
      over all ``n!`` permutations when ``n!`` is at most ``n_permutations`` (n <= 7 by
      default). It assumes neither normality nor linearity, unlike the t-test of
      :func:`scipy.stats.pearsonr`, which it approaches for bivariate normal data.

    Parameters
    ----------
    x, y : pandas.Series, dict, xarray.DataArray or array-like
        One value per session, e.g. the concordance index and the rating. Series (and
        dicts, DataArrays) are matched on their ids; array-likes by position. NaN and
        +/-inf count as missing; sessions missing a value or found in only one input are
        left out (with a ``UserWarning``).
    n_boot : int, default 5000
        Bootstrap resamples for the intervals; 0 skips them. At least 100, and enough for 5
        resamples in each tail (200 for a 95 % interval).
    n_permutations : int, default 10000
        Random permutations for the p-values (at least 100), unless all can be enumerated.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative hypothesis: any correlation, a positive one, a negative one.
    seed : int, optional
        Seed of the bootstrap and the permutations (two independent streams); None draws
        a fresh one, recorded in ``result.seed``.

    Returns
    -------
    CorrelationResult
        ``result.pearson`` and ``result.spearman`` (``estimate``, ``ci``, ``p_value``),
        ``n``, the values used and the parameters; ``result.to_frame()`` is a table,
        ``result.plot()`` a scatter plot with the regression line.

    Raises
    ------
    ValidationError
        If fewer than 3 sessions remain, x or y is constant or not numeric, the inputs
        share no ids (or have different lengths without ids), or a parameter is out of
        range.

    Warns
    -----
    UserWarning
        If sessions were left out (missing values, ids in only one input).

    See Also
    --------
    concordlab.plots.plot_correlation : The figure.

    Examples
    --------
    Simulated dyads whose simulated empathy rating correlates (rho = 0.5) with the
    true coupling:

    >>> import concordlab
    >>> from concordlab.stats import correlate
    >>> ratings = concordlab.simulate_cohort(20, duration=10, channels="eda", seed=3).ratings
    >>> result = correlate(ratings["true_coupling"], ratings["simulated_empathy"],
    ...                    n_boot=1000, n_permutations=1000, seed=0)
    >>> result.n, result.x_name
    (20, 'true_coupling')
    >>> bool(result.pearson.ci[0] < result.pearson.estimate < result.pearson.ci[1])
    True
    >>> result.to_frame()[["method", "n"]].values.tolist()
    [['pearson', 20], ['spearman', 20]]
    """
    function = "correlate"
    confidence = _check_confidence(confidence)
    n_boot = _check_n_boot(n_boot, confidence)
    n_permutations = _check_n_permutations(n_permutations)
    alternative = _check_alternative(alternative)
    seed, boot_rng, permutation_rng = _streams(seed)

    frame, names, unmatched = _align({"x": x, "y": y}, function)
    xs = _numbers(frame["x"], "x", function)
    ys = _numbers(frame["y"], "y", function)
    keep = np.isfinite(xs) & np.isfinite(ys)
    dropped = {"unmatched": unmatched, "missing": int((~keep).sum())}
    xs, ys, ids = xs[keep], ys[keep], frame.index.to_numpy()[keep]
    n = xs.size
    if n < 3:
        raise ValidationError(
            f"{function} needs at least 3 sessions with both values, got {n}"
            f"{' after leaving out missing values' if dropped['missing'] else ''}."
        )
    for role, values in (("x", xs), ("y", ys)):
        if _flat(values):
            raise ValidationError(
                f"{function}: {names[role]!r} ({role}) has the same value {values[0]:g} for "
                "every session, so a correlation is undefined; it needs values that vary."
            )
    _report(function, dropped, n, "x and y", stacklevel=2)

    def statistic(index: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
        a, b = xs[index], ys[index]
        return np.stack([_pearson(a, b), _spearman(a, b)])

    estimates = statistic(np.arange(n)[None, :], (n,))[:, 0]
    ci, valid = _intervals(statistic, (n,), estimates, n_boot, boot_rng, confidence)

    # Permutations: r is the dot product of the standardised variables, whose sums do not
    # change when y is permuted.
    def standardise(values: np.ndarray) -> np.ndarray:
        centred = values - values.mean()
        return centred / np.sqrt((centred * centred).sum())

    pairs = [
        (standardise(xs), standardise(ys)),
        (standardise(scipy_stats.rankdata(xs)), standardise(scipy_stats.rankdata(ys))),
    ]
    exact = n <= _MAX_EXACT_ITEMS and math.factorial(n) <= n_permutations
    nulls: list[list[np.ndarray]] = [[], []]
    for chunk in _permutations(n, n_permutations, permutation_rng, exact):
        for k, (zx, zy) in enumerate(pairs):
            nulls[k].append((zx * zy[chunk]).sum(-1))
    identity = np.arange(n)[None, :]
    p_values = [
        _p_value(
            float((zx * zy[identity]).sum(-1)[0]),
            np.concatenate(null),
            alternative,
            exact=exact,
        )
        for (zx, zy), null in zip(pairs, nulls, strict=True)
    ]
    count = math.factorial(n) if exact else n_permutations
    results = [
        CorrelationEstimate(
            method=method,
            estimate=float(estimates[k]),
            ci=_interval(ci, k),
            p_value=p_values[k],
            n_boot_valid=int(valid[k]),
        )
        for k, method in enumerate(("pearson", "spearman"))
    ]
    return CorrelationResult(
        pearson=results[0],
        spearman=results[1],
        n=n,
        x=_frozen(xs),
        y=_frozen(ys),
        ids=_frozen(ids, dtype=object),
        x_name=names["x"],
        y_name=names["y"],
        confidence=confidence,
        n_boot=n_boot,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        ci_method=CI_METHOD + ", resampling sessions",
        p_method=_describe_p(exact, count, "permutations of y against x", alternative),
        dropped=dropped,
    )


# --------------------------------------------------------------------------- two groups


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Two groups of sessions compared: means, Cohen's d and Hedges' g, a permutation p.

    Attributes
    ----------
    groups : (label, label)
        The two groups, in the order of the comparison (differences are first - second).
    n, mean, sd : (int, int), (float, float), (float, float)
        Per group: sessions, mean and standard deviation (ddof=1).
    mean_diff, mean_diff_ci : float, (float, float)
        Difference of the means (first - second) and its BCa interval.
    d, d_ci : float, (float, float)
        Cohen's d with the pooled SD and its BCa interval.
    g, g_ci : float, (float, float)
        Hedges' g = J * d, J the exact small-sample correction, and its interval.
    p_value : float
        Permutation p-value (group labels shuffled).
    values, labels, ids : numpy.ndarray
        The values used, the group of each and the session ids.
    name : str
        What the values are.
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    n_boot_valid : int
        Resamples in which d was defined.
    exact : bool
        Whether the p-value enumerates every split of the sessions into the two groups.
    ci_method, p_method : str
        How the intervals and the p-value were computed.
    dropped : dict
        Sessions left out: ``unmatched`` ids, ``missing`` values, ``other_groups``.

    Examples
    --------
    >>> from concordlab.stats import compare_groups
    >>> result = compare_groups([1.0, 2, 3, 4, 5, 6], ["a", "a", "a", "b", "b", "b"], n_boot=0)
    >>> result.groups, result.mean
    (('a', 'b'), (2.0, 5.0))
    """

    groups: tuple[Any, Any]
    n: tuple[int, int]
    mean: tuple[float, float]
    sd: tuple[float, float]
    mean_diff: float
    mean_diff_ci: tuple[float, float]
    d: float
    d_ci: tuple[float, float]
    g: float
    g_ci: tuple[float, float]
    p_value: float
    values: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    name: str
    confidence: float
    n_boot: int
    n_boot_valid: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]

    def __repr__(self) -> str:
        a, b = self.groups
        lines = [f"GroupComparison: {self.name}, {a!s} vs {b!s}"]
        for k in range(2):
            lines.append(
                f"  {self.groups[k]!s}: n = {self.n[k]}, mean = {_fmt(self.mean[k])}, "
                f"sd = {_fmt(self.sd[k])}"
            )
        lines += [
            f"  mean difference = {_fmt(self.mean_diff)}  "
            f"{_fmt_ci(self.mean_diff_ci, self.confidence)}",
            f"  Cohen's d = {_fmt(self.d)}  {_fmt_ci(self.d_ci, self.confidence)}  "
            f"(Hedges' g = {_fmt(self.g)})",
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}",
        ]
        return "\n".join(lines) + _fmt_dropped(self.dropped)

    def to_frame(self) -> pd.DataFrame:
        """One row: the groups, per-group ``n``/``mean``/``sd`` (suffixes ``_a``, ``_b``),
        the effects with ``_low``/``_high`` bounds, ``p_value``, ``confidence``, ``value``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_groups
        >>> table = compare_groups([1.0, 2, 3, 4, 5, 6], list("aaabbb"), n_boot=0).to_frame()
        >>> table[["group_a", "group_b", "n_a", "n_b"]].values.tolist()
        [['a', 'b', 3, 3]]
        """
        return pd.DataFrame(
            [
                {
                    "group_a": self.groups[0],
                    "group_b": self.groups[1],
                    "n_a": self.n[0],
                    "n_b": self.n[1],
                    "mean_a": self.mean[0],
                    "mean_b": self.mean[1],
                    "sd_a": self.sd[0],
                    "sd_b": self.sd[1],
                    "mean_diff": self.mean_diff,
                    "mean_diff_low": self.mean_diff_ci[0],
                    "mean_diff_high": self.mean_diff_ci[1],
                    "d": self.d,
                    "d_low": self.d_ci[0],
                    "d_high": self.d_ci[1],
                    "g": self.g,
                    "g_low": self.g_ci[0],
                    "g_high": self.g_ci[1],
                    "p_value": self.p_value,
                    "confidence": self.confidence,
                    "value": self.name,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """Both groups' distributions: :func:`concordlab.plots.plot_groups`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_groups
        >>> len(compare_groups([1.0, 2, 3, 4, 5, 6], list("aaabbb"), n_boot=0).plot().data)
        2
        """
        from concordlab.plots import plot_groups

        return plot_groups(self)


def _group_order(labels: pd.Series, order: Any, function: str) -> tuple[Any, Any]:
    present = labels[labels.notna()]
    if isinstance(present.dtype, pd.CategoricalDtype):
        found = [c for c in present.cat.categories if (present == c).any()]
    else:
        try:
            found = sorted(present.unique())
        except TypeError:  # labels of mixed types: order of first appearance
            found = list(present.unique())
    counts = {label: int((present == label).sum()) for label in found}
    if order is None:
        if len(found) != 2:
            raise ValidationError(
                f"{function} compares exactly two groups, found {len(found)}: {counts}. "
                + (
                    "Pick two with order=[first, second]."
                    if len(found) > 2
                    else "Give each session's group in groups."
                )
            )
        return found[0], found[1]
    if isinstance(order, str | bytes) or not hasattr(order, "__len__") or len(order) != 2:
        raise ValidationError(
            f"order must name the two groups to compare, first then second, e.g. "
            f"order={found[:2]!r}; got {order!r}."
        )
    first, second = order
    missing = [label for label in (first, second) if label not in counts]
    if missing or first == second:
        raise ValidationError(
            f"order={list(order)!r} must name two different groups among those found: {counts}."
        )
    return first, second


def compare_groups(
    values: Any,
    groups: Any,
    *,
    order: Any = None,
    n_boot: int = 5000,
    n_permutations: int = 10000,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> GroupComparison:
    """Compare a per-session measure between two groups: Cohen's d with CI, permutation p.

    E.g. the rMEA psychotherapy data: is concordance different in the sessions of
    patients who stayed in therapy ("normal") and of those who dropped out?

    - **Effect size**: Cohen's d with the pooled standard deviation (sample SDs,
      ``ddof=1``) — the same formula as :func:`concordlab.by_segment`::

          d = (mean_a - mean_b) / s_pooled
          s_pooled = sqrt(((n_a - 1) sd_a² + (n_b - 1) sd_b²) / (n_a + n_b - 2))

      and Hedges' g = J d with the exact correction ``J = Γ(df/2) / (sqrt(df/2)
      Γ((df-1)/2))``, ``df = n_a + n_b - 2`` (Hedges 1981), which removes d's
      small-sample bias (J ≈ 1 - 3 / (4 df - 1)). Positive d: the first group is higher.
    - **Confidence intervals**: BCa bootstrap, resampling sessions with replacement
      within each group (stratified, so group sizes stay fixed), for the mean
      difference, d and g (g's interval is d's times J).
    - **p-value**: permutation test of "the group labels are exchangeable": the labels
      are shuffled among the sessions ``n_permutations`` times at random, or over every
      split when there are at most ``n_permutations`` (e.g. 5 vs 5 sessions: 252). The
      statistic is the mean difference; under shuffling it orders the splits exactly as
      d and the pooled t statistic do, so the p-value is theirs too.

    Parameters
    ----------
    values : pandas.Series, dict, xarray.DataArray or array-like
        One value per session, e.g. the concordance index. Series (and dicts, DataArrays)
        are matched with ``groups`` on their ids; array-likes by position. NaN and +/-inf
        count as missing; such sessions are left out (with a ``UserWarning``).
    groups : pandas.Series, dict, xarray.DataArray or array-like
        The group label of each session (any hashable: text, numbers); missing labels
        are left out.
    order : (label, label), optional
        The two groups to compare, first minus second. Default: the two groups found,
        in sorted order (the category order for a categorical); required if there are
        more than two (the others are left out).
    n_boot : int, default 5000
        Bootstrap resamples for the intervals; 0 skips them. At least 100, and enough for 5
        resamples in each tail (200 for a 95 % interval).
    n_permutations : int, default 10000
        Random label shuffles for the p-value (at least 100), unless all splits can be
        enumerated.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative: any difference, first group higher, first group lower.
    seed : int, optional
        Seed of the bootstrap and the permutations (two independent streams); None draws
        a fresh one, recorded in ``result.seed``.

    Returns
    -------
    GroupComparison
        Per-group ``n``, ``mean``, ``sd``; ``mean_diff``, ``d``, ``g`` with intervals;
        ``p_value``; ``result.to_frame()`` is a one-row table, ``result.plot()`` the
        figure.

    Raises
    ------
    ValidationError
        If there are not exactly two groups (and no ``order``), a group has fewer than 2
        sessions, the values do not vary at all, the values are not numeric, or a
        parameter is out of range.

    Warns
    -----
    UserWarning
        If sessions were left out (missing values or labels, ids in only one input,
        groups not compared).

    See Also
    --------
    concordlab.plots.plot_groups : The figure.

    Examples
    --------
    >>> import pandas as pd
    >>> from concordlab.stats import compare_groups
    >>> index = [f"s{i}" for i in range(10)]
    >>> concordance = pd.Series([.5, .6, .4, .7, .55, .2, .3, .25, .35, .1], index, name="r")
    >>> outcome = pd.Series(["normal"] * 5 + ["dropout"] * 5, index)
    >>> result = compare_groups(concordance, outcome, order=["normal", "dropout"],
    ...                         n_boot=1000, seed=0)
    >>> result.n, round(result.mean_diff, 3), round(result.d, 2), round(result.g, 2)
    ((5, 5), 0.31, 2.97, 2.68)
    >>> result.exact, round(result.p_value, 4)   # all 252 splits; 2 * 1/252
    (True, 0.0079)
    """
    function = "compare_groups"
    confidence = _check_confidence(confidence)
    n_boot = _check_n_boot(n_boot, confidence)
    n_permutations = _check_n_permutations(n_permutations)
    alternative = _check_alternative(alternative)
    seed, boot_rng, permutation_rng = _streams(seed)

    frame, names, unmatched = _align({"values": values, "groups": groups}, function)
    numbers_ = _numbers(frame["values"], "values", function)
    labels = frame["groups"]
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        labels = labels.astype(groups.dtype)
    has_label = labels.notna().to_numpy()
    first, second = _group_order(labels[np.isfinite(numbers_)], order, function)
    in_a = (labels == first).to_numpy() & has_label
    in_b = (labels == second).to_numpy() & has_label
    finite = np.isfinite(numbers_)
    dropped = {
        "unmatched": unmatched,
        "missing": int((~(finite & has_label)).sum()),
        "other_groups": int((finite & has_label & ~in_a & ~in_b).sum()),
    }
    in_a &= finite
    in_b &= finite
    a, b = numbers_[in_a], numbers_[in_b]
    for label, group in ((first, a), (second, b)):
        if group.size < 2:
            raise ValidationError(
                f"{function}: group {label!r} has {group.size} session(s) with a value; each "
                "group needs at least 2 (for its standard deviation)."
            )
    if _flat(np.concatenate([a, b])):
        raise ValidationError(
            f"{function}: every session has the same value {a[0]:g}, so the groups cannot be "
            "compared (d is undefined); the values need to vary."
        )
    n_a, n_b = a.size, b.size
    _report(function, dropped, n_a + n_b, "values and groups", stacklevel=2)
    pooled = np.concatenate([a, b])
    ids = np.concatenate([frame.index.to_numpy()[in_a], frame.index.to_numpy()[in_b]])
    j = _hedges_j(n_a + n_b - 2)

    def statistic(index: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
        diff, d = _cohen_d(pooled[index[:, : sizes[0]]], pooled[index[:, sizes[0] :]])
        return np.stack([diff, d])

    mean_diff, d = (float(v) for v in statistic(np.arange(n_a + n_b)[None, :], (n_a, n_b))[:, 0])
    ci, valid = _intervals(statistic, (n_a, n_b), (mean_diff, d), n_boot, boot_rng, confidence)
    n_valid = int(valid[1])

    # Permutations: which sessions form the first group (mean difference as statistic).
    total = pooled.sum()
    size = n_a + n_b
    count = math.comb(size, n_a)
    exact = count <= n_permutations

    def difference(members: np.ndarray) -> np.ndarray:
        sum_a = pooled[members].sum(-1)
        return sum_a / n_a - (total - sum_a) / n_b

    if exact:
        chunks: Iterator[np.ndarray] = iter(
            [np.array(list(itertools.combinations(range(size), n_a)), dtype=np.intp)]
        )
    else:
        chunks = (c[:, :n_a] for c in _permutations(size, n_permutations, permutation_rng, False))
    null = np.concatenate([difference(chunk) for chunk in chunks])
    observed = float(difference(np.arange(n_a)[None, :])[0])
    p_value = _p_value(observed, null, alternative, exact=exact)

    return GroupComparison(
        groups=(first, second),
        n=(n_a, n_b),
        mean=(float(a.mean()), float(b.mean())),
        sd=(float(a.std(ddof=1)), float(b.std(ddof=1))),
        mean_diff=mean_diff,
        mean_diff_ci=_interval(ci, 0),
        d=d,
        d_ci=_interval(ci, 1),
        g=j * d,
        g_ci=(j * ci[1, 0], j * ci[1, 1]),
        p_value=p_value,
        values=_frozen(pooled),
        labels=_frozen([first] * n_a + [second] * n_b, dtype=object),
        ids=_frozen(ids, dtype=object),
        name=names["values"],
        confidence=confidence,
        n_boot=n_boot,
        n_boot_valid=n_valid,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        ci_method=CI_METHOD + ", resampling sessions within each group",
        p_method=_describe_p(
            exact, count if exact else n_permutations, "splits into the two groups", alternative
        ),
        dropped=dropped,
    )


# --------------------------------------------------------------------------- paired


@dataclass(frozen=True, eq=False)
class PairedComparison:
    """Before vs after on the same dyads: mean change, Cohen's d_z and a sign-flip p.

    Attributes
    ----------
    n : int
        Dyads with both values.
    mean_before, mean_after : float
        Means of the two measurements.
    mean_diff, mean_diff_ci : float, (float, float)
        Mean of the differences (after - before) and its BCa interval.
    sd_diff : float
        Standard deviation of the differences (ddof=1).
    d, d_ci : float, (float, float)
        Cohen's d_z = mean_diff / sd_diff and its BCa interval.
    g, g_ci : float, (float, float)
        Hedges-corrected d_z (J with df = n - 1) and its interval.
    p_value : float
        Sign-flip permutation p-value.
    before, after, ids : numpy.ndarray
        The values used and the dyad ids.
    before_name, after_name : str
        What the two measurements are.
    confidence, n_boot, n_permutations, alternative, seed
        The parameters (the seed actually used).
    n_boot_valid : int
        Resamples in which d_z was defined.
    exact : bool
        Whether the p-value enumerates all 2**n sign flips.
    ci_method, p_method : str
        How the intervals and the p-value were computed.
    dropped : dict
        Dyads left out: ``unmatched`` ids, ``missing`` values.

    Examples
    --------
    >>> from concordlab.stats import compare_paired
    >>> result = compare_paired([1.0, 2, 3, 4], [2.0, 4, 6, 7], n_boot=0)
    >>> result.mean_diff, result.exact
    (2.25, True)
    """

    n: int
    mean_before: float
    mean_after: float
    mean_diff: float
    mean_diff_ci: tuple[float, float]
    sd_diff: float
    d: float
    d_ci: tuple[float, float]
    g: float
    g_ci: tuple[float, float]
    p_value: float
    before: np.ndarray
    after: np.ndarray
    ids: np.ndarray
    before_name: str
    after_name: str
    confidence: float
    n_boot: int
    n_boot_valid: int
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    ci_method: str
    p_method: str
    dropped: dict[str, int]

    def __repr__(self) -> str:
        return (
            f"PairedComparison: {self.before_name} -> {self.after_name}, n = {self.n} dyads\n"
            f"  mean before = {_fmt(self.mean_before)}, after = {_fmt(self.mean_after)}\n"
            f"  mean difference (after - before) = {_fmt(self.mean_diff)}  "
            f"{_fmt_ci(self.mean_diff_ci, self.confidence)}, sd = {_fmt(self.sd_diff)}\n"
            f"  Cohen's d_z = {_fmt(self.d)}  {_fmt_ci(self.d_ci, self.confidence)}  "
            f"(Hedges-corrected {_fmt(self.g)})\n"
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}"
            + _fmt_dropped(self.dropped)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row: ``n``, the means, ``mean_diff``, ``sd_diff``, ``d`` (d_z), ``g``, their
        ``_low``/``_high`` bounds, ``p_value``, ``confidence``, ``before``, ``after``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_paired
        >>> compare_paired([1.0, 2, 3, 4], [2.0, 4, 6, 7], n_boot=0).to_frame()["n"].item()
        4
        """
        return pd.DataFrame(
            [
                {
                    "n": self.n,
                    "mean_before": self.mean_before,
                    "mean_after": self.mean_after,
                    "mean_diff": self.mean_diff,
                    "mean_diff_low": self.mean_diff_ci[0],
                    "mean_diff_high": self.mean_diff_ci[1],
                    "sd_diff": self.sd_diff,
                    "d": self.d,
                    "d_low": self.d_ci[0],
                    "d_high": self.d_ci[1],
                    "g": self.g,
                    "g_low": self.g_ci[0],
                    "g_high": self.g_ci[1],
                    "p_value": self.p_value,
                    "confidence": self.confidence,
                    "before": self.before_name,
                    "after": self.after_name,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """The slopegraph, before to after per dyad: :func:`concordlab.plots.plot_paired`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_paired
        >>> [t.name for t in compare_paired([1.0, 2, 3], [2.0, 4, 4], n_boot=0).plot().data]
        ['dyads', 'mean']
        """
        from concordlab.plots import plot_paired

        return plot_paired(self)


def compare_paired(
    before: Any,
    after: Any,
    *,
    n_boot: int = 5000,
    n_permutations: int = 10000,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    seed: int | None = None,
) -> PairedComparison:
    """Compare a measure before and after (e.g. empathy training) on the same dyads.

    - **Effect size**: Cohen's **d_z**, the mean of the differences ``after - before``
      over their standard deviation (``ddof=1``) (Lakens 2013): the standardised mean
      change, the effect size of the paired t-test (``t = d_z sqrt(n)``). It is not
      d_av (standardised by the average SD of the two measurements), which would be
      comparable with a between-groups d. The Hedges-corrected ``g = J d_z``, ``J`` the
      exact correction with ``df = n - 1``, is reported too.
    - **Confidence intervals**: BCa bootstrap over dyads (each resample draws ``n``
      dyads with replacement, keeping each dyad's pair), for the mean difference and
      d_z (g's interval is d_z's times J).
    - **p-value**: sign-flip permutation test of "before and after are exchangeable
      within each dyad" (differences symmetric around 0): each dyad's difference keeps
      or flips its sign, ``n_permutations`` times at random, or all ``2**n`` ways when
      that is at most ``n_permutations`` (n <= 13 by default). The statistic is the
      mean difference, which orders sign flips exactly as the paired t does.

    Parameters
    ----------
    before, after : pandas.Series, dict, xarray.DataArray or array-like
        One value per dyad, e.g. the concordance index before and after training.
        Series (and dicts, DataArrays) are matched on their ids; array-likes by
        position. NaN and +/-inf count as missing; dyads missing a value or found in
        only one input are left out (with a ``UserWarning``).
    n_boot : int, default 5000
        Bootstrap resamples for the intervals; 0 skips them. At least 100, and enough for 5
        resamples in each tail (200 for a 95 % interval).
    n_permutations : int, default 10000
        Random sign flips for the p-value (at least 100), unless all can be enumerated.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        The alternative: any change, a rise (after > before), a fall.
    seed : int, optional
        Seed of the bootstrap and the permutations (two independent streams); None draws
        a fresh one, recorded in ``result.seed``.

    Returns
    -------
    PairedComparison
        ``mean_diff``, ``d`` (d_z), ``g`` with intervals, ``p_value``, the values;
        ``result.to_frame()`` is a one-row table, ``result.plot()`` a slopegraph.

    Raises
    ------
    ValidationError
        If fewer than 3 dyads have both values, the differences do not vary (all equal),
        the values are not numeric, the inputs share no ids, or a parameter is out of
        range.

    Warns
    -----
    UserWarning
        If dyads were left out (missing values, ids in only one input).

    See Also
    --------
    concordlab.plots.plot_paired : The figure.

    Examples
    --------
    >>> import pandas as pd
    >>> from concordlab.stats import compare_paired
    >>> dyads = [f"dyad-{i}" for i in range(1, 9)]
    >>> pre = pd.Series([.21, .35, .18, .40, .25, .30, .15, .28], dyads, name="pre")
    >>> post = pd.Series([.30, .41, .20, .52, .24, .41, .27, .33], dyads, name="post")
    >>> result = compare_paired(pre, post, n_boot=1000, seed=0)
    >>> round(result.mean_diff, 3), round(result.d, 2)
    (0.07, 1.45)
    >>> result.exact, result.p_value   # all 256 sign flips; 2 * 2/256
    (True, 0.015625)
    """
    function = "compare_paired"
    confidence = _check_confidence(confidence)
    n_boot = _check_n_boot(n_boot, confidence)
    n_permutations = _check_n_permutations(n_permutations)
    alternative = _check_alternative(alternative)
    seed, boot_rng, permutation_rng = _streams(seed)

    frame, names, unmatched = _align({"before": before, "after": after}, function)
    first = _numbers(frame["before"], "before", function)
    second = _numbers(frame["after"], "after", function)
    keep = np.isfinite(first) & np.isfinite(second)
    dropped = {"unmatched": unmatched, "missing": int((~keep).sum())}
    first, second, ids = first[keep], second[keep], frame.index.to_numpy()[keep]
    n = first.size
    if n < 3:
        raise ValidationError(
            f"{function} needs at least 3 dyads with both values, got {n}"
            f"{' after leaving out missing values' if dropped['missing'] else ''}."
        )
    diff = second - first
    if _flat(diff):
        raise ValidationError(
            f"{function}: every dyad changes by the same amount ({diff[0]:g}), so d_z "
            "(mean / SD of the changes) is undefined; the changes need to vary."
        )
    _report(function, dropped, n, "before and after", stacklevel=2)
    j = _hedges_j(n - 1)

    def statistic(index: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
        return np.stack(_d_z(diff[index]))

    mean_diff, d = (float(v) for v in statistic(np.arange(n)[None, :], (n,))[:, 0])
    ci, valid = _intervals(statistic, (n,), (mean_diff, d), n_boot, boot_rng, confidence)
    n_valid = int(valid[1])

    count = 2**n
    exact = count <= n_permutations
    if exact:
        bits = (np.arange(count)[:, None] >> np.arange(n)[None, :]) & 1
        null = ((1 - 2 * bits) * diff).mean(-1)
    else:
        pieces = []
        for start, stop in _row_chunks(n_permutations, n):
            signs = 1 - 2 * permutation_rng.integers(0, 2, size=(stop - start, n))
            pieces.append((signs * diff).mean(-1))
        null = np.concatenate(pieces)
    observed = float((np.ones((1, n), dtype=np.int64) * diff).mean(-1)[0])
    p_value = _p_value(observed, null, alternative, exact=exact)

    return PairedComparison(
        n=n,
        mean_before=float(first.mean()),
        mean_after=float(second.mean()),
        mean_diff=mean_diff,
        mean_diff_ci=_interval(ci, 0),
        sd_diff=float(diff.std(ddof=1)),
        d=d,
        d_ci=_interval(ci, 1),
        g=j * d,
        g_ci=(j * ci[1, 0], j * ci[1, 1]),
        p_value=p_value,
        before=_frozen(first),
        after=_frozen(second),
        ids=_frozen(ids, dtype=object),
        before_name=names["before"],
        after_name=names["after"],
        confidence=confidence,
        n_boot=n_boot,
        n_boot_valid=n_valid,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        ci_method=CI_METHOD + ", resampling dyads",
        p_method=_describe_p(
            exact, count if exact else n_permutations, "sign flips of the changes", alternative
        ),
        dropped=dropped,
    )


# --------------------------------------------------------------------------- real vs pseudo


@dataclass(frozen=True, eq=False)
class RealPseudoComparison:
    """Real dyads against pseudo-dyads: mean difference, d, a re-pairing p-value.

    Attributes
    ----------
    n_real, n_pseudo : int
        Real dyads and pseudo-dyads used.
    mean_real, sd_real, mean_pseudo, sd_pseudo : float
        Means and standard deviations (ddof=1) of the two sets of values.
    mean_diff : float
        ``mean_real - mean_pseudo``.
    d : float
        Cohen's d of real vs pseudo values (pooled SD), descriptive.
    z : float
        ``(mean_real - mean(null)) / sd(null)``: the real mean in SDs of the null.
    above_median, above_p95 : float
        Fraction of real dyads above the median / the 95th percentile of the pseudo values.
    p_value : float
        The p-value of the real mean against ``null``.
    null : numpy.ndarray
        The mean of each random re-paired cohort (or subset), the null distribution.
    null_method : {"re-pairing", "subsets"}
        How ``null`` was drawn (see :func:`compare_real_pseudo`).
    real, real_ids, pseudo, pseudo_ids : numpy.ndarray
        The values used and their ids (pseudo ids ``"<first>+<second>"`` for pairs).
    name : str
        What the values are.
    n_permutations, alternative, seed
        The parameters (the seed actually used).
    exact : bool
        Whether ``null`` enumerates every re-pairing (or subset).
    p_method : str
        How the p-value was computed.
    dropped : dict
        Left out: ``unmatched`` real ids, ``missing`` real values, ``pseudo_missing``.

    Examples
    --------
    >>> from concordlab.stats import compare_real_pseudo
    >>> result = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25, 0.15])
    >>> result.null_method, result.n_real, result.n_pseudo
    ('subsets', 3, 6)
    """

    n_real: int
    n_pseudo: int
    mean_real: float
    sd_real: float
    mean_pseudo: float
    sd_pseudo: float
    mean_diff: float
    d: float
    z: float
    above_median: float
    above_p95: float
    p_value: float
    null: np.ndarray
    null_method: str
    real: np.ndarray
    real_ids: np.ndarray
    pseudo: np.ndarray
    pseudo_ids: np.ndarray
    name: str
    n_permutations: int
    exact: bool
    alternative: str
    seed: int
    p_method: str
    dropped: dict[str, int]

    def __repr__(self) -> str:
        return (
            f"RealPseudoComparison: {self.name}, {self.n_real} real vs {self.n_pseudo} "
            "pseudo-dyads\n"
            f"  mean real = {_fmt(self.mean_real)} (sd {_fmt(self.sd_real)}), pseudo = "
            f"{_fmt(self.mean_pseudo)} (sd {_fmt(self.sd_pseudo)})\n"
            f"  mean difference = {_fmt(self.mean_diff)}, Cohen's d = {_fmt(self.d)}, "
            f"z vs null = {_fmt(self.z)}\n"
            f"  real dyads above the pseudo median: {self.above_median:.0%}, above the pseudo "
            f"95th percentile: {self.above_p95:.0%}\n"
            f"  p = {_fmt(self.p_value)}: {self.p_method}; seed = {self.seed}"
            + _fmt_dropped(self.dropped)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row: counts, means, SDs, ``mean_diff``, ``d``, ``z``, ``above_median``,
        ``above_p95``, ``p_value``, ``null_method``, ``alternative``, ``value``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from concordlab.stats import compare_real_pseudo
        >>> table = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25]).to_frame()
        >>> table[["n_real", "n_pseudo"]].values.tolist()
        [[3, 5]]
        """
        return pd.DataFrame(
            [
                {
                    "n_real": self.n_real,
                    "n_pseudo": self.n_pseudo,
                    "mean_real": self.mean_real,
                    "sd_real": self.sd_real,
                    "mean_pseudo": self.mean_pseudo,
                    "sd_pseudo": self.sd_pseudo,
                    "mean_diff": self.mean_diff,
                    "d": self.d,
                    "z": self.z,
                    "above_median": self.above_median,
                    "above_p95": self.above_p95,
                    "p_value": self.p_value,
                    "null_method": self.null_method,
                    "alternative": self.alternative,
                    "value": self.name,
                }
            ]
        )

    def plot(self) -> go.Figure:
        """Real against pseudo values and the null: :func:`concordlab.plots.plot_real_pseudo`.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from concordlab.stats import compare_real_pseudo
        >>> figure = compare_real_pseudo([0.5, 0.6, 0.4], [0.1, 0.2, 0.3, 0.0, 0.25]).plot()
        >>> [t.name.split(" (")[0] for t in figure.data]
        ['pseudo-dyads', 'real dyads', 'null']
        """
        from concordlab.plots import plot_real_pseudo

        return plot_real_pseudo(self)


@dataclass(frozen=True)
class _Pseudo:
    """Pseudo-dyad values: a dyads x dyads matrix (first person's dyad x second person's
    dyad, diagonal unused) when the pairs are known, else plain values."""

    matrix: np.ndarray | None
    dyads: list[Any] | None
    values: np.ndarray
    ids: np.ndarray
    name: str | None


def _pairs_to_matrix(
    firsts: list[Any], seconds: list[Any], values: np.ndarray, name: Any, function: str
) -> _Pseudo:
    keys = list(zip(firsts, seconds, strict=True))
    if len(set(keys)) < len(keys):
        repeated = [key for key in dict.fromkeys(keys) if keys.count(key) > 1][:3]
        raise ValidationError(
            f"{function}: pseudo lists the pair(s) {repeated} more than once; give one value "
            "per (first person's dyad, second person's dyad)."
        )
    dyads = list(dict.fromkeys([*firsts, *seconds]))
    position = {dyad: k for k, dyad in enumerate(dyads)}
    matrix = np.full((len(dyads), len(dyads)), np.nan)
    rows = np.array([position[f] for f in firsts], dtype=np.intp)
    cols = np.array([position[s] for s in seconds], dtype=np.intp)
    matrix[rows, cols] = values
    np.fill_diagonal(matrix, np.nan)
    return _Pseudo(matrix, dyads, values, np.array([], dtype=object), name)


def _cross_pairs(
    firsts: list, seconds: list, values: np.ndarray
) -> tuple[list, list, np.ndarray] | None:
    """The pairs of people from different dyads, or None if a dyad is paired with itself.

    Self pairs without a value (NaN) are dropped: they are the empty diagonal that a
    stacked pseudo-dyad matrix keeps (pandas 3 ``stack`` keeps NaN).
    """
    itself = np.array([f == s for f, s in zip(firsts, seconds, strict=True)], dtype=bool)
    if np.any(itself & ~np.isnan(values)):
        return None
    keep = ~itself
    return (
        [f for f, k in zip(firsts, keep, strict=True) if k],
        [s for s, k in zip(seconds, keep, strict=True) if k],
        values[keep],
    )


def _read_pseudo(pseudo: Any, function: str) -> _Pseudo:
    if isinstance(pseudo, pd.DataFrame) and pseudo.shape[1] > 1:
        rows, cols = list(pseudo.index), list(pseudo.columns)
        if pseudo.index.has_duplicates or pseudo.columns.has_duplicates or set(rows) != set(cols):
            raise ValidationError(
                f"{function}: a pseudo-dyad matrix needs the same dyad ids once each as rows "
                "(the dyad of the first person, e.g. the patient) and as columns (the dyad of "
                f"the second person); rows only: {sorted(map(str, set(rows) - set(cols)))[:5]}, "
                f"columns only: {sorted(map(str, set(cols) - set(rows)))[:5]}."
            )
        stacked = pseudo.loc[rows, rows].stack(future_stack=True)
        values = _numbers(stacked.reset_index(drop=True), "pseudo", function)
        firsts = list(stacked.index.get_level_values(0))
        seconds = list(stacked.index.get_level_values(1))
        off = np.array([f != s for f, s in zip(firsts, seconds, strict=True)])
        return _pairs_to_matrix(
            [f for f, o in zip(firsts, off, strict=True) if o],
            [s for s, o in zip(seconds, off, strict=True) if o],
            values[off],
            None,
            function,
        )
    part = _as_input(pseudo, "pseudo", function)
    series = part.series
    values = _numbers(series.reset_index(drop=True), "pseudo", function)
    name = part.name if part.name != "pseudo" else None
    if part.labelled and isinstance(series.index, pd.MultiIndex):
        if series.index.nlevels != 2:
            raise ValidationError(
                f"{function}: a pseudo Series with a MultiIndex needs two levels (the dyad of "
                f"the first person, the dyad of the second); got {series.index.nlevels}."
            )
        firsts = list(series.index.get_level_values(0))
        seconds = list(series.index.get_level_values(1))
        pairs = _cross_pairs(firsts, seconds, values)
        if pairs is None:
            raise ValidationError(
                f"{function}: pseudo holds a pair of a dyad with itself (a real dyad); "
                "give only pairs of people from different dyads."
            )
        return _pairs_to_matrix(*pairs, name, function)
    if part.labelled and len(series) and all(isinstance(key, str) for key in series.index):
        matches = [_PAIR_ID.match(key) for key in series.index]
        if all(matches):
            roles = {(m["first_role"], m["second_role"]) for m in matches if m}
            firsts = [m["first"] for m in matches if m]
            seconds = [m["second"] for m in matches if m]
            pairs = _cross_pairs(firsts, seconds, values)
            if len(roles) == 1 and pairs is not None:
                return _pairs_to_matrix(*pairs, name, function)
    ids = series.index.to_numpy(dtype=object) if part.labelled else np.arange(len(series))
    return _Pseudo(None, None, values, ids, name)


def compare_real_pseudo(
    real: Any,
    pseudo: Any,
    *,
    n_permutations: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
) -> RealPseudoComparison:
    """Real dyads against pseudo-dyads (people who never met): is concordance real?

    ``real`` holds a measure (e.g. the concordance index) of each real dyad, ``pseudo``
    the same measure of pseudo-dyads, e.g. all cross pairs with roles kept: the first
    person (patient) of dyad *i* with the second person (therapist) of dyad *j != i*, as
    :func:`concordlab.pseudo_dyads` builds them (20 real dyads give 380 pseudo-dyads).

    **Pseudo-dyads are not independent**: each person appears in ``N - 1`` of them, so a
    test that treats the 380 values as 380 independent observations overstates the
    evidence. The p-value therefore compares the **mean over the real dyads** with the
    means of cohorts built like the real one (rMEA's approach):

    - **re-pairing** (when the pairs are known, see ``pseudo``): each draw re-pairs the
      same ``N`` people at random, each person once and no real pair kept (the first
      persons with a random derangement of the second persons), and takes the mean
      over its ``N`` pseudo-dyads, the null of :func:`concordlab.surrogate_test` with
      ``method="pseudo_dyads"``, read from the values already computed. Every draw
      shares the real cohort's people and their individual levels, so person effects
      cancel. All ``D(N)`` derangements are enumerated when at most ``n_permutations``
      (N <= 7 by default).
    - **subsets** (plain values): each draw is the mean of ``n_real`` pseudo values
      drawn without replacement; all subsets when at most ``n_permutations``.

    ``p = (1 + k) / (1 + m)`` over the ``m`` draws, ``k`` of them at least as extreme as
    the real mean (the real cohort counted as one more member of the null), one-sided
    (real dyads more concordant) by default. NaN pseudo values are left out of each
    draw's mean, as :func:`concordlab.surrogate_test` does.

    Descriptive, with no interval (the pseudo values are not independent): the
    difference of means ``mean_real - mean_pseudo`` over all pseudo values used,
    Cohen's d with the pooled SD of real and pseudo values, ``z`` (the real mean in
    SDs of the null), and the fraction of real dyads above the median and the 95th
    percentile of the pseudo values.

    Parameters
    ----------
    real : pandas.Series, dict, xarray.DataArray or array-like
        One value per real dyad, indexed by dyad (session) id to match the pairs of
        ``pseudo``. NaN and +/-inf count as missing and are left out (with a
        ``UserWarning``).
    pseudo : pandas.DataFrame, pandas.Series or array-like
        The pseudo-dyad values, with their pairs when known: a square DataFrame with
        the same dyad ids as rows (the first person's dyad) and columns (the second
        person's dyad), diagonal ignored; a Series with a two-level MultiIndex (first
        person's dyad, second person's dyad); or a Series keyed like
        :func:`concordlab.pseudo_dyads` (``"dyad-01:patient+dyad-02:therapist"``). Any
        other Series or array-like is taken as plain values (the subsets null). When
        ``real`` is indexed by ids, the re-pairing uses the dyads of ``real`` (which
        must all be in ``pseudo``); otherwise ``real`` must have one value per dyad of
        ``pseudo``, in its order.
    n_permutations : int, default 10000
        Random re-pairings (or subsets) for the null (at least 100), unless all can be
        enumerated.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        The alternative: real dyads more concordant than pseudo-dyads, less, or either
        (two-sided: ``min(1, 2 * min(p_greater, p_less))``).
    seed : int, optional
        Seed of the random draws; None draws a fresh one, recorded in ``result.seed``.

    Returns
    -------
    RealPseudoComparison
        ``mean_diff``, ``d``, ``z``, ``above_median``, ``above_p95``, ``p_value``,
        ``null`` and ``null_method``; ``result.to_frame()`` is a one-row table,
        ``result.plot()`` the figure.

    Raises
    ------
    ValidationError
        If fewer than 2 real dyads or 2 pseudo values remain, there are not more pseudo
        values than real ones (subsets), real ids are not dyads of ``pseudo``, nothing
        varies, the values are not numeric, or a parameter is out of range.

    Warns
    -----
    UserWarning
        If real dyads or pseudo-dyads were left out (missing values, ids not matched).

    See Also
    --------
    concordlab.pseudo_dyads : Build the pseudo-dyad sessions.
    concordlab.surrogate_test : The same re-pairing null, computing each draw anew.
    concordlab.plots.plot_real_pseudo : The figure.

    Examples
    --------
    Eight dyads: the pseudo-dyads' matrix (rows: the patient's dyad, columns: the
    therapist's) and the real dyads, more concordant:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from concordlab.stats import compare_real_pseudo
    >>> rng = np.random.default_rng(0)
    >>> ids = [f"dyad-{i}" for i in range(1, 9)]
    >>> pseudo = pd.DataFrame(rng.normal(0.0, 0.1, (8, 8)), index=ids, columns=ids)
    >>> real = pd.Series(rng.normal(0.25, 0.1, 8), index=ids, name="concordance")
    >>> result = compare_real_pseudo(real, pseudo, seed=0)
    >>> result.null_method, result.n_real, result.n_pseudo
    ('re-pairing', 8, 56)
    >>> bool(result.p_value < 0.001), result.above_median
    (True, 1.0)
    """
    function = "compare_real_pseudo"
    n_permutations = _check_n_permutations(n_permutations)
    alternative = _check_alternative(alternative)
    seed, _, rng = _streams(seed)
    structure = _read_pseudo(pseudo, function)
    part = _as_input(real, "real", function)
    _check_unique(part, "real", function)
    real_values = _numbers(part.series, "real", function)
    finite = np.isfinite(real_values)
    dropped = {"unmatched": 0, "missing": int((~finite).sum()), "pseudo_missing": 0}
    real_ids = (
        part.series.index.to_numpy(dtype=object)
        if part.labelled
        else np.arange(real_values.size, dtype=object)
    )
    real_values, real_ids = real_values[finite], real_ids[finite]
    name = part.name if part.name != "real" else (structure.name or "value")

    if structure.matrix is not None:
        dyads = structure.dyads
        assert dyads is not None
        if part.labelled:
            unknown = [key for key in real_ids if key not in set(dyads)]
            if unknown:
                raise ValidationError(
                    f"{function}: real dyad(s) {unknown[:5]} are not among the dyads of "
                    f"pseudo ({dyads[:3]} ...); index real by the same dyad ids as pseudo's "
                    "pairs."
                )
            chosen = [dyads.index(key) for key in real_ids]
            dropped["unmatched"] = len(dyads) - len(chosen)
        else:
            if real_values.size != len(dyads) or dropped["missing"]:
                raise ValidationError(
                    f"{function}: real has {part.series.size} values without ids but pseudo "
                    f"pairs {len(dyads)} dyads; give real as a Series indexed by the dyad ids "
                    f"of pseudo (e.g. {dyads[:2]}) so they can be matched."
                )
            chosen = list(range(len(dyads)))
            real_ids = np.array(dyads, dtype=object)
        matrix = structure.matrix[np.ix_(chosen, chosen)]
        size = len(chosen)
        if size < 2:
            raise ValidationError(
                f"{function} needs at least 2 real dyads with a value, got {size}."
            )
        off = ~np.eye(size, dtype=bool)
        cells = matrix[off]
        present = np.isfinite(cells)
        dropped["pseudo_missing"] = int((~present).sum())
        row, col = np.nonzero(off)
        chosen_ids = np.asarray(real_ids, dtype=object)
        pseudo_values = cells[present]
        pseudo_ids = np.array(
            [f"{chosen_ids[i]}+{chosen_ids[j]}" for i, j in zip(row, col, strict=True)],
            dtype=object,
        )[present]
        null_method = "re-pairing"
        count = count_derangements(size)
        exact = size <= _MAX_EXACT_ITEMS and count <= n_permutations
        filled = np.where(np.isfinite(matrix), matrix, 0.0)
        counted = np.isfinite(matrix).astype(np.float64)
        rows = np.arange(size)

        def cohort_means(partners: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                return filled[rows, partners].sum(-1) / counted[rows, partners].sum(-1)

        if exact:
            every = next(_permutations(size, 0, rng, True))
            null = cohort_means(every[~(every == rows).any(-1)])
        else:
            pieces, have = [], 0
            while have < n_permutations:
                # About 1/e of permutations are derangements: draw ~3x what is missing.
                need = n_permutations - have
                for chunk in _permutations(size, min(3 * need + 10, 10**7), rng, False):
                    chunk = chunk[~(chunk == rows).any(-1)][:need]
                    pieces.append(cohort_means(chunk))
                    have += chunk.shape[0]
                    need -= chunk.shape[0]
                    if need == 0:
                        break
            null = np.concatenate(pieces)
        what = "re-pairings (derangements of the second persons)"
    else:
        keep = np.isfinite(structure.values)
        dropped["pseudo_missing"] = int((~keep).sum())
        pseudo_values, pseudo_ids = structure.values[keep], structure.ids[keep]
        n_real = real_values.size
        if n_real < 2:
            raise ValidationError(
                f"{function} needs at least 2 real dyads with a value, got {n_real}."
            )
        if pseudo_values.size <= n_real:
            raise ValidationError(
                f"{function}: the null draws subsets of {n_real} pseudo values, so it needs "
                f"more pseudo values than real ones; got {pseudo_values.size}."
            )
        null_method = "subsets"
        total = pseudo_values.size
        count = math.comb(total, n_real)
        exact = count <= n_permutations
        if exact:
            subsets = np.array(list(itertools.combinations(range(total), n_real)), dtype=np.intp)
            null = pseudo_values[subsets].mean(-1)
        else:
            pieces = []
            for start, stop in _row_chunks(n_permutations, total):
                keys = rng.random((stop - start, total))
                subset = np.argpartition(keys, n_real - 1, axis=1)[:, :n_real]
                pieces.append(pseudo_values[subset].mean(-1))
            null = np.concatenate(pieces)
        what = f"subsets of {n_real} pseudo values"

    if pseudo_values.size < 2:
        raise ValidationError(
            f"{function} needs at least 2 pseudo-dyad values, got {pseudo_values.size}."
        )
    if _flat(np.concatenate([real_values, pseudo_values])):
        raise ValidationError(
            f"{function}: every real and pseudo value is {real_values[0]:g}, so they cannot "
            "be compared; the values need to vary."
        )
    _report(function, dropped, real_values.size, "real and pseudo", stacklevel=2)
    observed = float(real_values.mean())
    p_value = _p_value(observed, null, alternative, exact=False)
    finite_null = null[np.isfinite(null)]
    null_sd = float(finite_null.std(ddof=1)) if finite_null.size > 1 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (observed - float(finite_null.mean())) / null_sd if finite_null.size else math.nan
    mean_diff, d = (float(v) for v in _cohen_d(real_values, pseudo_values))
    median, p95 = np.quantile(pseudo_values, [0.5, 0.95])
    count_used = count if exact else n_permutations
    p_method = (
        f"{'one-sided (' + alternative + ')' if alternative != 'two-sided' else 'two-sided'} "
        f"test of the real mean against {'all' if exact else 'random'} {count_used} {what}, "
        "p = (k + 1) / (m + 1)"
    )
    return RealPseudoComparison(
        n_real=int(real_values.size),
        n_pseudo=int(pseudo_values.size),
        mean_real=observed,
        sd_real=float(real_values.std(ddof=1)),
        mean_pseudo=float(pseudo_values.mean()),
        sd_pseudo=float(pseudo_values.std(ddof=1)),
        mean_diff=mean_diff,
        d=d,
        z=float(z),
        above_median=float((real_values > median).mean()),
        above_p95=float((real_values > p95).mean()),
        p_value=p_value,
        null=_frozen(null),
        null_method=null_method,
        real=_frozen(real_values),
        real_ids=_frozen(real_ids, dtype=object),
        pseudo=_frozen(pseudo_values),
        pseudo_ids=_frozen(pseudo_ids, dtype=object),
        name=name,
        n_permutations=n_permutations,
        exact=exact,
        alternative=alternative,
        seed=seed,
        p_method=p_method,
        dropped=dropped,
    )
