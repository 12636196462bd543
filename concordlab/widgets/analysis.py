"""What the explorer computes and sends: the analysis rate, the lag budget, the heatmap's cells.

The explorer is a live view: it recomputes while a slider moves, so it computes no more
than the screen can show and states what it did.

- **Analysis rate.** Concordance is computed on the signal averaged over blocks of
  ``factor`` consecutive samples, ``factor`` the smallest whole number that brings the
  sampling rate down to at most the analysis rate (:func:`block_factor`; a 1 kHz signal
  with an analysis rate of 32 Hz: blocks of 32 samples, 31.25 Hz). The block mean is a
  low-pass (boxcar) filter followed by decimation; skin conductance and the other slow
  signals the explorer is made for change over seconds, so their concordance at 32 Hz or
  8 Hz is that of the full rate to within a few thousandths (the tests check it). A
  signal already at or below the analysis rate is used as it is, and the result is then
  exactly :func:`concordlab.concordance`'s.
- **Lag budget.** A measure read from a lag profile (``wlcc_peak``) is computed at
  :data:`LAGS_EACH_SIDE` lags on each side of 0 at most: the lag step is the largest
  lag divided by that, rounded up to whole samples (:func:`lag_step_for`). That is the
  heatmap's resolution (its rows), and the peaks are read on the same lags.
- **Two-dimensional results.** A result ``(time, X)`` (``X`` a lag, a frequency, or the
  pairs of a group) is drawn as a heatmap with ``X`` up (:func:`heat_axis_title`), and
  its line is a 1-D readout, the mean across ``X`` (:func:`heat_readout`).
- **Heatmap cells.** Only the windows in view are sent, every ``k``-th one so that at
  most one column per pixel of the plot is sent (:func:`heatmap_cells`), as float32
  bytes (:func:`typed_array`) rather than JSON text.

Examples
--------
>>> block_factor(1000.0, 32.0), block_factor(32.0, 32.0), block_factor(1000.0, None)
(32, 1, 1)
>>> lag_step_for(5.0, 8.0)
0.25
"""

from __future__ import annotations

import base64
import math

import numpy as np
import xarray as xr

from concordlab._blocks import block_mean
from concordlab._checks import Real
from concordlab.errors import ValidationError

__all__ = [
    "ANALYSIS_RATE",
    "LAGGED_ANALYSIS_RATE",
    "LAGS_EACH_SIDE",
    "MAX_HEATMAP_COLUMNS",
    "analysis_signal",
    "block_factor",
    "block_mean",
    "check_analysis_rate",
    "from_typed_array",
    "heat_axis_title",
    "heat_dim",
    "heat_readout",
    "heatmap_cells",
    "lag_step_for",
    "typed_array",
]

ANALYSIS_RATE = 32.0
"""Hz: the explorer computes measures without lags at this rate at most (exact at <= 32 Hz)."""
LAGGED_ANALYSIS_RATE = 8.0
"""Hz: measures read from a lag profile, whose cost grows with samples x lags, at most this."""
LAGS_EACH_SIDE = 20
"""A lag profile in the explorer has at most this many lags on each side of lag 0."""
MAX_HEATMAP_COLUMNS = 2000
"""The heatmap never sends more columns than this, whatever the plot's width."""

# At 4 Hz every slider value (steps of 0.25 s) is still at least one sample.
ANALYSIS_RATE_RULE = Real(low=4.0, high=1e6, unit="Hz", example="32")


def check_analysis_rate(value: float | None, name: str = "analysis_rate") -> float | None:
    """``None`` (the signal's own rate) or a rate of at least 4 Hz.

    Examples
    --------
    >>> check_analysis_rate(10), check_analysis_rate(None)
    (10.0, None)
    >>> try:
    ...     check_analysis_rate(1)
    ... except ValidationError as error:
    ...     print(str(error).split(";")[0])
    analysis_rate must be a real number, in Hz, at least 4 and at most 1e+06
    """
    return None if value is None else ANALYSIS_RATE_RULE.check(value, name)


def block_factor(sampling_rate: float, analysis_rate: float | None) -> int:
    """Samples averaged per block: the smallest whole number that brings the rate to at most
    ``analysis_rate`` (1 if it is there already, or if ``analysis_rate`` is None).

    Examples
    --------
    >>> block_factor(32.0, 8.0), block_factor(25.0, 8.0), block_factor(4.0, 8.0)
    (4, 4, 1)
    """
    if analysis_rate is None or sampling_rate <= analysis_rate * (1 + 1e-9):
        return 1
    return math.ceil(sampling_rate / analysis_rate * (1 - 1e-12))


