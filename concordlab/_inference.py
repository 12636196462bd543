"""The one home of the p-value and the standardised effect sizes used across concordlab.

:mod:`concordlab.stats` (permutation tests, bootstrap intervals),
:mod:`concordlab.compute.surrogates` (surrogate tests) and
:mod:`concordlab.compute.moments` (groups of windows) all score a null distribution with
:func:`p_value` and compute Cohen's d with :func:`cohen_d` (or d_z with :func:`d_z`), so a
tie, a NaN or a flat sample is treated the same way everywhere.

Examples
--------
>>> import numpy as np
>>> from concordlab._inference import cohen_d, p_value
>>> p_value(2.0, np.array([0.0, 1.0, 3.0]), "greater")  # (k + 1) / (m + 1), k = 1 of m = 3
PValue(p=0.5, k_greater=1, k_less=2, m=3)
>>> diff, d = cohen_d(np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0]))
>>> float(diff), float(d)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "TIE_TOLERANCE",
    "PValue",
    "cohen_d",
    "d_z",
    "hedges_j",
    "p_value",
    "shift_p_value",
]

TIE_TOLERANCE = 1e-12
"""Null values within this relative distance of the observed statistic count as ties.

The distance is relative to the largest finite magnitude among the observed value and
the null, so floating-point noise cannot turn an equal value (a permutation that gives
the observed arrangement again, or the observed value recomputed in another order) into
a smaller or larger one, even when the observed value is 0."""

P_RULES = {
    "monte_carlo": "(k + 1) / (m + 1), the observed arrangement counted once more (Monte Carlo)",
    "exact": "k / m over every arrangement of the group, the observed one among them (exact)",
    "shift": "min(1, (k + 1) / (N + 1)) over 2N shifts, NaN counted as extreme (Harris 2021)",
}
"""The p-value rules in words, by name: :func:`p_value` (``exact`` False or True) and
:func:`shift_p_value`."""


class PValue(NamedTuple):
    """A p-value and what it was computed from."""

    p: float
    """The p-value of the alternative asked for."""
    k_greater: int
    """Null values at least as large as the observed (ties included)."""
    k_less: int
    """Null values at most as large as the observed (ties included)."""
    m: int
    """Null values that are not NaN."""


def p_value(observed: float, null: np.ndarray, alternative: str, *, exact: bool = False) -> PValue:
    """The p-value of ``observed`` against the ``null`` values.

    ``k`` counts the null values at least as extreme as the observed (ties, within a
    relative :data:`TIE_TOLERANCE`, count as extreme) and ``m`` the null values that are
    not NaN (NaN means "undefined" and is left out). With ``exact=True`` the null is every
    arrangement of a permutation group, the observed one among them, and ``p = k / m``;
    otherwise the null is ``m`` random draws and ``p = (k + 1) / (m + 1)`` (Phipson &
    Smyth 2010: the observed counted as one more draw, never 0). Two-sided:
    ``min(1, 2 * min(p_greater, p_less))``. Either way ``P(p <= alpha) <= alpha`` under
    the null hypothesis.

    Parameters
    ----------
    observed : float
        The statistic of the real data.
    null : numpy.ndarray
        The statistic of each arrangement (exact) or draw; NaN left out.
    alternative : {"greater", "less", "two-sided"}
        The direction of the test.
    exact : bool, default False
        Whether ``null`` enumerates a whole permutation group that includes the
        observed arrangement.

    Returns
    -------
    PValue
        ``p`` (NaN if ``observed`` is NaN or no null value is left) and the counts.

    Examples
    --------
    >>> import numpy as np
    >>> from concordlab._inference import p_value
    >>> null = np.array([0.1, 0.5, 0.5, 0.9])
    >>> p_value(0.5, null, "greater").p   # 3 of 4 draws >= 0.5: (3 + 1) / (4 + 1)
    0.8
    >>> p_value(0.9, null, "greater", exact=True).p   # the observed is the 0.9 itself
    0.25
    >>> p_value(0.1, null, "two-sided", exact=True).p
    0.5
    """
    null = np.asarray(null, dtype=np.float64).ravel()
    valid = null[~np.isnan(null)]
    m = int(valid.size)
    if math.isnan(observed) or m == 0:
        return PValue(math.nan, 0, 0, m)
    above, below = _extreme_counts(observed, valid)
    if exact:
        p_greater, p_less = above / m, below / m
    else:
        p_greater, p_less = (above + 1) / (m + 1), (below + 1) / (m + 1)
    return PValue(_directed(p_greater, p_less, alternative), above, below, m)


def shift_p_value(observed: float, shifted: np.ndarray, alternative: str) -> PValue:
    """The p-value of the linear shift test (Harris 2021): ``min(1, (k + 1) / (N + 1))``.

    ``shifted`` holds the statistic at the ``2N`` shifts ``-N … -1, 1 … N`` of one
    series (steps of one size; the observed is shift 0) on a fixed stretch of the other.
    ``k`` counts the shifted values at least as extreme as the observed (ties within a
    relative :data:`TIE_TOLERANCE` count as extreme) **and the NaN ones** (an undefined
    value cannot be shown to be less extreme). If one series is stationary and the two
    are independent, the observed is among the top ``k + 1`` of the ``2N + 1`` values
    with probability at most ``(k + 1) / (N + 1)`` (Harris 2021, "A shift test for
    independence in generic time series", J. Mach. Learn. Res. / arXiv 2012.06862), so
    ``P(p <= alpha) <= alpha``: conservative, never more than twice the p-value of the
    rank among ``2N + 1``. Two-sided: ``min(1, 2 * min(p_greater, p_less))``.

    Parameters
    ----------
    observed : float
        The statistic at shift 0.
    shifted : numpy.ndarray
        The statistic at each of the ``2N`` nonzero shifts (``N = len(shifted) // 2``).
    alternative : {"greater", "less", "two-sided"}
        The direction of the test.

    Returns
    -------
    PValue
        ``p`` (NaN if ``observed`` is NaN) and the counts, NaN values included in both.

    Examples
    --------
    >>> import numpy as np
    >>> from concordlab._inference import shift_p_value
    >>> shifted = np.array([0.1, 0.2, 0.3, 0.4, 0.5, np.nan])  # N = 3 shifts per side
    >>> shift_p_value(0.45, shifted, "greater")  # 0.5 and the NaN: (2 + 1) / (3 + 1)
    PValue(p=0.75, k_greater=2, k_less=5, m=6)
    >>> shift_p_value(0.9, shifted[:4], "greater").p  # top of 5: 1 / (2 + 1)
    0.3333333333333333
    """
    shifted = np.asarray(shifted, dtype=np.float64).ravel()
    m = int(shifted.size)
    if math.isnan(observed):
        return PValue(math.nan, 0, 0, m)
    undefined = int(np.count_nonzero(np.isnan(shifted)))
    above, below = _extreme_counts(observed, shifted[~np.isnan(shifted)])
    above, below = above + undefined, below + undefined
    per_side = m // 2
    p_greater = min(1.0, (above + 1) / (per_side + 1))
    p_less = min(1.0, (below + 1) / (per_side + 1))
    return PValue(_directed(p_greater, p_less, alternative), above, below, m)


def _extreme_counts(observed: float, valid: np.ndarray) -> tuple[int, int]:
    """Values ``>=`` and ``<=`` the observed, ties within the relative tolerance included."""
    magnitudes = np.abs(valid[np.isfinite(valid)])
    scale = max(abs(observed) if math.isfinite(observed) else 0.0, float(magnitudes.max(initial=0)))
    tolerance = TIE_TOLERANCE * scale
    above = int(np.count_nonzero(valid >= observed - tolerance))
    below = int(np.count_nonzero(valid <= observed + tolerance))
    return above, below


def _directed(p_greater: float, p_less: float, alternative: str) -> float:
    if alternative == "greater":
        return float(p_greater)
    if alternative == "less":
        return float(p_less)
    return float(min(1.0, 2.0 * min(p_greater, p_less)))


def _flat(sd: np.ndarray, *means: np.ndarray) -> np.ndarray:
    """Where a standard deviation is zero up to rounding (relative to the means)."""
    scale = np.zeros(np.shape(sd))
    for mean in means:
        scale = np.fmax(scale, np.abs(mean))
    return ~(sd > TIE_TOLERANCE * scale)


def cohen_d(
    a: np.ndarray,
    b: np.ndarray,
    *,
    where_a: np.ndarray | None = None,
    where_b: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean difference and Cohen's d of ``a`` vs ``b`` along the last axis (pooled SD).

    ``d = (mean_a - mean_b) / s_pooled`` with
    ``s_pooled = sqrt(((n_a - 1) sd_a^2 + (n_b - 1) sd_b^2) / (n_a + n_b - 2))`` and
    sample SDs (ddof=1). ``d`` is NaN where a group has fewer than 2 values or the pooled
    SD is zero (up to rounding: every value of both groups equal to its group's mean);
    the difference is NaN where a group is empty.

    Parameters
    ----------
    a, b : numpy.ndarray
        The two samples along the last axis; leading axes are a batch (e.g. bootstrap
        resamples). They broadcast against the masks.
    where_a, where_b : numpy.ndarray of bool, optional
        Which values of ``a`` (``b``) belong to the group; default all.

    Returns
    -------
    tuple of numpy.ndarray
        ``mean_a - mean_b`` and ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> from concordlab._inference import cohen_d
    >>> x = np.array([1.0, 2.0, 3.0, 7.0, 8.0, 9.0])
    >>> inside = np.array([False, False, False, True, True, True])
    >>> diff, d = cohen_d(x, x, where_a=inside, where_b=~inside)
    >>> float(diff), float(d)  # (8 - 2) / 1
    (6.0, 6.0)
    >>> float(cohen_d(np.ones(3), np.ones(4))[1])  # no spread: undefined
    nan
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    where_a = np.ones(a.shape, dtype=bool) if where_a is None else np.asarray(where_a, bool)
    where_b = np.ones(b.shape, dtype=bool) if where_b is None else np.asarray(where_b, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_a, n_b = where_a.sum(-1), where_b.sum(-1)
        mean_a = np.where(where_a, a, 0.0).sum(-1) / n_a
        mean_b = np.where(where_b, b, 0.0).sum(-1) / n_b
        ss_a = np.where(where_a, (a - mean_a[..., None]) ** 2, 0.0).sum(-1)
        ss_b = np.where(where_b, (b - mean_b[..., None]) ** 2, 0.0).sum(-1)
        pooled = np.sqrt((ss_a + ss_b) / (n_a + n_b - 2))
        d = (mean_a - mean_b) / pooled
        defined = (n_a >= 2) & (n_b >= 2) & ~_flat(pooled, mean_a, mean_b)
    diff = np.where((n_a >= 1) & (n_b >= 1), mean_a - mean_b, np.nan)
    return diff, np.where(defined, d, np.nan)


def d_z(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cohen's d_z (mean / SD, ddof=1) of paired differences along the last axis.

    NaN where there are fewer than 2 differences or they do not vary (up to rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from concordlab._inference import d_z
    >>> mean, d = d_z(np.array([1.0, 2.0, 3.0]))
    >>> float(mean), float(d)
    (2.0, 2.0)
    """
    diff = np.asarray(diff, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = diff.mean(-1)
        sd = diff.std(-1, ddof=1)
        d = mean / sd
    defined = (diff.shape[-1] >= 2) & ~_flat(sd, mean)
    return mean, np.where(defined, d, np.nan)


def hedges_j(df: int) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)).

    Hedges' g is ``J * d``; NaN for ``df < 2``.

    Examples
    --------
    >>> from concordlab._inference import hedges_j
    >>> round(hedges_j(10), 4)  # 24 / (sqrt(5) Γ(4.5)); about 1 - 3 / (4 df - 1) = 0.923
    0.9227
    """
    if df < 2:
        return math.nan
    return math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)
