"""The dyad session: one :class:`xarray.DataTree` per recorded session.

Layout of a session tree::

    /                 attrs: session_id, start_time (ISO 8601 or ""), metadata (JSON), format
    /<channel>        one node per signal modality at its native rate, e.g. /eda, /hr, /motion;
                      data variable named like the node, dims (person, time); variable attrs
                      units, long_name, sampling_rate; ``time`` in seconds since session start
    /segments         annotation table along ``segment``: start, end (s), label, person, note
    /results          computed results, each a child node whose attrs hold its parameters
    /truth            (simulated sessions only) the generating parameters and coupling over time
    /videos           (optional) video files along ``video``: path, offset, person, duration,
                      frame rate ... (see :mod:`concordlab.video`)

Functions here never change their input: each returns a new session.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike

from concordlab._checks import (
    MAX_SECONDS,
    PERSONS,
    SAMPLING_RATE,
    ChannelName,
    Channels,
    Real,
    Text,
)
from concordlab._deprecate import renamed
from concordlab._segments_schema import BOTH as BOTH  # its old import path
from concordlab._segments_schema import (
    check_segments_node,
    check_storable_text,
    segment_persons,
    segments_dataset,
)
from concordlab.errors import ValidationError
from concordlab.units import warn_if_not_microsiemens

__all__ = [
    "DEFAULT_PERSONS",
    "add_channel",
    "add_result",
    "channels",
    "from_arrays",
    "get_result",
    "metadata",
    "persons",
    "resample",
    "results",
    "time_span",
    "validate_session",
]

DEFAULT_PERSONS: tuple[str, str] = ("patient", "therapist")
FORMAT = "concordlab-session/1"
RESERVED_NODES = frozenset({"segments", "results", "truth", "videos"})
CHANNEL_NAME = ChannelName(
    reserved=(
        *((node, f"reserved for the session's {node}") for node in sorted(RESERVED_NODES)),
        ("time", "the name of a dimension"),
        ("person", "the name of a dimension"),
    )
)
"""The rule of a channel's name (the name of its node, of its variable and of a column)."""
_OFFSET = Real(low=-MAX_SECONDS, high=MAX_SECONDS, unit="seconds", example="0")

# Descriptions of the channels people usually record; a unit is never guessed from a name.
KNOWN_LONG_NAMES = {
    "eda": "skin conductance",
    "scl": "skin conductance level",
    "sc": "skin conductance",
    "hr": "heart rate",
    "heart_rate": "heart rate",
    "temp": "skin temperature",
    "bvp": "blood volume pulse",
    "motion": "motion energy",
    "resp": "respiration",
}


_CHANNELS = Channels()
"""A selection of the session's channels (:func:`resample`)."""


def _check_tree(session: Any) -> xr.DataTree:
    """Refuse anything that is not a concordlab session tree (the cheap part of validation)."""
    if not isinstance(session, xr.DataTree):
        raise ValidationError(
            f"Expected a concordlab session (xarray.DataTree), got {type(session).__name__}; "
            "build one with concordlab.from_arrays or a reader such as concordlab.read_csv."
        )
    if session.attrs.get("format") != FORMAT:
        raise ValidationError(
            "This DataTree is not a concordlab session (attrs['format'] is missing or "
            f"{session.attrs.get('format')!r}); build one with concordlab.from_arrays."
        )
    return session


