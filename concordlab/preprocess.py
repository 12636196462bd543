"""Preprocessing: downsample, filter, detrend, standardise, smooth, split EDA, mask artefacts;
rMEA's smoothing and scaling (:func:`rmea_smooth`, :func:`rmea_scale`).

Every function takes a session and returns a **new** session; the input is never
changed. Conventions shared by all of them:

- ``channels=None`` processes every channel; give a name (``"eda"``) or a list of names
  to process only those. The two persons are always processed independently.
- Parameters are in seconds and Hz, checked before anything is computed; a bad value
  raises :class:`~concordlab.errors.ValidationError` saying what to change.
- **NaN in, NaN out.** A missing sample stays missing and is never filled in. Some steps
  may add NaN where too little valid data is left to compute a value (a block or window
  with fewer than half of its samples valid, an artefact); none removes any.
- Each processed channel's variable gets a ``history`` attribute with the steps applied,
  in order, e.g. ``"lowpass(cutoff=1.0, order=4); smooth(window=2.0)"``, so a saved
  file says how it was made.

All work is vectorised over samples (cumulative counts, block reshapes, filters applied
to whole runs of valid samples at once): an hour at 32 Hz for two persons takes
milliseconds per step.

References
----------
Kleckner, I. R., et al. (2018). Simple, transparent, and flexible automated quality
assessment procedures for ambulatory electrodermal activity data. *IEEE Trans Biomed
Eng*, 65(7), 1460-1467. doi:10.1109/TBME.2017.2758643

Makowski, D., et al. (2021). NeuroKit2: A Python toolbox for neurophysiological signal
processing. *Behav Res Methods*, 53, 1689-1696 (``eda_phasic``, methods "highpass" and
"smoothmedian", after Biopac AcqKnowledge).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage, signal

from concordlab._blocks import block_mean
from concordlab._checks import (
    FLAG,
    MAX_SECONDS,
    SAMPLING_RATE,
    SECONDS,
    Bounds,
    Integer,
    Real,
    check_positive,
)
from concordlab._checks import Channels as _Channels
from concordlab._checks import Choice as _Choice
from concordlab._deprecate import renamed
from concordlab._extras import optional_module
from concordlab.errors import FileFormatError, ValidationError
from concordlab.segments import segments, set_segments
from concordlab.session import CHANNEL_NAME, persons, time_axis, validate_session
from concordlab.session import channels as list_channels
from concordlab.units import is_microsiemens

__all__ = [
    "EDA_MAX_JUMP",
    "EDA_VALID_RANGE",
    "detrend",
    "downsample",
    "eda_components",
    "heart_rate",
    "lowpass",
    "mask_artefacts",
    "rmea_scale",
    "rmea_smooth",
    "smooth",
    "standardise",
]

Channels = str | Sequence[str] | None
Range = tuple[float | None, float | None]

#: Default plausible range of skin conductance in µS (Kleckner et al. 2018, rule 1).
EDA_VALID_RANGE: tuple[float, float] = (0.05, 60.0)
#: Default largest plausible change of skin conductance in µS per second (Kleckner et al.
#: 2018, rule 2).
EDA_MAX_JUMP: float = 10.0
# Channels that get the skin-conductance defaults of mask_artefacts (if still in µS).
_EDA_NAMES = frozenset({"eda", "sc", "scl", "gsr"})
# Steps after which a channel no longer holds raw skin conductance levels.
_LEVEL_CHANGING = ("detrend", "standardise", "rmea_scale")
_REASONS = ("out of range", "jump", "near artefact")
_REPORT_COLUMNS = ("channel", "person", "start", "end", "reason", "n_samples")


# --------------------------------------------------------------------------- validation


FACTOR = Integer(low=1, high=10**9, example="8")
"""Samples per block of :func:`downsample`."""
ORDER = Integer(low=1, high=100, example="4")
"""Order of a Butterworth filter."""
CUTOFF = Real(low=0.0, low_open=True, high=1e6, unit="Hz", example="1.0")
"""A filter's cutoff frequency."""
WIDTH = Real(low=0.0, low_open=True, high=MAX_SECONDS, unit="seconds", example="2.0")
"""The width of a moving window."""
VALID_RANGE = Bounds(
    Real(unit="the channel's units"), strict=True, open_ends=True, example="(0.05, 60)"
)
"""A channel's plausible range of :func:`mask_artefacts`."""


MIN_RELATIVE_CUTOFF = 1e-6
"""The slowest Butterworth filter designed: a millionth of the Nyquist frequency (slower ones
cannot be computed accurately in double precision)."""


def _check_cutoff(cutoff: float, rate: float, name: str, hint: str) -> None:
    nyquist = rate / 2
    if not MIN_RELATIVE_CUTOFF * nyquist <= cutoff < nyquist:
        raise ValidationError(
            f"cutoff={cutoff:g} Hz does not fit channel '{name}' ({nyquist:g} Hz Nyquist "
            f"frequency at {rate:g} Hz sampling): it must be below the Nyquist frequency and "
            f"at least {MIN_RELATIVE_CUTOFF * nyquist:g} Hz (a millionth of it); {hint}."
        )


def _positive_int(rule: Integer, value: Any, name: str) -> int:
    # A float with an integral value (8.0) is accepted, as it always was.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return rule.check(value, name)


_CHANNELS = _Channels(order="available")
"""The channels a step processes, in session order (None: all)."""


def _select(session: xr.DataTree, selection: Channels, name: str = "channels") -> list[str]:
    """Validate the session and return the selected channel names, in session order."""
    validate_session(session)
    available = list_channels(session)
    return list(
        _CHANNELS.check(selection, name, available=available, where="the session's channels")
    )


def _rate(session: xr.DataTree, name: str) -> float:
    return float(session[name][name].attrs["sampling_rate"])


def _values(session: xr.DataTree, name: str) -> np.ndarray:
    return np.asarray(session[name][name].values, dtype=np.float64)