def analysis_signal(array: xr.DataArray, analysis_rate: float | None) -> xr.DataArray:
    """A ``(person, time)`` channel at the explorer's analysis rate, saying so in its attrs.

    The samples are block means (:func:`block_mean`), each at the mean time of its block;
    ``sampling_rate`` is the new rate and ``history`` ends with what was done. At or below
    the analysis rate the channel is returned unchanged.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.simulate_dyad(60, sampling_rate=100, seed=1, channels=["eda"])
    >>> slow = analysis_signal(s["eda"].dataset["eda"], 32.0)
    >>> slow.attrs["sampling_rate"], slow.sizes["time"]
    (25.0, 1500)
    >>> slow.attrs["history"].split("; ")[-1]
    'explorer: block means of 4 samples (100 Hz to 25 Hz)'
    """
    rate = float(array.attrs.get("sampling_rate", 0.0))
    if not rate > 0:
        steps = np.diff(np.asarray(array["time"].values[:2], dtype=np.float64))
        rate = 1.0 / float(steps[0]) if steps.size and steps[0] > 0 else 0.0
    factor = block_factor(rate, analysis_rate) if rate > 0 else 1
    if factor == 1:
        return array
    array = array.transpose("person", "time")
    values = block_mean(array.values, factor)
    n = values.shape[-1]
    time = np.asarray(array["time"].values, dtype=np.float64)[: n * factor]
    history = str(array.attrs.get("history", "") or "")
    step = f"explorer: block means of {factor} samples ({rate:g} Hz to {rate / factor:g} Hz)"
    attrs = dict(
        array.attrs,
        sampling_rate=rate / factor,
        history=f"{history}; {step}" if history else step,
    )
    return xr.DataArray(
        values,
        dims=("person", "time"),
        coords={
            "person": array["person"].values,
            "time": ("time", time.reshape(n, factor).mean(axis=1), array["time"].attrs),
        },
        name=array.name,
        attrs=attrs,
    )


def lag_step_for(max_lag: float, rate: float, each_side: int = LAGS_EACH_SIDE) -> float:
    """The lag step (seconds) giving at most ``each_side`` lags on each side of 0.

    Whole samples at ``rate``, at least one.

    Examples
    --------
    >>> lag_step_for(5.0, 32.0), lag_step_for(0.5, 8.0), lag_step_for(5.0, 1.0)
    (0.25, 0.125, 1.0)
    """
    lag_samples = round(max_lag * rate)
    return max(1, math.ceil(lag_samples / each_side)) / rate


def typed_array(values: np.ndarray) -> dict[str, str]:
    """``values`` as plotly's typed array spec: float32 bytes in base64, NaN kept.

    Plotly (plotly.js >= 2.28) reads it as the array itself; it is sent as is, a fraction
    of the JSON text of the same numbers, and NaN (a gap) needs no special value.

    Examples
    --------
    >>> spec = typed_array(np.array([[0.5, np.nan], [1.0, -1.0]]))
    >>> spec["dtype"], spec["shape"]
    ('f4', '2,2')
    >>> from_typed_array(spec).tolist()
    [[0.5, nan], [1.0, -1.0]]
    """
    values = np.ascontiguousarray(values, dtype="<f4")
    return {
        "dtype": "f4",
        "bdata": base64.b64encode(values.tobytes()).decode("ascii"),
        "shape": ",".join(str(n) for n in values.shape),
    }


def from_typed_array(spec: dict[str, str]) -> np.ndarray:
    """The array a typed array spec of :func:`typed_array` holds (float64).

    Examples
    --------
    >>> from_typed_array(typed_array(np.arange(3.0))).tolist()
    [0.0, 1.0, 2.0]
    """
    if not isinstance(spec, dict) or spec.get("dtype") != "f4":
        raise ValidationError("Expected a typed array spec with dtype 'f4'.")
    shape = tuple(int(n) for n in str(spec["shape"]).split(","))
    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")
    return values.reshape(shape).astype(np.float64)


def heat_dim(array: xr.DataArray) -> str:
    """The dim a 2-D result has besides ``time`` (``lag``, ``frequency``, ``pair`` ...).

    Examples
    --------
    >>> heat_dim(xr.DataArray(np.zeros((2, 3)), dims=("frequency", "time")))
    'frequency'
    """
    others = [dim for dim in array.dims if dim != "time"]
    if "time" not in array.dims or len(others) != 1:
        raise ValidationError(
            f"Expected a 2-D result with dim 'time' and one other dim, got dims {array.dims}."
        )
    return str(others[0])


HEAT_UNITS = {"lag": "s", "frequency": "Hz"}
"""Units of the second dims the design names, when the coordinate does not say."""


