"""What every measure shares: parameter rules, the two series, seconds to samples, labels.

The parameter rules here are constraint objects like those of :mod:`concordlab._checks`
(one per shared parameter), so that a measure's parameter declarations can point at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from concordlab._checks import (
    MAX_SECONDS,
    MIN_SECONDS,
    SAMPLING_RATE,
    SECONDS,
    Integer,
    Real,
    Text,
)
from concordlab.errors import ValidationError
from concordlab.session import RESERVED_NODES
from concordlab.session import _check_tree as check_tree

# The most random draws (surrogates, bootstrap resamples, permutations) one call makes:
# enough for p-values down to 1e-6, few enough that the draws' bookkeeping fits in memory.
MAX_DRAWS = 1_000_000
# The most values (windows x lags) one windowed result may hold: 128 MiB of float64, and
# the kernel keeps a few arrays of that size while it works.
MAX_CELLS = 2**24

DRAWS = Integer(low=1, high=MAX_DRAWS, example="1000")
"""A number of random draws (``n_surrogates``, ``n_boot``, ``n_permutations``): at least 1."""

POSITIVE_SECONDS = Real(low=MIN_SECONDS, high=MAX_SECONDS, unit="seconds", example="15")
"""A duration that must be longer than zero, at least a microsecond (a window, a step, a
segment length)."""

CONFIDENCE = Real(low=0.0, high=1.0, low_open=True, high_open=True, example="0.95")
"""The coverage of a confidence interval: strictly between 0 and 1."""

FRACTION = Real(low=0.0, high=1.0, example="0.5")
"""A fraction between 0 and 1 (``min_valid``)."""

CHANNEL = Text(non_empty=True)
"""A channel name."""


def optional(rule: Any, value: Any, name: str) -> Any:
    """``None``, or ``value`` checked by ``rule``.

    Examples
    --------
    >>> optional(SECONDS, None, "lag_step") is None
    True
    """
    return None if value is None else rule.check(value, name)


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
    session_id: str = ""
    history: str = ""


def pair_from(data: xr.DataTree | xr.DataArray, channel: str | None = None) -> Pair:
    """The two series of ``channel`` in a session, or of a (person, time) DataArray.

    With ``channel=None`` a session's only channel is used, or ``"eda"`` if it has several.
    A session was validated where it was made (readers, constructors); here only what the
    computation reads is checked (the tree is a session, the channel's variable, its dims,
    dtype and sampling rate), so a call costs microseconds, not a whole validation.
    The series are views of the session's data, not copies.

    Examples
    --------
    >>> import concordlab
    >>> pair = pair_from(concordlab.example_session())
    >>> pair.channel, pair.rate, pair.persons
    ('eda', 32.0, ('patient', 'therapist'))
    """
    if channel is not None:
        channel = CHANNEL.check(channel, "channel")
    session_id = ""
    if isinstance(data, xr.DataTree):
        check_tree(data)
        names = [name for name in data.children if name not in RESERVED_NODES]
        if channel is None:
            if len(names) == 1:
                channel = names[0]
            elif "eda" in names:
                channel = "eda"
            elif not names:
                raise ValidationError("The session has no channels; add one with add_channel.")
            else:
                raise ValidationError(
                    f"The session has several channels {names}; say which, e.g. "
                    f"channel='{names[0]}'."
                )
        if channel not in names:
            raise ValidationError(f"Unknown channel '{channel}'; the session has {names}.")
        variables = data.children[channel].variables  # Variables: no DataArrays built
        if channel not in variables:
            raise ValidationError(
                f"Node '{channel}' holds no variable '{channel}': this is not a concordlab "
                "session; build one with concordlab.from_arrays or a reader."
            )
        session_id = str(data.attrs.get("session_id", ""))
    elif isinstance(data, xr.DataArray):
        channel = str(data.name or channel or "signal")
        variables = {channel: data.variable, **{k: v.variable for k, v in data.coords.items()}}
    else:
        raise ValidationError(
            f"Expected a session (xarray.DataTree) or a (person, time) DataArray, got "
            f"{type(data).__name__}."
        )
    variable = variables[channel]
    sizes = dict(zip(variable.dims, variable.shape, strict=True))
    if set(variable.dims) != {"person", "time"} or sizes["person"] != 2:
        raise ValidationError(
            f"'{channel}' must have dims (person, time) with two persons, got {sizes}."
        )
    if variable.dtype.kind not in "iuf":
        raise ValidationError(
            f"'{channel}' must hold real numbers (NaN for missing), got dtype {variable.dtype}."
        )
    if variable.dims != ("person", "time"):
        variable = variable.transpose("person", "time")
    offset, persons = _labels(variables.get("time"), variables.get("person"))
    rate = variable.attrs.get("sampling_rate")
    if rate is None:
        time = np.asarray(variables["time"].values if "time" in variables else [])
        steps = np.diff(time.astype(np.float64))
        if steps.size == 0 or not np.allclose(steps, steps[0]) or not steps[0] > 0:
            raise ValidationError(
                f"'{channel}' has no sampling_rate attr and an irregular time axis; resample it."
            )
        rate = 1.0 / float(steps[0])
    rate = SAMPLING_RATE.check(rate, f"the sampling_rate of '{channel}'")
    values = np.asarray(variable.values).astype(np.float64, copy=False)
    return Pair(
        first=values[0],
        second=values[1],
        rate=float(rate),
        offset=offset,
        persons=persons,
        channel=channel,
        units=str(variable.attrs.get("units", "")),
        session_id=session_id,
        history=str(variable.attrs.get("history", "") or ""),
    )


# Person coordinates read by _labels and their labels (the most recent few): a session
# computed on again and again (a slider, a cohort's measures) reads its labels once. A
# coordinate with an index cannot change in place (xarray refuses), so the same object means
# the same labels; only these two-label coordinates are kept, never a (long) time axis.
_PERSONS: dict[int, tuple[xr.Variable, tuple[str, str]]] = {}
_MAX_PERSONS = 64


def _labels(time: xr.Variable | None, person: xr.Variable | None) -> tuple[float, tuple[str, str]]:
    """The first time (s; 0.0 without a time coordinate) and the two person labels
    (``"0"``, ``"1"`` without a person coordinate), read through the coordinates' indexes
    (no copy of a long time axis)."""
    if time is None or time.size == 0:
        offset = 0.0
    elif isinstance(time, xr.IndexVariable):
        offset = float(time.to_index()[0])
    else:
        offset = float(np.asarray(time[:1].values)[0])
    if person is None:
        return offset, ("0", "1")
    known = _PERSONS.get(id(person))
    if known is not None and known[0] is person:
        return offset, known[1]
    labels = person.values
    persons = (str(labels[0]), str(labels[1]))
    if isinstance(person, xr.IndexVariable):
        if len(_PERSONS) >= _MAX_PERSONS:
            del _PERSONS[next(iter(_PERSONS))]  # the oldest
        _PERSONS[id(person)] = (person, persons)
    return offset, persons


def samples(
    seconds: Any, rate: float, name: str, minimum: int = 1, *, length: int | None = None
) -> int:
    """A duration in seconds as a whole number of samples (rounded), at least ``minimum``.

    ``seconds`` must pass :data:`~concordlab._checks.SECONDS` (finite, 0 to 1e9 s); with
    ``length`` (the series' samples) the duration must also fit in the series, and the
    error says how long the series is.

    Examples
    --------
    >>> samples(30, 25.0, "window")
    750
    >>> try:
    ...     samples(90, 25.0, "window", length=1500)
    ... except ValidationError as error:
    ...     print(str(error).split(";")[1])
     choose a window of at most 60 s.
    """
    value = SECONDS.check(seconds, name)
    count = round(value * rate)
    if count < minimum:
        raise ValidationError(
            f"{name}={value:g} s is shorter than {minimum} sample(s) at {rate:g} Hz; "
            f"use at least {minimum / rate:g} s."
        )
    if length is not None and count > length:
        raise ValidationError(
            f"{name}={value:g} s is longer than the series ({length / rate:g} s, {length} "
            f"samples at {rate:g} Hz); choose a {name} of at most {length / rate:g} s."
        )
    return count


def check_cells(n_windows: int, n_lags: int, fix: str) -> None:
    """Refuse a result of more than :data:`MAX_CELLS` values, before it is allocated.

    Examples
    --------
    >>> check_cells(3600, 321, "use a larger step")
    """
    if n_windows * n_lags > MAX_CELLS:
        raise ValidationError(
            f"These parameters ask for {n_windows} windows x {n_lags} lags = "
            f"{n_windows * n_lags:,} values, more than the {MAX_CELLS:,} one result may hold; "
            f"{fix}."
        )


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