def _format(value: Any) -> str:
    """A parameter value as written into ``history``."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_format(v) for v in value) + ")"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return repr(value)


def _step(function: str, **parameters: Any) -> str:
    inside = ", ".join(f"{key}={_format(value)}" for key, value in parameters.items())
    return f"{function}({inside})"


def _with_history(attrs: Mapping[str, Any], step: str) -> dict[str, Any]:
    attrs = dict(attrs)
    previous = str(attrs.get("history", "") or "")
    attrs["history"] = f"{previous}; {step}" if previous else step
    return attrs


# --------------------------------------------------------------------------- building nodes


def _channel_node(
    session: xr.DataTree,
    name: str,
    values: np.ndarray,
    step: str,
    *,
    time: np.ndarray | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataTree:
    """A new node for channel ``name`` holding ``values``; the session is not touched.

    With ``time`` the time coordinate is replaced (variables along the old time axis are
    dropped); ``attrs`` replace the variable's attrs before ``step`` joins the history.
    """
    old = session[name].to_dataset(inherit=False)
    variable_attrs = _with_history(old[name].attrs if attrs is None else attrs, step)
    variable = xr.Variable(("person", "time"), values, variable_attrs)
    if time is None:
        dataset = old.copy()
        dataset[name] = variable
    else:
        coords = {k: v.variable.copy() for k, v in old.coords.items() if "time" not in v.dims}
        coords["time"] = xr.Variable("time", time, dict(old["time"].attrs))
        others = {k: v.variable.copy() for k, v in old.data_vars.items() if "time" not in v.dims}
        others.pop(name, None)
        dataset = xr.Dataset({name: variable, **others}, coords=coords, attrs=dict(old.attrs))
    return xr.DataTree(dataset)


def _replace(session: xr.DataTree, nodes: Mapping[str, xr.DataTree]) -> xr.DataTree:
    new = session.copy()
    for name, node in nodes.items():
        new[name] = node
    return new


# --------------------------------------------------------------------------- kernels


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along the last axis of a 2-D mask: row, start, end (exclusive)."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    change = np.diff(padded, axis=1)
    rows, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)
    return rows, starts, ends


def _sosfiltfilt_padlen(sos: np.ndarray) -> int:
    """The padding :func:`scipy.signal.sosfiltfilt` uses by default, in samples."""
    taps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * taps


def _filter_runs(values: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Zero-phase filter each run of valid samples on its own; NaN stays where it is.

    Runs no longer than the filter's padding are copied unchanged (see :func:`_apply_runs`).
    """
    return _apply_runs(
        values,
        lambda block: signal.sosfiltfilt(sos, block, axis=-1),
        _sosfiltfilt_padlen(sos) + 1,
        short="keep",
    )


def _apply_runs(
    values: np.ndarray,
    function: Callable[[np.ndarray], np.ndarray],
    min_length: int,
    *,
    short: Literal["keep", "nan"],
    dtype: Any = np.float64,
) -> np.ndarray:
    """``function`` applied to each run of finite samples of each row on its own.

    ``function`` takes a ``(runs, length)`` block and returns a block of the same shape
    (of ``dtype``, e.g. complex for an analytic signal).
    Runs of equal length are stacked and passed in one call, so the number of calls is
    the number of distinct run lengths (at most about sqrt(2 n)), never one per sample.
    Runs shorter than ``min_length`` are copied unchanged (``short="keep"``) or made NaN
    (``short="nan"``); NaN stays where it is.
    """
    finite = np.isfinite(values)
    if values.shape[-1] >= min_length and finite.all():  # one run per row: one call
        return np.asarray(function(values), dtype=dtype)
    rows, starts, ends = _runs(finite)
    out = values.astype(dtype, copy=True)
    flat_in, flat_out = values.reshape(-1), out.reshape(-1)
    first = rows * values.shape[1] + starts
    lengths = ends - starts
    if short == "nan":
        is_short = lengths < min_length
        edges = np.zeros(flat_out.size + 1, dtype=np.int64)
        np.add.at(edges, first[is_short], 1)
        np.add.at(edges, first[is_short] + lengths[is_short], -1)
        flat_out[np.cumsum(edges[:-1]) > 0] = np.nan
    for length in np.unique(lengths[lengths >= min_length]):
        index = first[lengths == length][:, None] + np.arange(length)
        flat_out[index] = function(flat_in[index])
    return out


def _moving_mean(values: np.ndarray, size: int) -> np.ndarray:
    """Centred mean over ``size`` (odd) samples of the valid values; NaN where fewer than
    half of the window is valid or where the input is NaN. Truncated at the ends."""
    valid = np.isfinite(values)
    filled = np.where(valid, values, 0.0)
    sums = ndimage.uniform_filter1d(filled, size, axis=-1, mode="constant", cval=0.0) * size
    counts = ndimage.uniform_filter1d(valid.astype(np.float64), size, axis=-1, mode="constant")
    counts = np.rint(counts * size)
    enough = valid & (2 * counts >= size)
    out = np.full(values.shape, np.nan)
    out[enough] = sums[enough] / counts[enough]
    return out