def heat_axis_title(array: xr.DataArray) -> str:
    """The heatmap's vertical axis title: the second dim and its units.

    The units are the coordinate's ``units`` attr, else those the design gives the dim
    (``lag``: s, ``frequency``: Hz); a dim without units (``pair``) is named alone.

    Examples
    --------
    >>> heat_axis_title(xr.DataArray(np.zeros((2, 3)), dims=("time", "frequency")))
    'frequency (Hz)'
    >>> pairs = xr.DataArray(np.zeros((2, 1)), dims=("time", "pair"),
    ...                      coords={"pair": ["mother~child"]})
    >>> heat_axis_title(pairs)
    'pair'
    """
    dim = heat_dim(array)
    units = HEAT_UNITS.get(dim, "")
    if dim in array.coords:
        units = str(array[dim].attrs.get("units", units) or units)
    return f"{dim} ({units})" if units else dim


def heat_readout(array: xr.DataArray) -> xr.DataArray:
    """One value per window of a 2-D ``(time, X)`` result: its mean across ``X``.

    NaN cells are left out of the mean; a window whose cells are all NaN stays NaN.
    The result keeps the attrs (parameters, persons ...) and says what it is in its
    name and ``long_name``: ``mean across frequency`` for a ``(time, frequency)``
    result. Coordinates along ``X`` alone are dropped.

    Examples
    --------
    >>> spectrum = xr.DataArray(
    ...     [[0.2, 0.4], [np.nan, np.nan]], dims=("time", "frequency"),
    ...     coords={"time": [1.0, 2.0], "frequency": [0.1, 0.2]}, name="coherence",
    ...     attrs={"long_name": "coherence"})
    >>> mean = heat_readout(spectrum)
    >>> mean.dims, mean.values.round(6).tolist(), mean.attrs["long_name"]
    (('time',), [0.3, nan], 'coherence, mean across frequency')
    """
    dim = heat_dim(array)
    values = np.asarray(array.transpose("time", dim).values, dtype=np.float64)
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    coords = {name: coord for name, coord in array.coords.items() if coord.dims == ("time",)}
    what = str(array.attrs.get("long_name", array.name or "value"))
    return xr.DataArray(
        mean,
        dims=("time",),
        coords=coords,
        name=f"mean across {dim}",
        attrs={**array.attrs, "long_name": f"{what}, mean across {dim}", "readout": dim},
    )


def heatmap_cells(
    heat: xr.DataArray, view: tuple[float, float], columns: int
) -> tuple[np.ndarray, np.ndarray, dict[str, str], int]:
    """The heatmap's cells for the time range ``view``: at most ``columns`` windows.

    ``heat`` is a 2-D result ``(time, X)``: ``X`` is ``lag`` for a lag profile,
    ``frequency`` for a spectrum, ``pair`` for the pairs of a group (:func:`heat_dim`).
    The windows whose centres lie in ``view`` (and one beyond each end, so the cells
    reach the plot's edges), every ``k``-th one with ``k`` the smallest stride that keeps
    their number at most ``columns``. The values go as float32 (what a colour can show),
    in plotly's typed array spec (:func:`typed_array`).

    Returns
    -------
    x : numpy.ndarray
        Window centres (seconds).
    y : numpy.ndarray
        The other dim's coordinates (lags in seconds, frequencies in Hz, pair labels).
    z : dict
        ``z[row][column]`` as a typed array spec.
    stride : int
        ``k``.

    Examples
    --------
    >>> lagged = xr.DataArray(
    ...     np.arange(20.0).reshape(10, 2) / 20,
    ...     dims=("time", "lag"),
    ...     coords={"time": np.arange(10.0), "lag": [-1.0, 1.0]},
    ... )
    >>> x, y, z, stride = heatmap_cells(lagged, (2.0, 7.0), columns=4)
    >>> x.tolist(), stride, from_typed_array(z)[1].round(6).tolist()
    ([1.0, 3.0, 5.0, 7.0], 2, [0.15, 0.35, 0.55, 0.75])
    >>> pairs = xr.DataArray(np.zeros((2, 10)), dims=("pair", "time"),
    ...     coords={"pair": ["a~b", "a~c"], "time": np.arange(10.0)})
    >>> heatmap_cells(pairs, (0.0, 9.0), columns=20)[1].tolist()
    ['a~b', 'a~c']
    """
    if columns < 1:
        raise ValidationError(f"columns must be at least 1, got {columns}.")
    dim = heat_dim(heat)
    heat = heat.transpose("time", dim)
    time = np.asarray(heat["time"].values, dtype=np.float64)
    first = max(int(np.searchsorted(time, view[0], side="left")) - 1, 0)
    last = min(int(np.searchsorted(time, view[1], side="right")) + 1, time.size)
    stride = max(1, math.ceil(max(last - first, 0) / columns))
    index = np.arange(first, last, stride)
    values = np.asarray(heat.values)[index].T
    rows = np.asarray(heat[dim].values) if dim in heat.coords else np.arange(heat.sizes[dim])
    return time[index], rows, typed_array(values), stride
