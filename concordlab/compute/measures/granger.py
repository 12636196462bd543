"""``granger``, ``granger_lead``: a windowed Granger-type leader-follower test in each direction.

In each window (the shared grid: ``window`` seconds every ``step`` seconds), for each
direction, two least-squares regressions of one person's signal (the follower) on its own
past ``order`` samples and a constant: the restricted one, and the unrestricted one that
adds the other person's (the leader's) past ``order`` samples. The F statistic

    F = (SSR_restricted - SSR_unrestricted) / SSR_unrestricted * (nobs - 2 order - 1) / order

with ``nobs = window - order`` regression rows, and its p-value from the F(order,
nobs - 2 order - 1) distribution, are statsmodels' ``grangercausalitytests(...)[order][0]
["ssr_ftest"]`` on the window's samples (a test checks equality). Direction
``first->second`` asks whether the first person's past improves the prediction of the
second person (the second follows the first: positive lag in concordlab's convention);
``second->first`` the reverse.

``granger_lead`` folds both directions into one number per window for the explorer's
time line: Geweke's (1982) measure of linear feedback, ``ln(SSR_restricted /
SSR_unrestricted)``, of ``first->second`` minus that of ``second->first`` (positive: the
first person leads, as a positive lag says), with both p-values as coordinates.

Missing data: a regression row with a missing sample (its target or one of its lags) is
left out of both regressions of its window; a window with fewer than ``min_valid`` of its
rows, too few rows for the unrestricted model, a constant lag column or a perfect fit
(where statsmodels raises) is NaN.

Granger tests assume stationary series whose past is captured by ``order`` samples; on
smooth, slowly drifting physiology the per-window test rejects independent dyads more
often than its level says (measured in ``tests/compute/test_granger.py`` and stated in
:func:`leader_follower`'s docstring): read it as a leader-follower readout, not a test of
coupling.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from concordlab._checks import Real
from concordlab._docs import fill_doc
from concordlab.compute._common import Pair, pair_from
from concordlab.compute.grid import WindowGrid
from concordlab.compute.measures.wlcc import WLCC_PEAK
from concordlab.compute.parameters import (
    LAG_STEP,
    MAX_LAG,
    MIN_VALID,
    ORDER,
    PEAK_SEARCH,
    STEP,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = ["DIRECTIONS", "GRANGER", "GRANGER_LEAD", "leader_follower"]

DIRECTIONS = ("first->second", "second->first")
"""The ``direction`` labels: ``first->second`` tests whether the first person leads."""

SIGNIFICANCE = Real(low=0.0, high=1.0, low_open=True, high_open=True, example="0.05")
"""A significance level: strictly between 0 and 1."""

# Elements of one block of stacked regressors (float64): 32 MiB.
_BLOCK = 2**22
# A design column whose QR pivot is this small relative to the largest is dependent.
_RANK_TOLERANCE = 1e-9


def _ssr(design: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residual sum of squares and rank of each stacked least-squares problem.

    Batched QR; a design whose columns are (nearly) linearly dependent, e.g. when one
    person's signal is a copy of the other's, is solved again by SVD (as statsmodels'
    pseudo-inverse does), window by window: such windows are rare.
    """
    q, r = np.linalg.qr(design)
    fitted = q @ np.einsum("wrk,wr->wk", q, target)[:, :, None]
    ssr = ((target - fitted[:, :, 0]) ** 2).sum(axis=1)
    rank = np.full(ssr.shape, design.shape[2])
    diagonal = np.abs(np.diagonal(r, axis1=1, axis2=2))
    for w in np.flatnonzero(diagonal.min(axis=1) <= _RANK_TOLERANCE * diagonal.max(axis=1)):
        solution, _, rank[w], _ = np.linalg.lstsq(design[w], target[w], rcond=None)
        ssr[w] = np.sum((target[w] - design[w] @ solution) ** 2)
    return ssr, rank