def _per_channel(value: Any, name: str, data: Mapping[str, Any], required: bool) -> dict:
    """A per-channel mapping checked against the channels of ``data``."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{name} must be a mapping of channel name to value, got {type(value).__name__}."
        )
    unknown = sorted(str(k) for k in value if k not in data)
    if unknown:
        raise ValidationError(
            f"{name} names channel(s) {unknown} that are not in data; the channels are "
            f"{list(data)}."
        )
    missing = [k for k in data if k not in value]
    if required and missing:
        raise ValidationError(
            f"{name} gives no value for channel(s) {missing}; give one for every channel "
            f"of data, e.g. {name}={{{', '.join(f'{k!r}: ...' for k in data)}}}."
        )
    return dict(value)


def _as_rows(data: Any, channel: str, n_persons: int = 2, labelled: bool = True) -> np.ndarray:
    """Return ``data`` as a float64 array of shape (n_persons, n), or explain why it cannot be.

    ``labelled`` says whether the persons were given (else the default pair was assumed,
    and data with another number of rows asks for labels).
    """
    if isinstance(data, xr.DataArray):
        if "person" in data.dims:
            data = data.transpose("person", ...).values
        else:
            data = data.values
    if (
        isinstance(data, Sequence)
        and not isinstance(data, str | bytes)
        and len(data) >= 2
        and all(np.ndim(row) == 1 for row in data)
    ):
        lengths = [len(row) for row in data]
        if len(set(lengths)) > 1:
            which = "the two persons'" if len(data) == 2 else f"the {len(data)} persons'"
            listed = " and ".join(str(n) for n in lengths)
            raise ValidationError(
                f"Channel '{channel}': {which} series differ in length ({listed} samples); "
                "trim or pad them with NaN so all cover the same time points."
            )
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"Channel '{channel}': values must be numbers (NaN for missing), but {error}."
        ) from None
    if array.ndim == 2 and array.shape[0] > 2 and array.shape[0] != n_persons and not labelled:
        raise ValidationError(
            f"Channel '{channel}': {array.shape[0]} rows, but no person labels were given; "
            f"expected shape (2, n_samples) for the default persons {DEFAULT_PERSONS}, or "
            f"give one label per row for a group session, e.g. persons=("
            f"{', '.join(repr(f'person {i + 1}') for i in range(min(array.shape[0], 3)))}"
            f"{', ...' if array.shape[0] > 3 else ''})."
            + (
                " Transpose it (array.T) if its columns are the persons."
                if array.shape[1] == 2
                else ""
            )
        )
    if array.ndim != 2 or array.shape[0] != n_persons:
        hint = " Transpose it (array.T)." if array.ndim == 2 and array.shape[1] == n_persons else ""
        raise ValidationError(
            f"Channel '{channel}': expected shape ({n_persons}, n_samples), one row per "
            f"person, got {array.shape}.{hint}"
        )
    if array.shape[1] < 2:
        raise ValidationError(
            f"Channel '{channel}': at least 2 samples per person are needed, got {array.shape[1]}."
        )
    if np.isinf(array).any():
        raise ValidationError(
            f"Channel '{channel}': infinite values found; replace them with NaN to mark them "
            "missing."
        )
    return array


def time_axis(n_samples: int, sampling_rate: float, offset: float = 0.0) -> np.ndarray:
    """Sample times in seconds of a regularly sampled channel.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    sampling_rate : float
        Samples per second (Hz).
    offset : float, default 0.0
        Time of the first sample, in seconds since session start.

    Returns
    -------
    numpy.ndarray
        ``offset + arange(n_samples) / sampling_rate`` as float64.

    Examples
    --------
    >>> time_axis(3, 4.0, offset=1.0).tolist()
    [1.0, 1.25, 1.5]
    """
    return offset + np.arange(n_samples, dtype=np.float64) / sampling_rate


def _channel_dataset(
    name: str,
    values: np.ndarray,
    rate: float,
    persons: tuple[str, ...],
    offset: float,
    units: str,
    long_name: str,
) -> xr.Dataset:
    # An index over the array itself: pandas would copy a plain array (a series-length copy).
    time = xr.IndexVariable(
        "time",
        pd.Index(time_axis(values.shape[1], rate, offset), copy=False),
        {"units": "s", "long_name": "time since session start"},
    )
    variable = xr.Variable(
        ("person", "time"),
        values,
        {"units": units, "long_name": long_name, "sampling_rate": rate},
    )
    return xr.Dataset({name: variable}, coords={"person": list(persons), "time": time})


SESSION_ID = Text(non_empty=True, example="'dyad-01'")
"""The name of a session (its dyad id)."""

RESULT_NAME = Text(non_empty=True, example="'ccf'")
"""The name of a stored result."""


def _empty_segments() -> xr.Dataset:
    return segments_dataset([], [], [], [], [])


def from_arrays(
    data: Mapping[str, ArrayLike],
    sampling_rate: float | Mapping[str, float],
    *,
    persons: Sequence[str] | None = None,
    units: Mapping[str, str] | None = None,
    long_names: Mapping[str, str] | None = None,
    time_offset: float | Mapping[str, float] = 0.0,
    start_time: str | None = None,
    session_id: str = "session",
    metadata: Mapping[str, Any] | None = None,
) -> xr.DataTree:
    """Build a session (a dyad, or a group of N >= 2 persons) from in-memory arrays.

    Parameters
    ----------
    data : mapping of str to array-like
        One entry per channel (``"eda"``, ``"hr"``, ``"motion"`` ...): an array of shape
        ``(N, n_samples)``, one row per person in the order of ``persons``, or a sequence
        of N equally long 1-D arrays. NaN marks missing samples.
    sampling_rate : float or mapping of str to float
        Samples per second (Hz), one for all channels or one per channel.
    persons : sequence of str, optional
        Labels of the persons, in row order: two or more, distinct. Default
        ``("patient", "therapist")`` for two rows; data with more rows needs labels.
        ``"both"`` and ``"all"`` are reserved (segments that concern every person), and
        a label holds no ``"~"`` (it joins pair labels, ``"mother~child"``) nor ``"+"``
        (it joins a segment's persons, ``"mother+child"``).
    units, long_names : mapping of str to str, optional
        Per-channel physical units and descriptions. A unit not given is unknown (``""``;
        plots say so), never guessed from the name; well-known channel names (``eda``,
        ``hr``, ``temp`` ...) get a description by default. Values labelled microsiemens
        that cannot be skin conductance give a :class:`~concordlab.UnitWarning`.
    time_offset : float or mapping of str to float, default 0.0
        Time of each channel's first sample in seconds since session start.
    start_time : str, optional
        Absolute start of the session, ISO 8601 (e.g. ``"2026-01-31T10:00:00+00:00"``).
    session_id : str, default "session"
        Name of the session (dyad id).
    metadata : mapping, optional
        Free, JSON-serialisable information (study, site, notes); read back with
        :func:`metadata`.

    Returns
    -------
    xarray.DataTree
        The session, with an empty ``segments`` table.

    Raises
    ------
    ValidationError
        If shapes, rates, names or labels are not usable; the message says how to fix them.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays(
    ...     {"eda": np.ones((2, 40)), "hr": np.full((2, 10), 70.0)},
    ...     sampling_rate={"eda": 4, "hr": 1},
    ...     session_id="dyad-01",
    ... )
    >>> concordlab.channels(s)
    ['eda', 'hr']
    >>> s["eda"]["eda"].attrs["units"], s["hr"]["hr"].attrs["sampling_rate"]
    ('', 1.0)
    >>> family = concordlab.from_arrays(
    ...     {"eda": np.ones((3, 40))}, 4, persons=("mother", "father", "child")
    ... )
    >>> concordlab.persons(family)
    ('mother', 'father', 'child')
    """
    labelled = persons is not None
    persons = PERSONS.check(DEFAULT_PERSONS if persons is None else persons, "persons")
    if not isinstance(data, Mapping) or not data:
        raise ValidationError(
            "data must be a non-empty mapping of channel name to a (2, n_samples) array, "
            "e.g. {'eda': array}."
        )
    root = xr.Dataset(
        attrs={
            "format": FORMAT,
            "session_id": SESSION_ID.check(session_id, "session_id"),
            "start_time": _check_start_time(start_time),
            "metadata": _metadata_json(metadata),
        }
    )
    if isinstance(sampling_rate, Mapping):
        rates = _per_channel(sampling_rate, "sampling_rate", data, required=True)
    else:
        rates = dict.fromkeys(data, sampling_rate)
    if isinstance(time_offset, Mapping):
        offsets = _per_channel(time_offset, "time_offset", data, required=False)
    else:
        offsets = dict.fromkeys(data, time_offset)
    unit_map = {} if units is None else _per_channel(units, "units", data, required=False)
    name_map = (
        {} if long_names is None else _per_channel(long_names, "long_names", data, required=False)
    )
    session = xr.DataTree.from_dict({"/": root, "/segments": _empty_segments()})
    if not labelled:  # more than two rows ask for labels before any channel is built
        for name, values in data.items():
            _as_rows(values, str(name), len(persons), labelled=False)
    for name, values in data.items():
        session = add_channel(
            session,
            name,
            values,
            rates[name],
            units=unit_map.get(name),
            long_name=name_map.get(name),
            time_offset=offsets.get(name, 0.0),
            persons=persons,
        )
    return session


def _check_start_time(start_time: Any) -> str:
    if start_time is None or start_time == "":
        return ""
    import pandas as pd

    # Not numbers (read as nanoseconds since 1970) nor 'now'/'today' (not reproducible).
    usable = isinstance(start_time, datetime.datetime | np.datetime64) or (
        isinstance(start_time, str) and start_time.strip().lower() not in ("now", "today")
    )
    try:
        if not usable:
            raise TypeError
        stamp = pd.Timestamp(start_time)
        if pd.isna(stamp):
            raise ValueError
        return stamp.isoformat()
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(
            f"start_time must be an ISO 8601 date and time such as '2026-01-31T10:00:00', "
            f"got {start_time!r}."
        ) from None


def _metadata_json(meta: Mapping[str, Any] | None) -> str:
    try:
        text = json.dumps(dict(meta or {}), ensure_ascii=False, sort_keys=True)
        return check_storable_text(text, "metadata")
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"metadata must be JSON-serialisable (str, numbers, lists, dicts): {error}."
        ) from None


def metadata(session: xr.DataTree) -> dict[str, Any]:
    """The free metadata of a session as a dict.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4, metadata={"site": "Boston"})
    >>> concordlab.metadata(s)
    {'site': 'Boston'}
    """
    return _stored_metadata(_check_tree(session))


def _stored_metadata(session: xr.DataTree) -> dict[str, Any]:
    text = session.attrs.get("metadata", "")
    if isinstance(text, str) and not text.strip():
        return {}
    problem = ""
    if not isinstance(text, str):
        problem = f"is a {type(text).__name__}, not JSON text"
    else:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as error:
            problem = f"is not valid JSON ({error})"
        else:
            if isinstance(value, dict):
                return value
            problem = f"holds a JSON {type(value).__name__}, not an object ({{...}})"
    raise ValidationError(
        f"The session's attrs['metadata'] {problem}; it must be a JSON object such as "
        '\'{"site": "Boston"}\'. Rebuild the session with from_arrays(..., metadata={...}).'
    )


@renamed(name="channel")
def add_channel(
    session: xr.DataTree,
    channel: str,
    data: ArrayLike,
    sampling_rate: float,
    *,
    units: str | None = None,
    long_name: str | None = None,
    time_offset: float = 0.0,
    persons: Sequence[str] | None = None,
) -> xr.DataTree:
    """Return a copy of ``session`` with one more channel.

    Parameters
    ----------
    session : xarray.DataTree
        The session to extend.
    channel : str
        Channel name, e.g. ``"eda"``; becomes the node and variable name. Its old name
        ``name`` still works until concordlab 0.3, with a ``FutureWarning``.
    data : array-like, shape (N, n_samples)
        One row per person, in the session's person order; NaN marks missing samples.
    sampling_rate : float
        Samples per second (Hz).
    units, long_name : str, optional
        Physical unit (unknown, ``""``, when not given; values labelled microsiemens that
        cannot be skin conductance give a :class:`~concordlab.UnitWarning`) and
        description (a default for well-known names).
    time_offset : float, default 0.0
        Time of the first sample in seconds since session start.
    persons : sequence of str, optional
        Person labels; default those already in the session (or patient, therapist for
        two rows).

    Returns
    -------
    xarray.DataTree
        A new session; the input is unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 8))}, sampling_rate=4)
    >>> s2 = concordlab.add_channel(s, "hr", np.full((2, 2), 70.0), 1)
    >>> concordlab.channels(s), concordlab.channels(s2)
    (['eda'], ['eda', 'hr'])
    """
    name = CHANNEL_NAME.check(channel, "channel")
    existing = _channel_names(_check_tree(session))
    if name in existing:
        raise ValidationError(
            f"Channel '{name}' is already in the session; choose another name or remove it first."
        )
    labelled = persons is not None or bool(existing)
    if persons is None:
        persons = _labels(session) if existing else DEFAULT_PERSONS
    persons = PERSONS.check(persons, "persons")
    if existing and tuple(persons) != _labels(session):
        raise ValidationError(
            f"Channel '{name}' is labelled {tuple(persons)} but the session's persons are "
            f"{_labels(session)}; use the same labels in the same order."
        )
    rate = SAMPLING_RATE.check(
        sampling_rate, f"the sampling rate of channel '{name}' (sampling_rate)"
    )
    offset = _OFFSET.check(time_offset, f"Channel '{name}': time_offset")
    if units is not None:
        units = Text().check(units, f"Channel '{name}': units")
    if long_name is not None:
        long_name = Text().check(long_name, f"Channel '{name}': long_name")
    values = _as_rows(data, name, len(persons), labelled)
    if units is not None:
        warn_if_not_microsiemens(values, units, name)
    duration = values.shape[1] / rate
    if not abs(offset) + duration <= MAX_SECONDS:
        raise ValidationError(
            f"Channel '{name}': {values.shape[1]} samples at {rate:g} Hz from {offset:g} s "
            f"would span up to {abs(offset) + duration:.3g} s, beyond {MAX_SECONDS:g} s (about "
            "31 years); check the sampling rate (in Hz) and the time offset (in seconds)."
        )
    dataset = _channel_dataset(
        name,
        values,
        rate,
        persons,
        offset,
        "" if units is None else str(units),
        KNOWN_LONG_NAMES.get(name.lower(), name) if long_name is None else str(long_name),
    )
    new = session.copy()
    new[name] = xr.DataTree(dataset)
    return new


def channels(session: xr.DataTree) -> list[str]:
    """Names of the signal channels in a session, in insertion order.

    Examples
    --------
    >>> import concordlab
    >>> concordlab.channels(concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4))
    ['eda']
    """
    if not isinstance(session, xr.DataTree):
        _check_tree(session)
    return [name for name in session.children if name not in RESERVED_NODES]


# For the functions whose ``channels`` parameter hides :func:`channels`.
_channel_names = channels


def persons(session: xr.DataTree) -> tuple[str, ...]:
    """The person labels of a session, in order (two for a dyad, N for a group).

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4, persons=("A", "B"))
    >>> concordlab.persons(s)
    ('A', 'B')
    """
    return _labels(session)


def _labels(session: xr.DataTree) -> tuple[str, ...]:
    names = channels(session)
    if not names:
        raise ValidationError("The session has no channels; add one with add_channel.")
    labels = session[names[0]].dataset["person"].values
    return tuple(str(label) for label in labels)


def time_span(session: xr.DataTree) -> tuple[float, float]:
    """First and last instant covered by any channel, in seconds since session start.

    The end is the last sample's time plus one sample period, so a 10 s recording at 4 Hz
    spans ``(0.0, 10.0)``.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> concordlab.time_span(concordlab.from_arrays({"eda": np.ones((2, 40))}, 4))
    (0.0, 10.0)
    """
    starts, ends = [], []
    for name in channels(session):
        variable = session[name].dataset[name]
        time = session[name].dataset["time"].values
        starts.append(float(time[0]))
        ends.append(float(time[-1]) + 1.0 / float(variable.attrs["sampling_rate"]))
    if not starts:
        raise ValidationError("The session has no channels; add one with add_channel.")
    return min(starts), max(ends)


# Samples of a time axis checked at once by _off_grid (a block that stays in the cache).
_GRID_BLOCK = 1 << 15


def _off_grid(time: np.ndarray, rate: float) -> float:
    """The largest distance of ``time`` from the regular grid ``time[0] + i / rate`` (NaN
    when a time is NaN), block by block: the same numbers as :func:`time_axis` over the
    whole axis, without a series-length temporary (this runs on every load and save)."""
    start = float(time[0])
    block = np.empty(min(time.size, _GRID_BLOCK), dtype=np.float64)
    worst = 0.0
    for first in range(0, time.size, _GRID_BLOCK):
        part = block[: min(_GRID_BLOCK, time.size - first)]
        part[...] = np.arange(first, first + part.size, dtype=np.float64)
        np.divide(part, rate, out=part)
        np.add(part, start, out=part)
        np.subtract(part, time[first : first + part.size], out=part)
        np.abs(part, out=part)
        found = part.max()
        if not found <= worst:
            if np.isnan(found):
                return float("nan")
            worst = float(found)
    return worst


def validate_session(session: Any) -> xr.DataTree:
    """Check that ``session`` follows the concordlab data model; return it unchanged.

    Raises
    ------
    ValidationError
        Naming the first node or attribute that does not fit, and what to do.

    Examples
    --------
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4)
    >>> concordlab.validate_session(s) is s
    True
    """
    _check_tree(session)
    labels = _labels(session)
    on_grid: set[tuple[Any, ...]] = set()  # time axes checked (channels often share one)
    for name in channels(session):
        dataset = session[name].dataset
        if name not in dataset.data_vars or dataset[name].dims != ("person", "time"):
            raise ValidationError(
                f"Channel node '{name}' must hold a variable '{name}' with dims (person, time)."
            )
        if tuple(str(p) for p in dataset["person"].values) != labels:
            raise ValidationError(
                f"Channel '{name}' has persons {tuple(dataset['person'].values)}, "
                f"the session has {labels}; all channels must use the same labels."
            )
        rate = SAMPLING_RATE.check(
            dataset[name].attrs.get("sampling_rate"), f"Channel '{name}': sampling rate"
        )
        time = np.asarray(dataset["time"].values, dtype=np.float64)
        memory = (time.__array_interface__["data"][0], time.shape, time.strides, rate)
        if memory in on_grid:
            continue
        if not _off_grid(time, rate) <= 0.01 / rate:
            raise ValidationError(
                f"Channel '{name}': time does not step by 1/sampling_rate = {1 / rate} s."
            )
        on_grid.add(memory)
    if "segments" not in session.children:
        raise ValidationError("The session has no 'segments' node; build it with from_arrays.")
    check_segments_node(session["segments"].dataset, segment_persons(labels))
    if "videos" in session.children:
        from concordlab.video import check_videos_node  # only sessions with videos need it

        check_videos_node(session["videos"].to_dataset(inherit=False), labels)
    _stored_metadata(session)
    return session


@renamed(names="channels")
def resample(
    session: xr.DataTree, sampling_rate: float, channels: str | Sequence[str] | None = None
) -> xr.DataTree:
    """Return a copy of ``session`` with channels resampled to one common rate.

    Downsampling low-pass filters first (polyphase FIR, no aliasing); upsampling
    interpolates with the same filter. Samples that fall in a NaN gap of the original
    stay NaN; the rest of the channel is unaffected by the gap.

    Parameters
    ----------
    session : xarray.DataTree
        The session.
    sampling_rate : float
        The new rate in Hz.
    channels : str or sequence of str, optional
        Channel(s) to resample; default all. Its old name ``names`` still works until
        concordlab 0.3, with a ``FutureWarning``.

    Returns
    -------
    xarray.DataTree
        A new session; segments, results and attrs are kept.

    Examples
    --------
    >>> import numpy as np
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 400)), "hr": np.ones((2, 100))},
    ...                            sampling_rate={"eda": 4, "hr": 1})
    >>> r = concordlab.resample(s, 2)
    >>> r["eda"].sizes["time"], r["hr"].sizes["time"], r["hr"]["hr"].attrs["sampling_rate"]
    (200, 200, 2.0)
    """
    validate_session(session)
    rate = SAMPLING_RATE.check(sampling_rate, "sampling_rate")
    selected = _CHANNELS.check(
        channels, "channels", available=_channel_names(session), where="the session's channels"
    )
    new = session.copy()
    for name in selected:
        dataset = session[name].dataset
        old_rate = float(dataset[name].attrs["sampling_rate"])
        values = _resample_rows(dataset[name].values, old_rate, rate)
        attrs = dict(dataset[name].attrs, sampling_rate=rate)
        replaced = _channel_dataset(
            name,
            values,
            rate,
            _labels(session),
            float(dataset["time"].values[0]),
            attrs.get("units", ""),
            attrs.get("long_name", name),
        )
        replaced[name].attrs.update(attrs)
        new[name] = xr.DataTree(replaced.assign_attrs(dataset.attrs))
    return new


def _resample_rows(values: np.ndarray, old_rate: float, new_rate: float) -> np.ndarray:
    if old_rate == new_rate:
        return values.copy()
    # Imported here: scipy.signal takes about a second to import, the session model none.
    from scipy import signal

    ratio = Fraction(new_rate / old_rate).limit_denominator(1000)
    n_old = values.shape[1]
    n_new = math.ceil(n_old * ratio.numerator / ratio.denominator)
    old_time = np.arange(n_old) / old_rate
    new_time = np.arange(n_new) / new_rate
    out = np.empty((values.shape[0], n_new))
    for row, series in enumerate(values):
        missing = np.isnan(series)
        if missing.all():
            out[row] = np.nan
            continue
        filled = series
        if missing.any():
            filled = np.interp(old_time, old_time[~missing], series[~missing])
        resampled = signal.resample_poly(
            filled, ratio.numerator, ratio.denominator, padtype="line"
        )[:n_new]
        if missing.any():
            # A new sample is missing if any original sample within one old period is.
            nearby_gap = np.interp(new_time, old_time, missing.astype(float))
            resampled[nearby_gap > 0] = np.nan
        out[row] = resampled
    return out


def add_result(session: xr.DataTree, name: str, result: xr.DataArray | xr.Dataset) -> xr.DataTree:
    """Return a copy of ``session`` with a computed result stored under ``results/<name>``.

    Store the parameters that made the result in its ``attrs`` so a saved file says how
    it was made.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": np.ones((2, 8))}, 4)
    >>> r = xr.DataArray([0.5, 0.7], dims="time", coords={"time": [1.0, 2.0]},
    ...                  name="r", attrs={"window": 30.0})
    >>> s = concordlab.add_result(s, "concordance", r)
    >>> concordlab.results(s), concordlab.get_result(s, "concordance").attrs["window"]
    (['concordance'], 30.0)
    """
    _check_tree(session)
    if not isinstance(name, str) or not name or "/" in name:
        raise ValidationError(f"Result name {name!r} must be a non-empty string without '/'.")
    if isinstance(result, xr.DataArray):
        result = result.to_dataset(name=result.name or name, promote_attrs=True)
    if not isinstance(result, xr.Dataset):
        raise ValidationError(
            f"A result must be an xarray DataArray or Dataset, got {type(result).__name__}."
        )
    new = session.copy()
    if "results" not in new.children:
        new["results"] = xr.DataTree()
    new[f"results/{name}"] = xr.DataTree(result)
    return new


def results(session: xr.DataTree) -> list[str]:
    """Names of the results stored in a session.

    Examples
    --------
    >>> import concordlab
    >>> concordlab.results(concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4))
    []
    """
    if "results" not in _check_tree(session).children:
        return []
    return list(session["results"].children)


def get_result(session: xr.DataTree, name: str) -> xr.DataArray | xr.Dataset:
    """A stored result: a DataArray if it holds one variable, else the Dataset.

    Examples
    --------
    >>> import xarray as xr
    >>> import concordlab
    >>> s = concordlab.from_arrays({"eda": [[1, 2], [3, 4]]}, 4)
    >>> s = concordlab.add_result(s, "r", xr.DataArray([1.0], dims="x", name="r"))
    >>> concordlab.get_result(s, "r").values.tolist()
    [1.0]
    """
    name = RESULT_NAME.check(name, "name")
    if name not in results(session):
        raise ValidationError(
            f"name={name!r}: no result named {name!r} in the session; stored results: "
            f"{results(session)}."
        )
    dataset = session[f"results/{name}"].to_dataset(inherit=False)
    if len(dataset.data_vars) == 1:
        (variable,) = dataset.data_vars
        array = dataset[variable]
        array.attrs = {**dataset.attrs, **array.attrs}
        return array
    return dataset
