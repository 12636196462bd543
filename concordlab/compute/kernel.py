"""The one windowed kernel: sums and cross-products of two series over sliding windows.

Every concordance measure in concordlab is built on :func:`windowed_moments`. For each
window start ``s`` and each lag ``L`` (in samples) it sums over the pairs

    ``(x[u], y[u + L])`` for ``u`` in ``[s + max(0, -L), s + max(0, -L) + window)``

that is, for ``L >= 0`` the first series' window ``x[s : s + window]`` against the second
series shifted forward by ``L`` samples, and for ``L < 0`` the second series' window
``y[s : s + window]`` against the first shifted forward by ``|L|``. This is rMEA's
convention: **a positive lag means the second person follows the first**.

Pairs with a NaN on either side are left out and counted (``count``). Two exact
strategies compute the same sums; the cheaper one is chosen from the sizes:

- *per lag*: products for one lag at a time, window sums from cumulative sums that
  restart every chunk (at least one window long) around the chunk's mean; O(n) per
  lag. Used for few lags (e.g. concordance at lag 0 with heavily overlapping windows).
- *per window*: all lags at once by FFT cross-correlation of each window with its
  lagged span; O(window log window) per window, whatever the number of lags. Used for
  many lags (e.g. rMEA's 251 lags).

Where numba is installed, both strategies run compiled loops
(:mod:`concordlab.compute._compiled`, imported on first use, never at ``import
concordlab``): *per lag* slides each window's sums from the previous window's, and *per
window* sums the products of each block directly (the only work that grows with the
lags) and each lagged window's own sums and squares from chunk suffixes and prefixes
(no running sum subtracts a value, so a spike beside a window costs it no accuracy);
a clean regular grid is one compiled call, and Pearson's r comes from the sums in one
compiled pass. Without numba (e.g. on Pyodide), or with
:data:`use_numba` set to False (or the environment variable ``CONCORDLAB_NUMBA=0`` at
import), the same sums come from numpy; the two paths agree to rounding.

Both subtract a local reference from each series before summing (the mean of the
chunk or of the window), so a skin conductance of 1000 µS varying by 0.01 µS, or
drifting by far more than it varies within a window, gives the same correlations as
the centred signal. The sums are therefore sums of ``x - ref_x`` and
``y - ref_y``; the references are returned so raw means can be recovered.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft

__all__ = [
    "WindowedMoments",
    "compiled_available",
    "use_numba",
    "window_starts",
    "windowed_moments",
]

use_numba: bool = os.environ.get("CONCORDLAB_NUMBA", "1").strip().lower() not in {
    "0",
    "false",
    "no",
}
"""Whether the kernel may use its compiled (numba) loops when numba is installed.

