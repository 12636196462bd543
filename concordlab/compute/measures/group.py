"""Group measures: one value per window for all the persons of a session (two or more).

``kuramoto``
    The Kuramoto order parameter: at each sample, the length of the mean of the persons'
    unit phase vectors, ``r(t) = |mean_k exp(i theta_k(t))|`` (1: all in phase; about
    ``1 / sqrt(N)`` for independent phases), averaged over each window.
``rho``
    The cluster-phase synchrony ``rho`` of Richardson et al. (2012): in each window, the
    group phase ``q(t)`` (the angle of the mean phase vector), each person's relative
    phase ``phi_k(t) = theta_k(t) - q(t)`` and its circular mean over the window
    ``phi_bar_k``; then ``rho(t) = |mean_k exp(i (phi_k(t) - phi_bar_k))|``, averaged over
    the window. 1 when every person keeps a constant phase relation to the group.
``mean_pairwise``
    The mean, over every pair of persons (``i < j``), of a dyadic measure's value in each
    window (``pair_method``: ``slope``, ``pearson`` or ``wlcc_peak``, on the same
    ``window``, ``step`` and ``min_valid``; its other parameters keep their defaults, e.g.
    ``slope_window`` 5 s, ``max_lag`` 5 s); the number of pairs with a value is the
    coordinate ``n_pairs``.

Phases, as multiSyncPy's examples extract them (Hudson, Wiltshire & Atzmueller 2022;
``extract_phase`` in its "Envision" example): each person's series is centred on its mean
over the whole recording and the phase is the angle of its analytic signal,
``numpy.angle(scipy.signal.hilbert(x - mean(x)))``, over the whole recording; the windows
then cut the phase series (multiSyncPy's ``apply_windowed``). A series with missing samples
is transformed run by run (each stretch between gaps, centred on its own mean), a constant
stretch has no phase (NaN), and a time point counts only where every person has a phase; a
window with fewer such points than ``min_valid`` of its samples is NaN. Where nothing is
missing the values equal multiSyncPy's ``rho(phases)[1]`` on each window, and for
``kuramoto`` the mean over the window of the ``kuramoto_r`` that its ``kuramoto_weak_null``
computes.

The Hilbert phase of a slowly drifting signal follows its drift: on skin conductance
levels, rho hardly tells coupled from uncoupled simulated groups (about 8 of 10 seeds of
10 minutes), while on the signals' sample-to-sample changes (``numpy.diff``) it does (10
of 10); the Kuramoto order parameter separates them on the levels too (tests in
``tests/compute/test_groups.py``).

References
----------
Richardson, M. J., Garcia, R. L., Frank, T. D., Gergor, M., & Marsh, K. L. (2012).
Measuring group synchrony: a cluster-phase method for analyzing multivariate movement
time-series. *Frontiers in Physiology*, 3, 405.

Hudson, D., Wiltshire, T. J., & Atzmueller, M. (2022). multiSyncPy: A Python package for
assessing multivariate coordination dynamics. *Behavior Research Methods*, 55, 932-962.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import signal

from concordlab.compute._common import Group
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import MIN_VALID, PAIR_METHOD, STEP, WINDOW
from concordlab.compute.registry import Measure, get_measure
from concordlab.compute.result import build_result

__all__ = ["KURAMOTO", "MEAN_PAIRWISE", "RHO", "phases"]

# Complex values one block of windows may hold while rho is computed (64 MiB).
_BLOCK_CELLS = 1 << 22


def phases(series: np.ndarray) -> np.ndarray:
    """Instantaneous phases (radians) of each row: the angle of the analytic signal.

    Each row is centred on its mean and Hilbert-transformed (:func:`scipy.signal.hilbert`)
    as a whole, as multiSyncPy's examples do; a row with missing samples is transformed
    stretch by stretch between its gaps (each centred on its own mean); missing samples
    and constant stretches (no phase) are NaN.

    Parameters
    ----------
    series : numpy.ndarray
        ``(persons, samples)``.

    Returns
    -------
    numpy.ndarray
        ``(persons, samples)`` phases in ``(-pi, pi]``.

    Examples
    --------
    >>> t = np.arange(400) / 20
    >>> theta = phases(np.vstack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)]))
    >>> lead = np.angle(np.exp(1j * (theta[0] - theta[1])))[100:300]
    >>> bool(np.allclose(lead, np.pi / 2))   # the cosine leads the sine by a quarter cycle
    True
    """
    out = np.full(series.shape, np.nan)
    for row, values in enumerate(series):
        present = ~np.isnan(values)
        if present.all():
            out[row] = _phase(values)
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[False], present, [False]]).astype(int)))
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            if end - start >= 2:
                out[row, start:end] = _phase(values[start:end])
    return out


def _phase(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean()
    if not np.any(centred):
        return np.full(values.shape, np.nan)
    return np.angle(signal.hilbert(centred))


def _unit_vectors(group: Group) -> tuple[np.ndarray, np.ndarray]:
    """``exp(i theta)`` per person and sample (0 where any person has no phase), and
    whether each sample has a phase for every person."""
    theta = phases(group.series)
    present = ~np.isnan(theta).any(axis=0)
    vectors = np.exp(1j * np.where(present, theta, 0.0))
    vectors[:, ~present] = 0.0
    return vectors, present


def _windowed_sum(values: np.ndarray, grid: WindowGrid) -> np.ndarray:
    """Sums over each window of the grid (exact sums of the window's values, no running
    totals)."""
    return grid.spans(values).sum(axis=-1)


def _kuramoto(group: Group, *, window: float, step: float, min_valid: float) -> xr.DataArray:
    """The Kuramoto order parameter of the group, averaged over each window.

    Examples
    --------
    >>> import concordlab
    >>> family = concordlab.simulate_group(4, duration=120, seed=1)
    >>> r = concordlab.concordance(family, method="kuramoto", window=20)
    >>> r.dims, r.attrs["persons"]
    (('time',), ['therapist', 'mother', 'father', 'child'])
    """
    grid = WindowGrid.from_seconds(group, window=window, step=step, min_valid=min_valid)
    vectors, present = _unit_vectors(group)
    order = np.abs(vectors.mean(axis=0))  # r(t); 0 where a phase is missing
    count = _windowed_sum(present.astype(np.float64), grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = _windowed_sum(order, grid) / count
    return _phase_result(values, count, grid, group, KURAMOTO, "Kuramoto order parameter")


def _rho(group: Group, *, window: float, step: float, min_valid: float) -> xr.DataArray:
    """Richardson et al.'s (2012) cluster-phase rho of the group in each window.

    Examples
    --------
    >>> import concordlab
    >>> family = concordlab.simulate_group(4, duration=120, seed=1)
    >>> r = concordlab.concordance(family, method="rho", window=20)
    >>> bool(((r >= 0) & (r <= 1)).all())
    True
    """
    grid = WindowGrid.from_seconds(group, window=window, step=step, min_valid=min_valid)
    vectors, present = _unit_vectors(group)
    mean = vectors.mean(axis=0)
    # exp(i (theta_k - q)), q the group phase, as multiSyncPy computes it.
    relative = np.exp(1j * (np.angle(vectors) - np.arctan2(mean.imag, mean.real)))
    relative[:, ~present] = 0.0
    count = _windowed_sum(present.astype(np.float64), grid)
    values = np.full(grid.starts.size, np.nan)
    views = np.lib.stride_tricks.sliding_window_view(relative, grid.window, axis=-1)
    mask = np.lib.stride_tricks.sliding_window_view(present, grid.window)
    block = max(1, _BLOCK_CELLS // (relative.shape[0] * grid.window))
    for first in range(0, grid.starts.size, block):
        starts = grid.starts[first : first + block]
        windows = views[:, starts]  # (persons, windows, window)
        n = count[first : first + block]
        with np.errstate(invalid="ignore", divide="ignore"):
            circular = windows.sum(axis=-1) / n  # each person's mean relative phase vector
        phi_bar = np.exp(-1j * np.arctan2(circular.imag, circular.real))
        rho_t = np.abs((windows * phi_bar[..., None]).mean(axis=0))  # rho(t) per window
        rho_t[~mask[starts]] = 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            values[first : first + block] = rho_t.sum(axis=-1) / n
    long_name = "cluster-phase synchrony rho (Richardson et al. 2012)"
    return _phase_result(values, count, grid, group, RHO, long_name)


def _phase_result(
    values: np.ndarray,
    count: np.ndarray,
    grid: WindowGrid,
    group: Group,
    measure: Measure,
    long_name: str,
) -> xr.DataArray:
    """A phase measure's window means as a result; NaN where too few time points of the
    window have every person's phase (``min_valid``)."""
    values[count < grid.min_count] = np.nan
    seconds = grid.seconds
    used = {"window": seconds["window"], "step": seconds["step"], "min_valid": grid.min_valid}
    return build_result(
        values,
        grid,
        group,
        measure=measure,
        params=used,
        long_name=f"{long_name} (mean over the window)",
        name=measure.name,
    )