def _moving_median(values: np.ndarray, size: int) -> np.ndarray:
    """Centred median over ``size`` (odd) samples of the valid values (same NaN rule)."""
    frame = pd.DataFrame(values.T)
    medians = frame.rolling(size, center=True, min_periods=(size + 1) // 2).median()
    out = medians.to_numpy(dtype=np.float64).T.copy()
    out[~np.isfinite(values)] = np.nan
    return out


def _odd_window(window: float, rate: float, name: str, n_samples: int) -> int:
    """``window`` seconds as an odd number of samples (centred), checked against the channel."""
    samples = window * rate
    if samples < 2:
        raise ValidationError(
            f"window={window:g} s is shorter than 2 samples of channel '{name}' "
            f"({rate:g} Hz, one sample = {1 / rate:g} s); give at least {2 / rate:g} s."
        )
    size = round(samples)
    size += 1 - size % 2
    if size > n_samples:
        raise ValidationError(
            f"window={window:g} s is longer than channel '{name}' ({n_samples / rate:g} s); "
            "give a shorter window."
        )
    return size


# --------------------------------------------------------------------------- downsample


@renamed(rate="sampling_rate")
def downsample(
    session: xr.DataTree,
    factor: int | None = None,
    *,
    sampling_rate: float | None = None,
    channels: Channels = None,
) -> xr.DataTree:
    """Lower the sampling rate by averaging non-overlapping blocks of samples.

    Each block of ``factor`` consecutive samples becomes one sample: the mean of the
    block's valid samples if at least half of them are valid, else NaN. A last block with
    fewer than ``factor`` samples is dropped. Block means are a simple low-pass (a moving
    average); for signals with power near the new Nyquist frequency low-pass them first
    (:func:`lowpass`) or use :func:`concordlab.resample`, which filters more sharply.

    **Time coordinate:** each new sample is stamped with the time of its block's *first*
    sample, so the channel keeps its start (``offset``) and ``time = offset +
    arange(n) / sampling_rate``. This matches the session model, in which a sample at
    ``t`` stands for the interval ``[t, t + 1 / sampling_rate)``: a block's stamp and new
    period cover exactly the samples averaged, the session's time span does not move and
    segments stay inside it. Measured as instants, the block mean is centred ``(factor -
    1) / 2`` original sample periods after its stamp; both persons shift alike, so lags
    between them are unaffected.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    factor : int, optional
        Number of samples per block (1 leaves the values as they are).
    sampling_rate : float, optional
        Target rate in Hz instead of ``factor``; it must divide each selected channel's
        rate into a whole number of samples (e.g. 32 Hz to 4 Hz, factor 8). Its old name
        ``rate`` still works until concordlab 0.3, with a ``FutureWarning``.
    channels : str or list of str, optional
        Channels to downsample; default all.

    Returns
    -------
    xarray.DataTree
        A new session; ``sampling_rate`` and ``time`` of the downsampled channels are
        updated, and ``history`` records the factor.

    Raises
    ------
    ValidationError
        If neither or both of ``factor`` and ``sampling_rate`` are given, the rate does not
        divide a channel's rate, or fewer than 2 blocks would remain.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import downsample
    >>> s = concordlab.from_arrays({"eda": np.arange(18.0).reshape(2, 9)}, sampling_rate=4)
    >>> d = downsample(s, 2)
    >>> d["eda"]["eda"].values.tolist()  # the ninth sample makes no full block
    [[0.5, 2.5, 4.5, 6.5], [9.5, 11.5, 13.5, 15.5]]
    >>> d["eda"]["time"].values.tolist(), d["eda"]["eda"].attrs["sampling_rate"]
    ([0.0, 0.5, 1.0, 1.5], 2.0)
    >>> downsample(s, sampling_rate=1)["eda"]["eda"].attrs["history"]
    'downsample(factor=4)'
    """
    names = _select(session, channels)
    if (factor is None) == (sampling_rate is None):
        raise ValidationError(
            "Give either factor (samples per block, e.g. 8) or sampling_rate (target rate "
            "in Hz, e.g. sampling_rate=4), not both or neither."
        )
    plan: dict[str, tuple[int, float]] = {}
    if factor is not None:
        factor = _positive_int(FACTOR, factor, "factor")
        plan = {name: (factor, _rate(session, name) / factor) for name in names}
    else:
        target = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
        for name in names:
            old = _rate(session, name)
            ratio = old / target
            whole = round(ratio)
            if whole < 1 or abs(ratio - whole) > 1e-9 * ratio:
                if ratio < 1:
                    hint = "downsample cannot raise the rate; use concordlab.resample"
                else:
                    options = [old / k for k in range(2, 65) if (old / k).is_integer()][:6]
                    listed = ", ".join(f"{r:g}" for r in options) or "none"
                    hint = (
                        f"choose a rate that divides {old:g} Hz (e.g. {listed} Hz) or use "
                        "concordlab.resample for any rate"
                    )
                raise ValidationError(
                    f"sampling_rate={target:g} Hz does not divide channel '{name}' ({old:g} Hz) "
                    f"into whole blocks ({old:g} / {target:g} = {ratio:.4g} samples); {hint}."
                )
            plan[name] = (whole, target)
    nodes = {}
    for name in names:
        block, new_rate = plan[name]
        values = _values(session, name)
        n_blocks = values.shape[1] // block
        if n_blocks < 2:
            raise ValidationError(
                f"Channel '{name}' has {values.shape[1]} samples: too few for blocks of "
                f"{block}; at least 2 blocks are needed. Use a smaller factor or higher rate."
            )
        means = block_mean(values, block)
        offset = float(session[name]["time"].values[0])
        attrs = dict(session[name][name].attrs, sampling_rate=float(new_rate))
        nodes[name] = _channel_node(
            session,
            name,
            means,
            _step("downsample", factor=block),
            time=time_axis(n_blocks, new_rate, offset),
            attrs=attrs,
        )
    return _replace(session, nodes)


# --------------------------------------------------------------------------- filters


def lowpass(
    session: xr.DataTree, cutoff: float, *, order: int = 4, channels: Channels = None
) -> xr.DataTree:
    """Zero-phase Butterworth low-pass filter.

    The filter (second-order sections, :func:`scipy.signal.sosfiltfilt`) runs forward and
    backward, so it shifts nothing in time and its effective order is ``2 * order``
    (attenuation -6 dB at ``cutoff``).

    **Gaps:** each contiguous run of valid samples is filtered on its own (with the
    default odd-extension padding of ``sosfiltfilt`` at both ends), so values on one side
    of a gap never leak into the other and NaN stays exactly where it was. Runs no longer
    than that padding (``3 * (2 * n_sections + 1)`` samples, 15 for ``order=4``) cannot
    be filtered and are **left as they are**; mask them with :func:`mask_artefacts` or
    :func:`smooth` if such fragments matter.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    cutoff : float
        Cutoff frequency in Hz, below the Nyquist frequency (half the sampling rate) of
        every selected channel.
    order : int, default 4
        Order of the Butterworth filter.
    channels : str or list of str, optional
        Channels to filter; default all.

    Returns
    -------
    xarray.DataTree
        A new session with the filtered channels.

    Raises
    ------
    ValidationError
        If the cutoff is not positive or not below a channel's Nyquist frequency, or
        the order is not a positive whole number.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import lowpass
    >>> t = np.arange(0, 60, 1 / 32)
    >>> slow, fast = np.sin(2 * np.pi * 0.1 * t), np.sin(2 * np.pi * 5 * t)
    >>> s = concordlab.from_arrays({"eda": [5 + slow + fast, 5 + slow]}, sampling_rate=32)
    >>> f = lowpass(s, 1.0)
    >>> bool(np.abs(f["eda"]["eda"][0] - (5 + slow))[320:-320].max() < 0.01)
    True
    >>> f["eda"]["eda"].attrs["history"]
    'lowpass(cutoff=1.0, order=4)'
    """
    names = _select(session, channels)
    cutoff = CUTOFF.check(cutoff, "cutoff")
    order = _positive_int(ORDER, order, "order")
    for name in names:
        _check_cutoff(
            cutoff, _rate(session, name), name, "or select other channels with channels=..."
        )
    nodes = {}
    for name in names:
        sos = signal.butter(order, cutoff, fs=_rate(session, name), output="sos")
        filtered = _filter_runs(_values(session, name), sos)
        nodes[name] = _channel_node(
            session, name, filtered, _step("lowpass", cutoff=cutoff, order=order)
        )
    return _replace(session, nodes)


def smooth(session: xr.DataTree, window: float, *, channels: Channels = None) -> xr.DataTree:
    """Centred moving average over ``window`` seconds.

    The window is rounded to the nearest whole number of samples, plus one if even, so it
    is centred on each sample (``window * rate`` must be at least 2). Each output sample
    is the mean of the valid samples in its window; it is NaN if fewer than half of the
    window's samples are valid, and NaN wherever the input is NaN (nothing is filled in).
    At the ends the window is cut at the recording's edge and the samples beyond it count
    as missing (so with every sample valid the ends keep a value, but the first sample
    of the second series below, with a gap next to it, has only 1 of 3 valid). Computed
    with running sums (:func:`scipy.ndimage.uniform_filter1d`) in O(n).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    window : float
        Width of the window in seconds.
    channels : str or list of str, optional
        Channels to smooth; default all.

    Returns
    -------
    xarray.DataTree
        A new session with the smoothed channels.

    Raises
    ------
    ValidationError
        If the window is shorter than 2 samples or longer than a channel.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import smooth
    >>> s = concordlab.from_arrays({"eda": [[1.0, 2, 3, 4, 5], [1, np.nan, 3, 4, 5]]}, 1)
    >>> smooth(s, 3)["eda"]["eda"].values.tolist()
    [[1.5, 2.0, 3.0, 4.0, 4.5], [nan, nan, 3.5, 4.0, 4.5]]
    """
    names = _select(session, channels)
    window = WIDTH.check(window, "window")
    sizes = {
        name: _odd_window(window, _rate(session, name), name, session[name].sizes["time"])
        for name in names
    }
    nodes = {
        name: _channel_node(
            session,
            name,
            _moving_mean(_values(session, name), sizes[name]),
            _step("smooth", window=window),
        )
        for name in names
    }
    return _replace(session, nodes)


# --------------------------------------------------------------------------- rMEA-compatible

RMEA_SCALE = Real(low=0.0, low_open=True, high=1e15, example="'sd' or 0.7")
"""A positive divisor of :func:`rmea_scale` (or ``"sd"``)."""
_FLT_EPSILON = float(np.finfo(np.float32).eps)  # R's `from:to` counts to + FLT_EPSILON


def _rmea_window_samples(window: float, rate: float, name: str, n_samples: int) -> float:
    """``window`` seconds as rMEA's (possibly fractional) number of samples, checked."""
    samples = window * rate
    if samples < 1:
        raise ValidationError(
            f"window={window:g} s is shorter than 1 sample of channel '{name}' "
            f"({rate:g} Hz, one sample = {1 / rate:g} s); give at least {1 / rate:g} s."
        )
    if samples > n_samples:
        raise ValidationError(
            f"window={window:g} s is longer than channel '{name}' ({n_samples / rate:g} s); "
            "give a shorter window."
        )
    return samples


def _rmea_moving_sum_mean(values: np.ndarray, samples: float) -> np.ndarray:
    """rMEA's moving average over the last axis (see :func:`rmea_smooth` for the rule)."""
    n_time = values.shape[-1]
    half = (samples - 1) / 2
    t = np.arange(1, n_time + 1, dtype=np.float64)  # rMEA's 1-based sample numbers
    first = np.maximum(t - half, 1.0)
    count = np.floor(t + half - first + 1 + _FLT_EPSILON).astype(np.int64)
    total = np.zeros(values.shape)
    broken = np.zeros(values.shape, dtype=bool)  # a window past the end or over a NaN
    for k in range(int(count.max())):
        used = k < count
        index = np.trunc(first + k).astype(np.int64) - 1  # 0-based sample in the window
        past = used & (index >= n_time)
        inside = used & ~past
        term = np.zeros(values.shape)
        term[..., inside] = values[..., index[inside]]
        broken |= past | np.isnan(term)
        total += np.where(np.isnan(term), 0.0, term)
    out = np.where(broken, 0.0, total / samples)
    out[np.isnan(values)] = np.nan
    return out


def rmea_smooth(
    session: xr.DataTree, window: float = 0.5, *, channels: Channels = None
) -> xr.DataTree:
    """rMEA's moving average (``MEAsmooth``), reproduced sample for sample.

    Matches ``rMEA::MEAsmooth(mea, moving.average.win = window)`` of rMEA 1.3.0
    (Kleinbub & Ramseyer 2020; the rule of its internal ``sasFiltB``, after SAS
    ``proc expand``), written anew from that rule. With ``n = window * sampling_rate``
    samples, **not rounded** (0.5 s at 25 Hz gives ``n = 12.5``), sample ``t`` (counting
    from 1) becomes the sum of the samples from ``max(t - (n - 1) / 2, 1)`` up to
    ``t + (n - 1) / 2`` (R's ``from:to``: steps of 1 from the start, positions truncated to
    whole samples), **divided by n**, also where the window is cut at the start. With
    ``n = 12.5`` that is the 6 samples before ``t``, ``t`` and the 5 after it, divided by
    12.5. Each person's series is smoothed on its own.

    Differences from concordlab's conventions, kept because rMEA has them (use
    :func:`smooth` for a centred mean that follows them):

    - the window is not centred and, where ``n`` is fractional, its sum is divided by more
      than the number of samples in it (12 samples / 12.5): the level shrinks by 4 %;
    - **0 is written** where the window runs past the end of the recording (the last
      ``floor((n - 1) / 2)`` samples: 5 at 25 Hz) and wherever the window holds a missing
      sample; a missing sample itself stays NaN (as ``MEAsmooth`` puts its NA back). These
      zeros are not data: mask them (e.g. with NaN) if they should not count.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    window : float, default 0.5
        Width of the window in seconds (rMEA's ``moving.average.win``, default 0.5 s);
        ``window * sampling_rate`` must be at least 1 sample and at most the channel's
        length.
    channels : str or list of str, optional
        Channels to smooth; default all.

    Returns
    -------
    xarray.DataTree
        A new session with the smoothed channels; their ``history`` gains
        ``rmea_smooth(window=...)``.

    Raises
    ------
    ValidationError
        If the window is not a positive number of seconds, shorter than 1 sample or longer
        than a channel.

    See Also
    --------
    smooth : a centred moving average that keeps NaN in, NaN out.
    rmea_scale : rMEA's ``MEAscale``, which rMEA's README applies next.

    Examples
    --------
    At 2 Hz a 1.5 s window is ``n = 3`` samples: one back, one forward, and 0 at the end
    (where the window runs past it) and next to the gap.

    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import rmea_smooth
    >>> s = concordlab.from_arrays({"motion": [[3.0, 6, 9, 12, 15], [3, np.nan, 9, 12, 15]]}, 2)
    >>> rmea_smooth(s, 1.5)["motion"]["motion"].values.tolist()
    [[3.0, 6.0, 9.0, 12.0, 0.0], [0.0, nan, 0.0, 12.0, 0.0]]
    >>> rmea_smooth(s, 1.5)["motion"]["motion"].attrs["history"]
    'rmea_smooth(window=1.5)'
    """
    names = _select(session, channels)
    window = WIDTH.check(window, "window")
    samples = {
        name: _rmea_window_samples(window, _rate(session, name), name, session[name].sizes["time"])
        for name in names
    }
    nodes = {
        name: _channel_node(
            session,
            name,
            _rmea_moving_sum_mean(_values(session, name), samples[name]),
            _step("rmea_smooth", window=window),
        )
        for name in names
    }
    return _replace(session, nodes)


# --------------------------------------------------------------------------- level and scale


def detrend(
    session: xr.DataTree,
    *,
    kind: Literal["linear", "constant"] = "linear",
    channels: Channels = None,
) -> xr.DataTree:
    """Remove a least-squares line (or the mean) from each person's series.

    The line ``a + b * time`` is fitted to the valid samples only (closed-form least
    squares on the time coordinate in seconds); NaN stays NaN. A series with fewer than
    2 valid samples loses only its mean.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    kind : {"linear", "constant"}, default "linear"
        Remove the fitted line, or only the mean.
    channels : str or list of str, optional
        Channels to detrend; default all.

    Returns
    -------
    xarray.DataTree
        A new session; the detrended channels have mean 0 per person.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import detrend
    >>> s = concordlab.from_arrays({"eda": [[1.0, 2, 3, 4], [9.0, np.nan, 5, 3]]}, 1)
    >>> np.abs(detrend(s)["eda"]["eda"].values).round(12).tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, nan, 0.0, 0.0]]
    >>> detrend(s, kind="constant")["eda"]["eda"].values.round(2).tolist()
    [[-1.5, -0.5, 0.5, 1.5], [3.33, nan, -0.67, -2.67]]
    """
    names = _select(session, channels)
    if kind not in ("linear", "constant"):
        raise ValidationError(f"kind must be 'linear' or 'constant', got {kind!r}.")
    nodes = {}
    for name in names:
        values = _values(session, name)
        valid = np.isfinite(values)
        count = valid.sum(axis=1, keepdims=True)
        safe = np.maximum(count, 1)
        filled = np.where(valid, values, 0.0)
        mean = filled.sum(axis=1, keepdims=True) / safe
        trend = np.broadcast_to(mean, values.shape)
        if kind == "linear":
            time = session[name]["time"].values[None, :]
            t_mean = np.where(valid, time, 0.0).sum(axis=1, keepdims=True) / safe
            dt = np.where(valid, time - t_mean, 0.0)
            spread = (dt**2).sum(axis=1, keepdims=True)
            slope = np.zeros_like(spread)
            fit = (count >= 2) & (spread > 0)
            slope[fit] = (dt * (filled - mean)).sum(axis=1, keepdims=True)[fit] / spread[fit]
            trend = mean + slope * (time - t_mean)
        nodes[name] = _channel_node(session, name, values - trend, _step("detrend", kind=kind))
    return _replace(session, nodes)


def standardise(session: xr.DataTree, *, channels: Channels = None) -> xr.DataTree:
    """z-score each person's series: subtract its mean, divide by its standard deviation.

    Mean and SD (population SD, ``ddof=0``, as :func:`scipy.stats.zscore`) are taken over
    the valid samples; NaN stays NaN. A constant series has no scale: it is only centred
    (all 0), as scikit-learn's ``StandardScaler`` does. The channel's ``units`` become
    ``"z"`` (standard deviations).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    channels : str or list of str, optional
        Channels to standardise; default all.

    Returns
    -------
    xarray.DataTree
        A new session; each standardised series has mean 0 and SD 1.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import standardise
    >>> s = concordlab.from_arrays({"eda": [[1.0, 3, 1, 3], [2.0, np.nan, 2, 2]]}, 1)
    >>> z = standardise(s)["eda"]["eda"]
    >>> z.values.tolist(), z.attrs["units"]
    ([[-1.0, 1.0, -1.0, 1.0], [0.0, nan, 0.0, 0.0]], 'z')
    """
    names = _select(session, channels)
    nodes = {}
    for name in names:
        values = _values(session, name)
        valid = np.isfinite(values)
        count = np.maximum(valid.sum(axis=1, keepdims=True), 1)
        mean = np.where(valid, values, 0.0).sum(axis=1, keepdims=True) / count
        centred = values - mean
        squares = np.where(valid, centred, 0.0) ** 2
        sd = np.sqrt(squares.sum(axis=1, keepdims=True) / count)
        constant = sd <= 1e-12 * np.maximum(np.abs(mean), np.finfo(np.float64).tiny)
        scaled = centred / np.where(constant, 1.0, sd)
        attrs = dict(session[name][name].attrs, units="z")
        nodes[name] = _channel_node(session, name, scaled, _step("standardise"), attrs=attrs)
    return _replace(session, nodes)


def rmea_scale(
    session: xr.DataTree,
    scale: float | Literal["sd"] = "sd",
    *,
    center: bool = False,
    channels: Channels = None,
) -> xr.DataTree:
    """rMEA's scaling (``MEAscale``): divide each person's series by its SD or a number.

    Matches ``rMEA::MEAscale(mea, scale = scale, center = center, removeNA = TRUE)`` of
    rMEA 1.3.0 (Kleinbub & Ramseyer 2020), written anew from its rule (R's
    ``base::scale`` applied to each person's series on its own): with ``center=True`` the
    mean of the valid samples is subtracted first; then the series is divided by
    ``scale``, a positive number, or with ``scale="sd"`` by its **sample** standard
    deviation (``ddof=1``, R's ``sd``) over the valid samples, around its mean even when
    it is not centred. rMEA's default is ``scale="sd", center=False``: the series are
    rescaled, not z-scored (use :func:`standardise` for a z-score). NaN stays NaN.

    Differences from rMEA: a series whose SD is 0 or undefined (constant, or fewer than 2
    valid samples) is left unscaled (only centred if asked), where rMEA divides by 0 or
    NA; ``scale`` as any other R function (rMEA's ``match.fun``), ``removeNA=FALSE`` and a
    numeric ``center`` are not offered.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    scale : float or "sd", default "sd"
        The divisor: a positive number, or ``"sd"`` for each series' own SD.
    center : bool, default False
        Subtract each series' mean (of its valid samples) first.
    channels : str or list of str, optional
        Channels to scale; default all.

    Returns
    -------
    xarray.DataTree
        A new session; with ``scale="sd"`` the scaled channels' ``units`` become ``"SD"``.
        Their ``history`` gains ``rmea_scale(scale=..., center=...)``.

    Raises
    ------
    ValidationError
        If ``scale`` is neither ``"sd"`` nor a positive finite number, or ``center`` is not
        a bool.

    See Also
    --------
    rmea_smooth : rMEA's ``MEAsmooth``; rMEA's README applies it first, then this.
    standardise : a z-score (population SD, centred).

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import rmea_scale
    >>> s = concordlab.from_arrays({"motion": [[1.0, 2, 3, 4, 5], [2, np.nan, 4, 6, 8]]}, 1)
    >>> x = rmea_scale(s)["motion"]["motion"]
    >>> x.values.round(4).tolist(), x.attrs["units"]
    ([[0.6325, 1.2649, 1.8974, 2.5298, 3.1623], [0.7746, nan, 1.5492, 2.3238, 3.0984]], 'SD')
    >>> rmea_scale(s, 2, center=True)["motion"]["motion"].values.tolist()
    [[-1.0, -0.5, 0.0, 0.5, 1.0], [-1.5, nan, -0.5, 0.5, 1.5]]
    """
    names = _select(session, channels)
    if isinstance(scale, str):
        if scale != "sd":
            raise ValidationError(
                f"scale must be 'sd' or a positive number (a divisor); got {scale!r}."
            )
    else:
        scale = RMEA_SCALE.check(scale, "scale")
    center = FLAG.check(center, "center")
    nodes = {}
    for name in names:
        values = _values(session, name)
        valid = np.isfinite(values)
        count = valid.sum(axis=1, keepdims=True)
        mean = np.where(valid, values, 0.0).sum(axis=1, keepdims=True) / np.maximum(count, 1)
        out = values - mean if center else values.copy()
        attrs = dict(session[name][name].attrs)
        if scale == "sd":
            squares = np.where(valid, values - mean, 0.0) ** 2
            sd = np.sqrt(squares.sum(axis=1, keepdims=True) / np.maximum(count - 1, 1))
            usable = (count >= 2) & (sd > 1e-12 * np.maximum(np.abs(mean), 1e-300))
            out = out / np.where(usable, sd, 1.0)
            attrs["units"] = "SD"
        else:
            out = out / scale
        step = _step("rmea_scale", scale=scale, center=center)
        nodes[name] = _channel_node(session, name, out, step, attrs=attrs)
    return _replace(session, nodes)


# --------------------------------------------------------------------------- EDA


def eda_components(
    session: xr.DataTree,
    *,
    channel: str = "eda",
    method: Literal["lowpass", "median"] = "lowpass",
    cutoff: float = 0.05,
    window: float = 4.0,
) -> xr.DataTree:
    """Split skin conductance into a tonic level and phasic responses.

    Adds two channels, ``<channel>_tonic`` (the slow skin conductance level, SCL) and
    ``<channel>_phasic`` (the fast skin conductance responses, SCRs), on the same time
    grid, with ``phasic = signal - tonic`` exactly. Existing channels of these names are
    replaced. The two methods are those of Biopac AcqKnowledge, as in NeuroKit2's
    ``eda_phasic``:

    - ``"lowpass"`` (NeuroKit2's "highpass"): tonic = zero-phase 2nd-order Butterworth
      low-pass at ``cutoff`` (0.05 Hz), so phasic holds what changes faster than about
      20 s. Gaps are handled as in :func:`lowpass`: each valid run on its own, runs too
      short to filter are taken as all tonic (phasic 0).
    - ``"median"`` (NeuroKit2's "smoothmedian"): tonic = centred moving median over
      ``window`` seconds (4 s) of the valid samples, NaN where fewer than half of the
      window is valid. Robust to single spikes, but steppy, and responses longer than
      half the window partly go into the tonic part.

    NaN in the signal is NaN in both components.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    channel : str, default "eda"
        The skin conductance channel to split.
    method : {"lowpass", "median"}, default "lowpass"
        How to estimate the tonic level.
    cutoff : float, default 0.05
        Low-pass cutoff in Hz (``method="lowpass"``).
    window : float, default 4.0
        Median window in seconds (``method="median"``).

    Returns
    -------
    xarray.DataTree
        A new session with the two extra channels; their ``history`` extends the
        source channel's.

    Examples
    --------
    >>> import concordlab
    >>> from concordlab.preprocess import eda_components
    >>> s = eda_components(concordlab.simulate_dyad(120, seed=1, channels=["eda"]))
    >>> concordlab.channels(s)
    ['eda', 'eda_tonic', 'eda_phasic']
    >>> eda, tonic, phasic = (s[c][c] for c in concordlab.channels(s))
    >>> bool(abs(tonic + phasic - eda).max() < 1e-12), bool(abs(phasic.mean()) < 0.05)
    (True, True)
    >>> phasic.attrs["history"]
    "eda_components(method='lowpass', cutoff=0.05)"
    """
    if not isinstance(channel, str):
        raise ValidationError(
            f"channel must be one channel name of the session; e.g. channel='eda'. Got {channel!r}."
        )
    (name,) = _select(session, channel, "channel")
    # Both are checked whichever method uses them, so a bad value never passes unseen.
    cutoff = CUTOFF.check(cutoff, "cutoff")
    window = WIDTH.check(window, "window")
    rate = _rate(session, name)
    values = _values(session, name)
    if method == "lowpass":
        _check_cutoff(cutoff, rate, name, "the tonic cutoff is usually 0.05 Hz")
        tonic = _filter_runs(values, signal.butter(2, cutoff, fs=rate, output="sos"))
        step = _step("eda_components", method=method, cutoff=cutoff)
    elif method == "median":
        window = WIDTH.check(window, "window")
        size = _odd_window(window, rate, name, values.shape[1])
        tonic = _moving_median(values, size)
        step = _step("eda_components", method=method, window=window)
    else:
        raise ValidationError(f"method must be 'lowpass' or 'median', got {method!r}.")
    phasic = values - tonic
    source = session[name][name].attrs
    long_name = str(source.get("long_name", name))
    nodes = {}
    for part, data, description in (
        ("tonic", tonic, f"tonic {long_name} (level)"),
        ("phasic", phasic, f"phasic {long_name} (responses)"),
    ):
        node = _channel_node(
            session, name, data, step, attrs=dict(source, long_name=description)
        ).to_dataset(inherit=False)
        node = node.rename_vars({name: f"{name}_{part}"})
        nodes[f"{name}_{part}"] = xr.DataTree(node)
    return _replace(session, nodes)


# --------------------------------------------------------------------------- artefacts


def _is_raw_skin_conductance(session: xr.DataTree, name: str) -> bool:
    attrs = session[name][name].attrs
    history = str(attrs.get("history", ""))
    return (
        name.lower() in _EDA_NAMES
        and is_microsiemens(attrs.get("units", ""))
        and not any(step in history for step in _LEVEL_CHANGING)
    )


def _rule(parameter: Any, name: str, default: Any) -> Any:
    """A per-channel rule: None -> default, mapping -> its entry (default if absent)."""
    if parameter is None:
        return default
    if isinstance(parameter, Mapping):
        return parameter.get(name, default)
    return parameter


def _empty_report() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": pd.Series([], dtype=object),
            "person": pd.Series([], dtype=object),
            "start": pd.Series([], dtype=np.float64),
            "end": pd.Series([], dtype=np.float64),
            "reason": pd.Series([], dtype=object),
            "n_samples": pd.Series([], dtype=np.int64),
        }
    )


