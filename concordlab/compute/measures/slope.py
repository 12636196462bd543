"""``slope``: Marci et al.'s (2007) windowed correlation of local slopes.

Each person's signal is turned into its local slope: the least-squares slope (units per
second) over a centred window of ``slope_window`` seconds (rounded up to an odd number of
samples), computed at every sample. Then the Pearson correlation of the two slope series in
each window. Marci et al. describe slopes over 5 s and correlations over 15 s running
windows; the 1 s step is our assumption, as is evaluating slopes at every sample.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from scipy import signal

from concordlab._checks import SAMPLING_RATE, Integer
from concordlab._deprecate import renamed
from concordlab.compute._common import FRACTION, Pair, samples
from concordlab.compute.grid import WindowGrid
from concordlab.compute.kernel import _compiled
from concordlab.compute.parameters import MIN_VALID, SLOPE_WINDOW, STEP, WINDOW
from concordlab.compute.registry import Measure
from concordlab.compute.result import build_result
from concordlab.errors import ValidationError

__all__ = ["SLOPE", "slopes"]

_SLOPE_SAMPLES = Integer(low=3, example="161")


def _odd(n: int) -> int:
    return n if n % 2 else n + 1


def _slope(
    pair: Pair, *, window: float, step: float, slope_window: float, min_valid: float
) -> xr.DataArray:
    """Correlation of the two persons' local slopes in each window.

    Examples
    --------
    >>> import concordlab
    >>> r = concordlab.concordance(concordlab.example_session(), method="slope")
    >>> r.attrs["slope_window"]
    5.03125
    """
    slope_n = _odd(
        samples(slope_window, pair.rate, "slope_window", minimum=2, length=pair.first.size)
    )
    grid = WindowGrid.from_seconds(pair, window=window, step=step, min_valid=min_valid)
    first = slopes(pair.first, pair.rate, slope_n, min_valid)
    second = slopes(pair.second, pair.rate, slope_n, min_valid)
    values = grid.moments(first, second).pearson(min_count=grid.min_count)[:, 0]
    used = {
        "window": grid.seconds["window"],
        "step": grid.seconds["step"],
        "slope_window": slope_n / pair.rate,
        "min_valid": min_valid,
    }
    return build_result(
        values,
        grid,
        pair,
        measure=SLOPE,
        params=used,
        long_name="windowed correlation of slopes (Marci et al. 2007)",
    )


SLOPE = Measure(
    name="slope",
    function=_slope,
    parameters=(WINDOW, STEP, SLOPE_WINDOW, MIN_VALID),
    dims=("time",),
    summary="windowed correlation of local slopes (Marci et al. 2007)",
)

MEASURES = (SLOPE,)
"""The measures this module declares (the registry reads them)."""


@renamed(rate="sampling_rate")
def slopes(
    values: np.ndarray, sampling_rate: float, window: int, min_valid: float = 0.5
) -> np.ndarray:
    """Least-squares slope (units per second) over a centred window at every sample.

    ``window`` is an odd number of samples. Samples without a full window at the edges,
    or with less than ``min_valid`` of their window present, are NaN. Without gaps this
    is a single FIR filter (the first-derivative Savitzky-Golay filter of order 1).

    Examples
    --------
    >>> t = np.arange(10) / 2.0
    >>> slopes(3 * t + 1, sampling_rate=2.0, window=5).round(12).tolist()
    [nan, nan, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, nan, nan]
    """
    values = np.asarray(values)
    if values.ndim != 1 or values.dtype.kind not in "iuf":
        raise ValidationError(
            f"values must be a 1-D array of real numbers, got shape {values.shape} and "
            f"dtype {values.dtype}."
        )
    values = values.astype(np.float64, copy=False)
    rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
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
    compiled = _compiled()
    if compiled is not None and not math.isnan(float(np.sum(values))):
        # No gaps: one sliding pass, no temporaries (the numpy way below needs three).
        k2 = float(half * (half + 1) * (2 * half + 1)) / 3.0  # sum of k^2, k = -half..half
        reference = float(np.mean(values))
        compiled.local_slopes(
            np.ascontiguousarray(values), reference, half, rate / k2, out[half : values.size - half]
        )
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