def _mean_pairwise(
    group: Group, *, pair_method: str, window: float, step: float, min_valid: float
) -> xr.DataArray:
    """The mean over every pair of a dyadic measure's value in each window.

    Examples
    --------
    >>> import concordlab
    >>> family = concordlab.simulate_group(4, duration=120, seed=1)
    >>> r = concordlab.concordance(family, method="mean_pairwise", pair_method="pearson")
    >>> int(r["n_pairs"].max()), r.attrs["pair_method"]
    (6, 'pearson')
    """
    measure = get_measure(pair_method)
    taken = measure.check({"window": window, "step": step, "min_valid": min_valid})
    n = len(group.persons)
    results = [
        measure.function(group.pair(i, j), **taken) for i in range(n) for j in range(i + 1, n)
    ]
    stacked = np.stack([result.values for result in results])
    valid = ~np.isnan(stacked)
    n_pairs = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(valid, stacked, 0.0).sum(axis=0) / n_pairs
    values[n_pairs == 0] = np.nan
    grid_params = ("window", "step", "max_lag", "lag_step", "min_valid")
    grid = WindowGrid.from_seconds(
        group, **{name: value for name, value in taken.items() if name in grid_params}
    )
    used = {"pair_method": pair_method}
    used.update({name: results[0].attrs[name] for name in ("window", "step", "min_valid")})
    return build_result(
        values,
        grid,
        group,
        measure=MEAN_PAIRWISE,
        params=used,
        long_name=f"mean over pairs of {results[0].attrs['long_name']}",
        coords={
            "n_pairs": ("time", n_pairs, {"long_name": "pairs with a value in the window"}),
        },
    )


KURAMOTO = Measure(
    name="kuramoto",
    function=_kuramoto,
    parameters=(WINDOW, STEP, MIN_VALID),
    dims=("time",),
    summary="Kuramoto order parameter of the group's Hilbert phases (multiSyncPy)",
    group=True,
)
RHO = Measure(
    name="rho",
    function=_rho,
    parameters=(WINDOW, STEP, MIN_VALID),
    dims=("time",),
    summary="cluster-phase synchrony rho of the group (Richardson et al. 2012, multiSyncPy)",
    group=True,
)
MEAN_PAIRWISE = Measure(
    name="mean_pairwise",
    function=_mean_pairwise,
    parameters=(PAIR_METHOD, WINDOW, STEP, MIN_VALID),
    dims=("time",),
    summary="mean over every pair of a dyadic measure (pair_method)",
    fast=False,
    group=True,
)

MEASURES = (KURAMOTO, RHO, MEAN_PAIRWISE)
"""The measures this module declares (the registry reads them)."""