def mask_artefacts(
    session: xr.DataTree,
    *,
    channels: Channels = None,
    valid_range: Range | Mapping[str, Range | None] | None = None,
    max_jump: float | Mapping[str, float | None] | None = None,
    pad: float = 0.0,
    as_segments: bool = False,
) -> tuple[xr.DataTree, pd.DataFrame]:
    """Set implausible samples to NaN and report the spans masked.

    Rules, evaluated on the input values of each person separately:

    1. **out of range**: a value below ``low`` or above ``high`` of ``valid_range``.
    2. **jump**: two consecutive valid samples differ by more than ``max_jump`` units
       per second (``abs(diff) * sampling_rate > max_jump``); *both* samples of such a
       step are masked, since either could be the bad one. An isolated spike thus masks
       itself and its two neighbours.
    3. **near artefact**: with ``pad`` > 0, valid samples within ``pad`` seconds of a
       sample flagged by rules 1-2 (Kleckner et al. 2018 use 5 s).

    Defaults follow the EDA quality rules of Kleckner et al. (2018): ``valid_range`` =
    (0.05, 60) µS (60 µS was their sensor's ceiling; below 0.05 µS the electrode has
    lost contact) and ``max_jump`` = 10 µS/s (faster than skin conductance can change).
    They apply only to skin conductance channels (named ``eda``, ``sc``, ``scl`` or
    ``gsr``) still in µS and not detrended or standardised (per their ``history``);
    other channels are left alone unless given rules.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    channels : str or list of str, optional
        Channels to check; default all.
    valid_range : pair or mapping, optional
        ``(low, high)`` in the channel's units, either may be None (no limit): applied to
        every selected channel; or a mapping ``{channel: (low, high) or None}``; None
        (default) uses the defaults above. A channel mapped to None gets no range rule.
    max_jump : float or mapping, optional
        Largest plausible change in units per second, for every selected channel or as a
        mapping ``{channel: value or None}``; None uses the defaults.
    pad : float, default 0.0
        Seconds masked on either side of each flagged sample.
    as_segments : bool, default False
        Also add each masked span as a segment labelled ``"artefact"`` for that person
        (note: ``"<channel>: <reason>"``), keeping the existing segments.

    Returns
    -------
    session : xarray.DataTree
        A new session with the artefacts set to NaN.
    report : pandas.DataFrame
        One row per span of newly masked samples: ``channel``, ``person``, ``start`` and
        ``end`` (seconds; ``end`` = last masked sample + one sample period), ``reason``
        (the rules involved, comma-separated) and ``n_samples``.

    Raises
    ------
    ValidationError
        If a rule is malformed, or no rule applies to any selected channel.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> from concordlab.preprocess import mask_artefacts
    >>> eda = np.full((2, 40), 5.0)
    >>> eda[0, 10] = 25.0  # a spike: +20 µS within 0.25 s
    >>> eda[1, 30:33] = 0.0  # electrode contact lost
    >>> s = concordlab.from_arrays({"eda": eda}, sampling_rate=4, units={"eda": "uS"})
    >>> masked, report = mask_artefacts(s, as_segments=True)
    >>> report
      channel     person  start  end              reason  n_samples
    0     eda    patient   2.25  3.0                jump          3
    1     eda  therapist   7.25  8.5  out of range, jump          5
    >>> int(np.isnan(masked["eda"]["eda"]).sum())
    8
    >>> concordlab.segments(masked)[["start", "end", "label", "person"]]
       start  end     label     person
    0   2.25  3.0  artefact    patient
    1   7.25  8.5  artefact  therapist
    """
    names = _select(session, channels)
    pad = SECONDS.check(pad, "pad")
    as_segments = FLAG.check(as_segments, "as_segments")
    labels = persons(session)
    for parameter, rule in (("valid_range", valid_range), ("max_jump", max_jump)):
        unknown = sorted(set(rule) - set(names), key=str) if isinstance(rule, Mapping) else []
        if unknown:
            raise ValidationError(
                f"{parameter} names channel(s) {unknown} that are not among the channels "
                f"masked here, {names}; use these names or select channels with channels=...."
            )
    plans = {}
    for name in names:
        eda = _is_raw_skin_conductance(session, name)
        limits = _rule(valid_range, name, EDA_VALID_RANGE if eda else None)
        if limits is not None:
            limits = VALID_RANGE.check(limits, f"valid_range for '{name}'")
        jump = _rule(max_jump, name, EDA_MAX_JUMP if eda else None)
        if jump is not None:
            jump = check_positive(jump, f"max_jump for '{name}'", "give units per second, e.g. 10")
        if limits is not None or jump is not None:
            plans[name] = (limits, jump)
    if not plans:
        raise ValidationError(
            f"No artefact rule applies to channel(s) {names}: defaults exist only for skin "
            "conductance in µS; give valid_range=(low, high) and/or max_jump=units per second."
        )
    nodes, reports = {}, []
    for name, (limits, jump) in plans.items():
        values = _values(session, name)
        rate = _rate(session, name)
        valid = np.isfinite(values)
        codes = np.zeros(values.shape, dtype=np.int8)
        if limits is not None:
            low, high = limits
            with np.errstate(invalid="ignore"):
                outside = np.zeros(values.shape, dtype=bool)
                if low is not None:
                    outside |= values < low
                if high is not None:
                    outside |= values > high
            codes[outside] |= 1
        if jump is not None:
            with np.errstate(invalid="ignore"):
                steep = np.abs(np.diff(values, axis=1)) * rate > jump
            jumps = np.zeros(values.shape, dtype=bool)
            jumps[:, :-1] |= steep
            jumps[:, 1:] |= steep
            codes[jumps] |= 2
        # Beyond the series' length a wider pad changes nothing (and would not fit in memory).
        reach = min(round(pad * rate), values.shape[1])
        if reach > 0:
            near = ndimage.maximum_filter1d(
                (codes > 0).astype(np.int8), 2 * reach + 1, axis=1, mode="constant"
            ).astype(bool)
            codes[near & (codes == 0)] = 4
        codes[~valid] = 0
        masked = values.copy()
        masked[codes > 0] = np.nan
        step = _step(
            "mask_artefacts",
            valid_range=limits,
            max_jump=jump,
            **({"pad": pad} if pad else {}),
        )
        nodes[name] = _channel_node(session, name, masked, step)
        rows, starts, ends = _runs(codes > 0)
        if rows.size == 0:
            continue
        time = session[name]["time"].values
        present = []
        for bit in (1, 2, 4):
            counts = np.zeros((values.shape[0], values.shape[1] + 1), dtype=np.int64)
            counts[:, 1:] = np.cumsum((codes & bit) > 0, axis=1)
            present.append(counts[rows, ends] - counts[rows, starts] > 0)
        reasons = [
            ", ".join(r for r, has in zip(_REASONS, flags, strict=True) if has)
            for flags in zip(*present, strict=True)
        ]
        reports.append(
            pd.DataFrame(
                {
                    "channel": np.array([name] * rows.size, dtype=object),
                    "person": np.array([labels[r] for r in rows], dtype=object),
                    "start": time[starts],
                    "end": time[ends - 1] + 1.0 / rate,
                    "reason": np.array(reasons, dtype=object),
                    "n_samples": (ends - starts).astype(np.int64),
                }
            )
        )
    report = _empty_report()
    if reports:
        report = pd.concat(reports, ignore_index=True)
        # Channel order of the session, then time, then person order.
        rank = report["channel"].map({name: i for i, name in enumerate(names)})
        report = report.assign(_rank=rank).sort_values(["_rank", "start"], kind="stable")
        report = report.drop(columns="_rank").reset_index(drop=True)
    for column in ("channel", "person", "reason"):  # text as object, as in segments()
        report[column] = report[column].astype(object)
    new = _replace(session, nodes)
    if as_segments and len(report):
        added = pd.DataFrame(
            {
                "start": report["start"],
                "end": report["end"],
                "label": "artefact",
                "person": report["person"],
                "note": report["channel"] + ": " + report["reason"],
            }
        )
        table = pd.concat([segments(session), added], ignore_index=True)
        new = set_segments(new, table)
    return new, report


