"""``wlcc``: windowed lagged cross-correlation (WLCC); ``wlcc_peak``: its Boker-style peaks.

Also the summaries :func:`wlcc_summary` (as rMEA's) and :func:`wlcc_peaks`.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from scipy import ndimage

from concordlab._checks import SECONDS
from concordlab._docs import fill_doc
from concordlab.compute._common import Pair, as_attr, optional, pair_from
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import (
    ABSOLUTE,
    FISHER_Z,
    LAG_STEP,
    MAX_LAG,
    MIN_VALID,
    PEAK_SEARCH,
    STEP,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = ["FISHER_Z_LIMIT", "WLCC", "WLCC_PEAK", "wlcc", "wlcc_peaks", "wlcc_summary"]

# rMEA stores Fisher's z clipped to this magnitude, so r = ±1 gives ±10, not ±inf.
FISHER_Z_LIMIT = 10.0


def _wlcc(
    pair: Pair,
    *,
    window: float,
    step: float,
    max_lag: float,
    lag_step: float | None,
    fisher_z: bool,
    absolute: bool,
    min_valid: float,
) -> xr.DataArray:
    grid = WindowGrid.from_seconds(
        pair, window=window, step=step, max_lag=max_lag, lag_step=lag_step, min_valid=min_valid
    )
    values = grid.moments(pair.first, pair.second).pearson(min_count=grid.min_count)
    if fisher_z:
        with np.errstate(divide="ignore"):
            values = np.clip(np.arctanh(values), -FISHER_Z_LIMIT, FISHER_Z_LIMIT)
    if absolute:
        values = np.abs(values)
    used = {
        **grid.seconds,
        "fisher_z": fisher_z,
        "absolute": absolute,
        "min_valid": min_valid,
    }
    long_name = "windowed lagged cross-correlation"
    return build_result(
        values,
        grid,
        pair,
        measure=WLCC,
        params=used,
        long_name=f"Fisher z of {long_name}" if fisher_z else long_name,
        name="z" if fisher_z else "r",
    )


WLCC = Measure(
    name="wlcc",
    function=_wlcc,
    parameters=(WINDOW, STEP, MAX_LAG, LAG_STEP, FISHER_Z, ABSOLUTE, MIN_VALID),
    dims=("time", "lag"),
    summary="windowed lagged cross-correlation, rMEA's MEAccf (time x lag)",
    fast=False,
)


def _wlcc_peak(
    pair: Pair,
    *,
    window: float,
    step: float,
    max_lag: float,
    lag_step: float | None,
    peak_search: float | None,
    min_valid: float,
) -> xr.DataArray:
    cross = WLCC(
        pair, window=window, step=step, max_lag=max_lag, lag_step=lag_step, min_valid=min_valid
    )
    return _peaks_of(cross, peak_search=peak_search)


def _peaks_of(cross: xr.DataArray, *, peak_search: float | None) -> xr.DataArray:
    """The ``wlcc_peak`` result read from a ``wlcc`` result (no second cross-correlation)."""
    peaks = wlcc_peaks(cross, search=peak_search)
    grid_params = {k: cross.attrs[k] for k in ("window", "step", "max_lag", "lag_step")}
    result = peaks["peak_value"].assign_coords(peak_lag=peaks["peak_lag"])
    result.name = "r"
    result.attrs = dict(
        cross.attrs,
        measure="wlcc_peak",
        method="wlcc_peak",
        long_name="peak of the windowed lagged cross-correlation nearest lag 0 (Boker 2002)",
        parameters=[*grid_params, "peak_search", "min_valid"],
        peak_search=as_attr(peak_search),
        peak_neighbourhood=peaks.attrs["peak_neighbourhood"],
        peak_smooth=peaks.attrs["peak_smooth"],
    )
    for flag in ("fisher_z", "absolute"):
        result.attrs.pop(flag, None)
    return result


WLCC_PEAK = Measure(
    name="wlcc_peak",
    function=_wlcc_peak,
    parameters=(WINDOW, STEP, MAX_LAG, LAG_STEP, PEAK_SEARCH, MIN_VALID),
    dims=("time",),
    summary="per window, the wlcc peak nearest lag 0 (Boker et al. 2002); its lag as peak_lag",
    lag_profile="wlcc",
    from_profile=_peaks_of,
    fast=False,
)


@fill_doc
def wlcc(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    window: float = WINDOW.default,
    step: float = STEP.default,
    max_lag: float = MAX_LAG.default,
    lag_step: float | None = LAG_STEP.default,
    fisher_z: bool = FISHER_Z.default,
    absolute: bool = ABSOLUTE.default,
    min_valid: float = MIN_VALID.default,
) -> xr.DataArray:
    """Windowed lagged cross-correlation of the two persons' signals.

    For each window and each lag, the Pearson correlation of the first person's signal
    with the second person's shifted by the lag. **Positive lag: the second person
    follows the first** (e.g. the therapist responds to the patient). Windows and lags
    follow rMEA (Kleinbub & Ramseyer 2020): window ``i`` starts at ``i * step``; at lag
    ``L >= 0`` it correlates ``first[s : s+window]`` with ``second[s+L : s+L+window]``, at
    ``L < 0`` ``first[s+|L| : s+|L|+window]`` with ``second[s : s+window]``; only windows
    with room for the largest lag are computed. With ``fisher_z=False, absolute=False``
    the values equal rMEA's ``MEAccf(lagSec, winSec, incSec, r2Z=FALSE, ABS=FALSE)``.

    This is ``concordance(session, channel, method="wlcc", ...)`` with its parameters
    spelled out; windows where either signal is constant are NaN.

    Parameters
    ----------
    %(session)s
    %(channel)s
    %(window)s
    %(step)s
    %(max_lag)s
    %(lag_step)s
    %(fisher_z)s
    %(absolute)s
    %(min_valid)s

    Returns
    -------
    xarray.DataArray
        Dims ``(time, lag)``: ``time`` is the window centre in seconds, with
        ``window_start``/``window_end`` coordinates; ``lag`` in seconds. The parameters
        are in ``attrs``.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(300, coupling=0.9, lag=2.0, turns=False, seed=1)
    >>> r = concordlab.wlcc(s, "eda", window=30, step=10, max_lag=5, lag_step=0.5)
    >>> r.dims, r.sizes["lag"]
    (('time', 'lag'), 21)
    >>> float(r.mean("time").idxmax("lag"))   # the therapist follows by about 2 s
    2.0
    """
    return WLCC(
        pair_from(session, channel),
        window=window,
        step=step,
        max_lag=max_lag,
        lag_step=lag_step,
        fisher_z=fisher_z,
        absolute=absolute,
        min_valid=min_valid,
    )


def _check_wlcc(result: xr.DataArray) -> None:
    if (
        not isinstance(result, xr.DataArray)
        or set(result.dims) != {"time", "lag"}
        or "lag" not in result.coords
        or result.dtype.kind not in "iuf"
        or result["lag"].dtype.kind not in "iuf"
    ):
        raise ValidationError(
            "Expected the result of concordlab.wlcc: a DataArray of real numbers with dims "
            "(time, lag) and a lag coordinate in seconds."
        )


def wlcc_summary(result: xr.DataArray) -> xr.Dataset:
    """Per-window and per-session summaries of a :func:`wlcc` result (as rMEA's ``ccfRes``).

    Per window (dim ``time``): ``lag_zero`` (value at lag 0), ``all_lags`` (mean over
    lags), ``first_leads`` (mean over lags > 0, where the second person follows the
    first), ``second_leads`` (mean over lags < 0), ``first_leads_0``/``second_leads_0``
    (the same including lag 0) and ``best_lag`` (lag of the largest value, seconds).
    Per session (scalars): ``grand_mean`` (mean of all cells) and ``mean_lag_zero``.
    Means skip NaN cells.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(300, coupling=0.9, lag=2.0, turns=False, seed=1)
    >>> summary = concordlab.wlcc_summary(concordlab.wlcc(s, window=30, step=10, max_lag=5))
    >>> sorted(summary.data_vars)[:3]
    ['all_lags', 'best_lag', 'first_leads']
    >>> float(summary["first_leads"].mean()) > float(summary["second_leads"].mean())
    True
    """
    _check_wlcc(result)
    lag = result["lag"]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: NaN means
        values = result.transpose("time", "lag").values
        finite = np.isfinite(values).any(axis=1)
        best = np.full(values.shape[0], np.nan)
        best[finite] = lag.values[np.nanargmax(values[finite], axis=1)]
        summary = xr.Dataset(
            {
                "lag_zero": result.sel(lag=0.0, method="nearest").drop_vars("lag"),
                "all_lags": result.mean("lag"),
                "first_leads": result.where(lag > 0).mean("lag"),
                "second_leads": result.where(lag < 0).mean("lag"),
                "first_leads_0": result.where(lag >= 0).mean("lag"),
                "second_leads_0": result.where(lag <= 0).mean("lag"),
                "best_lag": ("time", best, {"units": "s"}),
            }
        )
        summary["grand_mean"] = result.mean()
        summary["mean_lag_zero"] = summary["lag_zero"].mean()
    summary.attrs = dict(result.attrs, summary="wlcc_summary")
    return summary


def wlcc_peaks(
    result: xr.DataArray,
    *,
    search: float | None = None,
    neighbourhood: float | None = None,
    smooth: float = 0.0,
) -> xr.Dataset:
    """Boker-style peak picking: per window, the peak of the cross-correlation nearest lag 0.

    Following Boker, Xu, Rotondo & King (2002), each window's cross-correlation function
    (optionally smoothed over lags) is searched for local maxima within ``±search``; the
    one with the smallest absolute lag is that window's peak. A local maximum is a value
    at least as large as every other within ``±neighbourhood`` and not at the edge of the
    computed lag range (where it cannot be told from a slope). Windows without a peak
    give NaN.

    Parameters
    ----------
    result : xarray.DataArray
        The result of :func:`wlcc`.
    search : float, optional
        Largest absolute lag searched, seconds; default all lags.
    neighbourhood : float, optional
        Half-width in seconds within which a peak must be the maximum; default one lag
        step (a plain local maximum).
    smooth : float, default 0.0
        Width in seconds of a moving average over lags applied first (0: none).

    Returns
    -------
    xarray.Dataset
        ``peak_lag`` (seconds) and ``peak_value`` along ``time``.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(300, coupling=0.9, lag=2.0, turns=False, seed=1)
    >>> r = concordlab.wlcc(s, window=30, step=10, max_lag=5, lag_step=0.25)
    >>> peaks = concordlab.wlcc_peaks(r, search=4, neighbourhood=0.5)
    >>> bool(abs(float(peaks["peak_lag"].median()) - 2.0) <= 1.0)   # true lag: 2 s
    True
    """
    _check_wlcc(result)
    search = optional(SECONDS, search, "search")
    neighbourhood = optional(SECONDS, neighbourhood, "neighbourhood")
    smooth = SECONDS.check(smooth, "smooth")
    result = result.transpose("time", "lag")
    lags = result["lag"].values
    lag_step = float(np.median(np.diff(lags))) if lags.size > 1 else 1.0
    span = float(lags[-1] - lags[0]) if lags.size > 1 else 0.0
    for name, value in (("neighbourhood", neighbourhood), ("smooth", smooth)):
        if value is not None and value > span + lag_step:
            raise ValidationError(
                f"{name}={value:g} s is wider than the result's lag range ({span:g} s); "
                f"choose a {name} of at most {span + lag_step:g} s."
            )
    values = result.values.copy()
    if smooth:
        width = max(1, round(smooth / lag_step))
        values = ndimage.uniform_filter1d(values, width, axis=1, mode="nearest")
    half = 1 if neighbourhood is None else max(1, round(neighbourhood / lag_step))
    comparable = np.where(np.isfinite(values), values, -np.inf)
    neighbourhood_max = ndimage.maximum_filter1d(
        comparable, 2 * half + 1, axis=1, mode="constant", cval=-np.inf
    )
    is_peak = np.isfinite(values) & (comparable >= neighbourhood_max)
    is_peak[:, :half] = is_peak[:, -half:] = False
    if search is not None:
        is_peak &= np.abs(lags) <= float(search) + 1e-9
    # Nearest lag 0 first; between +L and -L the higher peak.
    distance = np.where(is_peak, np.abs(lags) - 1e-9 * np.nan_to_num(values), np.inf)
    index = np.argmin(distance, axis=1)
    found = np.isfinite(distance[np.arange(len(index)), index])
    peak_lag = np.where(found, lags[index], np.nan)
    peak_value = np.where(found, result.values[np.arange(len(index)), index], np.nan)
    attrs = dict(
        result.attrs,
        peak_search=as_attr(search),
        peak_neighbourhood=half * lag_step,
        peak_smooth=smooth,
    )
    return xr.Dataset(
        {
            "peak_lag": ("time", peak_lag, {"units": "s"}),
            "peak_value": ("time", peak_value),
        },
        coords={
            name: result[name]
            for name in ("time", "window_start", "window_end")
            if name in result.coords
        },
        attrs=attrs,
    )


MEASURES = (WLCC, WLCC_PEAK)
"""The measures this module declares (the registry reads them)."""