Set it to False (or ``CONCORDLAB_NUMBA=0`` in the environment before import) to force the
pure-numpy path, e.g. to test it; results agree with the compiled path to rounding.
"""

_COMPILED: Any = None  # the compiled module once loaded; False when numba is missing


def _compiled() -> Any:
    """The compiled loops (:mod:`concordlab.compute._compiled`), or None.

    None when :data:`use_numba` is False or numba cannot be imported. numba is imported
    here, on the first windowed computation, never at ``import concordlab``.
    """
    global _COMPILED
    if not use_numba:
        return None
    if _COMPILED is None:
        from concordlab.compute import _compiled as module

        _COMPILED = module if module.AVAILABLE else False
    return _COMPILED or None


def compiled_available() -> bool:
    """Whether windowed computations run compiled (numba installed and not switched off).

    Examples
    --------
    >>> isinstance(compiled_available(), bool)
    True
    """
    return _compiled() is not None


# A window whose variance is below this fraction of the series' mean square is constant
# up to rounding: its correlation is undefined (NaN), not noise.
_CONSTANT = 1e-12
_UNDERFLOW = 1e-280


@dataclass(frozen=True)
class WindowedMoments:
    """Sums over the valid pairs of each (window, lag) cell; arrays of shape (windows, lags).

    ``sum_x`` etc. are sums of ``x - ref_x`` and ``y - ref_y``, with references per window
    (and lag) broadcastable to the sums. ``scale_x``/``scale_y`` are mean squares of the
    series about their references, used to tell a constant window from a varying one,
    also broadcastable to the sums (e.g. one per lag, shape ``(1, lags)``).
    """

    count: np.ndarray
    sum_x: np.ndarray
    sum_y: np.ndarray
    sum_xx: np.ndarray
    sum_yy: np.ndarray
    sum_xy: np.ndarray
    ref_x: np.ndarray
    ref_y: np.ndarray
    scale_x: np.ndarray
    scale_y: np.ndarray

    def covariance_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n²·cov``, ``n²·var_x``, ``n²·var_y`` per cell (NaN where no pair is valid).

        Examples
        --------
        >>> m = windowed_moments(np.arange(4.0), np.arange(4.0) * 2, 4, 1, [0])
        >>> [float(t[0, 0]) for t in m.covariance_terms()]
        [40.0, 20.0, 80.0]
        """
        with np.errstate(invalid="ignore"):
            n = np.where(self.count > 0, self.count, np.nan)
            cov = n * self.sum_xy - self.sum_x * self.sum_y
            var_x = n * self.sum_xx - self.sum_x**2
            var_y = n * self.sum_yy - self.sum_y**2
        return cov, var_x, var_y

    def pearson(self, min_count: float = 2) -> np.ndarray:
        """Pearson correlation per cell; NaN where fewer than ``min_count`` valid pairs
        or either side is constant.

        Examples
        --------
        >>> x = np.array([1.0, 2, 3, 4, 5, 6])
        >>> windowed_moments(x, -x, window=3, step=3, lags=[0]).pearson().ravel().tolist()
        [-1.0, -1.0]
        """
        compiled = _compiled()
        if compiled is not None and self.count.ndim == 2:
            shape = self.count.shape
            scale_x, scale_y = self.scale_x, self.scale_y
            if not (_broadcasts(scale_x, shape) and _broadcasts(scale_y, shape)):
                scale_x, scale_y = np.broadcast_to(scale_x, shape), np.broadcast_to(scale_y, shape)
            sums = (self.count, self.sum_x, self.sum_y, self.sum_xx, self.sum_yy, self.sum_xy)
            # The compiled loop vectorises along its inner axis: one lag (e.g. lag 0 alone)
            # is run as one row of windows, not as many rows of one cell.
            along = shape[1] == 1 and shape[0] > 1
            if along:
                sums = tuple(part.T for part in sums)
                scale_x, scale_y = scale_x.T, scale_y.T
            r = compiled.pearson(*sums, scale_x, scale_y, float(min_count), _CONSTANT, _UNDERFLOW)
            return r.T if along else r
        cov, var_x, var_y = self.covariance_terms()
        # In place where possible: a few result-sized arrays, not a dozen.
        threshold = np.maximum(self.count, 1)
        threshold **= 2
        threshold *= _CONSTANT
        invalid = var_x <= threshold * self.scale_x
        invalid |= var_y <= np.multiply(threshold, self.scale_y, out=threshold)
        invalid |= self.count < max(min_count, 2)
        # Variances below ~1e-280 (values ~1e-140 and smaller) are lost to underflow:
        # their squares are subnormal or zero, so such a window counts as constant.
        floor = np.maximum(self.count, 1)
        floor **= 2
        floor *= _UNDERFLOW
        invalid |= var_x < floor
        invalid |= var_y < floor
        with np.errstate(invalid="ignore", divide="ignore"):
            var_x *= var_y
            np.sqrt(var_x, out=var_x)
            r = np.divide(cov, var_x, out=cov)
        np.clip(r, -1.0, 1.0, out=r)
        invalid |= ~np.isfinite(r)
        r[invalid] = np.nan
        return r