# --------------------------------------------------------------------------- heart rate

#: Shortest run of valid samples (seconds) searched for beats by :func:`heart_rate`.
MIN_BEAT_RUN = 5.0
_BEAT_SIGNALS = ("ecg", "ppg")


def _neurokit() -> Any:
    """NeuroKit2, imported on first use (it is an optional extra, absent in the browser)."""
    return optional_module(
        "neurokit2",
        "neurokit",
        "Finding heartbeats in raw ECG or PPG/BVP",
        "A file of beats or RR intervals needs no extra: concordlab.io.read_beats_recording.",
    )


def _find_beats(row: np.ndarray, rate: float, start: float, kind: str) -> tuple[Any, Any]:
    """Beat times (s) and the interval ending at each (s; NaN at the first beat of a run)
    in one person's raw ECG or PPG, each run of valid samples searched on its own."""
    nk = _neurokit()
    times, intervals = [], []
    _, starts, ends = _runs(np.isfinite(row)[None, :])
    for first, end in zip(starts, ends, strict=True):
        if (end - first) / rate < MIN_BEAT_RUN:
            continue
        run = row[first:end]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NeuroKit2 warns about short or flat runs
            if kind == "ecg":
                cleaned = nk.ecg_clean(run, sampling_rate=rate)
                peaks = nk.ecg_peaks(cleaned, sampling_rate=rate)[1]["ECG_R_Peaks"]
            else:
                cleaned = nk.ppg_clean(run, sampling_rate=rate)
                peaks = nk.ppg_peaks(cleaned, sampling_rate=rate)[1]["PPG_Peaks"]
        beat_times = start + (first + np.asarray(peaks, dtype=np.float64)) / rate
        if beat_times.size:
            times.append(beat_times)
            intervals.append(np.concatenate(([np.nan], np.diff(beat_times))))
    if not times:
        return np.empty(0), np.empty(0)
    return np.concatenate(times), np.concatenate(intervals)


