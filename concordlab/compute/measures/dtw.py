"""``dtw``: windowed dynamic time warping distance; ``dtw_lag``: its warping path's mean lag.

In each window of the shared grid, the two persons' series (z-scored within the window by
default, ``standardize``) are aligned by dynamic time warping (DTW; Sakoe & Chiba 1978)
within a Sakoe-Chiba band of ``max_lag`` seconds: a warping path pairs sample ``i`` of the
first person with sample ``j`` of the second, from ``(0, 0)`` to the window's last samples,
in steps of ``(1, 1)``, ``(1, 0)`` or ``(0, 1)``, never with ``|i - j|`` above the band.

``dtw``
    The DTW distance: the square root of the least sum of squared differences
    ``(first[i] - second[j])**2`` along a warping path, as dtaidistance's
    ``dtw.distance(first, second, window=band + 1)`` computes it (dtaidistance's ``window``
    counts the diagonal: ``window=1`` is the Euclidean distance, and a band of ``L`` samples
    on either side is ``window=L + 1``). 0 for identical (z-scored) windows.
``dtw_lag``
    The warping path's mean lag in seconds, ``mean(j - i) / sampling_rate`` over the pairs
    of the optimal path whose both samples lie at least ``trim`` samples from the window's
    ends, ``trim = min(band, window // 4)`` samples. **Positive lag: the second person
    follows the first** (the second's sample ``j`` matches the first's earlier sample
    ``i``), the sign of ``wlcc_peak``'s ``peak_lag``. The ends are left out because every
    path starts at ``(0, 0)`` and ends at the last pair, so near the ends it is pulled
    towards lag 0 whatever the lag: with them, a pure delay of ``L`` samples would read as
    less than ``L`` (about ``L * (window - L) / (window + L)``); without them it reads
    ``L`` in most windows and within a fraction of a sample in the rest (the optimal path
    may still detour a little inside; measured up to 2.3 samples for a delay near the
    band's edge, ``tests/compute/test_dtw.py``). A window whose
    path never enters that interior (only when the band is about half the window or more)
    has a NaN lag. Where several paths are optimal, the one dtaidistance's C
    ``warping_path`` backtracks (diagonal first, then ``j - 1``, then ``i - 1``) is used.

With ``derivative=True`` both compare the persons' local slopes (the least-squares slope
over 3 samples, a central difference, as :func:`concordlab.compute.slopes` with
``window=3`` defines it) instead of their levels: derivative
DTW (Keogh & Pazzani 2001). For a leader-follower readout of slow signals such as skin
conductance, use it. On the 24 simulated EDA dyads of ``tests/compute/test_dtw.py`` (a
2 s lag, coupling 0.5 and 0.9, 30 s windows, ``max_lag=4``) the session mean of the level
readout had the leader's sign in 19 (8 of the 12 at coupling 0.5), the slope readout in
23; both read less than the 2 s (mean magnitudes 0.5 s and 0.85 s): a warping path
follows the shared shape only in part, so read ``dtw_lag``'s sign and its size relative
to other windows, not its size in seconds.

Each measure keeps the other as a coordinate along ``time`` (``dtw`` has ``mean_lag``,
``dtw_lag`` has ``distance``), as ``wlcc_peak`` keeps ``peak_lag``.

Windows follow the grid of ``wlcc`` with the same ``max_lag`` (rMEA's placement: only
windows with room for the largest lag), so ``dtw_lag`` and ``wlcc_peak`` share their
``time`` coordinates. Missing data: pairs with a NaN on either side are left out (as the
correlation measures do) and the DTW runs on the remaining pairs in their order, lags
still measured in the original samples; a window with fewer than ``min_valid`` of its
pairs present is NaN.

Z-scoring before DTW is the rule of the time-series literature (Keogh & Kasetty 2003;
Rakthanmanon et al. 2012 normalise every subsequence before DTW), and in dyads the two persons'
levels and amplitudes differ (one person's skin conductance sits higher), which would
otherwise dominate the distance; ``standardize=False`` compares the raw values.

All windows run in lockstep: the numpy path fills the DTW matrices of every window one
anti-diagonal at a time, ``2 * window - 1`` steps per call (not per window), each a few
numpy operations on arrays of shape ``(windows, band + 1)``; with numba installed (the
``fast`` extra) a compiled row-by-row loop
(:func:`concordlab.compute._compiled.dtw_windows`) computes the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from concordlab.compute._common import Pair
from concordlab.compute.grid import WindowGrid
from concordlab.compute.kernel import _compiled
from concordlab.compute.parameters import (
    DERIVATIVE,
    MAX_LAG,
    MIN_VALID,
    STANDARDIZE,
    STEP,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = ["DTW", "DTW_LAG", "dtw_windows"]

# A window whose variance is below this fraction of its mean square is constant up to
# rounding: its z-scores are undefined (NaN), not noise.
_CONSTANT = 1e-12


def dtw_windows(
    first: np.ndarray,
    second: np.ndarray,
    band: int,
    *,
    lengths: np.ndarray | None = None,
    positions: np.ndarray | None = None,
    trim: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Banded DTW distance and warping-path mean lag of each row pair, all rows at once.

    Parameters
    ----------
    first, second : numpy.ndarray
        ``(rows, n)`` arrays of finite numbers: row ``w`` of ``first`` is compared with
        row ``w`` of ``second``.
    band : int
        The Sakoe-Chiba band's half-width in samples: pairs ``(i, j)`` with
        ``|i - j| <= band`` (dtaidistance's ``window=band + 1``).
    lengths : numpy.ndarray, optional
        Samples used in each row (the first ``lengths[w]``); default all ``n``.
    positions : numpy.ndarray, optional
        ``(rows, n)`` integer positions of the samples in their window (lags are
        differences of positions; samples outside ``[trim, n - trim)`` are left out of
        the mean lag); default ``0 .. n - 1``.
    trim : int, default 0
        Samples at each end of the window left out of the mean lag.

    Returns
    -------
    distance, lag : numpy.ndarray
        Per row, the DTW distance (square root of the least sum of squared differences
        along a warping path) and the mean of ``positions[j] - positions[i]`` over the
        optimal path's pairs (**positive: the second row follows the first**), in
        samples; NaN where no pair of the path lies inside ``[trim, n - trim)``.

    Examples
    --------
    >>> t = np.arange(60.0)
    >>> first = np.sin(t / 5)[None, :]
    >>> second = np.sin((t - 3) / 5)[None, :]      # the same, 3 samples later
    >>> distance, lag = dtw_windows(first, second, band=5, trim=5)
    >>> lag.tolist()
    [3.0]
    >>> float(dtw_windows(first, first, band=5)[0][0])
    0.0
    """
    first = np.ascontiguousarray(first, dtype=np.float64)
    second = np.ascontiguousarray(second, dtype=np.float64)
    if first.ndim != 2 or first.shape != second.shape or first.shape[1] < 1:
        raise ValidationError(
            f"first and second must be (rows, samples) arrays of the same shape, got "
            f"{first.shape} and {second.shape}."
        )
    rows, n = first.shape
    band = int(band)
    if band < 0:
        raise ValidationError(f"band must be a whole number of samples >= 0, got {band}.")
    compiled = _compiled()
    if compiled is not None:
        distance = np.empty(rows)
        lag = np.empty(rows)
        lengths = np.full(rows, n, dtype=np.int64) if lengths is None else lengths
        if positions is None:
            positions = np.broadcast_to(np.arange(n, dtype=np.int64), (rows, n))
        compiled.dtw_windows(
            first,
            second,
            band,
            np.ascontiguousarray(lengths, dtype=np.int64),
            np.ascontiguousarray(positions, dtype=np.int64),
            int(trim),
            distance,
            lag,
        )
        return distance, lag
    return _dtw_numpy(first, second, band, lengths, positions, int(trim))


