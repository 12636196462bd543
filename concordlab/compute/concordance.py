"""Concordance over time (one value per window) and Marci's session concordance index."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from scipy import signal

from concordlab._checks import SAMPLING_RATE, SECONDS, Choice, Integer
from concordlab.compute._common import (
    FRACTION,
    Pair,
    as_attr,
    optional,
    pair_from,
    samples,
    window_coords,
)
from concordlab.compute.kernel import window_starts, windowed_moments
from concordlab.compute.wlcc import wlcc, wlcc_peaks
from concordlab.errors import ValidationError

__all__ = ["METHODS", "concordance", "concordance_index", "slopes"]

METHODS = ("pearson", "slope", "wlcc_peak")
METHOD = Choice(METHODS)


def concordance(
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    method: str = "slope",
    window: float = 15.0,
    step: float = 1.0,
    slope_window: float = 5.0,
    max_lag: float = 5.0,
    lag_step: float | None = None,
    peak_search: float | None = None,
    min_valid: float = 0.5,
) -> xr.DataArray:
    """Concordance of the two persons over time: one value per sliding window.

    Methods
    -------
    ``"pearson"``
        Pearson correlation of the two signals' levels in each window, at lag 0.
    ``"slope"`` (Marci et al. 2007)
        Each person's signal is turned into its local slope: the least-squares slope
        (units per second) over a centred window of ``slope_window`` seconds (rounded
        up to an odd number of samples), computed at every sample. Then the Pearson
        correlation of the two slope series in each window. Marci et al. describe
        slopes over 5 s and correlations over 15 s running windows; the 1 s step is
        our assumption, as is evaluating slopes at every sample.
    ``"wlcc_peak"``
        Per window, the peak of the windowed lagged cross-correlation nearest lag 0
        (:func:`wlcc` with ``max_lag``/``lag_step`` then :func:`wlcc_peaks` within
        ``peak_search``); the peak's lag is kept as the coordinate ``peak_lag``
        (positive: the second person follows the first).

    Parameters
    ----------
    session : xarray.DataTree or xarray.DataArray
        A session, or a (person, time) DataArray with a ``sampling_rate`` attr.
    channel : str, optional
        Which channel; default the only one, or ``"eda"``.
    method : {"slope", "pearson", "wlcc_peak"}, default "slope"
        See above.
    window, step : float, default 15.0 and 1.0
        Window length and the seconds between window starts.
    slope_window : float, default 5.0
        Seconds over which each slope is fitted (``"slope"`` only).
    max_lag, lag_step, peak_search : float
        Lag range, lag spacing (default one sample) and peak search range in seconds
        (``"wlcc_peak"`` only).
    min_valid : float, default 0.5
        Fraction of a window's samples (and of a slope window's) that must be present;
        otherwise the value is NaN.

    Returns
    -------
    xarray.DataArray
        Dim ``time`` (window centres in seconds) with ``window_start``/``window_end``;
        the parameters in ``attrs``.

    Examples
    --------
    >>> import concordlab
    >>> coupled = concordlab.simulate_dyad(600, coupling=0.9, lag=0.0, turns=False, seed=3)
    >>> strangers = concordlab.simulate_dyad(600, coupling=0.0, turns=False, seed=3)
    >>> c = concordlab.concordance(coupled, method="slope")
    >>> c.dims, c.attrs["slope_window"]
    (('time',), 5.03125)
    >>> float(c.mean()) > float(concordlab.concordance(strangers, method="slope").mean())
    True
    """
    METHOD.check(method, "method")
    pair = pair_from(session, channel)
    min_valid = FRACTION.check(min_valid, "min_valid")
    # Parameters the method does not use are still checked, so a typo never passes.
    for name, value in (("slope_window", slope_window), ("max_lag", max_lag)):
        SECONDS.check(value, name)
    optional(SECONDS, lag_step, "lag_step")
    peak_search = optional(SECONDS, peak_search, "peak_search")
    if method == "wlcc_peak":
        cross = wlcc(
            session,
            pair.channel if isinstance(session, xr.DataTree) else None,
            window=window,
            step=step,
            max_lag=max_lag,
            lag_step=lag_step,
            min_valid=min_valid,
        )
        peaks = wlcc_peaks(cross, search=peak_search)
        result = peaks["peak_value"].assign_coords(peak_lag=peaks["peak_lag"])
        result.name = "r"
        result.attrs = dict(peaks.attrs, method=method, measure="concordance")
        return result
    n = pair.first.size
    window_n = samples(window, pair.rate, "window", minimum=2, length=n)
    step_n = samples(step, pair.rate, "step", length=n)
    attrs = {
        "measure": "concordance",
        "method": method,
        "channel": pair.channel,
        "persons": list(pair.persons),
        "window": window_n / pair.rate,
        "step": step_n / pair.rate,
        "min_valid": min_valid,
        "sampling_rate": pair.rate,
    }
    first, second = pair.first, pair.second
    if method == "slope":
        slope_n = _odd(samples(slope_window, pair.rate, "slope_window", minimum=2, length=n))
        first = slopes(first, pair.rate, slope_n, min_valid)
        second = slopes(second, pair.rate, slope_n, min_valid)
        attrs["slope_window"] = slope_n / pair.rate
        attrs["long_name"] = "windowed correlation of slopes (Marci et al. 2007)"
    else:
        attrs["long_name"] = "windowed Pearson correlation at lag 0"
    starts = window_starts(first.size, window_n, step_n)
    if starts.size == 0:
        raise ValidationError(
            f"The '{pair.channel}' series ({first.size / pair.rate:g} s) is shorter than one "
            f"window ({window_n / pair.rate:g} s); use a shorter window."
        )
    moments = windowed_moments(first, second, window_n, step_n, [0], starts)
    values = moments.pearson(min_count=max(2.0, min_valid * window_n))[:, 0]
    return _series(values, starts, window_n, pair, attrs)


_SLOPE_SAMPLES = Integer(low=3, example="161")


def _odd(n: int) -> int:
    return n if n % 2 else n + 1


def _series(
    values: np.ndarray, starts: np.ndarray, window: int, pair: Pair, attrs: dict
) -> xr.DataArray:
    return xr.DataArray(
        values,
        dims="time",
        coords=window_coords(starts, window, pair),
        name="r",
        attrs={k: as_attr(v) for k, v in attrs.items()},
    )


def slopes(values: np.ndarray, rate: float, window: int, min_valid: float = 0.5) -> np.ndarray:
    """Least-squares slope (units per second) over a centred window at every sample.

    ``window`` is an odd number of samples. Samples without a full window at the edges,
    or with less than ``min_valid`` of their window present, are NaN. Without gaps this
    is a single FIR filter (the first-derivative Savitzky-Golay filter of order 1).

    Examples
    --------
    >>> t = np.arange(10) / 2.0
    >>> slopes(3 * t + 1, rate=2.0, window=5).round(12).tolist()
    [nan, nan, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, nan, nan]
    """
    values = np.asarray(values)
    if values.ndim != 1 or values.dtype.kind not in "iuf":
        raise ValidationError(
            f"values must be a 1-D array of real numbers, got shape {values.shape} and "
            f"dtype {values.dtype}."
        )
    values = values.astype(np.float64, copy=False)
    rate = SAMPLING_RATE.check(rate, "rate")
    window = _SLOPE_SAMPLES.check(window, "window")
    if window % 2 == 0 or window < 3:
        raise ValidationError(
            f"The slope window must be an odd number >= 3 of samples, got {window}."
        )
    min_valid = FRACTION.check(min_valid, "min_valid")
    half = window // 2
    out = np.full(values.size, np.nan)
    if values.size < window:
        return out
    valid = ~np.isnan(values)
    reference = float(values[valid].mean()) if valid.any() else 0.0
    centred = np.where(valid, values - reference, 0.0)
    k = np.arange(window, dtype=np.float64) - half

    def windowed(series: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # sum_j series[i + j] * weights[j] for every full window (i = centre - half)
        return signal.oaconvolve(series, weights[::-1], mode="valid")

    if valid.all():
        out[half : values.size - half] = windowed(centred, k) / np.sum(k * k) * rate
        return out
    mask = valid.astype(np.float64)
    count = windowed(mask, np.ones(window))
    sum_k = windowed(mask, k)
    sum_kk = windowed(mask, k * k)
    sum_y = windowed(centred, np.ones(window))
    sum_ky = windowed(centred, k)
    count = np.rint(count)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = count * sum_kk - sum_k**2
        slope = (count * sum_ky - sum_k * sum_y) / denominator * rate
    slope[(count < max(2.0, min_valid * window)) | (denominator <= 1e-9)] = np.nan
    out[half : values.size - half] = slope
    return out


def concordance_index(result: xr.DataArray) -> xr.DataArray:
    """Marci's session concordance index: ``ln(sum of positive r / |sum of negative r|)``.

    Positive when windows of concordance outweigh windows of discordance. Computed over
    the finite values of a concordance series (or any array of correlations). When no
    value is negative the index is ``+inf``; when none is positive, ``-inf``; when there
    are neither (all zero or NaN), NaN. The sums and counts are in ``attrs``.

    Examples
    --------
    >>> import xarray as xr
    >>> import concordlab
    >>> r = xr.DataArray([0.5, 0.3, -0.2, float("nan")], dims="time")
    >>> round(float(concordlab.concordance_index(r)), 6)   # ln(0.8 / 0.2)
    1.386294
    >>> float(concordlab.concordance_index(xr.DataArray([0.5, 0.1], dims="time")))
    inf
    """
    if not isinstance(result, xr.DataArray) or result.dtype.kind not in "iuf":
        what = type(result).__name__
        if isinstance(result, xr.DataArray):
            what = f"a DataArray of dtype {result.dtype}"
        raise ValidationError(
            f"Expected a concordance result (an xarray.DataArray of real numbers), got {what}."
        )
    values = result.values[np.isfinite(result.values)]
    positive = float(values[values > 0].sum())
    negative = float(-values[values < 0].sum())
    if positive > 0 and negative > 0:
        index = math.log(positive / negative)
    elif positive > 0:
        index = math.inf
    elif negative > 0:
        index = -math.inf
    else:
        index = math.nan
    return xr.DataArray(
        index,
        name="concordance_index",
        attrs={
            **{k: v for k, v in result.attrs.items() if k != "long_name"},
            "long_name": "session concordance index ln(sum r+ / |sum r-|) (Marci et al. 2007)",
            "sum_positive": positive,
            "sum_negative": -negative,
            "n_positive": int((values > 0).sum()),
            "n_negative": int((values < 0).sum()),
        },
    )
