"""Drifting device clocks: fit each device's clock from its time stamps, resample on a grid.

Body-worn sensors stamp their samples with a clock that runs a little fast or slow (a
"200 Hz" sensor really samples at 198.95 Hz), the stamps jitter, and the device drops out
now and then. :func:`regularize` fits the device's clock (sample index to time,
piecewise-linear between dropouts, as LSL/pyxdf's jitter removal does), then resamples the
samples onto a regular grid ``grid_origin + k / sampling_rate`` by linear interpolation, NaN
inside dropouts. Two devices stamped on one absolute clock and regularized with the same
``sampling_rate`` and ``grid_origin`` land on the same grid points and pair exactly.

Pure numpy: it runs wherever concordlab runs (the browser included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from concordlab._checks import SAMPLING_RATE
from concordlab.errors import FileFormatError, ValidationError
from concordlab.io._common import check_stamps, describe_time, typical_step

__all__ = ["MAX_GAP_PERIODS", "Regularized", "regularize"]

MAX_GAP_PERIODS = 1.5
"""The default ``max_gap`` of :func:`regularize`, in sample periods of the device: a step
longer than one and a half periods means at least one sample is missing (a dropout)."""

# A grid longer than this many times the samples (times the upsampling, at most
# _MAX_UPSAMPLING), plus the slack, is refused as an outlier stamp rather than filled with NaN.
_MAX_GRID_GROWTH = 10
_MAX_UPSAMPLING = 100
_GRID_SLACK = 1000
# More dropouts than this share of the steps means the stamps jitter, not the device.
_MAX_DROPOUT_SHARE = 0.1


@dataclass(frozen=True)
class Regularized:
    """Samples of one device resampled on a regular grid (what :func:`regularize` returns).

    Attributes
    ----------
    values : numpy.ndarray, shape (..., n)
        The samples on the grid; NaN inside dropouts (and next to a missing input value).
    offset : float
        Time of grid sample 0, in the stamps' time base (seconds).
    sampling_rate : float
        The grid's rate (Hz).
    clock_rate : float
        The device's effective rate fitted from the stamps (Hz), e.g. 198.95 for a
        nominal 200 Hz device whose clock runs slow.
    dropouts : tuple of (float, float)
        ``(start, end)`` of each dropout in the stamps' time base: the fitted times of the
        last sample before it and the first sample after it. Grid points strictly between
        are NaN.

    Examples
    --------
    >>> r = regularize([0.0, 0.5, 1.0, 1.5], [1.0, 2.0, 3.0, 4.0], 2.0)
    >>> r.values.tolist(), r.offset, r.clock_rate, r.dropouts
    ([1.0, 2.0, 3.0, 4.0], 0.0, 2.0, ())
    """

    values: np.ndarray
    offset: float
    sampling_rate: float
    clock_rate: float
    dropouts: tuple[tuple[float, float], ...]

    @property
    def n_samples(self) -> int:
        """The number of grid samples."""
        return int(self.values.shape[-1])

    @property
    def times(self) -> np.ndarray:
        """The grid's times, in the stamps' time base (seconds)."""
        return self.offset + np.arange(self.n_samples) / self.sampling_rate


def regularize(
    times: Any,
    values: Any,
    sampling_rate: float,
    *,
    grid_origin: float = 0.0,
    max_gap: float | None = None,
    where: str = "",
) -> Regularized:
    """Fit a device's clock from its time stamps and resample its samples on a regular grid.

    **The clock fit.** The stamps are cut into pieces at every *dropout*: a step from one
    stamp to the next longer than ``max_gap``. Within a piece the samples are taken to be
    consecutive, so sample index maps to time on a straight line: time = intercept +
    index / clock_rate. One slope (the device's clock rate, fitted by least squares over
    all pieces at once) and one intercept per piece: the line through a piece removes the
    jitter of its individual stamps, and a piece after a dropout starts afresh (as LSL's
    jitter removal does with its breaks), so a lost sample or a pause costs nothing but
    its own time. The stamps are not assumed to be free of drift: the fitted rate is the
    device's own (``clock_rate``), not the nominal one.

    **The grid.** Grid points are ``grid_origin + k / sampling_rate`` for whole ``k``, from
    the first fitted sample time to the last. A grid point inside a piece gets the linear
    interpolation of the two samples around it, at their fitted times; a grid point
    inside a dropout (between two pieces) is NaN. Nothing else is NaN, except that a
    missing (NaN) input value makes the grid points next to it NaN. Two devices stamped on
    one clock (e.g. Unix time), regularized with one ``sampling_rate`` and
    ``grid_origin``, share grid points: their offsets differ by a whole number of samples.

    Parameters
    ----------
    times : array_like, shape (n,)
        Time stamps in seconds on any clock (relative, or seconds since 1970), strictly
        increasing.
    values : array_like, shape (..., n)
        The samples; the last axis matches ``times``.
    sampling_rate : float
        The grid's rate in Hz, usually the device's nominal rate.
    grid_origin : float, default 0.0
        A time (in the stamps' time base) that lies on the grid.
    max_gap : float, optional
        The longest step between two stamps, in seconds, that is not a dropout. Default:
        :data:`MAX_GAP_PERIODS` (1.5) times the median step, so any missing sample is a
        dropout and nothing is filled in. Stamps that jitter by more than half a sample
        (e.g. stamped on arrival at a computer, in chunks) need more, such as
        ``max_gap=1.0`` (one second, LSL's choice).
    where : str, default ""
        What the stamps are, for messages (e.g. ``"'a.csv', time column 't'"``).

    Returns
    -------
    Regularized
        The samples on the grid, the grid's offset and rate, the fitted clock rate and
        the dropouts.

    Raises
    ------
    FileFormatError
        Naming ``where`` and the row (1-based): a missing, infinite, repeated or
        decreasing stamp; fewer than two samples in every piece; so many dropouts (more
        than a tenth of the steps) that the stamps rather jitter (give ``max_gap``); or an
        outlier stamp that would make the grid more than ten times longer than the data.
    ValidationError
        For a bad argument (``sampling_rate``, ``max_gap``, ``grid_origin``, shapes).

    Examples
    --------
    A device nominally at 2 Hz that really runs at 1.9 Hz, with a dropout after 1.58 s:

    >>> times = [0.0, 1 / 1.9, 2 / 1.9, 3 / 1.9, 7 / 1.9, 8 / 1.9, 9 / 1.9]
    >>> r = regularize(times, [0.0, 1.0, 2.0, 3.0, 7.0, 8.0, 9.0], 2.0)
    >>> round(r.clock_rate, 9), r.offset
    (1.9, 0.0)
    >>> [round(v, 2) for v in r.values.tolist()]
    [0.0, 0.95, 1.9, 2.85, nan, nan, nan, nan, 7.6, 8.55]
    >>> [(round(a, 3), round(b, 3)) for a, b in r.dropouts]
    [(1.579, 3.684)]
    """
    prefix = where or "Time stamps"
    rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    if isinstance(grid_origin, bool) or not isinstance(grid_origin, int | float | np.number):
        raise ValidationError(f"grid_origin must be a number of seconds, got {grid_origin!r}.")
    origin = float(grid_origin)
    if not math.isfinite(origin):
        raise ValidationError(f"grid_origin must be a finite number of seconds, got {origin!r}.")
    stamps = np.asarray(times, dtype=np.float64)
    data = np.asarray(values, dtype=np.float64)
    if stamps.ndim != 1:
        raise ValidationError(f"times must be one series (1-D), got shape {stamps.shape}.")
    if data.ndim == 0 or data.shape[-1] != stamps.size:
        raise ValidationError(
            f"values must have the samples on their last axis, {stamps.size} like times; got "
            f"shape {data.shape}."
        )
    check_stamps(stamps, prefix)
    steps = np.diff(stamps)
    gap = _max_gap(max_gap, typical_step(steps))
    breaks = np.flatnonzero(steps > gap)
    if breaks.size > _MAX_DROPOUT_SHARE * steps.size and breaks.size > 1:
        raise FileFormatError(
            f"{prefix}: {breaks.size} of {steps.size} steps between time stamps are longer "
            f"than {gap:.6g} s (max_gap), each a dropout; the stamps jitter more than the "
            "device drops out. Give max_gap (seconds) longer than the jitter, e.g. max_gap=1.0."
        )
    starts = np.concatenate(([0], breaks + 1))
    stops = np.concatenate((breaks + 1, [stamps.size]))  # exclusive
    if np.all(stops - starts < 2):
        raise FileFormatError(
            f"{prefix}: no two consecutive samples closer than {gap:.6g} s (max_gap); at least "
            "two are needed to fit the clock. Give a longer max_gap, or check the time unit."
        )
    # Work relative to the first stamp: Unix times lose the jitter in their last digits.
    zero = float(stamps[0])
    relative = stamps - zero
    slope, intercepts = _fit_clock(relative, starts, stops)
    clock_rate = 1.0 / slope
    first_fit = intercepts + slope * starts
    last_fit = intercepts + slope * (stops - 1)
    # The grid: origin + k / rate, from the first fitted time to the last.
    phase = (zero - origin) * rate
    begin = math.ceil(phase + first_fit[0] * rate - 1e-9)
    end = math.floor(phase + last_fit[-1] * rate + 1e-9)
    n_grid = end - begin + 1
    upsampling = min(max(1.0, rate * typical_step(steps)), _MAX_UPSAMPLING)
    limit = _MAX_GRID_GROWTH * stamps.size * upsampling + _GRID_SLACK
    if n_grid > limit:
        at = int(np.argmax(steps))
        raise FileFormatError(
            f"{prefix}, data row {at + 2}: the time jumps from {describe_time(stamps[at])} "
            f"to {describe_time(stamps[at + 1])}; the grid would hold {n_grid} samples for "
            f"{stamps.size} read. Fix or remove that time stamp, or split the recording there."
        )
    grid = (begin - phase + np.arange(max(n_grid, 0))) / rate  # relative to the first stamp
    out = _resample(data, grid, slope, intercepts, starts, stops, first_fit, last_fit)
    dropouts = tuple(
        (zero + float(last_fit[i]), zero + float(first_fit[i + 1])) for i in range(len(starts) - 1)
    )
    offset = origin + begin / rate if n_grid > 0 else zero
    return Regularized(out, float(offset), rate, float(clock_rate), dropouts)


def _max_gap(max_gap: Any, median_step: float) -> float:
    if max_gap is None:
        return MAX_GAP_PERIODS * median_step
    if isinstance(max_gap, bool) or not isinstance(max_gap, int | float | np.number):
        raise ValidationError(f"max_gap must be seconds (a number above 0), got {max_gap!r}.")
    gap = float(max_gap)
    if not (gap > 0 and math.isfinite(gap)):
        raise ValidationError(f"max_gap must be seconds (a number above 0), got {max_gap!r}.")
    return gap


def _fit_clock(
    times: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> tuple[float, np.ndarray]:
    """Least squares time = intercept[piece] + slope * index, one slope for all pieces."""
    index = np.arange(times.size, dtype=np.float64)
    piece = np.repeat(np.arange(starts.size), stops - starts)
    counts = (stops - starts).astype(np.float64)
    mean_index = np.bincount(piece, index) / counts
    mean_time = np.bincount(piece, times) / counts
    di = index - mean_index[piece]
    dt = times - mean_time[piece]
    slope = float(np.dot(di, dt) / np.dot(di, di))
    if not (slope > 0 and math.isfinite(slope)):  # cannot happen with increasing stamps
        raise FileFormatError("The time stamps do not increase with the sample index.")
    return slope, mean_time - slope * mean_index


def _resample(
    data: np.ndarray,
    grid: np.ndarray,
    slope: float,
    intercepts: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    first_fit: np.ndarray,
    last_fit: np.ndarray,
) -> np.ndarray:
    """Linear interpolation of ``data`` at ``grid`` within each piece, NaN between pieces."""
    out = np.full((*data.shape[:-1], grid.size), np.nan)
    if grid.size == 0:
        return out
    tolerance = 1e-9 * slope
    if starts.size > _PIECES_ONE_BY_ONE:
        piece = np.searchsorted(first_fit, grid, side="right") - 1
        piece = np.clip(piece, 0, starts.size - 1)
        inside = (grid >= first_fit[piece] - tolerance) & (grid <= last_fit[piece] + tolerance)
        inside &= stops[piece] - starts[piece] >= 2
        chosen = piece[inside]
        out[..., inside] = _interpolate(
            data, grid[inside], intercepts[chosen], slope, starts[chosen], stops[chosen]
        )
        return out
    # Few pieces (the usual case): each covers one stretch of the grid, filled as a slice.
    begins = np.searchsorted(grid, first_fit - tolerance, side="left")
    ends = np.searchsorted(grid, last_fit + tolerance, side="right")
    ends[:-1] = np.minimum(ends[:-1], begins[1:])  # a later piece wins where two overlap
    for s in np.flatnonzero((ends > begins) & (stops - starts >= 2)):
        # In blocks of grid points: small temporaries, reused, instead of recording-long ones.
        for a in range(int(begins[s]), int(ends[s]), _BLOCK):
            b = min(a + _BLOCK, int(ends[s]))
            out[..., a:b] = _interpolate(data, grid[a:b], intercepts[s], slope, starts[s], stops[s])
    return out


_BLOCK = 1 << 16


# Above this many pieces (dropouts + 1), grid points are matched to pieces all at once.
_PIECES_ONE_BY_ONE = 2000


def _interpolate(
    data: np.ndarray,
    times: np.ndarray,
    intercept: Any,
    slope: float,
    start: Any,
    stop: Any,
) -> np.ndarray:
    """``data`` interpolated at ``times`` on the fitted line of the piece(s) [start, stop)."""
    position = (times - intercept) / slope  # fractional sample index
    left = np.floor(position).astype(np.int64)
    np.clip(left, start, stop - 2, out=left)
    weight = position - left
    np.clip(weight, 0.0, 1.0, out=weight)
    low = np.take(data, left, axis=-1)
    high = np.take(data, left + 1, axis=-1)
    low *= 1.0 - weight
    high *= weight
    low += high
    return low