def _broadcasts(scale: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether ``scale`` is 2-D and each of its axes is ``shape``'s or 1 long (the
    compiled Pearson broadcasts such scales itself)."""
    return scale.ndim == 2 and all(a in (1, b) for a, b in zip(scale.shape, shape, strict=True))


def window_starts(n_samples: int, window: int, step: int, max_lag: int = 0) -> np.ndarray:
    """Start samples of the windows that fit a series, rMEA's rule.

    Window ``i`` starts at ``i * step`` and needs ``window + max_lag`` samples, so there
    are ``ceil((n_samples - window - max_lag + 1) / step)`` windows (none if the series is
    too short).

    Examples
    --------
    >>> window_starts(15000, 750, 250, 125).size   # rMEA: 30 s windows, 10 s step, 5 s lag, 25 Hz
    57
    >>> window_starts(10, 4, 3).tolist()
    [0, 3, 6]
    """
    count = math.ceil((n_samples - window - max_lag + 1) / step)
    return np.arange(max(count, 0), dtype=np.int64) * step


def windowed_moments(
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    step: int,
    lags: np.ndarray | list[int],
    starts: np.ndarray | None = None,
    strategy: str = "auto",
) -> WindowedMoments:
    """Windowed sums of two series for every window and lag (see the module docstring).

    Parameters
    ----------
    x, y : numpy.ndarray
        Equally long 1-D series (first and second person); NaN marks missing samples.
    window : int
        Samples per window (at lag 0).
    step : int
        Samples between window starts.
    lags : sequence of int
        Lags in samples; positive = ``y`` follows ``x``.
    starts : numpy.ndarray, optional
        Window start samples; default :func:`window_starts` with the largest lag. Pairs
        beyond either end of the series count as missing.
    strategy : {"auto", "per_lag", "per_window"}
        Force one of the two exact strategies (for testing); "auto" picks the cheaper.

    Returns
    -------
    WindowedMoments

    Examples
    --------
    >>> x = np.array([3.0, 1, 4, 1, 5, 9, 2, 6])
    >>> y = np.roll(x, 1)                # y follows x by one sample
    >>> m = windowed_moments(x, y, window=4, step=4, lags=[-1, 0, 1])
    >>> m.count.tolist(), round(float(m.pearson()[0, 2]), 12)
    ([[4.0, 4.0, 4.0]], 1.0)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D and equally long, got {x.shape} and {y.shape}.")
    lags = np.asarray(lags, dtype=np.int64)
    max_lag = int(np.abs(lags).max()) if lags.size else 0
    if starts is None:
        starts = window_starts(x.size, window, step, max_lag)
    starts = np.asarray(starts, dtype=np.int64)
    compiled = _compiled()
    shape_of_grid = None  # (regular, lag_stride) once the compiled path has asked
    if strategy == "auto":
        n_fft = fft.next_fast_len(window + max_lag, real=True)
        per_window_cost = starts.size * n_fft * max(math.log2(n_fft), 1) * 24
        if compiled is not None:
            # Compiled: sliding sums cost ~10 units per pair and lag; blocks sum products
            # directly, half a unit a product (vectorised), plus adding up the blocks.
            per_lag_cost = lags.size * x.size * 10
            block = math.gcd(window, step)
            shape_of_grid = compiled.grid_shape(starts, step, block, lags)
            regular, lag_stride = shape_of_grid
            if regular and block >= 8:
                shifts = max_lag // lag_stride + 1
                direct = x.size * shifts + starts.size * (window // block) * lags.size * 10
                per_window_cost = min(per_window_cost, direct)
        else:
            per_lag_cost = lags.size * x.size * 12
            block = math.gcd(window, step)
            if (
                _regular(starts, step, block)
                and block >= 8
                and window // block <= 32
                and _direct_is_cheaper(block, max_lag, _lag_stride(lags))
            ):
                # Blocks about their own means are the more accurate sums (a window's
                # sums from chunks drift with the signal), and here about as fast.
                per_window_cost = 0
        strategy = "per_lag" if per_lag_cost <= per_window_cost else "per_window"
    if strategy == "per_lag":
        if compiled is not None:
            return _per_lag_compiled(compiled, x, y, window, lags, starts)
        return _per_lag(x, y, window, lags, starts)
    if strategy == "per_window":
        if compiled is not None:
            clean = _clean_blocks_compiled(
                compiled, x, y, window, step, lags, starts, max_lag, shape_of_grid
            )
            if clean is not None:
                return clean
        return _per_window(x, y, window, step, lags, starts, max_lag)
    raise ValueError(f"Unknown strategy {strategy!r}.")


def _clean_blocks_compiled(
    compiled: Any,
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    step: int,
    lags: np.ndarray,
    starts: np.ndarray,
    max_lag: int,
    shape_of_grid: tuple[bool, int] | None = None,
) -> WindowedMoments | None:
    """:func:`_per_window`'s usual case in one compiled call, without its bookkeeping.

    When the windows are a regular grid of blocks inside the series, their blocks are
    cheaper summed directly, and nothing they read is missing, the sums are those of
    :func:`_per_block`'s compiled loop (the same call :func:`_per_window` would make);
    otherwise None, and :func:`_per_window` sorts the windows out. ``shape_of_grid``:
    ``compiled.grid_shape``'s answer for these starts and lags, if already asked.
    """
    block = math.gcd(window, step)
    if block < 8 or starts.size == 0:
        return None
    if shape_of_grid is None:
        shape_of_grid = compiled.grid_shape(starts, step, block, lags)
    regular, lag_stride = shape_of_grid
    first, stop = int(starts[0]), int(starts[-1]) + window + max_lag
    if not regular or first < 0 or stop > x.size:
        return None
    if not _direct_is_cheaper(block, max_lag, lag_stride):
        return None
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    if compiled.any_missing(x, y, first, stop):
        return None
    stride = (int(starts[1]) - first) // block if starts.size > 1 else 1
    sums, sx, sy = compiled.block_moments(
        x, y, window, block, first // block, stride, starts.size, lags, max_lag, lag_stride
    )
    # one scale per lag: broadcast along the windows
    return _stacked_moments(sums, sx[None, :], sy[None, :])


def _stacked_moments(sums: np.ndarray, scale_x: np.ndarray, scale_y: np.ndarray) -> WindowedMoments:
    """The compiled loops' sums, stacked count, x, y, xx, yy, xy, rx, ry, with their scales."""
    count, sum_x, sum_y, sum_xx, sum_yy, sum_xy, ref_x, ref_y = sums
    return WindowedMoments(
        count=count,
        sum_x=sum_x,
        sum_y=sum_y,
        sum_xx=sum_xx,
        sum_yy=sum_yy,
        sum_xy=sum_xy,
        ref_x=ref_x,
        ref_y=ref_y,
        scale_x=scale_x,
        scale_y=scale_y,
    )


def _as_moments(sums: dict[str, np.ndarray]) -> WindowedMoments:
    """The strategies' sums, keyed count, x, y, xx, yy, xy, rx, ry, sx, sy."""
    return WindowedMoments(
        count=sums["count"],
        sum_x=sums["x"],
        sum_y=sums["y"],
        sum_xx=sums["xx"],
        sum_yy=sums["yy"],
        sum_xy=sums["xy"],
        ref_x=sums["rx"],
        ref_y=sums["ry"],
        scale_x=sums["sx"],
        scale_y=sums["sy"],
    )


def _regular(starts: np.ndarray, step: int, block: int) -> bool:
    """Whether ``starts`` is a grid of ``step`` from a multiple of ``block``."""
    return bool(starts.size > 0 and starts[0] % block == 0 and np.all(np.diff(starts) == step))


def _per_lag_compiled(
    compiled: Any, x: np.ndarray, y: np.ndarray, window: int, lags: np.ndarray, starts: np.ndarray
) -> WindowedMoments:
    """:func:`_per_lag`'s sums by the compiled sliding loop (same references' role)."""
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    sums = compiled.sliding_sums(x, y, window, lags, starts)
    # one scale for each series: broadcast
    return _stacked_moments(
        sums, np.full((1, 1), compiled.scale(x)), np.full((1, 1), compiled.scale(y))
    )


def _fill_empty(ref: np.ndarray, present: np.ndarray) -> np.ndarray:
    """References of chunks without pairs taken from the nearest earlier chunk with pairs
    (the first such chunk for leading ones): a window reaching from an empty chunk into
    a full one is then summed about a value of the series, not about 0."""
    if present.all() or not present.any():
        return np.nan_to_num(ref)
    index = np.where(present, np.arange(ref.size), 0)
    index = np.maximum.accumulate(index)
    index[: np.argmax(present)] = np.argmax(present)
    return ref[index]


def _chunk_prefix(values: np.ndarray, chunk: int, n_chunks: int) -> np.ndarray:
    """Per-chunk running sums: ``out[c, j]`` = sum of the first ``j`` values of chunk ``c``."""
    padded = np.zeros(n_chunks * chunk)
    padded[: values.size] = values
    out = np.zeros((n_chunks, chunk + 1))
    np.cumsum(padded.reshape(n_chunks, chunk), axis=1, out=out[:, 1:])
    return out


def _per_lag(
    x: np.ndarray, y: np.ndarray, window: int, lags: np.ndarray, starts: np.ndarray
) -> WindowedMoments:
    """Cumulative sums restarted every ``chunk`` samples around each chunk's mean.

    A window spans at most two chunks (chunk >= window); its sums about the first
    chunk's reference are the two partial sums, the second shifted to the first
    reference. Running sums stay short and near zero, so rounding stays at the level of
    the window's own variation, however large the offset or the drift.
    """
    n = x.size
    chunk = max(window, 64)
    shape = (starts.size, lags.size)
    out = {name: np.full(shape, np.nan) for name in ("n", "x", "y", "xx", "yy", "xy", "rx", "ry")}
    scale_x = np.full(shape, np.nanmean((x - np.nanmean(x)) ** 2) if np.isfinite(x).any() else 0.0)
    scale_y = np.full(shape, np.nanmean((y - np.nanmean(y)) ** 2) if np.isfinite(y).any() else 0.0)
    for column, lag in enumerate(lags):
        # Pair t holds x[t + max(0, -lag)] and y[t + max(0, lag)].
        length = n - abs(lag)
        if length <= 0:
            continue
        a = x[max(0, -lag) :][:length]
        b = y[max(0, lag) :][:length]
        both = ~(np.isnan(a) | np.isnan(b))
        n_chunks = -(-length // chunk)
        weight = np.zeros(n_chunks * chunk)
        weight[:length] = both
        count = weight.reshape(n_chunks, chunk).sum(axis=1)
        references = []
        centred = []
        for series in (a, b):
            filled = np.zeros(n_chunks * chunk)
            filled[:length] = np.where(both, series, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                ref = filled.reshape(n_chunks, chunk).sum(axis=1) / count
            ref = _fill_empty(ref, count > 0)
            references.append(ref)
            centred.append(np.where(both, series - np.repeat(ref, chunk)[:length], 0.0))
        ca, cb = centred
        prefixes = [
            _chunk_prefix(v, chunk, n_chunks)
            for v in (both.astype(np.float64), ca, cb, ca * ca, cb * cb, ca * cb)
        ]
        # Windows reaching past the pairs (possible only with explicit starts) are cut short.
        s = np.clip(starts, 0, length)
        e = np.clip(starts + window, 0, length)
        first = np.minimum(s // chunk, n_chunks - 1)
        second = np.minimum(first + 1, n_chunks - 1)
        offset = s - first * chunk
        end_first = np.minimum(e - first * chunk, chunk)
        in_second = np.maximum(e - (first + 1) * chunk, 0)
        part1 = [p[first, end_first] - p[first, offset] for p in prefixes]
        part2 = [p[second, in_second] for p in prefixes]
        n2 = part2[0]
        da = references[0][second] - references[0][first]
        db = references[1][second] - references[1][first]
        sums = {
            "n": part1[0] + n2,
            "x": part1[1] + part2[1] + n2 * da,
            "y": part1[2] + part2[2] + n2 * db,
            "xx": part1[3] + part2[3] + 2 * da * part2[1] + n2 * da * da,
            "yy": part1[4] + part2[4] + 2 * db * part2[2] + n2 * db * db,
            "xy": part1[5] + part2[5] + db * part2[1] + da * part2[2] + n2 * da * db,
            "rx": references[0][first],
            "ry": references[1][first],
        }
        for name, values in sums.items():
            out[name][:, column] = values
    out["count"] = np.rint(np.nan_to_num(out.pop("n")))
    out["sx"], out["sy"] = scale_x, scale_y
    return _as_moments(out)


def _spans(series: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """``series[s : s + length]`` for each start as rows; NaN beyond the series."""
    padded = np.concatenate([series, np.full(length, np.nan)])
    index = np.clip(starts, 0, series.size)[:, None] + np.arange(length)
    rows = padded[index]
    rows[starts < 0] = np.nan
    return rows


def _per_window(
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    step: int,
    lags: np.ndarray,
    starts: np.ndarray,
    max_lag: int,
) -> WindowedMoments:
    span = window + max_lag
    inside = (starts >= 0) & (starts + span <= x.size)
    # A sum is NaN when a value is: no NaN anywhere (the usual case) costs two sums.
    clean = not (math.isnan(float(np.sum(x))) or math.isnan(float(np.sum(y))))
    compiled = _compiled()
    if clean:
        complete = inside
    elif compiled is not None and bool(np.all(np.diff(starts) >= 0)):
        # a sliding count of missing pairs: no series-length temporaries
        complete = inside & compiled.complete_windows(
            np.ascontiguousarray(x), np.ascontiguousarray(y), starts, span
        )
    else:
        missing = np.concatenate([[0], np.cumsum(np.isnan(x) | np.isnan(y))])
        first, last = np.clip(starts, 0, x.size), np.clip(starts + span, 0, x.size)
        complete = inside & (missing[last] - missing[first] == 0)
    block = math.gcd(window, step)
    regular = _regular(starts, step, block)
    shape = (starts.size, lags.size)
    out = {name: np.empty(shape) for name in ("count", "x", "y", "xx", "yy", "xy", "rx", "ry")}
    out["sx"], out["sy"] = np.empty(shape), np.empty(shape)
    by_window = np.ones(starts.size, dtype=bool)
    if regular and block >= 8 and inside.all() and complete.any():
        # Blocks need every window of the regular grid; gappy ones are redone below.
        # NaN count as 0 in the blocks (the compiled loop reads them so; numpy fills a
        # copy); every window they reach is gappy and redone below.
        filled = clean or (compiled is not None and _direct_is_cheaper(block, max_lag, 1))
        filled_x, filled_y = (x, y) if filled else (np.nan_to_num(x), np.nan_to_num(y))
        out.update(_per_block(filled_x, filled_y, window, block, lags, starts, max_lag))
        by_window = ~complete
    if by_window.any():
        for name, values in _window_by_window(
            x, y, window, lags, starts[by_window], max_lag
        ).items():
            out[name][by_window] = values
    return _as_moments(out)


def _per_block(
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    block: int,
    lags: np.ndarray,
    starts: np.ndarray,
    max_lag: int,
) -> dict[str, np.ndarray]:
    """Complete, regularly spaced windows from blocks of ``block`` samples (block divides
    both the window and the step): each block is correlated with its lagged span by FFT
    around the block's own means; a window adds up its blocks, shifted to the means of its
    first block. FFTs of block + max_lag samples instead of window + max_lag.
    """
    per_window = window // block
    first_block = starts // block
    n_blocks = int(first_block[-1]) + per_window
    stride = (starts[1] - starts[0]) // block if starts.size > 1 else 1
    compiled = _compiled()
    lag_stride = _lag_stride(lags)
    if compiled is not None and _direct_is_cheaper(block, max_lag, lag_stride):
        sums, sx, sy = compiled.block_moments(
            np.ascontiguousarray(x),
            np.ascontiguousarray(y),
            window,
            block,
            int(first_block[0]),
            int(stride),
            starts.size,
            lags,
            max_lag,
            lag_stride,
        )
        names = ("count", "x", "y", "xx", "yy", "xy", "rx", "ry")
        return {
            **dict(zip(names, sums, strict=True)),
            "sx": np.repeat(sx[None, :], starts.size, axis=0),
            "sy": np.repeat(sy[None, :], starts.size, axis=0),
        }
    # Direction 0: x fixed, y moves (lags >= 0); direction 1: y fixed, x moves (lags < 0).
    forward, backward = _block_sums(
        np.stack([x, y]), np.stack([y, x]), block, n_blocks, max_lag, lag_stride
    )
    columns = np.abs(lags) // lag_stride
    shifts = max_lag // lag_stride + 1
    positive = lags >= 0

    n_windows = starts.size

    def blocks_at(values: np.ndarray, offset: int) -> np.ndarray:
        # the block at `offset` within each window: a strided view, no copy
        begin = int(first_block[0]) + offset
        return values[begin : begin + stride * (n_windows - 1) + 1 : stride]

    def window_sums(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        r0, q0 = blocks_at(parts["r"], 0), blocks_at(parts["q"], 0)
        f = ff = m = mm = fm = 0.0
        for offset in range(per_window):
            alpha = (blocks_at(parts["r"], offset) - r0)[:, None]
            beta = (blocks_at(parts["q"], offset) - q0)[:, None]
            a = blocks_at(parts["f"], offset)[:, None]
            e = blocks_at(parts["m"], offset)
            f = f + (a + block * alpha)
            ff = ff + (blocks_at(parts["ff"], offset)[:, None] + 2 * alpha * a + block * alpha**2)
            m = m + e + block * beta
            mm = mm + blocks_at(parts["mm"], offset) + 2 * beta * e + block * beta**2
            fm = fm + blocks_at(parts["fm"], offset) + alpha * e + (beta * a + block * alpha * beta)
        return {
            "f": f,
            "ff": ff,
            "m": m,
            "mm": mm,
            "fm": fm,
            "r": r0[:, None],
            "q": q0[:, None],
            "sf": np.full((n_windows, 1), parts["scale_f"]),
            "sm": np.full((n_windows, 1), parts["scale_m"]),
        }

    fw, bw = window_sums(forward), window_sums(backward)

    backward_columns = np.flatnonzero(~positive)
    forward_columns = np.flatnonzero(positive)

    def pick(forward_name: str, backward_name: str) -> np.ndarray:
        f, b = fw[forward_name], bw[backward_name]
        if f.shape[1] == 1 and b.shape[1] == 1:  # per window, the same for every lag
            return np.where(positive, f, b)
        out = np.empty((starts.size, lags.size))
        out[:, forward_columns] = np.broadcast_to(f, (starts.size, shifts))[
            :, columns[forward_columns]
        ]
        out[:, backward_columns] = np.broadcast_to(b, (starts.size, shifts))[
            :, columns[backward_columns]
        ]
        return out

    return {
        "count": np.full((starts.size, lags.size), float(window)),
        "x": pick("f", "m"),
        "y": pick("m", "f"),
        "xx": pick("ff", "mm"),
        "yy": pick("mm", "ff"),
        "xy": pick("fm", "fm"),
        "rx": pick("r", "q"),
        "ry": pick("q", "r"),
        "sx": pick("sf", "sm"),
        "sy": pick("sm", "sf"),
    }


def _lag_stride(lags: np.ndarray) -> int:
    """The largest stride all lags are multiples of (1 without lags; lag_step in samples)."""
    stride = int(np.gcd.reduce(np.abs(lags))) if lags.size else 0
    return max(stride, 1)


@functools.lru_cache(maxsize=256)
def _direct_is_cheaper(block: int, max_lag: int, stride: int = 1) -> bool:
    """Whether direct products beat FFTs for blocks of ``block`` and the shifts
    0, stride, ..., max_lag.

    Direct products cost ``block`` per shift; an FFT ~n log n with a larger constant:
    direct wins up to a few hundred shifts (e.g. rMEA's 126 shifts of 250-sample blocks).
    """
    n_fft = fft.next_fast_len(block + max_lag, real=True)
    return block * (max_lag // stride + 1) <= 40 * n_fft * max(math.log2(n_fft), 1)


def _block_sums(
    fixed: np.ndarray,
    moving: np.ndarray,
    block: int,
    n_blocks: int,
    max_lag: int,
    stride: int = 1,
) -> list[dict[str, Any]]:
    """Per direction d and block j: sums of ``fixed[d]`` over the block and, for shifts
    k = 0..max_lag, of ``moving[d]`` over the block shifted by k and of their products;
    each series about its own mean over the block (``r``) or the block's lagged span
    (``q``). Both directions go through each FFT together."""
    span = block + max_lag
    f = fixed[:, : n_blocks * block].reshape(2, n_blocks, block)
    m = sliding_window_view(moving, span, axis=1)[:, ::block][:, :n_blocks]
    r = f.mean(axis=2)
    q = m.mean(axis=2)
    f = f - r[..., None]
    m = m - q[..., None]
    n_fft = fft.next_fast_len(span, real=True)
    if _direct_is_cheaper(block, max_lag, stride):
        # Direct products, as the compiled loop sums them (and as accurate: each cell's
        # error is that of its own terms, not a share of the whole block's).
        lagged = sliding_window_view(m, block, axis=2)[:, :, ::stride]
        cross = np.einsum("djt,djkt->djk", f, lagged)
        moving2 = np.einsum("djkt,djkt->djk", lagged, lagged)
    else:
        m_spectrum = fft.rfft(m, n=n_fft, axis=2)
        spectra = np.stack(
            [
                _box_spectrum(block, n_fft) * fft.rfft(m * m, n=n_fft, axis=2),
                np.conj(fft.rfft(f, n=n_fft, axis=2)) * m_spectrum,
            ]
        )
        moving2, cross = fft.irfft(spectra, n=n_fft, axis=3)[..., : max_lag + 1 : stride]
    # First moments of the moving span: short running sums of small, centred values.
    running = np.zeros((2, n_blocks, span + 1))
    np.cumsum(m, axis=2, out=running[..., 1:])
    moving1 = (running[..., block:] - running[..., : max_lag + 1])[..., ::stride]
    return [
        {
            "r": r[d],
            "q": q[d],
            "f": f[d].sum(axis=1),
            "ff": (f[d] * f[d]).sum(axis=1),
            "m": moving1[d],
            "mm": moving2[d],
            "fm": cross[d],
            "scale_f": float(np.mean(f[d] * f[d])),
            "scale_m": float(np.mean(m[d] * m[d])),
        }
        for d in range(2)
    ]


@functools.lru_cache(maxsize=32)
def _box_spectrum(width: int, n_fft: int) -> np.ndarray:
    """Conjugate spectrum of ``width`` ones: correlating with it sums ``width`` samples."""
    spectrum = np.conj(fft.rfft(np.ones(width), n=n_fft))
    spectrum.setflags(write=False)
    return spectrum


def _window_by_window(
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    lags: np.ndarray,
    starts: np.ndarray,
    max_lag: int,
) -> dict[str, np.ndarray]:
    """All lags of each window by FFT over the window's own span, centred on its mean."""
    span = window + max_lag
    rows_x, rows_y = _spans(x, starts, span), _spans(y, starts, span)
    valid_x, valid_y = ~np.isnan(rows_x), ~np.isnan(rows_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref_x = np.nansum(rows_x, axis=1, keepdims=True) / valid_x.sum(axis=1, keepdims=True)
        ref_y = np.nansum(rows_y, axis=1, keepdims=True) / valid_y.sum(axis=1, keepdims=True)
    ref_x, ref_y = np.nan_to_num(ref_x), np.nan_to_num(ref_y)
    xc = np.where(valid_x, rows_x - ref_x, 0.0)
    yc = np.where(valid_y, rows_y - ref_y, 0.0)
    mx, my = valid_x.astype(np.float64), valid_y.astype(np.float64)
    # Non-negative lags: x's window is fixed and y's span moves; negative lags: the reverse.
    forward = _lagged_sums(mx, xc, my, yc, window, max_lag)
    backward = _lagged_sums(my, yc, mx, xc, window, max_lag)
    forward = {
        "count": forward["count"],
        "x": forward["fixed"],
        "xx": forward["fixed2"],
        "y": forward["moving"],
        "yy": forward["moving2"],
        "xy": forward["cross"],
    }
    backward = {
        "count": backward["count"],
        "y": backward["fixed"],
        "yy": backward["fixed2"],
        "x": backward["moving"],
        "xx": backward["moving2"],
        "xy": backward["cross"],
    }
    positive = lags >= 0
    columns = np.abs(lags)

    def pick(name: str) -> np.ndarray:
        return np.where(positive, forward[name][:, columns], backward[name][:, columns])

    scale_x = np.sum(xc * xc, axis=1, keepdims=True) / np.maximum(mx.sum(axis=1, keepdims=True), 1)
    scale_y = np.sum(yc * yc, axis=1, keepdims=True) / np.maximum(my.sum(axis=1, keepdims=True), 1)
    return {
        "count": np.rint(pick("count")),
        "x": pick("x"),
        "y": pick("y"),
        "xx": pick("xx"),
        "yy": pick("yy"),
        "xy": pick("xy"),
        "rx": ref_x,
        "ry": ref_y,
        "sx": scale_x,
        "sy": scale_y,
    }


def _lagged_sums(
    fixed_valid: np.ndarray,
    fixed: np.ndarray,
    moving_valid: np.ndarray,
    moving: np.ndarray,
    window: int,
    max_lag: int,
) -> dict[str, np.ndarray]:
    """Sums over ``t < window`` of ``fixed[t]`` against ``moving[t + k]``, k = 0..max_lag.

    Rows are windows; NaN samples are 0 in the values and 0 in the validity masks. Rows
    with nothing missing need three correlations (the moving sums against one shared box
    spectrum, and the cross term); rows with gaps need six, all masked.
    """
    rows, span = moving.shape
    shifts = max_lag + 1
    # Only shifts 0..max_lag are read and t + k < span for them: no circular wrap-around.
    n_fft = fft.next_fast_len(span, real=True)

    def correlate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        spectrum = np.conj(fft.rfft(a, n=n_fft, axis=1)) * fft.rfft(b, n=n_fft, axis=1)
        return fft.irfft(spectrum, n=n_fft, axis=1)[:, :shifts]

    out = {
        name: np.empty((rows, shifts))
        for name in ("count", "fixed", "fixed2", "moving", "moving2", "cross")
    }
    complete = fixed_valid[:, :window].all(axis=1) & moving_valid.all(axis=1)
    if complete.any():
        f, m = fixed[complete, :window], moving[complete]
        # Window sums of the moving span as a correlation with a box (one spectrum for all
        # rows): as accurate as the cross term, unlike long running sums of squares.
        box = np.conj(fft.rfft(np.ones(window), n=n_fft))
        m_spectrum = fft.rfft(m, n=n_fft, axis=1)
        out["count"][complete] = window
        out["fixed"][complete] = f.sum(axis=1, keepdims=True)
        out["fixed2"][complete] = (f * f).sum(axis=1, keepdims=True)
        out["moving"][complete] = fft.irfft(box * m_spectrum, n=n_fft, axis=1)[:, :shifts]
        out["moving2"][complete] = fft.irfft(
            box * fft.rfft(m * m, n=n_fft, axis=1), n=n_fft, axis=1
        )[:, :shifts]
        cross = np.conj(fft.rfft(f, n=n_fft, axis=1)) * m_spectrum
        out["cross"][complete] = fft.irfft(cross, n=n_fft, axis=1)[:, :shifts]
    gappy = ~complete
    if gappy.any():
        fv, f = fixed_valid[gappy, :window], fixed[gappy, :window]
        mv, m = moving_valid[gappy], moving[gappy]
        out["count"][gappy] = correlate(fv, mv)
        out["fixed"][gappy] = correlate(f, mv)
        out["fixed2"][gappy] = correlate(f * f, mv)
        out["moving"][gappy] = correlate(fv, m)
        out["moving2"][gappy] = correlate(fv, m * m)
        out["cross"][gappy] = correlate(f, m)
    return out
