"""Cross-recurrence quantification (CRQA) in windows: ``recurrence_rate``, ``determinism``,
``mean_line`` and ``recurrence_profile``.

In every window of the shared :class:`~concordlab.compute.grid.WindowGrid` each person's
signal is z-scored (mean 0, sample standard deviation 1, over the window's present
samples), then time-delay embedded: state ``i`` of the first person is ``X_i = (x_i,
x_{i+d}, ..., x_{i+(m-1)d})`` with ``m = embedding`` and ``d = delay`` (in samples), and
likewise ``Y_j`` for the second; a window of ``W`` samples holds ``N = W - (m-1)d`` states.
The cross-recurrence plot is the ``N x N`` matrix ``CR[i, j] = ||X_i - Y_j|| <= radius``
(Euclidean norm). This follows the R package crqa (Coco & Dale 2014; ``crqa(ts1, ts2,
delay, embed, radius, normalize=2, rescale=0, mindiagline, tw=0, side="both",
metric="euclidean")``): z-scores with ``scale`` (n - 1), forward embedding, ``<=`` radius,
the whole matrix (no Theiler window, both sides). From it:

``recurrence_rate``
    RR, the fraction of the matrix's cells that are recurrent (crqa's ``RR`` / 100).
``determinism``
    DET, the fraction of recurrent cells that lie on diagonal lines of at least
    ``min_line`` cells (crqa's ``DET`` / 100); NaN when no cell is recurrent.
``mean_line``
    L, the mean length (in cells, i.e. samples) of the diagonal lines of at least
    ``min_line`` cells (crqa's ``L``); NaN when there is no such line.
``recurrence_profile``
    The diagonal-wise recurrence rate by lag (Richardson & Dale's diagonal recurrence
    profile, crqa's ``drpfromts``): at lag ``k`` samples, the fraction of recurrent cells
    on the diagonal ``CR[i, i + k]``, i.e. the first person's state at ``i`` against the
    second person's at ``i + k``. **Positive lag: the second person follows the first**
    (the second person's signal repeats the first's ``k`` samples later). Dims
    ``(time, lag)``, lags in seconds up to ``max_lag`` (at most the window's states less
    one).

Defaults: ``embedding=3``; ``delay`` one sample (crqa's default ``delay=1``; choose a
longer one, e.g. the first minimum of the signal's mutual information, for smooth signals
sampled fast); ``radius=0.1``, which gave recurrence rates of about 2 to 6 % (the range
the CRQA literature recommends) on the rMEA motion energy (25 Hz) and on simulated skin
conductance; ``min_line=2`` (crqa's ``mindiagline``). On signals that drift (skin
conductance levels) a z-scored window is mostly its trend and recurs whatever the
coupling: use the phasic part (:func:`concordlab.preprocess.eda_components`) or another
detrended signal.

A diagonal line is a maximal run of recurrent cells along a diagonal ``CR[i + t, j + t]``;
lines are counted on all ``2N - 1`` diagonals.

Missing data: a sample missing in either person is left out of both (pairwise, as the
correlation measures do); a window with fewer than ``min_valid`` of its samples present,
or in which either person's signal is constant, is NaN. In the other windows, a state
holding a missing sample is never recurrent and its cells are left out of the
denominators (RR's cells, the profile's diagonal cells); lines stop at it. Nothing is
imputed.

The computation is vectorised across windows: it holds the matrices of a few windows at
a time (chunks of about 2 MiB, a window's at most
:data:`~concordlab.compute._common.MAX_CELLS` cells); the lag profile is computed
diagonal by diagonal for all windows at once, without the matrices. Squared distances are
compared with the largest float whose square root is at most ``radius``, which is exactly
``sqrt(d) <= radius``.

Examples
--------
>>> import concordlab
>>> s = concordlab.simulate_dyad(120, coupling=0.9, lag=1.0, turns=False, seed=2)
>>> rr = concordlab.concordance(s, method="recurrence_rate", window=10, step=5)
>>> rr.dims, rr.attrs["radius"], rr.attrs["embedding"]
(('time',), 0.1, 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import xarray as xr

from concordlab.compute._common import MAX_CELLS, Pair, check_cells, samples
from concordlab.compute.grid import WindowGrid
from concordlab.compute.parameters import (
    DELAY,
    EMBEDDING,
    LAG_STEP,
    MAX_LAG,
    MIN_LINE,
    MIN_VALID,
    RADIUS,
    STEP,
    WINDOW,
)
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = [
    "DETERMINISM",
    "MEAN_LINE",
    "RECURRENCE_PROFILE",
    "RECURRENCE_RATE",
    "recurrence_windows",
]

# The cells (windows x samples x samples) one chunk holds at a time: 2 MiB of float64, a
# core's L2 cache here (AMD EPYC), far below MAX_CELLS. Measured on an rMEA dyad (15 s
# windows at 25 Hz, one per chunk): 0.77 s, against 1.3 to 1.7 s with chunks of 8 to 119
# windows, which stream through main memory.
_CHUNK_CELLS = 2**18


def _states(
    pair: Pair, grid: WindowGrid, embedding: int, delay: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both persons' per-window z-scores, which windows count, and which states are whole.

    Returns ``first`` and ``second`` of shape ``(n_windows, window)`` (NaN where a sample
    is missing in either person, and in every window that does not count), ``keep`` (the
    windows with enough present samples and neither signal constant) and ``whole`` of
    shape ``(n_windows, N)``: the embedded states without a missing sample (the same
    for both persons, since a sample missing in one is left out of both).
    """
    first = grid.spans(pair.first)
    second = grid.spans(pair.second)
    present = ~(np.isnan(first) | np.isnan(second))
    keep = present.sum(axis=1) >= grid.min_count
    scores = []
    for rows in (first, second):
        values = np.where(present & keep[:, None], rows, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            count = np.sum(present & keep[:, None], axis=1)
            mean = np.nansum(values, axis=1) / count
            centred = values - mean[:, None]
            spread = np.sqrt(np.nansum(centred * centred, axis=1) / (count - 1))
            keep &= spread > 0
            scores.append(centred / spread[:, None])
    n_states = grid.window - (embedding - 1) * delay
    valid = present & keep[:, None]
    whole = valid[:, :n_states].copy()
    for k in range(1, embedding):
        whole &= valid[:, k * delay : k * delay + n_states]
    for z in scores:
        z[~keep] = np.nan
    return scores[0], scores[1], keep, whole


def _embedded_sum(square: np.ndarray, n_states: int, embedding: int, delay: int) -> np.ndarray:
    """``sum_k square[..., i + k delay, j + k delay]`` (or ``[..., i + k delay]`` for a 2-D
    ``square``): the squared distance of embedded states from the squared differences of
    samples, summed in the order of the components."""
    if square.ndim == 3:
        total = square[:, :n_states, :n_states].copy()
        for k in range(1, embedding):
            total += square[:, k * delay : k * delay + n_states, k * delay : k * delay + n_states]
    else:
        total = square[:, :n_states].copy()
        for k in range(1, embedding):
            total += square[:, k * delay : k * delay + n_states]
    return total


def _threshold(radius: float) -> float:
    """The largest float ``t`` with ``sqrt(t) <= radius``: since the (correctly rounded)
    square root never decreases, ``sqrt(d) <= radius`` exactly when ``d <= t``, so the
    squared distances need no square root.

    Examples
    --------
    >>> t = _threshold(0.1)
    >>> math.sqrt(t) <= 0.1 < math.sqrt(math.nextafter(t, math.inf))
    True
    """
    t = radius * radius
    while math.sqrt(t) > radius:
        t = math.nextafter(t, 0.0)
    while math.sqrt(math.nextafter(t, math.inf)) <= radius:
        t = math.nextafter(t, math.inf)
    return t


def _recurrent(
    first: np.ndarray, second: np.ndarray, embedding: int, delay: int, radius: float
) -> np.ndarray:
    """``||X_i - Y_j|| <= radius`` for every pair of embedded states, per window.

    ``first``/``second``: z-scores ``(windows, window)``; returns ``(windows, N, N)``
    booleans (False wherever a state holds NaN). The squared sample differences are
    formed once and summed along the embedding's diagonals.
    """
    square = first[:, :, None] - second[:, None, :]
    np.multiply(square, square, out=square)
    n_states = first.shape[1] - (embedding - 1) * delay
    distance = _embedded_sum(square, n_states, embedding, delay)
    with np.errstate(invalid="ignore"):
        return distance <= _threshold(radius)


def _lines(recurrent: np.ndarray, min_line: int) -> tuple[np.ndarray, np.ndarray]:
    """Per window: the recurrent cells on diagonal lines of at least ``min_line`` cells,
    and the number of such lines.

    ``S_l``, the number of diagonal runs of ``l`` recurrent cells in a row (overlapping),
    gives both: a line of ``L`` cells holds ``max(0, L - l + 1)`` of them, so the lines
    of at least ``l`` cells number ``S_l - S_(l+1)`` and hold ``S_l + (l - 1)(S_l -
    S_(l+1))`` cells.
    """
    run = recurrent
    for k in range(1, min_line):
        run = run[:, :-1, :-1] & recurrent[:, k:, k:]
    at_least = np.count_nonzero(run, axis=(1, 2))
    longer = np.count_nonzero(run[:, :-1, :-1] & recurrent[:, min_line:, min_line:], axis=(1, 2))
    lines = at_least - longer
    return at_least + (min_line - 1) * lines, lines


def recurrence_windows(
    pair: Pair,
    grid: WindowGrid,
    *,
    embedding: int,
    delay: int,
    radius: float,
    min_line: int = 2,
) -> dict[str, np.ndarray]:
    """RR, DET and L of every window's cross-recurrence plot (the shared computation).

    Parameters
    ----------
    pair : Pair
        The two series.
    grid : WindowGrid
        The windows.
    embedding : int
        Embedding dimension.
    delay : int
        Embedding delay in samples.
    radius : float
        Recurrence threshold (Euclidean distance of z-scored embedded states).
    min_line : int, default 2
        Shortest diagonal line counted.

    Returns
    -------
    dict of numpy.ndarray
        ``recurrence_rate``, ``determinism``, ``mean_line``, one value per window (NaN
        where the window does not count or the value is undefined).

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.compute._common import pair_from
    >>> pair = pair_from(concordlab.example_session())
    >>> grid = WindowGrid.from_seconds(pair, window=4, step=60)
    >>> out = recurrence_windows(pair, grid, embedding=3, delay=1, radius=0.5)
    >>> sorted(out), out["recurrence_rate"].shape
    (['determinism', 'mean_line', 'recurrence_rate'], (10,))
    """
    first, second, keep, whole = _states(pair, grid, embedding, delay)
    n_windows = first.shape[0]
    out = {name: np.full(n_windows, np.nan) for name in ("recurrence_rate", "determinism")}
    out["mean_line"] = np.full(n_windows, np.nan)
    cells = np.count_nonzero(whole, axis=1) ** 2
    todo = np.flatnonzero(keep & (cells > 0))
    chunk = max(1, _CHUNK_CELLS // (grid.window * grid.window))
    for begin in range(0, todo.size, chunk):
        rows = todo[begin : begin + chunk]
        recurrent = _recurrent(first[rows], second[rows], embedding, delay, radius)
        points = np.count_nonzero(recurrent, axis=(1, 2))
        on_lines, lines = _lines(recurrent, min_line)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["recurrence_rate"][rows] = points / cells[rows]
            out["determinism"][rows] = np.where(points > 0, on_lines / points, np.nan)
            out["mean_line"][rows] = np.where(lines > 0, on_lines / lines, np.nan)
    return out


def _profile_windows(
    pair: Pair, grid: WindowGrid, *, embedding: int, delay: int, radius: float
) -> np.ndarray:
    """The diagonal recurrence rate at every lag of ``grid.lags``: ``(windows, lags)``."""
    first, second, keep, whole = _states(pair, grid, embedding, delay)
    rows = np.flatnonzero(keep)
    first, second, whole = first[rows], second[rows], whole[rows]
    n_states = whole.shape[1]
    threshold = _threshold(radius)
    out = np.full((keep.size, grid.lags.size), np.nan)
    square = np.empty_like(first)
    for column, lag in enumerate(grid.lags):
        lag = int(lag)
        # The diagonal CR[i, i + lag]: first's state i against second's state i + lag,
        # from the squared differences of first's sample p and second's sample p + lag.
        size = grid.window - abs(lag)
        tmp = square[:, :size]
        np.subtract(first[:, max(0, -lag) :][:, :size], second[:, max(0, lag) :][:, :size], out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        distance = _embedded_sum(tmp, n_states - abs(lag), embedding, delay)
        a = slice(max(0, -lag), n_states - max(0, lag))
        b = slice(max(0, lag), n_states - max(0, -lag))
        with np.errstate(invalid="ignore", divide="ignore"):
            recurrent = np.count_nonzero(distance <= threshold, axis=1)
            cells = np.count_nonzero(whole[:, a] & whole[:, b], axis=1)
            out[rows, column] = np.where(cells > 0, recurrent / np.maximum(cells, 1), np.nan)
    return out


def _setup(
    pair: Pair,
    *,
    window: float,
    step: float,
    embedding: int,
    delay: float | None,
    min_valid: float,
) -> tuple[WindowGrid, int]:
    """The grid (windows placed as every unlagged measure's) and the delay in samples,
    with the checks that the window holds enough states."""
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    delay_n = 1 if delay is None else samples(delay, pair.rate, "delay")
    n_states = grid.window - (embedding - 1) * delay_n
    if n_states < 2:
        raise ValidationError(
            f"A window of {grid.window} samples holds {n_states} embedded state(s) with "
            f"embedding={embedding} and delay={delay_n / pair.rate:g} s; use a longer window "
            f"or a smaller embedding or delay (the window must exceed (embedding - 1) x delay "
            f"by at least 2 samples)."
        )
    if grid.window * grid.window > MAX_CELLS:
        raise ValidationError(
            f"A window of {grid.window} samples makes a cross-recurrence plot of about "
            f"{grid.window * grid.window:,} cells, more than the {MAX_CELLS:,} one computation "
            f"may hold; use a shorter window (at most {math.isqrt(MAX_CELLS) / pair.rate:g} s "
            f"at {pair.rate:g} Hz) or resample to a lower rate."
        )
    return grid, delay_n


def _used(grid: WindowGrid, pair: Pair, **params: Any) -> dict[str, Any]:
    """Every parameter as used: window and step rounded to samples, delay in seconds."""
    delay_n = params.pop("delay_n")
    used = {"window": grid.seconds["window"], "step": grid.seconds["step"], **params}
    used["delay"] = delay_n / pair.rate
    return used


def _scalar(name: str, long_name: str) -> Callable[..., xr.DataArray]:
    """The compute function of the measure ``name``, one of ``recurrence_windows``' keys."""

    def compute(
        pair: Pair,
        *,
        window: float,
        step: float,
        embedding: int,
        delay: float | None,
        radius: float,
        min_valid: float,
        min_line: int = 2,
    ) -> xr.DataArray:
        grid, delay_n = _setup(
            pair, window=window, step=step, embedding=embedding, delay=delay, min_valid=min_valid
        )
        values = recurrence_windows(
            pair, grid, embedding=embedding, delay=delay_n, radius=radius, min_line=min_line
        )
        measure = _BY_NAME[name]
        params = {
            "embedding": embedding,
            "delay_n": delay_n,
            "radius": radius,
            "min_line": min_line,
            "min_valid": min_valid,
        }
        used = _used(grid, pair, **params)
        used = {p.name: used[p.name] for p in measure.parameters}
        return build_result(
            values[name],
            grid,
            pair,
            measure=measure,
            params=used,
            long_name=long_name,
            name=name,
        )

    compute.__name__ = compute.__qualname__ = f"_{name}"
    compute.__doc__ = f"The windowed {long_name} (see the module's docstring)."
    return compute


def _recurrence_profile(
    pair: Pair,
    *,
    window: float,
    step: float,
    max_lag: float,
    lag_step: float | None,
    embedding: int,
    delay: float | None,
    radius: float,
    min_valid: float,
) -> xr.DataArray:
    """The diagonal recurrence profile of every window (positive lag: the second person
    follows the first)."""
    grid, delay_n = _setup(
        pair, window=window, step=step, embedding=embedding, delay=delay, min_valid=min_valid
    )
    n_states = grid.window - (embedding - 1) * delay_n
    max_lag_n = samples(max_lag, pair.rate, "max_lag", minimum=0)
    lag_step_n = 1 if lag_step is None else samples(lag_step, pair.rate, "lag_step")
    if max_lag_n > n_states - 1:
        raise ValidationError(
            f"max_lag={max_lag:g} s is longer than a window's embedded states allow "
            f"({(n_states - 1) / pair.rate:g} s: {n_states} states of window {window:g} s "
            f"with embedding={embedding}, delay={delay_n / pair.rate:g} s); use a smaller "
            f"max_lag or a longer window."
        )
    positive = np.arange(0, max_lag_n + 1, lag_step_n)
    check_cells(
        grid.starts.size,
        2 * positive.size - 1,
        "use a larger step or lag_step, or a smaller max_lag",
    )
    grid = replace(grid, lags=np.concatenate([-positive[:0:-1], positive]))
    values = _profile_windows(pair, grid, embedding=embedding, delay=delay_n, radius=radius)
    used = _used(
        grid,
        pair,
        embedding=embedding,
        delay_n=delay_n,
        radius=radius,
        min_valid=min_valid,
    )
    used = {**used, "max_lag": grid.seconds["max_lag"], "lag_step": grid.seconds["lag_step"]}
    used = {p.name: used[p.name] for p in RECURRENCE_PROFILE.parameters}
    return build_result(
        values,
        grid,
        pair,
        measure=RECURRENCE_PROFILE,
        params=used,
        long_name="diagonal cross-recurrence rate by lag",
        name="recurrence_profile",
    )


_SCALAR_PARAMETERS = (WINDOW, STEP, EMBEDDING, DELAY, RADIUS, MIN_VALID)

RECURRENCE_RATE = Measure(
    name="recurrence_rate",
    function=_scalar("recurrence_rate", "cross-recurrence rate"),
    parameters=_SCALAR_PARAMETERS,
    dims=("time",),
    summary="windowed cross-recurrence rate (CRQA's RR) of the embedded, z-scored signals",
    fast=False,
)
DETERMINISM = Measure(
    name="determinism",
    function=_scalar("determinism", "cross-recurrence determinism"),
    parameters=(*_SCALAR_PARAMETERS[:-1], MIN_LINE, MIN_VALID),
    dims=("time",),
    summary="windowed determinism (CRQA's DET): share of recurrences on diagonal lines",
    fast=False,
)
MEAN_LINE = Measure(
    name="mean_line",
    function=_scalar("mean_line", "mean diagonal line length of the cross-recurrence plot"),
    parameters=(*_SCALAR_PARAMETERS[:-1], MIN_LINE, MIN_VALID),
    dims=("time",),
    summary="windowed mean diagonal line length (CRQA's L), in samples",
    fast=False,
)
RECURRENCE_PROFILE = Measure(
    name="recurrence_profile",
    function=_recurrence_profile,
    parameters=(WINDOW, STEP, MAX_LAG, LAG_STEP, EMBEDDING, DELAY, RADIUS, MIN_VALID),
    dims=("time", "lag"),
    summary="windowed diagonal cross-recurrence profile by lag (time x lag)",
    fast=False,
)

_BY_NAME = {m.name: m for m in (RECURRENCE_RATE, DETERMINISM, MEAN_LINE, RECURRENCE_PROFILE)}

MEASURES = (RECURRENCE_RATE, DETERMINISM, MEAN_LINE, RECURRENCE_PROFILE)
"""The measures this module declares (the registry reads them)."""
