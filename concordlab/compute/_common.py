"""What every measure shares: picking the two series, seconds to samples, result labels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from concordlab.errors import ValidationError
from concordlab.session import channels as session_channels


@dataclass(frozen=True)
class Pair:
    """The two persons' series of one channel, ready for the kernel."""

    first: np.ndarray
    second: np.ndarray
    rate: float
    offset: float
    persons: tuple[str, str]
    channel: str
    units: str


def pair_from(data: xr.DataTree | xr.DataArray, channel: str | None = None) -> Pair:
    """The two series of ``channel`` in a session, or of a (person, time) DataArray.

    With ``channel=None`` a session's only channel is used, or ``"eda"`` if it has several.

    Examples
    --------
    >>> import concordlab
    >>> pair = pair_from(concordlab.example_session())
    >>> pair.channel, pair.rate, pair.persons
    ('eda', 32.0, ('patient', 'therapist'))
    """
    if isinstance(data, xr.DataTree):
        # Sessions are validated where they are made (readers, constructors); here only
        # what this function relies on is checked, so sliders stay fast.
        names = session_channels(data)
        if channel is None:
            if len(names) == 1:
                channel = names[0]
            elif "eda" in names:
                channel = "eda"
            else:
                raise ValidationError(
                    f"The session has several channels {names}; say which, e.g. "
                    f"channel='{names[0]}'."
                )
        if channel not in names:
            raise ValidationError(f"Unknown channel '{channel}'; the session has {names}.")
        node = data[channel].dataset
        if channel not in node.data_vars:
            raise ValidationError(
                f"Node '{channel}' holds no variable '{channel}': this is not a concordlab "
                "session; build one with concordlab.from_arrays or a reader."
            )
        array = node[channel]
    elif isinstance(data, xr.DataArray):
        array = data
        channel = str(data.name or channel or "signal")
    else:
        raise ValidationError(
            f"Expected a session (xarray.DataTree) or a (person, time) DataArray, got "
            f"{type(data).__name__}."
        )
    if set(array.dims) != {"person", "time"} or array.sizes["person"] != 2:
        raise ValidationError(
            f"'{channel}' must have dims (person, time) with two persons, got {dict(array.sizes)}."
        )
    array = array.transpose("person", "time")
    rate = array.attrs.get("sampling_rate")
    if rate is None:
        steps = np.diff(array["time"].values)
        if steps.size == 0 or not np.allclose(steps, steps[0]):
            raise ValidationError(
                f"'{channel}' has no sampling_rate attr and an irregular time axis; resample it."
            )
        rate = 1.0 / float(steps[0])
    values = array.values.astype(np.float64, copy=False)
    return Pair(
        first=values[0],
        second=values[1],
        rate=float(rate),
        offset=float(array["time"].values[0]),
        persons=(str(array["person"].values[0]), str(array["person"].values[1])),
        channel=channel,
        units=str(array.attrs.get("units", "")),
    )


def samples(seconds: Any, rate: float, name: str, minimum: int = 1) -> int:
    """A duration in seconds as a whole number of samples (rounded), at least ``minimum``.

    Examples
    --------
    >>> samples(30, 25.0, "window")
    750
    """
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a number of seconds, got {seconds!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise ValidationError(f"{name} must be a non-negative number of seconds, got {seconds!r}.")
    count = round(value * rate)
    if count < minimum:
        raise ValidationError(
            f"{name}={value:g} s is shorter than {minimum} sample(s) at {rate:g} Hz; "
            f"use at least {minimum / rate:g} s."
        )
    return count


def window_coords(starts: np.ndarray, window: int, pair: Pair) -> dict[str, Any]:
    """Coordinates along ``time`` for windows starting at ``starts`` (samples).

    ``time`` is the centre of the lag-0 window, ``window_start``/``window_end`` its edges,
    all in seconds since session start.

    Examples
    --------
    >>> import concordlab
    >>> pair = pair_from(concordlab.example_session())
    >>> coords = window_coords(np.array([0, 32]), 64, pair)
    >>> coords["time"][1].tolist(), coords["window_end"][1].tolist()
    ([1.0, 2.0], [2.0, 3.0])
    """
    start = pair.offset + starts / pair.rate
    end = start + window / pair.rate
    return {
        "time": ("time", (start + end) / 2, {"units": "s", "long_name": "window centre"}),
        "window_start": ("time", start, {"units": "s"}),
        "window_end": ("time", end, {"units": "s"}),
    }


def as_attr(value: Any) -> Any:
    """A parameter value as a netCDF-storable attribute (bools as 0/1, None as "")."""
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    return value