def _dtw_numpy(
    first: np.ndarray,
    second: np.ndarray,
    band: int,
    lengths: np.ndarray | None,
    positions: np.ndarray | None,
    trim: int,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dtw_windows` one anti-diagonal ``d = i + j`` at a time, every row at once.

    On anti-diagonal ``d`` the cells of the band are ``o = j - i`` in ``-band .. band``
    with the parity of ``d``, stored at ``k = (o + band - (d + band) % 2) / 2``; a cell's
    left ``(i, j - 1)`` and up ``(i - 1, j)`` neighbours lie on ``d - 1`` at ``o - 1`` and
    ``o + 1``, its diagonal one on ``d - 2`` at ``o``. Arrays carry one inf cell at each
    side, so the neighbours are slices; along a diagonal ``i`` falls and ``j`` rises by one
    per cell, so the samples are slices of the zero-padded series too (no gathers). Each
    cell carries the sum and count of its best path's lags (one ``(2, rows, ...)`` array),
    taking its predecessor's as dtaidistance's C backtracking would choose it.
    """
    rows, n = first.shape
    b = min(band, n - 1)
    width = b + 1
    pad = b + 1
    padded = []
    for values in (first, second):
        wide = np.zeros((rows, n + 2 * pad))
        wide[:, pad : pad + n] = values
        padded.append(wide)
    k = np.arange(width)
    ends = 2 * ((np.full(rows, n) if lengths is None else np.asarray(lengths)) - 1)
    centre = 1 + b // 2  # where o = 0 lies on the diagonals of (0, 0) and (m - 1, m - 1)
    costs = [np.full((rows, width + 2), np.inf) for _ in range(3)]  # d - 2, d - 1, d
    costs[0][:, centre] = 0.0  # the cell before (0, 0)
    carries = [np.zeros((2, rows, width + 2)) for _ in range(3)]  # lag sums and counts
    step = np.zeros((2, rows if positions is not None else 1, width))
    distance = np.full(rows, np.nan)
    lag_sum = np.zeros(rows)
    lag_count = np.zeros(rows)
    for d in range(2 * n - 1):
        p = (d + b) % 2
        o = -b + p + 2 * k
        first_i = (d + b - p) // 2  # i at k = 0; i = first_i - k, j = first_j + k
        first_j = (d - b + p) // 2
        i = first_i - k
        j = first_j + k
        valid = (np.abs(o) <= b) & (i >= 0) & (j >= 0) & (i < n) & (j < n)
        x = padded[0][:, pad + first_i - b : pad + first_i + 1][:, ::-1]
        y = padded[1][:, pad + first_j : pad + first_j + width]
        before, last, cost = costs
        diagonal = before[:, 1:-1]
        left = last[:, p : p + width]
        up = last[:, p + 1 : p + 1 + width]
        best = np.minimum(np.minimum(diagonal, left), up)
        take_diagonal = diagonal == best  # ties: diagonal, then left, then up
        take_left = (left == best) & ~take_diagonal
        difference = x - y
        inner = cost[:, 1:-1]
        np.multiply(difference, difference, out=inner)
        inner += best
        inner[:, ~valid] = np.inf
        if positions is None:
            position_i, position_j = i, j
        else:
            position_i = positions[:, np.clip(i, 0, n - 1)]
            position_j = positions[:, np.clip(j, 0, n - 1)]
        inside = (
            (position_i >= trim)
            & (position_i < n - trim)
            & (position_j >= trim)
            & (position_j < n - trim)
        )
        step[0] = np.where(inside, position_j - position_i, 0)
        step[1] = inside
        carry_before, carry_last, carry = carries
        carry[:, :, 1:-1] = np.where(
            take_diagonal,
            carry_before[:, :, 1:-1],
            np.where(
                take_left, carry_last[:, :, p : p + width], carry_last[:, :, p + 1 : p + 1 + width]
            ),
        )
        carry[:, :, 1:-1] += step
        ending = np.flatnonzero(ends == d)
        if ending.size:
            distance[ending] = np.sqrt(cost[ending, centre])
            lag_sum[ending] = carry[0, ending, centre]
            lag_count[ending] = carry[1, ending, centre]
        costs = [last, cost, before]
        carries = [carry_last, carry, carry_before]
    with np.errstate(invalid="ignore", divide="ignore"):
        lag = np.where(lag_count > 0, lag_sum / lag_count, np.nan)
    return distance, lag


def _windows(
    pair: Pair,
    *,
    window: float,
    step: float,
    max_lag: float,
    standardize: bool,
    derivative: bool,
    min_valid: float,
) -> tuple[WindowGrid, dict[str, Any], np.ndarray, np.ndarray]:
    """Both measures' computation: the grid, the parameters as used, distance and lag (s)."""
    grid = WindowGrid.from_seconds(
        pair, window=window, step=step, max_lag=max_lag, min_valid=min_valid
    )
    band = int(np.abs(grid.lags).max())
    n = grid.window
    series = (pair.first, pair.second)
    if derivative:
        series = tuple(_central_difference(values, pair.rate) for values in series)
    first = grid.spans(series[0])
    second = grid.spans(series[1])
    present = ~(np.isnan(first) | np.isnan(second))
    count = present.sum(axis=1)
    keep = count >= grid.min_count
    first = first[keep]  # copies
    second = second[keep]
    count = count[keep]
    positions = None
    gaps = count < n
    if gaps.any():
        # Present pairs first, in their order; the rest (never read) set to 0.
        order = np.argsort(~present[keep], axis=1, kind="stable")
        first = np.take_along_axis(first, order, axis=1)
        second = np.take_along_axis(second, order, axis=1)
        tail = np.arange(n) >= count[:, None]
        first[tail] = 0.0
        second[tail] = 0.0
        positions = order
    used = np.ones(first.shape[0], dtype=bool)
    if standardize:
        first, constant_first = _zscore(first, count, gaps.any())
        second, constant_second = _zscore(second, count, gaps.any())
        used = ~(constant_first | constant_second)
    distance = np.full(grid.starts.size, np.nan)
    lag = np.full(grid.starts.size, np.nan)
    rows = np.flatnonzero(keep)[used]
    if rows.size:
        distance[rows], lag[rows] = dtw_windows(
            first[used],
            second[used],
            band,
            lengths=count[used],
            positions=None if positions is None else positions[used],
            trim=min(band, n // 4),
        )
    params = {
        "window": grid.seconds["window"],
        "step": grid.seconds["step"],
        "max_lag": grid.seconds["max_lag"],
        "standardize": standardize,
        "derivative": derivative,
        "min_valid": min_valid,
    }
    return grid, params, distance, lag / pair.rate


def _central_difference(values: np.ndarray, rate: float) -> np.ndarray:
    """``(x[i + 1] - x[i - 1]) / 2`` per second: the least-squares slope over 3 samples, as
    :func:`concordlab.compute.slopes` with ``window=3`` defines it, computed exactly (no
    filter's rounding, so that flat stretches stay exactly flat and tie as they should);
    NaN at the ends and beside a missing sample."""
    out = np.full(values.size, np.nan)
    out[1:-1] = (values[2:] - values[:-2]) / 2 * rate
    return out


def _zscore(rows: np.ndarray, count: np.ndarray, gaps: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first ``count`` values z-scored (population sd), and which are constant."""
    n = rows.shape[1]
    mask = (np.arange(n) < count[:, None]) if gaps else None
    mean = (rows.sum(axis=1) if mask is None else np.where(mask, rows, 0.0).sum(axis=1)) / count
    centred = rows - mean[:, None]
    if mask is not None:
        centred[~mask] = 0.0
    variance = np.einsum("ij,ij->i", centred, centred) / count
    constant = variance <= _CONSTANT * (variance + mean * mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred /= np.sqrt(variance)[:, None]
    return centred, constant


_LAG_DOC = "mean lag of the warping path (s; positive: the second person follows the first)"


def _dtw(pair: Pair, **params: Any) -> xr.DataArray:
    """Windowed DTW distance, with the path's mean lag as the coordinate ``mean_lag``.

    ``params``: ``window``, ``step``, ``max_lag``, ``standardize``, ``derivative``,
    ``min_valid``, checked by the registry.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(120, coupling=0.9, lag=1.0, turns=False, seed=2)
    >>> r = concordlab.concordance(s, method="dtw", window=30, step=10, max_lag=3)
    >>> r.dims, r.attrs["standardize"], r["mean_lag"].attrs["units"]
    (('time',), 1, 's')
    """
    return _result(DTW, pair, params)


def _dtw_lag(pair: Pair, **params: Any) -> xr.DataArray:
    """The DTW warping path's mean lag per window (s), with the distance as ``distance``.

    Positive lag: the second person follows the first. ``params`` as :func:`_dtw`'s.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(120, coupling=0.9, lag=1.0, turns=False, seed=2)
    >>> r = concordlab.concordance(s, method="dtw_lag", window=30, step=10, max_lag=3)
    >>> r.name, sorted(r.coords)
    ('mean_lag', ['distance', 'time', 'window_end', 'window_start'])
    """
    return _result(DTW_LAG, pair, params)


def _result(measure: Measure, pair: Pair, params: dict[str, Any]) -> xr.DataArray:
    """``dtw`` (the distance, the lag as a coordinate) or ``dtw_lag`` (the other way)."""
    grid, used, distance, lag = _windows(pair, **params)
    lag_coord = ("time", lag, {"units": "s", "long_name": _LAG_DOC})
    distance_coord = ("time", distance, {"long_name": "DTW distance"})
    if measure.name == "dtw":
        values, name, coords = distance, "distance", {"mean_lag": lag_coord}
        long_name = "windowed dynamic time warping distance (Sakoe-Chiba band of max_lag)"
    else:
        values, name, coords = lag, "mean_lag", {"distance": distance_coord}
        long_name = f"DTW {_LAG_DOC}"
    return build_result(
        values,
        grid,
        pair,
        measure=measure,
        params=used,
        long_name=long_name,
        name=name,
        coords=coords,
    )


_PARAMETERS = (WINDOW, STEP, MAX_LAG, STANDARDIZE, DERIVATIVE, MIN_VALID)

DTW, DTW_LAG = (
    Measure(
        name=name,
        function=function,
        parameters=_PARAMETERS,
        dims=("time",),
        summary=summary,
        fast=False,
    )
    for name, function, summary in (
        (
            "dtw",
            _dtw,
            "windowed dynamic time warping distance within a band of max_lag; path lag as mean_lag",
        ),
        (
            "dtw_lag",
            _dtw_lag,
            "per window, the DTW warping path's mean lag (s; positive: the second person follows)",
        ),
    )
)

MEASURES = (DTW, DTW_LAG)
"""The measures this module declares (the registry reads them)."""