def granger_f(
    leader: np.ndarray, follower: np.ndarray, order: int, min_rows: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F statistic, p-value and residual degrees of freedom per row of ``(windows,
    samples)`` arrays (leader -> follower); NaN where the test is not defined.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 400))
    >>> y = np.roll(x, 1, axis=1) + 0.5 * rng.standard_normal((2, 400))
    >>> f, p, df = granger_f(x, y, order=2, min_rows=10)
    >>> bool((p < 1e-6).all()), bool((granger_f(y, x, 2, 10)[1] > 1e-6).all())
    (True, True)
    """
    n_windows, length = follower.shape
    rows = length - order
    f_value = np.full(n_windows, np.nan)
    p_value = np.full(n_windows, np.nan)
    df_resid = np.full(n_windows, np.nan)
    if rows <= 2 * order + 1:
        return f_value, p_value, df_resid
    # Centre each window (the constant absorbs it; it helps the numerics).
    with np.errstate(invalid="ignore"):
        counts = np.isfinite(follower).sum(axis=1, keepdims=True)
        follower = follower - np.nansum(follower, axis=1, keepdims=True) / np.maximum(counts, 1)
        counts = np.isfinite(leader).sum(axis=1, keepdims=True)
        leader = leader - np.nansum(leader, axis=1, keepdims=True) / np.maximum(counts, 1)
    own = sliding_window_view(follower, order + 1, axis=1)  # [w, t, j] = follower[t + j]
    other = sliding_window_view(leader, order + 1, axis=1)[:, :, :order]
    target = own[:, :, order]
    own = own[:, :, :order]
    present = np.isfinite(target) & np.isfinite(own).all(axis=2) & np.isfinite(other).all(axis=2)
    nobs = present.sum(axis=1)
    df = nobs - 2 * order - 1
    usable = (nobs >= min_rows) & (df >= 1)
    chunk = max(1, _BLOCK // (rows * (2 * order + 1)))
    for start in range(0, n_windows, chunk):
        keep = np.flatnonzero(usable[start : start + chunk]) + start
        if keep.size == 0:
            continue
        mask = present[keep]
        y = np.where(mask, target[keep], 0.0)
        joint = np.concatenate([own[keep], other[keep], np.ones((keep.size, rows, 1))], axis=2)
        joint = np.where(mask[:, :, None], joint, 0.0)
        # A constant lag column (statsmodels refuses it): the design is rank deficient.
        high = np.where(mask[:, :, None], joint, -np.inf).max(axis=1)[:, :-1]
        low = np.where(mask[:, :, None], joint, np.inf).min(axis=1)[:, :-1]
        regular = (high > low).all(axis=1)
        restricted = np.concatenate([joint[:, :, :order], joint[:, :, -1:]], axis=2)
        ssr_restricted, _ = _ssr(restricted, y)
        ssr_joint, rank = _ssr(joint, y)
        # statsmodels' residual df: rows less the design's rank (2 order + 1 unless a
        # column depends on the others).
        df[keep] = nobs[keep] - rank
        total = ((y - (y.sum(axis=1) / nobs[keep])[:, None] * mask) ** 2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fit = (total > 0) & (ssr_joint > 0) & (ssr_joint / total >= np.finfo(float).eps)
            value = (ssr_restricted - ssr_joint) / ssr_joint / order * df[keep]
        value = np.where(regular & fit, value, np.nan)
        f_value[keep] = value
        p_value[keep] = stats.f.sf(value, order, df[keep])
        df_resid[keep] = np.where(np.isfinite(value), df[keep], np.nan)
    return f_value, p_value, df_resid


def _tests(
    pair: Pair, window: float, step: float, order: int, min_valid: float
) -> tuple[WindowGrid, np.ndarray, np.ndarray, np.ndarray]:
    """The grid and, per window and direction, F, p-value and residual df."""
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    if grid.window - order <= 2 * order + 1:
        raise ValidationError(
            f"window={window:g} s holds {grid.window} samples, too few for order={order} "
            f"(at least {3 * order + 2} samples needed); use a longer window or a smaller "
            "order."
        )
    first, second = grid.spans(pair.first), grid.spans(pair.second)
    min_rows = max(2.0, min_valid * (grid.window - order))
    both = [granger_f(first, second, order, min_rows), granger_f(second, first, order, min_rows)]
    f_value, p_value, df_resid = (np.stack(parts, axis=1) for parts in zip(*both, strict=True))
    return grid, f_value, p_value, df_resid


def _used(grid: WindowGrid, order: int, min_valid: float) -> dict[str, float]:
    return {
        "window": grid.seconds["window"],
        "step": grid.seconds["step"],
        "order": order,
        "min_valid": min_valid,
    }


def _granger(
    pair: Pair, *, window: float, step: float, order: int, min_valid: float
) -> xr.DataArray:
    """Windowed Granger F statistic in both directions, dims ``(time, direction)``.

    Examples
    --------
    >>> import concordlab
    >>> r = concordlab.concordance(concordlab.example_session(), method="granger", order=2)
    >>> r.dims, r["direction"].values.tolist()
    (('time', 'direction'), ['first->second', 'second->first'])
    """
    grid, f_value, p_value, _ = _tests(pair, window, step, order, min_valid)
    first_name, second_name = pair.persons
    return build_result(
        f_value,
        grid,
        pair,
        measure=GRANGER,
        params=_used(grid, order, min_valid),
        long_name="windowed Granger F statistic (ssr F test)",
        name="F",
        coords={
            "direction": (
                "direction",
                list(DIRECTIONS),
                {
                    "long_name": f"first->second: does {first_name}'s past predict "
                    f"{second_name}? (positive lag: {second_name} follows {first_name})"
                },
            ),
            "p_value": (("time", "direction"), p_value, {"long_name": "p-value of F"}),
        },
    )


def _granger_lead(
    pair: Pair, *, window: float, step: float, order: int, min_valid: float
) -> xr.DataArray:
    """Net Granger direction per window: Geweke's measure first->second minus second->first.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(300, coupling=0.9, lag=2.0, turns=False, seed=4)
    >>> lead = concordlab.concordance(s, method="granger_lead", window=30, step=15)
    >>> float(lead.mean()) > 0   # the first person leads
    True
    """
    grid, f_value, p_value, df_resid = _tests(pair, window, step, order, min_valid)
    geweke = np.log1p(f_value * order / df_resid)  # ln(SSR_restricted / SSR_unrestricted)
    first_name, second_name = pair.persons
    return build_result(
        geweke[:, 0] - geweke[:, 1],
        grid,
        pair,
        measure=GRANGER_LEAD,
        params=_used(grid, order, min_valid),
        long_name=f"net Granger direction (> 0: {first_name} leads, {second_name} follows)",
        name="granger_lead",
        coords={
            "p_first_second": ("time", p_value[:, 0], {"long_name": "p-value, first->second"}),
            "p_second_first": ("time", p_value[:, 1], {"long_name": "p-value, second->first"}),
        },
    )


GRANGER = Measure(
    name="granger",
    function=_granger,
    parameters=(WINDOW, STEP, ORDER, MIN_VALID),
    dims=("time", "direction"),
    summary="windowed Granger F test in both directions (first->second, second->first)",
    fast=False,
)

GRANGER_LEAD = Measure(
    name="granger_lead",
    function=_granger_lead,
    parameters=(WINDOW, STEP, ORDER, MIN_VALID),
    dims=("time",),
    summary="net Granger direction per window (> 0: the first person leads)",
    fast=False,
)

MEASURES = (GRANGER, GRANGER_LEAD)
"""The measures this module declares (the registry reads them)."""


@fill_doc
def leader_follower(  # noqa: D417 (fill_doc writes the shared entries)
    session: xr.DataTree | xr.DataArray,
    channel: str | None = None,
    *,
    window: float = WINDOW.default,
    step: float = STEP.default,
    order: int = ORDER.default,
    max_lag: float = MAX_LAG.default,
    lag_step: float | None = LAG_STEP.default,
    peak_search: float | None = PEAK_SEARCH.default,
    min_valid: float = MIN_VALID.default,
    alpha: float = 0.05,
) -> xr.Dataset:
    """Who leads whom, window by window: Granger tests and wlcc peak lags side by side.

    Per window, the Granger F statistic and p-value in both directions
    (``concordance(method="granger")``) and the lag of the windowed lagged
    cross-correlation's peak nearest lag 0 (``concordance(method="wlcc_peak")``'s
    ``peak_lag``); **positive lag: the second person follows the first**, so
    ``peak_lag > 0`` and a significant ``first->second`` test both say the first leads.
    Windows the wlcc grid leaves out (it needs room for ``max_lag`` after the window)
    have NaN ``peak_lag``.

    Session summary (fractions of the windows where the readout is defined):
    ``granger_first_leads`` (first->second significant at ``alpha``, second->first not),
    ``granger_second_leads`` (the reverse), ``granger_both``, ``granger_neither``;
    ``wlcc_first_leads`` (peak_lag > 0), ``wlcc_second_leads`` (< 0), ``wlcc_together``
    (= 0).

    **Level.** The per-window Granger test is not a calibrated test of coupling on
    smooth physiology: on independent simulated dyads (``simulate_dyad(300,
    coupling=0, turns=False)``, skin conductance at 32 Hz, 15 s windows every 15 s,
    order 5) a direction was significant at ``alpha = 0.05`` in 30.2 % of windows (100
    seeds x 20 windows x 2 directions; ``tests/compute/test_granger.py`` re-measures it
    on 30 seeds), not 5 %: the signals' slow, autocorrelated structure is not captured
    by 5 past samples, which inflates F. Compare the two directions, or the session
    against pseudo-dyads, rather than reading a window's p-value alone.

    Parameters
    ----------
    %(session)s
    %(channel)s
    %(window)s
    %(step)s
    %(order)s
    %(max_lag)s
    %(lag_step)s
    %(peak_search)s
    %(min_valid)s
    alpha : float, default 0.05
        Significance level of each window's Granger test, strictly between 0 and 1.

    Returns
    -------
    xarray.Dataset
        ``F`` and ``p_value`` with dims ``(time, direction)``, ``peak_lag`` and
        ``peak_value`` along ``time``, and the scalar summaries above; ``attrs`` those of
        the Granger result plus ``alpha`` and the wlcc parameters.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(600, coupling=0.9, lag=2.0, turns=False, seed=4)
    >>> lf = concordlab.leader_follower(s, "eda", window=30, step=15, max_lag=4)
    >>> float(lf["wlcc_first_leads"]) > float(lf["wlcc_second_leads"])
    True
    >>> float(lf["granger_first_leads"]) > float(lf["granger_second_leads"])
    True
    """
    alpha = SIGNIFICANCE.check(alpha, "alpha")
    pair = pair_from(session, channel)
    granger = GRANGER(pair, window=window, step=step, order=order, min_valid=min_valid)
    peaks = WLCC_PEAK(
        pair,
        window=window,
        step=step,
        max_lag=max_lag,
        lag_step=lag_step,
        peak_search=peak_search,
        min_valid=min_valid,
    )
    index = np.searchsorted(granger["time"].values, peaks["time"].values)
    peak_lag = np.full(granger.sizes["time"], np.nan)
    peak_value = np.full(granger.sizes["time"], np.nan)
    peak_lag[index] = peaks["peak_lag"].values
    peak_value[index] = peaks.values
    p = granger["p_value"].values
    defined = np.isfinite(p).all(axis=1)
    first_sig = p[defined, 0] < alpha
    second_sig = p[defined, 1] < alpha
    found = peak_lag[np.isfinite(peak_lag)]

    def share(flags: np.ndarray) -> float:
        return float(np.mean(flags)) if flags.size else np.nan

    summary = {
        "granger_first_leads": share(first_sig & ~second_sig),
        "granger_second_leads": share(second_sig & ~first_sig),
        "granger_both": share(first_sig & second_sig),
        "granger_neither": share(~first_sig & ~second_sig),
        "wlcc_first_leads": share(found > 0),
        "wlcc_second_leads": share(found < 0),
        "wlcc_together": share(found == 0),
    }
    lag_attrs = {"units": "s", "long_name": f"wlcc peak lag ({granger.attrs['lag_convention']})"}
    data = {
        "F": granger.drop_vars("p_value").variable,
        "p_value": granger["p_value"].variable,
        "peak_lag": ("time", peak_lag, lag_attrs),
        "peak_value": ("time", peak_value, {"long_name": "wlcc peak value"}),
        **{name: ((), value) for name, value in summary.items()},
    }
    coords = {
        name: granger[name].variable for name in ("time", "window_start", "window_end", "direction")
    }
    wlcc_params = {f"wlcc_{k}": peaks.attrs[k] for k in ("max_lag", "lag_step", "peak_search")}
    attrs = dict(granger.attrs, alpha=alpha, **wlcc_params)
    attrs["long_name"] = "leader-follower readouts: Granger F tests and wlcc peak lags"
    return xr.Dataset(data, coords=coords, attrs=attrs)