def heart_rate(
    session: xr.DataTree,
    channel: str = "ecg",
    *,
    kind: Literal["ecg", "ppg"] = "ecg",
    sampling_rate: float = 4.0,
    method: Literal["linear", "monotone_cubic"] = "linear",
    max_gap: float = 3.0,
    valid_range: tuple[float, float] = (20.0, 250.0),
    new_channel: str = "hr",
) -> xr.DataTree:
    """Add a heart-rate channel (bpm) found from each person's raw ECG or PPG/BVP.

    The beats are found by NeuroKit2 (``nk.ecg_clean`` + ``nk.ecg_peaks`` for ECG,
    ``nk.ppg_clean`` + ``nk.ppg_peaks`` for PPG/BVP; each run of valid samples of at least
    :data:`MIN_BEAT_RUN` seconds on its own) and turned into heart rate exactly as a file
    of beats is (:func:`concordlab.io.beats.beats_to_heart_rate`): ``60 / interval`` at
    each beat, interpolated at ``sampling_rate`` on the session's clock, NaN across
    stretches without a valid beat longer than ``max_gap`` seconds (gaps in the signal,
    rejected beats), beats outside ``valid_range`` left out with a warning. Before the
    first beat and after the last the channel is NaN.

    Needs the ``neurokit`` extra (``pip install "concordlab[neurokit]"``).

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    channel : str, default "ecg"
        The raw ECG or PPG/BVP channel.
    kind : {"ecg", "ppg"}, default "ecg"
        What the channel holds (``"ppg"`` for BVP too).
    sampling_rate, method, max_gap, valid_range
        The new channel's rate (Hz), the interpolation between beats, the longest
        stretch without a valid beat that is bridged (s) and the plausible heart rates
        (bpm), as in :func:`concordlab.io.beats.beats_to_heart_rate`.
    new_channel : str, default "hr"
        Name of the channel added; it must not be in the session yet.

    Returns
    -------
    xarray.DataTree
        A new session with the heart-rate channel (unit ``bpm``); its ``history`` extends
        the source channel's.

    Raises
    ------
    ValidationError
        For a bad argument, a ``new_channel`` already in the session, or a person with
        fewer than two valid beats.
    ConcordlabError
        When NeuroKit2 is not installed.

    Examples
    --------
    >>> import pandas as pd, concordlab
    >>> ecg = pd.read_csv("tests/data/eda-single/neurokit/bio_eventrelated_100hz.csv")["ECG"]
    >>> s = concordlab.from_arrays({"ecg": [ecg[:6000], ecg[6000:12000]]}, sampling_rate=100)
    >>> s = heart_rate(s, "ecg")
    >>> s["hr"]["hr"].attrs["units"], s["hr"]["hr"].attrs["sampling_rate"]
    ('bpm', 4.0)
    """
    from concordlab.io.beats import _check_conversion, _convert
    from concordlab.session import add_channel

    if not isinstance(channel, str):
        raise ValidationError(
            f"channel must be one channel name of the session; e.g. channel='ecg'. Got {channel!r}."
        )
    (name,) = _select(session, channel, "channel")
    kind = _Choice(_BEAT_SIGNALS).check(kind, "kind")
    options = _check_conversion(sampling_rate, method, max_gap, valid_range)
    rate = options["sampling_rate"]
    target = CHANNEL_NAME.check(new_channel, "new_channel")
    if target in list_channels(session):
        raise ValidationError(
            f"Channel '{target}' is already in the session; name the heart rate otherwise "
            "(new_channel='hr_ecg') or remove that channel first."
        )
    _neurokit()
    values = _values(session, name)
    time = session[name]["time"].values
    labels = persons(session)
    channels = []
    for person, row in zip(labels, values, strict=True):
        times, intervals = _find_beats(row, _rate(session, name), float(time[0]), kind)
        where = f"heart_rate: channel '{name}', person '{person}'"
        try:
            hr, _ = _convert(times, intervals, where=where, **options)
        except FileFormatError as error:
            raise ValidationError(f"{error} Is kind={kind!r} right for this channel?") from None
        channels.append(hr)
    first = min(round(c.offset * rate) for c in channels)
    last = max(round(c.offset * rate) + c.n_samples for c in channels)
    data = np.full((len(channels), last - first), np.nan)
    for index, hr in enumerate(channels):
        at = round(hr.offset * rate) - first
        data[index, at : at + hr.n_samples] = hr.values
    step = _step("heart_rate", channel=name, kind=kind, **options)
    new = add_channel(
        session,
        target,
        data,
        rate,
        units="bpm",
        long_name=f"heart rate (from {kind.upper()} beats)",
        time_offset=first / rate,
        persons=labels,
    )
    node = new[target].to_dataset(inherit=False)
    node[target].attrs = _with_history(
        {**node[target].attrs, "history": session[name][name].attrs.get("history", "")}, step
    )
    return _replace(new, {target: xr.DataTree(node)})
